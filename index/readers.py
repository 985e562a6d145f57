"""Read files into ``Document`` objects, one function per format.

Every reader gets raw bytes or a path and returns documents with NFC text. Failures are
``InputError`` with the path and the reason in the message, so the builder can report
the file and carry on with the rest.

Text, Markdown and JSON Lines are read as they are. PDF (text layer via pypdf, with page
offsets), DOCX and HTML are reduced to text; DOCX and HTML headings become Markdown
``#`` lines so the section splitter cuts at them.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import logging
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from index.analysis import normalize
from index.errors import InputError
from index.models import Document

MAX_TEXT_BYTES = 200 * 1024 * 1024
# Text files larger than this are read and indexed in parts of about PART_BYTES, cut at
# paragraph boundaries, so memory stays bounded whatever the file size.
LARGE_TEXT_BYTES = 16 * 1024 * 1024
PART_BYTES = 4 * 1024 * 1024

# A reader yields documents; a problem that spoils one record but not the rest of the
# file (a bad JSON line) is yielded as an ``InputError`` for the builder to report.
Reader = Callable[[Path, str], Iterator["Document | InputError"]]


def decode(data: bytes, path: Path) -> str:
    """Decode text as UTF-8 (with or without BOM), else as cp1252/latin-1.

    Binary data (NUL bytes) is refused rather than indexed as garbage.
    """
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sidecar(path: Path) -> dict[str, str]:
    side = path.with_name(path.name + ".meta.json")
    if not side.is_file():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{side}: unreadable metadata sidecar ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{side}: metadata sidecar must be a JSON object")
    return {k: str(v) for k, v in data.items() if v is not None and k in _META_KEYS}


_META_KEYS = {"title", "org", "doctype", "date", "url", "designation"}


def read_text_file(path: Path, rel: str) -> Iterator[Document]:
    """``.txt`` and ``.md``: the whole file is one document (a huge file, several parts)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > LARGE_TEXT_BYTES:
        yield from _read_text_parts(path, rel)
        return
    text = normalize(decode(_read_limited(path), path))
    if not text.strip():
        raise InputError(f"{path}: empty file")
    fmt = "md" if path.suffix.lower() in {".md", ".markdown"} else "txt"
    yield _document(path, rel, text, fmt)


def _read_text_parts(path: Path, rel: str) -> Iterator[Document]:
    """A very large text file as documents ``<rel>:part1``, ``:part2``, ... of bounded size."""
    fmt = "md" if path.suffix.lower() in {".md", ".markdown"} else "txt"
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
            if b"\x00" in head[:8192]:
                raise InputError(f"{path}: binary file, not text")
            try:
                head.decode("utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError as exc:
                # A cut multi-byte character at the end of the sample is still UTF-8.
                encoding = "utf-8" if exc.start >= len(head) - 3 else "cp1252"
            fh.seek(0)
            reader = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline=None)
            carry = ""
            part = 0
            while True:
                chunk = reader.read(PART_BYTES)
                buf = carry + chunk
                if not chunk:
                    tail, carry = buf, ""
                else:
                    cut = buf.rfind("\n\n")
                    cut = cut if cut > len(buf) // 2 else buf.rfind("\n")
                    cut = cut if cut > 0 else len(buf)
                    tail, carry = buf[:cut], buf[cut:]
                if tail.strip():
                    part += 1
                    doc = _document(path, rel, normalize(tail), fmt)
                    yield Document(
                        doc_id=f"{rel}:part{part}",
                        text=doc.text,
                        path=rel,
                        source=f"{doc.source}::part{part}",
                        fmt=fmt,
                        given=doc.given,
                    )
                if not chunk:
                    break
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_jsonl(path: Path, rel: str) -> Iterator[Document | InputError]:
    """``.jsonl`` / ``.jsonl.gz``: one document per record (``id``, ``title``, ``text``...)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        where = path.resolve()  # once: resolving per record took 2 % of a corpus build
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as exc:
                    yield InputError(f"{path}:{n}: not a JSON record ({exc.args[0]})")
                    continue
                if not isinstance(rec, dict) or not rec.get("id") or not rec.get("text"):
                    yield InputError(f"{path}:{n}: a record needs non-empty 'id' and 'text'")
                    continue
                rid = str(rec["id"])
                given = {k: str(rec[k]) for k in _META_KEYS if rec.get(k)}
                yield Document(
                    doc_id=rid,
                    text=normalize(str(rec["text"])),
                    path=None,
                    source=f"{where}::{rid}",
                    fmt="record",
                    given=given,
                )
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: JSON Lines must be UTF-8") from None


# --- shared helpers for the binary and markup formats ---------------------------------


def _read_limited(path: Path) -> bytes:
    """Read a whole file, refusing it first by size so one huge file cannot exhaust memory."""
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InputError(
                f"{path}: too large ({size // 2**20} MB; limit {MAX_TEXT_BYTES // 2**20} MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data:
        raise InputError(f"{path}: empty file")
    return data


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Hold back a library's log warnings while it parses one file.

    pypdf logs every repair it makes ("EOF marker not found"); the builder already
    reports a file that fails, and warnings for files that parse fine are noise.
    """
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reason(exc: BaseException) -> str:
    """A one-line reason for a parser's exception (the CLI prints one line per file)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_JUNK_TITLES = {
    "untitled",
    "untitled document",
    "no title",
    "title",
    "document",
    "dokument",
    "namnlös",
    "namnlöst",
    "ingen titel",
    "titel",
    "rubrik",
    "presentation",
    "powerpoint presentation",
    "powerpoint-presentation",
    "microsoft word",
    "slide 1",
    "bild 1",
}
_APP_PREFIX = re.compile(r"^(?:microsoft\s+)?(?:word|powerpoint|excel)\s*-\s*", re.I)
_FILE_NAME = re.compile(
    r"^[^/\\]*\.(?:docx?|dotx?|pdf|pptx?|xlsx?|odt|rtf|txt|indd|qxp|html?)$", re.I
)
_NUMBERED_DEFAULT = re.compile(r"^(?:document|dokument|untitled|namnlös)\s*\d*$", re.I)


def _meaningful_title(value: object) -> str | None:
    """A metadata title worth showing, or None.

    Authoring tools fill the title field with junk ("Microsoft Word - Dokument1.docx",
    "Untitled"); such a title would override the better one found in the text.
    """
    if not isinstance(value, str):
        return None
    title = "".join(" " if unicodedata.category(c) == "Cc" else c for c in normalize(value))
    title = _APP_PREFIX.sub("", " ".join(title.split()))
    if (
        len(title) < 3
        or len(title) > 300
        or not any(c.isalpha() for c in title)
        or title.casefold() in _JUNK_TITLES
        or _FILE_NAME.match(title)
        or _NUMBERED_DEFAULT.match(title)
    ):
        return None
    return title


def _document(
    path: Path,
    rel: str,
    text: str,
    fmt: str,
    title: str | None = None,
    page_starts: tuple[int, ...] = (),
) -> Document:
    """Build a file's document; the sidecar's metadata wins over the extracted title."""
    given = {"title": title} if title else {}
    given.update(_sidecar(path))
    return Document(
        doc_id=rel,
        text=text,
        path=rel,
        source=str(path.resolve()),
        fmt=fmt,
        given=given,
        page_starts=page_starts,
    )


PAGE_SEPARATOR = "\n\n"

# --- PDF ------------------------------------------------------------------------------


def read_pdf(path: Path, rel: str) -> Iterator[Document]:
    """``.pdf``: the text layer, page by page, with page offsets for page numbers."""
    pages, title = _pdf_pages(path, _read_limited(path))
    text, starts = _join_pages(pages)
    if not text.strip():
        raise InputError(f"{path}: no text layer (scanned PDF?); run OCR first")
    yield _document(path, rel, text, "pdf", title, starts)


def _pdf_pages(path: Path, data: bytes) -> tuple[list[str], str | None]:
    """Each page's normalised text, and the document's title when it is meaningful.

    pypdf is imported here, not at module level: it is slow to import and most CLI
    commands never read a PDF. Any parser failure becomes an ``InputError`` so one
    broken file does not stop a build.
    """
    import pypdf

    locked = f"{path}: encrypted PDF (needs a password); decrypt it first"
    with _quiet("pypdf"):
        try:
            pdf = pypdf.PdfReader(io.BytesIO(data))
            # pypdf already tried the empty user password (restriction-only encryption).
            if pdf.is_encrypted and pdf.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
                raise InputError(locked)
            pages = [normalize(page.extract_text() or "").strip() for page in pdf.pages]
        except InputError:
            raise
        except pypdf.errors.FileNotDecryptedError:
            raise InputError(locked) from None
        except Exception as exc:  # pypdf raises many kinds on damaged files
            raise InputError(f"{path}: cannot parse PDF ({_reason(exc)})") from None
        return pages, _pdf_title(pdf)


def _pdf_title(pdf: Any) -> str | None:
    """The info dictionary's title; broken metadata only loses the title, not the file."""
    try:
        info = pdf.metadata
        return _meaningful_title(info.title if info is not None else None)
    except Exception:  # damaged metadata: the text is still worth indexing
        return None


def _join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join pages with a blank line and record where each page's text starts.

    Empty pages keep their place so later pages keep their numbers.
    """
    starts: list[int] = []
    offset = 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(pages), tuple(starts)


# --- DOCX -----------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*(\d*)", re.I)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    zlib.error,
    ET.ParseError,
)


def read_docx(path: Path, rel: str) -> Iterator[Document]:
    """``.docx``: paragraphs as text, heading styles as Markdown headings (for sections)."""
    data = _read_limited(path)
    if data.startswith(_OLE_MAGIC):
        raise InputError(f"{path}: password-protected or old binary Word file, not DOCX")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            body = ET.fromstring(_zip_member(zf, "word/document.xml", path))
            title = _docx_title(zf)
    except InputError:
        raise
    except _ZIP_ERRORS as exc:
        raise InputError(f"{path}: cannot read DOCX ({_reason(exc)})") from None
    text = normalize(PAGE_SEPARATOR.join(_docx_blocks(body)))
    if not text.strip():
        raise InputError(f"{path}: empty file")
    yield _document(path, rel, text, "md", title)


def _zip_member(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """One member's bytes, refused when missing or (zip bomb) too large unpacked."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise InputError(f"{path}: not a Word document (no {name})") from None
    if info.file_size > MAX_TEXT_BYTES:
        raise InputError(f"{path}: {name} too large ({info.file_size // 2**20} MB unpacked)")
    return zf.read(info)


def _docx_title(zf: zipfile.ZipFile) -> str | None:
    """``dc:title`` from the core properties; optional, so damage there is ignored."""
    try:
        core = ET.fromstring(zf.read("docProps/core.xml"))
    except (KeyError, *_ZIP_ERRORS):
        return None
    node = core.find(_DC_TITLE)
    return _meaningful_title(node.text if node is not None else None)


def _docx_blocks(root: ET.Element) -> Iterator[str]:
    """Non-empty paragraphs in reading order; heading styles become ``#`` headings."""
    for para in _docx_paragraphs(root):
        text = "".join(_docx_runs(para)).strip()
        if not text:
            continue
        level = _docx_heading_level(para)
        yield f"{'#' * level} {' '.join(text.split())}" if level else text


def _docx_paragraphs(element: ET.Element) -> Iterator[ET.Element]:
    """Every ``w:p`` in document order, tables and text boxes included.

    ``mc:Fallback`` repeats an ``mc:Choice`` for old readers; reading both would
    duplicate text-box text.
    """
    for child in element:
        if child.tag == _MC_FALLBACK:
            continue
        if child.tag == _W + "p":
            yield child
        yield from _docx_paragraphs(child)


_DOCX_CHARS = {_W + "tab": " ", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_DOCX_SKIP = {_W + "p", _W + "pPr", _W + "rPr", _MC_FALLBACK}


def _docx_runs(element: ET.Element) -> Iterator[str]:
    """A paragraph's text pieces; nested paragraphs (text boxes) are read on their own.

    Properties are skipped: ``w:pPr`` holds tab-stop definitions, also named ``w:tab``.
    Deleted revisions are ``w:delText``, so they are left out as well.
    """
    for child in element:
        if child.tag in _DOCX_SKIP:
            continue
        if child.tag == _W + "t":
            yield child.text or ""
        elif child.tag in _DOCX_CHARS:
            yield _DOCX_CHARS[child.tag]
        else:
            yield from _docx_runs(child)


def _docx_heading_level(para: ET.Element) -> int:
    """1-6 for a paragraph styled as a heading ("Heading2", "Rubrik1"), else 0."""
    style = para.find(f"{_W}pPr/{_W}pStyle")
    value = style.get(_W + "val", "") if style is not None else ""
    m = _HEADING_STYLE.match(value)
    if not m:
        return 0
    return min(max(int(m.group(1) or 1), 1), 6)


# --- HTML -----------------------------------------------------------------------------

_HTML_SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template", "svg"}
_HTML_BLOCKS = {
    "p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "dl", "dt",
    "dd", "blockquote", "pre", "main", "aside", "form", "fieldset", "figure",
    "figcaption", "address", "hr", "caption", "thead", "tbody", "tfoot", "details",
    "summary", "body",
}  # fmt: skip
_HTML_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class _HtmlText(HTMLParser):
    """Collect an HTML page's readable text as Markdown-ish paragraphs.

    Menus, scripts and page chrome are dropped so they do not match every query;
    headings become ``#`` lines so the section splitter cuts at them.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.title = ""
        self.first_h1 = ""
        self._buf: list[str] = []
        self._skip = 0
        self._pre = 0
        self._in_title = False
        self._heading = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _HTML_HEADINGS:
            self._flush()
            self._heading = _HTML_HEADINGS[tag]
        elif tag in _HTML_BLOCKS:
            self._flush()
            self._pre += tag == "pre"
            if tag == "li":
                self._buf.append("- ")
        elif tag in {"td", "th"}:
            self._buf.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self._skip = max(self._skip - 1, 0)
        elif tag == "title":
            self._in_title = False
        elif tag in _HTML_HEADINGS:
            self._flush()
            self._heading = 0
        elif tag in _HTML_BLOCKS:
            self._pre = max(self._pre - (tag == "pre"), 0)
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
        else:
            self._buf.append(data if self._pre else re.sub(r"\s+", " ", data))

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        """End the current paragraph (or heading) and start an empty one."""
        raw, self._buf = "".join(self._buf), []
        lines = (" ".join(line.split()) for line in raw.splitlines())
        text = "\n".join(line for line in lines if line)
        if not text or text == "-":
            return  # a block inside a heading keeps the heading open
        level, self._heading = self._heading, 0
        if level:
            heading = " ".join(text.split())
            self.first_h1 = self.first_h1 or (heading if level == 1 else "")
            text = f"{'#' * level} {heading}"
        self.paragraphs.append(text)


def read_html(path: Path, rel: str) -> Iterator[Document]:
    """``.html`` / ``.htm``: visible text with headings as Markdown, ``<title>`` as title."""
    parser = _HtmlText()
    try:
        parser.feed(decode_html(_read_limited(path), path))
        parser.close()
    except (AssertionError, ValueError) as exc:  # html.parser on pathological markup
        raise InputError(f"{path}: cannot parse HTML ({_reason(exc)})") from None
    text = normalize(PAGE_SEPARATOR.join(parser.paragraphs))
    if not text.strip():
        raise InputError(f"{path}: empty file")
    title = _meaningful_title(parser.title) or _meaningful_title(parser.first_h1)
    yield _document(path, rel, text, "md", title)


_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# As browsers do (WHATWG): Latin-1 labels mean cp1252, and a UTF-16 label in a page
# that was readable as ASCII cannot be right.
_CHARSET_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252", "utf-16": "utf-8"}


def decode_html(data: bytes, path: Path) -> str:
    """Decode HTML by its BOM, else its declared charset, else as ``decode`` does."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    charset = _declared_charset(data)
    if charset and not data.startswith(codecs.BOM_UTF8) and b"\x00" not in data[:8192]:
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            pass  # a wrong declaration is common; guess instead
    return decode(data, path)


def _declared_charset(data: bytes) -> str | None:
    """The codec named by ``<meta charset>`` or http-equiv in the page's head, if known."""
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    try:
        name = codecs.lookup(m.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    for prefix, alias in _CHARSET_ALIASES.items():
        if name.startswith(prefix):
            return alias
    return name


READERS: dict[str, Reader] = {
    ".txt": read_text_file,
    ".text": read_text_file,
    ".md": read_text_file,
    ".markdown": read_text_file,
    ".jsonl": read_jsonl,
    ".jsonl.gz": read_jsonl,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
}


def reader_for(path: Path) -> Reader | None:
    """The reader for a file name, or None when rsearch does not read that format."""
    name = path.name.lower()
    for suffix in sorted(READERS, key=len, reverse=True):
        if name.endswith(suffix):
            return READERS[suffix]
    return None
