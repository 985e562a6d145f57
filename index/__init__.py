"""rsearch indexing: read -> clean -> sections + metadata -> Swedish analysis -> store.

Never imports ``search``; the query side builds on what is exported here.
"""

from index.errors import (
    BuildError,
    IndexDamagedError,
    IndexLockedError,
    IndexMissingError,
    IndexVersionError,
    InputError,
    QueryError,
    RsearchError,
)
from index.models import DocRecord, Document, Metadata, Section

__all__ = [
    "BuildError",
    "DocRecord",
    "Document",
    "IndexDamagedError",
    "IndexLockedError",
    "IndexMissingError",
    "IndexVersionError",
    "InputError",
    "Metadata",
    "QueryError",
    "RsearchError",
    "Section",
]
