"""The ``rsearch`` console script.

A plain search (``rsearch hyrstopp sjuksköterskor``: words only, no options, the first
word not a command name) is run without loading click, which saves a third of the start-up
time of a fresh process. Anything else is handed to the click application in
:mod:`search.cli`, which behaves the same for those arguments.
"""

from __future__ import annotations

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
    args = sys.argv[1:] if argv is None else list(argv)
    if is_plain_search(args):
        from search.run import env_index_dir, run_search

        sys.exit(run_search(" ".join(args), index_dir=env_index_dir()))
    from search.cli import main as click_main

    click_main(args)
