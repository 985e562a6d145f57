"""Render results for people (plain or bold on a terminal) and for programs (JSON)."""

from __future__ import annotations

import json
from typing import Any

from index.models import DocRecord
from search.api import Hit, SearchResult, Stats
from search.snippets import Snippet, mark

BOLD, RESET = "\033[1m", "\033[0m"


def _meta_line(hit: Hit) -> str:
    parts = [p for p in (hit.org, hit.doctype, hit.date) if p]
    where = hit.section_id
    if hit.pages:
        pages = hit.pages
        where += f" (s. {pages[0]}" + (f"–{pages[-1]}" if len(pages) > 1 else "") + ")"
    return " · ".join([*parts, where])


def human_hit(hit: Hit, color: bool) -> str:
    snippet = Snippet(hit.snippet, hit.highlights)
    text = mark(snippet, BOLD, RESET) if color else hit.snippet
    title = hit.title or hit.doc_id
    head = f"{hit.rank}. {title}"
    if hit.section_title and hit.section_title != title:
        head += f" — {hit.section_title}"
    if color:
        head = BOLD + head + RESET
    return f"{head}\n   {_meta_line(hit)}\n   {text}"


def human_result(result: SearchResult, color: bool) -> str:
    """Ranked hits; a facet summary and the suggestion when there are any."""
    lines: list[str] = []
    if result.suggestion:
        lines.append(f"Menade du: {result.suggestion}?")
    if not result.hits:
        lines.append(f"Inga träffar för {result.query!r}.")
        return "\n".join(lines) + "\n"
    shown = len(result.hits)
    lines.append(f"{result.total} träffar" + (f" (visar {shown})" if shown < result.total else ""))
    if result.facets:
        lines.append(facet_line(result.facets))
    lines.append("")
    lines.extend(human_hit(h, color) + "\n" for h in result.hits)
    return "\n".join(lines).rstrip() + "\n"


def facet_line(facets: dict[str, dict[str, int]], top: int = 3) -> str:
    parts = []
    for name, counts in facets.items():
        items = list(counts.items())[:top]
        if items:
            parts.append(f"{name}: " + ", ".join(f"{k} ({v})" for k, v in items))
    return " | ".join(parts)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def result_json(result: SearchResult) -> str:
    return to_json(result.to_dict())


def doc_dict(d: DocRecord) -> dict[str, Any]:
    return {
        "doc_id": d.doc_id,
        "path": d.path,
        "title": d.title,
        "org": d.org,
        "doctype": d.doctype,
        "date": d.date,
        "sections": d.sections,
    }


def human_docs(docs: list[DocRecord]) -> str:
    rows = [
        f"{d.doc_id}\t{d.org or '-'}\t{d.doctype or '-'}\t{d.date or '-'}\t{d.sections}\t"
        f"{d.title or ''}"
        for d in docs
    ]
    return "\n".join(["doc_id\torg\tdoctype\tdate\tsections\ttitle", *rows])


def stats_dict(s: Stats) -> dict[str, Any]:
    return dict(s.__dict__)


def human_stats(s: Stats) -> str:
    return "\n".join(
        [
            f"index:     {s.location or '(in memory)'}",
            f"documents: {s.documents}",
            f"sections:  {s.sections}",
            f"size:      {s.size_bytes / 2**20:.1f} MB",
            f"analysis:  {s.analysis} (format {s.format}"
            + (f", stemmer {s.stemmer})" if s.stemmer else ")"),
            "sources:   " + ("\n           ".join(s.sources) if s.sources else "-"),
        ]
    )
