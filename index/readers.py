"""Read files into ``Document`` objects, one function per format.

Every reader gets raw bytes or a path and returns documents with NFC text. Failures are
``InputError`` with the path and the reason in the message, so the builder can report
the file and carry on with the rest.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from index.analysis import normalize
from index.errors import InputError
from index.models import Document

MAX_TEXT_BYTES = 200 * 1024 * 1024

Reader = Callable[[Path, str], Iterator[Document]]


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
    """``.txt`` and ``.md``: the whole file is one document."""
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InputError(
                f"{path}: too large ({size // 2**20} MB; limit {MAX_TEXT_BYTES // 2**20} MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    text = normalize(decode(data, path))
    if not text.strip():
        raise InputError(f"{path}: empty file")
    fmt = "md" if path.suffix.lower() in {".md", ".markdown"} else "txt"
    yield Document(
        doc_id=rel,
        text=text,
        path=rel,
        source=str(path.resolve()),
        fmt=fmt,
        given=_sidecar(path),
    )


def read_jsonl(path: Path, rel: str) -> Iterator[Document]:
    """``.jsonl`` / ``.jsonl.gz``: one document per record (``id``, ``title``, ``text``...)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as exc:
                    raise InputError(f"{path}:{n}: not a JSON record ({exc.args[0]})") from None
                if not isinstance(rec, dict) or not rec.get("id") or not rec.get("text"):
                    raise InputError(f"{path}:{n}: a record needs non-empty 'id' and 'text'")
                rid = str(rec["id"])
                given = {k: str(rec[k]) for k in _META_KEYS if rec.get(k)}
                yield Document(
                    doc_id=rid,
                    text=normalize(str(rec["text"])),
                    path=None,
                    source=f"{path.resolve()}::{rid}",
                    fmt="record",
                    given=given,
                )
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: JSON Lines must be UTF-8") from None


READERS: dict[str, Reader] = {
    ".txt": read_text_file,
    ".text": read_text_file,
    ".md": read_text_file,
    ".markdown": read_text_file,
    ".jsonl": read_jsonl,
    ".jsonl.gz": read_jsonl,
}


def reader_for(path: Path) -> Reader | None:
    """The reader for a file name, or None when rsearch does not read that format."""
    name = path.name.lower()
    for suffix in sorted(READERS, key=len, reverse=True):
        if name.endswith(suffix):
            return READERS[suffix]
    return None
