"""Spelling candidates: the trie-like scan finds exactly the words a full edit distance finds."""

from __future__ import annotations

import random

from whoosh.support.levenshtein import damerau_levenshtein

from index.termcache import within


def test_within_agrees_with_full_edit_distance() -> None:
    rng = random.Random(7)
    letters = "abcåö"
    for _ in range(500):
        key = "".join(rng.choice(letters) for _ in range(rng.randint(1, 7)))
        words = sorted(
            {"".join(rng.choice(letters) for _ in range(rng.randint(0, 8))) for _ in range(80)}
        )
        for limit in (1, 2):
            expected = [
                (damerau_levenshtein(key, w), w)
                for w in words
                if damerau_levenshtein(key, w) <= limit
            ]
            assert within(key, words, limit) == expected, (key, limit)


def test_within_counts_a_swap_as_one_edit() -> None:
    assert within("hyrstopp", ["hyrsotpp", "hyrstop", "hyrstoppet"], 1) == [
        (1, "hyrsotpp"),
        (1, "hyrstop"),
    ]
