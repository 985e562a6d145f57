"""The CLI through click's CliRunner (JSON parsed, not prose compared) and once installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import entry
from search.cli import main

HIT_KEYS = {
    "rank",
    "score",
    "doc_id",
    "path",
    "section_id",
    "section_title",
    "title",
    "org",
    "doctype",
    "date",
    "snippet",
    "text",
}


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args), input=input)
    return r.exit_code, r.stdout, r.stderr


def test_default_command_is_search(seed_index_dir: Path) -> None:
    code, out, _ = run("hyrstopp sjuksköterskor", "--index", str(seed_index_dir))
    assert code == 0
    first = next(line for line in out.splitlines() if line.startswith("1. "))
    assert first.startswith("1. Mötesanteckningar")
    assert "org: " in out and "Region Skåne (2)" in out  # the one-line facet summary
    assert "\033[" not in out  # no colour when not a terminal


def test_json_schema(seed_index_dir: Path) -> None:
    code, out, _ = run(
        "search", "--json", "-n", "3", "hyrstopp sjuksköterskor", "--index", str(seed_index_dir)
    )
    data = json.loads(out)
    assert code == 0
    assert set(data) >= {"query", "total", "hits"}
    assert data["query"] == "hyrstopp sjuksköterskor"
    assert 1 <= len(data["hits"]) <= 3 <= data["total"] or len(data["hits"]) == data["total"]
    for hit in data["hits"]:
        assert set(hit) >= HIT_KEYS
    first = data["hits"][0]
    assert first["path"] == "004_b8ebff7d4bb7d37c.txt"
    assert first["section_id"].startswith("004_b8ebff7d4bb7d37c.txt#")
    assert first["date"] == "2024-01-15"


def test_json_when_nothing_matches(seed_index_dir: Path) -> None:
    code, out, _ = run("search", "--json", "qqxxzz", "--index", str(seed_index_dir))
    assert code == 1
    data = json.loads(out)
    assert data["total"] == 0 and data["hits"] == []


def test_batch_one_line_per_query_in_order(seed_index_dir: Path, tmp_path: Path) -> None:
    queries = ["karies", "qqxxzz", "klimatbokslut"]
    code, out, _ = run(
        "search", "--batch", "-", "--index", str(seed_index_dir), input="\n".join(queries) + "\n"
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [d["query"] for d in lines] == queries
    assert lines[1]["hits"] == [] and lines[0]["hits"] and lines[2]["hits"]


def test_filters_from_cli(seed_index_dir: Path) -> None:
    code, out, _ = run(
        "search", "--json", "--org", "Region Skåne", "hyrstopp", "--index", str(seed_index_dir)
    )
    data = json.loads(out)
    assert code == 0 and all(h["org"] == "Region Skåne" for h in data["hits"])
    assert sum(data["facets"]["org"].values()) == data["total"]


def test_usage_errors_are_one_line(seed_index_dir: Path, tmp_path: Path) -> None:
    code, _, err = run("search", "--index", str(seed_index_dir))
    assert code == 2 and err.count("\n") == 1
    code, _, err = run("vård", "--index", str(tmp_path / "missing"))
    assert code == 2 and "no rsearch index" in err and "Traceback" not in err
    code, _, err = run("vård", "--from", "igår", "--index", str(seed_index_dir))
    assert code == 2 and "--from" in err


def test_show_docs_stats(seed_index_dir: Path) -> None:
    code, out, _ = run(
        "show", "--json", "001_b7a6846f7dc914a0.txt#p13", "--index", str(seed_index_dir)
    )
    assert code == 0 and json.loads(out)["section_title"].startswith("Planeringsprocessen")
    code, out, _ = run("docs", "--json", "--index", str(seed_index_dir))
    docs = json.loads(out)
    table = {d["path"]: (d["org"], d["doctype"], d["date"]) for d in docs}
    assert table == {
        "000_cb0cf3f13fc08513.txt": ("Region Kronoberg", "nyhetsbrev", "2025-01"),
        "001_b7a6846f7dc914a0.txt": ("Region Kalmar län", "protokoll", None),
        "002_b14fd12e5c9e615b.txt": ("Region Kalmar län", "presentation", "2024-05-17"),
        "003_04b3993313128445.txt": ("Region Kalmar län", "presentation", "2025-06-17"),
        "004_b8ebff7d4bb7d37c.txt": ("Region Skåne", "mötesanteckningar", "2024-01-15"),
    }
    assert all(d["sections"] > 0 for d in docs)
    assert {d["path"] for d in docs} == {
        p.name for p in (Path(__file__).parent.parent / "seeds").glob("*.txt")
    }
    code, out, _ = run("stats", "--json", "--index", str(seed_index_dir))
    assert json.loads(out)["documents"] == 5
    # The digest a stemmer mismatch names (``lexicon.check_stemmer``) is shown.
    from index import lexicon

    assert json.loads(out)["stemmer"] == lexicon.stemmer_fingerprint()
    code, out, _ = run("stats", "--index", str(seed_index_dir))
    assert f"stemmer {lexicon.stemmer_fingerprint()}" in out


def test_index_command_add_and_report_failures(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_text("Beslut om snöröjning i kommunen.", encoding="utf-8")
    (src / "empty.txt").write_text("", encoding="utf-8")
    ix = tmp_path / "ix"
    code, _, err = run("index", str(src), "--index", str(ix))
    assert code == 3
    assert "empty.txt" in err and "1 added" in err
    code, out, _ = run("snöröjning", "--json", "--index", str(ix))
    assert code == 0 and json.loads(out)["hits"][0]["path"] == "ok.txt"


def test_default_index_is_built_from_seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("RSEARCH_INDEX", raising=False)
    code, out, err = run("--json", "klimatbokslut")
    assert code == 0 and "bundled seed" in err
    assert json.loads(out)["hits"][0]["path"] == "003_04b3993313128445.txt"
    code, _, err = run("--json", "klimatbokslut")
    assert code == 0 and "bundled seed" not in err


def test_analyze() -> None:
    code, out, _ = run("analyze", "--json", "Sjuksköterskor och ALF-avtal")
    rows = json.loads(out)
    assert rows[0]["term"] == "sjukskötersk" and rows[1]["stopword"]


RSEARCH = Path(sys.executable).with_name("rsearch")


@pytest.mark.skipif(not RSEARCH.exists(), reason="rsearch is not installed in this environment")
def test_installed_command(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "NO_COLOR": "1"}
    env.pop("RSEARCH_INDEX", None)

    def installed(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RSEARCH), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    p = installed("search", "--json", "hyrstopp sjuksköterskor")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["hits"][0]["path"] == "004_b8ebff7d4bb7d37c.txt"
    # The plain form takes the click-free fast path; its output is the same.
    plain = installed("hyrstopp", "sjuksköterskor")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.splitlines()[3].startswith("1. Mötesanteckningar")


def test_default_seed_index_of_an_older_version_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("RSEARCH_INDEX", raising=False)
    assert run("--json", "karies")[0] == 0
    manifest = tmp_path / "rsearch" / "index" / "rsearch.json"
    data = json.loads(manifest.read_text())
    data["analysis"] = "sv-0"
    manifest.write_text(json.dumps(data))
    code, out, err = run("--json", "karies")
    assert code == 0 and "bundled seed" in err


def test_rebuild_of_an_old_index_keeps_its_sources(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Beslut om gatubelysning.", encoding="utf-8")
    ix = tmp_path / "ix"
    assert run("index", str(src), "--index", str(ix))[0] == 0
    manifest = ix / "rsearch.json"
    data = json.loads(manifest.read_text())
    data["format"] = 0
    manifest.write_text(json.dumps(data))
    code, _, err = run("gatubelysning", "--index", str(ix))
    assert code == 2 and "--rebuild" in err
    assert run("index", "--rebuild", "--index", str(ix))[0] == 0
    assert run("gatubelysning", "--index", str(ix))[0] == 0


def test_fast_path_knows_every_command() -> None:
    assert set(main.commands) == entry.COMMANDS
    assert entry.is_plain_search(["hyrstopp", "sjuksköterskor"])
    assert not entry.is_plain_search(["stats"])
    assert not entry.is_plain_search(["hyrstopp", "--json"])
    assert not entry.is_plain_search(["  "])
    assert not entry.is_plain_search([])


def test_fast_path_prints_what_click_prints(
    seed_index_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RSEARCH_INDEX", str(seed_index_dir))
    monkeypatch.setenv("NO_COLOR", "1")
    for query in (["hyrstopp", "sjuksköterskor"], ["zzqxj"]):
        with pytest.raises(SystemExit) as exited:
            entry.main(query)
        fast = capsys.readouterr().out
        code, out, _ = run(*query)
        assert (exited.value.code, fast) == (code, out)
    assert code == 1 and out.startswith("Inga träffar") and out.endswith("'.\n")


def test_plain_search_loads_neither_click_nor_whooshs_query_language(
    seed_index_dir: Path,
) -> None:
    """A plain search's start-up is most of its time: these imports cost ~50 ms."""
    code = (
        "import sys\n"
        "from search import entry\n"
        "try:\n"
        "    entry.main(['hyrstopp', 'sjuksköterskor'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in ('click', 'whoosh.query', 'whoosh.searching')"
        " if m in sys.modules)\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    env = {**os.environ, "RSEARCH_INDEX": str(seed_index_dir), "NO_COLOR": "1"}
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert "1. Mötesanteckningar" in p.stdout, p.stderr
    assert "LOADED []" in p.stderr
