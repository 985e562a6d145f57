"""The segment writer of rsearch writes the same bytes as Whoosh's own, faster."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from whoosh import columns
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from index import builder, codec, postings, segwriter, store
from index.schema import WORDS
from index.store import WhooshStore

from .conftest import SEEDS


def _segment_files(folder: Path) -> dict[str, bytes]:
    """Each segment's files (postings, terms, columns), by segment number and extension."""
    gen = json.loads((folder / "rsearch.json").read_text())["generation"]
    storage = store._storage(folder / gen)
    out: dict[str, bytes] = {}
    for i, seg in enumerate(storage.open_index()._segments()):
        sid = seg.segment_id()
        files = seg.open_compound_file(storage) if seg.is_compound() else storage
        for name in files.list():
            if name.startswith(sid):
                out[f"{i}{name[len(sid) :]}"] = files.open_file(name).read()
    return out


def _same_times(*folders: Path) -> None:
    for f in folders:
        for p in f.iterdir():
            os.utime(p, (1_700_000_000, 1_700_000_000))  # stored with each document


def _updates(tmp_path: Path) -> Callable[[Path], None]:
    """A sequence of builds into a new index folder: a first commit, a change that
    deletes a document, and small updates that Whoosh merges as they come."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs, ignore=shutil.ignore_patterns("__*"))
    names = sorted(p.name for p in docs.glob("*.txt"))
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "ny.txt").write_text("Nytt ärende\n\nHyrstopp för sjuksköterskor.\n", "utf-8")

    def run(folder: Path) -> None:
        for name in names[3:]:
            (docs / name).unlink(missing_ok=True)
        _same_times(docs)
        ix = WhooshStore.create(folder)
        builder.update(ix, [docs])
        ix.publish()
        # Then one document changed, one added, and one folder more: Whoosh merges the
        # first segment (with a deleted document) into the second.
        for name in names[3:]:
            shutil.copy(SEEDS / name, docs / name)
        text = (docs / names[0]).read_text("utf-8")
        (docs / names[0]).write_text(text.replace("§", "§ ", 3), "utf-8")
        _same_times(docs, extra)
        builder.update(ix, [docs, extra])
        for i in range(6):  # small updates: Whoosh merges small segments as they come
            (extra / f"t{i}.txt").write_text(f"Ärende {i}\n\nBeslut om taxa {i}.\n", "utf-8")
            _same_times(extra)
            builder.update(ix, [extra])
        ix.close()
        (docs / names[0]).write_text(text, "utf-8")
        for p in extra.glob("t*.txt"):
            p.unlink()

    return run


@pytest.mark.parametrize("writer_mb", [None, 0.05])
def test_segments_are_byte_identical_to_whooshs_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer_mb: float | None
) -> None:
    if writer_mb:
        # A pool this small spills the ranked field's postings to runs several times.
        monkeypatch.setattr(store, "WRITER_MB", writer_mb)
    # whoosh3's own codec: the ranked field's postings in its files too, to compare.
    monkeypatch.setattr(store, "writer_codec", W3Codec)
    updates = _updates(tmp_path)

    def run(folder: Path) -> dict[str, bytes]:
        updates(folder)
        return _segment_files(folder)

    ours = run(tmp_path / "ours")
    spills: list[int] = []
    spill = segwriter._ArrayPool._spill

    def counting(pool: segwriter._ArrayPool) -> None:
        spills.append(1)
        spill(pool)

    monkeypatch.setattr(segwriter._ArrayPool, "_spill", counting)
    ours_again = run(tmp_path / "ours2")
    monkeypatch.setattr(segwriter, "FastSegmentWriter", SegmentWriter)
    whooshs = run(tmp_path / "whoosh")
    assert any(k.endswith(".pst") for k in whooshs)
    segments = {k.split(".")[0] for k in whooshs}
    assert 1 < len(segments) < 8  # merged: fewer segments than commits
    assert ours.keys() == whooshs.keys()
    for name in whooshs:
        assert ours[name] == whooshs[name], name
    assert ours_again == ours
    assert bool(spills) == bool(writer_mb)


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {
            t: sorted(db.execute(f"SELECT * FROM {t}").fetchall())
            for t in ("meta", "postings", "positions")
        }


def _whoosh_view(folder: Path) -> list[object]:
    """Everything Whoosh's readers tell of each segment's terms: per term its statistics
    and postings with their values; and each segment's field lengths and stored fields."""
    gen = json.loads((folder / "rsearch.json").read_text())["generation"]
    ix = store._storage(folder / gen).open_index()
    out: list[object] = []
    with ix.reader() as reader:
        for leaf, _base in reader.leaf_readers():
            terms = []
            for f, t in leaf.all_terms():
                info = leaf.term_info(f, t)
                stats = (info.doc_frequency(), info.min_length(), info.max_length())
                stats += (round(info.max_weight(), 6), info.min_id(), info.max_id())
                m, items = leaf.postings(f, t), []
                while m.is_active():
                    pos = m.value_as("positions") if m.supports("positions") else None
                    items.append((m.id(), m.weight(), m.value(), pos))
                    m.next()
                terms.append((f, t, leaf.doc_frequency(f, t), stats, items))
            assert all((f, t) in leaf for f, t, *_ in terms)
            lengths = [leaf.doc_field_length(d, WORDS) for d in range(leaf.doc_count_all())]
            out.append((sorted(terms), lengths, list(leaf.all_stored_fields())))
    return out


def test_segments_with_the_ranked_field_in_the_arrays_only_read_as_whooshs_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same builds, merges and deletions with the arrays codec (the default) and with
    # whoosh3's own: Whoosh's readers see the same terms, statistics and postings.
    updates = _updates(tmp_path)
    updates(tmp_path / "arrays")
    monkeypatch.setattr(store, "writer_codec", W3Codec)
    updates(tmp_path / "whoosh")
    arrays, whooshs = _whoosh_view(tmp_path / "arrays"), _whoosh_view(tmp_path / "whoosh")
    assert 1 < len(arrays) < 8  # several segments, some merged
    assert any(f == WORDS for seg in arrays for f, *_ in seg[0])  # type: ignore[index]
    assert arrays == whooshs
    # ... and the ranked field is in none of whoosh3's own files.
    files = _segment_files(tmp_path / "arrays")
    assert sum(map(len, files.values())) < sum(
        map(len, _segment_files(tmp_path / "whoosh").values())
    )
    gen = json.loads((tmp_path / "arrays" / "rsearch.json").read_text())["generation"]
    with store._storage(tmp_path / "arrays" / gen).open_index().reader() as reader:
        for leaf, _base in reader.leaf_readers():
            assert WORDS not in leaf._terms._base.indexed_field_names()
            # Their stored fields are not compressed (and read back the same, above).
            assert getattr(leaf.segment(), codec.PLAIN_STORED)
            stored = leaf._perdoc._cached_reader("_stored", None)
            assert not isinstance(stored._child, columns.CompressedBytesColumn.Reader)


def test_arrays_written_with_the_segment_are_those_the_export_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Spilled runs too: the arrays come from the pool's merged runs.
    monkeypatch.setattr(store, "WRITER_MB", 0.05)
    # The export reads whoosh3's postings: segments that have them.
    monkeypatch.setattr(store, "writer_codec", W3Codec)
    ix = WhooshStore.create(tmp_path / "ix")
    builder.update(ix, [SEEDS])
    ix.publish()
    gen = tmp_path / "ix" / json.loads((tmp_path / "ix" / "rsearch.json").read_text())["generation"]
    (written,) = gen.glob(f"*{postings.SUFFIX}")
    direct = _rows(written)
    assert len(direct["postings"]) > 1000
    written.unlink()
    assert postings.export_missing(gen, ix.whoosh_index) == 1
    assert _rows(written) == direct
    ix.close()


def test_a_build_collects_garbage_less_often_and_restores_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    prepare = builder.prepare

    def recording(*args: object, **kwargs: object) -> builder.Prepared:
        during.append(gc.get_threshold())
        return prepare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builder, "prepare", recording)
    ix = WhooshStore.create(tmp_path / "ix")
    builder.update(ix, [SEEDS])
    ix.close()
    assert during and set(during) == {segwriter.BUILD_GC_THRESHOLD}
    assert gc.get_threshold() == before != segwriter.BUILD_GC_THRESHOLD


def test_build_workers_index_without_collections_and_the_parent_keeps_its_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The workers are forked with this test's patch: each writes down, per section it
    # adds, whether its collector is on.
    log = tmp_path / "gc.log"
    add = segwriter.FastSegmentWriter.add_document

    def recording(self: segwriter.FastSegmentWriter, **fields: object) -> None:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {gc.isenabled()}\n")
        add(self, **fields)

    monkeypatch.setattr(segwriter.FastSegmentWriter, "add_document", recording)
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(300):
        (docs / f"d{i}.txt").write_text(f"Ärende {i}\n\nBudget för barn, del {i}.\n", "utf-8")
    st = WhooshStore.create(tmp_path / "ix")
    report = builder.update(st, [docs], procs=2)
    st.close()
    assert report.added == 300 and not report.failed
    lines = log.read_text(encoding="utf-8").split()
    pids, enabled = set(lines[0::2]), set(lines[1::2])
    assert str(os.getpid()) not in pids and len(pids) == 2  # both workers, not the parent
    assert enabled == {"False"}
    assert gc.isenabled()


def test_an_index_in_memory_spills_its_pool_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from search import Index

    reference = Index.in_memory([SEEDS])
    monkeypatch.setattr(store, "WRITER_MB", 0.05)  # runs in Whoosh's memory storage
    spilled = Index.in_memory([SEEDS])
    for query in ("hyrstopp sjuksköterskor", "budget", "protokoll paragraf"):
        a, b = reference.search(query, limit=20), spilled.search(query, limit=20)
        assert a.total == b.total > 0
        assert [(h.section_id, h.score) for h in a.hits] == [
            (h.section_id, h.score) for h in b.hits
        ]


def test_documents_the_fast_path_does_not_cover_are_written_as_whoosh_writes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Boosts and ``_stored_`` values go to Whoosh's own add_document; plain documents,
    # and records without a ranked field, take the fast path. All kinds in one segment:
    # the same postings and stored fields as Whoosh's writer gives them.
    from whoosh.filedb.filestore import RamStorage

    from index.schema import build_schema

    docs: list[dict[str, object]] = [
        {"kind": "section", "section_id": "a#1", "doc_id": "a", "words": "Hyrstopp för sköterskor"},
        {"kind": "section", "section_id": "a#2", "doc_id": "a", "words": "Hyrstopp",
         "_words_boost": 2.0},
        {"kind": "section", "section_id": "b#1", "doc_id": "b", "words": "Budget 2024",
         "_stored_doc_id": "B"},
        {"kind": "doc", "section_id": "b", "doc_id": "b", "position": 3},
    ]  # fmt: skip

    def index_with(writer_class: type) -> list[object]:
        ix = RamStorage().create_index(build_schema())
        w = writer_class(ix)
        for d in docs:
            w.add_document(**d)
        w.commit()
        with ix.searcher() as s:
            r = s.reader()
            postings = []
            for f, t in sorted(r.all_terms()):
                m, items = r.postings(f, t), []
                while m.is_active():
                    items.append((m.id(), m.weight(), m.value()))
                    m.next()
                postings.append((f, t, items))
            lengths = [r.doc_field_length(n, "words") for n in range(r.doc_count_all())]
            return [postings, lengths, list(r.all_stored_fields())]

    slow: list[object] = []
    whooshs_add = SegmentWriter.add_document

    def counted(self: SegmentWriter, **fields: object) -> None:
        slow.append(fields["section_id"])
        whooshs_add(self, **fields)

    monkeypatch.setattr(SegmentWriter, "add_document", counted)
    ours = index_with(segwriter.FastSegmentWriter)
    assert slow == ["a#2", "b#1"]  # the record "b" took the fast path
    monkeypatch.setattr(SegmentWriter, "add_document", whooshs_add)
    whooshs = index_with(SegmentWriter)
    assert ours == whooshs
    postings, _, stored = ours
    words = {t: items for f, t, items in postings if f == "words"}  # type: ignore[misc]
    assert [(d, w) for d, w, _ in words[b"hyrstopp"]] == [(0, 1.0), (1, 2.0)]  # boosted
    assert stored[2]["doc_id"] == "B"  # type: ignore[index]
