"""Whoosh's segment writer with a cheaper commit, and build workers that finish their
segment themselves.

Why a subclass: when whoosh3 writes a segment's posting lists it looks up the field
length of every posting through the length column, a seek and a one-byte read on the
segment file each time (about 3 µs a posting; the shared corpus has ten million). The
lengths were written by the same writer a moment before: :class:`FastSegmentWriter`
reads them in one piece and looks them up in memory. The postings it writes are the
same bytes.

Whoosh also pools every posting as a tuple of five objects (about 200 bytes), pickles
each one to a sorted run on disk when the pool is full, and at the flush merges the runs
and hands each posting through three method calls into a block. :class:`_ArrayPool`
keeps each term's postings in arrays instead (about 60 bytes a posting and 500 a term;
a full pool spills them a term at a time), and the flush writes whoosh3's blocks and
term infos as bytes, a term at a time (:class:`_TermsWriter`): the same bytes as
posting by posting through Whoosh's writers (``tests/test_segwriter.py`` compares the
two). The ranked field has nearly all the
postings, and :meth:`FastSegmentWriter.add_document` pools a section's in one call.

The flush also writes the segment's packed arrays (``postings``) from the postings it
has in memory: the export read them back from the segment after the commit (a sixth of
the wall time of a 23 MB build, in the parent). With ``index.codec`` (rsearch's default
for an index on disk) the ranked field's postings go to that file only, and the segment
is marked so that Whoosh reads them from there.

Why a worker of our own: Whoosh's build worker (``SubWriterTask``) writes its segment
and exits. :class:`BuildTask` writes it with :class:`FastSegmentWriter` (so with its
arrays) and hands its last analysed words to the term cache before it exits; the parent
used to collect every section's words for the ones that died with a worker. A worker
that cannot store its words exits with an error, so the build fails (and the index stays
as it was) rather than publishing an incomplete vocabulary.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import marshal
import sqlite3
import struct
import sys
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter, sub
from pathlib import Path
from pickle import HIGHEST_PROTOCOL, dumps, loads
from typing import Any

from whoosh.codec import whoosh3
from whoosh.fields import ID, NUMERIC
from whoosh.filedb import filetables
from whoosh.formats import Positions
from whoosh.multiproc import SubWriterTask
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

from index import analysis, postings
from index.codec import RANKED_IN_ARRAYS, ArraysCodec
from index.errors import BuildError
from index.postings import ArraysFile
from index.schema import ONE_POSITION, WORDS, RankedText

# A term's postings: section numbers, weights, encoded positions.
TermPostings = tuple["array[int]", "array[float]", list[bytes]]
# Per whoosh3 block of a list: the list index of its first posting, its position values.
Blocks = list[tuple[int, Sequence[bytes]]]
# A term's postings as whoosh3 stores them: weights rounded to 32-bit floats, and blocks.
Stored = tuple["array[int]", "array[float]", Blocks]


def stored_form(postings: TermPostings, limit: int) -> Stored:
    """What :meth:`_TermsWriter.add` returns for ``postings``, without writing them
    (a term of the ranked field that only the arrays file keeps: ``index.codec``)."""
    ids, weights, values = postings
    blocks: Blocks = []
    for a in range(0, len(ids), limit):
        vs = values[a : a + limit]
        blocks.append((a, vs if all(vs) else [v for v in vs if v]))
    return ids, array("d", array("f", weights)), blocks


_SIZE = struct.Struct("<I")  # the length of a spilled term's record
# What the pool's arrays take, for its memory budget (measured with tracemalloc): a new
# term's key, arrays and list about 500 bytes, a posting about 60 and its value's length.
_TERM_BYTES = 500
_POSTING_BYTES = 60
_ITEMS_CACHED = 50_000  # keyword values whose postings a writer keeps at most

# While a build runs, the analysis caches and the pool hold hundreds of thousands of
# objects, and CPython's default collector walks them all again and again: 5.5 s of a
# 58 s build of 23 MB in one process, 0.7 s with these thresholds (same peak memory).
BUILD_GC_THRESHOLD = (100_000, 50, 1000)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often while indexing (the thresholds are the process's)."""
    old = gc.get_threshold()
    gc.set_threshold(*BUILD_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)


class _MemoryLengths:
    """A per-document reader whose field lengths come from memory (see module docstring)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def length_bytes(self, fieldname: str, count: int) -> bytes:
        """The length byte of each of the first ``count`` sections in ``fieldname``, in one
        piece; 0 for a section past the column's end (length 0, as whoosh3 answers)."""
        column = self._reader._cached_reader(f"_{fieldname}_len", whoosh3.LENGTHS_COLUMN)
        if column is None:
            return bytes(count)
        data = bytes(column._dbfile.get(column._basepos, column._count))[:count]
        return data + bytes(count - len(data))


def _length_bytes(pdr: Any, fieldname: str, count: int) -> bytes:
    """Each section's length byte in ``fieldname`` (all 0 without length statistics)."""
    if pdr is None:
        return bytes(count)
    if isinstance(pdr, _MemoryLengths):
        return pdr.length_bytes(fieldname, count)
    return bytes(length_to_byte(pdr.doc_field_length(d, fieldname, 0)) for d in range(count))


# whoosh3's decoded length of a length byte; None for 0 (no length).
_LENGTH_OF_BYTE: list[int | None] = [byte_to_length(b) if b else None for b in range(256)]
# The pieces of whoosh3's postings and terms files (:class:`_TermsWriter`).
_BLOCKS_TAG = whoosh3.WHOOSH3_HEADER_MAGIC
_MIN_COMPRESSED = whoosh3.COMPRESSION_MIN_SIZE
_TERM_INFO = whoosh3.W3TermInfo._struct
_KEY_LENGTHS = filetables._lengths


class _ArrayPool(PostingPool):
    """Whoosh's posting pool, with each term's postings kept in arrays.

    Keyed by field and term, as Whoosh sorts postings; Whoosh's own list of tuples stays
    empty. The ranked field has nearly all the postings, and its own way in
    (:meth:`add_ranked`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._terms: dict[tuple[str, bytes], TermPostings] = {}
        # The ranked field's, by term as text: a posting then needs neither the term's
        # bytes nor a key tuple (made once per term when the pool is sorted).
        self._words: dict[str, TermPostings] = {}
        self._bytes = 0  # an estimate of the memory the arrays hold
        self._runs: list[str] = []  # spilled postings, by field and term, in docnum order
        self.unsorted = False  # some section number came after a larger one

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        key = (fieldname, tbytes)
        got = self._terms.get(key)
        if got is None:
            self.fieldnames.add(fieldname)
            got = self._terms[key] = (array("I"), array("d"), [])
            self._bytes += _TERM_BYTES + len(tbytes)
        elif docnum <= got[0][-1]:
            self.unsorted = True
        got[0].append(docnum)
        got[1].append(weight)
        got[2].append(vbytes or b"")
        self._bytes += _POSTING_BYTES + len(vbytes or b"")
        if self._bytes > self.limit:
            self._spill()

    def add_ranked(
        self,
        docnum: int,
        positions: Mapping[str, list[int]],
        weights: Mapping[str, float],
        encode: Callable[[list[int]], bytes],
        boost: float = 1.0,
        single: Mapping[int, bytes] | None = None,
    ) -> int:
        """:meth:`add` for all of a section's ranked postings at once; returns its length.

        ``positions`` and ``weights`` are :func:`analysis.index_term_maps` of the section,
        ``encode`` makes a posting's value from its positions. Whoosh adds a posting at a
        time, as a tuple through a method call (for the ranked field, a tenth of a build's
        time, profiled on 23 MB); making the postings in this same loop saves a list of
        them per section. ``single``, when values may be shared, holds those ``encode``
        made of a single position (most postings), looked up here without calling it.
        """
        if not positions:
            return 0
        self.fieldnames.add(WORDS)
        pooled = self._words
        one = single if single is not None else {}
        length = 0
        size = _POSTING_BYTES * len(positions)
        for term, at in positions.items():
            n = len(at)
            length += n
            vbytes = one.get(at[0]) if n == 1 else None
            if vbytes is None:
                vbytes = encode(at)
            got = pooled.get(term)
            if got is None:
                got = pooled[term] = (array("I"), array("d"), [])
                size += _TERM_BYTES + len(term)
            elif docnum <= got[0][-1]:
                self.unsorted = True
            got[0].append(docnum)
            got[1].append(weights[term] * boost)
            got[2].append(vbytes)
            size += len(vbytes)
        self._bytes += size
        if self._bytes > self.limit:
            self._spill()
        return length

    def _spill(self) -> None:
        path, f = self._new_run()
        with f:
            for key, (ids, weights, values) in self._sorted_pool():
                data = marshal.dumps((*key, ids.tobytes(), weights.tobytes(), values))
                f.write(_SIZE.pack(len(data)) + data)
        self._runs.append(path)
        self._bytes = 0

    def _sorted_pool(self) -> list[tuple[tuple[str, bytes], TermPostings]]:
        """The postings held in memory, by field and term (as Whoosh sorts them), and the
        pool emptied."""
        items = list(self._terms.items())
        items.extend(((WORDS, t.encode("utf-8")), p) for t, p in self._words.items())
        items.sort(key=itemgetter(0))
        self._terms, self._words = {}, {}
        return items

    def _read_spilled(self, path: str) -> Iterator[tuple[tuple[str, bytes], TermPostings]]:
        f = self._open_run(path)
        try:
            # A term's record in one read: marshal.load from the file reads each of its
            # values apart (about 2 µs a posting; from bytes, about a sixth of that).
            while head := f.read(_SIZE.size):
                name, term, ids, weights, values = marshal.loads(f.read(_SIZE.unpack(head)[0]))
                yield (name, term), (array("I", ids), array("d", weights), values)
        finally:
            f.close()
            self._remove_run(path)

    def has_postings(self) -> bool:
        return bool(self._terms or self._words or self._runs)

    def term_postings(self) -> Iterator[tuple[tuple[str, bytes], TermPostings]]:
        """Every (field, term) in Whoosh's order, its postings by section number."""
        sources = [self._read_spilled(p) for p in self._runs]
        sources.append(iter(self._sorted_pool()))
        self._runs = []
        merged = heapq.merge(*sources, key=lambda item: item[0])  # stable: runs in order
        key, (ids, weights, values) = next(merged, (("", b""), (array("I"), array("d"), [])))
        if not ids:
            return
        for nkey, (nids, nweights, nvalues) in merged:
            if nkey == key:
                if nids[0] <= ids[-1]:
                    self.unsorted = True
                ids.extend(nids)
                weights.extend(nweights)
                values.extend(nvalues)
                continue
            yield key, _sorted(ids, weights, values) if self.unsorted else (ids, weights, values)
            key, ids, weights, values = nkey, nids, nweights, nvalues
        yield key, _sorted(ids, weights, values) if self.unsorted else (ids, weights, values)

    def iter_postings(self) -> Any:
        """All postings as Whoosh's pool gives them (for a flush that does not call
        :meth:`term_postings` first)."""
        for (name, term), (ids, weights, values) in self.term_postings():
            self.current.extend(
                (name, term, d, w, v) for d, w, v in zip(ids, weights, values, strict=True)
            )
        return super().iter_postings()


def _sorted(ids: array[int], weights: array[float], values: list[bytes]) -> TermPostings:
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return (
        array("I", [ids[i] for i in order]),
        array("d", [weights[i] for i in order]),
        [values[i] for i in order],
    )


class _TermsWriter:
    """whoosh3's postings and terms files of a segment, written a term at a time as bytes.

    Why: ``W3FieldWriter`` takes each term through a dozen method calls (start, a block
    buffer, block statistics, a term info object, the terms table), about 60 µs a term,
    and most terms have one or two postings: in a build of 23 MB, 8 s of the 14 s flush.
    This composes the same bytes in one pass (``tests/test_segwriter.py`` compares whole
    segments with Whoosh's own) and writes them in large pieces. What it writes, per
    block: a header tag before the first, the block's length (negative for the last),
    its statistics and its data, pickled (the data compressed from ``_MIN_COMPRESSED``
    bytes); per term: a key and its term info in the terms table.

    Each block is set as ``W3PostingsWriter.add_posting`` would leave it after adding
    its postings one by one: section numbers, weights as 32-bit floats, the non-empty
    values, the largest weight (from 0), and the smallest and largest of the non-zero
    field lengths.
    """

    _BUFFER = 1 << 20  # bytes gathered before a write

    def __init__(self, fw: Any, codec: Any) -> None:
        self._fw = fw
        self._limit = codec._blocklimit
        self._compression = codec._compression
        self._post = bytearray()
        self._terms = bytearray()
        self._post_at = self._terms_at = 0
        self._key = b""
        self._lengths = b""
        self._fixed: int | None = None

    def start_field(self, name: str, field: Any, lengths: bytes) -> None:
        """Start field ``name``; ``lengths`` holds each section's length byte in it."""
        self._fw.start_field(name, field)
        self._key = pack_ushort(self._fw._fieldid)
        self._lengths = lengths
        self._fixed = field.format.fixed_value_size()
        self._post_at = self._fw._postfile.tell()
        self._terms_at = self._fw._tindex.dbfile.tell()

    def add(self, term: bytes, postings: TermPostings) -> Stored:
        """Write one term's posting list; return its section numbers, weights and blocks
        as the export would read them back."""
        ids, weights, values = postings
        stored = array("f", weights)  # as whoosh3 stores them
        blocks: Blocks = []
        post = self._post
        start = self._post_at + len(post)
        lengths, table, fixed, comp = self._lengths, _LENGTH_OF_BYTE, self._fixed, self._compression
        total, maxweight, minlength, maxlength = 0.0, 0.0, None, 0
        count = len(ids)
        for a in range(0, count, self._limit):
            b = a + self._limit
            bids, bweights = ids[a:b], stored[a:b]
            n = len(bids)
            top = max(weights[a:b])
            top = top if top > 0 else 0
            vs = values[a:b]
            vs = vs if all(vs) else [v for v in vs if v]
            blocks.append((a, vs))
            if n == 1:
                low = high = lengths[bids[0]]
            else:
                seen = bytes(map(lengths.__getitem__, bids)).replace(b"\0", b"")
                low, high = (min(seen), max(seen)) if seen else (0, 0)
            low_length, high_length = table[low], table[high] or 0
            # The term's statistics, as ``W3TermInfo.add_block`` keeps them.
            total += sum(bweights)
            if low_length is not None:
                minlength = low_length if minlength is None else min(minlength, low_length)
            maxlength = max(maxlength, high_length)
            maxweight = max(maxweight, top)
            # The block, as ``W3PostingsWriter._write_block`` writes it.
            if bweights.count(1.0) == n:
                mini_weights: Any = None
            elif bweights.count(bweights[0]) == n:
                mini_weights = bweights[0]
            else:
                mini_weights = tuple(bweights)
            if fixed is None or fixed < 0:
                mini_values: Any = tuple(vs)
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = b"".join(vs)
            deltas = (bids[0], *map(sub, bids[1:], bids)) if n > 1 else (bids[0],)
            data = dumps((deltas, mini_weights, mini_values), 2)
            level = comp if len(data) >= _MIN_COMPRESSED else 0
            if level:
                data = zlib.compress(data, level)
            info = dumps(
                (n, bids[-1], top, level, length_to_byte(low_length), length_to_byte(high_length)),
                2,
            )
            if not a:
                post += _BLOCKS_TAG
            size = len(info) + len(data)
            post += pack_int(-size if b >= count else size)
            post += info
            post += data
        end = self._post_at + len(post)
        terminfo = _TERM_INFO.pack(
            False,
            total,
            count,
            0 if minlength is None else length_to_byte(minlength),
            length_to_byte(maxlength),
            maxweight,
            ids[0],
            ids[-1],
        )
        self._add_key(self._key + term, terminfo + pack_long(start) + pack_int(end - start))
        if len(post) >= self._BUFFER:
            self._flush()
        return ids, array("d", stored), blocks

    def _add_key(self, key: bytes, value: bytes) -> None:
        """``OrderedHashWriter.add``: the key and value, and the key's place and hash."""
        tindex = self._fw._tindex
        if key <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{key!r}")
        terms = self._terms
        pos = self._terms_at + len(terms)
        tindex.index.append(pos)
        terms += _KEY_LENGTHS.pack(len(key), len(value))
        terms += key
        terms += value
        h = tindex.hashfn(key)
        tindex.buckets[h & 255].append((h, pos))
        tindex.lastkey = key

    def _flush(self) -> None:
        fw = self._fw
        if self._post:
            fw._postfile.write(bytes(self._post))
            self._post.clear()
            self._post_at = fw._postfile.tell()
        if self._terms:
            fw._tindex.dbfile.write(bytes(self._terms))
            self._terms.clear()
            self._terms_at = fw._tindex.dbfile.tell()

    def finish_field(self) -> None:
        self._flush()
        self._fw.finish_field()


class FastSegmentWriter(SegmentWriter):
    """``SegmentWriter`` whose pool keeps the ranked field in arrays and whose flush
    writes it a block at a time, looking field lengths up in memory."""

    def __init__(self, ix: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _ArrayPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        self._arrays: ArraysFile | None = None
        self._arrays_only = False  # the ranked field is in the arrays file only
        # :meth:`add_document` pools the ranked field's postings itself for rsearch's
        # schema: a positional ranked field, no spelling fields or term vectors.
        fields = [self.schema[name] for name in self.schema.names()]
        ranked = self.schema[WORDS] if WORDS in self.schema.names() else None
        self._fast = (
            isinstance(ranked, RankedText)
            and type(ranked.format) is Positions
            and not any(f.separate_spelling() or f.vector for f in fields)
        )
        self._single: dict[int, bytes] | None = None
        if isinstance(ranked, RankedText) and self._fast:
            # Position values shared between postings (``RankedText.posting_encoder``)
            # where they are kept in the arrays file, not pickled in whoosh3's blocks.
            shared = isinstance(self.codec, ArraysCodec)
            self._encode, self._boost = ranked.posting_encoder(shared=shared)
            self._single = ONE_POSITION if shared else None
        # Keyword and number fields other than the unique key repeat their values from
        # section to section (kind, document, organisation, year...): their postings are
        # made once per value. Whoosh's generic ``index`` of them took 2.3 s of a 60 s
        # one-process build of 23 MB (pooling the ranked postings takes 3.5 s).
        self._repeating = {
            name
            for name, f in self.schema.items()
            if type(f) in (ID, NUMERIC) and f.indexed and not f.unique
        }
        self._items: dict[tuple[str, Any], tuple[tuple[bytes, int, float, bytes], ...]] = {}

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document``, with the ranked field's postings pooled in one call
        (:meth:`_ArrayPool.add_ranked`) instead of one call a posting.

        A document without a ranked field (each document's own record) takes this path
        too: through Whoosh's method, the records were 5 % of a worker's time in a
        whole-corpus build. Anything this does not cover (boosts, ``_stored_`` values,
        spelling or vector fields, a ranked value that is not text) goes to Whoosh's own
        method.
        """
        pool = self.pool
        if (
            not self._fast
            or not isinstance(pool, _ArrayPool)
            or not isinstance(fields.get(WORDS, ""), str)
            or any(name.startswith("_") for name in fields)
        ):
            super().add_document(**fields)
            return
        self._check_state()
        schema = self.schema
        names = sorted(fields)
        self._check_fields(schema, names)
        docnum = self.docnum
        add_post = pool.add
        cached = self._items
        repeating = self._repeating
        pdw = self.perdocwriter
        pdw.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if name == WORDS:
                    at, weights = analysis.index_term_maps(value)
                    length = pool.add_ranked(
                        docnum, at, weights, self._encode, self._boost, self._single
                    )
                elif field.indexed:
                    scorable = field.scorable
                    key = (name, value)
                    keep = name in repeating and isinstance(value, (str, int))
                    items = cached.get(key) if keep else None
                    if items is None:
                        items = tuple(field.index(value))
                        if keep:
                            if len(cached) >= _ITEMS_CACHED:
                                cached.clear()
                            cached[key] = items
                    for tbytes, freq, weight, vbytes in items:
                        if scorable:
                            length += freq
                        # As Whoosh's, which multiplies by the field boost (1.0).
                        add_post((name, tbytes, docnum, weight * 1.0, vbytes))
                pdw.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    pdw.add_column_value(name, column, field.to_column_value(value))
        except ValueError:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def per_document_reader(self) -> Any:
        reader = super().per_document_reader()
        return _MemoryLengths(reader) if hasattr(reader, "_cached_reader") else reader

    def _flush_segment(self) -> None:
        pool = self.pool
        codec = self.codec
        if (
            not isinstance(pool, _ArrayPool)
            or not pool.has_postings()
            or type(codec) not in (whoosh3.W3Codec, ArraysCodec)
            or codec._inlinelimit != 1  # :class:`_TermsWriter` writes no inlined postings
        ):
            super()._flush_segment()
            return
        self.perdocwriter.close()
        pdr = self.per_document_reader() if codec.length_stats else None
        count = self.docnum
        writer = _TermsWriter(self.fieldwriter, codec)
        self._arrays = self._open_arrays()
        # With the arrays codec and a file to write, the ranked field's postings go to the
        # arrays file only; a failure to write it then fails the segment.
        self._arrays_only = self._arrays is not None and isinstance(codec, ArraysCodec)
        field = None
        try:
            for (name, term), term_postings in pool.term_postings():
                if name == WORDS and self._arrays_only:
                    self._add_only_copy(term, stored_form(term_postings, codec._blocklimit))
                    continue
                if name != field:
                    if field is not None:
                        writer.finish_field()
                    field = name
                    writer.start_field(name, self.schema[name], _length_bytes(pdr, name, count))
                written = writer.add(term, term_postings)
                if name == WORDS and self._arrays is not None:
                    try:
                        self._arrays.add(term, *written)
                    except (OSError, sqlite3.Error):
                        self._drop_arrays()  # the export after the commit writes them
        except BaseException:
            self._drop_arrays()  # the segment fails: no file of it is left behind
            raise
        if field is not None:
            writer.finish_field()
        self.fieldwriter.close()
        if pdr is not None:
            pdr.close()

    def _add_only_copy(self, term: bytes, stored: Stored) -> None:
        """Add a ranked term to the arrays file that is its only copy: a failure fails
        the segment, and so the commit, with a message naming the file."""
        assert self._arrays is not None
        try:
            self._arrays.add(term, *stored)
        except (OSError, sqlite3.Error) as exc:
            raise BuildError(
                f"could not write the index's postings file {self._arrays.path} ({exc}); "
                "nothing was committed and the index is as it was"
            ) from None

    def _open_arrays(self) -> ArraysFile | None:
        """The arrays file of the new segment, for an index on disk (None: the export
        after the commit writes it, or the index is in memory)."""
        folder = getattr(self.storage, "folder", None)
        if not folder:
            return None
        try:
            return ArraysFile(postings.path_for(Path(folder), self.newsegment.segment_id()))
        except (OSError, sqlite3.Error):
            return None

    def _drop_arrays(self) -> None:
        if self._arrays is not None:
            self._arrays.discard()
            self._arrays = None

    def _finalize_segment(self) -> Any:
        segment = super()._finalize_segment()
        if self._arrays_only:
            setattr(segment, RANKED_IN_ARRAYS, True)
        if self._arrays is not None:
            from whoosh.reading import SegmentReader

            reader = SegmentReader(self.storage, self.schema, segment)
            try:
                self._arrays.finish(reader)
            except (OSError, sqlite3.Error) as exc:
                self._arrays.discard()
                if self._arrays_only:  # the file holds the ranked field's only postings
                    raise BuildError(
                        f"could not write the index's postings file {self._arrays.path} "
                        f"({exc}); nothing was committed and the index is as it was"
                    ) from None
                # else the export after the commit writes it
            finally:
                self._arrays = None
                reader.close()
        return segment

    def cancel(self, **kwargs: Any) -> None:
        self._drop_arrays()
        super().cancel(**kwargs)


def write_job(storage: Any, docs: list[tuple[int, dict[str, Any]]]) -> str:
    """Write a batch of documents for a build worker; return the job file's name.

    Whoosh pickles each document apart, with protocol 2, and its worker loads them one by
    one from the file; one pickle of the whole batch, read in one piece, is what
    :meth:`BuildTask._process_file` expects.
    """
    from whoosh.util import random_name

    name = f"{random_name()}.doclist"
    with storage.create_file(name).raw_file() as f:
        f.write(dumps(docs, HIGHEST_PROTOCOL))
    return name


class BuildTask(SubWriterTask):
    """A build worker: Whoosh's, with :class:`FastSegmentWriter`, and finishing its
    segment's arrays and words before it exits (see module docstring)."""

    sink: analysis.Sink | None = None  # where its analysed words go (set by the parent)

    def run(self) -> None:
        if not self.multisegment:
            super().run()  # its segment is merged by the parent: nothing of ours to add
            return
        # A process of its own: no collections at all. Even at ``BUILD_GC_THRESHOLD``,
        # each worker of a whole-corpus build spent 2.4 s of its 44 s of CPU in 38
        # collections of its youngest objects (about 0.1 s each: the pool's new lists
        # and dictionaries), and they found 40 to 49 unreachable objects in all.
        gc.disable()
        if self.sink is not None:
            analysis.set_sink(self.sink)  # the parent's (a spawned worker does not inherit it)
        ix = self.storage.open_index(self.indexname)
        # The parent locks the index; this writer only writes its own segment.
        writer = self.writer = FastSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        segment = writer._finalize_segment()  # with its arrays file
        if not analysis.flush_pending():
            # Exit code 1: the parent refuses to commit (``store._checked_mp_writer``).
            print("rsearch: a build worker could not store its words", file=sys.stderr)
            sys.exit(1)
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)

    def _process_file(self, filename: str, doc_count: int) -> None:
        """Add the documents of a job file written by :func:`write_job`."""
        storage = self.writer.temp_storage()
        with storage.open_file(filename).raw_file() as f:
            docs = loads(f.read())
        add = self.writer.add_document
        for _code, fields in docs:
            add(**fields)
        storage.delete_file(filename)
