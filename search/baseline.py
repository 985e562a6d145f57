"""The reference point: plain Whoosh with Snowball Swedish on the same sections.

What anyone gets from Whoosh out of the box: a regex tokenizer, lower case, the Snowball
stop list and the Snowball stemmer on one text field, BM25F with default parameters,
the query parsed with Whoosh's ``QueryParser`` (OR group, so questions find anything).
Evaluation and benchmarks run it beside rsearch on the very same sections.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from index.models import Section


@dataclass(frozen=True)
class BaselineHit:
    """The fields evaluation needs from a hit."""

    doc_id: str
    path: str | None
    text: str


def _snowball(word: str) -> str:
    from index.analysis import snowball

    return snowball(word)


class PlainWhoosh:
    """An in-memory plain Whoosh index of sections."""

    def __init__(self) -> None:
        from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
        from whoosh.fields import ID, STORED, TEXT, Schema
        from whoosh.filedb.filestore import RamStorage
        from whoosh.lang.stopwords import stoplists

        analyzer = (
            RegexTokenizer()
            | LowercaseFilter()
            | StopFilter(stoplist=frozenset(stoplists["sv"]))
            | StemFilter(stemfn=_snowball)
        )
        self.schema = Schema(
            doc_id=ID(stored=True), path=STORED(), body=TEXT(analyzer=analyzer, stored=True)
        )
        self.ix = RamStorage().create_index(self.schema)

    def add(self, sections: Iterable[tuple[Section, str | None]]) -> None:
        w = self.ix.writer()
        for s, path in sections:
            w.add_document(doc_id=s.doc_id, path=path, body=f"{s.title}\n{s.text}")
        w.commit()

    def search(self, text: str, limit: int = 10) -> list[BaselineHit]:
        from whoosh import qparser, scoring

        parser = qparser.QueryParser("body", self.schema, group=qparser.OrGroup)
        with self.ix.searcher(weighting=scoring.BM25F()) as s:
            return [
                BaselineHit(r["doc_id"], r.get("path"), r["body"])
                for r in s.search(parser.parse(text), limit=limit)
            ]
