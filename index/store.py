"""Storage behind a narrow interface: write documents, run a ``Request``, list documents.

Only this module, ``postings`` and ``wquery`` know Whoosh. A store is a folder::

    DIR/rsearch.json     format + analysis version, current generation, indexed sources
    DIR/g000001/         the Whoosh index of that generation, and beside each segment its
                         packed postings (``index.postings``)

Queries of loose words (and parenthesised groups of them) are ranked from the packed
postings (``index.ranking``) when every segment has them, over a plain reader; phrases
and operators by Whoosh's matchers (``index.wquery``). Both give the same scores for the
same query (``tests/test_arrays.py``).

Incremental updates commit into the current generation (Whoosh writes a new table of
contents and renames it into place, so a reader sees the old or the new state). A full
rebuild writes a new generation beside it and then replaces ``rsearch.json`` atomically,
so a crash leaves the previous index intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as windex
from whoosh import scoring, sorting
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.util.numeric import byte_to_length

from index import analysis, focus, lexicon, passage, postings, schema
from index.analysis import WordTerms
from index.errors import BuildError, IndexLockedError, IndexMissingError, IndexVersionError
from index.models import DocRecord, Metadata, Section
from index.queries import Bool, Clause, Phrase, Request, Word
from index.ranking import NEAR_WEIGHT, ArrayRanker, Near, WordPlan, in_order_near
from index.termcache import TermCache

if TYPE_CHECKING:
    from whoosh import query as wq

MANIFEST = "rsearch.json"
_NEAR_MAX_WORDS = 4  # longer questions are ranked by coverage; phrase matching is costly
_CANDIDATES = 100
WRITER_MB = 512  # posting pool held in memory before Whoosh spills sorted runs to disk
# Sections (and document records) per job file handed to a build worker: Whoosh's 100
# made 2,100 files for the shared corpus, and the parent's system time fell from 1.2 to
# 0.6 s with 500.
_JOB_DOCS = 500
# Queries of more clauses than this do not try the sections with every clause first
# (``ArrayRanker.rank_covering``): among the corpus benchmark's 328 queries, none of 4 to
# 22 clauses had 10 sections with all of them, and a try that fails costs about 4 %.
_COVERING_MAX_CLAUSES = 3
_COMMON_SHARE = 0.05  # a word in more sections than this only adds to rarer words' matches
_COMMON_MIN_DOCS = 2000  # ... and in more than this many: small indexes search every word
# Sections run from one line to pages (an FAQ answer of 300 characters, a statute's
# paragraph of 6,000): length weighs more than the usual 0.75 of whole web pages, so a
# long section that names many words of a question once each does not outrank a short
# one about them. (SweFAQ with the corpus as distractors: nDCG@10 0.502 at 0.75, 0.516
# at 0.85; 0.716 and 0.720 without them.)
_BM25_B = 0.85
_BM25_K1 = 1.2


@dataclass(frozen=True)
class StoredHit:
    """One matching section as stored, with its score."""

    score: float
    fields: dict[str, Any]


@dataclass(frozen=True)
class StoreResult:
    total: int
    hits: list[StoredHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Manifest:
    """The small JSON file that says which generation is current and how it was built."""

    generation: str = "g000001"
    format: int = schema.FORMAT_VERSION
    analysis: str = analysis.ANALYSIS_VERSION
    sources: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    # The digest of the Snowball stemmer that built the index (``lexicon.check_stemmer``);
    # "" in an index written before it was kept.
    stemmer: str = ""

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexMissingError(f"no rsearch index at {folder}") from None
        except (OSError, ValueError) as exc:
            raise IndexVersionError(
                f"{folder / MANIFEST}: unreadable ({exc}); rebuild with `rsearch index --rebuild`"
            ) from None
        return cls(
            generation=str(data.get("generation", "")),
            format=int(data.get("format", 0)),
            analysis=str(data.get("analysis", "")),
            sources=list(data.get("sources", [])),
            created=float(data.get("created", 0.0)),
            stemmer=str(data.get("stemmer", "")),
        )

    def write(self, folder: Path) -> None:
        """Replace the manifest atomically (write a temporary file, fsync, rename)."""
        folder.mkdir(parents=True, exist_ok=True)
        import tempfile  # writing paths import what searching does not need

        fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.__dict__, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / MANIFEST)


Terms = Mapping[str, WordTerms]
# A query word -> the other indexed words it also finds (``WhooshStore._near``).
Misses = Mapping[str, Near]


def clause_words(clause: Clause, negated: bool = True) -> list[str]:
    """Every word of a clause, negated ones included (they are compiled too) unless not
    ``negated``."""
    if isinstance(clause, Word):
        return [clause.text]
    if isinstance(clause, Phrase):
        return list(clause.words)
    inner = (*clause.must, *clause.should, *(clause.must_not if negated else ()))
    return [w for c in inner for w in clause_words(c, negated)]


def _split_common(
    clauses: Sequence[tuple[str, ...]],
    single: Sequence[bool],
    terms: Terms,
    frequent: Callable[[str], bool],
) -> tuple[frozenset[int], frozenset[str]]:
    """Which of a query's loose clauses find sections, and whose scattered parts do not.

    Words found in more than ``_COMMON_SHARE`` of the sections only add score to
    sections that match a rarer word of the query, the way Lucene's common-terms query
    works: their long posting lists are skipped through, not walked. So do the scattered
    parts of a compound when all of them are that common ("social" and "tjänst" for
    "socialtjänsten": two long lists to intersect). In a query of common words only (or
    one common word), every word finds sections but such parts still only add score: the
    whole word already finds thousands. ``clauses`` are the words of each clause;
    ``single[i]`` tells a lone word from a group or phrase.

    Returns the clauses that find sections and the words whose parts only add score;
    every clause and no word means the query is searched as it is.
    """
    everything = frozenset(range(len(clauses)))
    rare = frozenset(
        i
        for i, words in enumerate(clauses)
        if not (words and all(frequent(terms[w].stem) for w in words))
    )
    if len(clauses) < 2 and rare:
        return everything, frozenset()
    rare = rare or everything
    skip = frozenset(
        clauses[i][0]
        for i in rare
        if single[i]
        and terms[clauses[i][0]].parts
        and all(map(frequent, terms[clauses[i][0]].parts))
    )
    if rare == everything and not any(terms[w].split for w in skip):
        return everything, frozenset()
    return rare, skip


def _plain_clauses(query: Bool) -> list[tuple[tuple[str, ...], bool]]:
    """The clauses of a query of loose words: each one's words and whether it is a lone
    word (else a parenthesised group of loose words); [] for anything else (phrases,
    operators)."""
    if query.must or query.must_not or not query.should:
        return []
    out: list[tuple[tuple[str, ...], bool]] = []
    for c in query.should:
        if isinstance(c, Word):
            out.append(((c.text,), True))
        elif (
            isinstance(c, Bool)
            and c.should
            and not (c.must or c.must_not)
            and all(isinstance(x, Word) for x in c.should)
        ):
            out.append((tuple(x.text for x in c.should if isinstance(x, Word)), False))
        else:
            return []
    return out


def _common_split(
    s: Any, query: Bool, terms: Terms
) -> tuple[frozenset[int], frozenset[str]] | None:
    """:func:`_split_common` of a query of loose clauses on Whoosh's path (None for any
    other query: all its clauses find sections)."""
    if query.must or not query.should:
        return None
    limit = max(_COMMON_SHARE * s.doc_count(), _COMMON_MIN_DOCS)
    return _split_common(
        [tuple(clause_words(c)) for c in query.should],
        [isinstance(c, Word) for c in query.should],
        terms,
        lambda term: bool(s.doc_frequency(schema.WORDS, term) > limit),
    )


def _counted(s: Any, query: Bool, terms: Terms) -> frozenset[int]:
    """The clauses of ``[*query.must, *query.should]`` that count in the share of the
    query a section covers: on Whoosh's path, those :meth:`WhooshStore._plan` lets find
    sections (all of them, but for a query of loose words with common ones)."""
    split = _common_split(s, query, terms)
    if split is None:
        return frozenset(range(len(query.must) + len(query.should)))
    return split[0]


def _proximity(query: Bool) -> _Near | None:
    """The query's loose words as a sloppy phrase (adjacent matches rank higher), if any."""
    words = tuple(c.text for c in query.should if isinstance(c, Word))
    if len(words) < 2 or len(words) > _NEAR_MAX_WORDS:
        return None
    return _Near(words)


@dataclass(frozen=True)
class _Near(Phrase):
    """A phrase that tolerates a few words in between (only added internally)."""


_NOTHING: list[tuple[int, int]] = []  # no positions read: the least a window leaves


def _kin(word: str, stem: str, other: str, other_stem: str) -> bool:
    """Whether indexed word ``other`` is derivational kin of query word ``word``."""
    return other_stem != stem and analysis.kin_key(other) == analysis.kin_key(word)


def _reward(
    covered: Mapping[int, float],
    found: Mapping[int, list[tuple[int, int]]],
    weights: Mapping[int, float],
    total: float,
    d: int,
) -> float:
    """The coverage reward of section ``d`` (``index.passage``): the idf-weighted share of
    the query it covers, and of it within one window of ``found`` positions (a section
    without them covers one clause at most, which any window holds)."""
    whole = covered.get(d, 0.0) / total
    if d not in found:
        return passage.reward(whole, whole)
    return passage.reward(whole, passage.best_window(found[d], weights) / total)


def _clause_terms(clause: Clause, terms: Terms, misses: Misses) -> tuple[str, ...]:
    """The indexed terms whose positions place a clause's words (not its negated ones)
    in a window: the stems and their near words, as :func:`_positions_arrays` reads
    them. A compound's parts found apart are left out: they are not said together."""
    out: list[str] = []
    for w in clause_words(clause, negated=False):
        near = misses.get(w)
        out += [terms[w].stem, *(near.stems if near else ())]
    return tuple(dict.fromkeys(out))


class _Positions:
    """The ranked field's positions read for one search, kept: the coverage reward's
    window and the proximity bonus read the same words in the same sections."""

    def __init__(self, reader: Any, ranker: ArrayRanker) -> None:
        self._reader = reader
        self._ranker = ranker
        self._leaves: Any = None
        self._got: dict[tuple[str, int, int], list[int]] = {}

    def read(self, term: str, seg: int, wanted: list[tuple[int, int]]) -> dict[int, list[int]]:
        """The positions of ``term`` in sections ``(local number, index in the term's
        list)`` of segment ``seg``, ``wanted`` ascending: from the arrays, or Whoosh's
        postings where a segment's arrays keep none."""
        missing = [(local, j) for local, j in wanted if (term, seg, local) not in self._got]
        if missing:
            got = self._ranker.segments[seg].positions(term, missing)
            if got is None:
                if self._leaves is None:
                    self._leaves = self._reader.leaf_readers()
                got = postings.positions_at(self._leaves[seg][0], term, missing)
            for local, _ in missing:
                self._got[term, seg, local] = got.get(local, [])
        return {local: self._got[term, seg, local] for local, _ in wanted}


def _positions_arrays(
    positions: _Positions,
    ranker: ArrayRanker,
    docnums: list[int],
    plans: list[WordPlan],
    owner: list[int],
) -> dict[int, list[tuple[int, int]]]:
    """(position, clause) of every occurrence of the plans' stems and near words in each
    of ``docnums`` (ascending), in order."""
    found: dict[int, list[tuple[int, int]]] = {d: [] for d in docnums}
    for p, c in zip(plans, owner, strict=True):
        for term in dict.fromkeys((p.stem, *p.loose)):
            by_segment: dict[int, list[tuple[int, int, int]]] = {}
            for d in docnums:
                spot = ranker.locate(term, d)
                if spot is not None:
                    by_segment.setdefault(spot[0], []).append((d, spot[1], spot[2]))
            for seg, spots in by_segment.items():
                got = positions.read(term, seg, [(local, j) for _, local, j in spots])
                for d, local, _ in spots:
                    found[d].extend((x, c) for x in got[local])
    for occurrences in found.values():
        occurrences.sort()
    return found


def _near_spots(
    ranker: ArrayRanker, docnums: list[int], plans: list[WordPlan]
) -> dict[int, tuple[list[tuple[int, int, int]], float]]:
    """The candidates that hold every word of the proximity phrase: where each word is in
    them (``ArrayRanker.locate``), and the largest bonus they could earn."""
    stems = [p.stem for p in plans]
    out: dict[int, tuple[list[tuple[int, int, int]], float]] = {}
    for d in docnums:
        located = [ranker.locate(stem, d) for stem in stems]
        spots = [spot for spot in located if spot is not None]
        if len(spots) == len(stems):
            most = NEAR_WEIGHT * sum(
                ranker.term_score(stem, seg, j, local)
                for stem, (seg, local, j) in zip(stems, spots, strict=True)
            )
            out[d] = spots, most
    return out


def _near_bonus_arrays(
    positions: _Positions,
    near: dict[int, tuple[list[tuple[int, int, int]], float]],
    plans: list[WordPlan],
    worth: Callable[[int, float], bool],
) -> dict[int, float]:
    """:func:`wquery.near_bonus` with the arrays, for the candidates of :func:`_near_spots`:
    positions are read each from the one block that has it, and only where
    ``worth(section, largest possible bonus)`` says the bonus could change the hits."""
    stems = [p.stem for p in plans]
    found: dict[int, list[tuple[int, int, int]]] = {}
    earns: dict[int, float] = {}
    for d, (spots, most) in near.items():
        if worth(d, most):
            found[d], earns[d] = spots, most
    bonus: dict[int, float] = {}
    for seg in {spots[0][0] for spots in found.values()}:
        here = sorted((d, spots) for d, spots in found.items() if spots[0][0] == seg)
        per_word = [
            positions.read(stem, seg, [(spots[k][1], spots[k][2]) for _, spots in here])
            for k, stem in enumerate(stems)
        ]
        for d, spots in here:
            if in_order_near([pos[spots[0][1]] for pos in per_word]):
                bonus[d] = earns[d]
    return bonus


def _doc_fields(record: DocRecord) -> dict[str, Any]:
    return {
        "kind": schema.KIND_DOC,
        "section_id": f"{record.doc_id}#",
        "doc_id": record.doc_id,
        "path": record.path,
        "source": record.source or "",
        "doc_title": record.title or "",
        "org": record.org or "",
        "doctype": record.doctype or "",
        "date": record.date or "",
        "info": {
            "hash": record.content_hash,
            "mtime": record.mtime,
            "size": record.size,
            "sections": record.sections,
        },
    }


def _section_fields(s: Section, meta: Metadata, path: str | None) -> dict[str, Any]:
    body = s.text
    first, _, rest = body.partition("\n")
    if first.strip().lstrip("#").strip() == s.title.strip():
        body = rest  # the heading line is indexed once, as the heading
    fields: dict[str, Any] = {
        "kind": schema.KIND_SECTION,
        "section_id": s.section_id,
        "doc_id": s.doc_id,
        "anchor": s.anchor,
        "path": path,
        "words": _weighted_words(s, meta, body),
        "doc_title": meta.title or "",
        "context": s.context,
        "section_title": s.title,
        "text": s.text,
        "position": s.position,
        "pages": list(s.pages),
    }
    for name in ("org", "doctype", "date"):
        value = getattr(meta, name)
        if value:
            fields[name] = value
    if meta.date:
        fields["year"] = meta.date[:4]
    return fields


# Markdown links, "[text](url)": their text is indexed at the lower link weight.
_LINK = re.compile(r"\[([^\]\n]{1,300})\]\([^)\s]*\)")


def _weighted_words(s: Section, meta: Metadata, body: str) -> str:
    """The ranked text of a section: heading, body (links apart), document title.

    A heading that repeats the document's title is counted once, as a heading; a section
    without one displays its document's id, which is no word to rank by.
    """
    w = schema.PART_WEIGHTS
    headings = [t for t in dict.fromkeys((s.title, s.context)) if t and t != s.doc_id]
    runs: list[tuple[str, float]] = [("\n".join(headings), w["heading"])]
    pos = 0
    for m in _LINK.finditer(body):
        runs += [(body[pos : m.start()], w["body"]), (m.group(1), w["link"])]
        pos = m.end()
    runs.append((body[pos:], w["body"]))
    if meta.title and meta.title not in headings:
        runs.append((meta.title, w["title"]))
    return analysis.weighted_text(runs)


def _record_from(fields: dict[str, Any]) -> DocRecord:
    info = fields.get("info") or {}
    return DocRecord(
        doc_id=fields["doc_id"],
        path=fields.get("path"),
        source=fields.get("source") or None,
        title=fields.get("doc_title") or None,
        org=fields.get("org") or None,
        doctype=fields.get("doctype") or None,
        date=fields.get("date") or None,
        sections=int(info.get("sections", 0)),
        content_hash=str(info.get("hash", "")),
        mtime=float(info.get("mtime", 0.0)),
        size=int(info.get("size", 0)),
    )


def writer_codec() -> Any:
    """The codec of new segments: whoosh3's, with the ranked field's postings in the
    arrays file only (``index.codec``)."""
    from index.codec import ArraysCodec

    return ArraysCodec()


_CHECKED_MP_WRITER: Any = None


def _checked_mp_writer(ix: Any, **options: Any) -> Any:
    """Whoosh's multiprocessing writer, refusing to publish when a worker process failed.

    Its commit waits for the workers and publishes the segments they report. A worker
    that died (an exception in analysis, the memory killer) reports none, and Whoosh
    would publish the index without that worker's documents, and without the old
    versions of those it replaced, saying nothing. Defined on first use: importing
    Whoosh's multiprocessing module costs every search's start-up.
    """
    global _CHECKED_MP_WRITER
    if _CHECKED_MP_WRITER is None:
        from whoosh.multiproc import MpWriter

        from index.segwriter import BuildTask, write_job

        class CheckedMpWriter(MpWriter):
            def _new_task(self) -> Any:
                # Whoosh's own start (the default context's fork), with our worker.
                task = BuildTask(
                    self.storage,
                    self.indexname,
                    self.jobqueue,
                    self.resultqueue,
                    self.subargs,
                    self.multisegment,
                )
                # Its sink for the words it analyses: inherited by a forked worker, and
                # sent to one started by "spawn" (macOS's default) with the task.
                task.sink = analysis.given_sink()
                self.tasks.append(task)
                task.start()
                return task

            def _enqueue(self) -> None:
                # A batch as one pickle, for ``BuildTask._process_file``.
                name = write_job(self.temp_storage(), self.docbuffer)
                if len(self.tasks) < self.procs:
                    self._new_task()
                self.jobqueue.put((name, len(self.docbuffer)))
                self.docbuffer = []

            def _commit_toc(self, segments: Any) -> None:
                codes = [t.exitcode for t in self.tasks]
                if any(code != 0 for code in codes):
                    raise BuildError(
                        f"a worker process of the build failed (exit codes {codes}); "
                        "nothing was committed and the index is as it was: run the command "
                        "again, or report the failure if it repeats"
                    )
                super()._commit_toc(segments)

        _CHECKED_MP_WRITER = CheckedMpWriter
    return _CHECKED_MP_WRITER(ix, **options)


class StoreWriter:
    """Adds and deletes whole documents; nothing is visible until :meth:`commit`."""

    def __init__(self, ix: Any, wait: float = 0.0, procs: int = 1) -> None:
        deadline = time.monotonic() + wait
        options: dict[str, Any] = dict(limitmb=WRITER_MB, codec=writer_codec())
        if procs > 1:
            # Whoosh's multiprocessing writer: documents are analysed and indexed by
            # ``procs`` worker processes into segments that one commit publishes.
            options.update(
                procs=procs, multisegment=True, limitmb=WRITER_MB // procs, batchsize=_JOB_DOCS
            )
        while True:
            try:
                if procs > 1:
                    self._w = _checked_mp_writer(ix, **options)
                else:
                    from index.segwriter import FastSegmentWriter

                    self._w = FastSegmentWriter(ix, **options)
                break
            except windex.LockError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        "the index is being updated by another process; "
                        "try again when it finishes (or pass --wait SECONDS)"
                    ) from None
                time.sleep(0.2)

    def delete(self, doc_id: str) -> None:
        """Remove a document and every one of its sections."""
        self._w.delete_by_term("doc_id", doc_id)

    def add(
        self, record: DocRecord, sections: list[Section], meta: Metadata, replace: bool = True
    ) -> None:
        """Add a document (replacing ``record.doc_id`` unless it is known to be new)."""
        if replace:
            self.delete(record.doc_id)
        self._w.add_document(**_doc_fields(record))
        for s in sections:
            self._w.add_document(**_section_fields(s, meta, record.path))

    def touch(self, record: DocRecord, mtime: float, size: int) -> None:
        """Record a new modification time for an unchanged document (its record only)."""
        self._w.delete_by_term("section_id", f"{record.doc_id}#")
        self._w.add_document(**_doc_fields(replace(record, mtime=mtime, size=size)))

    def commit(self) -> None:
        try:
            self._w.commit(optimize=False)
        except BuildError:
            with contextlib.suppress(Exception):  # release the lock; the error says the rest
                self._w.cancel()
            raise

    def cancel(self) -> None:
        self._w.cancel()


class _View:
    """One state of the index: its reader, and a Whoosh searcher over it when needed.

    The searcher is made on first use, by phrases, operators, filters and listings
    (``index.wquery``): making one imports Whoosh's query language (~12 ms), which a
    search of plain words, ranked from the arrays, never needs.
    """

    def __init__(self, ix: Any) -> None:
        self._ix = ix
        self.reader = ix.reader()
        self._searcher: Any = None
        # Per-section BM25 length parts, kept by the ranker (``ArrayRanker``) for as long
        # as this state of the index is read.
        self.norms: dict[tuple[object, ...], list[float]] = {}
        self._places: dict[str, Any] = {}
        # For document focus without arrays (``_LeafCounts``): per segment, a document's
        # first section -> its last; summed lengths of stretches of sections.
        self.span_ends: dict[str, dict[int, int]] = {}
        self.lengths: dict[tuple[int, int], float] = {}
        self._avg_doc_length: float | None = None

    def places(self, leaf: Any) -> Any:
        """:func:`postings.read_places` of a leaf reader, kept with this state."""
        key = leaf.segment().segment_id() if leaf.segment() is not None else ""
        if key not in self._places:
            self._places[key] = postings.read_places(leaf) if key else None
        return self._places[key]

    def avg_doc_length(self) -> float:
        """The ranked field's mean length over documents (the focus factor's BM25)."""
        if self._avg_doc_length is None:
            docs = self.reader.doc_frequency("kind", schema.KIND_DOC)
            self._avg_doc_length = float(self.reader.field_length(schema.WORDS)) / (docs or 1)
        return self._avg_doc_length

    def searcher(self) -> Any:
        if self._searcher is None:
            from whoosh.searching import Searcher

            weighting = scoring.BM25F(B=_BM25_B, K1=_BM25_K1)
            self._searcher = Searcher(self.reader, weighting=weighting, fromindex=self._ix)
        return self._searcher

    def up_to_date(self) -> bool:
        return bool(self._ix.latest_generation() == self.reader.generation())

    def avg_length(self) -> float:
        """The ranked field's mean length over all sections, as Whoosh's searcher has it."""
        return float(self.reader.field_length(schema.WORDS)) / (self.reader.doc_count_all() or 1)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()  # closes its reader
        else:
            self.reader.close()


class _LeafCounts:
    """What ``index.focus`` needs, read from Whoosh's segments (an index without arrays,
    such as an in-memory one): a query word's list is read once per search, and a
    document's span and length once per state of the index."""

    def __init__(self, v: _View) -> None:
        self._v = v
        self._leaves = v.reader.leaf_readers()
        self._bases = [base for _, base in self._leaves]
        self._lists: dict[tuple[int, str], tuple[array[int], array[float]] | None] = {}

    def _leaf(self, docnum: int) -> int:
        return bisect_right(self._bases, docnum) - 1

    def span(self, docnum: int) -> tuple[int, int]:
        leaf, base = self._leaves[self._leaf(docnum)]
        places = self._v.places(leaf)
        if places is None:
            return docnum, docnum
        ends = self._v.span_ends.setdefault(leaf.segment().segment_id(), {})
        start, end = focus.span(places, docnum - base, ends)
        return base + start, base + end

    def tf_between(self, term: str, first: int, last: int) -> float:
        i = self._leaf(first)
        x = self._lists.get((i, term), _NO_LIST)
        if x is _NO_LIST:
            leaf = self._leaves[i][0]
            has = (schema.WORDS, term) in leaf
            x = self._lists[i, term] = postings.read_postings(leaf, term) if has else None
        if x is None:
            return 0.0
        a = first - self._bases[i]
        return focus.count_between(x[0], x[1], a, a + last - first)

    def length_between(self, first: int, last: int) -> float:
        got = self._v.lengths.get((first, last))
        if got is None:
            leaf, base = self._leaves[self._leaf(first)]
            # whoosh3 answers None, not the default, for a section of length 0 (no words).
            got = self._v.lengths[first, last] = float(
                sum(
                    leaf.doc_field_length(d, schema.WORDS, 0) or 0
                    for d in range(first - base, last - base + 1)
                )
            )
        return got


_NO_LIST: Any = object()


class WhooshStore:
    """A Whoosh index folder (or an in-memory index for tests and embedding)."""

    def __init__(self, ix: Any, folder: Path | None, manifest: Manifest) -> None:
        self._ix = ix
        self.folder = folder
        self.manifest = manifest
        self.terms = TermCache(folder, stemmer=manifest.stemmer)

    # -- opening -------------------------------------------------------------------

    @classmethod
    def in_memory(cls) -> WhooshStore:
        ix = RamStorage().create_index(schema.build_schema())
        return cls(ix, None, Manifest(generation="memory"))

    @classmethod
    def exists(cls, folder: Path) -> bool:
        return (folder / MANIFEST).is_file()

    @classmethod
    def open(cls, folder: Path) -> WhooshStore:
        manifest = Manifest.read(folder)
        if manifest.format not in schema.READABLE_FORMATS or (
            manifest.analysis != analysis.ANALYSIS_VERSION
        ):
            raise IndexVersionError(
                f"the index at {folder} was built by another rsearch version "
                f"(format {manifest.format}, analysis {manifest.analysis}; this is format "
                f"{schema.FORMAT_VERSION}, analysis {analysis.ANALYSIS_VERSION}); "
                "rebuild with `rsearch index --rebuild`"
            )
        gen = folder / manifest.generation
        try:
            ix = _storage(gen).open_index()
        except (OSError, windex.EmptyIndexError) as exc:
            raise IndexMissingError(
                f"the index at {folder} is incomplete ({exc}); rebuild with "
                "`rsearch index --rebuild`"
            ) from None
        return cls(ix, folder, manifest)

    @classmethod
    def create(cls, folder: Path, sources: list[str] | None = None) -> WhooshStore:
        """Create an empty index in a new generation and make it current atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        old = Manifest.read(folder).generation if cls.exists(folder) else None
        gen = _next_generation(folder)
        (folder / gen).mkdir()
        ix = _storage(folder / gen).create_index(schema.build_schema())
        manifest = Manifest(
            generation=gen, sources=list(sources or []), stemmer=lexicon.stemmer_fingerprint()
        )
        store = cls(ix, folder, manifest)
        store._pending_old = old
        return store

    _pending_old: str | None = None

    def publish(self) -> None:
        """Make this store's generation the current one (after a full build)."""
        if self.folder is None:
            return
        self.manifest.write(self.folder)
        _remove_stale_generations(self.folder, keep=self.manifest.generation)

    def save_sources(self, sources: list[str]) -> None:
        self.manifest.sources = sources
        if self.folder is not None:
            self.manifest.write(self.folder)

    # -- writing -------------------------------------------------------------------

    @contextlib.contextmanager
    def writer(self, wait: float = 0.0, procs: int = 1) -> Iterator[StoreWriter]:
        """A writer that commits on success and discards everything on error.

        ``procs`` > 1 analyses in that many worker processes (on-disk indexes only).
        """
        from index.segwriter import fewer_collections

        if self.folder is None:
            procs = 1
        with fewer_collections():
            yield from self._writing(wait, procs)

    def check_stemmer(self) -> None:
        """``IndexVersionError`` unless the installed stemmer stems as the one that built
        the index (``lexicon.check_stemmer``; nothing to check when the index does not say)."""
        lexicon.check_stemmer(self.manifest.stemmer, self.folder)

    def stems_alike(self) -> bool:
        try:
            self.check_stemmer()
        except IndexVersionError:
            return False
        return True

    def _writing(self, wait: float, procs: int) -> Iterator[StoreWriter]:
        # Words stemmed otherwise than the index's would never meet their own kind.
        self.check_stemmer()
        w = StoreWriter(self._ix, wait=wait, procs=procs)
        # Words are stored as they are analysed, by whichever process analyses them (a
        # build worker hands over its last ones before it exits: ``segwriter``).
        analysis.set_sink(self.terms.sink())
        try:
            try:
                yield w
            except BaseException:
                w.cancel()
                raise
            if self.folder is not None and self.manifest.format != schema.FORMAT_VERSION:
                # Before the commit: a reader of the older format must not meet segments
                # it cannot read (``schema.FORMAT_VERSION``).
                self.manifest.format = schema.FORMAT_VERSION
                self.manifest.write(self.folder)
            w.commit()
        finally:
            analysis.set_sink(None)
        self.terms.save_seen()
        if self.folder is not None:
            # Segments that keep the ranked field in Whoosh's files too (written by
            # Whoosh's own flush) get their arrays now. If writing them fails (a full
            # disk), the commit stands and is searched through Whoosh's path; the next
            # update writes the arrays it finds missing.
            with contextlib.suppress(OSError, sqlite3.Error):
                postings.export_missing(self.folder / self.manifest.generation, self._ix)

    # -- reading -------------------------------------------------------------------

    _cached: _View | None = None
    _arrays: list[postings.Segment] | None = None
    _arrays_tried = 0.0
    # Rank plain words from the packed arrays when every segment has them; False keeps
    # every search on Whoosh's matchers (the reference the tests compare against).
    use_arrays = True

    @contextlib.contextmanager
    def _reading(self) -> Iterator[_View]:
        """A reader kept open between calls, renewed when a commit has happened.

        Opening one per search re-reads the index's table of contents and every
        segment's metadata; a kept reader costs that only after a change.
        """
        v = self._cached
        if v is not None and not v.up_to_date():
            # A new reader, not ``refresh()``: whoosh3 3.54 fails to refresh a searcher
            # that was opened on an empty index.
            v.close()
            v = None
        if v is None:
            v = _View(self._ix)
            for seg in self._arrays or ():
                seg.close()
            self._arrays = None
            self._arrays_tried = 0.0
        if self._arrays is None and self.folder is not None:
            # A writer exports the arrays just after its commit: a reader opened in
            # between looks for them again (at most once a second) rather than staying on
            # the slower path until the next change.
            now = time.monotonic()
            if now - self._arrays_tried >= 1.0:
                self._arrays_tried = now
                gen = self.folder / self.manifest.generation
                self._arrays = postings.open_segments(gen, v.reader)
        self._cached = v
        yield v

    def search(self, request: Request) -> StoreResult:
        """Rank sections: BM25F over the weighted fields, then a coordination reward.

        Whoosh ranks a pool of candidates; each is then rescaled by the share of the
        query (idf-weighted) it covers, so a section with every word of a long question
        beats one that repeats a single word. Filters select without scoring.
        """
        terms = self.terms.lookup(clause_words(request.query))
        clauses = [*request.query.must, *request.query.should]
        facets = None
        if request.facets:
            facets = {
                "org": sorting.FieldFacet("org", maptype=sorting.Count),
                "doctype": sorting.FieldFacet("doctype", maptype=sorting.Count),
                "year": sorting.FieldFacet("year", maptype=sorting.Count),
            }
        with self._reading() as v:
            reader = v.reader
            misses = self._near(reader, terms)
            if self.use_arrays and self._arrays and terms:
                plain = _plain_clauses(request.query)
                if plain:
                    try:
                        return self._search_arrays(v, self._arrays, request, plain, terms, misses)
                    except sqlite3.Error:
                        self._drop_arrays()
            from index import wquery

            s = v.searcher()
            q = self._plan(s, request.query, terms, misses)
            coordinate = len(clauses) > 1
            results = s.search(
                q,
                limit=max(request.limit, _CANDIDATES if coordinate else 1),
                filter=wquery.compile_filters(request.filters),
                groupedby=facets,
                # Visit every match instead of skipping blocks: the exact total then
                # comes free, where block skipping needs a second counting pass.
                optimize=False,
            )
            scored = [(r.score or 0.0, i) for i, r in enumerate(results)]
            if coordinate:
                near = _proximity(request.query)
                counted = _counted(s, request.query, terms)
                counts = self._ranker(v) if self.use_arrays and self._arrays else None
                try:
                    scored = self._coordinate(
                        v, results, clauses, near, terms, misses, counted, counts
                    )
                except sqlite3.Error:
                    if counts is None:
                        raise
                    self._drop_arrays()  # damaged: Whoosh's segments answer instead
                    scored = self._coordinate(v, results, clauses, near, terms, misses, counted)
            hits = [
                StoredHit(score=score, fields=dict(results[i].fields()))
                for score, i in scored[: request.limit]
            ]
            total = len(results)
            found: dict[str, dict[str, int]] = {}
            if facets:
                for name in facets:
                    groups = results.groups(name)
                    found[name] = {
                        str(k): int(v)
                        for k, v in sorted(groups.items(), key=lambda kv: (-kv[1], str(kv[0])))
                        if k not in (None, "")
                    }
        return StoreResult(total=total, hits=hits, facets=found)

    def _search_arrays(
        self,
        v: _View,
        arrays: list[postings.Segment],
        request: Request,
        clauses: list[tuple[tuple[str, ...], bool]],
        terms: Terms,
        misses: Misses,
    ) -> StoreResult:
        """:meth:`search` for plain words, ranked from the packed arrays (``index.ranking``).

        The plan is :meth:`_plan`'s (:func:`_split_common`). ``clauses`` are the words of
        each clause and whether it is a lone word (else a group); a word found nowhere as
        written is also looked up by its near misses, as Whoosh's path does.
        """
        ranker = self._ranker(v, arrays)
        limit = max(_COMMON_SHARE * v.reader.doc_count(), _COMMON_MIN_DOCS)

        def frequent(term: str) -> bool:
            return ranker.df(term) > limit

        rare, skip = _split_common(
            [c for c, _ in clauses], [w for _, w in clauses], terms, frequent
        )
        plans = [
            WordPlan(
                terms[w].stem,
                terms[w].split,
                defining=i in rare,
                parts_defining=w not in skip,
                loose=misses[w].stems if w in misses else (),
                loose_weight=misses[w].weight if w in misses else 0.0,
            )
            for i, (c, _) in enumerate(clauses)
            for w in c
        ]
        owner = [i for i, (c, _) in enumerate(clauses) for _ in c]
        allowed = None
        if not request.filters.is_empty():
            from index import wquery

            flt = wquery.compile_filters(request.filters)
            if flt is not None:
                allowed = set(flt.docs(v.searcher())).__contains__
        coordinate = len(clauses) > 1
        k = max(request.limit, _CANDIDATES if coordinate else 1)
        covering = None
        if coordinate and allowed is None and len(clauses) <= _COVERING_MAX_CLAUSES:
            covering = ranker.rank_covering(plans, owner, k, request.limit)
        top, total = covering if covering is not None else ranker.rank(plans, k, allowed)
        if coordinate:
            # The words of :func:`_proximity`'s phrase: the lone words, 2 to _NEAR_MAX_WORDS.
            near = []
            if _proximity(request.query):
                near = [p for p, c in zip(plans, owner, strict=True) if clauses[c][1]]
            top = self._coordinate_arrays(v, ranker, top, plans, owner, near, request.limit, rare)
        hits = [
            StoredHit(score=score, fields=dict(v.reader.stored_fields(d)))
            for score, d in top[: request.limit]
        ]
        found: dict[str, dict[str, int]] = {}
        if request.facets:
            for name in postings.FACETS:
                counts: Counter[str] = Counter()
                for seg, docs in zip(arrays, ranker.matched, strict=True):
                    values, which = seg.facet(name)
                    for i, n in Counter(map(which.__getitem__, docs)).items():
                        counts[values[i]] += n
                found[name] = {
                    k: n for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if k
                }
        return StoreResult(total=total, hits=hits, facets=found)

    def _drop_arrays(self) -> None:
        """After a damaged arrays file: Whoosh's own path answers from now on (``rsearch
        index --rebuild`` writes the files anew)."""
        for seg in self._arrays or ():
            seg.close()
        self._arrays = None
        self._arrays_tried = time.monotonic() + 3600.0

    def _ranker(self, v: _View, arrays: list[postings.Segment] | None = None) -> ArrayRanker:
        """A ranker over the arrays of every segment (those held when none are given)."""
        return ArrayRanker(
            arrays if arrays is not None else self._arrays or [],
            v.reader.doc_count_all(),
            v.avg_length() or 1,
            byte_to_length,
            _BM25_K1,
            _BM25_B,
            schema.PARTS_WEIGHT,
            schema.WORDS,
            norms=v.norms,
        )

    @staticmethod
    def _coordinate_arrays(
        v: _View,
        ranker: ArrayRanker,
        top: list[tuple[float, int]],
        plans: list[WordPlan],
        owner: list[int],
        near: list[WordPlan],
        limit: int,
        counted: Collection[int],
    ) -> list[tuple[float, int]]:
        """:meth:`_coordinate` on the arrays: proximity bonus, then the share of the query
        and document focus (``index.focus``).

        ``owner[k]`` is the clause of ``plans[k]``; ``near`` the words whose proximity
        earns the bonus (the loose words, when there are 2 to ``_NEAR_MAX_WORDS``);
        ``counted`` the clauses that count in the share (:func:`_split_common`). The
        order of the first ``limit`` is exact; below them, a bonus that could not lift a
        section into them is not computed.
        """
        docnums = sorted(d for _, d in top)
        weights: dict[int, float] = {}
        hit: dict[int, set[int]] = {}
        for p, c in zip(plans, owner, strict=True):
            idf = ranker.idf(p.stem) if c in counted else 0.0
            weights[c] = max(weights.get(c, 0.0), idf)
            hit.setdefault(c, set()).update(ranker.covers(p, docnums))
        covered: dict[int, float] = {}
        clauses: Counter[int] = Counter()  # the counted clauses each section covers
        for c, docs in hit.items():
            for d in docs:
                covered[d] = covered.get(d, 0.0) + weights[c]
            if c in counted:
                clauses.update(docs)
        total = sum(weights.values()) or 1.0
        stems: dict[int, list[str]] = {}
        for p, c in zip(plans, owner, strict=True):
            stems.setdefault(c, []).append(p.stem)
        focused = focus.factors(
            docnums,
            ranker.span,
            [focus.Clause(tuple(dict.fromkeys(stems[c])), weights[c]) for c in sorted(stems)],
            ranker.tf_between,
            ranker.length_between,
            _BM25_K1,
            v.avg_doc_length(),
        )
        # Where a section covers one clause, any window holds all it covers.
        windowed = [d for d in docnums if clauses[d] > 1]
        scores = {d: score for score, d in top}
        spots = _near_spots(ranker, docnums, near) if near else {}
        wanted = windowed
        if len(top) > limit:
            # A window lowers a reward to half of it at most, and a proximity bonus adds
            # at most what :func:`_near_spots` says: a section that could not reach the
            # first ``limit`` with its whole reward and that bonus needs no window. It
            # keeps half its reward, the least a window leaves, and stays below them.
            whole = {d: (covered.get(d, 0.0) / total) ** 2 * focused[d] for d in docnums}
            least = sorted(
                (scores[d] * whole[d] / (2 if clauses[d] > 1 else 1) for d in docnums),
                reverse=True,
            )[limit - 1]
            wanted = [
                d
                for d in windowed
                if (scores[d] + (spots[d][1] if d in spots else 0.0)) * whole[d] >= least
            ]
        positions = _Positions(v.reader, ranker)
        found = dict.fromkeys(windowed, _NOTHING)
        found.update(_positions_arrays(positions, ranker, wanted, plans, owner))
        share = {d: _reward(covered, found, weights, total, d) * focused[d] for d in docnums}
        bonus: dict[int, float] = {}
        if near:
            floor = -1.0
            if len(top) > limit:
                floor = sorted((v * share[d] for v, d in top), reverse=True)[limit - 1]
            bonus = _near_bonus_arrays(
                positions,
                spots,
                near,
                lambda d, most: (scores[d] + most) * share[d] >= floor,
            )
        rescored = [((score + bonus.get(d, 0.0)) * share[d], d) for score, d in top]
        return sorted(rescored, key=lambda x: -x[0])

    def _word_frequency(self, reader: Any, term: str) -> int:
        """Sections holding ranked-field ``term``, deleted ones too (as Whoosh counts).

        From the arrays when there are any: a list read there is kept for the ranking
        that follows, where Whoosh's term lookup costs about 60 µs a segment.
        """
        if self._arrays:
            with contextlib.suppress(sqlite3.Error):  # a damaged file: see :meth:`search`
                return sum(len(x[0]) for seg in self._arrays if (x := seg.get(term)) is not None)
        return int(reader.doc_frequency(schema.WORDS, term))

    def _near(self, reader: Any, terms: Terms) -> dict[str, Near]:
        """The other indexed words each query word also finds, by its loose key.

        A word found nowhere as written: every indexed word with its loose key, at
        ``LOOSE_WEIGHT`` ("sjukskoterskor" typed for "sjuksköterskor", "vaccinering"
        where the documents say "vaccination"). A word found as written: those of them
        that are its derivational kin (``analysis.kin_key``), at ``KIN_WEIGHT``; a note
        on "vaccination" then also answers "vaccinering", below one that says it.
        """
        out: dict[str, Near] = {}
        for word, t in terms.items():
            if not t.loose:
                continue
            if self._word_frequency(reader, t.stem):
                found = self._near_misses(reader, t.loose, partial(_kin, word, t.stem))
                weight = schema.KIN_WEIGHT
            else:
                found = self._near_misses(reader, t.loose)
                weight = schema.LOOSE_WEIGHT
            if found:
                out[word] = Near(tuple(dict.fromkeys(s for _, _, s in found)), weight)
        return out

    def _near_misses(
        self, reader: Any, key: str, wanted: Callable[[str, str], bool] | None = None
    ) -> list[tuple[int, str, str]]:
        """(sections, word, stem) of the indexed words whose loose key is ``key`` (and
        that ``wanted(word, stem)``, when given: asked before their lists are read).

        The term cache also holds words only ever searched for: a word counts when its
        stem is in some section.
        """
        found = []
        for word, stem in self.terms.words_with_loose(key, limit=50):
            if wanted is not None and not wanted(word, stem):
                continue
            if n := self._word_frequency(reader, stem):
                found.append((n, word, stem))
        return found

    def suggest(self, words: list[str]) -> dict[str, str]:
        """Spelling suggestions for query words that match no indexed term.

        A word whose terms occur nowhere is looked up by its loose key (å/ä/ö folded,
        so "sjukskoterskor" -> "sjuksköterskor"), else among loose keys within one or two
        edits ("hyrstop" -> "hyrstopp"); the indexed word with that key whose term is
        most common wins. Words that already match are left alone.
        """
        terms = self.terms.lookup(words)
        out: dict[str, str] = {}
        with self._reading() as v:
            reader = v.reader
            for word in words:
                t = terms[word]
                if not t.loose or word[:1].isdigit() or self._word_frequency(reader, t.stem):
                    continue
                found = self._near_misses(reader, t.loose)
                if not found:
                    maxdist = 1 if len(t.loose) < 6 else 2
                    near = {
                        k: self._near_misses(reader, k)
                        for k in self.terms.loose_within(t.loose, maxdist)
                    }
                    # The keys of the most sections first (each stem counted once).
                    sections = {
                        k: sum(dict((stem, n) for n, _, stem in f).values())
                        for k, f in near.items()
                    }
                    keys = sorted((k for k in near if near[k]), key=lambda k: -sections[k])[:3]
                    found = [x for k in keys for x in near[k]]
                best = max(((n, w) for n, w, _ in found if w != word), default=(0, ""))
                if best[0] > 0:
                    out[word] = best[1]
        return out

    @staticmethod
    def _plan(s: Any, query: Bool, terms: Terms, misses: Misses) -> wq.Query:
        """Compile the query so that very common words cost little (:func:`_split_common`).

        The proximity bonus is not part of it: :meth:`_coordinate` adds it to the
        candidates only.
        """
        from whoosh import query as wq

        from index.wquery import compile_query, parts_query

        common = _common_split(s, query, terms)
        if common is None:
            return compile_query(query, terms, misses)
        finding, skip = common
        if len(finding) == len(query.should) and not skip:
            return compile_query(query, terms, misses)
        rare = [c for i, c in enumerate(query.should) if i in finding]
        optional = [c for i, c in enumerate(query.should) if i not in finding]
        extras = [split for w in sorted(skip) if (split := parts_query(w, terms)) is not None]
        if optional:
            extras.append(compile_query(Bool(should=tuple(optional)), terms, misses))
        q: wq.Query = wq.AndMaybe(
            compile_query(Bool(should=tuple(rare)), terms, misses, skip),
            wq.Or(extras) if len(extras) > 1 else extras[0],
        )
        if query.must_not:
            q = wq.AndNot(q, compile_query(Bool(should=query.must_not), terms, misses))
        return q

    @staticmethod
    def _coordinate(
        v: _View,
        results: Any,
        clauses: list[Clause],
        near: _Near | None,
        terms: Terms,
        misses: Misses,
        counted: Collection[int],
        counts: ArrayRanker | None = None,
    ) -> list[tuple[float, int]]:
        """Add the proximity bonus, then rescale by the idf-weighted share of the query
        and by document focus (its counts from ``counts``, the arrays, when there are
        any: reading them through Whoosh's matchers cost a phrase query 0.2 s).

        Each clause's matcher skips straight to the candidates (in document order), so
        the cost grows with the number of candidates, not with how common a word is.
        Matching positions is the dearest part of a search: done for every section that
        contains the words, it tripled the time of a two-word query.
        """
        from index.wquery import at, compile_query, near_bonus, positions_of

        s = v.searcher()
        docnums = sorted(r.docnum for r in results)
        bonus = near_bonus(s, docnums, [terms[w].stem for w in near.words]) if near else {}
        weights: list[float] = []
        covered: dict[int, float] = {}
        several: Counter[int] = Counter()
        focusing: list[focus.Clause] = []
        for i, clause in enumerate(clauses):
            words = clause_words(clause)
            weight = max((s.idf(schema.WORDS, terms[w].stem) for w in words), default=1.0)
            weight = weight if i in counted else 0.0
            weights.append(weight)
            stems = tuple(dict.fromkeys(terms[w].stem for w in words))
            focusing.append(focus.Clause(stems, weight))
            m = compile_query(clause, terms, misses).matcher(s)
            for d in docnums:
                if at(m, d):
                    covered[d] = covered.get(d, 0.0) + weight
                    several[d] += i in counted
        total = sum(weights) or 1.0
        found = positions_of(
            s,
            [d for d in docnums if several[d] > 1],
            [_clause_terms(clause, terms, misses) for clause in clauses],
        )
        source: ArrayRanker | _LeafCounts = counts if counts is not None else _LeafCounts(v)
        focused = focus.factors(
            docnums,
            source.span,
            focusing,
            source.tf_between,
            source.length_between,
            _BM25_K1,
            v.avg_doc_length(),
        )
        scored = [
            (
                ((r.score or 0.0) + bonus.get(r.docnum, 0.0))
                * _reward(covered, found, dict(enumerate(weights)), total, r.docnum)
                * focused[r.docnum],
                i,
            )
            for i, r in enumerate(results)
        ]
        return sorted(scored, key=lambda x: -x[0])

    def section(self, section_id: str) -> dict[str, Any] | None:
        with self._reading() as v:
            fields = v.searcher().document(section_id=section_id)
        if fields and fields.get("kind") == schema.KIND_SECTION:
            return dict(fields)
        return None

    def documents(self) -> list[DocRecord]:
        with self._reading() as v:
            docs = [_record_from(f) for f in v.searcher().documents(kind=schema.KIND_DOC)]
        return sorted(docs, key=lambda d: (d.path or "", d.doc_id))

    def sections_of(self, doc_id: str) -> list[dict[str, Any]]:
        with self._reading() as v:
            found = [
                dict(f)
                for f in v.searcher().documents(doc_id=doc_id)
                if f.get("kind") == schema.KIND_SECTION
            ]
        return sorted(found, key=lambda f: f.get("position", 0))

    def counts(self) -> tuple[int, int]:
        """Number of documents and of sections."""
        with self._reading() as v:
            docs = v.reader.doc_frequency("kind", schema.KIND_DOC)
            sections = v.reader.doc_frequency("kind", schema.KIND_SECTION)
        return int(docs), int(sections)

    def size_bytes(self) -> int:
        if self.folder is None:
            return 0
        gen = self.folder / self.manifest.generation
        return sum(p.stat().st_size for p in gen.iterdir() if p.is_file())

    def close(self) -> None:
        if self._cached is not None:
            self._cached.close()
            self._cached = None
        for seg in self._arrays or ():
            seg.close()
        self._arrays = None
        self.terms.close()
        self._ix.close()

    @property
    def whoosh_index(self) -> Any:
        return self._ix


def _storage(folder: Path) -> FileStorage:
    """Whoosh's file storage, without memory-mapping segment files.

    With mmap, whoosh3 3.54 opens a segment's terms and postings as ``BytesIO`` over the
    mapped bytes, which copies them: opening the shared corpus's index read 660 MB into
    memory and took 0.3 s. Without, it reads what a search touches, when it touches it.
    """
    return FileStorage(str(folder), supports_mmap=False)


def _next_generation(folder: Path) -> str:
    numbers = [int(p.name[1:]) for p in folder.glob("g[0-9]*") if p.name[1:].isdigit()]
    return f"g{(max(numbers) + 1) if numbers else 1:06d}"


def _remove_stale_generations(folder: Path, keep: str) -> None:
    """Delete generations other than ``keep`` (open readers keep their files on POSIX)."""
    for p in folder.glob("g[0-9]*"):
        if p.is_dir() and p.name != keep:
            import shutil

            shutil.rmtree(p, ignore_errors=True)
