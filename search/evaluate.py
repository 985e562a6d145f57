"""Relevance evaluation on judged query sets (the formats of ``shared/eval``).

Two formats:

- seed format (JSON Lines ``{"id", "query", "relevant": [{"doc", "contains"}]}``): a hit
  is relevant when its file name equals ``doc`` and its section text contains
  ``contains`` (whitespace collapsed, case folded); scored by success@1, success@3 and
  MRR@10 of the first relevant hit;
- qrels format (``corpus.jsonl`` + ``*-queries.jsonl`` + TREC ``*-qrels.tsv``): a hit is
  relevant when its document id is judged relevant; scored by MRR@10, nDCG@10 and
  recall@10 over distinct documents.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.api import Hit, Index

K = 10


@dataclass
class EvalResult:
    """Figures for one run, plus per-query ranks for inspection."""

    name: str
    metrics: dict[str, float]
    ranks: dict[str, int | None] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    def latency(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, int(q * len(xs)))]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


SearchFn = Callable[[str, int], Sequence[Hit]]


def eval_seeds(
    search: SearchFn, queries: list[dict[str, Any]], name: str = "rsearch"
) -> EvalResult:
    """success@1, success@3 and MRR@10 over seed-format queries."""
    ranks: dict[str, int | None] = {}
    latencies: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        hits = search(q["query"], K)
        latencies.append((time.perf_counter() - t0) * 1000)
        rank = None
        for i, h in enumerate(hits, 1):
            base = Path(h.path or h.doc_id).name
            text = _squash(h.text)
            if any(base == r["doc"] and _squash(r["contains"]) in text for r in q["relevant"]):
                rank = i
                break
        ranks[q["id"]] = rank
    n = len(queries) or 1
    metrics = {
        "success@1": sum(1 for r in ranks.values() if r == 1) / n,
        "success@3": sum(1 for r in ranks.values() if r is not None and r <= 3) / n,
        "MRR@10": sum(1 / r for r in ranks.values() if r) / n,
    }
    return EvalResult(name, metrics, ranks, latencies)


def load_qrels(path: Path) -> dict[str, set[str]]:
    qrels: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


def eval_qrels(
    search: SearchFn,
    queries: list[dict[str, Any]],
    qrels: dict[str, set[str]],
    name: str = "rsearch",
) -> EvalResult:
    """MRR@10, nDCG@10 and recall@10 over distinct documents of the ranked sections."""
    mrr = ndcg = recall = 0.0
    ranks: dict[str, int | None] = {}
    latencies: list[float] = []
    judged = [q for q in queries if q["id"] in qrels]
    for q in judged:
        rel = qrels[q["id"]]
        t0 = time.perf_counter()
        hits = search(q["text"], K * 5)
        latencies.append((time.perf_counter() - t0) * 1000)
        docs: list[str] = []
        for h in hits:
            if h.doc_id not in docs:
                docs.append(h.doc_id)
            if len(docs) == K:
                break
        first = next((i for i, d in enumerate(docs, 1) if d in rel), None)
        ranks[q["id"]] = first
        mrr += 1 / first if first else 0.0
        dcg = sum(1 / math.log2(i + 1) for i, d in enumerate(docs, 1) if d in rel)
        ideal = sum(1 / math.log2(i + 1) for i in range(1, min(len(rel), K) + 1))
        ndcg += dcg / ideal if ideal else 0.0
        recall += len(rel & set(docs)) / len(rel)
    n = len(judged) or 1
    return EvalResult(
        name,
        {"MRR@10": mrr / n, "nDCG@10": ndcg / n, "recall@10": recall / n},
        ranks,
        latencies,
    )


def index_search(ix: Index) -> SearchFn:
    return lambda text, k: ix.search(text, limit=k).hits


@dataclass
class Comparison:
    """rsearch and the plain baseline on the same sections, with timings."""

    rsearch: EvalResult
    baseline: EvalResult
    documents: int
    sections: int
    build_seconds: float


def build_both(
    paths: list[Path], index_dir: Path | None = None
) -> tuple[Index, Any, int, int, float]:
    """Index ``paths`` with rsearch and the same sections with plain Whoosh (in memory).

    With ``index_dir``, rsearch's index is kept on disk there and reused when it exists
    (large distractor sets take many minutes to index).
    """
    from index.builder import BuildReport, iter_files, prepare
    from index.models import Document
    from index.readers import reader_for
    from index.store import WhooshStore
    from search.baseline import PlainWhoosh

    t0 = time.perf_counter()
    if index_dir is None:
        ix = Index.in_memory(paths)
    elif WhooshStore.exists(index_dir):
        ix = Index.open(index_dir)
    else:
        ix = Index.create(index_dir, paths)[0]
    build = time.perf_counter() - t0
    plain = PlainWhoosh()
    report = BuildReport()
    docs = sections = 0

    def sections_of() -> Any:
        nonlocal docs, sections
        for f, rel in iter_files(paths, report):
            reader = reader_for(f)
            assert reader is not None
            for doc in reader(f, rel):
                if not isinstance(doc, Document):
                    continue  # a bad record: rsearch skipped it too
                p = prepare(doc)
                docs += 1
                sections += len(p.sections)
                for s in p.sections:
                    yield s, doc.path

    plain.add(sections_of())
    return ix, plain, docs, sections, build


def compare_seeds(queries: Path, docs: list[Path], index_dir: Path | None = None) -> Comparison:
    """Seed-format evaluation of rsearch and the baseline over ``docs``."""
    qs = load_jsonl(queries)
    ix, plain, n_docs, n_sections, build = build_both(docs, index_dir)
    return Comparison(
        eval_seeds(index_search(ix), qs, "rsearch"),
        eval_seeds(plain.search, qs, "plain Whoosh + Snowball"),
        n_docs,
        n_sections,
        build,
    )


def compare_qrels(
    folder: Path,
    split: str = "dev",
    distractors: Sequence[Path] = (),
    index_dir: Path | None = None,
) -> Comparison:
    """Qrels-format evaluation of a folder with ``corpus.jsonl``, ``<split>-queries.jsonl``
    and ``<split>-qrels.tsv``; ``distractors`` are indexed with the corpus."""
    qs = load_jsonl(folder / f"{split}-queries.jsonl")
    qrels = load_qrels(folder / f"{split}-qrels.tsv")
    ix, plain, n_docs, n_sections, build = build_both(
        [folder / "corpus.jsonl", *distractors], index_dir
    )
    return Comparison(
        eval_qrels(index_search(ix), qs, qrels, "rsearch"),
        eval_qrels(plain.search, qs, qrels, "plain Whoosh + Snowball"),
        n_docs,
        n_sections,
        build,
    )


def report_lines(c: Comparison) -> list[str]:
    """A small table: one row per system, metrics then query latency p50/p95."""
    names = list(c.rsearch.metrics)
    head = f"{'system':<26}" + "".join(f"{n:>11}" for n in names) + f"{'p50 ms':>9}{'p95 ms':>9}"
    rows = [head]
    for r in (c.rsearch, c.baseline):
        rows.append(
            f"{r.name:<26}"
            + "".join(f"{r.metrics[n]:>11.3f}" for n in names)
            + f"{r.latency(0.5):>9.1f}{r.latency(0.95):>9.1f}"
        )
    rows.append(
        f"({c.documents} documents, {c.sections} sections; "
        f"rsearch index ready in {c.build_seconds:.1f} s)"
    )
    return rows
