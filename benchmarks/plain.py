"""The reference indexer: plain Whoosh with Snowball Swedish, one process, Whoosh defaults.

Each record is one Whoosh document (no sections, no metadata extraction): a regex
tokenizer, lower case, the Snowball stop list and stemmer, default writer settings and
BM25F, queries through ``QueryParser`` with an OR group. ``python -m benchmarks.plain
build DIR FILE...`` builds it in its own process so its time and memory are its own.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any


def _snowball(word: str) -> str:
    from snowballstemmer import stemmer

    global _STEMMER
    if _STEMMER is None:
        _STEMMER = stemmer("swedish")
    return str(_STEMMER.stemWord(word))


_STEMMER: Any = None


def schema() -> Any:
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.lang.stopwords import stoplists

    analyzer = (
        RegexTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=frozenset(stoplists["sv"]))
        | StemFilter(stemfn=_snowball)
    )
    return Schema(id=ID(stored=True, unique=True), body=TEXT(analyzer=analyzer))


def build(folder: Path, files: list[Path]) -> None:
    from whoosh import index

    folder.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(folder), schema())
    w = ix.writer()
    for f in files:
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                w.add_document(id=str(rec["id"]), body=f"{rec.get('title', '')}\n{rec['text']}")
    w.commit()


class PlainSearcher:
    """Warm searcher over a plain index, for latency figures."""

    def __init__(self, folder: Path) -> None:
        from whoosh import index, qparser, scoring

        self.ix = index.open_dir(str(folder))
        self.searcher = self.ix.searcher(weighting=scoring.BM25F())
        self.parser = qparser.QueryParser("body", self.ix.schema, group=qparser.OrGroup)

    def search(self, text: str) -> list[str]:
        return [r["id"] for r in self.searcher.search(self.parser.parse(text), limit=10)]

    def __enter__(self) -> PlainSearcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.searcher.close()
        self.ix.close()


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "build":
        sys.exit("usage: python -m benchmarks.plain build DIR FILE...")
    # Import by module name: the schema pickles the stem function by its import path,
    # which must not be "__main__".
    from benchmarks.plain import build as build_plain

    build_plain(Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]])
