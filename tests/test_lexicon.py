"""Swedish morphology beyond Snowball: a word -> term table and compound splits."""

import pytest

from index import lexicon
from index.analysis import analyze_word, ellipsis_completion, loose, stem, swedish_analyzer


@pytest.mark.parametrize(
    ("form", "base"),
    [
        ("sjuksköterskan", "sjuksköterska"),  # definite -an, missed by Snowball
        ("sjuksköterskor", "sjuksköterska"),
        ("avtalet", "avtal"),
        ("dygnsvilan", "dygnsvila"),
        ("hyrstoppet", "hyrstopp"),  # unknown compound: lemma of its last member
        ("läkarna", "läkare"),
        ("regionerna", "region"),
        ("väntetiden", "väntetid"),
        ("nämnden", "nämnd"),  # "nämnd" is a word of its own, not a form of "nämna"
        ("nämnder", "nämnd"),  # not "nämn" + "der"
        ("socialnämnden", "socialnämnd"),
        ("regeringsuppdraget", "regeringsuppdrag"),  # "uppdrag" is no form of "uppdra"
        ("dygnsvilorna", "dygnsvila"),  # not "dygnsvil" + "orna"
        ("fakturorna", "faktura"),
        # forms that are common words as well as names ("Vägen", "Polisen") or parts of
        # names ("Arildsläge") take the common word's reading
        ("vägen", "väg"),
        ("läget", "läge"),
        ("polisens", "polis"),
        ("arbetet", "arbete"),
        ("systemet", "system"),
        # an adjective in -iska is no compound on the verb "ska" (stemmed as "skola")
        ("psykiatriska", "psykiatrisk"),
        ("historiska", "historiskt"),
    ],
)
def test_inflections_meet_their_base_form(form: str, base: str) -> None:
    assert stem(form) == stem(base)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("läkare", "läka"),  # agent noun is not the verb
        ("kalmar", "kalm"),  # a place name is not over-stemmed
        ("nämnd", "nämna"),  # a headword of its own: the committee is no form of the verb
        ("uppdrag", "uppdra"),
        ("rest", "resa"),
        ("ska", "skola"),  # the modal (a form of the verb "skola") is no school
    ],
)
def test_no_over_stemming(a: str, b: str) -> None:
    assert stem(a) != stem(b)


@pytest.mark.parametrize(
    ("noun", "verb"),
    [
        ("vaccinering", "vaccinera"),
        ("placeringen", "placerade"),
        ("hanteringar", "hanterar"),
        ("covidvaccinering", "covidvaccinera"),  # a compound's verb is its last member's
    ],
)
def test_a_verbal_noun_in_ering_meets_its_verb(noun: str, verb: str) -> None:
    assert stem(noun) == stem(verb)


def test_a_noun_in_ering_without_a_known_verb_keeps_its_stem() -> None:
    assert stem("catering") == "catering"


def test_kalmar_stays_whole() -> None:
    assert stem("kalmar") == "kalmar"


@pytest.mark.parametrize(
    ("word", "members"),
    [
        ("hyrstopp", ["hyra", "stopp"]),
        ("arbetstid", ["arbete", "tid"]),  # linking -s- and a dropped -e
        ("patientenkät", ["patient", "enkät"]),
        ("sjukvårdsnämnden", ["sjukvård", "nämnden"]),
        ("kvinnojouren", ["kvinna", "jouren"]),
        # an inflected last member too rare to vouch for itself splits as its base form
        ("kvinnojourer", ["kvinna", "jour"]),
    ],
)
def test_compound_splits(word: str, members: list[str]) -> None:
    split = lexicon.split_compound(word)
    assert split is not None
    assert [m.base for m in split] == members


@pytest.mark.parametrize(
    "word",
    [
        "avtalet",
        "placerad",
        "mottagningen",
        "kommun",
        # an ending is no member: not "kommun" + "ens", "abonnent" + "erna", "absorber" + "ande"
        "kommunens",
        "abonnenterna",
        "absorberande",
        "angriparen",
        # -ering is a derivation, no "ring"; a base form that does not split ("faktura",
        # "paragraf") leaves its inflections whole
        "registrering",
        "placeringen",
        "fakturor",
        "paragraferna",
        # a particle is no member ("upp" is not "uppe", "för" not "före"), nor are the
        # suffixes -skap and -iska
        "uppgift",
        "förlust",
        "förhandlingar",
        "medlemskap",
        "vänskap",
        "psykiatriska",
    ],
)
def test_words_that_are_not_split(word: str) -> None:
    assert lexicon.split_compound(word) is None


def test_compound_indexes_whole_word_and_parts() -> None:
    t = analyze_word("hyrstoppet")
    assert t.stem == "hyrstopp"
    assert t.parts == ("hyr", "stopp")


def test_ellipsis_is_completed() -> None:
    assert ellipsis_completion("hälso", "sjukvårdsnämnden") == "hälsovårdsnämnden"
    terms = [t.text for t in swedish_analyzer()("hälso- och sjukvårdsnämnden")]
    assert stem("hälsovårdsnämnden") in terms
    assert stem("hälsovård") in [p for t in terms for p in (t, *analyze_word(t).parts)]


def test_loose_key_joins_derivations_and_folds() -> None:
    assert loose("vaccinering") == loose("vaccination")
    assert loose("sjukskoterskor") == loose("sjuksköterskor")


def test_hyphen_joining_uses_the_lexicon() -> None:
    assert lexicon.prefer_joined("verksam", "hetsplan")
    assert not lexicon.prefer_joined("ALF", "avtal")


def test_runs_of_letters_longer_than_any_compound_are_not_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Extraction debris: trying every split point of a long run costs time quadratic in
    # its length, and no real compound is that long.
    word = "administrationskommunikationsorganisationsrekommendationerna"
    assert len(word) == 60 and lexicon.split_compound(word) is not None
    monkeypatch.setattr(lexicon, "MAX_COMPOUND", 59)
    assert lexicon.split_compound(word) is None
    assert lexicon.split_compound("a" * 100_000) is None


def test_splitting_stops_where_no_known_word_begins_as_the_word_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ``_split`` tries heads only as long as some common word begins with them: the
    # same splits as trying every head, on compounds of the lexicon and made-up ones.
    common = sorted(w for w, z in lexicon._zipf().items() if z >= 3.0 and len(w) >= 8)
    words = common[::40] + [a + b for a, b in zip(common[::97], common[13::97], strict=False)]
    words += ["hyrstoppet", "sjuksköterskebemanningen", "xqzvårdsnämnd", "kalmarlänstrafik"]

    def splits() -> list[object]:
        lexicon._split.cache_clear()
        return [lexicon.split_compound(w) for w in words]

    class Everything:
        def __contains__(self, _: object) -> bool:
            return True

    pruned = splits()
    monkeypatch.setattr(lexicon, "_head_beginnings", Everything)
    every_head = splits()
    lexicon._split.cache_clear()
    assert sum(s is not None for s in every_head) > len(words) // 4
    assert pruned == every_head


def test_the_c_stemmer_stems_as_snowballs_pure_python() -> None:
    # PyStemmer (used when installed) and snowballstemmer's Python come from the same
    # Snowball source; a version apart, they could stem differently and an index would
    # disagree with its queries. Every fifth word of the lexicon, both ways.
    stemmer = pytest.importorskip("Stemmer").Stemmer("swedish")
    from snowballstemmer.swedish_stemmer import SwedishStemmer

    pure = SwedishStemmer()
    words = sorted(lexicon._zipf())[::5] + ["sjuksköterskornas", "ansvaret", "fullt", "löst"]
    differ = [w for w in words if stemmer.stemWord(w) != pure.stemWord(w)]
    assert len(words) > 30_000 and not differ
    assert type(lexicon._snowball()) is type(stemmer)
