"""Relevance on the judged seed queries: prints the figures, fails below the bar."""

import pytest

from search import Index
from search.evaluate import eval_seeds, index_search, load_jsonl
from tests.conftest import SHARED

QUERIES = SHARED / "eval" / "seeds-queries.jsonl"


@pytest.mark.skipif(not QUERIES.exists(), reason="needs ../shared/eval beside the project")
def test_seed_queries(seed_index: Index) -> None:
    result = eval_seeds(index_search(seed_index), load_jsonl(QUERIES))
    m = result.metrics
    print(
        f"\nseed queries: success@1 {m['success@1']:.2f}  success@3 {m['success@3']:.2f}  "
        f"MRR@10 {m['MRR@10']:.3f}  misses: "
        + str({k: v for k, v in result.ranks.items() if v != 1})
    )
    assert m["success@1"] >= 0.90
    assert m["MRR@10"] >= 0.93
