"""rsearch querying: parse -> rank -> snippets, the Python API and the CLI.

>>> from search import Index
"""

from index.builder import BuildReport
from index.errors import (
    IndexLockedError,
    IndexMissingError,
    IndexVersionError,
    InputError,
    QueryError,
    RsearchError,
)
from index.models import DocRecord
from search.api import Hit, Index, SearchResult, Stats, default_index_dir

__all__ = [
    "BuildReport",
    "DocRecord",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexMissingError",
    "IndexVersionError",
    "InputError",
    "QueryError",
    "RsearchError",
    "SearchResult",
    "Stats",
    "default_index_dir",
]
