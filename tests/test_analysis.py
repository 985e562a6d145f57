import random
import re

import pytest

from index.analysis import (
    analyze_word,
    fold,
    index_terms,
    normalize,
    stem,
    swedish_analyzer,
    tokenize,
    weighted_text,
)
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("sjuksköterskor", "sjukskötersk"),
        ("sjuksköterska", "sjukskötersk"),
        ("huset", "hus"),
        ("avtalet", "avtal"),
        ("2024", "2024"),
    ],
)
def test_stem_table(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_tokenizer_keeps_swedish_letters_hyphens_and_numbers() -> None:
    words = [
        t.text for t in tokenize("ALF-avtal, e-hälsa och 8,8 procent 2024–2026 hälso- och vård")
    ]
    assert "ALF-avtal" in words
    assert "e-hälsa" in words
    assert "8,8" in words
    assert "hälso-" in words  # the ellipsis keeps its hyphen


def test_token_spans_point_into_the_text() -> None:
    text = "Hyrstopp för sjuksköterskor"
    for t in tokenize(text):
        assert text[t.start : t.end] == t.text


def test_hyphenated_word_indexes_whole_and_parts() -> None:
    t = analyze_word("alf-avtalet")
    assert t.stem == "alf-avtal"
    assert "alf" in t.parts and "avtal" in t.parts


def test_analyzer_lowercases_stops_and_stems() -> None:
    terms = [t.text for t in swedish_analyzer()("Hyrstopp för Sjuksköterskor inom regionen")]
    assert "för" not in terms and "inom" not in terms
    assert terms[0] == "hyrstopp"
    assert "sjukskötersk" in terms


def test_analyzer_yields_distinct_token_objects() -> None:
    tokens = list(swedish_analyzer()("avtal sjuksköterskor"))
    assert len({id(t) for t in tokens}) == len(tokens)
    assert [t.text for t in tokens] == ["avtal", "sjukskötersk"]


def test_fold() -> None:
    assert fold("sjuksköterskor") == "sjukskoterskor"
    assert fold("åäö") == "aao"


def _chain_terms(value: str) -> dict[str, tuple[list[int], float]]:
    """Terms as Whoosh's ``Positions`` format collects them from the analyzer chain."""
    from whoosh.formats import Positions

    out: dict[str, tuple[list[int], float]] = {}
    for term, _freq, weight, data in Positions().word_values(value, swedish_analyzer()):
        out[term] = (Positions().decode_positions(data), weight)
    return out


_TRICKY = [
    "",
    "och att det",  # stop words only
    "Det är hälso- och sjukvårdsnämnden som beslutar om hyrstopp för sjuksköterskor.",
    "och i hälso-, sjuk- och tandvården; ALF-avtalet 2024-2026 gav 8,8 procent",
    "Region Kalmar länBUP tillgänglighet\u00ad ökar",  # glued words, soft hyphen
    weighted_text([("Budget 2025", 1.5), ("budgeten för barn- och ungdomsnämnden", 1.0)])
    + weighted_text([("en länk", 0.3), ("Kommunfullmäktige protokoll", 0.2)]),
    "sjuksköterskan sjuksköterskor sjuksköterska sjuksköterskan",
    "fil_namn_2024 och __init__ i hyr_stopp",  # underscores split words (another regex)
]


@pytest.mark.parametrize("value", _TRICKY)
def test_index_terms_match_the_analyzer_chain(value: str) -> None:
    assert index_terms(value) == _chain_terms(value)


def test_index_terms_match_the_chain_on_the_seed_documents() -> None:
    for path in sorted(SEEDS.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert index_terms(text) == _chain_terms(text), path.name


def test_glued_words_are_parted_as_the_rule_says() -> None:
    # normalize puts a space before a capital that follows three lower-case letters and
    # starts an acronym or a new word. The rule written plainly (a look at every
    # position) against the fast pattern, on texts of letters that test its edges.
    plain = re.compile(r"(?=[A-ZÅÄÖ])(?<=[a-zåäöé]{3})(?=[A-ZÅÄÖ](?:[A-ZÅÄÖ]|[a-zåäö]+\b))")
    rng = random.Random(11)
    pieces = ["ab", "c", "län", "BUP", "Ä", "Ö", "É", "é", "x", "Kalmar", "SoL", "iPhone"]
    pieces += [" ", "\n", "-", "1", "_", "ß", "Q"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 20))) for _ in range(5000)]
    parted = 0
    for text in texts:
        expected = plain.sub(" ", text)
        assert normalize(text) == expected, text
        parted += expected != text
    assert parted > 500
    assert normalize("Region Kalmar länBUP och SoL på iPhone") == (
        "Region Kalmar län BUP och SoL på iPhone"
    )
