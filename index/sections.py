"""Split a document into the units users search for.

Tried in order, the first structure that the text shows wins:

1. statutes: "N kap." chapters and "N §" paragraphs;
2. protocols: one section per "§ N", titled by the heading after it;
3. meeting notes: numbered agenda items "1.", "2.", ... in sequence;
4. Markdown headings;
5. pages or slides (PDF page breaks, or the page starts visible in text extractions);
6. otherwise windows of bounded size cut at paragraph boundaries.

Section ids are ``<doc_id>#<anchor>`` and stay the same as long as the structure does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from index.cleaning import clean_text, display_text
from index.models import Document, Section

WINDOW_CHARS = 1200
MAX_SECTION_CHARS = 6000
MAX_TITLE_CHARS = 120

_PARAGRAPH_MARK = re.compile(r"^[ \t]*§[ \t]*(\d+[a-z]?)[ \t]*$", re.M)
# An agenda item's number alone on its line ("3."), or before its title on the line
# ("3. Budget 2025"): one pattern, because a scan of a text with "^" in multi-line mode
# tries every position of it (0.2 s per 50 MB of the corpus, each).
_AGENDA_ITEM = re.compile(r"^[ \t]*(\d{1,2})\.(?:[ \t]*(?:\n|$)|[ \t]+(\S[^\n]{1,78})$)", re.M)
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(\S[^\n]*)$", re.M)
_CHAPTER = re.compile(r"^[ \t]*(\d+(?: ?[a-z])?)[ \t]*kap\.[ \t]*([^\n]*)$", re.M)
# "3 §" or "6 a §" alone on its line, or opening a sentence ("3 § Den som ...").
_STATUTE_PARA = re.compile(r"^[ \t]*(\d+(?: ?[a-z])?)[ \t]*§[ \t]*(?=$|[A-ZÅÄÖ])", re.M)
_PAGE_START = re.compile(r"\n(?= [ \t]*\S)")
_DOMAIN_LINE = re.compile(r"^\s*(www\.)?[\w.-]+\.(se|com|nu|org|eu)\s*$", re.I)


@dataclass(frozen=True)
class _Cut:
    """A raw section before cleaning: where it starts and what it is called."""

    start: int
    anchor: str
    title: str | None


_NO_WORDS = re.compile(r"[\W\d]+")


def _lines(text: str, start: int = 0) -> Iterator[str]:
    """The lines of ``text`` from ``start`` on, stripped, as they are needed.

    Why: a heading is looked for after every paragraph mark and agenda number, in the
    rest of the document; splitting all of that rest each time made a long statute's
    sectioning quadratic.
    """
    while (end := text.find("\n", start)) >= 0:
        yield text[start:end].strip()
        start = end + 1
    yield text[start:].strip()


def _is_heading_line(line: str) -> bool:
    """A line that can open a section: not blank, not a web address, not only digits and
    punctuation."""
    return bool(line) and not _DOMAIN_LINE.match(line) and not _NO_WORDS.fullmatch(line)


def _first_line(text: str) -> str:
    return next(filter(_is_heading_line, _lines(text)), "")


def heading_after(text: str, start: int = 0) -> str:
    """The heading that opens ``text`` (from ``start``): its first line, joined with a
    wrapped second line."""
    lines = _lines(text, start)
    title = next(filter(_is_heading_line, lines), "")
    if not title:
        return ""
    # A heading wrapped over two lines continues on the next line without a blank line
    # and in lower case ("Planeringsprocessen och ekonomiska\nplaneringsförutsättningar").
    nxt = next(lines, "")
    if (
        nxt
        and (nxt[0].islower() or nxt[0] == "(")
        and not title.endswith((".", ":"))
        and not _DOMAIN_LINE.match(nxt)
    ):
        title = f"{title} {nxt}"
    return _shorten(title)


def _shorten(title: str) -> str:
    title = " ".join(title.split())  # as re.sub(r"\s+", " ", title).strip(), without re
    if len(title) <= MAX_TITLE_CHARS:
        return title
    return title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def looks_like_heading(line: str) -> bool:
    """Short, few words, no sentence punctuation at the end: a heading, not prose."""
    return 0 < len(line) <= 80 and len(line.split()) <= 10 and not line.endswith((".", ",", ";"))


def page_starts(text: str) -> list[int]:
    """Page starts visible in a PDF text extraction: lines opening with whitespace.

    The seed extractions begin every page with a space; a document shows this pattern
    only when its first line and at least two more do.
    """
    if not text[:1].isspace() or text[:1] == "\n":
        return []
    starts = [0] + [m.start() + 1 for m in _PAGE_START.finditer(text)]
    return starts if len(starts) >= 3 else []


def _statute_cuts(text: str) -> list[_Cut]:
    """Chapters ("2 kap. Tillsyn") and paragraphs ("3 §", "6 a §") of a statute.

    A paragraph takes the heading line just above it ("Uppgifter" before "1 §") into its
    section and its title, as the statute's own table of contents would.
    """
    if "§" not in text:
        return []  # most documents: two regex scans saved
    chapters = list(_CHAPTER.finditer(text))
    paras = list(_STATUTE_PARA.finditer(text))
    if len(paras) < 2 or not (chapters or len(paras) >= 3):
        return []
    # Real statutes number paragraphs from 1 (again in each chapter when chaptered).
    if paras[0].group(1) not in {"1", "1a", "1 a"}:
        return []
    cuts: list[_Cut] = []
    marks = sorted(
        [(m.start(), "kap", m.group(1), m.group(2).strip()) for m in chapters]
        + [(m.start(), "par", m.group(1), "") for m in paras]
    )
    chapter = ""
    previous_end = 0
    for start, kind, num, heading in marks:
        key = num.replace(" ", "")
        if kind == "kap":
            chapter = key
            cuts.append(_Cut(start, f"kap{key}", _shorten(f"{num} kap. {heading}".strip())))
            previous_end = start + len(heading)
            continue
        anchor = f"kap{chapter}-p{key}" if chapter else f"p{key}"
        title = f"{chapter} kap. {num} §" if chapter else f"{num} §"
        head_start, head = _heading_above(text, start, previous_end)
        if head:
            title, start = f"{title} {head}", head_start
        cuts.append(_Cut(start, anchor, _shorten(title)))
        previous_end = start
    return cuts


def _heading_above(text: str, start: int, floor: int) -> tuple[int, str]:
    """The short heading paragraph right above ``start`` (not before ``floor``), if any."""
    before = text[floor:start].rstrip()
    cut = before.rfind("\n\n")
    offset = cut + 2 if cut >= 0 else 0
    line = before[offset:].strip()
    if not line or "\n" in line or not looks_like_heading(line):
        return start, ""
    if line.endswith(":") or line[:1].isdigit():
        return start, ""
    return floor + offset, line


def _protocol_cuts(text: str) -> list[_Cut]:
    if "§" not in text:
        return []
    marks = list(_PARAGRAPH_MARK.finditer(text))
    if not marks:
        return []
    return [
        _Cut(m.start(), f"p{m.group(1)}", heading_after(text, m.end()) or f"§ {m.group(1)}")
        for m in marks
    ]


def _agenda_cuts(text: str) -> list[_Cut]:
    """Numbered agenda items in strict sequence from 1; a restarted list is not a new item."""
    cuts: list[_Cut] = []
    expected = 1
    for start, num, end, inline_title in _agenda_lines(text):
        if num != expected:
            continue
        title = inline_title or heading_after(text, end)
        cuts.append(_Cut(start, f"item{num}", _shorten(f"{num}. {title}")))
        expected += 1
    if len(cuts) < 3:
        return []
    # Agenda items organise the whole document: the first comes early and items are
    # paragraphs apart, unlike a numbered list on one slide.
    mean_gap = (cuts[-1].start - cuts[0].start) / (len(cuts) - 1)
    if cuts[0].start > 0.3 * len(text) or mean_gap < 150:
        return []
    return cuts


def _agenda_lines(text: str) -> list[tuple[int, int, int, str | None]]:
    """Each agenda line's start, number, end (its line break included when the number
    stands alone) and title when it is on the line (not one ending in a full stop: a
    numbered sentence)."""
    return [
        (m.start(), int(m.group(1)), m.end(), inline and inline.strip())
        for m in _AGENDA_ITEM.finditer(text)
        if not ((inline := m.group(2)) and inline.rstrip().endswith("."))
    ]


def _markdown_cuts(text: str) -> list[_Cut]:
    cuts: list[_Cut] = []
    for i, m in enumerate(_MD_HEADING.finditer(text), 1):
        cuts.append(_Cut(m.start(), f"h{i}", _shorten(m.group(2).strip("# "))))
    return cuts


def _page_cuts(starts: Sequence[int], text: str) -> list[_Cut]:
    cuts = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        cuts.append(_Cut(start, f"page{i + 1}", heading_after(text[start:end]) or None))
    return cuts


# A heading line with a blank line after it, at the start of the text or after a blank
# line. Two patterns, so that the one searched through the text starts with a newline:
# the regex engine skips to a leading literal, where an alternation is tried at every
# position (2.5x faster on 20 MB; the same headings).
_FIRST_HEADING = re.compile(r"[ \t]*([A-ZÅÄÖ][^\n]{2,70}?)[ \t]*(?=\n[ \t]*\n)")
_PLAIN_HEADING = re.compile(r"\n[ \t]*\n" + _FIRST_HEADING.pattern)


def _plain_heading_cuts(text: str) -> list[_Cut]:
    """Short one-line paragraphs without final punctuation read as headings."""
    cuts: list[_Cut] = []
    first = _FIRST_HEADING.match(text)
    found = [first] if first else []
    found += _PLAIN_HEADING.finditer(text, first.end() if first else 0)
    for m in found:
        line = m.group(1).strip()
        if line.endswith((".", ",", ";", ":", "!", "?")) or len(line.split()) > 9:
            continue
        cuts.append(_Cut(m.start(1), f"h{len(cuts) + 1}", _shorten(line)))
    return cuts if len(cuts) >= 2 else []


def _window_cuts(text: str) -> list[_Cut]:
    """Cut unstructured text at paragraph boundaries into windows of bounded size."""
    cuts: list[_Cut] = []
    start = 0
    size = 0
    for m in re.finditer(r"\n\s*\n", text):
        size = m.end() - start
        if size >= WINDOW_CHARS:
            cuts.append(_Cut(start, f"w{len(cuts) + 1}", None))
            start = m.end()
    cuts.append(_Cut(start, f"w{len(cuts) + 1}", None))
    return cuts


def _pages_of(start: int, end: int, page_offsets: Sequence[int]) -> tuple[int, ...]:
    if not page_offsets:
        return ()
    first = max(i for i, p in enumerate(page_offsets) if p <= start) if start >= 0 else 0
    last = max(i for i, p in enumerate(page_offsets) if p < max(end, start + 1))
    return tuple(range(first + 1, last + 2))


_STRUCTURES: tuple[tuple[str, Callable[[str], list[_Cut]]], ...] = (
    ("statute", _statute_cuts),
    ("protocol", _protocol_cuts),
    ("agenda", _agenda_cuts),
    ("markdown", _markdown_cuts),
)


def find_cuts(doc: Document) -> tuple[str, list[_Cut]]:
    """The structure found in ``doc``: its name and where its sections start."""
    text = doc.text
    # Tried in order, and only until one fits: each is a scan of the whole text.
    for name, finder in _STRUCTURES:
        if name == "markdown" and doc.fmt not in {"md", "html"}:
            continue
        cuts = finder(text)
        if cuts:
            return name, cuts
    pages = list(doc.page_starts) or page_starts(text)
    if len(pages) >= 3:
        return "pages", _page_cuts(pages, text)
    headings = _plain_heading_cuts(text)
    if headings:
        return "headings", headings
    return "windows", _window_cuts(text)


def split_sections(
    doc: Document, doc_title: str | None = None, found: tuple[str, list[_Cut]] | None = None
) -> list[Section]:
    """Split ``doc`` into sections; text before the first cut becomes a lead section.

    ``found`` is :func:`find_cuts`'s answer for ``doc`` when the caller has it already
    (the builder needs the structure's name for the metadata first).
    """
    text = doc.text
    structure, cuts = found or find_cuts(doc)
    cuts = list(cuts)
    if cuts and cuts[0].start > 0 and text[: cuts[0].start].strip():
        cuts.insert(0, _Cut(0, "start", None))
    page_offsets = list(doc.page_starts) or page_starts(text)
    sections: list[Section] = []
    seen: dict[str, int] = {}
    context = ""
    for i, cut in enumerate(cuts):
        end = cuts[i + 1].start if i + 1 < len(cuts) else len(text)
        body = display_text(clean_text(text[cut.start : end]))
        if not body.strip():
            continue
        anchor = cut.anchor
        if anchor in seen:
            seen[anchor] += 1
            anchor = f"{anchor}-{seen[anchor]}"
        else:
            seen[anchor] = 1
        title = cut.title
        if title is None and structure == "windows":
            first = heading_after(body)
            title = first if looks_like_heading(first) else None
        title = title or doc_title or doc.doc_id
        if structure == "pages" and _is_divider(body, title):
            # A slide that only names a part of the deck ("BUP tillgänglighet april 2025")
            # is the context of the slides after it.
            context = title
        for j, chunk in enumerate(_bounded(body)):
            sections.append(
                Section(
                    section_id=f"{doc.doc_id}#{anchor}" + (f".{j + 1}" if j else ""),
                    doc_id=doc.doc_id,
                    anchor=anchor + (f".{j + 1}" if j else ""),
                    title=title,
                    text=chunk,
                    position=len(sections),
                    pages=_pages_of(cut.start, end, page_offsets),
                    context=context if context != title else "",
                )
            )
    return sections


def _is_divider(body: str, title: str) -> bool:
    """A slide with nothing but a short heading (and perhaps a name or a date)."""
    rest = body.strip()
    if rest.startswith(title):
        rest = rest[len(title) :]
    return len(rest.strip()) < 40 and len(title) <= 80


def _bounded(body: str) -> list[str]:
    """Split an over-long section at line boundaries so no hit is a whole book."""
    if len(body) <= MAX_SECTION_CHARS:
        return [body]
    chunks: list[str] = []
    buf: list[str] = []
    size = 0
    for line in body.split("\n"):
        if size + len(line) > MAX_SECTION_CHARS and buf:
            chunks.append("\n".join(buf))
            buf, size = [], 0
        buf.append(line)
        size += len(line) + 1
    if buf:
        chunks.append("\n".join(buf))
    return chunks
