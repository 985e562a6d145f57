"""The ``rsearch`` console script.

A plain search (``rsearch hyrstopp sjuksköterskor``: words only, no options, the first
word not a command name) is run without loading click, which saves a third of the start-up
time of a fresh process. Anything else is handed to the click application in
:mod:`search.cli`, which behaves the same for those arguments.
"""

from __future__ import annotations

import contextlib
import os
import sys

# Kept equal to the click group's commands (a test checks).
COMMANDS = frozenset({"search", "index", "stats", "show", "docs", "remove", "analyze", "eval"})


def is_plain_search(args: list[str]) -> bool:
    """True for words only: no option, no command name first, something to search for."""
    return (
        bool(args)
        and args[0] not in COMMANDS
        and not any(a.startswith("-") for a in args)
        and any(a.strip() for a in args)
    )


def main(argv: list[str] | None = None) -> None:
    """The console script (``argv`` None) or an in-process call with ``argv``."""
    args = sys.argv[1:] if argv is None else list(argv)
    if is_plain_search(args):
        from search.run import env_index_dir, run_search

        code = run_search(" ".join(args), index_dir=env_index_dir())
        if argv is None:
            _exit_now(code)
        sys.exit(code)
    from search.cli import main as click_main

    click_main(args)


def _exit_now(code: int) -> None:
    """End the process without tearing the interpreter down.

    A search writes nothing but its output, so there is nothing to save; freeing every
    module and the open index object by object took about 25 ms, a seventh of the
    command's run time. Output is flushed first.
    """
    with contextlib.suppress(BrokenPipeError):  # the reader went away (``| head``)
        sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
