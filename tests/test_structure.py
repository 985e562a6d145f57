"""Structure-aware sections beyond the seeds: statutes, Markdown, cleaning of extractions."""

import random
import re

from index import cleaning, sections
from index.cleaning import clean_text, display_text, drop_debris
from index.models import Document
from index.sections import split_sections

STATUTE = """Förordning med instruktion för Myndigheten

1 kap. Allmänna bestämmelser

Uppgifter

1 §

Myndigheten ska främja god kvalitet.

2 §

Myndigheten ska samverka med regionerna.

2 kap. Tillsyn

1 §

Tillsyn utövas enligt 1 kap. 2 § i denna förordning.

1 a §

Myndigheten får meddela föreskrifter.
"""


def test_statute_chapters_and_paragraphs() -> None:
    sections = split_sections(Document(doc_id="sfs-1", text=STATUTE, fmt="record"))
    anchors = [s.anchor for s in sections]
    assert anchors == ["start", "kap1", "kap1-p1", "kap1-p2", "kap2", "kap2-p1", "kap2-p1a"]
    titles = {s.anchor: s.title for s in sections}
    assert titles["kap1-p1"] == "1 kap. 1 § Uppgifter"
    assert titles["kap2"] == "2 kap. Tillsyn"
    # A reference inside the text ("1 kap. 2 §") does not start a section.
    assert "1 kap. 2 § i denna" in next(s.text for s in sections if s.anchor == "kap2-p1")


def test_markdown_headings() -> None:
    text = "# Budget 2025\n\nIntro.\n\n## Investeringar\n\nNya skolor.\n\n## Drift\n\nLöner."
    sections = split_sections(Document(doc_id="b.md", text=text, fmt="md"))
    assert [s.title for s in sections] == ["Budget 2025", "Investeringar", "Drift"]


def test_cleaning_joins_broken_words_and_keeps_ellipsis() -> None:
    text = "Enligt verksam-\nhetsplanen ska hälso- och sjukvården och ALF-\navtal följas."
    cleaned = clean_text(text)
    assert "verksamhetsplanen" in cleaned
    assert "hälso- och sjukvården" in cleaned
    assert "ALF-avtal" in cleaned


def test_soft_hyphen_removed() -> None:
    assert clean_text("sjuk\u00adsköterska") == "sjuksköterska"


def test_chart_debris_dropped_but_text_kept() -> None:
    text = "Sjukfrånvaro totalt\n~40%\n\n~30%\n\n~20%\n\n10\n\n0\nKälla: egen statistik"
    out = drop_debris(text)
    assert "~40%" not in out and "Sjukfrånvaro totalt" in out and "Källa" in out


def test_display_text_joins_wrapped_lines_and_keeps_bullets() -> None:
    text = "Styrräntorna fortsätter\nstiga under året.\n▪ Första punkten\n▪ Andra punkten"
    assert display_text(text).split("\n") == [
        "Styrräntorna fortsätter stiga under året.",
        "▪ Första punkten",
        "▪ Andra punkten",
    ]


def test_inline_breaks_joined_as_the_plain_pattern_would() -> None:
    # join_inline_breaks tries the pattern only at hyphens; on any text it must give
    # what the pattern's own sub gives (overlaps, digits, underscores, other letters).
    rng = random.Random(7)
    pieces = ["abc", "def", "ghij", "Kommunika", "tionschef", "e", "EU", "x²y", "1ab", "_ab"]
    pieces += ["é", "Å", "ö", "ö", "-", "-", "-", "-", " ", "\n", "1", "_", "²"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 25))) for _ in range(5000)]
    texts += [f"{rng.choice(texts)} Kommunika-tionschef {rng.choice(texts)}" for _ in range(50)]
    tried = joined = 0
    for text in texts:
        expected = cleaning._INLINE_BROKEN.sub(cleaning._join_inline, text)
        assert cleaning.join_inline_breaks(text) == expected, text
        tried += cleaning._INLINE_BROKEN.search(text) is not None
        joined += expected != text
    assert tried > 200 and joined >= 50  # the texts do exercise the pattern and the joins


def test_plain_headings_found_as_the_one_pattern_finds_them() -> None:
    # _plain_heading_cuts searches with a newline-led pattern and tries the text's start
    # apart: the same headings as the rule in one pattern, on texts made to test its edges.
    rule = re.compile(r"(?:^|\n[ \t]*\n)[ \t]*([A-ZÅÄÖ][^\n]{2,70}?)[ \t]*(?=\n[ \t]*\n)")
    rng = random.Random(5)
    pieces = ["\n", "\n\n", "\n \n", " ", "\t", "Rubrik", "Ärende två", "abc", ".", "Å", "1"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 40))) for _ in range(5000)]
    with_headings = 0
    for text in texts:
        expected = [(m.start(1), m.group(1).strip()) for m in rule.finditer(text)]
        kept = [
            (start, line)
            for start, line in expected
            if not line.endswith((".", ",", ";", ":", "!", "?")) and len(line.split()) <= 9
        ]
        got = [(c.start, c.title) for c in sections._plain_heading_cuts(text)]
        assert got == ([(s, sections._shorten(t)) for s, t in kept] if len(kept) >= 2 else [])
        with_headings += bool(got)
    assert with_headings > 500
