"""The shared corpus formats: JSON Lines records keep their own metadata; statutes split."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest

from search import Index
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"
FILES = ["regeringen_g0vse.jsonl.gz", "riksdagen_interpellations.jsonl.gz", "sfs_statutes.jsonl.gz"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    """The first 40 records of each corpus file, as a .jsonl.gz of its own."""
    if not all((CORPUS / f).exists() for f in FILES):
        pytest.skip("needs ../shared/corpus beside the project")
    folder = tmp_path_factory.mktemp("corpus")
    records: list[dict[str, str]] = []
    for name in FILES:
        with gzip.open(CORPUS / name, "rt", encoding="utf-8") as src:
            lines = list(itertools.islice(src, 40))
        with gzip.open(folder / name, "wt", encoding="utf-8") as dst:
            dst.writelines(lines)
        records += [json.loads(line) for line in lines]
    return folder, records


def test_records_keep_their_metadata(sample: tuple[Path, list[dict[str, str]]]) -> None:
    folder, records = sample
    ix = Index.in_memory([folder])
    docs = {d.doc_id: d for d in ix.documents()}
    assert len(docs) == len(records)
    for rec in records:
        d = docs[rec["id"]]
        assert d.path is None
        assert (d.title, d.org, d.doctype, d.date) == (
            rec["title"],
            rec["org"],
            rec["doctype"],
            rec["date"],
        )


def test_statutes_split_by_chapter_and_paragraph(sample: tuple[Path, list[dict[str, str]]]) -> None:
    folder, records = sample
    ix = Index.in_memory([folder / "sfs_statutes.jsonl.gz"])
    statute = max(
        (r for r in records if r["doctype"] == "sfs"), key=lambda r: r["text"].count(" §")
    )
    anchors = [h.section_id.split("#", 1)[1] for h in ix.sections(statute["id"])]
    assert any(a.startswith("p") or "-p" in a for a in anchors)
    assert len(anchors) > 3
