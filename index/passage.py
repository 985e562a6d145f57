"""The coverage reward, with how much of the query a section says in one place.

Why: a question's words found one here and one there across a long section are weaker
evidence than the same words said together. The store rewards a section for the share
of the query (idf-weighted) it covers by multiplying its score by that share squared.
Here one of the two factors is the mean of that share and the share found within
``WIDTH`` consecutive words, so a section that gathers the question's words in a few
sentences keeps its reward while one that scatters them loses up to half of it.
Windows of a fixed number of words as passages follow Callan, "Passage-level evidence
in document retrieval" (SIGIR 1994).

``WIDTH`` counts the indexed words (stop words are not counted): 30 of them are about
50 running words, three sentences. A section that short keeps its reward whatever it
says; a longer one keeps it when the words it covers stand within one such stretch.
The words placed in a window are the query's stems and the near words they find
(``store``), not a compound's parts found apart: those are not said together.

Measured on SweFAQ with the shared corpus as distractors (whose interpellations and
government texts have long sections): nDCG@10 0.5445 -> 0.5497, both halves of the
questions gaining (0.525 -> 0.530 and 0.562 -> 0.567); widths of 15 to 45 give 0.550
to 0.553, 60 gives 0.546 and 100 0.545. Without distractors (short answers) 0.723 ->
0.726; the seed queries stay at success@1 1.00.

This module knows no Whoosh: the store hands it the positions of the query's words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

WIDTH = 30  # indexed words (stop words not counted): about 50 running words


def best_window(
    found: Sequence[tuple[int, int]], weights: Mapping[int, float], width: int | None = None
) -> float:
    """The most weight of distinct clauses whose words fall within ``width`` consecutive
    positions.

    ``found`` are (position, clause) pairs in ascending order, one per occurrence of a
    clause's word; ``weights`` maps each clause to its weight. ``width`` is ``WIDTH``
    unless given.
    """
    width = WIDTH if width is None else width
    best = held = 0.0  # the most weight in a window; the weight in the current one
    inside: dict[int, int] = {}  # clause -> its occurrences in the current window
    first = 0
    for position, clause in found:
        if clause in inside:
            inside[clause] += 1
        else:
            inside[clause] = 1
            held += weights[clause]
        while position - found[first][0] >= width:
            gone = found[first][1]
            inside[gone] -= 1
            if not inside[gone]:
                del inside[gone]
                held -= weights[gone]
            first += 1
        best = max(best, held)
    return best


def reward(whole: float, window: float) -> float:
    """The factor on a section's score that covers the share ``whole`` of the query, and
    the share ``window`` of it within one window (at most ``whole``)."""
    return whole * (whole + min(window, whole)) / 2
