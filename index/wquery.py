"""The neutral query compiled into Whoosh's query language, and what runs on its matchers.

Why a module of its own: ``whoosh.query`` (with the English morphology its term queries
pull in) takes about 12 ms to import, and a search of plain words never needs it: those
are ranked from the packed arrays (``index.ranking``). ``store`` imports this module
only for what the arrays cannot do: phrases, operators, filters, and indexes written
without arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from whoosh import query as wq

from index import schema
from index.queries import Clause, Filters, Phrase, Word
from index.ranking import NEAR_WEIGHT, in_order_near

if TYPE_CHECKING:
    from index.store import Misses, Terms

_NO_MISSES: Misses = {}


def parts_query(word: str, terms: Terms) -> wq.Query | None:
    """The parts of a compound anywhere in a section: found, but below the whole word
    ("stopp för inhyrda" still finds "hyrstopp")."""
    parts = terms[word].split
    if not parts:
        return None
    return wq.And([wq.Term(schema.WORDS, p) for p in parts], boost=schema.PARTS_WEIGHT)


def _compile_word(
    word: str, terms: Terms, misses: Misses, skip_parts: frozenset[str] = frozenset()
) -> wq.Query:
    t = terms[word]
    alternatives: list[wq.Query] = [wq.Term(schema.WORDS, t.stem)]
    split = parts_query(word, terms) if word not in skip_parts else None
    if split is not None:
        alternatives.append(split)
    # The other indexed words it also finds (a stand-in for a word found nowhere as
    # written, or its derivational kin), at a low weight.
    near = misses.get(word)
    if near is not None:
        alternatives += [wq.Term(schema.WORDS, m, boost=near.weight) for m in near.stems]
    # A sum, not Whoosh's DisjunctionMax: that matcher scores a section by the best
    # alternative of *any* section (whoosh3 3.54), so a parts-only match tied the whole word.
    return wq.Or(alternatives) if len(alternatives) > 1 else alternatives[0]


def _compile_phrase(words: tuple[str, ...], terms: Terms, misses: Misses) -> wq.Query:
    if len(words) == 1:
        return _compile_word(words[0], terms, misses)
    stems = [terms[w].stem for w in words]
    return wq.Phrase(schema.WORDS, stems)


def compile_query(
    clause: Clause,
    terms: Terms,
    misses: Misses = _NO_MISSES,
    skip_parts: frozenset[str] = frozenset(),
) -> wq.Query:
    """Turn the neutral query into a Whoosh query over the weighted fields.

    ``misses`` maps query words to the other indexed words they also find
    (:meth:`WhooshStore._near`), searched at a low weight.
    The scattered parts of the compounds in ``skip_parts`` are left out (see
    :meth:`WhooshStore._plan`).
    """
    if isinstance(clause, Word):
        return _compile_word(clause.text, terms, misses, skip_parts)
    if isinstance(clause, Phrase):
        return _compile_phrase(clause.words, terms, misses)
    must = [compile_query(c, terms, misses, skip_parts) for c in clause.must]
    should = [compile_query(c, terms, misses, skip_parts) for c in clause.should]
    q: wq.Query
    if must and should:
        q = wq.AndMaybe(wq.And(must) if len(must) > 1 else must[0], wq.Or(should))
    elif must:
        q = wq.And(must) if len(must) > 1 else must[0]
    elif should:
        q = wq.Or(should) if len(should) > 1 else should[0]
    else:
        q = wq.Term("kind", schema.KIND_SECTION)  # only exclusions: every section
    if clause.must_not:
        q = wq.AndNot(q, wq.Or([compile_query(c, terms, misses) for c in clause.must_not]))
    return q


def compile_filters(filters: Filters) -> wq.Query | None:
    """Restrictions as a Whoosh filter (None when there are none).

    Document records carry no searchable text, so text queries never match them and
    need no "sections only" filter: computing one would walk every section per search.
    """
    parts: list[wq.Query] = []
    if filters.org:
        parts.append(wq.Term("org", filters.org))
    if filters.doctype:
        parts.append(wq.Term("doctype", filters.doctype))
    if filters.date_from or filters.date_to:
        parts.append(
            wq.TermRange(
                "date",
                filters.date_from or None,
                (filters.date_to + "~") if filters.date_to else None,
            )
        )
    if not parts:
        return None
    return wq.And(parts) if len(parts) > 1 else parts[0]


def near_bonus(s: Any, docnums: list[int], stems: list[str]) -> dict[int, float]:
    """The proximity bonus of each candidate (ascending ``docnums``) for the words ``stems``.

    Where the words occur in order, each within ``ranking.NEAR_SLOP`` positions of the
    one before, the bonus is ``NEAR_WEIGHT`` times the words' own scores: what a sloppy
    Whoosh ``Phrase`` scores, but the positions are read for the candidates only, where
    the phrase matcher decodes them for every section that holds all the words.
    """
    bonus: dict[int, float] = {}
    reader = s.reader()
    if not all((schema.WORDS, stem) in reader for stem in stems):
        return bonus
    matchers = [wq.Term(schema.WORDS, stem).matcher(s) for stem in stems]
    for d in docnums:
        if all(at(m, d) for m in matchers) and in_order_near(
            [m.value_as("positions") for m in matchers]
        ):
            bonus[d] = NEAR_WEIGHT * sum(m.score() for m in matchers)
    return bonus


def positions_of(
    s: Any, docnums: list[int], clause_terms: list[tuple[str, ...]]
) -> dict[int, list[tuple[int, int]]]:
    """(position, clause) of every occurrence of each clause's terms in each of
    ``docnums`` (ascending), in order; ``clause_terms[c]`` are the terms of clause ``c``."""
    found: dict[int, list[tuple[int, int]]] = {d: [] for d in docnums}
    if not docnums:
        return found
    reader = s.reader()
    for c, terms in enumerate(clause_terms):
        for term in terms:
            if (schema.WORDS, term) not in reader:
                continue
            m = wq.Term(schema.WORDS, term).matcher(s)
            for d in docnums:
                if at(m, d):
                    found[d].extend((x, c) for x in m.value_as("positions"))
    for spots in found.values():
        spots.sort()
    return found


def at(m: Any, docnum: int) -> bool:
    """Move matcher ``m`` forward to ``docnum``; True when it matches that document.

    Candidates are visited in ascending order, so a matcher only ever skips ahead.
    """
    if m.is_active() and m.id() < docnum:
        m.skip_to(docnum)
    return bool(m.is_active() and m.id() == docnum)
