"""What the ``search`` command does, without click: shared by the CLI and its fast path.

``rsearch "hyrstopp sjuksköterskor"`` is the command people type most, and click alone
takes a third of a fresh process's start-up. :mod:`search.entry` therefore runs plain
word queries through :func:`run_search` directly; everything else (options, help, other
commands) goes through :mod:`search.cli`, which calls the same functions.

Exit status: 0 done (hits found); 1 no hits; 2 usage or input error (one line on
stderr); 3 indexing finished but some files failed (each named on stderr).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, TextIO

from index.errors import RsearchError
from search import output
from search.api import Index, SearchResult, default_index_dir

EXIT_OK, EXIT_NO_HITS, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def say(message: str) -> None:
    """One line on stderr."""
    print(message, file=sys.stderr, flush=True)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    say(f"rsearch: {message}")
    sys.exit(code)


@contextmanager
def errors() -> Iterator[None]:
    """Errors become one line on stderr and exit status 2, never a traceback."""
    try:
        yield
    except RsearchError as exc:
        fail(str(exc))
    except (OSError, UnicodeError) as exc:
        fail(f"{exc}")
    except Exception as exc:  # a bug: still one line, details on request
        if os.environ.get("RSEARCH_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set RSEARCH_DEBUG=1 for details)")


def env_index_dir() -> Path | None:
    """``$RSEARCH_INDEX`` when set and not empty."""
    value = os.environ.get("RSEARCH_INDEX")
    return Path(value) if value else None


def open_index(index_dir: Path | None) -> Index:
    """Open the chosen index; the default one is built from the bundled seeds at first use."""
    if index_dir is not None:
        return Index.open(index_dir)
    folder = default_index_dir()
    ix, built = Index.open_or_seed(folder)
    if built:
        say(f"rsearch: built a new index of the bundled seed documents in {folder}")
    return ix


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def emit_result(result: SearchResult, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(output.result_json(result) + "\n")
    else:
        sys.stdout.write(output.human_result(result, use_color()))
    sys.stdout.flush()


def run_search(
    text: str,
    *,
    limit: int = 10,
    as_json: bool = False,
    batch: TextIO | None = None,
    org: str | None = None,
    doctype: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    index_dir: Path | None = None,
) -> int:
    """Search and print; returns the exit status (0 hits, 1 none; usage errors exit 2)."""
    if batch is None and not text.strip():
        fail('give a query, e.g. rsearch "hyrstopp sjuksköterskor" (or --batch FILE)')
    if batch is not None and text.strip():
        fail("give either a QUERY or --batch FILE, not both")
    with errors():
        ix = open_index(index_dir)
        filters = dict(org=org, doctype=doctype, date_from=date_from, date_to=date_to)
        facets = True  # counts by org, type and year: JSON and the human summary line
        if batch is not None:
            any_hits = False
            for line in batch:
                q = line.rstrip("\n")
                if not q.strip():
                    continue
                result = ix.search(q, limit=limit, facets=facets, **filters)
                any_hits |= bool(result.hits)
                sys.stdout.write(output.result_json(result) + "\n")
            sys.stdout.flush()
            return EXIT_OK if any_hits else EXIT_NO_HITS
        result = ix.search(text, limit=limit, facets=facets, **filters)
    emit_result(result, as_json)
    return EXIT_OK if result.hits else EXIT_NO_HITS
