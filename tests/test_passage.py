"""The coverage reward counts how much of the query a section says in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import passage
from tests.conftest import built, whoosh_scores


def test_best_window_holds_the_most_clause_weight_within_the_width() -> None:
    weights = {0: 2.0, 1: 1.0, 2: 0.5}
    # clause 0 at 0 and 100, clause 1 at 5, clause 2 at 104: {0, 1} or {0, 2} fit a window
    found = [(0, 0), (5, 1), (100, 0), (104, 2)]
    assert passage.best_window(found, weights, width=10) == 3.0
    assert passage.best_window(found, weights, width=200) == 3.5
    # five positions hold 100 to 104, not 0 to 5
    assert passage.best_window(found, weights, width=5) == 2.5
    assert passage.best_window(found, weights, width=4) == 2.0
    assert passage.best_window([], weights) == 0.0
    # a clause seen twice in a window counts once
    assert passage.best_window([(0, 1), (1, 1), (2, 1)], weights, width=10) == 1.0


def test_reward_is_the_square_of_coverage_when_the_words_are_together() -> None:
    assert passage.reward(0.8, 0.8) == pytest.approx(0.64)
    assert passage.reward(0.8, 0.4) == pytest.approx(0.8 * 0.6)
    assert passage.reward(0.8, 0.0) == pytest.approx(0.32)  # at most half is lost
    assert passage.reward(0.5, 0.9) == pytest.approx(0.25)  # a window holds no more


def _docs(folder: Path) -> Path:
    """A long section that names each query word twice, far apart, and one that names
    each once, a few words apart; the first has more of the words."""
    folder.mkdir()
    filler = " ".join(f"ord{i}" for i in range(60))
    (folder / "scattered.txt").write_text(
        f"Budget budget. {filler} Kollektivtrafik kollektivtrafik.\n", encoding="utf-8"
    )
    near = " ".join(f"ord{i}" for i in range(10))
    rest = " ".join(f"ord{i}" for i in range(10, 70))
    (folder / "together.txt").write_text(
        f"Budget {near} kollektivtrafik. {rest}\n", encoding="utf-8"
    )
    for i in range(6):
        others = " ".join(f"ting{i}{j}" for j in range(20))
        (folder / f"other{i}.txt").write_text(f"Budget. {others}\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("on_disk", [True, False])
def test_words_said_together_outrank_the_same_words_scattered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_disk: bool
) -> None:
    ix = built(_docs(tmp_path / "docs"), tmp_path / "ix", on_disk)
    hits = ix.search("budget kollektivtrafik", limit=2).hits
    assert [h.path for h in hits] == ["together.txt", "scattered.txt"]
    # the arrays and Whoosh's matchers give the same scores
    assert whoosh_scores(ix, "budget kollektivtrafik", 2) == pytest.approx([h.score for h in hits])
    # With a window as wide as any section, the scattered words win by their number.
    monkeypatch.setattr(passage, "WIDTH", 10_000)
    wide = ix.search("budget kollektivtrafik", limit=2).hits
    assert [h.path for h in wide] == ["scattered.txt", "together.txt"]
    ix.close()
