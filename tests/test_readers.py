"""Readers for PDF, DOCX and HTML, on fixtures built here byte by byte."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from index.errors import InputError
from index.models import Document
from index.readers import _meaningful_title, read_docx, read_html, read_pdf, reader_for
from search import Index

# --- fixture builders -----------------------------------------------------------------


def _pdf_string(text: str) -> str:
    """A PDF literal string body: backslashes and parentheses escaped."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str] | None], title: str | None = None) -> bytes:
    """A minimal valid PDF; each page is a list of lines, or None for a page without text.

    Objects are numbered in the order written, and the xref table gets the real byte
    offset of each, so pypdf reads the file without repairing it.
    """
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids: list[int] = []
    for lines in pages:
        contents = ""
        if lines is not None:
            ops = " ".join(f"({_pdf_string(line)}) Tj 0 -16 Td" for line in lines)
            stream = f"BT /F1 12 Tf 72 720 Td {ops} ET".encode("latin-1")
            objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
            contents = f" /Contents {len(objects)} 0 R"
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
                f" /Resources << /Font << /F1 3 0 R >> >>{contents} >>"
            ).encode("latin-1")
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    refs = " ".join(f"{k} 0 R" for k in kids)
    objects[1] = f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode("latin-1")
    info = ""
    if title is not None:
        objects.append(f"<< /Title ({_pdf_string(title)}) >>".encode("latin-1"))
        info = f" /Info {len(objects)} 0 R"

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\n"
    out += trailer.encode("latin-1") + b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _para(text: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def make_docx(
    paragraphs: list[str] | None = None, title: str | None = "Årsrapport för Vattenverket"
) -> bytes:
    """A minimal DOCX: content types, relationships, document.xml and core properties.

    ``paragraphs`` are raw ``w:p`` elements; by default a heading and two body paragraphs
    (one with a tab, a line break and a tab-stop definition that must not become text).
    """
    if paragraphs is None:
        paragraphs = [
            _para("Sammanfattning", "Heading1"),
            _para("Vattenverket i Älvkarleby levererar dricksvatten åt hela länet."),
            (
                '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
                "<w:r><w:t>Kostnad</w:t><w:tab/><w:t>4 miljoner</w:t><w:br/>"
                "<w:t>Ökning från förra året</w:t></w:r></w:p>"
            ),
            _para("Bakgrund", "Rubrik2"),
            _para("Ledningsnätet byggdes på 1960-talet."),
        ]
    body = "".join(paragraphs)
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        zf.writestr("word/document.xml", document)
        if title is not None:
            zf.writestr(
                "docProps/core.xml",
                '<?xml version="1.0" encoding="UTF-8"?>'
                "<cp:coreProperties xmlns:cp="
                '"http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
                ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
                f"<dc:title>{title}</dc:title></cp:coreProperties>",
            )
    return buf.getvalue()


HTML_PAGE = """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8">
<title>Cykelplan f&ouml;r Sk&aring;ne</title>
<style>body { color: red }</style>
<script>var hemligt = "skriptkod";</script>
</head><body>
<nav><a href="/">Startsida</a> <a href="/om">Om oss</a></nav>
<h2>Nya cykelbanor</h2>
<p>Regionen bygger 40 km cykelbana l&auml;ngs v&auml;g 11 &amp; v&auml;g 13.</p>
<ul><li>Ystad</li><li>Tomelilla</li></ul>
<footer>Sidfot med kontaktuppgifter</footer>
</body></html>
"""


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _one(docs: Iterable[Document]) -> Document:
    items = list(docs)
    assert len(items) == 1
    return items[0]


# --- PDF ------------------------------------------------------------------------------


def test_pdf_fixture_is_well_formed(caplog: pytest.LogCaptureFixture) -> None:
    from pypdf import PdfReader

    with caplog.at_level(logging.WARNING):
        pdf = PdfReader(io.BytesIO(make_pdf([["Ett"], ["Tva"]], "T")))
        texts = [page.extract_text().strip() for page in pdf.pages]
    assert texts == ["Ett", "Tva"]
    assert caplog.text == ""  # the hand-made xref is right: pypdf did not repair it


def test_pdf_pages_and_offsets(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "protokoll.pdf",
        make_pdf([["Protokoll Kommunstyrelsen"], ["Paragraf 5 Budget"]], "Protokoll KS"),
    )
    doc = _one(read_pdf(path, "protokoll.pdf"))
    assert doc.fmt == "pdf"
    assert "Protokoll Kommunstyrelsen" in doc.text
    assert len(doc.page_starts) == 2
    assert doc.page_starts[0] == 0
    assert doc.text[doc.page_starts[1] :].startswith("Paragraf 5 Budget")
    assert "Budget" not in doc.text[: doc.page_starts[1]]
    assert doc.given == {"title": "Protokoll KS"}
    assert (doc.doc_id, doc.path, doc.source) == (
        "protokoll.pdf",
        "protokoll.pdf",
        str(path.resolve()),
    )


def test_pdf_empty_page_keeps_page_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.pdf", make_pdf([["Forsta sidan"], None, ["Tredje sidan"]]))
    doc = _one(read_pdf(path, "a.pdf"))
    assert len(doc.page_starts) == 3
    assert doc.text[doc.page_starts[2] :].startswith("Tredje sidan")


def test_pdf_junk_title_ignored_and_sidecar_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.pdf", make_pdf([["Text"]], "Microsoft Word - Dokument1.docx"))
    assert "title" not in _one(read_pdf(path, "a.pdf")).given
    path.with_name("a.pdf.meta.json").write_text(
        json.dumps({"title": "Från sidofilen", "org": "Region Skåne"}), encoding="utf-8"
    )
    assert _one(read_pdf(path, "a.pdf")).given == {
        "title": "Från sidofilen",
        "org": "Region Skåne",
    }


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = _write(tmp_path, "scan.pdf", make_pdf([None]))
    with pytest.raises(InputError, match="no text layer") as err:
        list(read_pdf(path, "scan.pdf"))
    assert str(err.value).startswith(f"{path}: ")


def test_pdf_garbage(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.pdf", b"this is not a PDF at all\n" * 20)
    with pytest.raises(InputError) as err:
        list(read_pdf(path, "x.pdf"))
    assert str(err.value).startswith(f"{path}: cannot parse PDF")
    assert "\n" not in str(err.value)


def test_pdf_damage_is_not_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    damaged = make_pdf([["Protokoll"]]).replace(b"0000000009 00000 n", b"0000000019 00000 n")
    path = _write(tmp_path, "x.pdf", damaged)  # catalog offset off: pypdf repairs, logs
    with caplog.at_level(logging.WARNING):
        assert "Protokoll" in _one(read_pdf(path, "x.pdf")).text
    assert caplog.text == ""
    assert logging.getLogger("pypdf").level == logging.NOTSET  # restored


def test_empty_files(tmp_path: Path) -> None:
    for name, reader in (("a.pdf", read_pdf), ("b.docx", read_docx), ("c.html", read_html)):
        path = _write(tmp_path, name, b"")
        with pytest.raises(InputError, match=f"{name}: empty file"):
            list(reader(path, name))


def test_pdf_truncated(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.pdf", make_pdf([["Protokoll"]])[:60])
    with pytest.raises(InputError, match=r"t\.pdf: "):
        list(read_pdf(path, "t.pdf"))


def test_pdf_encrypted(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf([["Hemlig text"]]))))
    writer.encrypt(user_password="hemligt", owner_password="ägare", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    path = _write(tmp_path, "lock.pdf", buf.getvalue())
    with pytest.raises(InputError, match=r"lock\.pdf: encrypted PDF"):
        list(read_pdf(path, "lock.pdf"))


def test_pdf_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("index.readers.MAX_TEXT_BYTES", 100)
    path = _write(tmp_path, "big.pdf", make_pdf([["Text"]]))
    with pytest.raises(InputError, match="too large"):
        list(read_pdf(path, "big.pdf"))


# --- DOCX -----------------------------------------------------------------------------


def test_docx_headings_body_and_title(tmp_path: Path) -> None:
    path = _write(tmp_path, "rapport.docx", make_docx())
    doc = _one(read_docx(path, "rapport.docx"))
    assert doc.fmt == "md"
    assert doc.text.startswith("# Sammanfattning\n\n")
    assert "Vattenverket i Älvkarleby levererar dricksvatten åt hela länet." in doc.text
    assert "Kostnad 4 miljoner\nÖkning från förra året" in doc.text
    assert "\n\n## Bakgrund\n\n" in doc.text
    assert doc.given["title"] == "Årsrapport för Vattenverket"


def test_docx_decomposed_text_is_nfc(tmp_path: Path) -> None:
    path = _write(tmp_path, "n.docx", make_docx([_para("Va\u0308xjo\u0308 kommun")], None))
    doc = _one(read_docx(path, "n.docx"))
    assert doc.text == "Växjö kommun"
    assert doc.given == {}


def test_docx_without_document_xml(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    path = _write(tmp_path, "tom.docx", buf.getvalue())
    with pytest.raises(InputError, match=r"tom\.docx: .*word/document\.xml"):
        list(read_docx(path, "tom.docx"))


def test_docx_corrupt(tmp_path: Path) -> None:
    path = _write(tmp_path, "trasig.docx", b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"trasig\.docx: cannot read DOCX"):
        list(read_docx(path, "trasig.docx"))


def test_docx_only_empty_paragraphs(tmp_path: Path) -> None:
    path = _write(tmp_path, "e.docx", make_docx(["<w:p/>", _para("   ")]))
    with pytest.raises(InputError, match=r"e\.docx: empty file"):
        list(read_docx(path, "e.docx"))


# --- HTML -----------------------------------------------------------------------------


def test_html_text_headings_lists_and_title(tmp_path: Path) -> None:
    path = _write(tmp_path, "cykel.html", HTML_PAGE.encode("utf-8"))
    doc = _one(read_html(path, "cykel.html"))
    assert doc.fmt == "md"
    assert doc.given["title"] == "Cykelplan för Skåne"
    assert "## Nya cykelbanor" in doc.text.split("\n\n")
    assert "Regionen bygger 40 km cykelbana längs väg 11 & väg 13." in doc.text
    assert "- Ystad\n\n- Tomelilla" in doc.text
    for dropped in ("skriptkod", "color", "Startsida", "Sidfot", "Cykelplan"):
        assert dropped not in doc.text


def test_html_cp1252_declared(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; '
        'charset=windows-1252"></head><body><h1>Välkommen till Göteborg</h1>'
        "<p>Hamnen – en del av staden.</p></body></html>"
    )
    path = _write(tmp_path, "gbg.htm", page.encode("cp1252"))
    doc = _one(read_html(path, "gbg.htm"))
    assert "# Välkommen till Göteborg" in doc.text
    assert "Hamnen – en del av staden." in doc.text
    assert doc.given["title"] == "Välkommen till Göteborg"  # no <title>: the h1


def test_html_meta_charset_short_form(tmp_path: Path) -> None:
    page = '<meta charset="windows-1252"><p>Göteborg</p>'
    path = _write(tmp_path, "k.html", page.encode("cp1252"))
    assert _one(read_html(path, "k.html")).text == "Göteborg"


def test_html_undeclared_falls_back(tmp_path: Path) -> None:
    path = _write(tmp_path, "u.html", "<p>Göteborg</p>".encode("cp1252"))
    assert _one(read_html(path, "u.html")).text == "Göteborg"


def test_html_only_chrome_is_empty(tmp_path: Path) -> None:
    path = _write(tmp_path, "e.html", b"<html><nav>Meny</nav><script>x()</script></html>")
    with pytest.raises(InputError, match=r"e\.html: empty file"):
        list(read_html(path, "e.html"))


# --- shared ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Protokoll KS 2024-03-05", "Protokoll KS 2024-03-05"),
        ("Microsoft Word - Protokoll KS", "Protokoll KS"),
        ("Microsoft Word - protokoll.docx", None),
        ("Untitled", None),
        ("Dokument1", None),
        ("  ", None),
        ("1234", None),
        (None, None),
    ],
)
def test_meaningful_title(raw: str | None, expected: str | None) -> None:
    assert _meaningful_title(raw) == expected


def test_registered() -> None:
    for name in ("a.pdf", "B.PDF", "c.docx", "d.html", "e.htm"):
        assert reader_for(Path(name)) is not None


def test_end_to_end(tmp_path: Path) -> None:
    _write(tmp_path, "protokoll.pdf", make_pdf([["Protokoll Kommunstyrelsen"], ["Budget"]]))
    _write(tmp_path, "rapport.docx", make_docx())
    _write(tmp_path, "cykel.html", HTML_PAGE.encode("utf-8"))
    ix = Index.in_memory([tmp_path])
    try:
        for word, path in (
            ("Kommunstyrelsen", "protokoll.pdf"),
            ("Älvkarleby", "rapport.docx"),
            ("Tomelilla", "cykel.html"),
        ):
            hits = ix.search(word).hits
            assert hits, word
            assert hits[0].path == path, word
        assert 2 in ix.search("Budget").hits[0].pages
    finally:
        ix.close()
