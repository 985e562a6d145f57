"""The fields of the index and the on-disk format version.

Sections and whole-document records live in one Whoosh index, told apart by ``kind``:
one commit then covers a document and all its sections, so an update is never half
applied. The analyzers are pickled into the index by import path, which makes
``index.analysis`` part of the on-disk format: :data:`FORMAT_VERSION` and
``analysis.ANALYSIS_VERSION`` are stored beside the index and checked on open.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from itertools import islice
from operator import sub
from pickle import dumps
from typing import Any

from whoosh.columns import NumericColumn
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import pack_uint

from index import analysis

# 9: segments may keep the ranked field's postings in their arrays file only
# (``index.codec``), which rsearch before it cannot read. An index of format 8 is read
# as it is; its first update marks it 9.
# 10: the schema's ``position`` field is a ``Place`` (stored, and in a column), a class
# rsearch before it cannot unpickle. Indexes of formats 8 and 9 are read as they are
# (ranked without document focus, which needs the column); an update marks them 10.
FORMAT_VERSION = 10
READABLE_FORMATS = (8, 9, 10)

KIND_SECTION = "section"
KIND_DOC = "doc"

# The ranked text of a section is one field, ``words``; its parts weigh differently.
# Each token carries its part's weight, and Whoosh sums them into the posting's weight,
# so BM25 saturates the weighted frequency over all parts together (BM25F as Robertson
# and Zaragoza define it) and a word costs one posting list instead of one per part.
WORDS = "words"
PART_WEIGHTS: dict[str, float] = {
    "heading": 1.5,  # the section's title and context (a deck's divider slide)
    "body": 1.0,
    "link": 0.3,  # link text ("[...](url)"): it names another page, not this one's content
    "title": 0.2,  # the document's title, shared by all of its sections
}
# A compound's parts found apart in a section ("stopp för inhyrda" for "hyrstopp") score
# at this weight, below the whole word.
PARTS_WEIGHT = 0.5
# A word found nowhere as written is also searched by the indexed words that share its
# loose key (no å/ä/ö, no derivational ending: ``analysis.loose``), at this weight.
LOOSE_WEIGHT = 0.3
# A word found as written also finds the indexed words of its root with another
# derivational ending ("vaccinering": "vaccination", "vaccin"; ``analysis.kin_key``), at
# this weight: evidence of the same matter, but weaker than the word itself or a stand-in
# for a word found nowhere.
KIN_WEIGHT = 0.1


class Place(STORED):
    """A section's place in its document (0, 1, ...): stored, and kept in a column.

    The column (4 bytes a section, read whole) is what tells a search which sections
    make up a candidate's document (``index.focus``); nothing searches the field.
    """

    column_type = NumericColumn("I")

    def to_column_value(self, value: Any) -> Any:  # a number, as whoosh's NUMERIC gives
        return int(value)


class RankedText(TEXT):
    """The ranked field: Whoosh's ``TEXT`` with positions, its terms made in one pass.

    Whoosh indexes a ``TEXT`` value by running its analyzer, a generator per filter with
    a ``Token`` object per word and compound part, then collecting the tokens' positions
    and weights. :func:`analysis.index_terms` makes the same terms, positions and weights
    directly: on 23 MB of the corpus that chain cost a quarter of the build (profiled).
    The analyzer stays the field's own, for anything that asks Whoosh to analyse text.
    """

    def index(
        self, value: Any, **kwargs: Any
    ) -> Generator[tuple[bytes, int, float | int, bytes], Any, None]:
        if not isinstance(value, str) or not isinstance(self.format, Positions):
            yield from super().index(value, **kwargs)
            return
        yield from self.postings(value)

    def postings(self, value: str) -> list[tuple[bytes, int, float, bytes]]:
        """``index`` as a list: each term, its frequency, weight and encoded positions."""
        encode, boost = self.posting_encoder()
        return [
            (term.encode("utf-8"), len(positions), weight * boost, encode(positions))
            for term, (positions, weight) in analysis.index_terms(value).items()
        ]

    def posting_encoder(self, shared: bool = False) -> tuple[Callable[[list[int]], bytes], float]:
        """``self.format.encode`` for a posting's positions, and the field's boost (which
        Whoosh multiplies a posting's weight by). A single position (most of a section's
        terms) is encoded from a table, where Whoosh's ``Positions.encode`` pickles a list;
        several take their differences in C (the same bytes).

        Unless ``shared``, each posting gets a value object of its own: whoosh3 pickles a
        block's values, and pickle writes an object met twice as a reference, so shared
        values would change the bytes of the segment (not what they decode to). A writer
        whose ranked postings go to the arrays file only (``index.codec``) shares them.
        """
        fmt = self.format
        if not isinstance(fmt, Positions):
            raise TypeError(f"the ranked field needs a Positions format, not {fmt!r}")
        if type(fmt) is not Positions:
            return fmt.encode, fmt.field_boost
        one = ONE_POSITION

        def encoded(positions: list[int]) -> bytes:
            if len(positions) != 1:
                # As ``Positions.encode``: the count, then the pickled gaps.
                gaps = [positions[0], *map(sub, islice(positions, 1, None), positions)]
                return pack_uint(len(gaps)) + dumps(gaps, 2)
            value = one.get(positions[0])
            if value is None:
                value = one[positions[0]] = _ONE_HEAD + dumps(positions, 2)
            return value if shared else _ONE_HEAD + value[_ONE_HEAD_SIZE:]

        return encoded, fmt.field_boost


# ``Positions.encode`` of a single position, by position (it depends on nothing else).
_ONE_HEAD = pack_uint(1)
_ONE_HEAD_SIZE = len(_ONE_HEAD)
ONE_POSITION: dict[int, bytes] = {}


def build_schema() -> Schema:
    """A fresh schema; its analyzers are the module-level chains of ``index.analysis``."""
    sv = analysis.swedish_analyzer()
    return Schema(
        kind=ID(stored=True),
        section_id=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        anchor=STORED(),
        path=STORED(),
        source=ID(stored=True),
        words=RankedText(analyzer=sv),  # heading, body, links, document title: weighted runs
        doc_title=STORED(),
        context=STORED(),
        section_title=STORED(),  # the section title as displayed
        text=STORED(),  # the section as displayed (body plus its heading line)
        org=ID(stored=True, sortable=True),
        doctype=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        year=ID(sortable=True),
        position=Place(),  # its place in the document: shown, sorted by, never searched
        pages=STORED(),
        info=STORED(),  # per-document bookkeeping: hash, mtime, size, sections
    )
