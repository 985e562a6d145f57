"""The packed posting arrays beside each segment rank exactly as Whoosh's matchers do."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3Codec

from index import postings, store
from index.errors import BuildError, IndexDamagedError
from index.ranking import ArrayRanker
from search import Index

from .conftest import SEEDS

QUERIES = [
    "sjuksköterska",
    "hyrstopp sjuksköterskor",
    "budget barn",
    "regionstyrelsen beslut ekonomi",
    "psykiatri väntetider för barn och unga",
    "kollektivtrafik resor",
    "Hur ser regionens ekonomiska resultat ut för året?",
    "vårdcentral tillgänglighet primärvård",
    "personal bemanning inhyrd",
    "stopp för inhyrda",
    "Vad kostar (budget ekonomi) för regionen?",
]


def _ranked(ix: Index, query: str, use_arrays: bool, **kw: str) -> tuple[int, list[tuple], dict]:
    # Whoosh's path ranks every match of a search with facets, not just the candidates:
    # with a pool smaller than the seeds' matches, the paths are compared without them.
    ix._store.use_arrays = use_arrays
    try:
        r = ix.search(query, limit=10, facets=store._CANDIDATES >= 100, **kw)
    finally:
        ix._store.use_arrays = True
    return r.total, [(h.section_id, round(h.score, 9), h.snippet) for h in r.hits], r.facets


def _whoosh_count(ix: Index, query: str) -> int:
    """Sections matching the compiled query, counted by walking Whoosh's matcher."""
    from index.store import clause_words
    from index.wquery import compile_query
    from search.query import parse

    parsed = parse(query)
    terms = ix._store.terms.lookup(clause_words(parsed))
    with ix._store._reading() as v:
        return sum(1 for _ in compile_query(parsed, terms).matcher(v.searcher()).all_ids())


@pytest.fixture()
def seed_copy(seed_index_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "ix"
    shutil.copytree(seed_index_dir, folder)
    return folder


@pytest.fixture(scope="module")
def whoosh_seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds written with whoosh3's own codec, as rsearch wrote every segment before
    ``index.codec``: the ranked field's postings in Whoosh's files and the arrays file."""
    folder = tmp_path_factory.mktemp("whoosh-seed-index")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store, "writer_codec", W3Codec)
        Index.create(folder, [SEEDS])[0].close()
    return folder


@pytest.fixture()
def whoosh_seed_copy(whoosh_seed_index: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "ix"
    shutil.copytree(whoosh_seed_index, folder)
    return folder


def test_every_segment_gets_its_arrays(seed_index_dir: Path) -> None:
    ix = Index.open(seed_index_dir)
    ix.search("budget")
    arrays = ix._store._arrays
    assert arrays, "the seed index should be searched from its arrays"
    with ix._store._reading() as v:
        assert len(arrays) == len(v.reader.leaf_readers())
    ix.close()


@pytest.mark.parametrize(
    ("common_min_docs", "candidates"),
    [
        (store._COMMON_MIN_DOCS, store._CANDIDATES),
        (0, store._CANDIDATES),
        (store._COMMON_MIN_DOCS, 5),
    ],
)
def test_same_ranking_as_whoosh(
    seed_index_dir: Path, monkeypatch: pytest.MonkeyPatch, common_min_docs: int, candidates: int
) -> None:
    # With no minimum, words in more than 5 % of the seed sections count as common: the
    # plan where common words only add to rarer words' matches is compared too. With a
    # pool of 5 candidates, the seed sections are enough for max-score pruning to skip
    # the longest lists, which must change neither the hits nor the total.
    monkeypatch.setattr(store, "_COMMON_MIN_DOCS", common_min_docs)
    monkeypatch.setattr(store, "_CANDIDATES", candidates)
    ix = Index.open(seed_index_dir)
    for q in QUERIES:
        fast_total, fast, fast_facets = _ranked(ix, q, True)
        _, slow, slow_facets = _ranked(ix, q, False)
        assert fast, q
        assert fast == slow, q
        assert fast_facets == slow_facets, q
        assert candidates < 100 or fast_facets["org"], q
        if common_min_docs:  # every word finds candidates: the total is the union's size
            assert fast_total == _whoosh_count(ix, q), q
    ix.close()


@pytest.mark.parametrize("candidates", [store._CANDIDATES, 3])
def test_filters_and_deleted_sections(
    seed_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, candidates: int
) -> None:
    monkeypatch.setattr(store, "_CANDIDATES", candidates)
    ix = Index.open(seed_copy)
    org = ix.search("budget", limit=1).hits[0].org
    assert org
    assert _ranked(ix, "budget ekonomi", True, org=org) == _ranked(
        ix, "budget ekonomi", False, org=org
    )
    # Replace one document: its old sections stay in the arrays as deleted postings.
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "nytt.txt").write_text(
        "Budget 2025\n\nRegionens budget för barn och unga ökar. Ekonomi i balans.\n",
        encoding="utf-8",
    )
    ix.update([extra])
    first = _ranked(ix, "budget ekonomi", True)
    (extra / "nytt.txt").write_text(
        "Budget 2026\n\nBudget och ekonomi för kollektivtrafik.\n", encoding="utf-8"
    )
    ix.update([extra])
    ix.search("budget")
    assert any(seg.deleted for seg in ix._store._arrays or [])
    fast_total, fast, facets = _ranked(ix, "budget ekonomi", True)
    assert (fast_total, fast, facets) == _ranked(ix, "budget ekonomi", False)
    assert fast_total == first[0]  # one document replaced by one with the same words
    texts = [ix.section(sid).text for sid, _, _ in fast if "nytt" in sid]
    assert texts and all("2025" not in t for t in texts)
    ix.close()


def test_missing_arrays_fall_back_to_whoosh(whoosh_seed_copy: Path) -> None:
    # A segment whose Whoosh files hold the ranked field too (an index of an older rsearch).
    ix = Index.open(whoosh_seed_copy)
    before = _ranked(ix, "hyrstopp sjuksköterskor", True)
    ix.close()
    for f in whoosh_seed_copy.glob(f"g*/*{postings.SUFFIX}"):
        f.unlink()
    ix = Index.open(whoosh_seed_copy)
    assert _ranked(ix, "hyrstopp sjuksköterskor", True) == before
    assert ix._store._arrays is None
    ix.close()


def test_whoosh_written_segments_rank_as_arrays_only_ones(
    seed_index_dir: Path, whoosh_seed_index: Path
) -> None:
    new, old = Index.open(seed_index_dir), Index.open(whoosh_seed_index)
    for q in [*QUERIES, '"hälso- och sjukvård"', "hyrstopp -sjuksköterskor"]:
        for use_arrays in (True, False):
            assert _ranked(new, q, use_arrays) == _ranked(old, q, use_arrays), q
    new.close()
    old.close()


@pytest.mark.parametrize("damage", ["missing", "pages"])
def test_a_lost_arrays_file_is_a_clear_error_and_a_rebuild_mends_it(
    seed_copy: Path, damage: str
) -> None:
    # The arrays file holds the ranked field's only postings: without it, searches stop
    # with a message naming the file and the remedy, and a rebuild writes the index anew.
    for f in seed_copy.glob(f"g*/*{postings.SUFFIX}"):
        if damage == "missing":
            f.unlink()
        else:
            data = bytearray(f.read_bytes())
            data[4096:] = b"\xff" * (len(data) - 4096)  # keep SQLite's header, ruin the pages
            f.write_bytes(bytes(data))
    ix = Index.open(seed_copy)
    with pytest.raises(IndexDamagedError) as err:
        ix.search("hyrstopp sjuksköterskor")
    message = str(err.value)
    assert postings.SUFFIX in message and "rsearch index --rebuild" in message
    assert "\n" not in message
    ix.close()
    ix = Index.open(seed_copy)
    ix.rebuild([SEEDS])
    assert ix.search("hyrstopp sjuksköterskor").hits
    ix.close()


def test_a_failed_arrays_write_fails_the_update_and_keeps_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Budget\n\nRegionens budget för barn.\n", encoding="utf-8")
    ix = Index.create(tmp_path / "ix", [docs])[0]
    (docs / "b.txt").write_text("Budget\n\nBudget för skolan.\n", encoding="utf-8")

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(postings.ArraysFile, "add", full)
    with pytest.raises(BuildError, match="No space left on device"):
        ix.update([docs])
    monkeypatch.undo()
    assert ix.search("budget").total == 1  # as it was
    ix.close()
    ix = Index.open(tmp_path / "ix")
    assert ix.search("budget").total == 1
    ix.update([docs])
    assert ix.search("budget").total == 2
    ix.close()


def test_words_found_nowhere_use_their_near_misses(seed_index_dir: Path) -> None:
    # Below the API (which would correct the spelling first): words typed without å/ä/ö
    # match nothing as written and are searched by the indexed words sharing their loose
    # key, on both paths.
    from index.queries import Request
    from search.query import parse

    ix = Index.open(seed_index_dir)
    st = ix._store
    runs = []
    for use_arrays in (True, False):
        st.use_arrays = use_arrays
        r = st.search(Request(parse("vardcentral sjukskoterskor"), limit=10))
        runs.append((r.total, [(h.fields["section_id"], round(h.score, 9)) for h in r.hits]))
        text = r.hits[0].fields["text"].lower() if r.hits else ""
        assert "vårdcentral" in text or "sjukskötersk" in text
    st.use_arrays = True
    assert runs[0] == runs[1]
    ix.close()


def test_a_word_found_as_written_also_finds_its_derivational_kin(tmp_path: Path) -> None:
    # "vaccinering" is in one note; another says "vaccination" only. Both are found, the
    # word as written first, on both paths alike. Accents make no kin: "svar", found as
    # written, does not find "svår" (as a word found nowhere would, typed without å/ä/ö).
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "written.txt").write_text("Vaccinering av barn sker på skolan.\n", encoding="utf-8")
    (docs / "kin.txt").write_text("Barn erbjuds vaccination i skolan.\n", encoding="utf-8")
    (docs / "other.txt").write_text("Barn och unga läser i skolan.\n", encoding="utf-8")
    (docs / "accent.txt").write_text("En svår fråga om kollektivtrafik.\n", encoding="utf-8")
    (docs / "answer.txt").write_text("Ett svar om kollektivtrafik.\n", encoding="utf-8")
    ix = Index.create(tmp_path / "ix", [docs])[0]
    runs = [_ranked(ix, "vaccinering barn", use_arrays) for use_arrays in (True, False)]
    assert runs[0] == runs[1]
    paths = [h.path for h in ix.search("vaccinering barn", limit=10).hits]
    assert paths[:2] == ["written.txt", "kin.txt"]
    assert ix.search("vaccinering").total == 2
    assert [h.path for h in ix.search("svar").hits] == ["answer.txt"]
    ix.close()


def test_a_damaged_arrays_file_falls_back_to_whoosh(
    whoosh_seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_copy = whoosh_seed_copy
    ix = Index.open(seed_copy)
    before = _ranked(ix, "budget barn", True)
    ix.close()
    # Damage found while reading a list: the search is answered by Whoosh instead.
    ix = Index.open(seed_copy)
    ix.search("budget")

    def broken(*args: object) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(postings.Segment, "get", broken)
    assert _ranked(ix, "budget barn", True) == before
    assert ix._store._arrays is None
    ix.close()
    # A phrase (Whoosh's path, its document focus counted from the arrays): the same.
    phrase = '"budget för" barn'
    ix = Index.open(seed_copy)
    monkeypatch.undo()
    expected = _ranked(ix, phrase, True)
    assert ix._store._arrays is not None
    monkeypatch.setattr(postings.Segment, "get", broken)
    assert _ranked(ix, phrase, True) == expected
    assert ix._store._arrays is None
    ix.close()
    monkeypatch.undo()
    # Damage found on opening: the same.
    for f in seed_copy.glob(f"g*/*{postings.SUFFIX}"):
        data = bytearray(f.read_bytes())
        data[4096:] = b"\xff" * (len(data) - 4096)  # keep SQLite's header, ruin the pages
        f.write_bytes(bytes(data))
    ix = Index.open(seed_copy)
    assert _ranked(ix, "budget barn", True) == before
    ix.close()


def test_a_failed_export_keeps_the_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Budget\n\nRegionens budget för barn.\n", encoding="utf-8")

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    add = postings.ArraysFile.add
    # The arrays are written with the segment, and by the export after the commit
    # (segments that keep the ranked field in Whoosh's files too).
    monkeypatch.setattr(store, "writer_codec", W3Codec)
    monkeypatch.setattr(postings.ArraysFile, "add", full)
    ix = Index.create(tmp_path / "ix", [docs])[0]
    assert ix.search("budget").total == 1  # committed, searched through Whoosh
    assert ix._store._arrays is None
    monkeypatch.setattr(postings.ArraysFile, "add", add)
    (docs / "b.txt").write_text("Budget\n\nBudget för skolan.\n", encoding="utf-8")
    ix.update([docs])  # the next update writes the missing arrays too
    assert ix.search("budget").total == 2
    assert ix._store._arrays
    ix.close()


def test_positions_from_the_arrays_file(tmp_path: Path) -> None:
    # 400 sections with "budget" in each: its list spans several Whoosh blocks (128 postings
    # each), so the arrays file holds its positions in several rows.
    docs = tmp_path / "docs"
    docs.mkdir()
    lines = [
        f"# Punkt {i}\n\n{' '.join(['ord'] * (i % 7))} budget för barn {i}.\n" for i in range(400)
    ]
    (docs / "a.md").write_text("\n".join(lines), encoding="utf-8")
    ix = Index.create(tmp_path / "ix", [docs])[0]
    ix.search("budget")
    (seg,) = ix._store._arrays or []
    stem = ix._store.terms.lookup(["budget"])["budget"].stem
    ids, _tfs = seg.get(stem) or (None, None)
    assert ids is not None and len(ids) == 400
    wanted = [(ids[j], j) for j in (0, 5, 127, 128, 131, 300, 399)]
    stored = seg.positions(stem, wanted)
    assert stored == postings.positions_at(seg._leaf, stem, wanted)  # read from Whoosh
    assert stored is not None and len(stored) == len(wanted)
    # Section i holds "ord" i % 7 times before "budget", after its heading "Punkt i".
    offsets = set()
    for d, positions in stored.items():
        i = int(seg._leaf.stored_fields(d)["section_title"].split()[1])
        offsets.add(positions[0] - i % 7)
    assert len(offsets) == 1
    ix.close()


def test_sections_with_every_word_are_not_crowded_out_of_the_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Short sections that repeat one word outscore, before the coordination reward, the
    # long one that holds both words once. With a pool of one candidate, the pool taken by
    # that score alone held a one-word section; the sections with every word are ranked
    # first, and the one with both wins, as when Whoosh ranks every match (facets).
    docs = tmp_path / "docs"
    docs.mkdir()
    filler = " ".join(f"ord{i}" for i in range(10))
    for i in range(5):
        (docs / f"budget{i}.txt").write_text("Budget budget budget budget.\n", encoding="utf-8")
        (docs / f"trafik{i}.txt").write_text(
            "Kollektivtrafik kollektivtrafik kollektivtrafik.\n", encoding="utf-8"
        )
    (docs / "both.txt").write_text(f"Budget {filler} kollektivtrafik {filler}.\n", encoding="utf-8")
    ix = Index.create(tmp_path / "ix", [docs])[0]
    monkeypatch.setattr(store, "_CANDIDATES", 1)
    query = "budget kollektivtrafik"
    found = ix.search(query, limit=1)
    assert [h.path for h in found.hits] == ["both.txt"]
    assert found.total == 11
    ix._store.use_arrays = False
    exact = ix.search(query, limit=1, facets=True)  # counting facets ranks every match
    ix._store.use_arrays = True
    assert [(h.section_id, round(h.score, 9)) for h in found.hits] == [
        (h.section_id, round(h.score, 9)) for h in exact.hits
    ]
    # Without the sections with every word first, the one-word sections crowd it out.
    monkeypatch.setattr(ArrayRanker, "rank_covering", lambda *a: None)
    assert [h.path for h in ix.search(query, limit=1).hits] != ["both.txt"]
    ix.close()


def test_arrays_without_positions_rank_the_same(whoosh_seed_copy: Path) -> None:
    # A file written before positions were kept in it: they are read from Whoosh instead.
    seed_copy = whoosh_seed_copy
    queries = ["hyrstopp sjuksköterskor", "psykiatri barn", "budget regionen"]
    ix = Index.open(seed_copy)
    before = [_ranked(ix, q, True) for q in queries]
    ix.close()
    for f in seed_copy.glob("g*/*.rsp"):
        with sqlite3.connect(f) as db:
            db.execute("DROP TABLE positions")
    ix = Index.open(seed_copy)
    assert [_ranked(ix, q, True) for q in queries] == before
    assert ix._store._arrays and not any(seg._has_positions for seg in ix._store._arrays)
    ix.close()


def test_lists_kept_between_searches_within_a_budget(seed_index_dir: Path) -> None:
    ix = Index.open(seed_index_dir)
    ix.search("budget")
    segments = ix._store._arrays or []
    assert sum(seg.cache_bytes for seg in segments) == postings.CACHE_BYTES
    seg = segments[0]
    terms = [t for (t,) in seg._db.execute("SELECT term FROM postings ORDER BY term LIMIT 60")]
    seg._cache.clear()  # the search above kept its lists
    seg._cached_bytes = 0
    seg.cache_bytes = 0  # nothing kept: every list read from the file
    fresh = {t: seg.get(t) for t in terms}
    assert not seg._cache
    seg.cache_bytes = sum(postings._nbytes(fresh[t]) for t in terms[-20:])
    for t in terms:
        assert seg.get(t) == fresh[t]
    assert 0 < seg._cached_bytes <= seg.cache_bytes
    assert terms[-1] in seg._cache and terms[0] not in seg._cache  # the oldest went first
    assert seg.get(terms[-1]) is seg.get(terms[-1])  # served from memory
    ix.close()


def test_an_index_of_the_previous_format_is_read_and_marked_on_its_first_update(
    whoosh_seed_copy: Path, tmp_path: Path
) -> None:
    # Format 8: every segment keeps the ranked field in Whoosh's files. It opens as it is;
    # an update adds a segment with the field in its arrays file only, and marks it 9 so
    # that an older rsearch asks for a rebuild instead of failing on that segment.
    import json

    from index import schema

    manifest = whoosh_seed_copy / "rsearch.json"
    data = json.loads(manifest.read_text())
    data["format"] = 8
    manifest.write_text(json.dumps(data))
    ix = Index.open(whoosh_seed_copy)
    before = _ranked(ix, "hyrstopp sjuksköterskor", True)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "nytt.txt").write_text("Nytt\n\nHyrstopp för sjuksköterskor i Lund.\n", "utf-8")
    ix.update([docs])
    assert json.loads(manifest.read_text())["format"] == schema.FORMAT_VERSION == 10
    marks = []
    with ix._store._reading() as v:
        for leaf, _base in v.reader.leaf_readers():
            marks.append(getattr(leaf.segment(), "rsearch_ranked_in_arrays", False))
    assert sorted(marks) == [False, True]
    for use_arrays in (True, False):
        total, hits, _ = _ranked(ix, "hyrstopp sjuksköterskor", use_arrays)
        assert total == before[0] + 1
        assert any("nytt" in sid for sid, _, _ in hits)
    assert _ranked(ix, '"hyrstopp för sjuksköterskor"', False)[0] >= 2
    ix.close()


def test_a_two_process_update_over_arrays_only_segments(tmp_path: Path) -> None:
    # Build workers write arrays-only segments of their own; Whoosh's parent writer merges
    # the small ones already there through its own pool (the ranked field read from their
    # arrays files): everything stays searchable, on both paths, phrases too.
    from index import builder
    from index.store import WhooshStore

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"a{i}.txt").write_text(f"Ärende {i}\n\nBudget för barn, del {i}.\n", "utf-8")
    st = WhooshStore.create(tmp_path / "ix")
    builder.update(st, [docs])
    st.publish()
    for i in range(3):  # small segments, which the next commit merges
        (docs / f"b{i}.txt").write_text(f"Tillägg {i}\n\nBudget för barn, tillägg.\n", "utf-8")
        builder.update(st, [docs])
    more = tmp_path / "more"
    more.mkdir()
    for i in range(40):
        (more / f"c{i}.txt").write_text(f"Punkt {i}\n\nBudget för barn och unga {i}.\n", "utf-8")
    report = builder.update(st, [docs, more], procs=2)
    assert not report.failed
    assert all(_marks(st))  # the workers' segments, and those written before them
    # Whoosh's parent writer merging every segment through its own pool and flush: the
    # ranked field goes to Whoosh's files, and the arrays file is exported after.
    w = store._checked_mp_writer(st.whoosh_index, procs=2, multisegment=True,
                                 codec=store.writer_codec())  # fmt: skip
    w.commit(optimize=True)
    postings.export_missing(tmp_path / "ix" / st.manifest.generation, st.whoosh_index)
    assert _marks(st) == [False]
    st.close()
    ix = Index.open(tmp_path / "ix")
    for use_arrays in (True, False):
        assert _ranked(ix, "budget barn", use_arrays)[0] == 46
    assert _ranked(ix, '"budget för barn och unga"', False)[0] == 40
    ix.close()


def _marks(st: store.WhooshStore) -> list[bool]:
    """Per segment: whether its ranked field is in its arrays file only."""
    with st.whoosh_index.reader() as reader:
        return [
            bool(getattr(leaf.segment(), "rsearch_ranked_in_arrays", False))
            for leaf, _ in reader.leaf_readers()
        ]
