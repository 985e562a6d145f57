"""Document focus: a section whose surroundings say less about the query than it alone.

Why: ranking sections alone, a passing mention in a long report competes with a short
document that is about the question. The text around a passage counts as evidence
(Callan, "Passage-level evidence in document retrieval", SIGIR 1994, combines document
and passage scores). Here the BM25 of the section's neighbourhood in its document (the
section and up to ``WINDOW`` sections either side), with full length normalisation, is
set against the same BM25 of the section alone: where the neighbourhood scores less,
the section's score is scaled down by that ratio (never up). A section whose neighbours
also hold the query's words keeps its score; a document of one section always does.

Why a neighbourhood and not the whole document: a statute or a protocol is a collection
of paragraphs on different matters, and measured against a whole law of 2,000 sections
its one paragraph on a question ("tystnadsplikt hälso- och sjukvård": Patientsäkerhets-
lagen 6 kap. 12 §) fell below press releases that mention the words. Its neighbours
(the same chapter) keep it first. Measured on SweFAQ with the shared corpus as
distractors (whose long documents are split into many sections): nDCG@10 0.516 -> 0.533
with neighbourhoods of 2 either side (0.535 with whole documents, 0.534 with 4 or 8,
0.525 with 1); without distractors (one section per answer) and on the seed queries,
nothing changes.

A section's document is the run of consecutive places (``position`` 0, 1, 2, ...)
around it in its segment: a document's sections are written together and in order, and
Whoosh keeps their order when it merges segments; a document record (no place, read as
0) or the next document (place 0) ends a run. The places come from the ``position``
column, which indexes built before it lack: there every factor is 1.

This module knows no Whoosh: the store hands it the places, lengths and term counts.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

WINDOW = 2  # sections either side of a candidate that count as its surroundings


def span(places: Sequence[int], local: int, ends: dict[int, int] | None = None) -> tuple[int, int]:
    """The first and last section number (inclusive) of the document of ``local``.

    ``ends`` (a document's first section -> its last) keeps the spans found, for a caller
    that asks again: a long document's end is a walk over its places.
    """
    n = len(places)
    if local >= n:
        return local, local
    start = max(local - places[local], 0)
    end = ends.get(start) if ends is not None else None
    if end is None:
        end = local
        while end + 1 < n and places[end + 1] == places[end] + 1:
            end += 1
        if ends is not None:
            ends[start] = end
    return start, end


def count_between(ids: Sequence[int], tfs: Sequence[float], first: int, last: int) -> float:
    """The weighted count of a posting list (ascending ``ids``) in sections first..last."""
    lo = bisect_left(ids, first)
    return sum(tfs[lo : bisect_right(ids, last, lo)])


@dataclass(frozen=True)
class Clause:
    """A query clause: the terms whose counts it takes, and its weight (idf)."""

    terms: tuple[str, ...]
    weight: float


def factors(
    candidates: Iterable[int],
    spans: Callable[[int], tuple[int, int]],
    clauses: Sequence[Clause],
    tf: Callable[[str, int, int], float],
    length: Callable[[int, int], float],
    k1: float,
    avg_doc_length: float,
) -> dict[int, float]:
    """The focus factor (0 < f <= 1) of each candidate section of several.

    ``spans(d)`` is the first and last section of ``d``'s document (of which up to
    ``WINDOW`` sections either side of ``d`` count); ``tf(term, a, b)``
    the weighted count of ``term`` in sections ``a`` to ``b``; ``length(a, b)`` their
    summed length. The BM25 of a stretch of sections is ``sum w * tf / (tf + k1 * L /
    avg_doc_length)`` over the clauses (``k1 + 1`` cancels in the ratio).
    """
    avg = avg_doc_length or 1.0
    out: dict[int, float] = {}
    whole: dict[tuple[int, int], float] = {}
    for d in candidates:
        a, b = spans(d)
        a, b = max(a, d - WINDOW), min(b, d + WINDOW)
        if a == b:
            out[d] = 1.0
            continue
        alone = _bm25(clauses, tf, d, d, k1 * length(d, d) / avg)
        if alone <= 0.0:
            out[d] = 1.0  # found by compound parts or near misses only
            continue
        doc = whole.get((a, b))
        if doc is None:
            doc = whole[a, b] = _bm25(clauses, tf, a, b, k1 * length(a, b) / avg)
        out[d] = min(1.0, doc / alone)
    return out


def _bm25(
    clauses: Sequence[Clause], tf: Callable[[str, int, int], float], a: int, b: int, norm: float
) -> float:
    total = 0.0
    for c in clauses:
        n = sum(tf(t, a, b) for t in c.terms)
        if n > 0:
            total += c.weight * n / (n + norm)
    return total
