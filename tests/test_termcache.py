"""The term cache holds the analysis of every indexed word, whichever process made it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from index import analysis, builder, termcache
from index.store import WhooshStore

TEXTS = [
    "Regionstyrelsen beslutade om hyrstopp för sjuksköterskor inom hälso- och sjukvården.",
    "Kollektivtrafiken får en ny taxa; barn reser gratis under sommaren.",
    "Budgeten för primärvården ökar, och vårdcentralerna får fler läkare.",
    "Nämnden godkände årsredovisningen och ansvarsfrihet beviljades styrelsen.",
]


def _docs(folder: Path) -> Path:
    folder.mkdir()
    for i, text in enumerate(TEXTS * 5):
        (folder / f"d{i}.txt").write_text(f"Ärende {i}\n\n{text} Punkt {i}.\n", encoding="utf-8")
    return folder


def _table(folder: Path) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(folder / f"terms-{analysis.ANALYSIS_VERSION}.sqlite") as db:
        return {w: (s, p, lo) for w, s, p, lo in db.execute("SELECT * FROM terms")}


@pytest.mark.parametrize("procs", [1, 2])
def test_every_word_is_stored_with_its_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: int
) -> None:
    monkeypatch.setattr(analysis, "SINK_BATCH", 7)  # several batches from a small build
    analysis.drain_seen()  # words this test process analysed before are not the build's
    parent_analysed: list[int] = []
    save = termcache.TermCache.save_words

    def counting(self: termcache.TermCache, words: set[str]) -> int:
        n = save(self, words)
        parent_analysed.append(n)
        return n

    monkeypatch.setattr(termcache.TermCache, "save_words", counting)
    store = WhooshStore.create(tmp_path / "ix")
    builder.update(store, [_docs(tmp_path / "docs")], procs=procs)
    store.close()
    table = _table(tmp_path / "ix")
    words = set().union(*(analysis.raw_words(t) for t in TEXTS))
    assert words <= table.keys()
    for w in words:
        t = analysis.analyze_word(w)
        assert table[w] == (t.stem, " ".join(t.parts), t.loose), w
    analysis.drain_seen()
    if procs > 1:
        # The workers stored their words as they went; the parent analysed only the
        # last few each worker had not handed over yet.
        assert parent_analysed and parent_analysed[0] < len(words) // 2


@pytest.mark.parametrize("procs", [1, 2])
def test_a_sink_that_cannot_write_loses_no_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: int
) -> None:
    # The table cannot be written while documents are indexed (a lock held too long, a
    # full disk): the build goes on, and the words are stored at its end.
    monkeypatch.setattr(analysis, "SINK_BATCH", 7)
    analysis.drain_seen()
    insert = termcache._insert

    def failing(db: sqlite3.Connection, items: list[tuple[str, analysis.WordTerms]]) -> None:
        if analysis._SINK is not None:
            raise sqlite3.OperationalError("database is locked")
        insert(db, items)

    monkeypatch.setattr(termcache, "_insert", failing)
    store = WhooshStore.create(tmp_path / "ix")
    report = builder.update(store, [_docs(tmp_path / "docs")], procs=procs)
    assert report.added == len(TEXTS) * 5 and not report.failed
    assert store.counts() == (len(TEXTS) * 5, len(TEXTS) * 5)  # no worker lost its share
    store.close()
    words = set().union(*(analysis.raw_words(t) for t in TEXTS))
    assert words <= _table(tmp_path / "ix").keys()
    analysis.drain_seen()
