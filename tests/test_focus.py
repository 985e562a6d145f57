"""Document focus: a section is scaled down when its document says less of the query."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from whoosh.fields import NUMERIC, STORED, FieldType, Schema

from index import focus, postings, schema, store
from search import Index
from tests.conftest import built

ROADS = (
    "Vägen mellan {0} och hamnen får ny beläggning under våren. Trafikverket ansvarar "
    "för arbetet, som pågår i sex veckor med nattarbete och omledning av tung trafik "
    "via industriområdet. Cykelbanan längs {0} stängs under samma period."
)


def _corpus(folder: Path) -> Path:
    """A long report with one section on solar panels, and a short note about them.

    The report's section says more of the query (its words twice), so without the focus
    factor it outranks the note; it is the only section of its document that does.
    """
    folder.mkdir()
    parts = ["# Rapport om vägar och byggnader\n"]
    for i, place in enumerate(["Ystad", "Lund", "Malmö", "Eslöv", "Höör", "Sjöbo"]):
        parts.append(f"## Väg {i + 1}\n\n{ROADS.format(place)}\n")
        if i == 2:
            parts.append(
                "## Solpaneler på förskolan\n\nKommunen sätter upp solpaneler på "
                "förskolan i år. Solpanelerna ger förskolan el, och förskolan får fler "
                "solpaneler nästa år.\n"
            )
    (folder / "a_rapport.md").write_text("\n".join(parts), encoding="utf-8")
    (folder / "b_notis.md").write_text(
        "# Nytt i kommunen\n\nKommunen sätter upp solpaneler på förskolan i år.\n",
        encoding="utf-8",
    )
    return folder


def _no_focus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        focus, "factors", lambda candidates, *a, **k: dict.fromkeys(candidates, 1.0)
    )


def test_span_is_the_run_of_places_around_a_section() -> None:
    # A record (0), a document of three sections, a record, a document of one section.
    places = [0, 0, 1, 2, 0, 0]
    assert focus.span(places, 1) == (1, 3)
    assert focus.span(places, 3) == (1, 3)
    assert focus.span(places, 5) == (5, 5)
    assert focus.span(places, 9) == (9, 9)  # past the column: the section alone


def test_factor_is_one_alone_and_higher_when_the_document_is_about_the_query() -> None:
    counts = {("x", 1): 2.0, ("x", 2): 0.0, ("x", 3): 0.0, ("x", 5): 1.0}

    def tf(term: str, a: int, b: int) -> float:
        return sum(counts.get((term, d), 0.0) for d in range(a, b + 1))

    clauses = [focus.Clause(("x",), 2.0)]
    spans = {1: (1, 3), 5: (5, 5)}.__getitem__
    f = focus.factors([1, 5], spans, clauses, tf, lambda a, b: 10.0 * (b - a + 1), 1.2, 20.0)
    assert f[5] == 1.0
    assert 0.0 < f[1] < 1.0
    counts["x", 3] = 3.0  # a neighbouring section holds the word too
    g = focus.factors([1], spans, clauses, tf, lambda a, b: 10.0 * (b - a + 1), 1.2, 20.0)
    assert f[1] < g[1] <= 1.0


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_passing_mention_in_a_long_report_ranks_below_a_note_about_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_disk: bool
) -> None:
    ix = built(_corpus(tmp_path / "docs"), tmp_path / "ix", on_disk)
    query = "solpaneler förskolan"
    hits = ix.search(query, limit=2).hits
    assert [Path(h.path or "").name for h in hits] == ["b_notis.md", "a_rapport.md"]
    note, report = hits[0].score, hits[1].score

    _no_focus(monkeypatch)
    plain = {Path(h.path or "").name: h.score for h in ix.search(query, limit=2).hits}
    assert plain["a_rapport.md"] > plain["b_notis.md"]  # without the factor, the report first
    assert plain["b_notis.md"] == pytest.approx(note)  # a one-section document keeps its score
    assert plain["a_rapport.md"] > report


def test_a_paragraph_of_a_long_law_keeps_its_place_among_neighbours_on_its_matter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statute is paragraphs on many matters: only a section's surroundings count."""
    docs = tmp_path / "docs"
    docs.mkdir()
    parts = ["# Lag om kommunala vägar och tjänster\n"]
    for i in range(1, 41):
        if 14 <= i <= 16:
            text = {
                14: "Tystnadsplikt gäller för den som arbetar i vården i kommunens tjänst.",
                15: "Tystnadsplikt gäller i vården för uppgifter om en patients hälsa. "
                "Den som bryter mot tystnadsplikt i vården kan dömas till ansvar.",
                16: "Tystnadsplikt i vården hindrar inte att uppgifter lämnas till en "
                "annan myndighet.",
            }[i]
        else:
            text = ROADS.format(f"orten {i}")
        parts.append(f"## {i} §\n\n{text}\n")
    (docs / "lag.md").write_text("\n".join(parts), encoding="utf-8")
    (docs / "notis.md").write_text(
        "# Nytt om utbildning\n\nKommunen ordnar en kurs om tystnadsplikt i vården.\n",
        encoding="utf-8",
    )
    ix = Index.create(tmp_path / "ix", [docs])[0]
    query = "tystnadsplikt vården"
    assert "en patients hälsa" in ix.search(query, limit=1).hits[0].text  # the 15 §
    # Measured against the whole law instead, the paragraph falls below the note.
    monkeypatch.setattr(focus, "WINDOW", 10**6)
    assert ix.search(query, limit=1).hits[0].path.endswith("notis.md")


def test_both_query_paths_give_the_same_focused_scores(tmp_path: Path) -> None:
    docs = _corpus(tmp_path / "docs")
    # A section of stop words only, in a document whose title is stop words too: its
    # length in the ranked field is 0 (which whoosh3 reports as None).
    (docs / "c_och.md").write_text(
        "# Och det\n\n## Solpaneler\n\nKommunen och förskolan.\n\n## Som den\n\nOch det är.\n",
        encoding="utf-8",
    )
    ix = Index.create(tmp_path / "ix", [docs])[0]
    results = []
    for use_arrays in (True, False):
        ix._store.use_arrays = use_arrays
        r = ix.search("solpaneler förskolan kommunen", limit=5)
        results.append([(h.section_id, round(h.score, 9)) for h in r.hits])
    ix._store.use_arrays = True
    assert results[0] == results[1]


def _spans_match_documents(ix: Index) -> int:
    """Check every live section's span against the stored document ids; count them."""
    checked = 0
    with ix._store._reading() as v:
        for leaf, _base in v.reader.leaf_readers():
            places = v.places(leaf)
            assert places is not None
            live = [d for d in range(leaf.doc_count_all()) if not leaf.is_deleted(d)]
            fields = dict(zip(live, leaf.all_stored_fields(), strict=True))
            for d, f in fields.items():
                if f["kind"] != schema.KIND_SECTION:
                    continue
                a, b = focus.span(places, d)
                same = [x for x, g in fields.items() if g.get("doc_id") == f["doc_id"]]
                sections = [x for x in same if fields[x]["kind"] == schema.KIND_SECTION]
                assert (a, b) == (min(sections), max(sections)), f["section_id"]
                checked += 1
    return checked


def test_spans_follow_documents_through_updates_and_merges(tmp_path: Path) -> None:
    docs = _corpus(tmp_path / "docs")
    for i in range(4):
        (docs / f"c_{i}.md").write_text(
            f"# Notis {i}\n\n## Del ett\n\nText {i}.\n\n## Del två\n\nMer.\n"
        )
    ix = Index.create(tmp_path / "ix", [docs])[0]
    assert _spans_match_documents(ix) > 10
    for round_ in range(4):
        # Changed, touched and new documents; Whoosh merges the small segments it makes.
        (docs / "c_1.md").write_text(f"# Notis\n\n## A\n\nRunda {round_}.\n\n## B\n\nSlut.\n")
        (docs / f"d_{round_}.md").write_text(f"# Ny\n\n## Ett\n\nNy {round_}.\n\n## Två\n\nX.\n")
        (docs / "c_2.md").touch()
        ix.update([docs])
        assert _spans_match_documents(ix) > 10
    # Every segment merged into one, as test_arrays merges them.
    st = ix._store
    w = store._checked_mp_writer(st.whoosh_index, procs=2, multisegment=True,
                                 codec=store.writer_codec())  # fmt: skip
    w.commit(optimize=True)
    postings.export_missing(tmp_path / "ix" / st.manifest.generation, st.whoosh_index)
    ix.close()
    merged = Index.open(tmp_path / "ix")
    with merged._store._reading() as v:
        assert len(v.reader.leaf_readers()) == 1
    assert _spans_match_documents(merged) > 10


@pytest.mark.parametrize(
    "old_field",
    [STORED, lambda: NUMERIC(stored=True, sortable=True)],
    ids=["stored (format 9)", "sortable numeric (format 8, early 9)"],
)
def test_an_index_of_format_9_ranks_without_the_factor_and_updates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old_field: Callable[[], FieldType]
) -> None:
    """An index written before ``Place``: its ``position`` was another kind of field."""
    docs = _corpus(tmp_path / "docs")
    build = schema.build_schema

    def format_9() -> Schema:
        s = build()
        s.remove("position")
        s.add("position", old_field())
        return s

    with monkeypatch.context() as mp:
        mp.setattr(schema, "build_schema", format_9)
        Index.create(tmp_path / "old", [docs])[0].close()
    manifest = tmp_path / "old" / store.MANIFEST
    data = json.loads(manifest.read_text())
    data["format"] = 9
    manifest.write_text(json.dumps(data))

    old = Index.open(tmp_path / "old")
    with old._store._reading() as v:
        assert all(postings.read_places(leaf) is None for leaf, _ in v.reader.leaf_readers())
    first = [h.section_id for h in old.search("solpaneler förskolan", limit=2).hits]
    assert first[0].startswith("a_rapport.md")  # the report, as without the factor
    (docs / "c_ny.md").write_text("# Ny\n\nSolpaneler på taket.\n", encoding="utf-8")
    assert old.update([docs]).added == 1
    assert json.loads(manifest.read_text())["format"] == schema.FORMAT_VERSION
    assert old.search("solpaneler taket", limit=1).hits[0].path.endswith("c_ny.md")
