"""Plain data passed between the pipeline stages: documents in, sections out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Metadata:
    """What a user filters and reads beside a hit; every field may be unknown."""

    title: str | None = None
    org: str | None = None
    doctype: str | None = None
    date: str | None = None  # ISO: YYYY-MM-DD or YYYY-MM or YYYY


@dataclass(frozen=True)
class Document:
    """One source document as read, before it is split into sections.

    ``path`` is relative to the folder it was indexed from (None for records that did
    not come from a file of their own); ``source`` identifies where it came from for
    incremental updates (absolute file path, or ``file::record-id`` for JSON Lines).
    """

    doc_id: str
    text: str
    path: str | None = None
    source: str | None = None
    fmt: str = "txt"
    meta: Metadata = field(default_factory=Metadata)
    # Metadata given by the source itself (a record's fields, a sidecar file); it wins
    # over what extraction finds.
    given: dict[str, str] = field(default_factory=dict)
    # Character offsets where pages start (PDF readers), for page numbers of sections.
    page_starts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Section:
    """The unit a search returns: a §, an agenda item, a slide, a heading's text."""

    section_id: str
    doc_id: str
    anchor: str
    title: str
    text: str
    position: int
    pages: tuple[int, ...] = ()
    # The part of the document the section belongs to (a deck's divider slide), if any.
    context: str = ""


@dataclass(frozen=True)
class DocRecord:
    """What the index keeps about a whole document (for listing and updates)."""

    doc_id: str
    path: str | None
    source: str | None
    title: str | None
    org: str | None
    doctype: str | None
    date: str | None
    sections: int
    content_hash: str = ""
    mtime: float = 0.0
    size: int = 0
