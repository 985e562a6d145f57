"""One root exception for everything rsearch raises on purpose.

The CLI turns any ``RsearchError`` into a one-line message and an exit status; anything
else is a bug. Names avoid shadowing built-ins (no ``IndexError``).
"""


class RsearchError(Exception):
    """Root of rsearch's own errors; ``str(err)`` is a complete one-line message."""


class InputError(RsearchError):
    """A document or file could not be read (the message names the path and reason)."""


class QueryError(RsearchError):
    """A query or a search argument is unusable."""


class IndexMissingError(RsearchError):
    """There is no index at the given location."""


class IndexVersionError(RsearchError):
    """The index was written by another format or analysis version."""


class IndexLockedError(RsearchError):
    """Another live process is writing to the index."""


class BuildError(RsearchError):
    """A build could not finish; nothing of it was committed."""


class IndexDamagedError(RsearchError):
    """A file of the index is missing or unreadable (the message names it)."""
