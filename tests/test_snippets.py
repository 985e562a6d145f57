from pathlib import Path

from index.analysis import normalize
from search.api import Index
from search.snippets import SNIPPET_CHARS, make_snippet, mark

from .conftest import raw_words


def test_snippet_centres_on_matches_and_marks_them() -> None:
    text = (
        ("Inledande text om annat. " * 30)
        + "Fr o m idag är det hyrstopp för sjuksköterskor inom Region Skåne."
        + (" Avslutande text." * 30)
    )
    s = make_snippet(text, ["hyrstopp", "sjuksköterskor"])
    assert len(s.text) <= SNIPPET_CHARS + 2
    marked = [s.text[a:b] for a, b in s.highlights]
    assert "hyrstopp" in marked and "sjuksköterskor" in marked
    assert mark(s, "[", "]").count("[") == len(s.highlights)


def test_inflected_forms_are_highlighted() -> None:
    s = make_snippet("Behovet av sjuksköterska är stort.", ["sjuksköterskor"])
    assert [s.text[a:b] for a, b in s.highlights] == ["sjuksköterska"]


def test_no_match_gives_start_of_text() -> None:
    s = make_snippet("Alfa beta gamma.", ["zeta"])
    assert s.text.startswith("Alfa") and s.highlights == ()


def test_window_with_most_distinct_words_wins_over_repeats() -> None:
    # Many matches of one word early, both words together late: the window sliding over
    # the matches must prefer the one with two distinct words.
    text = (
        " ".join(["Hyrstopp gäller här, och detta är fyllnad i en lång text."] * 40)
        + " "
        + ("Fyllnadstext utan träff. " * 20)
        + "Hyrstopp för sjuksköterskor i regionen."
    )
    s = make_snippet(text, ["hyrstopp", "sjuksköterskor"])
    marked = {s.text[a:b].lower() for a, b in s.highlights}
    assert marked == {"hyrstopp", "sjuksköterskor"}


def test_spans_hold_when_lower_case_changes_length() -> None:
    # "İ" is two characters in lower case: the spans must still be the text's own.
    s = make_snippet("İİ İstanbul: Hyrstopp för sjuksköterskor.", ["hyrstopp"])
    assert [s.text[a:b] for a, b in s.highlights] == ["Hyrstopp"]


def test_window_forgets_matches_it_has_slid_past() -> None:
    text = (
        "Hyrstopp för sjuksköterskor i regionen. "
        + ("Fyllnadstext utan träff. " * 20)
        + " ".join(["Hyrstopp gäller här, och detta är fyllnad i en lång text."] * 40)
    )
    s = make_snippet(text, ["hyrstopp", "sjuksköterskor"])
    assert s.text.startswith("Hyrstopp för sjuksköterskor")


def test_stored_sections_are_normalized_as_snippets_assume(seed_index_dir: Path) -> None:
    """The API makes snippets of stored text without normalising it again."""
    ix = Index.open(seed_index_dir)
    texts = [s["text"] for d in ix._store.documents() for s in ix._store.sections_of(d.doc_id)]
    ix.close()
    assert len(texts) > 50
    assert all(normalize(t) == t for t in texts)
    glued = "Region Kalmar länBUP tillgänglighet"
    assert make_snippet(glued, ["bup"]).highlights
    assert not make_snippet(glued, ["bup"], normalized=True).highlights


def test_snippets_that_tokenize_only_near_the_keys_mark_the_same_matches(
    seed_index_dir: Path,
) -> None:
    """Only the text around the query's keys and the irregular words is tokenized:
    every snippet is still the one that full analysis of each word gives."""
    ix = Index.open(seed_index_dir)
    texts = [s["text"] for d in ix._store.documents() for s in ix._store.sections_of(d.doc_id)]
    lookup = ix._store.terms.lookup
    irregular = ix._store.terms.irregular_for
    compared = 0
    for i, text in enumerate(texts):
        words = sorted(raw_words(text))
        if len(words) < 4:
            continue
        # A few of the section's own words, and lemmas that irregular forms lead to.
        query = [words[i % len(words)], words[(3 * i) % len(words)], "bra", "gå", "stor"]
        expect = make_snippet(text, query, normalized=True)
        ix._store.terms._memo.clear()
        got = make_snippet(text, query, lookup=lookup, normalized=True)
        assert got == expect, (i, query)
        ix._store.terms._memo.clear()
        near = make_snippet(text, query, lookup=lookup, normalized=True, irregular=irregular)
        assert near == expect, (i, query)
        compared += bool(expect.highlights)
    ix.close()
    assert compared > 40
