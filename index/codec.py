"""whoosh3's codec, with the ranked field's postings kept only in the segment's arrays file.

Why: every segment already keeps the ranked field's postings (sections, weights and
positions) in its arrays file (``postings``), which ranking reads. Writing them a second
time in whoosh3's own blocks was about a seventh of a whole-corpus build, and a good
part of the index's size. A segment written with :class:`ArraysCodec` by
:class:`segwriter.FastSegmentWriter` leaves the ranked field out of whoosh3's terms and
postings files; :class:`ArraysTermsReader` answers Whoosh's questions about it (terms,
statistics, matchers with positions) from the arrays file, so phrases, operators and
segment merges work as before through Whoosh's own query and merge code.

A segment whose whoosh3 files do hold the ranked field (one written before this codec,
by Whoosh's own flush, or in memory) is read from them as before: the writer marks the
segments it left the field out of (:data:`RANKED_IN_ARRAYS`), and only those are read
from the arrays file.

Its segments also keep their stored fields (the sections' text, titles and metadata)
pickled but not compressed: whoosh3 compresses each section's apart, which cost about
4 % of a build for a little under half their size, and every hit shown decompressed
them again.

The codec is pickled into the index's table of contents with each segment, so its
module path and name are part of the on-disk format.
"""

from __future__ import annotations

import itertools
import sqlite3
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh import columns
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PerDocWriter
from whoosh.matching import ListMatcher
from whoosh.reading import TermInfo, TermNotFound
from whoosh.util.numeric import byte_to_length

from index import postings, schema
from index.errors import IndexDamagedError
from index.postings import unpack_block, unpack_lists

# The segment attribute that says its ranked field is in the arrays file only (pickled
# with the segment into the table of contents).
RANKED_IN_ARRAYS = "rsearch_ranked_in_arrays"


# The segment attribute that says its stored fields are pickled but not compressed.
PLAIN_STORED = "rsearch_plain_stored"
# whoosh3 compresses each section's stored fields apart (zlib, about 30-100 µs a section
# here, 4 % of a build's time) to a little over half their size.
_PLAIN_STORED_COLUMN = columns.PickleColumn(columns.VarBytesColumn())


class ArraysCodec(W3Codec):
    """whoosh3's codec; its terms reader serves the ranked field from the arrays file,
    and the stored fields of its segments are not compressed."""

    def per_document_writer(self, storage: Any, segment: Any) -> Any:
        setattr(segment, PLAIN_STORED, True)
        return _PlainStoredWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        if getattr(segment, PLAIN_STORED, False):
            return _PlainStoredReader(storage, segment)
        return super().per_document_reader(storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> Any:
        base = super().terms_reader(storage, segment)
        folder = _folder_of(storage)
        if not getattr(segment, RANKED_IN_ARRAYS, False) or folder is None:
            return base  # its whoosh3 files hold the ranked field too
        return ArraysTermsReader(base, postings.path_for(folder, segment.segment_id()))


class _PlainStoredWriter(W3PerDocWriter):
    def _create_column(self, fieldname: str, column: Any) -> None:
        super()._create_column(
            fieldname, _PLAIN_STORED_COLUMN if fieldname == "_stored" else column
        )


class _PlainStoredReader(W3PerDocReader):
    def _cached_reader(self, fieldname: str, column: Any) -> Any:
        if fieldname == "_stored":
            column = _PLAIN_STORED_COLUMN
        return super()._cached_reader(fieldname, column)


def _folder_of(storage: Any) -> Path | None:
    """The folder of a file storage, or of the one under a compound segment's overlay."""
    for s in (storage, getattr(storage, "b", None)):
        folder = getattr(s, "folder", None)
        if folder:
            return Path(folder)
    return None


class ArraysTermsReader:
    """whoosh3's terms reader of one segment, with the ranked field from its arrays file.

    The file is opened at once (Whoosh deletes the files of a merged-away segment, and a
    reader opened before then must still read it), or on first use when it is not there
    yet (the segment writer reads its new segment before renaming the file into place).
    """

    def __init__(self, base: Any, path: Path) -> None:
        self._base = base
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._lengths: bytes | None = None  # each section's length byte
        if path.exists():
            self._open()

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            if not self._path.exists():
                raise IndexDamagedError(
                    f"the index's postings file {self._path} is missing; "
                    "rebuild with `rsearch index --rebuild`"
                )
            try:
                uri = f"file:{self._path}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            except sqlite3.Error as exc:
                raise self._damaged(exc) from None
        return self._db

    def _damaged(self, exc: Exception) -> IndexDamagedError:
        return IndexDamagedError(
            f"the index's postings file {self._path} cannot be read ({exc}); "
            "rebuild with `rsearch index --rebuild`"
        )

    def _execute(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            return self._open().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise self._damaged(exc) from None

    def _row(self, tbytes: bytes) -> tuple[array[int], array[float]] | None:
        rows = self._execute(
            "SELECT ids, tfs FROM postings WHERE field = ? AND term = ?",
            (schema.WORDS, tbytes.decode("utf-8")),
        )
        return unpack_lists(*rows[0]) if rows else None

    def _info(self, ids: array[int], tfs: array[float]) -> TermInfo:
        if self._lengths is None:  # only Whoosh's query path asks: not read on opening
            rows = self._execute(
                "SELECT value FROM meta WHERE key = ?", (f"lengths:{schema.WORDS}",)
            )
            self._lengths = bytes(rows[0][0]) if rows else b""
        lengths = self._lengths
        seen = bytes(lengths[d] for d in ids if d < len(lengths)).replace(b"\0", b"")
        return TermInfo(
            weight=sum(tfs),
            df=len(ids),
            minlength=byte_to_length(min(seen)) if seen else None,
            maxlength=byte_to_length(max(seen)) if seen else 0,
            maxweight=max(max(tfs), 0.0),
            minid=ids[0],
            maxid=ids[-1],
        )

    def _words(self, prefix: bytes = b"") -> Iterator[tuple[bytes, array[int], array[float]]]:
        try:
            rows = self._open().execute(
                "SELECT term, ids, tfs FROM postings WHERE field = ? AND term >= ? ORDER BY term",
                (schema.WORDS, prefix.decode("utf-8")),
            )
            while got := rows.fetchmany(1000):
                for term, idb, tfb in got:
                    yield (term.encode("utf-8"), *unpack_lists(idb, tfb))
        except sqlite3.Error as exc:
            raise self._damaged(exc) from None

    def _values(self, tbytes: bytes) -> list[bytes]:
        """Every posting's position value, in list order."""
        out: list[bytes] = []
        rows = self._execute(
            "SELECT count, data FROM positions WHERE term = ? ORDER BY start",
            (tbytes.decode("utf-8"),),
        )
        for count, blob in rows:
            try:
                ends, data = unpack_block(count, blob)
            except (zlib.error, ValueError) as exc:
                raise self._damaged(exc) from None
            out.extend(data[a:b] for a, b in itertools.pairwise(ends))
        return out

    # Whoosh's TermsReader methods.

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        if term[0] != schema.WORDS:
            return term in self._base
        return bool(
            self._execute(
                "SELECT 1 FROM postings WHERE field = ? AND term = ?",
                (schema.WORDS, term[1].decode("utf-8")),
            )
        )

    def indexed_field_names(self) -> list[str]:
        return [*self._base.indexed_field_names(), schema.WORDS]

    def cursor(self, fieldname: str, fieldobj: Any) -> Any:
        if fieldname == schema.WORDS:
            raise TermNotFound(f"no term cursor over {fieldname!r}")
        return self._base.cursor(fieldname, fieldobj)

    def terms(self) -> Iterator[tuple[str, bytes]]:
        yield from self._base.terms()
        for term, _ids, _tfs in self._words():
            yield schema.WORDS, term

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        if fieldname != schema.WORDS:
            yield from self._base.terms_from(fieldname, prefix)
            return
        for term, _ids, _tfs in self._words(prefix):
            yield schema.WORDS, term

    def items(self) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        yield from self._base.items()
        yield from self.items_from(schema.WORDS, b"")

    def items_from(
        self, fieldname: str, prefix: bytes
    ) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        if fieldname != schema.WORDS:
            yield from self._base.items_from(fieldname, prefix)
            return
        for term, ids, tfs in self._words(prefix):
            yield (schema.WORDS, term), self._info(ids, tfs)

    def term_info(self, fieldname: str, tbytes: bytes) -> TermInfo:
        if fieldname != schema.WORDS:
            return self._base.term_info(fieldname, tbytes)
        got = self._row(tbytes)
        if got is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return self._info(*got)

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        if fieldname != schema.WORDS:
            return float(self._base.frequency(fieldname, tbytes))
        got = self._row(tbytes)
        if got is None:
            raise KeyError(tbytes)
        return float(sum(got[1]))

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        if fieldname != schema.WORDS:
            return int(self._base.doc_frequency(fieldname, tbytes))
        got = self._row(tbytes)
        if got is None:
            raise KeyError(tbytes)
        return len(got[0])

    def matcher(self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None) -> Any:
        if fieldname != schema.WORDS:
            return self._base.matcher(fieldname, tbytes, format_, scorer=scorer)
        got = self._row(tbytes)
        if got is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        ids, tfs = got
        return ArraysMatcher(
            list(ids),
            list(tfs),
            None,
            format_,
            scorer=scorer,
            term=(fieldname, tbytes),
            terminfo=self._info(ids, tfs),
            load=lambda: self._values(tbytes),
        )

    def close(self) -> None:
        self._base.close()
        if self._db is not None:
            self._db.close()
            self._db = None


class ArraysMatcher(ListMatcher):
    """Whoosh's list matcher over one term's arrays; the positions are read and decoded
    only when a query asks for a value (a phrase, the proximity bonus, a merge).

    No block quality: a list matcher would take the largest weight of the whole list
    again at every posting it skips, and these lists have tens of thousands.
    """

    def __init__(self, *args: Any, load: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._load = load

    def _loaded(self) -> None:
        if self._values is None and self._load is not None:
            self._values = self._load()

    def value(self) -> Any:
        self._loaded()
        return super().value()

    def all_items(self) -> Any:
        self._loaded()
        return super().all_items()

    def copy(self) -> ArraysMatcher:
        m = ArraysMatcher(
            self._ids,
            self._weights,
            self._values,
            self._format,
            scorer=self._scorer,
            position=self._i,
            term=self._term,
            terminfo=self._terminfo,
            load=self._load,
        )
        return m

    def supports_block_quality(self) -> bool:
        return False

    def block_max_weight(self) -> float:
        return float(self._terminfo.max_weight())
