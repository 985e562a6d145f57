"""Full and incremental builds: files -> documents -> sections + metadata -> store.

An update compares each source with what the index holds (size and modification time
as a shortcut, then a content hash) and only analyses what is new or changed. A broken
file is reported and skipped; the others are still indexed. A full rebuild writes a new
generation and switches to it only when it is complete.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index import metadata, readers
from index.errors import InputError
from index.models import DocRecord, Document, Metadata, Section
from index.sections import find_cuts, split_sections
from index.store import StoreWriter, WhooshStore

# Called after each file with its path and size in bytes (for progress bars).
Progress = Callable[[str, int], None]
# Worker processes for full builds (incremental updates are small and run in-process).
BUILD_PROCS = max(1, min(2, os.cpu_count() or 1))
PARALLEL_FROM_BYTES = 16 * 2**20  # smaller builds are over before workers would start
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv"}


@dataclass
class BuildReport:
    """What a build did; ``failed`` holds one ``(path, reason)`` per file that failed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    sections: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    skipped: int = 0  # files of a type rsearch does not read, met while walking folders

    def summary(self) -> str:
        text = (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
        )
        return text + (f", {self.skipped} skipped (unknown type)" if self.skipped else "")


@dataclass(frozen=True)
class Prepared:
    """A document analysed into what the store writes."""

    record: DocRecord
    sections: list[Section]
    meta: Metadata


def prepare(doc: Document, content_hash: str = "", mtime: float = 0.0, size: int = 0) -> Prepared:
    """Split a document into sections and extract its metadata."""
    found = find_cuts(doc)
    meta = metadata.extract(doc.text, found[0], doc.given, guess_title=doc.fmt != "record")
    sections = split_sections(doc, meta.title, found)
    record = DocRecord(
        doc_id=doc.doc_id,
        path=doc.path,
        source=doc.source,
        title=meta.title,
        org=meta.org,
        doctype=meta.doctype,
        date=meta.date,
        sections=len(sections),
        content_hash=content_hash or hashlib.sha1(doc.text.encode("utf-8")).hexdigest(),
        mtime=mtime,
        size=size,
    )
    return Prepared(record, sections, meta)


def iter_files(paths: Iterable[Path], report: BuildReport) -> Iterator[tuple[Path, str]]:
    """Yield ``(file, path relative to the folder it was given from)`` for readable files.

    Folders are walked recursively (hidden entries skipped, symlinked folders followed
    once); a path that does not exist or has an unknown format is reported, not fatal.
    """
    for given in paths:
        if given.is_file():
            if readers.reader_for(given) is None:
                report.failed.append((str(given), "unknown file type"))
            else:
                yield given, given.name
            continue
        if not given.is_dir():
            report.failed.append((str(given), "no such file or folder"))
            continue
        seen: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(given, followlinks=True):
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen:
                report.warnings.append(f"{dirpath}: symlink loop, skipped")
                dirnames[:] = []
                continue
            seen.add((st.st_dev, st.st_ino))
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS
            )
            for name in sorted(filenames):
                if name.startswith((".", "__")) or name.endswith(".meta.json"):
                    continue  # hidden files, Python package files, metadata sidecars
                f = Path(dirpath) / name
                if readers.reader_for(f) is None:
                    report.skipped += 1
                    continue
                yield f, f.relative_to(given).as_posix()


def update(
    store: WhooshStore,
    paths: Iterable[Path],
    prune: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    procs: int = 1,
) -> BuildReport:
    """Bring the index up to date with ``paths``: add new, re-index changed documents.

    A file whose size and modification time are those recorded is not even read; a
    read document whose text hashes as before is not analysed again. With ``prune``,
    documents whose source under these paths is gone are removed with all their
    sections. Everything is committed at once at the end; on an error nothing is.
    """
    report = BuildReport()
    paths = [p.expanduser() for p in paths]
    records = store.documents()
    known = {d.source: d for d in records if d.source}
    by_file: dict[str, list[DocRecord]] = {}
    for d in records:
        if d.source:
            by_file.setdefault(d.source.split("::", 1)[0], []).append(d)
    taken = {d.doc_id: d.source for d in records}
    seen: set[str] = set()
    with store.writer(wait=wait, procs=procs) as w:
        run = _Run(w, known, taken, seen, report)
        for f, rel in iter_files(paths, report):
            try:
                st = f.stat()
            except OSError as exc:
                report.failed.append((str(f), exc.strerror or str(exc)))
                continue
            olds = by_file.get(str(f.resolve()), [])
            if olds and all(o.mtime == st.st_mtime and o.size == st.st_size for o in olds):
                seen.update(o.source or "" for o in olds)
                report.unchanged += len(olds)
                if progress:
                    progress(str(f), st.st_size)
                continue
            run.index_file(f, rel, st)
            if progress:
                progress(str(f), st.st_size)
        if prune:
            roots = [str(p.resolve()) for p in paths]
            for source, rec in known.items():
                file = source.split("::", 1)[0]
                if source not in seen and any(
                    file == r or file.startswith(r.rstrip(os.sep) + os.sep) for r in roots
                ):
                    w.delete(rec.doc_id)
                    report.removed += 1
    return report


@dataclass
class _Run:
    """What one update knows while it walks the files: the writer, the index's records
    by source, the doc ids taken, the sources seen, and its report."""

    w: StoreWriter
    known: dict[str, DocRecord]
    taken: dict[str, str | None]
    seen: set[str]
    report: BuildReport

    def index_file(self, f: Path, rel: str, st: os.stat_result) -> None:
        """Read one file and add or replace each of its documents that changed."""
        reader = readers.reader_for(f)
        assert reader is not None
        try:
            for item in reader(f, rel):
                if isinstance(item, InputError):
                    # "<file>:<line>: <reason>" for one bad record of a JSON Lines file.
                    line, _, reason = str(item).removeprefix(f"{f}:").partition(": ")
                    self.report.failed.append((f"{f}:{line}", reason))
                    continue
                self.index_document(item, f, st)
        except InputError as exc:
            self.report.failed.append((str(f), str(exc).removeprefix(f"{f}: ")))
        except OSError as exc:
            self.report.failed.append((str(f), exc.strerror or str(exc)))

    def index_document(self, doc: Document, f: Path, st: os.stat_result) -> None:
        report = self.report
        source = doc.source or ""
        self.seen.add(source)
        digest = hashlib.sha1(doc.text.encode("utf-8")).hexdigest()
        old = self.known.get(source)
        if old and old.content_hash == digest:
            if (old.mtime, old.size) != (st.st_mtime, st.st_size):
                # Touched but unchanged: record the new stat so the next run skips the file.
                self.w.touch(old, st.st_mtime, st.st_size)
            report.unchanged += 1
            return
        doc_id = doc.doc_id
        if self.taken.get(doc_id) not in (None, source):
            # Same relative name from another folder: keep both apart.
            doc_id = f"{doc_id}~{hashlib.sha1(source.encode('utf-8')).hexdigest()[:6]}"
            doc = _with_id(doc, doc_id)
        if old and old.doc_id != doc_id:
            self.w.delete(old.doc_id)
        prepared = prepare(doc, digest, st.st_mtime, st.st_size)
        if not prepared.sections:
            report.failed.append((str(f), "no text to index"))
            return
        self.w.add(prepared.record, prepared.sections, prepared.meta, replace=doc_id in self.taken)
        self.taken[doc_id] = source
        report.sections += len(prepared.sections)
        if old:
            report.updated += 1
        else:
            report.added += 1


def _with_id(doc: Document, doc_id: str) -> Document:
    from dataclasses import replace

    return replace(doc, doc_id=doc_id)


def rebuild(folder: Path, paths: list[Path], progress: Progress | None = None) -> BuildReport:
    """Build a fresh index from ``paths`` beside the current one, then switch to it."""
    sources = [str(p.expanduser().resolve()) for p in paths]
    store = WhooshStore.create(folder, sources)
    size = sum(f.stat().st_size for f, _ in iter_files(paths, BuildReport()) if f.exists())
    procs = BUILD_PROCS if size >= PARALLEL_FROM_BYTES else 1
    try:
        report = update(store, paths, progress=progress, procs=procs)
    except BaseException:
        store.close()
        raise
    store.publish()
    store.close()
    return report
