"""Whoosh's segment writer with a cheaper commit, and build workers that finish their
segment themselves.

Why a subclass: when whoosh3 writes a segment's posting lists it looks up the field
length of every posting through the length column, a seek and a one-byte read on the
segment file each time (about 3 µs a posting; the shared corpus has ten million). The
lengths were written by the same writer a moment before: :class:`FastSegmentWriter`
reads them in one piece and looks them up in memory. The postings it writes are the
same bytes.

Why a worker of our own: Whoosh's build worker (``SubWriterTask``) writes its segment
and exits. :class:`BuildTask` then also writes the segment's packed arrays
(``postings``) and hands its last analysed words to the term cache, while the parent is
still feeding the other worker; the parent used to do both after the last worker ended,
on one core. A worker that cannot store its words exits with an error, so the build
fails (and the index stays as it was) rather than publishing an incomplete vocabulary.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

from whoosh.multiproc import SubWriterTask
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from index import analysis, postings


class _MemoryLengths:
    """A per-document reader whose field lengths come from memory (see module docstring)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def doc_field_length_reader(self, fieldname: str, default: int = 0) -> Any:
        column = self._reader._cached_reader(f"_{fieldname}_len", _lengths_column())
        if column is None:
            return lambda docnum: default
        # The whole column, one byte a document; a document past its end has length 0.
        data = column._dbfile.get(column._basepos, column._count)
        # As whoosh3 answers: the decoded length, or None for a zero byte.
        table = [byte_to_length(b) if b else None for b in range(256)]
        count = len(data)

        def get(docnum: int) -> int | None:
            return table[data[docnum]] if docnum < count else None

        return get


def _lengths_column() -> Any:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    return LENGTHS_COLUMN


class FastSegmentWriter(SegmentWriter):
    """``SegmentWriter`` whose flush looks field lengths up in memory."""

    def per_document_reader(self) -> Any:
        reader = super().per_document_reader()
        return _MemoryLengths(reader) if hasattr(reader, "_cached_reader") else reader


class BuildTask(SubWriterTask):
    """A build worker: Whoosh's, with :class:`FastSegmentWriter`, and finishing its
    segment's arrays and words before it exits (see module docstring)."""

    def run(self) -> None:
        if not self.multisegment:
            super().run()  # its segment is merged by the parent: nothing of ours to add
            return
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
        segment = writer._finalize_segment()
        if not analysis.flush_pending():
            # Exit code 1: the parent refuses to commit (``store._checked_mp_writer``).
            print("rsearch: a build worker could not store its words", file=sys.stderr)
            sys.exit(1)
        folder = getattr(self.storage, "folder", None)
        if folder and segment.doc_count_all():
            from whoosh.reading import SegmentReader

            reader = SegmentReader(self.storage, writer.schema, segment)
            try:
                path = postings.path_for(Path(folder), segment.segment_id())
                postings.export_segment(reader, path)
            except (OSError, sqlite3.Error):
                pass  # the parent exports what is missing after the commit
            finally:
                reader.close()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)
