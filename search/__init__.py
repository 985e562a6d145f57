"""rsearch querying: parse -> rank -> snippets, the Python API and the CLI.

>>> from search import Index
"""

from typing import TYPE_CHECKING, Any

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
from index.models import DocRecord
from search.api import Hit, Index, SearchResult, Stats, default_index_dir

if TYPE_CHECKING:
    from index.builder import BuildReport


def __getattr__(name: str) -> Any:
    # The builder (readers, metadata, gazetteer) loads only when asked for: a search
    # never needs it, and the CLI starts faster without it.
    if name == "BuildReport":
        from index.builder import BuildReport

        return BuildReport
    raise AttributeError(name)


__all__ = [
    "BuildError",
    "BuildReport",
    "DocRecord",
    "Hit",
    "Index",
    "IndexDamagedError",
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
