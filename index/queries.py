"""The backend-neutral query a store runs: parsed user words, not engine objects.

``search.query`` turns user text into these; each store compiles them for its engine
(Whoosh today, PostgreSQL later), so query syntax lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    """One user word, lower-cased; the store analyses it like indexed text."""

    text: str


@dataclass(frozen=True)
class Phrase:
    """Quoted words that must appear in this order."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Bool:
    """``must`` all match, ``should`` add score (at least one must match when there is no
    ``must``), ``must_not`` exclude."""

    must: tuple[Clause, ...] = ()
    should: tuple[Clause, ...] = ()
    must_not: tuple[Clause, ...] = ()

    def is_empty(self) -> bool:
        return not (self.must or self.should)


Clause = Word | Phrase | Bool


@dataclass(frozen=True)
class Filters:
    """Restrictions that select sections without changing their scores."""

    org: str | None = None
    doctype: str | None = None
    date_from: str | None = None  # inclusive, ISO prefix: "2024" or "2024-05-17"
    date_to: str | None = None  # inclusive, ISO prefix

    def is_empty(self) -> bool:
        return not (self.org or self.doctype or self.date_from or self.date_to)


@dataclass(frozen=True)
class Request:
    """What to search for and how many hits to return."""

    query: Bool
    filters: Filters = field(default_factory=Filters)
    limit: int = 10
    facets: bool = False
