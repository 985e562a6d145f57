"""Packed posting arrays of the ranked field, one SQLite file beside each Whoosh segment.

Why: Whoosh walks a posting list one posting at a time through a tree of matchers, and
every block it decodes carries the positions too; a search costs about 3 µs per posting
(50 ms for one word in 17,000 sections). Ranking plain words needs only (section,
weighted frequency) pairs and the field lengths. Every segment gets ``<segment id>.rsp``
holding those as packed arrays, so a list is one SELECT and one ``array.frombytes`` away:
written with the segment (``segwriter``), or after the commit (:func:`export_missing`)
for a segment written without it. The positions of the ranked field are kept there too,
a Whoosh block's worth per row, for the proximity bonus of a few candidates per search.

The file name matches Whoosh's pattern for segment files, so Whoosh deletes it together
with its segment after a merge. A file is written under a dot-name (which Whoosh leaves
alone) and renamed into place. A segment written by ``segwriter`` with ``index.codec``
keeps the ranked field's postings here only, and Whoosh reads them from here too. For
other segments (an index written by an older rsearch, an in-memory index, a segment
flushed by Whoosh's own writer) the file is a copy: without it (an interrupted export)
searches take Whoosh's own path.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from itertools import accumulate, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh.util.numeric import length_to_byte

from index import schema

SUFFIX = ".rsp"
# The whoosh3 leaf matcher's block methods used here (whoosh3 is pinned to one version).
_BLOCK_API = ("_read_ids", "_read_weights", "_read_values", "_goto", "_lastblock", "_i")
VERSION = "3"
FACETS = ("org", "doctype", "year")  # counted over all matches of a search
FIELDS = (schema.WORDS,)  # the fields whose lengths are kept
_IDS = "I"  # section numbers within the segment (C unsigned int: 32 bits on CPython's platforms)
CACHE_BYTES = 32 * 2**20  # posting lists kept between searches, over all segments
_PARALLEL_DOCS = 20_000  # segments this large are exported in worker processes
_TFS = "d"  # weighted term frequency: the float Whoosh stores, exactly
if TYPE_CHECKING:
    # Per Whoosh block of a posting list: the list index of its first posting, and the
    # position values (Whoosh's encoding) of its postings.
    Values = list[tuple[int, Sequence[bytes]]]


@dataclass
class Segment:
    """The posting arrays of one segment, and what ranking needs beside them.

    ``base`` turns a section number of this segment into the searcher's;
    ``lengths[field][d]`` is Whoosh's length byte of section ``d`` in ``field``;
    ``deleted`` are the sections deleted since the segment was written (their postings
    are still there).
    """

    base: int
    lengths: dict[str, bytes]
    deleted: frozenset[int]
    _db: sqlite3.Connection
    _leaf: Any
    _facets: dict[str, tuple[list[str], array[int]]] = dataclass_field(default_factory=dict)
    _has_positions: bool = True
    _places: array[int] | None = None
    _places_read: bool = False
    span_ends: dict[int, int] = dataclass_field(default_factory=dict)  # see ``ArrayRanker.span``
    # Lists read lately, kept across searches (words recur: most postings a sequence of
    # searches reads were read by an earlier one), up to ``cache_bytes``.
    cache_bytes: int = 0
    _cache: OrderedDict[str, tuple[array[int], array[float]] | None] = dataclass_field(
        default_factory=OrderedDict
    )
    _cached_bytes: int = 0

    def facet(self, name: str) -> tuple[list[str], array[int]]:
        """The distinct values of facet ``name`` and, per section, the index of its value."""
        got = self._facets.get(name)
        if got is None:
            meta = dict(
                self._db.execute(
                    "SELECT key, value FROM meta WHERE key IN (?, ?)",
                    (f"facet:{name}", f"facet-of:{name}"),
                )
            )
            which: array[int] = array(_IDS)
            which.frombytes(meta[f"facet-of:{name}"])
            got = self._facets[name] = (json.loads(meta[f"facet:{name}"]), which)
        return got

    def places(self) -> array[int] | None:
        """Each section's place in its document (:func:`read_places`), read once."""
        if not self._places_read:
            self._places, self._places_read = read_places(self._leaf), True
        return self._places

    def get(self, term: str) -> tuple[array[int], array[float]] | None:
        """The sections holding ranked-field ``term`` and its weighted frequencies."""
        cache = self._cache
        got = cache.get(term, _UNCACHED)
        if got is not _UNCACHED:
            # Another thread's search may have evicted it since: then it just stays out.
            with contextlib.suppress(KeyError):
                cache.move_to_end(term)
            return got
        row = self._db.execute(
            "SELECT ids, tfs FROM postings WHERE field = ? AND term = ?", (schema.WORDS, term)
        ).fetchone()
        got = None if row is None else unpack_lists(row[0], row[1])
        size = _nbytes(got)
        if size <= self.cache_bytes:
            cache[term] = got
            self._cached_bytes += size
            while self._cached_bytes > self.cache_bytes and cache:
                self._cached_bytes -= _nbytes(cache.popitem(last=False)[1])
        return got

    def positions(self, term: str, wanted: list[tuple[int, int]]) -> dict[int, list[int]] | None:
        """The positions of ranked-field ``term`` in sections ``(local number, index in the
        term's list)``, ``wanted`` ascending; None for a file written without them.

        Each Whoosh block's position values are one row, so a section's positions cost
        one indexed lookup and a small decompression, where Whoosh would read the block's
        header, then unpickle its ids, weights and values together.
        """
        if not self._has_positions:
            return None
        decode = self._leaf.schema[schema.WORDS].format.decode_positions
        out: dict[int, list[int]] = {}
        start, ends, data = -1, [0], b""
        try:
            for d, j in wanted:
                if not start <= j < start + len(ends) - 1:
                    row = self._db.execute(
                        "SELECT start, count, data FROM positions WHERE term = ? AND start <= ?"
                        " ORDER BY start DESC LIMIT 1",
                        (term, j),
                    ).fetchone()
                    if row is None:
                        continue
                    start = row[0]
                    ends, data = unpack_block(row[1], row[2])
                i = j - start
                if i < len(ends) - 1:
                    out[d] = decode(data[ends[i] : ends[i + 1]])
        except sqlite3.OperationalError:
            self._has_positions = False
            return None
        return out

    def close(self) -> None:
        self._db.close()


_UNCACHED: Any = object()


def read_places(leaf: Any) -> array[int] | None:
    """The ``position`` column of Whoosh segment ``leaf``: each section's place in its
    document, 0 for document records; None for an index whose ``position`` is no
    ``schema.Place`` (written before format 10) or a segment without the column.

    Read as one block of bytes: the column's reader unpacks a value per call.
    """
    name = "position"
    if name not in leaf.schema or not isinstance(leaf.schema[name], schema.Place):
        return None  # before format 10 (a sortable NUMERIC's column holds other values)
    if not leaf.has_column(name):
        return None
    col = leaf.column_reader(name, translate=False)
    out: array[int] = array(_IDS)
    try:
        out.frombytes(bytes(col._dbfile.get(col._basepos, col._count * out.itemsize)))
        if sys.byteorder == "little":
            out.byteswap()  # Whoosh packs numbers big-endian
    except AttributeError:  # a reader of another kind (not whoosh3's numeric column)
        out = array(_IDS, (col[d] for d in range(leaf.doc_count_all())))
    missing = leaf.doc_count_all() - len(out)
    if missing > 0:
        out.extend(repeat(0, missing))  # Whoosh leaves trailing defaults unwritten
    return out


def unpack_lists(ids: bytes, tfs: bytes) -> tuple[array[int], array[float]]:
    """A posting list's section numbers and weighted frequencies, from their columns."""
    got_ids: array[int] = array(_IDS)
    got_ids.frombytes(ids)
    got_tfs: array[float] = array(_TFS)
    got_tfs.frombytes(tfs)
    return got_ids, got_tfs


def unpack_block(count: int, blob: bytes) -> tuple[list[int], bytes]:
    """A positions row: where each of its ``count`` values ends, and the values joined
    (value ``i`` is ``data[ends[i] : ends[i + 1]]``). Raises ``zlib.error`` if damaged."""
    data = zlib.decompress(blob)
    lengths: array[int] = array(_IDS)
    lengths.frombytes(data[: count * lengths.itemsize])
    return [0, *accumulate(lengths)], data[count * lengths.itemsize :]


def _nbytes(lists: tuple[array[int], array[float]] | None) -> int:
    """About what a cached list costs in memory (an absent one costs its entry)."""
    if lists is None:
        return 64
    return 64 + sum(len(a) * a.itemsize for a in lists)


def path_for(folder: Path, segment_id: str) -> Path:
    return folder / f"{segment_id}{SUFFIX}"


def open_segments(folder: Path, reader: Any) -> list[Segment] | None:
    """The arrays of every segment of ``reader`` (a Whoosh reader), or None if one lacks them."""
    out: list[Segment] = []
    for leaf, base in reader.leaf_readers():
        if leaf.segment() is None:  # an empty index's reader: nothing to rank
            continue
        path = path_for(folder, leaf.segment().segment_id())
        # The version and the lengths only: facet values are read when a search counts them.
        keys = ["version", *(f"lengths:{f}" for f in FIELDS)]
        db = None
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            marks = ", ".join("?" * len(keys))
            meta = dict(
                db.execute(f"SELECT key, value FROM meta WHERE key IN ({marks})", keys).fetchall()
            )
        except sqlite3.Error:
            meta = {}
        if db is None or meta.get("version") != VERSION or len(meta) != len(keys):
            if db is not None:
                db.close()
            for seg in out:
                seg.close()
            return None
        deleted = frozenset(leaf.segment().deleted_docs()) if leaf.has_deletions() else frozenset()
        lengths = {f: bytes(meta[f"lengths:{f}"]) for f in FIELDS}
        out.append(Segment(base=base, lengths=lengths, deleted=deleted, _db=db, _leaf=leaf))
    for seg in out:
        seg.cache_bytes = CACHE_BYTES // len(out)
    return out


def export_missing(folder: Path, ix: Any) -> int:
    """Write the arrays of every segment of Whoosh index ``ix`` that has none; return how many.

    Stale files of merged-away segments are Whoosh's to delete (see the module docstring).
    """
    for stale in folder.glob(f".*{SUFFIX}.*.tmp"):
        # Left by an export that was killed: an export takes seconds, not an hour.
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink()
    with ix.reader() as reader:
        missing = [
            (leaf, path)
            for leaf, _base in reader.leaf_readers()
            if leaf.segment() is not None
            and not _current(path := path_for(folder, leaf.segment().segment_id()))
        ]
        big = [path.name for leaf, path in missing if leaf.doc_count_all() >= _PARALLEL_DOCS]
        if len(big) > 1 and (os.cpu_count() or 1) > 1 and ix.storage.folder:
            # Large builds end with one segment per worker: export them side by side.
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # Spawned, not forked: a forked worker would count the whole writer's memory
            # as its own and hold it while it reads its segment.
            with ProcessPoolExecutor(
                max_workers=min(len(big), os.cpu_count() or 1),
                mp_context=multiprocessing.get_context("spawn"),
            ) as pool:
                list(pool.map(_export_in_worker, [ix.storage.folder] * len(big), big))
        for leaf, path in missing:
            if not _current(path):
                export_segment(leaf, path)
    return len(missing)


def _current(path: Path) -> bool:
    """True when ``path`` holds arrays of this version (a file of an older one is redone)."""
    if not path.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == VERSION


def _export_in_worker(whoosh_folder: str, name: str) -> None:
    """Worker process: open the index and export the segment whose file is ``name``."""
    from whoosh.filedb.filestore import FileStorage

    # Not memory-mapped: whoosh3 would copy the whole segment into memory on opening.
    ix = FileStorage(whoosh_folder, supports_mmap=False).open_index()
    with ix.reader() as reader:
        for leaf, _base in reader.leaf_readers():
            if leaf.segment() is not None and f"{leaf.segment().segment_id()}{SUFFIX}" == name:
                export_segment(leaf, Path(whoosh_folder) / name)


def export_segment(leaf: Any, path: Path) -> None:
    """Read one segment's postings of the ranked field and write them to ``path``."""
    out = ArraysFile(path)
    try:
        if schema.WORDS in leaf.indexed_field_names():
            opener = _postings_opener(leaf)
            for term, info in leaf.iter_field(schema.WORDS):
                kept: Values = []
                m = opener(term, info) if opener is not None else None
                ids, tfs = read_postings(leaf, term, values=kept, matcher=m)
                out.add(term, ids, tfs, kept)
        out.finish(leaf)
    except BaseException:
        out.discard()
        raise


class ArraysFile:
    """A segment's arrays file being written: posting lists a term at a time, in term
    order, then what the finished segment tells (:meth:`finish`).

    Why apart from the export: a segment writer that has a term's postings in memory
    (``segwriter``) writes them here as it writes the segment, instead of reading them
    back from the segment afterwards.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()
        self._db = db = sqlite3.connect(self._tmp)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB)")
            db.execute(
                "CREATE TABLE postings (field TEXT, term TEXT, ids BLOB, tfs BLOB,"
                " PRIMARY KEY (field, term)) WITHOUT ROWID"
            )
            db.execute(
                "CREATE TABLE positions (term TEXT, start INTEGER, count INTEGER, data BLOB,"
                " PRIMARY KEY (term, start)) WITHOUT ROWID"
            )
        except BaseException:
            self.discard()
            raise
        self._batch: list[tuple[str, str, bytes, bytes]] = []
        self._blocks: list[tuple[str, int, int, bytes]] = []

    def add(self, term: bytes, ids: array[int], tfs: array[float], blocks: Values) -> None:
        """One term's sections and weights, and per Whoosh block of its list the list
        index of its first posting and its position values."""
        text = term.decode("utf-8")
        self._batch.append((schema.WORDS, text, ids.tobytes(), tfs.tobytes()))
        # The value lengths, then the values (small pickles); level 1 because a query
        # decompresses a few blocks, and the lengths compress well.
        self._blocks.extend(
            (text, first, len(vs), zlib.compress(_packed(vs), 1)) for first, vs in blocks
        )
        if len(self._batch) >= 20_000:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)", self._batch)
        self._db.executemany("INSERT INTO positions VALUES (?, ?, ?, ?)", self._blocks)
        self._batch.clear()
        self._blocks.clear()

    def finish(self, leaf: Any) -> None:
        """Add the facet values and field lengths of segment ``leaf``, and put the file
        in place (written under a dot-name, then renamed)."""
        self._flush()
        meta: list[tuple[str, str | bytes]] = [("version", VERSION)]
        for name in FACETS:
            values = [str(v or "") for v in leaf.column_reader(name)]
            distinct = sorted(set(values))
            where = {v: i for i, v in enumerate(distinct)}
            meta.append((f"facet:{name}", json.dumps(distinct, ensure_ascii=False)))
            meta.append((f"facet-of:{name}", array(_IDS, [where[v] for v in values]).tobytes()))
        for field in FIELDS:
            lengths = bytes(
                length_to_byte(leaf.doc_field_length(d, field, 0) or 0)
                for d in range(leaf.doc_count_all())
            )
            meta.append((f"lengths:{field}", lengths))
        self._db.executemany("INSERT INTO meta VALUES (?, ?)", meta)
        self._db.commit()
        self._db.close()
        with open(self._tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        self._tmp.unlink(missing_ok=True)


def _postings_opener(leaf: Any) -> Callable[[bytes, Any], Any] | None:
    """For an export: a matcher from the term info that ``iter_field`` yields, over the
    segment's postings file read into memory in one piece; None where that cannot be done.

    ``leaf.postings`` looks each term up again in the terms file, and a block is read
    through the compound file a few bytes at a time, each read a Python call with a seek:
    about a third of an export. Not for a segment with deletions, whose postings
    ``leaf.postings`` filters. The file is read for the export only (about a third of the
    segment), one segment at a time.
    """
    terms = getattr(leaf, "_terms", None)
    postfile = getattr(terms, "_postfile", None)
    reader = getattr(getattr(terms, "_codec", None), "postings_reader", None)
    if leaf.has_deletions() or postfile is None or reader is None:
        return None
    from whoosh.filedb.structfile import BufferFile

    postfile.seek(0)
    buf = BufferFile(postfile.read())
    fmt = leaf.schema[schema.WORDS].format

    def opener(term: bytes, info: Any) -> Any:
        return reader(buf, info, fmt, term=(schema.WORDS, term))

    return opener


def _packed(values: Sequence[bytes]) -> bytes:
    return array(_IDS, map(len, values)).tobytes() + b"".join(values)


def read_postings(
    leaf: Any, term: str, values: Values | None = None, matcher: Any = None
) -> tuple[array[int], array[float]]:
    """All (section, weight) postings of ranked-field ``term`` in one segment, a block at
    a time.

    Whoosh's matcher API would cost a few method calls per posting; the whoosh3 leaf
    matcher decodes a whole block at once, and its block methods are used where it is the
    matcher (whoosh3 is pinned to one version). ``values``, if given, receives each
    block's first list index and position values (decoded with the ids anyway).
    ``matcher`` is the term's matcher when the caller made it (:func:`_postings_opener`).
    """
    ids: array[int] = array(_IDS)
    tfs: array[float] = array(_TFS)
    m = matcher if matcher is not None else leaf.postings(schema.WORDS, term)
    if all(hasattr(m, a) for a in _BLOCK_API):
        while True:
            if values is not None:
                m._read_values()
                values.append((len(ids), m._values))
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids)
            tfs.fromlist(list(m._weights))  # a tuple, or an array("f") of a constant
            if m._lastblock:
                break
            m._goto(m._nextoffset)
    else:
        while m.is_active():
            if values is not None:
                values.append((len(ids), [m.value()]))
            ids.append(m.id())
            tfs.append(m.weight())
            m.next()
    return ids, tfs


def positions_at(leaf: Any, term: str, wanted: list[tuple[int, int]]) -> dict[int, list[int]]:
    """:meth:`Segment.positions` from Whoosh's postings (for a file written without them).

    The whoosh3 matcher is moved block by block on the block headers' counts, and only
    the blocks holding a wanted section are decoded: its ``skip_to`` steps through every
    posting before the target, one method call each.
    """
    m = leaf.postings(schema.WORDS, term)
    out: dict[int, list[int]] = {}
    if not all(hasattr(m, a) for a in (*_BLOCK_API, "_blocklength", "_next_block")):
        for d, _j in wanted:
            if m.is_active() and m.id() < d:
                m.skip_to(d)
            if m.is_active() and m.id() == d:
                out[d] = list(m.value_as("positions"))
        return out
    start = 0  # list index of the current block's first posting
    for d, j in wanted:
        while j >= start + m._blocklength:
            start += m._blocklength
            m._next_block()
        m._i = j - start
        out[d] = list(m.value_as("positions"))
    return out
