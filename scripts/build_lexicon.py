"""Generate the Swedish lexicon files in ``index/data/`` (dev-time only).

- ``lemmas-sv.txt.gz``: "word lemma" pairs, whitespace-separated, for word forms whose
  dictionary form tells more than Snowball does (definite forms such as
  "sjuksköterskan" -> "sjuksköterska", proper nouns such as "kalmar" -> "Kalmar", agent
  nouns in -are that Snowball over-stems); words that are headwords of their own are
  left out ("nämnd" is not read as a form of "nämna"), and so are names' lemmas for
  forms that are also common words ("vägen" is no name);
- ``freq-sv.txt.gz``: "word zipf" pairs, word frequencies on the Zipf scale, used to
  split compounds and to decide whether a hyphen at a line end broke a word.

Both load with one ``split()``: the query side needs them only for unseen words.

Sources: simplemma (Adrien Barbaresi, MIT licence; Swedish lemma data),
wordfreq (Robyn Speer, data CC BY-SA 4.0). Run::

    pip install simplemma wordfreq snowballstemmer
    python scripts/build_lexicon.py
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable
from pathlib import Path

import snowballstemmer
import wordfreq
from simplemma.strategies.dictionaries import DefaultDictionaryFactory

DATA = Path(__file__).resolve().parent.parent / "index" / "data"
MIN_ZIPF = 1.5  # words rarer than this carry little evidence for splitting


# Forms whose lemma is spelled like another, far commoner word: the modal "ska" (shall)
# is a form of the verb "skola", which Snowball stems as the noun "skola" (school); as a
# form of it, every "ska" of a text was indexed as a school.
_HOMOGRAPH_LEMMAS = {("ska", "skola")}

# Endings that make an inflected form of its lemma: "skatteverket" is "skatteverk" + "et".
_ENDINGS = ("n", "en", "et", "t", "a", "na", "s", "ns", "ts", "r", "ar", "er", "or", "e")


def _base_form(word: str, lemma: str, headwords: set[str], stem: Callable[[str], str]) -> bool:
    """Whether ``word`` is a dictionary word of its own that the lemma data reads as a
    form of another: a headword that Snowball leaves whole and that is not its lemma plus
    an ending. "nämnd" (a committee) is no form of "nämna", "uppdrag" none of "uppdra",
    "rest" none of "resa"; "skatteverket" stays a form of "skatteverk"."""
    if word not in headwords or stem(word) != word:
        return False
    return not any(word == lemma + ending for ending in _ENDINGS)


def main() -> None:
    stem = snowballstemmer.stemmer("swedish").stemWord
    freqs = wordfreq.get_frequency_dict("sv", wordlist="large")
    zipf = {w: math.log10(f * 1e9) for w, f in freqs.items() if f > 0}
    dictionary = DefaultDictionaryFactory().get_dictionary("sv")
    pairs = [
        (k.decode() if isinstance(k, bytes) else k, v.decode() if isinstance(v, bytes) else v)
        for k, v in dictionary.items()
    ]
    headwords = {lemma.lower() for _, lemma in pairs}
    # Forms the data also reads as common words: "vägen" is "väg" as well as the name
    # "Vägen", "läget" is "läge" (and "Arildsläge"), "finns" is "finnas" (and "Finn").
    # Such a form never takes a name's lemma, which would keep it whole (or, worse, make
    # it another word): Snowball, or the common lemma, reads it.
    common = {
        word
        for word, lemma in pairs
        if word == word.lower() and lemma[:1] and not lemma[:1].isupper()
    }
    lemmas: dict[str, str] = {}
    for word, lemma in pairs:
        if not word.replace("-", "").isalpha() or not lemma.replace("-", "").isalpha():
            continue
        low = word.lower()
        if word != low and low in lemmas:
            continue  # a lower-case entry of the same form wins over a capitalised one
        if _base_form(low, lemma.lower(), headwords, stem) or (low, lemma) in _HOMOGRAPH_LEMMAS:
            continue
        proper = lemma[:1].isupper()
        if proper and low in common:
            continue
        if not (proper or lemma.endswith("are") or stem(lemma.lower()) != stem(low)):
            continue
        if low not in zipf and proper:
            continue  # rare names: Snowball is as good
        lemmas[low] = lemma
    freq_lines = [
        f"{w} {z:.1f}"
        for w, z in sorted(zipf.items())
        if z >= MIN_ZIPF and w.replace("-", "").isalpha()
    ]
    lemma_lines = [f"{w} {lemma}" for w, lemma in sorted(lemmas.items())]
    DATA.mkdir(parents=True, exist_ok=True)
    for name, lines in (("lemmas-sv.txt.gz", lemma_lines), ("freq-sv.txt.gz", freq_lines)):
        with gzip.GzipFile(DATA / name, "wb", compresslevel=9, mtime=0) as fh:
            fh.write(("\n".join(lines) + "\n").encode("utf-8"))
        print(f"{name}: {len(lines)} lines, {(DATA / name).stat().st_size / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
