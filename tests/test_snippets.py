from search.snippets import SNIPPET_CHARS, make_snippet, mark


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
