from index.builder import prepare
from index.models import Document
from index.sections import split_sections
from tests.conftest import SEEDS


def seed(name: str) -> Document:
    text = (SEEDS / name).read_text(encoding="utf-8")
    return Document(doc_id=name, text=text, path=name)


def test_protocol_one_section_per_paragraph() -> None:
    sections = split_sections(seed("001_b7a6846f7dc914a0.txt"))
    assert [s.anchor for s in sections] == ["p12", "p13", "p14", "p15", "p16"]
    assert [s.title for s in sections] == [
        "Godkännande av föredragningslistan",
        "Planeringsprocessen och ekonomiska planeringsförutsättningar",
        "En av Sveriges bästa arbetsplatser",
        "Forskning och innovation",
        "Digitalisering",
    ]
    assert sections[0].section_id == "001_b7a6846f7dc914a0.txt#p12"


def test_meeting_notes_one_section_per_agenda_item() -> None:
    sections = split_sections(seed("004_b8ebff7d4bb7d37c.txt"))
    items = [s for s in sections if s.anchor.startswith("item")]
    assert [s.anchor for s in items] == [f"item{i}" for i in range(1, 7)]
    assert items[0].title == "1. Inledning"
    assert items[-1].title == "6. Övriga frågor"
    # The numbered list inside item 6 does not start new items.
    assert "Återkommande problem" in items[-1].text


def test_slides_titled_by_heading() -> None:
    sections = split_sections(seed("002_b14fd12e5c9e615b.txt"))
    assert len(sections) > 50
    assert all(s.anchor.startswith("page") for s in sections)
    titles = {s.title for s in sections}
    assert "Enklare att hitta till förnya recept" in titles
    assert "Vad handlar det om?" in titles


def test_unstructured_text_is_cut_in_bounded_windows() -> None:
    paragraphs = [
        f"Stycke {i} handlar om budget och planering för år {2000 + i}." * 5 for i in range(40)
    ]
    doc = Document(doc_id="x", text="\n\n".join(paragraphs) + ".")
    sections = split_sections(doc)
    assert len(sections) > 3
    assert all(len(s.text) < 3000 for s in sections)
    assert "".join(s.text for s in sections).count("Stycke") == 200


def test_prepare_counts_sections_in_record() -> None:
    p = prepare(seed("004_b8ebff7d4bb7d37c.txt"))
    assert p.record.sections == len(p.sections)
    assert p.record.org == "Region Skåne"


def test_agenda_items_are_found_as_by_the_two_patterns_they_were() -> None:
    # One scan for both kinds of agenda line ("3." alone, "3. Budget" with its title)
    # finds the same items as two scans did, on texts made to test their edges.
    import random
    import re

    from index import sections

    alone = re.compile(r"^[ \t]*(\d{1,2})\.[ \t]*(?:\n|$)", re.M)
    inline = re.compile(r"^[ \t]*(\d{1,2})\.[ \t]+(\S[^\n]{1,78})$", re.M)

    def two_scans(text: str) -> list[tuple[int, int, int, str | None]]:
        return sorted(
            [(m.start(), int(m.group(1)), m.end(), None) for m in alone.finditer(text)]
            + [
                (m.start(), int(m.group(1)), m.end(), m.group(2).strip())
                for m in inline.finditer(text)
                if not m.group(2).rstrip().endswith(".")
            ]
        )

    rng = random.Random(3)
    pieces = ["1.", "2.", "12.", "123.", " ", "\t", "\n", "\n\n", "Budget", ".", "x" * 40, "§"]
    found = 0
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 25)))
        expected = two_scans(text)
        assert sections._agenda_lines(text) == expected, repr(text)
        found += len(expected)
    assert found > 1000
