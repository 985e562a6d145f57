import pytest

from index.analysis import analyze_word, fold, stem, swedish_analyzer, tokenize


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
