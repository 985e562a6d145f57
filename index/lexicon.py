"""Word knowledge beyond Snowball: lemmas and compound splits.

Empty for now: every word falls through to Snowball and no compound is split.
"""

from __future__ import annotations


def lemma(word: str) -> str | None:
    """The dictionary form of a lower-cased word, or None when unknown."""
    return None


def split_compound(word: str) -> tuple[str, ...] | None:
    """The members of a lower-cased compound, or None when it is not one."""
    return None


def prefer_joined(left: str, right: str) -> bool:
    """Whether "left-" + newline + "right" is one word broken at a line end."""
    return False


def is_broken_word(left: str, right: str) -> bool:
    """Whether "left-right" on one line is a word broken by the extractor."""
    return False
