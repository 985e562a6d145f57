"""Shared fixtures: the seed index, built once per session, in memory and on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.analysis import SWEDISH_STOPWORDS, TOKEN_RE, normalize
from search import Index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def raw_words(text: str) -> set[str]:
    """The distinct lower-cased, non-stop words of a text, unanalysed."""
    return set(map(str.lower, TOKEN_RE.findall(normalize(text)))) - SWEDISH_STOPWORDS


def built(docs: Path, folder: Path, on_disk: bool) -> Index:
    """An index of ``docs``: on disk in ``folder`` (plain words ranked from the packed
    arrays) or in memory (Whoosh's path only)."""
    return Index.create(folder, [docs])[0] if on_disk else Index.in_memory([docs])


def whoosh_scores(ix: Index, query: str, limit: int) -> list[float]:
    """The scores of a search ranked on Whoosh's path (an on-disk index takes the arrays'
    path otherwise), to compare with the arrays' own."""
    ix._store.use_arrays = False
    try:
        return [h.score for h in ix.search(query, limit=limit).hits]
    finally:
        ix._store.use_arrays = True


@pytest.fixture(scope="session")
def seed_index() -> Index:
    """An in-memory index of the five bundled seed documents."""
    return Index.in_memory([SEEDS])


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding an on-disk index of the seeds (do not modify in tests)."""
    folder = tmp_path_factory.mktemp("seed-index")
    Index.create(folder, [SEEDS])[0].close()
    return folder
