from hypothesis import given, settings
from hypothesis import strategies as st

from index.queries import Bool, Phrase, Word
from search.query import parse, query_terms


def test_words_are_should_and_stopwords_dropped() -> None:
    q = parse("hyrstopp för sjuksköterskor")
    assert q.should == (Word("hyrstopp"), Word("sjuksköterskor"))
    assert not q.must and not q.must_not


def test_phrase_and_operators() -> None:
    q = parse('"hyrstopp för sjuksköterskor" AND skåne -läkare NOT stockholm')
    assert Phrase(("hyrstopp", "sjuksköterskor")) in q.must
    assert Word("skåne") in q.must
    assert q.must_not == (Word("läkare"), Word("stockholm"))


def test_plus_requires_and_or_is_default() -> None:
    q = parse("+budget plan OR program")
    assert q.must == (Word("budget"),)
    assert q.should == (Word("plan"), Word("program"))


def test_groups() -> None:
    q = parse("(a1 OR b1) -c1")
    assert isinstance(q.should[0], Bool)
    assert q.must_not == (Word("c1"),)


def test_unbalanced_input_still_parses() -> None:
    assert query_terms(parse('"hyrstopp sjuk')) == ["hyrstopp", "sjuk"]
    assert parse("AND OR NOT").is_empty()
    assert parse(")))(((").is_empty()
    assert parse("och att").is_empty()


def test_hyphenated_word_is_one_word() -> None:
    assert parse("ALF-avtal").should == (Word("alf-avtal"),)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_never_raises(text: str) -> None:
    q = parse(text)
    assert isinstance(q, Bool)
