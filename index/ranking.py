"""BM25F over packed posting arrays, for queries of plain words.

Why: the scores are those Whoosh computes for the query ``store`` compiles (a word's stem,
plus its compound parts at half weight; common words only adding to rarer words'
matches), but computed a list at a time in a few tight loops instead of a tree of
matchers called per posting, which made Whoosh's search cost ~3 µs per posting. Words are
scored term at a time into one accumulator per segment; a list that cannot add candidates
is only looked up for the candidates it already has (by bisection when it is much longer).

This module knows no Whoosh: ``store`` hands it the segments' arrays and the constants.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from heapq import nlargest
from itertools import repeat
from math import log
from typing import TYPE_CHECKING, NamedTuple, Protocol

from index import focus

if TYPE_CHECKING:
    Lists = tuple[array[int], array[float]]  # ascending section numbers, weighted frequencies


Step = Callable[..., None]  # adds a word's scores (to all sections, or to ``targets=``)

# The proximity bonus (``store``): words in order, each at most NEAR_SLOP positions after
# the one before, earn NEAR_WEIGHT times their own scores.
NEAR_SLOP = 3
NEAR_WEIGHT = 2.0


class _Unit(NamedTuple):
    """A defining word's stem, or its parts, as max-score sees it."""

    size: int  # postings (the shortest list, for parts)
    bound: float  # the most it adds to one section
    matches: Callable[[], Iterable[int]]  # the sections it makes matches
    every: Step  # add to every section
    some: Step  # add to the ``targets`` only


class SegmentArrays(Protocol):
    """What ranking needs of one segment (see ``index.postings.Segment``)."""

    base: int
    lengths: dict[str, bytes]
    deleted: frozenset[int]

    def get(self, term: str) -> Lists | None: ...

    def positions(self, term: str, wanted: list[tuple[int, int]]) -> dict[int, list[int]] | None:
        """For the proximity bonus (``store``); ranking itself needs no positions."""

    def places(self) -> Sequence[int] | None:
        """Each section's place in its document, for ``index.focus`` (None: unknown)."""

    @property
    def span_ends(self) -> dict[int, int]:
        """A document's first section -> its last, filled in by ranking as it goes."""


@dataclass(frozen=True)
class WordPlan:
    """How one query word takes part in a search.

    ``parts`` are the compound's parts other than its stem (at least two, else empty): a
    section with all of them scores their sum at ``parts_weight``. ``defining`` words make
    a section a candidate by their stem (and their parts, when ``parts_defining``); the
    others only add to candidates found by a defining word. ``loose`` are the stems of
    other indexed words the word also finds (:class:`Near`), each searched at
    ``loose_weight``; empty when there are none.
    """

    stem: str
    parts: tuple[str, ...]
    defining: bool
    parts_defining: bool
    loose: tuple[str, ...] = ()
    loose_weight: float = 0.0


@dataclass(frozen=True)
class Near:
    """The stems of other indexed words a query word also finds, and their weight.

    A word found nowhere as written stands in for the word meant ("sjukskoterskor" for
    "sjuksköterskor"); a word found as written also finds its derivational kin
    ("vaccinering": "vaccination"), at a lower weight (``store``).
    """

    stems: tuple[str, ...]
    weight: float


class ArrayRanker:
    """Scores sections for a handful of words; one per search (it caches lists)."""

    def __init__(
        self,
        segments: Sequence[SegmentArrays],
        doc_count_all: int,
        avg_length: float,
        byte_to_length: Callable[[int], float],
        k1: float,
        b: float,
        parts_weight: float,
        field: str,
        norms: dict[tuple[object, ...], list[float]] | None = None,
    ) -> None:
        self.segments = segments
        self._bases = [seg.base for seg in segments]  # ascending
        self.doc_count_all = doc_count_all
        self.parts_weight = parts_weight
        self.field = field
        self._k1p = k1 + 1
        # Whoosh keeps a section's length as one byte: the length part of BM25's
        # denominator is one of 256 values.
        avg = avg_length or 1.0
        self._norm = [k1 * ((1 - b) + b * byte_to_length(i) / avg) for i in range(256)]
        self._byte_to_length = byte_to_length
        self._norms_key = (field, k1, b, avg)
        self._norms = norms if norms is not None else {}
        self._lists: dict[str, list[Lists | None]] = {}
        self._spots: dict[tuple[str, int], tuple[int, int, int] | None] = {}
        self._commons: dict[tuple[int, tuple[str, ...]], set[int]] = {}
        # After :meth:`rank`: each segment's matching sections (for facet counts).
        self.matched: list[Collection[int]] = []

    # -- statistics ---------------------------------------------------------------------

    def lists(self, term: str) -> list[Lists | None]:
        got = self._lists.get(term)
        if got is None:
            got = self._lists[term] = [seg.get(term) for seg in self.segments]
        return got

    def df(self, term: str) -> int:
        """Sections holding ``term`` (deleted ones too, as in Whoosh's statistics)."""
        return sum(len(x[0]) for x in self.lists(term) if x is not None)

    def idf(self, term: str) -> float:
        """Whoosh's idf: ``log(N / (df + 1)) + 1`` over all sections, deleted ones included."""
        return log(self.doc_count_all / (self.df(term) + 1)) + 1

    # -- ranking --------------------------------------------------------------------

    def rank(
        self, plans: Sequence[WordPlan], k: int, allowed: Callable[[int], bool] | None = None
    ) -> tuple[list[tuple[float, int]], int]:
        """The ``k`` best (score, section number) pairs, best first, and how many matched.

        Ties go to the lower section number. ``allowed`` (on the searcher's numbers)
        restricts the matches, as a filter does.
        """
        weight = self._weights(plans)
        pool: list[tuple[float, int]] = []
        total = 0
        self.matched = []
        for i, seg in enumerate(self.segments):
            acc, matched = self._score_segment(i, seg, plans, weight, k, allowed)
            total += len(matched)
            self.matched.append(matched)
            pool.extend((v, seg.base + d) for d, v in _best(acc, k))
        pool.sort(key=lambda x: (-x[0], x[1]))
        return pool[:k], total

    def rank_covering(
        self, plans: Sequence[WordPlan], owner: Sequence[int], k: int, limit: int
    ) -> tuple[list[tuple[float, int]], int] | None:
        """:meth:`rank` over the sections that cover every clause of the query, when no
        other section can reach its first ``limit`` hits; None when one could.

        Why: the coordination reward (``store``) multiplies a score by the squared share of
        the query's clauses (idf-weighted) a section covers, and the proximity bonus needs
        every word. A section that lacks a clause keeps at most ``outside``: the bounds of
        the other clauses' words times their squared share. Once ``limit`` sections with
        every clause score more than that, only those need scoring. (The bound counts
        their reward whole: the window of ``passage``, which can halve it where the words
        stand far apart, and document focus are applied to the candidates afterwards, so
        here the sections with every word are preferred as candidates, not proven the
        only ones that could rank. A clause of common words only, which counts in no
        share, weighs nothing here either.) Finding them takes
        set operations (in C), where :meth:`rank` adds up every posting of every list in
        Python: a query of two words found in tens of thousands of sections each cost
        about a sixth less (measured on the corpus benchmark's queries).

        It also ranks better. :meth:`rank` takes the candidates by score before the reward,
        so short sections that repeat one word could fill them and keep out a section with
        every word that the reward would have put first. ``owner[j]`` is the clause of
        ``plans[j]``. As in :meth:`rank`, only the sections of the defining words (their
        stems, near misses and parts, unless ``parts_defining`` is off) are matches; a
        common word's list is looked up for them. The total is exact: the size of the
        union of the defining words' sections.
        """
        clauses = sorted(set(owner))
        if len(clauses) < 2 or not any(p.defining for p in plans):
            return None
        weight = self._weights(plans)
        clause_weight: dict[int, float] = {}
        clause_bound: dict[int, float] = {}
        for p, c in zip(plans, owner, strict=True):
            # A clause of common words only (no defining word) counts in no share.
            counted = weight[p.stem] if p.defining else 0.0
            clause_weight[c] = max(clause_weight.get(c, 0.0), counted)
            clause_bound[c] = clause_bound.get(c, 0.0) + self._plan_bound(p, weight)
        whole = sum(clause_weight.values())
        bounds = sum(clause_bound.values())
        if whole <= 0:
            return None
        outside = max(
            (bounds - clause_bound[c]) * ((whole - clause_weight[c]) / whole) ** 2 for c in clauses
        )
        covers = [
            [[self._cover(i, p) for p, c in zip(plans, owner, strict=True) if c == clause]
             for clause in clauses]
            for i in range(len(self.segments))
        ]  # fmt: skip
        defines = [
            [ids for p in plans if p.defining for ids in self._cover(i, p, p.parts_defining)]
            for i in range(len(self.segments))
        ]
        inside = [_in_all(x) - seg.deleted for x, seg in zip(covers, self.segments, strict=True)]
        if not all(p.defining and p.parts_defining for p in plans):
            inside = [_in_any(x, lists) for x, lists in zip(inside, defines, strict=True)]
        if sum(map(len, inside)) < limit:
            return None
        pool: list[tuple[float, int]] = []
        for i, (seg, both) in enumerate(zip(self.segments, inside, strict=True)):
            if both:
                acc = dict.fromkeys(both, 0.0)
                norms = self._section_norms(i)
                for p in plans:
                    self._add_plan(acc, i, p, weight, norms, both)
                pool.extend((v, seg.base + d) for d, v in _best(acc, k))
        pool.sort(key=lambda x: (-x[0], x[1]))
        if pool[limit - 1][0] <= outside:
            return None
        self.matched = []
        total = 0
        for lists, seg in zip(defines, self.segments, strict=True):
            union: set[int] = set()
            union.update(*lists)
            union.difference_update(seg.deleted)
            self.matched.append(union)
            total += len(union)
        return pool[:k], total

    def _weights(self, plans: Sequence[WordPlan]) -> dict[str, float]:
        """The idf of every term the plans search for."""
        weight = {p.stem: self.idf(p.stem) for p in plans}
        for p in plans:
            for term in (*p.parts, *p.loose):
                weight.setdefault(term, self.idf(term))
        return weight

    def _plan_bound(self, p: WordPlan, weight: dict[str, float]) -> float:
        """More than a word's stem, near misses and parts can add to one section."""
        most = weight[p.stem] + p.loose_weight * sum(weight[t] for t in p.loose)
        if p.parts:
            most += self.parts_weight * sum(weight[t] for t in p.parts)
        return most * self._k1p * (1 + 1e-9)

    def _cover(self, i: int, p: WordPlan, parts: bool = True) -> list[Collection[int]]:
        """The sections of segment ``i`` that hold the word's stem, all its parts (unless
        not ``parts``) or one of its near misses (what :meth:`covers` tells of one
        section), as their lists."""
        found: list[Collection[int]] = [
            x[0] for t in (p.stem, *p.loose) if (x := self.lists(t)[i]) is not None
        ]
        if parts and p.parts and all(self.lists(t)[i] is not None for t in p.parts):
            found.append(self._common(i, p.parts))
        return found

    def _add_plan(
        self,
        acc: dict[int, float],
        i: int,
        p: WordPlan,
        weight: dict[str, float],
        norms: list[float],
        targets: Collection[int],
    ) -> None:
        """Add one word's scores (stem, near misses, parts) to the ``targets``."""
        for term, share in ((p.stem, 1.0), *((t, p.loose_weight) for t in p.loose)):
            lists = self.lists(term)[i]
            if lists is not None:
                factor = weight[term] * self._k1p * share
                self._add_known(acc, targets=targets, lists=lists, norms=norms, factor=factor)
        if p.parts:
            found = [self.lists(t)[i] for t in p.parts]
            self._add_parts(acc, i, found, p.parts, norms, weight, targets)

    def covers(self, plan: WordPlan, docnums: Iterable[int]) -> set[int]:
        """Those of ``docnums`` (searcher numbers) with the word's stem or all its parts."""
        out: set[int] = set()
        parts = [self.lists(p) for p in plan.parts]
        loose = [self.lists(t) for t in plan.loose]
        for d in docnums:
            spot = self.locate(plan.stem, d)
            if spot is not None:
                out.add(d)
                continue
            i, local = self._place(d)
            if (parts and all(_has(x[i], local) for x in parts)) or any(
                _has(x[i], local) for x in loose
            ):
                out.add(d)
        return out

    def locate(self, term: str, docnum: int) -> tuple[int, int, int] | None:
        """(segment, section number in it, index in its list of ``term``), or None.

        Kept for the search: the coverage of the candidates and their proximity bonus
        look up the same words in the same sections.
        """
        key = (term, docnum)
        if key in self._spots:
            return self._spots[key]
        i, local = self._place(docnum)
        j = _index(self.lists(term)[i], local)
        got = self._spots[key] = (i, local, j) if j >= 0 else None
        return got

    def term_score(self, term: str, segment: int, index: int, local: int) -> float:
        """The BM25 score of ``term`` in a section (as Whoosh's term matcher gives it)."""
        lists = self.lists(term)[segment]
        assert lists is not None
        tf = lists[1][index]
        norm = self._section_norms(segment)[local]
        return self.idf(term) * ((tf * self._k1p) / (tf + norm))

    # -- inside a segment -------------------------------------------------------------

    def _section_norms(self, i: int) -> list[float]:
        """The length part of each section of segment ``i``: one list index per posting in
        the loops below instead of two (``norm[lengths[d]]``), about 12 % of a list's time.

        Kept in ``norms`` (the caller's, for as long as the index is unchanged): building
        it costs about 3 ms for 150,000 sections.
        """
        key = (i, *self._norms_key)
        got = self._norms.get(key)
        if got is None:
            norm = self._norm
            got = self._norms[key] = [norm[x] for x in self.segments[i].lengths[self.field]]
        return got

    def _segment_of(self, docnum: int) -> int:
        """The last segment whose first section number is at most ``docnum``."""
        return max(0, bisect_right(self._bases, docnum) - 1)

    def span(self, docnum: int) -> tuple[int, int]:
        """The first and last section (searcher's numbers) of ``docnum``'s document, or
        ``docnum`` alone where the index keeps no places (``index.focus``)."""
        i, local = self._place(docnum)
        seg = self.segments[i]
        places = seg.places()
        if places is None:
            return docnum, docnum
        start, end = focus.span(places, local, seg.span_ends)
        base = self._bases[i]
        return base + start, base + end

    def tf_between(self, term: str, first: int, last: int) -> float:
        """The weighted count of ``term`` in sections ``first`` to ``last`` (one segment's)."""
        if first == last:  # a candidate alone: its coverage has looked the word up already
            spot = self.locate(term, first)
            if spot is None:
                return 0.0
            x = self.lists(term)[spot[0]]
            return x[1][spot[2]] if x is not None else 0.0
        i, a = self._place(first)
        x = self.lists(term)[i]
        return focus.count_between(x[0], x[1], a, a + last - first) if x is not None else 0.0

    def length_between(self, first: int, last: int) -> float:
        """The summed length of sections ``first`` to ``last`` (one segment's)."""
        i, a = self._place(first)
        lengths = self.segments[i].lengths[self.field][a : a + last - first + 1]
        return float(sum(map(self._byte_to_length, lengths)))

    def _place(self, docnum: int) -> tuple[int, int]:
        """(segment, section number in it) of a searcher's section number."""
        i = self._segment_of(docnum)
        return i, docnum - self._bases[i]

    def _score_segment(
        self,
        i: int,
        seg: SegmentArrays,
        plans: Sequence[WordPlan],
        weight: dict[str, float],
        k: int,
        allowed: Callable[[int], bool] | None,
    ) -> tuple[dict[int, float], Collection[int]]:
        """The scores of one segment's sections, exact for its ``k`` best, and its matches.

        Defining words make the matches. Their near misses are added for every section;
        their stems and parts too, shortest lists first, until the ``k``-th best score so
        far exceeds the most that a section outside the accumulator could still reach.
        From there on (max-score pruning, after Turtle and Flood 1995) the lists left
        only count their sections as matches, and they join the other words, which are
        added only where they could still matter: a section whose score plus the most
        the words left could add stays below the ``k``-th best cannot reach the ``k`` best.
        """
        acc: dict[int, float] = {}
        norms = self._section_norms(i)
        units: list[_Unit] = []  # the defining words' stems and parts
        steps: list[tuple[float, Step]] = []  # the other words: only for candidates
        for p in plans:
            factor = weight[p.stem] * self._k1p
            stem = self.lists(p.stem)[i]
            if stem is not None:
                known: Step = partial(self._add_known, acc, lists=stem, norms=norms, factor=factor)
                if p.defining:
                    every: Step = partial(self._add_all, acc, stem, norms, factor)
                    bound = self._bound(stem, factor)
                    units.append(_Unit(len(stem[0]), bound, partial(_ids, stem), every, known))
                else:
                    steps.append((self._bound(stem, factor), known))
            for near in p.loose:
                near_factor = weight[near] * self._k1p * p.loose_weight
                lists = self.lists(near)[i]
                if lists is not None and p.defining:
                    self._add_all(acc, lists, norms, near_factor)
                elif lists is not None:
                    add_near = partial(
                        self._add_known, acc, lists=lists, norms=norms, factor=near_factor
                    )
                    steps.append((self._bound(lists, near_factor), add_near))
            if p.parts:
                found = [self.lists(t)[i] for t in p.parts]
                present = [x for x in found if x is not None]
                if len(present) < len(found):
                    continue  # a part found nowhere: no section has them all
                bound = sum(
                    self._bound(x, weight[t] * self._k1p * self.parts_weight)
                    for t, x in zip(p.parts, present, strict=True)
                )
                add_parts = partial(self._add_parts, acc, i, found, p.parts, norms, weight)
                if p.defining and p.parts_defining:
                    size = min(len(x[0]) for x in present)
                    both = partial(self._common, i, p.parts)
                    units.append(_Unit(size, bound, both, add_parts, add_parts))
                else:
                    steps.append((bound, add_parts))
        units.sort(key=lambda u: u.size)
        rest = sum(u.bound for u in units) + sum(bound for bound, _ in steps)
        only_matches: set[int] = set()
        for j, unit in enumerate(units):
            # A filter's sections are known only at the end: no pruning under one.
            if j and allowed is None and len(acc) > k and max(acc.values()) > rest:
                _drop(acc, seg.deleted)
                if len(acc) > k and _kth(acc, k) > rest:
                    for left in units[j:]:
                        only_matches.update(left.matches())
                        steps.append((left.bound, left.some))
                    break
            unit.every()
            rest -= unit.bound
        _drop(acc, seg.deleted)
        if allowed is not None:
            base = seg.base
            acc = {d: v for d, v in acc.items() if allowed(base + d)}
        matched: Collection[int] = acc.keys()
        if only_matches:
            only_matches.difference_update(seg.deleted)
            matched = only_matches.union(acc.keys())
        if not acc or not steps:
            return acc, matched
        # Largest first: the room left shrinks word by word, and so do the sections
        # worth a lookup.
        steps.sort(key=lambda x: -x[0])
        room = sum(bound for bound, _ in steps)
        kth = _kth(acc, k) if len(acc) > k else None
        targets: Collection[int] = acc.keys()
        for bound, add_some in steps:
            if kth is not None:
                floor = kth - room
                targets = {d for d in targets if acc[d] >= floor}
            room -= bound
            if not targets:
                break
            add_some(targets=targets)
        return acc, matched

    @staticmethod
    def _bound(lists: Lists | None, factor: float) -> float:
        """More than one posting of ``lists`` can score: ``factor * tf / (tf + norm)`` stays
        below ``factor``.

        The largest frequency would give a bound a few per cent tighter, but finding it
        (``max`` over every frequency of every list) cost more than it pruned: about 1 ms
        per query on the corpus index, measured in paired runs.
        """
        if lists is None or not lists[1]:
            return 0.0
        return factor * (1 + 1e-9)

    @staticmethod
    def _add_all(acc: dict[int, float], lists: Lists, norms: list[float], factor: float) -> None:
        get = acc.get
        ids, tfs = lists
        for d, tf in zip(ids, tfs, strict=True):
            acc[d] = get(d, 0.0) + factor * tf / (tf + norms[d])

    def _add_known(
        self,
        acc: dict[int, float],
        *,
        targets: Collection[int],
        lists: Lists,
        norms: list[float],
        factor: float,
    ) -> None:
        """Add a word's scores to the ``targets`` (sections already in ``acc``)."""
        ids, tfs = lists
        n = len(ids)
        if len(targets) * 16 < n:
            # Few targets: each one bisected into the list (in one ``map``, in C), where
            # an intersection would make an int of every section in the list.
            docs = list(targets)
            for d, j in zip(docs, map(bisect_left, repeat(ids), docs), strict=True):
                if j < n and ids[j] == d:
                    tf = tfs[j]
                    acc[d] += factor * tf / (tf + norms[d])
        elif len(targets) * 4 < n:
            # The sections in both, found in C; each one's frequency by bisection.
            for d in (targets if isinstance(targets, set) else set(targets)).intersection(ids):
                tf = tfs[bisect_left(ids, d)]
                acc[d] += factor * tf / (tf + norms[d])
        else:
            for d, tf in zip(ids, tfs, strict=True):
                if d in targets:
                    acc[d] += factor * tf / (tf + norms[d])

    def _add_parts(
        self,
        acc: dict[int, float],
        i: int,
        lists: list[Lists | None],
        parts: tuple[str, ...],
        norms: list[float],
        weight: dict[str, float],
        targets: Collection[int] | None = None,
    ) -> None:
        """Add ``parts_weight`` x the parts' summed scores where a section has all of them.

        The sections with every part are found by a set intersection (in C) and their
        frequencies by bisection, each list's in one ``map`` (in C too); a handful of
        candidates against long lists are bisected into them directly.
        """
        if any(x is None for x in lists):
            return
        present = [x for x in lists if x is not None]
        factors = [weight[t] * self._k1p * self.parts_weight for t in parts]
        sizes = sorted(len(x[0]) for x in present)
        pool = len(targets) if targets is not None else sizes[0]
        get = acc.get
        if pool * 16 >= sizes[-1]:
            both = self._common(i, parts)
            docs = list(both if targets is None else both.intersection(targets))
            cols = [
                list(map(tfs.__getitem__, map(bisect_left, repeat(ids), docs)))
                for ids, tfs in present
            ]
            if len(cols) == 2:
                (f0, f1), (c0, c1) = factors, cols
                for d, t0, t1 in zip(docs, c0, c1, strict=True):
                    n = norms[d]
                    acc[d] = get(d, 0.0) + (f0 * t0 / (t0 + n) + f1 * t1 / (t1 + n))
                return
            for k, d in enumerate(docs):
                n = norms[d]
                total = 0.0
                for f, col in zip(factors, cols, strict=True):
                    tf = col[k]
                    total += f * tf / (tf + n)
                acc[d] = get(d, 0.0) + total
            return
        shortest = min(present, key=lambda x: len(x[0]))
        candidates: Iterable[int] = targets if targets is not None else shortest[0]
        for d in candidates:
            total = 0.0
            for f, (ids, tfs) in zip(factors, present, strict=True):
                k = bisect_left(ids, d)
                if k >= len(ids) or ids[k] != d:
                    break
                tf = tfs[k]
                total += f * tf / (tf + norms[d])
            else:
                acc[d] = get(d, 0.0) + total

    def _common(self, i: int, parts: tuple[str, ...]) -> set[int]:
        """The sections of segment ``i`` with every one of ``parts`` (each present there).

        Kept for the search: the matches and the scores of a compound's parts both need
        it, and it costs about 1 ms for two lists of 20,000 and 30,000 sections.
        """
        key = (i, parts)
        got = self._commons.get(key)
        if got is None:
            present = [x for t in parts if (x := self.lists(t)[i]) is not None]
            got = self._commons[key] = _common_ids(present)
        return got


def _ids(lists: Lists) -> Iterable[int]:
    return lists[0]


def _common_ids(lists: list[Lists]) -> set[int]:
    """The sections in every one of ``lists``."""
    shortest = min(lists, key=lambda x: len(x[0]))
    return set(shortest[0]).intersection(*(x[0] for x in lists if x is not shortest))


def _in_all(clauses: list[list[list[Collection[int]]]]) -> set[int]:
    """The sections in some list of every clause (a clause: its words' lists of sections).

    The clause with the fewest postings makes the first set; each other clause keeps
    those of its sections found in one of its lists, by bisection into a list much
    longer than the set, else by a set intersection (both in C).
    """
    flat = [[ids for word in clause for ids in word] for clause in clauses]
    flat.sort(key=lambda lists: sum(map(len, lists)))
    if not flat[0]:
        return set()
    out = set().union(*flat[0])
    for lists in flat[1:]:
        out = _in_any(out, lists)
        if not out:
            break
    return out


def _in_any(sections: set[int], lists: list[Collection[int]]) -> set[int]:
    """Those of ``sections`` found in one of ``lists``."""
    kept: set[int] = set()
    for ids in lists:
        if isinstance(ids, array) and len(sections) * 16 < len(ids):
            n = len(ids)
            docs = list(sections)
            kept.update(
                d
                for d, j in zip(docs, map(bisect_left, repeat(ids), docs), strict=True)
                if j < n and ids[j] == d
            )
        else:
            kept.update(sections.intersection(ids))
    return kept


def _kth(acc: dict[int, float], k: int) -> float:
    """The ``k``-th highest score in ``acc`` (which holds more than ``k``).

    Sorting every score is C work but n log n of it: from a few thousand scores on, a heap
    of ``k`` is faster (50,000 scores: 1.6 ms against 10 ms).
    """
    if len(acc) < 4 * k + 2000:
        return sorted(acc.values(), reverse=True)[k - 1]
    return nlargest(k, acc.values())[-1]


def _drop(acc: dict[int, float], deleted: frozenset[int]) -> None:
    """Remove deleted sections from ``acc``."""
    if len(deleted) < len(acc):
        for d in deleted:
            acc.pop(d, None)
    else:
        for d in [d for d in acc if d in deleted]:
            del acc[d]


def _best(acc: dict[int, float], k: int) -> list[tuple[int, float]]:
    """The ``k`` highest-scoring entries (ties included): those at or above the ``k``-th
    score, where ``heapq.nlargest`` over (score, section) pairs would compare tuples."""
    if len(acc) <= k:
        return list(acc.items())
    threshold = _kth(acc, k)
    return [(d, v) for d, v in acc.items() if v >= threshold]


def _index(lists: Lists | None, d: int) -> int:
    """Where section ``d`` is in ``lists``, or -1."""
    if lists is None:
        return -1
    ids = lists[0]
    j = bisect_left(ids, d)
    return j if j < len(ids) and ids[j] == d else -1


def _has(lists: Lists | None, d: int) -> bool:
    return _index(lists, d) >= 0


def in_order_near(positions: list[list[int]]) -> bool:
    """True when some chain p1 < p2 < ... has each step between 1 and ``NEAR_SLOP``."""
    reach = set(positions[0])
    for plist in positions[1:]:
        reach = {p for p in plist if any(1 <= p - q <= NEAR_SLOP for q in reach)}
        if not reach:
            return False
    return True
