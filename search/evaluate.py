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
