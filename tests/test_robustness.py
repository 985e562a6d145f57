"""Bad input, interrupted writes and concurrent readers: the index stays right."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import readers
from search import Index
from search.cli import main
from tests.conftest import SEEDS
from tests.test_readers import make_pdf

WORDS = [
    "budget",
    "skola",
    "vård",
    "trafik",
    "kultur",
    "miljö",
    "bostad",
    "omsorg",
    "tillsyn",
    "upphandling",
]


def write_docs(folder: Path, n: int, tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(tag)
    for i in range(n):
        body = " ".join(rnd.choice(WORDS) for _ in range(60))
        (folder / f"{tag}-{i:04d}.txt").write_text(
            f"Protokoll {tag} nummer {i}\n\n{body} {tag}ord{i}\n", encoding="utf-8"
        )


def state(folder: Path) -> tuple[frozenset[str], int]:
    """The documents an index holds, after checking it opens, answers and is whole."""
    with Index.open(folder) as ix:
        docs = ix.documents()
        stats = ix.stats()
        assert sum(d.sections for d in docs) == stats.sections  # no orphan sections
        assert ix.search("budget", limit=1).hits
        return frozenset(d.doc_id for d in docs), stats.sections


def test_sigkill_leaves_before_or_after_state(tmp_path: Path) -> None:
    base, extra, ix = tmp_path / "base", tmp_path / "extra", tmp_path / "ix"
    write_docs(base, 40, "a")
    write_docs(extra, 250, "b")
    cmd = [sys.executable, "-m", "search.cli", "index", "--index", str(ix)]
    subprocess.run([*cmd, str(base)], check=True, capture_output=True)
    before = state(ix)[0]
    t0 = time.monotonic()
    subprocess.run([*cmd, str(extra)], check=True, capture_output=True)
    duration = time.monotonic() - t0
    after = state(ix)[0]
    assert after > before
    outcomes = {"before": 0, "after": 0}
    rnd = random.Random(7)
    seen_delays: list[float] = []
    for _ in range(24):
        # Reset to the "before" state, then kill an update at a random moment.
        subprocess.run([*cmd, "--rebuild", str(base)], check=True, capture_output=True)
        proc = subprocess.Popen(
            [*cmd, str(extra)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # Half the kills land late, when the commit is being written.
        low = 0.05 if len(seen_delays) % 2 else duration * 0.6
        seen_delays.append(rnd.uniform(low, duration * 1.1))
        time.sleep(seen_delays[-1])
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        docs = state(ix)[0]
        assert docs in (before, after)
        outcomes["before" if docs == before else "after"] += 1
    print(f"\nSIGKILL outcomes over 24 runs: {outcomes}")


def test_sigkill_during_rebuild_keeps_old_index(tmp_path: Path) -> None:
    base, ix = tmp_path / "base", tmp_path / "ix"
    write_docs(base, 200, "c")
    cmd = [sys.executable, "-m", "search.cli", "index", "--index", str(ix)]
    subprocess.run([*cmd, str(base)], check=True, capture_output=True)
    before = state(ix)
    for delay in (0.2, 0.6, 1.0):
        proc = subprocess.Popen([*cmd, "--rebuild", str(base)], stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert state(ix) == before


def test_bad_input_zoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "LARGE_TEXT_BYTES", 200_000)
    monkeypatch.setattr(readers, "PART_BYTES", 60_000)
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    (zoo / "good.txt").write_text("Beslut om snöröjning på gatorna.", encoding="utf-8")
    (zoo / "latin.txt").write_bytes("Protokoll från Växjö kommun om äldreomsorg.".encode("cp1252"))
    (zoo / "empty.txt").write_bytes(b"")
    (zoo / "binary.txt").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    (zoo / "scanned.pdf").write_bytes(make_pdf([None]))
    (zoo / "corrupt.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (zoo / "corrupt.docx").write_bytes(b"PK\x03\x04 not a zip")
    with zipfile.ZipFile(zoo / "nodoc.docx", "w") as z:
        z.writestr("word/other.xml", "<x/>")
    (zoo / "records.jsonl").write_text(
        json.dumps({"id": "r1", "text": "Kommunfullmäktige beslutade om cykelbanor."})
        + "\n{not json\n"
        + json.dumps({"id": "r2"})
        + "\n",
        encoding="utf-8",
    )
    (zoo / "image.png").write_bytes(b"\x89PNG\r\n")
    big = "\n\n".join(f"Stycke {i} om vattenledningar och avlopp i kommunen." for i in range(8000))
    (zoo / "big.txt").write_text(big + "\n\nSista stycket nämner fjärrvärme.", encoding="utf-8")
    (zoo / "loop").mkdir()
    (zoo / "loop" / "self").symlink_to(zoo / "loop")
    (zoo / "gone.txt").symlink_to(zoo / "does-not-exist.txt")

    ix = tmp_path / "ix"
    r = CliRunner().invoke(main, ["index", str(zoo), "--index", str(ix)])
    assert r.exit_code == 3, r.stderr
    err = r.stderr
    for bad in ("empty.txt", "binary.txt", "scanned.pdf", "corrupt.pdf", "corrupt.docx",
                "nodoc.docx", "records.jsonl:2", "records.jsonl:3", "gone.txt"):  # fmt: skip
        assert bad in err, f"{bad} not reported:\n{err}"
    assert "no text layer" in err and "symlink loop" in err
    assert "Traceback" not in err
    summary = err.strip().splitlines()[-1]
    assert "failed" in summary and "skipped" in summary
    with Index.open(ix) as index:
        for query, path in [
            ("snöröjning", "good.txt"),
            ("äldreomsorg", "latin.txt"),
            ("fjärrvärme", "big.txt"),
        ]:
            hits = index.search(query).hits
            assert hits and hits[0].path == path, query
        assert index.search("Växjö").hits  # cp1252 decoded, å/ä/ö kept
        assert index.search("cykelbanor").hits[0].doc_id == "r1"
        parts = [d for d in index.documents() if d.path == "big.txt"]
        assert len(parts) > 3  # the large file was read in bounded parts


def test_search_during_update_answers_from_last_commit(tmp_path: Path) -> None:
    base, extra, folder = tmp_path / "base", tmp_path / "extra", tmp_path / "ix"
    write_docs(base, 30, "d")
    write_docs(extra, 300, "e")
    Index.create(folder, [base])[0].close()
    reader = Index.open(folder)
    errors: list[BaseException] = []
    answered = 0

    def update() -> None:
        try:
            with Index.open(folder) as writer:
                writer.update([extra])
        except BaseException as exc:  # reported below
            errors.append(exc)

    t = threading.Thread(target=update)
    t.start()
    while t.is_alive():
        assert reader.search("budget", limit=3).hits
        answered += 1
    t.join()
    assert not errors and answered > 0
    assert len(Index.open(folder).documents()) == 330


def test_locked_index_gives_clear_error(tmp_path: Path) -> None:
    from index.errors import IndexLockedError
    from index.store import WhooshStore

    Index.create(tmp_path / "ix", [SEEDS])[0].close()
    store = WhooshStore.open(tmp_path / "ix")
    with store.writer(), pytest.raises(IndexLockedError, match="--wait"):
        Index.open(tmp_path / "ix").update([SEEDS])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200) | st.sampled_from(['"', "AND", "OR NOT", "-", "((", '"a', "\x00\x07"]))
def test_any_query_string_answers(seed_index: Index, text: str) -> None:
    result = seed_index.search(text, limit=3)
    assert result.total >= len(result.hits)


def test_very_long_query(seed_index: Index) -> None:
    result = seed_index.search("hyrstopp " * 2000, limit=3)
    assert result.hits


def test_kill_signal_is_supported() -> None:
    assert hasattr(signal, "SIGKILL") and os.name == "posix"


def test_a_failed_build_worker_commits_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whoosh's multiprocessing writer publishes the segments its workers report; one that
    # died reports none. The rebuild must fail with a clear error and keep the old index.
    from index import analysis, builder
    from index.errors import BuildError

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(12):
        (docs / f"d{i}.txt").write_text(f"Ärende {i}\n\nBudget för barn {i}.\n", encoding="utf-8")
    ix, _ = Index.create(tmp_path / "ix", [docs])
    before = [h.section_id for h in ix.search("budget", limit=20).hits]
    ix.close()
    (docs / "d3.txt").write_text("Ärende 3\n\nEtt kraschord i texten.\n", encoding="utf-8")
    analyse = analysis._analyze_word

    def crash(word: str) -> analysis.WordTerms:
        if word == "kraschord":
            raise RuntimeError("analysis crashed")
        return analyse(word)

    monkeypatch.setattr(analysis, "_analyze_word", crash)
    monkeypatch.setattr(builder, "PARALLEL_FROM_BYTES", 0)  # two worker processes
    with pytest.raises(BuildError, match="worker process of the build failed"):
        builder.rebuild(tmp_path / "ix", [docs])
    monkeypatch.undo()
    ix = Index.open(tmp_path / "ix")
    assert [h.section_id for h in ix.search("budget", limit=20).hits] == before
    ix.close()
