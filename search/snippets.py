"""Pick and mark the part of a section that best shows why it matched.

A word of the text matches when it analyses to a term of the query (its stem, a
compound part, or its folded form), so "sjuksköterskor" in the query lights up
"sjuksköterskan" in the text. The snippet is the window of about ``width`` characters
covering the most distinct query terms, cut at word boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from index.analysis import (
    SWEDISH_STOPWORDS,
    TOKEN_RE,
    Tok,
    WordTerms,
    analyze_word,
    fold_key,
    normalize,
    spelling_key,
)

Lookup = Callable[[Iterable[str]], Mapping[str, WordTerms]]
Irregular = Callable[[frozenset[str]], "list[str] | None"]


def _analyze_all(words: Iterable[str]) -> dict[str, WordTerms]:
    return {w: analyze_word(w) for w in words}


SNIPPET_CHARS = 200


@dataclass(frozen=True)
class Snippet:
    """Snippet text and the ``(start, end)`` spans of matched words within it."""

    text: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Wanted:
    """What a text word must analyse to, to count as a match of the query."""

    terms: frozenset[str]  # stems and compound parts of the query words
    loose: frozenset[str]  # their loose keys (no å/ä/ö, no derivational ending)
    keys: frozenset[str]  # the spelling keys of both: a matching word holds one, or is odd


def _wanted(words: list[str], lookup: Lookup) -> _Wanted:
    analysed = lookup(words).values()
    terms = frozenset(x for t in analysed for x in (t.stem, *t.parts))
    loose = frozenset(t.loose for t in analysed if t.loose)
    return _Wanted(terms, loose, frozenset(map(spelling_key, terms | loose)))


def _grade(known: Mapping[str, WordTerms], wanted: _Wanted, out: dict[str, int]) -> None:
    """Set ``out[word]`` to 2 for a whole-word match, 1 for a compound part or a loose
    match (words not yet in ``out`` and not known match nothing: 0).

    Inline rather than a call per word: a search grades a few hundred words.
    """
    terms, loose = wanted.terms, wanted.loose
    for w, t in known.items():
        if t.stem in terms:
            out[w] = 2
        elif t.loose in loose or (t.parts and not terms.isdisjoint(t.parts)):
            out[w] = 1


def make_snippet(
    text: str,
    words: list[str],
    width: int = SNIPPET_CHARS,
    lookup: Lookup = _analyze_all,
    grades: dict[str, int] | None = None,
    normalized: bool = False,
    irregular: Irregular | None = None,
) -> Snippet:
    """The best window of ``text`` for the query ``words``, with matches marked.

    ``lookup`` analyses words in bulk (an index's term cache, or analysis itself).
    ``grades`` keeps how each text word matched the same ``words`` between calls (the
    hits of one search share most of their words). ``normalized`` says that ``text`` went
    through :func:`normalize` already, as an index's stored sections have (normalising
    costs about 30 µs a section, a tenth of a snippet). ``irregular`` gives the words
    that can match a key without holding it (``TermCache.irregular_for``): with it, only
    the stretches of text around the query's keys are tokenized (:func:`_near_keys`).
    """
    # One space for each run of whitespace: ``str.split`` and ``\s`` agree on what that is.
    text = " ".join((text if normalized else normalize(text)).split())
    wanted = _wanted(words, lookup)
    # Each distinct word is analysed and judged once; only matching words become tokens
    # (a hit's text has hundreds of words and a handful of matches). Every letter and
    # digit belongs to some token, so a token starts at the first occurrence of its text
    # after the previous one: ``str.find`` gives the spans without match objects.
    # Tokens come from the lower-cased text, whose spans are the text's, unless a letter
    # changes length in lower case ("İ").
    low = text.lower()
    hay = low if len(low) == len(text) else text
    near = None
    if hay is low and irregular is not None:
        near = _near_keys(low, wanted.keys, irregular)
    if near is not None:
        raw = lowered = [low[a:b] for a, b in near]
    else:
        raw = TOKEN_RE.findall(hay)
        lowered = raw if hay is low else [w.lower() for w in raw]
    seen = grades if grades is not None else {}
    distinct = set(lowered) - SWEDISH_STOPWORDS
    new = [w for w in distinct if w not in seen]
    if new:
        seen.update(dict.fromkeys(new, 0))
        _grade(lookup(new), wanted, seen)
    grade = {w: g for w in distinct if (g := seen[w])}
    hits: list[tuple[Tok, int, str]] = []  # a match, its grade, its lower-cased text
    if grade and near is not None:
        hits = [
            (Tok(text[a:b], a, b), grade[key], key)
            for (a, b), key in zip(near, lowered, strict=True)
            if key in grade
        ]
    elif grade:
        find, pos = hay.find, 0
        for w, key in zip(raw, lowered, strict=True):
            start = find(w, pos)
            pos = start + len(w)
            if key in grade:
                hits.append((Tok(text[start:pos], start, pos), grade[key], key))
    if not hits:
        return Snippet(_cut(text, 0, width)[0], ())
    # A window starts at a match and holds the matches that end within ``width``; it
    # slides over the matches once (a long section can have hundreds of them).
    best_start, best_score = hits[0][0].start, -1
    names: dict[str, int] = {}
    grades_in = 0
    j = 0
    for i, (tok, _, _) in enumerate(hits):
        window_end = tok.start + width
        while j < len(hits) and hits[j][0].end <= window_end:
            _, grade_j, name = hits[j]
            names[name] = names.get(name, 0) + 1
            grades_in += grade_j
            j += 1
        score = len(names) * 10 + grades_in
        if score > best_score:
            best_start, best_score = tok.start, score
        if j > i:  # the window's first match leaves it before the next window
            _, grade_i, name = hits[i]
            names[name] -= 1
            if not names[name]:
                del names[name]
            grades_in -= grade_i
        else:
            j = i + 1
    # Start a little before the first match so it is read in context.
    start = max(0, best_start - width // 4)
    snippet, offset = _cut(text, start, width)
    spans = tuple(
        (t.start - offset, t.end - offset)
        for t, _, _ in hits
        if t.start >= offset and t.end <= offset + len(snippet)
    )
    prefix = "…" if offset > 0 else ""
    suffix = "…" if offset + len(snippet) < len(text) else ""
    shift = len(prefix)
    return Snippet(
        prefix + snippet + suffix,
        tuple((a + shift, b + shift) for a, b in spans),
    )


def _near_keys(
    low: str, keys: frozenset[str], irregular: Irregular
) -> list[tuple[int, int]] | None:
    """The spans of the tokens of ``low`` (lower-cased, single-spaced text) that share a
    space-delimited stretch with one of ``keys`` or an irregular word that lacks one;
    None when that cannot be told (no list of irregular words).

    A word that matches the query holds one of its keys or is such an irregular word
    (:func:`~index.analysis.irregular`), so no match lies elsewhere. No token holds a
    space, so tokenizing from a stretch's start gives the tokens the whole text's
    tokenization has there; found with ``str.find`` (in C), the stretches are most often
    a tenth of the text or less.
    """
    odd = irregular(keys)
    if odd is None or "" in keys:
        return None
    folded = fold_key(low)
    size = len(low)
    stretches: dict[int, int] = {}  # start -> end
    for hay, needles in ((folded, keys), (low, odd)):
        for needle in needles:
            at = hay.find(needle)
            while at >= 0:
                start = low.rfind(" ", 0, at) + 1
                end = low.find(" ", at)
                end = size if end < 0 else end
                stretches[start] = end
                at = hay.find(needle, end)
    spans: list[tuple[int, int]] = []
    search = TOKEN_RE.search
    for start in sorted(stretches):
        end = stretches[start]
        m = search(low, start)
        while m is not None and m.start() < end:
            spans.append(m.span())
            m = search(low, m.end())
    return spans


def _cut(text: str, start: int, width: int) -> tuple[str, int]:
    """``text[start:start+width]`` widened or narrowed to whole words."""
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return text[start:end], start


def mark(snippet: Snippet, before: str, after: str) -> str:
    """The snippet with each highlighted span wrapped in ``before``/``after``."""
    out: list[str] = []
    pos = 0
    for a, b in snippet.highlights:
        out.append(snippet.text[pos:a])
        out.append(before + snippet.text[a:b] + after)
        pos = b
    out.append(snippet.text[pos:])
    return "".join(out)
