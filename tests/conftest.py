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
