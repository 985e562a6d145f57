"""The Python API: open an index, search it, keep it up to date.

::

    from search import Index

    ix = Index.open("my-index")           # or Index.default(), Index.in_memory()
    ix.update(["protokoll/"])             # add new and changed files
    for hit in ix.search("hyrstopp sjuksköterskor", limit=5).hits:
        print(hit.rank, hit.title, hit.section_title, hit.snippet)

Everything the CLI does goes through this class; the CLI only parses and prints.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import IndexMissingError, IndexVersionError, QueryError
from index.models import DocRecord
from index.queries import Filters, Request
from index.schema import FORMAT_VERSION
from index.store import Manifest, WhooshStore
from search.query import parse, query_terms
from search.snippets import Snippet, make_snippet

if TYPE_CHECKING:
    from index.builder import BuildReport, Progress


@dataclass(frozen=True)
class Hit:
    """One ranked section with its document's metadata and a highlighted snippet."""

    rank: int
    score: float
    doc_id: str
    path: str | None
    section_id: str
    section_title: str
    title: str | None
    org: str | None
    doctype: str | None
    date: str | None
    snippet: str
    text: str
    pages: tuple[int, ...] = ()
    highlights: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["pages"] = list(self.pages)
        d["highlights"] = [list(h) for h in self.highlights]
        d["score"] = round(self.score, 4)
        return d


@dataclass(frozen=True)
class SearchResult:
    """The answer to one query: total matching sections and the top hits."""

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
        }
        if self.facets:
            out["facets"] = self.facets
        out["suggestion"] = self.suggestion
        return out


@dataclass(frozen=True)
class Stats:
    """Size and provenance of an index."""

    location: str | None
    documents: int
    sections: int
    size_bytes: int
    sources: list[str]
    analysis: str
    format: int
    stemmer: str  # the digest of the Snowball stemmer that built it ("" when not kept)


def _only_seeds(sources: list[str]) -> bool:
    return all(Path(s).name == "seeds" for s in sources)


def default_index_dir() -> Path:
    """Where the index lives when neither ``--index`` nor ``$RSEARCH_INDEX`` says.

    The per-user data folder: ``$XDG_DATA_HOME/rsearch/index`` (``~/.local/share`` when
    unset) on Linux, ``~/Library/Application Support/rsearch/index`` on macOS and
    ``%LOCALAPPDATA%\\rsearch\\index`` on Windows.
    """
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "rsearch" / "index"


def seed_paths() -> list[Path]:
    """The bundled seed folder (the default corpus)."""
    from seeds import seed_dir

    return [seed_dir()]


def _date_bound(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise QueryError(f"{name} {value!r}: use a year (2024) or an ISO date (2024-05-17)")
    return value


def _corrected(query: str, fixes: dict[str, str]) -> str:
    """The query as typed with each misspelt word replaced (case of the rest kept)."""

    def swap(m: re.Match[str]) -> str:
        return fixes.get(m.group(0).lower(), m.group(0))

    return re.sub(r"[^\W_]+(?:-[^\W_]+)*", swap, query)


class Index:
    """A searchable rsearch index (a folder on disk, or in memory)."""

    def __init__(self, store: WhooshStore) -> None:
        self._store = store

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Index:
        """Open an existing index; ``IndexMissingError`` if there is none."""
        return cls(WhooshStore.open(Path(path)))

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        sources: Iterable[str | os.PathLike[str]],
        progress: Progress | None = None,
    ) -> tuple[Index, BuildReport]:
        """Build a new index at ``path`` from files and folders (replacing any old one)."""
        from index import builder

        folder = Path(path)
        report = builder.rebuild(folder, [Path(s) for s in sources], progress=progress)
        return cls.open(folder), report

    @classmethod
    def in_memory(cls, sources: Iterable[str | os.PathLike[str]] = ()) -> Index:
        """An index that lives only in this process: for tests and embedding."""
        ix = cls(WhooshStore.in_memory())
        paths = [Path(s) for s in sources]
        if paths:
            ix.update(paths)
        return ix

    @classmethod
    def open_or_seed(cls, path: str | os.PathLike[str]) -> tuple[Index, bool]:
        """Open ``path``, building it from the bundled seeds first when it does not exist.

        Returns the index and whether it was just built.
        """
        folder = Path(path)
        if WhooshStore.exists(folder):
            # An index of only the bundled seeds, left by an older rsearch or made with
            # another stemmer, holds nothing of the user's: it is rebuilt rather than
            # refuse the first search (or, of a format still read, rank as it did).
            try:
                ix = cls.open(folder)
            except IndexVersionError:
                if not _only_seeds(Manifest.read(folder).sources):
                    raise
            else:
                st = ix._store
                if not _only_seeds(st.manifest.sources) or (
                    st.stems_alike() and st.manifest.format == FORMAT_VERSION
                ):
                    return ix, False
                ix.close()
        ix, _ = cls.create(folder, seed_paths())
        return ix, True

    # -- writing -------------------------------------------------------------------

    def update(
        self,
        paths: Iterable[str | os.PathLike[str]] = (),
        prune: bool = False,
        wait: float = 0.0,
        progress: Progress | None = None,
    ) -> BuildReport:
        """Add new and changed documents from ``paths`` (default: the indexed sources)."""
        from index import builder

        given = [Path(p) for p in paths]
        targets = given or [Path(s) for s in self._store.manifest.sources]
        report = builder.update(self._store, targets, prune=prune, wait=wait, progress=progress)
        if given:
            known = list(self._store.manifest.sources)
            for p in given:
                resolved = str(p.expanduser().resolve())
                if p.exists() and resolved not in known:
                    known.append(resolved)
            if known != self._store.manifest.sources:
                self._store.save_sources(known)
        self._store = self._reopen()
        return report

    def rebuild(
        self, paths: Iterable[str | os.PathLike[str]] = (), progress: Progress | None = None
    ) -> BuildReport:
        """Rebuild from scratch (default: the indexed sources) and switch atomically."""
        from index import builder

        folder = self._store.folder
        targets = [Path(p) for p in paths] or [Path(s) for s in self._store.manifest.sources]
        if folder is None:
            self._store = WhooshStore.in_memory()
            return builder.update(self._store, targets, progress=progress)
        self._store.close()
        report = builder.rebuild(folder, targets, progress=progress)
        self._store = WhooshStore.open(folder)
        return report

    def remove(self, doc_id: str) -> bool:
        """Delete one document with all its sections; False if it is not indexed."""
        if not any(d.doc_id == doc_id for d in self._store.documents()):
            return False
        with self._store.writer() as w:
            w.delete(doc_id)
        self._store = self._reopen()
        return True

    def _reopen(self) -> WhooshStore:
        if self._store.folder is None:
            return self._store
        self._store.close()
        return WhooshStore.open(self._store.folder)

    # -- reading -------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        org: str | None = None,
        doctype: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        facets: bool = False,
    ) -> SearchResult:
        """Rank sections for ``query``; filters select without changing scores."""
        if limit < 1:
            raise QueryError(f"limit {limit}: must be at least 1")
        parsed = parse(query)
        filters = Filters(
            org=org or None,
            doctype=doctype or None,
            date_from=_date_bound(date_from, "--from"),
            date_to=_date_bound(date_to, "--to"),
        )
        if parsed.is_empty():
            return SearchResult(query=query, total=0, hits=[], facets={})
        words = query_terms(parsed)
        fixes = self._store.suggest(list(dict.fromkeys(words)))
        suggestion = _corrected(query, fixes) if fixes else None
        if fixes:
            # Words as typed match nothing exactly: rank by the corrected words only
            # (searching as typed first would be work thrown away).
            parsed = parse(" ".join(fixes.get(w, w) for w in words))
            words = query_terms(parsed)
        raw = self._store.search(Request(parsed, filters, limit=limit, facets=facets))
        grades: dict[str, int] = {}
        hits = [
            self._hit(
                rank,
                h.score,
                h.fields,
                make_snippet(
                    h.fields.get("text", ""),
                    words,
                    lookup=self._store.terms.lookup,
                    grades=grades,
                    normalized=True,  # as every reader hands text to the index
                    irregular=self._store.terms.irregular_for,
                ),
            )
            for rank, h in enumerate(raw.hits, 1)
        ]
        return SearchResult(
            query=query, total=raw.total, hits=hits, facets=raw.facets, suggestion=suggestion
        )

    @staticmethod
    def _hit(rank: int, score: float, f: dict[str, Any], snippet: Snippet) -> Hit:
        return Hit(
            rank=rank,
            score=float(score),
            doc_id=f["doc_id"],
            path=f.get("path"),
            section_id=f["section_id"],
            section_title=f.get("section_title", ""),
            title=f.get("doc_title") or None,
            org=f.get("org") or None,
            doctype=f.get("doctype") or None,
            date=f.get("date") or None,
            snippet=snippet.text,
            text=f.get("text", ""),
            pages=tuple(f.get("pages") or ()),
            highlights=snippet.highlights,
        )

    def section(self, section_id: str) -> Hit:
        """One section by id (rank and score 0); ``IndexMissingError`` if unknown."""
        f = self._store.section(section_id)
        if f is None:
            raise IndexMissingError(f"no section {section_id!r} in the index")
        return self._hit(0, 0.0, f, Snippet(f.get("text", "")[:200], ()))

    def sections(self, doc_id: str) -> list[Hit]:
        """All sections of one document, in document order."""
        return [
            self._hit(0, 0.0, f, Snippet(f.get("text", "")[:200], ()))
            for f in self._store.sections_of(doc_id)
        ]

    def documents(self) -> list[DocRecord]:
        """Every indexed document with its metadata and number of sections."""
        return self._store.documents()

    def stats(self) -> Stats:
        docs, sections = self._store.counts()
        m = self._store.manifest
        return Stats(
            location=str(self._store.folder) if self._store.folder else None,
            documents=docs,
            sections=sections,
            size_bytes=self._store.size_bytes(),
            sources=list(m.sources),
            analysis=m.analysis,
            format=m.format,
            stemmer=m.stemmer,
        )

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
