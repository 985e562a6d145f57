"""The fields of the index and the on-disk format version.

Sections and whole-document records live in one Whoosh index, told apart by ``kind``:
one commit then covers a document and all its sections, so an update is never half
applied. The analyzers are pickled into the index by import path, which makes
``index.analysis`` part of the on-disk format: :data:`FORMAT_VERSION` and
``analysis.ANALYSIS_VERSION`` are stored beside the index and checked on open.
"""

from __future__ import annotations

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from index.analysis import loose_analyzer, swedish_analyzer

FORMAT_VERSION = 5

KIND_SECTION = "section"
KIND_DOC = "doc"

# Text fields searched, and their weight relative to the body (BM25F-style field boosts).
FIELD_WEIGHTS: dict[str, float] = {
    "heading": 1.5,
    "body": 1.0,
    "title": 0.2,
}
LOOSE_WEIGHT = 0.3


def build_schema() -> Schema:
    """A fresh schema; its analyzers are the module-level chains of ``index.analysis``."""
    sv = swedish_analyzer()
    return Schema(
        kind=ID(stored=True),
        section_id=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        anchor=STORED(),
        path=STORED(),
        source=ID(stored=True),
        heading=TEXT(analyzer=sv),  # section title + context, for ranking
        title=TEXT(analyzer=sv),  # the document's title, for ranking
        doc_title=STORED(),
        context=STORED(),
        section_title=STORED(),  # the section title as displayed
        body=TEXT(analyzer=sv),
        text=STORED(),  # the section as displayed (body plus its heading line)
        loose=TEXT(analyzer=loose_analyzer(), phrase=False),
        org=ID(stored=True, sortable=True),
        doctype=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        year=ID(sortable=True),
        position=NUMERIC(stored=True, sortable=True),
        pages=STORED(),
        info=STORED(),  # per-document bookkeeping: hash, mtime, size, sections
    )
