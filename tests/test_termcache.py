"""The term cache holds the analysis of every indexed word, whichever process made it."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import analysis, builder, termcache
from index.errors import BuildError
from index.store import WhooshStore

from .conftest import raw_words

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


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Words handed to the sink 7 at a time (several batches from a small build), and no
    word this test process analysed before counted as the build's."""
    monkeypatch.setattr(analysis, "SINK_BATCH", 7)
    analysis.drain_seen()
    yield
    analysis.drain_seen()


def _listed(cache: termcache.TermCache) -> set[str] | None:
    """The irregular words the cache lists (under any of the keys they lack)."""
    by_key = cache._irregular()
    return None if by_key is None else {w for ws in by_key.values() for w in ws}


def _table(folder: Path) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(folder / f"terms-{analysis.ANALYSIS_VERSION}.sqlite") as db:
        return {w: (s, p, lo) for w, s, p, lo in db.execute("SELECT * FROM terms")}


@pytest.mark.parametrize("procs", [1, 2])
def test_every_word_is_stored_with_its_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: int, small_batches: None
) -> None:
    parent_analysed: list[int] = []
    save = termcache.TermCache.save_seen

    def counting(self: termcache.TermCache) -> int:
        n = save(self)
        parent_analysed.append(n)
        return n

    monkeypatch.setattr(termcache.TermCache, "save_seen", counting)
    store = WhooshStore.create(tmp_path / "ix")
    builder.update(store, [_docs(tmp_path / "docs")], procs=procs)
    store.close()
    table = _table(tmp_path / "ix")
    words = set().union(*(raw_words(t) for t in TEXTS))
    assert words <= table.keys()
    for w in words:
        t = analysis.analyze_word(w)
        assert table[w] == (t.stem, " ".join(t.parts), t.loose), w
    if procs > 1:
        # The workers stored their words, the last few before they exited: the parent
        # analysed none of them.
        assert parent_analysed == [0]


@pytest.mark.parametrize("procs", [1, 2])
def test_a_sink_that_cannot_write_loses_no_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: int, small_batches: None
) -> None:
    # The table cannot be written while documents are indexed (a lock held too long, a
    # full disk): the build goes on, and the words are stored at its end.
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
    words = set().union(*(raw_words(t) for t in TEXTS))
    assert words <= _table(tmp_path / "ix").keys()


def test_a_worker_that_cannot_store_its_words_fails_the_build_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None
) -> None:
    # The table stays unwritable in the workers to the end: publishing their segments
    # would leave words unknown to the term cache (no suggestions, no loose matches).
    parent = os.getpid()
    insert = termcache._insert

    def failing(db: sqlite3.Connection, items: list[tuple[str, analysis.WordTerms]]) -> None:
        if os.getpid() != parent:
            raise sqlite3.OperationalError("disk I/O error")
        insert(db, items)

    store = WhooshStore.create(tmp_path / "ix")
    first = tmp_path / "first"
    first.mkdir()
    (first / "a.txt").write_text("Ärende\n\nHyrstopp för sjuksköterskor.\n", encoding="utf-8")
    builder.update(store, [first])
    before = store.counts()
    monkeypatch.setattr(termcache, "_insert", failing)
    with pytest.raises(BuildError, match="worker process"):
        builder.update(store, [_docs(tmp_path / "docs")], procs=2)
    assert store.counts() == before
    store.close()


def test_irregular_words_are_kept_apart_and_filled_into_older_tables(tmp_path: Path) -> None:
    # A word whose terms are not spelled inside it ("bättre" -> "bra") is listed apart,
    # in new tables as words are stored and in tables written before there was a list.
    words = ["bättre", "gick", "sjuksköterskan", "hyrstoppet", "hälso-", "kollektivtrafiken"]
    items = [(w, analysis.analyze_word(w)) for w in words]
    odd = {w for w, t in items if analysis.irregular(w, t)}
    assert "sjuksköterskan" not in odd and "kollektivtrafiken" not in odd
    assert odd, "the lexicon maps some of these words to lemmas spelled otherwise"
    path = tmp_path / f"terms-{analysis.ANALYSIS_VERSION}.sqlite"
    with sqlite3.connect(path) as db:  # as rsearch before the list wrote the table
        db.execute(
            "CREATE TABLE terms (word TEXT PRIMARY KEY, stem TEXT NOT NULL,"
            " parts TEXT NOT NULL, loose TEXT NOT NULL) WITHOUT ROWID"
        )
        db.executemany(
            "INSERT INTO terms VALUES (?, ?, ?, ?)",
            [(w, t.stem, " ".join(t.parts), t.loose) for w, t in items],
        )
    db.close()
    cache = termcache.TermCache(tmp_path)
    assert _listed(cache) == odd
    # Another process adds a word: a cache that read the list sees the new one too.
    other = termcache.TermCache(tmp_path)
    other._store([("fick", analysis.analyze_word("fick"))])
    other.close()
    if analysis.irregular("fick", analysis.analyze_word("fick")):
        assert _listed(cache) == odd | {"fick"}
    cache.close()


def test_document_title_words_are_stored_whichever_worker_ranked_them(
    tmp_path: Path, small_batches: None
) -> None:
    # A record's title is ranked with each of its sections but is not in their text:
    # its words are analysed by the workers only, and the words of a worker's last
    # batch must be handed over before it exits.
    docs = tmp_path / "docs"
    docs.mkdir()
    records = [
        {
            "id": f"r{i}",
            "title": f"Förordning om titelord{i}",
            "text": f"Inledning\n\n1 § {TEXTS[i % 4]}\n\n2 § {TEXTS[(i + 1) % 4]}",
        }
        for i in range(150)  # more than the writer's batch: the workers index most
    ]
    (docs / "records.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8"
    )
    store = WhooshStore.create(tmp_path / "ix")
    builder.update(store, [docs], procs=2)
    store.close()
    table = _table(tmp_path / "ix")
    assert {f"titelord{i}" for i in range(150)} <= table.keys()


def test_words_stored_while_the_irregular_list_cannot_be_made_are_listed_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Creating the list met a lock: words are stored without it, and snippets tokenize
    # every word; the next connection that can create the list fills it from every word.
    monkeypatch.setattr(termcache, "_add_irregular", lambda db, fill: None)
    cache = termcache.TermCache(tmp_path)
    words = ["bättre", "gick", "hyrstoppet", "kommunerna"]
    cache._store([(w, analysis.analyze_word(w)) for w in words])
    assert cache.irregular_for({"bra", "gå"}) is None  # no list: snippets tokenize all
    assert cache.lookup(words).keys() == set(words)
    cache.close()
    monkeypatch.undo()
    later = termcache.TermCache(tmp_path)
    assert _listed(later) == {w for w in words if analysis.irregular(w, analysis.analyze_word(w))}
    later.close()


def test_workers_started_by_spawn_store_their_words_too(
    tmp_path: Path, small_batches: None
) -> None:
    # macOS starts processes by "spawn": a worker inherits no module state from the
    # parent, so it is handed the sink with its task.
    import multiprocessing

    method = multiprocessing.get_start_method()
    multiprocessing.set_start_method("spawn", force=True)
    try:
        store = WhooshStore.create(tmp_path / "ix")
        report = builder.update(store, [_docs(tmp_path / "docs")], procs=2)
        store.close()
    finally:
        multiprocessing.set_start_method(method, force=True)
    assert report.added == len(TEXTS) * 5 and not report.failed
    words = set().union(*(raw_words(t) for t in TEXTS))
    assert words <= _table(tmp_path / "ix").keys()
