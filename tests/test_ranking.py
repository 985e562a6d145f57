"""Ranking mechanics: weighted parts of one field, link text, proximity on candidates."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.formats import Positions

from index import analysis, store
from index.ranking import in_order_near
from search import Index
from tests.conftest import built, whoosh_scores


def test_runs_carry_their_weight_into_the_posting() -> None:
    value = analysis.weighted_text([("Hyrstopp", 1.5), ("hyrstopp och avtal", 1.0), ("", 9.0)])
    postings = {
        term: (freq, weight)
        for term, freq, weight, _ in Positions().word_values(value, analysis.swedish_analyzer())
    }
    assert postings["hyrstopp"] == (2, 2.5)  # once in the heading (1.5), once in the body
    assert postings["avtal"] == (1, 1.0)
    # Plain text (a query) is one run of weight 1, tokenized as before.
    plain = [(t.text, t.boost) for t in analysis.swedish_analyzer()("Hyrstopp och avtal")]
    assert plain == [("hyrstopp", 1.0), ("hyr", 1.0), ("stopp", 1.0), ("avtal", 1.0)]


def test_positions_run_on_across_runs() -> None:
    value = analysis.weighted_text([("avtal", 1.5), ("budget", 1.0)])
    tokens = list(analysis.swedish_analyzer()(value, positions=True))
    assert [(t.text, t.pos) for t in tokens] == [("avtal", 0), ("budget", 1)]


def testin_order_near() -> None:
    assert in_order_near([[1, 9], [3], [5]])
    assert not in_order_near([[5], [3]])  # wrong order
    assert not in_order_near([[1], [6]])  # too far apart
    assert not in_order_near([[1], [2], [20]])


def _index(tmp_path: Path, files: dict[str, str]) -> Index:
    src = tmp_path / "docs"
    src.mkdir()
    for name, text in files.items():
        (src / name).write_text(text, encoding="utf-8")
    return Index.in_memory([src])


def test_link_text_ranks_below_the_same_words_in_the_body(tmp_path: Path) -> None:
    # A list of press links names other pages; the news item is about the matter itself.
    links = [
        "Regionen gick 69 miljoner plus",
        "Mammografi på arbetstid i regionen - Dagens Medicin",
        "Semesterväxling för chefer - Dagens Samhälle",
        "Nytt sjukhus i norra länet - Lokaltidningen",
    ]
    ix = _index(
        tmp_path,
        {
            "links.md": "# I media\n\n" + "\n\n".join(f"[{t}](#)" for t in links) + "\n",
            "news.md": "# Personal\n\nStyrelsen har beslutat att anställda får gå på"
            " mammografi på betald arbetstid."
            + " Beslutet gäller från i vår och omfattar alla anställda i regionen."
            * 4,
        },
    )
    hits = ix.search("mammografi på arbetstid").hits
    assert [h.path for h in hits[:2]] == ["news.md", "links.md"]


def test_heading_words_rank_above_body_words(tmp_path: Path) -> None:
    # Same words, same length; only where "färdtjänst" stands differs (on a tie the
    # first-indexed file, a.md, would come first).
    ix = _index(
        tmp_path,
        {
            "a.md": "# Resor\n\nRegler för färdtjänst i länet.\n",
            "b.md": "# Färdtjänst\n\nRegler för resor i länet.\n",
        },
    )
    assert [h.path for h in ix.search("färdtjänst").hits] == ["b.md", "a.md"]


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_common_word_counts_in_no_share_of_the_query_but_keeps_its_bonus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_disk: bool
) -> None:
    # "kommunen" is in nearly every section: it adds to a section's score but not to the
    # share of the query it covers, so the section about "solpaneler" is not outranked by
    # one that mentions them once beside the common word; a section with the two words
    # side by side still earns the proximity bonus, from the arrays as from Whoosh.
    docs = tmp_path / "docs"
    docs.mkdir()
    notes = {f"k{i}.txt": f"Kommunen har ärende {i}, ord{i} och sak{i}." for i in range(40)}
    sections = {
        "both.txt": "Solpaneler ska prövas av nämnden i år och sedan av kommunen.",
        "about.txt": "Solpaneler på taket: solpaneler ger el, solpaneler till skolan.",
        "near.txt": "Vi såg kommunen solpaneler och el.",
    }
    for name, text in {**notes, **sections}.items():
        (docs / name).write_text(text + "\n", encoding="utf-8")
    ix = built(docs, tmp_path / "ix", on_disk)
    monkeypatch.setattr(store, "_COMMON_MIN_DOCS", 0)  # the test's index is small
    hits = ix.search("kommunen solpaneler", limit=3).hits
    assert [h.path for h in hits] == ["near.txt", "about.txt", "both.txt"]
    if on_disk:
        assert whoosh_scores(ix, "kommunen solpaneler", 3) == pytest.approx([h.score for h in hits])
    monkeypatch.setattr(store, "_COMMON_SHARE", 1.0)  # nothing is common
    found = [h.path for h in ix.search("kommunen solpaneler", limit=3).hits]
    assert found == ["near.txt", "both.txt", "about.txt"]
    ix.close()
