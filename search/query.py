"""User text -> the neutral ``Bool`` query the store runs.

Syntax, forgiving by design (any string parses; nothing raises):

- words: ranked by how many of them a section covers (OR with a coordination reward);
- ``"quoted phrase"``: the words in this order (an unclosed quote runs to the end);
- ``a AND b`` or ``+a``: required; ``NOT a`` or ``-a``: excluded; ``a OR b``: either;
- ``( ... )`` groups.

Words go through the same analysis as indexed text (stopwords dropped, lemma/stem and
compound parts), so "Sjuksköterskan" and "sjuksköterskor" meet in the index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.analysis import SWEDISH_STOPWORDS, normalize, tokenize
from index.queries import Bool, Clause, Phrase, Word

MAX_QUERY_CHARS = 2000
_LEX = re.compile(r'\s*(?:(?P<quote>"[^"]*"?)|(?P<paren>[()])|(?P<text>[^\s"()]+))')


@dataclass(frozen=True)
class _Unit:
    clause: Clause
    required: bool = False
    prohibited: bool = False


def _words(text: str) -> list[str]:
    return [t.text.lower() for t in tokenize(normalize(text))]


def _content(words: list[str]) -> list[str]:
    return [w for w in words if w not in SWEDISH_STOPWORDS]


def parse(text: str) -> Bool:
    """Parse a user query; the empty ``Bool`` means nothing searchable was given."""
    text = "".join(c if c.isprintable() else " " for c in text)[:MAX_QUERY_CHARS]
    tokens = [m for m in _LEX.finditer(text) if m.group(0).strip()]
    pos = 0

    def group() -> Bool:
        nonlocal pos
        units: list[_Unit] = []
        pending_and = False
        negate = False
        while pos < len(tokens):
            m = tokens[pos]
            pos += 1
            if m.group("paren") == ")":
                break
            if m.group("paren") == "(":
                clause: Clause | None = group()
                if isinstance(clause, Bool) and clause.is_empty():
                    clause = None
                sign = ""
            elif m.group("quote") is not None:
                words = _content(_words(m.group("quote").strip('"')))
                clause = (
                    Phrase(tuple(words)) if len(words) > 1 else (Word(words[0]) if words else None)
                )
                sign = ""
            else:
                raw = m.group("text")
                if raw in ("AND", "&&"):
                    pending_and = True
                    if units:
                        units[-1] = _Unit(units[-1].clause, True, units[-1].prohibited)
                    continue
                if raw in ("OR", "||"):
                    continue
                if raw == "NOT":
                    negate = True
                    continue
                sign = raw[0] if raw[0] in "+-" and len(raw) > 1 else ""
                words = _content(_words(raw[1:] if sign else raw))
                clause = (
                    Word(words[0]) if len(words) == 1 else Phrase(tuple(words)) if words else None
                )
            if clause is None:
                negate = pending_and = False
                continue
            prohibited = negate or sign == "-"
            required = (pending_and or sign == "+") and not prohibited
            units.append(_Unit(clause, required, prohibited))
            negate = pending_and = False
        return Bool(
            must=tuple(u.clause for u in units if u.required),
            should=tuple(u.clause for u in units if not u.required and not u.prohibited),
            must_not=tuple(u.clause for u in units if u.prohibited),
        )

    query = group()
    # Stray ")" ends a group early; the rest of the text still counts.
    while pos < len(tokens):
        more = group()
        query = Bool(
            must=query.must + more.must,
            should=query.should + more.should,
            must_not=query.must_not + more.must_not,
        )
    return query


def query_terms(query: Bool) -> list[str]:
    """Every positive word of the query, in order (for highlighting and suggestions)."""
    out: list[str] = []

    def walk(c: Clause) -> None:
        if isinstance(c, Word):
            out.append(c.text)
        elif isinstance(c, Phrase):
            out.extend(c.words)
        else:
            for sub in (*c.must, *c.should):
                walk(sub)

    walk(query)
    return out
