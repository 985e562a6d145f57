from pathlib import Path

import pytest

from search import Index, IndexMissingError, IndexVersionError, QueryError
from tests.conftest import SEEDS


def test_hyrstopp_first_hit_is_skane_notes(seed_index: Index) -> None:
    result = seed_index.search("hyrstopp sjuksköterskor", limit=5)
    first = result.hits[0]
    assert first.path == "004_b8ebff7d4bb7d37c.txt"
    assert "hyrstopp för sjuksköterskor" in first.text.lower()
    assert first.org == "Region Skåne" and first.date == "2024-01-15"
    assert any(first.snippet[a:b].lower() == "hyrstopp" for a, b in first.highlights)
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))
    assert result.total >= len(result.hits)


def test_limit_and_scores_descend(seed_index: Index) -> None:
    hits = seed_index.search("region budget", limit=4).hits
    assert len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_phrase_and_exclusion(seed_index: Index) -> None:
    hits = seed_index.search('"förnya recept"', limit=20).hits
    assert hits and all("förnya recept" in h.text.lower() for h in hits)
    assert not any(
        "004" in (h.path or "")
        for h in seed_index.search("sjuksköterskor -hyrstopp", limit=50).hits
        if "hyrstopp" in h.text.lower()
    )


def test_and_requires_all(seed_index: Index) -> None:
    for h in seed_index.search("karies AND tänder", limit=20).hits:
        assert "karies" in h.text.lower()


def test_no_hits_and_bad_arguments(seed_index: Index) -> None:
    assert seed_index.search("xyzzyqwerty").hits == []
    with pytest.raises(QueryError):
        seed_index.search("vård", limit=0)
    with pytest.raises(QueryError):
        seed_index.search("vård", date_from="igår")


def test_filters_and_facets(seed_index: Index) -> None:
    r = seed_index.search("sjuksköterskor", limit=50, org="Region Skåne", facets=True)
    assert r.hits and all(h.org == "Region Skåne" for h in r.hits)
    assert sum(r.facets["org"].values()) == r.total
    r2 = seed_index.search("region", limit=100, date_from="2025", facets=True)
    assert r2.hits and all(h.date and h.date >= "2025" for h in r2.hits)


def test_show_section_and_documents(seed_index: Index) -> None:
    docs = seed_index.documents()
    assert len(docs) == 5
    hit = seed_index.section("001_b7a6846f7dc914a0.txt#p12")
    assert hit.section_title == "Godkännande av föredragningslistan"
    with pytest.raises(IndexMissingError):
        seed_index.section("nope#x")


def test_on_disk_update_add_change_prune(tmp_path: Path) -> None:
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.txt").write_text("Protokoll om vattenledningar i kommunen.\n", encoding="utf-8")
    ix, report = Index.create(tmp_path / "ix", [src])
    assert report.added == 1
    (src / "b.txt").write_text("Beslut om cykelvägar och gatubelysning.\n", encoding="utf-8")
    (src / "a.txt").write_text("Protokoll om avloppsrening i kommunen.\n", encoding="utf-8")
    r = ix.update()
    assert (r.added, r.updated) == (1, 1)
    assert ix.search("cykelvägar").hits
    assert not ix.search("vattenledningar").hits
    assert ix.update().unchanged == 2
    (src / "b.txt").unlink()
    r = ix.update(prune=True)
    assert r.removed == 1 and not ix.search("cykelvägar").hits
    assert len(Index.open(tmp_path / "ix").documents()) == 1


def test_remove_document(tmp_path: Path) -> None:
    ix, _ = Index.create(tmp_path / "ix", [SEEDS])
    assert ix.remove("004_b8ebff7d4bb7d37c.txt")
    assert all(h.doc_id != "004_b8ebff7d4bb7d37c.txt" for h in ix.search("hyrstopp").hits)
    assert not ix.remove("004_b8ebff7d4bb7d37c.txt")


def test_open_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError):
        Index.open(tmp_path / "none")


def test_typo_gets_suggestion_and_corrected_ranking(seed_index: Index) -> None:
    result = seed_index.search("hyrstop sjukskoterskor", limit=3)
    assert result.suggestion == "hyrstopp sjuksköterskor"
    assert result.hits[0].path == "004_b8ebff7d4bb7d37c.txt"
    assert seed_index.search("hyrstopp sjuksköterskor").suggestion is None


def test_query_without_swedish_letters_finds_them(seed_index: Index) -> None:
    hits = seed_index.search("sjukskoterskor", limit=10).hits
    assert any("sjuksköterskor" in h.text for h in hits)


def test_compound_parts_find_the_compound(seed_index: Index) -> None:
    # "stopp" alone is a part of "hyrstopp"; the whole word outranks scattered parts.
    hits = seed_index.search("stopp", limit=5).hits
    assert any("hyrstopp" in h.text.lower() for h in hits)
    whole = seed_index.search("hyrstopp", limit=1).hits[0]
    assert "hyrstopp" in whole.text.lower()


def test_version_mismatch_asks_for_rebuild(tmp_path: Path) -> None:
    import json

    ix, _ = Index.create(tmp_path / "ix", [SEEDS])
    ix.close()
    manifest = tmp_path / "ix" / "rsearch.json"
    data = json.loads(manifest.read_text())
    data["analysis"] = "sv-0"
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexVersionError, match="rsearch index --rebuild"):
        Index.open(tmp_path / "ix")


def test_an_index_is_not_mixed_with_words_another_stemmer_analysed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snowball's Swedish rules change between releases (2.2 left "adjektivet" whole, 3.1
    # stems it): an index keeps the digest of the stemmer that built it.
    import json

    from index import analysis, lexicon

    ix, _ = Index.create(tmp_path / "ix", [SEEDS])
    ix.close()
    manifest = json.loads((tmp_path / "ix" / "rsearch.json").read_text())
    assert manifest["stemmer"] == lexicon.stemmer_fingerprint()

    real = lexicon._snowball()

    class Older:  # leaves "-et" forms whole, as Snowball 2 did
        def stemWord(self, word: str) -> str:
            return word if word.endswith("et") else str(real.stemWord(word))

    monkeypatch.setattr(lexicon, "_snowball", Older)
    lexicon.stemmer_fingerprint.cache_clear()
    try:
        assert lexicon.stemmer_fingerprint() != manifest["stemmer"]
        ix = Index.open(tmp_path / "ix")
        # Words the index has stored analyses of are searched as before...
        assert ix.search("hyrstopp sjuksköterskor").hits
        # ...a word it has not seen would be stemmed by the other stemmer: refused.
        with pytest.raises(IndexVersionError, match="rsearch index --rebuild"):
            ix.search("tjänstebilsinnehavet")
        new = tmp_path / "new"
        new.mkdir()
        (new / "a.txt").write_text("Avtalet\n\nArbetet med avtalet fortsätter.\n", "utf-8")
        before = ix.stats().documents
        with pytest.raises(IndexVersionError, match="Snowball stemmer"):
            ix.update([new])
        assert Index.open(tmp_path / "ix").stats().documents == before
        # A rebuild makes the index this stemmer's.
        ix, _ = Index.create(tmp_path / "ix", [SEEDS, new])
        assert ix.search("tjänstebilsinnehavet").total == 0
        data = json.loads((tmp_path / "ix" / "rsearch.json").read_text())
        assert data["stemmer"] == lexicon.stemmer_fingerprint()
    finally:
        # Forget what the other stemmer analysed in this process.
        for cached in (lexicon.stemmer_fingerprint, lexicon.snowball, lexicon._split):
            cached.cache_clear()
        analysis._analyze_word.cache_clear()
        analysis.drain_seen()


def test_the_seed_index_of_another_stemmer_is_rebuilt(tmp_path: Path) -> None:
    import json

    ix, built = Index.open_or_seed(tmp_path / "ix")
    assert built
    ix.close()
    manifest = tmp_path / "ix" / "rsearch.json"
    data = json.loads(manifest.read_text())
    stemmer = data["stemmer"]
    data["stemmer"] = "0" * len(stemmer)  # as if an older Snowball had built it
    manifest.write_text(json.dumps(data))
    ix, built = Index.open_or_seed(tmp_path / "ix")
    assert built and ix.search("hyrstopp sjuksköterskor").hits
    assert json.loads(manifest.read_text())["stemmer"] == stemmer
    ix.close()
    _, built = Index.open_or_seed(tmp_path / "ix")
    assert not built


def test_the_seed_index_of_an_older_format_still_read_is_rebuilt(tmp_path: Path) -> None:
    import json

    from index import schema

    ix, built = Index.open_or_seed(tmp_path / "ix")
    ix.close()
    manifest = tmp_path / "ix" / "rsearch.json"
    data = json.loads(manifest.read_text())
    data["format"] = 9  # readable, but ranked without what format 10 adds
    manifest.write_text(json.dumps(data))
    ix, built = Index.open_or_seed(tmp_path / "ix")
    assert built and ix.search("hyrstopp sjuksköterskor").hits
    assert json.loads(manifest.read_text())["format"] == schema.FORMAT_VERSION
    ix.close()


def test_sections_come_back_in_document_order(tmp_path: Path) -> None:
    # The order of `Index.sections` is that of the sectioning (a section's stored place).
    from index.builder import prepare
    from index.readers import reader_for

    ix = Index.create(tmp_path / "ix", [SEEDS])[0]
    checked = 0
    for path in sorted(SEEDS.iterdir()):
        reader = reader_for(path)
        if reader is None or path.name.startswith("__"):
            continue  # the package's own files, as the builder skips them
        for doc in reader(path, path.name):
            expected = [s.section_id for s in prepare(doc).sections]
            got = [h.section_id for h in ix.sections(doc.doc_id)]
            assert got == expected and len(got) > 1
            checked += 1
    ix.close()
    assert checked == 5
