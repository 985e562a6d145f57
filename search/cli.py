"""The ``rsearch`` command: argument parsing and rendering over :class:`search.Index`.

Exit statuses are those of :mod:`search.run`, where they are defined.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from index.errors import IndexMissingError
from search import output
from search.api import Index, default_index_dir
from search.run import EXIT_OK, EXIT_PARTIAL, errors, open_index, run_search

F = TypeVar("F", bound=Callable[..., Any])


class DefaultGroup(click.Group):
    """A group where an unknown first word means ``search``: ``rsearch "hyrstopp"``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["search", *args]
        return super().parse_args(ctx, args)


def index_option(f: F) -> F:
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="RSEARCH_INDEX",
        help="Index folder [default: $RSEARCH_INDEX, else the per-user data folder].",
    )(f)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rsearch")
def main() -> None:
    """Search Swedish public-sector documents by section.

    \b
    rsearch "hyrstopp sjuksköterskor"      search (the default command)
    rsearch index ~/protokoll              add new and changed files
    rsearch docs                           list indexed documents

    Queries: words (ranked by how many a section covers), "exact phrases",
    AND / OR / NOT, -word to exclude, +word to require.
    """


@main.command()
@click.argument("query", nargs=-1)
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--batch",
    type=click.File("r", encoding="utf-8"),
    help="Read one query per line from FILE ('-' for stdin); print one JSON object per line.",
)
@click.option("--org", help='Only this organisation, e.g. "Region Skåne".')
@click.option("--type", "doctype", help="Only this document type, e.g. protokoll.")
@click.option("--from", "date_from", help="Only documents dated on or after (2024 or 2024-05-17).")
@click.option("--to", "date_to", help="Only documents dated on or before (2024 or 2024-05-17).")
@index_option
def search(
    query: tuple[str, ...],
    limit: int,
    as_json: bool,
    batch: Any,
    org: str | None,
    doctype: str | None,
    date_from: str | None,
    date_to: str | None,
    index_dir: Path | None,
) -> None:
    """Rank the sections that match QUERY (exit 1 when nothing matches)."""
    code = run_search(
        " ".join(query),
        limit=limit,
        as_json=as_json,
        batch=batch,
        org=org,
        doctype=doctype,
        date_from=date_from,
        date_to=date_to,
        index_dir=index_dir,
    )
    sys.exit(code)


def terminal_progress(paths: list[Path]) -> Callable[[str, int], None] | None:
    """A one-line progress display on a terminal (files, MB, rate, time left); else None.

    It appears only once indexing has taken more than half a second.
    """
    if not sys.stderr.isatty() or not paths:
        return None
    import time

    from index.builder import BuildReport, iter_files

    sizes = [f.stat().st_size for f, _ in iter_files(paths, BuildReport()) if f.exists()]
    total = sum(sizes) / 2**20
    start = time.monotonic()
    done = {"files": 0, "mb": 0.0}

    def update(path: str, nbytes: int) -> None:
        done["files"] += 1
        done["mb"] += nbytes / 2**20
        elapsed = time.monotonic() - start
        if elapsed < 0.5:
            return
        rate = done["mb"] / elapsed if elapsed else 0.0
        left = (total - done["mb"]) / rate if rate else 0.0
        click.echo(
            f"\r{done['files']}/{len(sizes)} files, {done['mb']:.1f}/{total:.1f} MB, "
            f"{rate:.1f} MB/s, {left:.0f} s left   ",
            err=True,
            nl=done["files"] == len(sizes),
        )

    return update


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Build from scratch and switch atomically.")
@click.option("--prune", is_flag=True, help="Remove documents whose files are gone.")
@click.option("--wait", default=0.0, type=float, help="Seconds to wait for another writer.")
@index_option
def index_cmd(
    paths: tuple[Path, ...], rebuild: bool, prune: bool, wait: float, index_dir: Path | None
) -> None:
    """Index files and folders (.txt .md .pdf .docx .html .htm .jsonl .jsonl.gz).

    Without PATHs, re-scan the sources the index was built from (the bundled seeds for
    a new index). Only new and changed documents are analysed.
    """
    folder = index_dir or default_index_dir()
    with errors():
        from index.store import Manifest, WhooshStore

        if rebuild or not WhooshStore.exists(folder):
            from search.api import seed_paths

            targets = list(paths)
            if not targets:
                # The manifest, not Index.open: an index of an older version can still
                # say what it was built from.
                targets = (
                    [Path(s) for s in Manifest.read(folder).sources]
                    if WhooshStore.exists(folder)
                    else seed_paths()
                )
            ix, report = Index.create(folder, targets, progress=terminal_progress(targets))
        else:
            ix = Index.open(folder)
            targets = list(paths) or [Path(s) for s in ix.stats().sources]
            report = ix.update(
                list(paths), prune=prune, wait=wait, progress=terminal_progress(targets)
            )
    for path, reason in report.failed:
        click.echo(f"rsearch: {path}: {reason}", err=True)
    for warning in report.warnings:
        click.echo(f"rsearch: {warning}", err=True)
    click.echo(f"{report.summary()} ({folder})", err=True)
    sys.exit(EXIT_PARTIAL if report.failed else EXIT_OK)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@index_option
def stats(as_json: bool, index_dir: Path | None) -> None:
    """Show the index location, size, analysis version, stemmer digest and sources."""
    with errors():
        s = open_index(index_dir).stats()
    click.echo(output.to_json(output.stats_dict(s)) if as_json else output.human_stats(s))


@main.command()
@click.argument("section_id")
@click.option("--json", "as_json", is_flag=True)
@index_option
def show(section_id: str, as_json: bool, index_dir: Path | None) -> None:
    """Print one section in full (ids look like 004_b8ebff7d4bb7d37c.txt#item1)."""
    with errors():
        hit = open_index(index_dir).section(section_id)
    if as_json:
        d = hit.to_dict()
        for k in ("rank", "score", "snippet", "highlights"):
            d.pop(k, None)
        click.echo(output.to_json(d))
        return
    meta = " · ".join(p for p in (hit.org, hit.doctype, hit.date) if p)
    click.echo(f"{hit.title or hit.doc_id} — {hit.section_title}\n{meta}\n\n{hit.text}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@index_option
def docs(as_json: bool, index_dir: Path | None) -> None:
    """List indexed documents with their metadata and number of sections."""
    with errors():
        records = open_index(index_dir).documents()
    if as_json:
        click.echo(output.to_json([output.doc_dict(d) for d in records]))
    else:
        click.echo(output.human_docs(records))


@main.command()
@click.argument("doc_id")
@index_option
def remove(doc_id: str, index_dir: Path | None) -> None:
    """Delete one document and all its sections."""
    with errors():
        if index_dir is None:
            index_dir = default_index_dir()
        if not Index.open(index_dir).remove(doc_id):
            raise IndexMissingError(f"no document {doc_id!r} in the index (see `rsearch docs`)")
    click.echo(f"removed {doc_id}", err=True)


@main.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True)
def analyze(text: tuple[str, ...], as_json: bool) -> None:
    """Show how TEXT is analysed: tokens, index terms and compound parts."""
    from index.analysis import SWEDISH_STOPWORDS, analyze_word, tokenize

    rows: list[dict[str, Any]] = []
    for tok in tokenize(" ".join(text)):
        word = tok.text.lower()
        if word in SWEDISH_STOPWORDS:
            rows.append({"token": tok.text, "stopword": True})
            continue
        t = analyze_word(word)
        rows.append({"token": tok.text, "term": t.stem, "parts": list(t.parts)})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        if r.get("stopword"):
            click.echo(f"{r['token']:<24} (stopword)")
        else:
            parts = " + ".join(r["parts"]) if r["parts"] else ""
            click.echo(f"{r['token']:<24} {r['term']:<20} {parts}")


@main.command("eval")
@click.argument("judged", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--docs",
    "docs_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Documents for a seed-format query file [default: the bundled seeds].",
)
@click.option("--split", default="dev", show_default=True, help="Qrels split to run.")
@click.option(
    "--distractors",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Extra documents indexed with a qrels corpus (e.g. ../shared/corpus/*.jsonl.gz).",
)
@click.option(
    "--keep",
    "keep_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep rsearch's index in this folder and reuse it when it exists.",
)
@click.option("--json", "as_json", is_flag=True)
def eval_cmd(
    judged: Path,
    docs_paths: tuple[Path, ...],
    split: str,
    distractors: tuple[Path, ...],
    keep_dir: Path | None,
    as_json: bool,
) -> None:
    """Score rsearch and a plain Whoosh + Snowball baseline on a judged query set.

    JUDGED is a seed-format query file (JSON Lines with "relevant") or a qrels folder
    holding corpus.jsonl, <split>-queries.jsonl and <split>-qrels.tsv. Both systems
    index the same sections in memory in this run.
    """
    from search import evaluate
    from search.api import seed_paths

    with errors():
        if judged.is_dir():
            c = evaluate.compare_qrels(judged, split, list(distractors), keep_dir)
        else:
            c = evaluate.compare_seeds(judged, list(docs_paths) or seed_paths(), keep_dir)
    if as_json:
        click.echo(
            output.to_json(
                {
                    r.name: {**r.metrics, "p50_ms": r.latency(0.5), "p95_ms": r.latency(0.95)}
                    for r in (c.rsearch, c.baseline)
                }
            )
        )
    else:
        click.echo("\n".join(evaluate.report_lines(c)))


if __name__ == "__main__":
    main()
