"""The Swedish analysis chain, shared by indexing and querying.

Built the Whoosh way, as a pipeline of small steps::

    SwedishTokenizer() | LowercaseFilter() | StopFilter(SWEDISH_STOPWORDS) | SwedishStemFilter()

Whoosh pickles the analyzer into the index, so everything here is referenced by import
path: stemming goes through the module-level :func:`stem`, never a stemmer object.
:data:`ANALYSIS_VERSION` is stored beside the index; bump it whenever a change here would
make an old index disagree with new queries.

The same functions serve the query side (:func:`analyze_word`), so a word is always
reduced to the same terms whether it is indexed or searched for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang.stopwords import stoplists

from index import lexicon
from index.lexicon import Member, snowball

ANALYSIS_VERSION = "sv-13"

Members = tuple[Member, ...]

# Snowball's Swedish stop list (as shipped by Whoosh, from PostgreSQL's copy).
SWEDISH_STOPWORDS: frozenset[str] = frozenset(stoplists["sv"])

# A token is a run of letters/digits, optionally joined by inner hyphens ("ALF-avtal",
# "e-hälsa", "2024-2026") or decimal separators ("8,8"). A word ending in a hyphen
# followed by "och"/"eller"/"samt"/"," is the Swedish ellipsis ("hälso- och sjukvård")
# and keeps its hyphen so the stem filter can complete it.
_HYPHENS = "-\u2010\u2011"
TOKEN_RE = re.compile(
    rf"(?:\d+(?:[.,:]\d+)+)"  # numbers with separators: 8,8  1.5  2022:1384
    rf"|(?:[^\W_]+(?:[{_HYPHENS}][^\W_]+)*(?:[{_HYPHENS}](?=\s*(?:,|och\b|eller\b|samt\b|resp)))?)"
)
# ``[^\W_]`` (a letter or digit) costs the regex engine a category lookup and a negation
# per character; in text without an underscore, ``\w`` finds the same tokens, and
# :func:`index_terms` tokenizes such runs with it.
_TOKEN_NO_UNDERSCORE = re.compile(TOKEN_RE.pattern.replace(r"[^\W_]", r"\w"))
_HYPHEN_SPLIT = re.compile(f"[{_HYPHENS}]")
_HYPHEN_ENDS = tuple(_HYPHENS)


@dataclass(frozen=True)
class Tok:
    """A token of the raw text with its character span (for highlighting)."""

    text: str
    start: int
    end: int


# PDF extraction glues a footer to the next heading: "Region Kalmar länBUP tillgänglighet".
# A lower-case run of three or more letters followed by a capital that starts an acronym
# or a new word is two words ("SoL" and "iPhone" stay whole). The pattern starts with
# the capital itself, a set of letters the regex engine skips to without trying the
# positions between (3x faster than a look-ahead for it on 20 MB; same matches), and
# looks back at the three letters before it.
_GLUED = re.compile(r"[A-ZÅÄÖ](?<=[a-zåäöé]{3}[A-ZÅÄÖ])(?=[A-ZÅÄÖ]|[a-zåäö]+\b)")


def normalize(text: str) -> str:
    """NFC-normalise, drop soft hyphens and part words glued by PDF extraction."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    return _GLUED.sub(r" \g<0>", text)


# A field value may be made of runs that carry their own weight: "\x1e1.5\x1f<text>"...
# (see ``weighted_text``). The tokenizer gives each token its run's weight as its boost,
# which Whoosh sums into the posting's weight: BM25F over the parts of a section (heading,
# body, document title) in a single field, so a word is one posting list, not three.
_RUN_RE = re.compile("\x1e([0-9.]+)\x1f")


def weighted_text(runs: Iterable[tuple[str, float]]) -> str:
    """One field value from (text, weight) runs; empty runs are left out."""
    return "".join(f"\x1e{weight:g}\x1f{text}" for text, weight in runs if text.strip())


def _runs(value: str) -> list[tuple[str, float, int]]:
    """(text, weight, offset in value) of each run; plain text is one run of weight 1."""
    marks = list(_RUN_RE.finditer(value))
    if not marks:
        return [(value, 1.0, 0)]
    return [
        (value[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(value)],
         float(m.group(1)), m.end())
        for i, m in enumerate(marks)
    ]  # fmt: skip


def tokenize(text: str) -> list[Tok]:
    """Split raw text into word tokens with their spans (no lower-casing, no stopping)."""
    return [Tok(m.group(0), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def fold(term: str) -> str:
    """Fold å/ä/ö (and other accents) so queries typed without them still match."""
    if term.isascii():
        return term  # nothing to decompose
    decomposed = unicodedata.normalize("NFD", term)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Derivational endings, longest first: "vaccinering", "vaccination" and "vaccin" share
# the loose key "vaccin"; "ordinera" and "ordination" share "ordin".
_DERIVATIONS = (
    "iseringar", "isering", "eringar", "ationer", "ering", "ation", "itet", "ism",
    "era", "else", "het", "ning", "ing", "lig", "isk", "ande", "ende",
)  # fmt: skip
_MIN_ROOT = 4


@lru_cache(maxsize=200_000)
def loose(word: str) -> str:
    """A word's loose key: the word folded, Snowball-stemmed, derivation cut off.

    A query word found nowhere as written is also searched, at low weight, by the indexed
    words with its loose key: "vaccinering" finds "vaccination" and "sjukskoterskor"
    (typed without å/ä/ö) finds "sjuksköterskor"; exact terms still rank first. It does
    not use the lexicon, which would read a word without its å/ä/ö as another word.
    """
    return fold(_root(snowball(fold(word))))


@lru_cache(maxsize=100_000)
def kin_key(word: str) -> str:
    """:func:`loose` without folding å/ä/ö: the key a word shares with its derivational
    kin ("vaccinering", "vaccination" and "vaccin": "vaccin"), and not with words that
    differ by an accent ("svar" is no kin of "svår", though their loose keys agree)."""
    return _root(snowball(word))


def _root(term: str) -> str:
    """A stem with its derivational ending (:data:`_DERIVATIONS`) cut off."""
    for ending in _DERIVATIONS:
        if term.endswith(ending) and len(term) - len(ending) >= _MIN_ROOT:
            return term[: -len(ending)]
    return term


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """Reduce a lower-cased word to its index term.

    1. A lemma lexicon first: it knows definite forms Snowball leaves alone
       ("sjuksköterskan" -> "sjuksköterska"); an unknown compound takes the lemma of its
       last member ("hyrstoppet" -> "hyrstopp").
    2. Proper nouns stay whole ("Kalmar" -> "kalmar", not "kalm") and so do agent nouns
       in -are ("läkare", not "läk" like the verb "läka").
    3. Snowball Swedish on the result, so forms the lexicon lacks still meet theirs.
    Words of digits are kept as they are.
    """
    if not word or word[0].isdigit():
        return word
    base = lexicon.lemma(word)
    return _stem_of(word, base, lexicon.split_compound(word) if base is None else None)


def _stem_of(word: str, base: str | None, members: Members | None) -> str:
    """:func:`stem` of a word whose lemma is ``base`` and compound ``members`` are known
    (None: no lemma, or not a compound)."""
    if base is None and members:
        last = members[-1].surface
        last_base = lexicon.lemma(last)
        if last_base and not last_base[0].isupper():
            base = word[: len(word) - len(last)] + last_base
    if base is None:
        return _verbal_noun(snowball(word), members)
    if base[0].isupper():
        return base.lower()
    if base.endswith("are"):
        return base
    return _verbal_noun(snowball(base), members)


# A noun in -ering names the act of its verb in -era ("placering" of "placera",
# "vaccinering" of "vaccinera"); Snowball leaves the two apart. Shorter stems are no
# such nouns ("kering").
_VERBAL_NOUN = "ering"
_MIN_VERBAL_NOUN = 8


def _verbal_noun(term: str, members: Members | None) -> str:
    """A verbal noun's stem as its verb's ("placering" -> "placer", like "placera",
    "placerade"), when the lexicon knows the verb; ``term`` itself otherwise.

    A compound's verb is its last member's ("covidvaccinering": "vaccinera").
    """
    if not term.endswith(_VERBAL_NOUN) or len(term) < _MIN_VERBAL_NOUN:
        return term
    head = sum(len(m.surface) for m in members[:-1]) if members else 0
    if lexicon.zipf(term[head:-3] + "a") < lexicon.TAIL_ZIPF:
        return term
    return term[:-3]


@dataclass(frozen=True)
class WordTerms:
    """The index terms of one word: its own stem and the stems of its parts.

    ``parts`` are the stems of hyphen-separated pieces or compound members, in order;
    empty when the word is not a compound. ``loose`` is its loose key (:func:`loose`).
    """

    stem: str
    parts: tuple[str, ...] = ()
    loose: str = ""

    @property
    def split(self) -> tuple[str, ...]:
        """The parts a search finds the word by besides its stem: at least two, else none
        (a hyphenated word whose pieces all stem alike has nothing to split)."""
        parts = tuple(p for p in self.parts if p != self.stem)
        return parts if len(parts) >= 2 else ()


# Nearly every word spells its terms inside it: a stem is the word minus an ending,
# a part a piece of it, the loose key the word folded. So a word can only match a
# query term whose first letters (å/ä/ö/é folded) it contains, unless it is one of the
# ~1 % of words the lexicon maps elsewhere ("bättre" -> "bra", "gick" -> "gå"): those
# are kept apart (``termcache``), and a snippet tokenizes only the stretches of its text
# that hold one of the query's keys or such a word.
_KEY_LETTERS = 3


def spelling_key(term: str) -> str:
    """The first letters of ``term`` with å/ä/ö/é folded (:func:`irregular`)."""
    return fold_key(term[:_KEY_LETTERS])


def fold_key(text: str) -> str:
    """``text`` with å/ä/ö/é folded as :func:`spelling_key` folds them (same length)."""
    # str.replace scans in C: a few of them beat str.translate's lookup per character.
    return text.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e")


def missing_keys(word: str, terms: WordTerms) -> set[str]:
    """The spelling keys (:func:`spelling_key`) of the terms of ``word`` (stem, parts,
    loose key) not inside the word (folded the same way): empty for ~99 % of words."""
    spelled = (terms.stem, *terms.parts, terms.loose)
    if all(x[:_KEY_LETTERS] in word for x in spelled):
        return set()  # folding keeps a piece of the word inside the folded word
    folded = fold_key(word)
    keys = {spelling_key(x) for x in spelled}
    return {k for k in keys if k not in folded}


def irregular(word: str, terms: WordTerms) -> bool:
    """True when some term of ``word`` does not have its spelling key inside the word."""
    return bool(missing_keys(word, terms))


# Words analysed since the last ``drain_seen()``: the builder stores them beside the
# index (``termcache``) so queries need not load the lexicon for known words. With a
# sink, they are handed to it in batches as they come instead: a build's worker
# processes analyse the text, and what they keep dies with them; the sink stores their
# words, which the parent would otherwise analyse a second time.
Sink = Callable[[list[tuple[str, WordTerms]]], bool]  # False: not stored
_SEEN: set[str] = set()
_PENDING: list[tuple[str, WordTerms]] = []  # seen, not yet handed over
_SINK: Sink | None = None
_SINK_GIVEN: Sink | None = None  # the sink set last, kept when it fails for flush_pending
# Each batch is one transaction of sorted inserts into the term table: 121,520 words
# took 1.3 s of CPU in batches of 5,000 and 0.8 s in batches of 60,000 (more of each
# batch lands on pages the one before it touched). A batch holds the table's write lock
# for about 0.3 s; the two workers of a build each write a few.
SINK_BATCH = 50_000
# The index terms (:func:`_kept_word`) of the words :func:`index_terms` met since the
# last ``drain_seen()``, and whether each is an ellipsis head; at most ``_KEPT_MAX``.
_KEPT: dict[str, tuple[tuple[str, ...], bool]] = {}
_KEPT_MAX = 200_000  # about 60 MB; most tokens are of the commonest words


def drain_seen() -> dict[str, WordTerms]:
    """Return and forget the words analysed since the last call (and not handed to a sink)."""
    seen = dict(_PENDING)
    _PENDING.clear()
    _SEEN.clear()
    _KEPT.clear()  # so that a word met again is recorded again, as by ``analyze_word``
    return seen


def set_sink(sink: Sink | None) -> None:
    """Hand newly analysed words to ``sink``, ``SINK_BATCH`` at a time (None: stop).

    A sink that fails to store a batch is no longer called as words come, and its words
    stay for :func:`drain_seen` or :func:`flush_pending`.
    """
    global _SINK, _SINK_GIVEN
    _SINK = _SINK_GIVEN = sink


def given_sink() -> Sink | None:
    """The sink set last (:func:`set_sink`), even one that has failed a batch."""
    return _SINK_GIVEN


def flush_pending() -> bool:
    """Hand the words not yet handed over to the sink set last (even one that failed a
    batch: it may work now); True when none is left.

    A build worker calls this before it exits: what it keeps dies with it.
    """
    if not _PENDING:
        return True
    if _SINK_GIVEN is None or not _SINK_GIVEN(_PENDING[:]):
        return False
    _PENDING.clear()
    return True


def _stop_sink() -> None:
    global _SINK
    _SINK = None


def analyze_word(word: str) -> WordTerms:
    """Return the terms for one lower-cased, non-stopword token."""
    terms = _analyze_word(word)
    if word not in _SEEN:
        _SEEN.add(word)
        _PENDING.append((word, terms))
        if _SINK is not None and len(_PENDING) >= SINK_BATCH:
            if _SINK(_PENDING[:]):
                _PENDING.clear()
            else:
                _stop_sink()
    return terms


@lru_cache(maxsize=500_000)
def _analyze_word(word: str) -> WordTerms:
    terms = _terms(word)
    return WordTerms(terms.stem, terms.parts, loose(word) if word[:1].isalpha() else word)


def _terms(word: str) -> WordTerms:
    if word.endswith(tuple(_HYPHENS)):
        # Ellipsis head ("hälso-"): index the bare first element.
        head = word.rstrip(_HYPHENS)
        return WordTerms(stem(head) if len(head) > 1 else head)
    pieces = [p for p in _HYPHEN_SPLIT.split(word) if p]
    if len(pieces) > 1:
        # "alf-avtalet" -> whole "alf-avtal" + parts "alf", "avtal".
        whole = "-".join(pieces[:-1] + [stem(pieces[-1])])
        parts = tuple(stem(p) for p in pieces if len(p) > 1 or p.isdigit())
        return WordTerms(whole, parts)
    if word[0].isdigit():
        return WordTerms(word)
    members = lexicon.split_compound(word)
    # The word's stem from the same split (``stem`` would split it again).
    whole = _stem_of(word, lexicon.lemma(word), members)
    if members:
        # Head members by their dictionary form ("arbets" -> arbete), the last as written.
        parts = tuple(stem(m.base) for m in members[:-1]) + (stem(members[-1].surface),)
        return WordTerms(whole, parts)
    return WordTerms(whole)


def ellipsis_completion(head: str, following: str) -> str | None:
    """Complete an ellipsis head from the compound after it.

    "hälso- och sjukvård" means "hälsovård och sjukvård": the head takes everything after
    the following compound's first member, so ("hälso", "sjukvårdsnämnden") gives
    "hälsovårdsnämnden", whose parts in turn include "hälsovård".
    """
    members = lexicon.split_compound(following)
    if not members:
        return None
    first = members[0].surface
    inner = lexicon.split_compound(first) or lexicon.split_compound(members[0].base)
    if inner:
        first = inner[0].surface  # "sjukvårdsnämnden": the first member is "sjuk"
    return head + following[len(first) :]


class SwedishTokenizer(Tokenizer):
    """Regex tokenizer that keeps å/ä/ö, inner hyphens, ellipsis hyphens and numbers.

    Unlike Whoosh's own tokenizers it yields a fresh ``Token`` each time, so a list of
    the output holds distinct tokens.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        text = normalize(value)
        if not tokenize:
            t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
            t.text = text
            t.boost = 1.0
            t.pos = start_pos
            t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        for run, weight, offset in _runs(text):
            for m in TOKEN_RE.finditer(run):
                t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
                t.text = m.group(0)
                t.boost = weight
                t.stopped = False
                if keeporiginal:
                    t.original = t.text  # type: ignore[attr-defined]
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + offset + m.start()
                    t.endchar = start_char + offset + m.end()
                pos += 1
                yield t


def _copy(t: Token, text: str) -> Token:
    c = t.copy()
    c.text = text
    return c


class SwedishStemFilter(Filter):
    """Replace each word by its stem and add its parts at the same position.

    Parts (hyphen pieces, compound members, the completed ellipsis) share the word's
    position, so phrase queries over whole words still line up. An ellipsis head such as
    "hälso-" is completed from the next compound ("hälso- och sjukvårdsnämnden" also
    yields "hälsovård").
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]
        pending: Token | None = None  # an ellipsis head waiting for its compound
        for t in tokens:
            if t.stopped:
                yield t
                continue
            completed, terms = _kept_word(t.text, pending.text if pending else None)
            if completed is not None and pending is not None:
                yield _copy(pending, completed)
            pending = t.copy() if _is_head(t.text) else None
            t.text = terms[0]
            if len(terms) > 1:
                base = t.copy()
                yield t
                for part in terms[1:]:
                    yield _copy(base, part)
            else:
                yield t


def _is_head(word: str) -> bool:
    """Whether ``word`` is an ellipsis head ("hälso-" in "hälso- och sjukvård")."""
    return word.endswith(_HYPHEN_ENDS)


def _kept_word(word: str, pending: str | None) -> tuple[str | None, tuple[str, ...]]:
    """The index terms of one kept word (lower-cased, not a stop word): its stem, then
    its parts other than the stem; and, when the ellipsis head ``pending`` waits before
    it, the term that completes the head from ``word`` (or None).

    The one place the analyzer chain (:class:`SwedishStemFilter`) and
    :func:`index_terms` decide what a word indexes as.
    """
    completed = None
    if pending is not None and not _is_head(word):
        full = ellipsis_completion(pending.rstrip(_HYPHENS), word)
        completed = stem(full) if full else None
    terms = analyze_word(word)
    return completed, (terms.stem, *(p for p in terms.parts if p != terms.stem))


def swedish_analyzer() -> Any:
    """The main chain: tokens, lower case, Snowball stop list, lemma/stem + parts."""
    return (
        SwedishTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=SWEDISH_STOPWORDS, minsize=1)
        | SwedishStemFilter()
    )


def index_terms(value: str) -> dict[str, tuple[list[int], float]]:
    """What :func:`swedish_analyzer` makes of a field value, without its token objects:
    each term's positions and summed weight (:func:`index_term_maps`, as one mapping)."""
    positions, weights = index_term_maps(value)
    return {term: (at, weights[term]) for term, at in positions.items()}


def index_term_maps(value: str) -> tuple[dict[str, list[int]], dict[str, float]]:
    """Each term of a field value with its positions, and with its summed weight: what
    :func:`swedish_analyzer` makes of the value, without its token objects.

    Why: Whoosh runs the chain as a generator per filter with a ``Token`` object per word
    and per compound part; building a section's terms here directly makes the same
    postings (``tests/test_analysis.py`` compares the two) in a fraction of the time.
    Positions follow Whoosh's ``StopFilter``: stop words are dropped and the words after
    the first kept one are renumbered consecutively from its position. Two mappings, not
    one of pairs: a build pools them as they are (``segwriter._ArrayPool.add_ranked``),
    and a pair per term cost a tenth of this function's time.

    A word met again takes its terms from :data:`_KEPT` in one dictionary lookup: most
    tokens of a build are such words, and the calls that :func:`_kept_word` makes cost
    three times the rest of a token's work (measured).
    """
    stops = SWEDISH_STOPWORDS
    kept = _KEPT
    positions: dict[str, list[int]] = {}
    weights: dict[str, float] = {}
    raw = 0  # the tokenizer's position, stop words included
    pos = -1  # the kept words' position
    pending: tuple[str, int, float] | None = None  # an ellipsis head: (word, pos, weight)
    for run, weight, _offset in _runs(normalize(value)):
        tokens = (TOKEN_RE if "_" in run else _TOKEN_NO_UNDERSCORE).findall(run)
        for word in map(str.lower, tokens):
            raw += 1
            if word in stops:
                continue
            pos = raw - 1 if pos < 0 else pos + 1
            known = kept.get(word)
            if known is None or pending is not None:
                completed, terms = _kept_word(word, pending[0] if pending else None)
                head = _is_head(word)
                if completed is not None and pending is not None:
                    _add(positions, weights, completed, pending[1], pending[2])
                if len(kept) >= _KEPT_MAX:
                    kept.clear()
                kept[word] = (terms, head)
            else:
                terms, head = known
            pending = (word, pos, weight) if head else None
            for term in terms:  # as ``_add`` does, inline: this runs for every token
                at = positions.get(term)
                if at is None:
                    positions[term] = [pos]
                    weights[term] = weight
                else:
                    at.append(pos)
                    weights[term] += weight
    return positions, weights


def _add(
    positions: dict[str, list[int]], weights: dict[str, float], term: str, at: int, w: float
) -> None:
    if term in positions:
        positions[term].append(at)
        weights[term] += w
    else:
        positions[term] = [at]
        weights[term] = w
