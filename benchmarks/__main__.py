"""Benchmark rsearch beside a plain Whoosh + Snowball indexer on the same documents.

    python -m benchmarks                      # ../shared/corpus, the whole thing
    python -m benchmarks --quick              # 3,000 documents per corpus file
    python -m benchmarks --corpus DIR --out bench-results/run.json

Prints a table and writes JSON. Every figure is measured in this run:

- full build (a fresh ``rsearch index`` process, and a plain Whoosh build process):
  wall time, MB/s, documents/s, sections/s, peak RSS (of the largest process, and of all
  of a build's processes together), index size;
- query latency p50/p95/p99 in process with the index warm, over SweFAQ questions, the
  seed queries and two- and three-word queries drawn from the corpus;
- ``rsearch "hyrstopp sjuksköterskor"`` as a fresh process on a seeds index;
- adding one document to the big index, and re-running with nothing changed;
- with ``--pairs N``, N full builds of each, back to back, and the median build ratio.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def rsearch_cmd() -> list[str]:
    return [sys.executable, "-m", "search.cli"]


def rsearch_build_cmd(folder: Path, files: list[Path]) -> list[str]:
    return [*rsearch_cmd(), "index", "--index", str(folder), *map(str, files)]


def plain_build_cmd(folder: Path, files: list[Path]) -> list[str]:
    return [sys.executable, "-m", "benchmarks.plain", "build", str(folder), *map(str, files)]


# Runs a command as its own child and reports that child's peak RSS (KB on Linux): the
# kernel keeps one maximum over all children, so each measurement needs a fresh parent.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:])\n"
    "print('maxrss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(r.returncode)"
)


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run a command; return its wall time (s), the peak RSS (MB) of its largest process
    as the kernel measures it, and the peak of all its processes' RSS together (MB,
    sampled: :class:`TreeMemory`)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-c", _MEASURE, *cmd],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with TreeMemory(p.pid) as tree:
        _, err = p.communicate()
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 3):
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    kb = next((int(x.split()[1]) for x in reversed(err.splitlines()) if x.startswith("maxrss ")), 0)
    return wall, kb / 1024, tree.peak_mb


class TreeMemory:
    """The peak of the summed RSS of a process's descendants, read from ``/proc`` every
    half second in a thread (0 where there is no ``/proc``).

    Why: the kernel's peak RSS of a command's children (``ru_maxrss``) is that of its
    largest process, not of its processes together: a build with two workers beside its
    parent holds about three of them at once. Sampling can miss a peak shorter than its
    interval; reading ``/proc`` more often would take CPU from the build it measures.
    """

    INTERVAL = 0.5

    def __init__(self, root: int) -> None:
        import threading

        self.root = root
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        if Path("/proc/self/statm").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(self.INTERVAL):
            parents: dict[int, int] = {}
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    try:
                        stat = Path(entry.path, "stat").read_text()
                    except OSError:
                        continue
                    # "pid (name) state ppid ...": the name may hold spaces and parentheses
                    parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            below = {self.root}
            grew = True
            while grew:
                more = {pid for pid, ppid in parents.items() if ppid in below} - below
                below |= more
                grew = bool(more)
            total = 0
            for pid in below - {self.root}:  # not the small measuring process itself
                try:
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                except (OSError, IndexError, ValueError):
                    continue
            self.peak_mb = max(self.peak_mb, total / 2**20)


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def corpus_files(corpus: Path, quick: int | None, work: Path) -> list[Path]:
    """The corpus files, or for ``--quick`` the first N records of each."""
    files = sorted(corpus.glob("*.jsonl.gz")) + sorted(corpus.glob("*.jsonl"))
    if not quick:
        return files
    out = []
    for f in files:
        target = work / f.name.replace(".gz", "")
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rt", encoding="utf-8") as src, target.open("w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= quick:
                    break
                dst.write(line)
        out.append(target)
    return out


def text_stats(files: list[Path]) -> tuple[int, float, list[str]]:
    """Documents, MB of text, and a sample of texts for drawing queries."""
    docs, chars, sample = 0, 0, []
    rnd = random.Random(42)
    for f in files:
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line).get("text", "")
                docs += 1
                chars += len(text.encode("utf-8"))
                if rnd.random() < 0.01:
                    sample.append(text)
    return docs, chars / 2**20, sample


def query_set(sample: list[str]) -> list[str]:
    """SweFAQ questions, seed queries, and two/three-word queries drawn from the corpus."""
    queries: list[str] = []
    faq = SHARED / "eval" / "swefaq" / "dev-queries.jsonl"
    if faq.exists():
        queries += [json.loads(x)["text"] for x in faq.read_text(encoding="utf-8").splitlines()]
    seeds = SHARED / "eval" / "seeds-queries.jsonl"
    if seeds.exists():
        queries += [json.loads(x)["query"] for x in seeds.read_text(encoding="utf-8").splitlines()]
    rnd = random.Random(7)
    for text in sample[:200]:
        words = [w.strip(".,:;()\"'") for w in text.split()]
        words = [w for w in words if len(w) >= 5 and w.isalpha()]
        if len(words) >= 3:
            queries.append(" ".join(rnd.sample(words, rnd.choice((2, 3)))).lower())
    return queries


def latencies(search: Any, queries: list[str]) -> dict[str, float]:
    for q in queries[:20]:
        search(q)  # warm caches
    times = []
    for q in queries:
        t0 = time.perf_counter()
        search(q)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(p * len(times)))]

    return {"p50_ms": pct(0.5), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "queries": len(times)}


def cli_latency(runs: int, work: Path) -> dict[str, float]:
    env = {**os.environ, "RSEARCH_INDEX": str(work / "seeds-ix"), "NO_COLOR": "1"}
    subprocess.run([*rsearch_cmd(), "index", str(ROOT / "seeds")], env=env, capture_output=True)
    exe = shutil.which("rsearch") or ""
    cmd = [exe, "hyrstopp sjuksköterskor"] if exe else [*rsearch_cmd(), "hyrstopp sjuksköterskor"]
    subprocess.run(cmd, env=env, capture_output=True)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True)
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    ap.add_argument("--quick", nargs="?", type=int, const=3000, default=None, metavar="N")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "latest.json")
    ap.add_argument("--cli-runs", type=int, default=15)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument(
        "--pairs",
        type=int,
        default=1,
        metavar="N",
        help="full builds of rsearch and plain, back to back, N times in all (the build"
        " rate is then the median of the N ratios: the machine's speed drifts between runs)",
    )
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rsearch-bench-"))
    try:
        results = run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten {args.out}")


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    files = corpus_files(args.corpus, args.quick, work)
    docs, mb, sample = text_stats(files)
    print(f"corpus: {len(files)} files, {docs} documents, {mb:.1f} MB of text", flush=True)
    results: dict[str, Any] = {"corpus": str(args.corpus), "quick": args.quick}
    results["documents"], results["text_mb"] = docs, mb

    ix_dir = work / "ix"
    wall, rss, total_rss = run_child(rsearch_build_cmd(ix_dir, files))
    from search import Index

    with Index.open(ix_dir) as ix:
        sections = ix.stats().sections
    results["rsearch_build"] = {
        "wall_s": wall,
        "mb_per_s": mb / wall,
        "docs_per_s": docs / wall,
        "sections_per_s": sections / wall,
        "peak_rss_mb": rss,
        "peak_total_rss_mb": total_rss,
        "index_mb": folder_mb(ix_dir),
        "sections": sections,
    }
    print(
        f"rsearch build: {wall:.1f} s, {mb / wall:.2f} MB/s, peak {rss:.0f} MB"
        f" (all processes together {total_rss:.0f} MB)",
        flush=True,
    )

    queries = query_set(sample)
    with Index.open(ix_dir) as ix:
        results["rsearch_queries"] = latencies(lambda q: ix.search(q, limit=10), queries)
    print(f"rsearch queries: {results['rsearch_queries']}", flush=True)

    new = work / "new-doc"
    new.mkdir()
    (new / "ny.txt").write_text(
        "Protokoll\n\n§ 1 Hyrstopp för sjuksköterskor förlängs.\n", encoding="utf-8"
    )
    add_wall, _, _ = run_child([*rsearch_cmd(), "index", "--index", str(ix_dir), str(new)])
    same_wall, _, _ = run_child([*rsearch_cmd(), "index", "--index", str(ix_dir)])
    results["incremental"] = {
        "add_one_s": add_wall,
        "add_one_pct_of_build": 100 * add_wall / wall,
        "unchanged_s": same_wall,
        "unchanged_pct_of_build": 100 * same_wall / wall,
    }
    print(f"incremental: {results['incremental']}", flush=True)

    results["cli"] = cli_latency(args.cli_runs, work)
    print(f"cli: {results['cli']}", flush=True)

    if not args.skip_baseline:
        base_dir = work / "plain"
        bwall, brss, btotal = run_child(plain_build_cmd(base_dir, files))
        results["plain_build"] = {
            "wall_s": bwall,
            "mb_per_s": mb / bwall,
            "docs_per_s": docs / bwall,
            "peak_rss_mb": brss,
            "peak_total_rss_mb": btotal,
            "index_mb": folder_mb(base_dir),
        }
        from benchmarks.plain import PlainSearcher

        with PlainSearcher(base_dir) as plain:
            results["plain_queries"] = latencies(plain.search, queries)
        results["ratios"] = {
            "build_mb_per_s": results["rsearch_build"]["mb_per_s"]
            / results["plain_build"]["mb_per_s"],
            "query_p50": results["rsearch_queries"]["p50_ms"] / results["plain_queries"]["p50_ms"],
        }
        if args.pairs > 1:
            pairs = [(wall, bwall)]
            for i in range(1, args.pairs):
                again, again_plain = work / f"ix-{i}", work / f"plain-{i}"
                rw, _, _ = run_child(rsearch_build_cmd(again, files))
                pw, _, _ = run_child(plain_build_cmd(again_plain, files))
                shutil.rmtree(again, ignore_errors=True)
                shutil.rmtree(again_plain, ignore_errors=True)
                pairs.append((rw, pw))
                print(f"pair {i + 1}: rsearch {rw:.1f} s, plain {pw:.1f} s", flush=True)
            results["build_pairs"] = [
                {"rsearch_s": r, "plain_s": p, "ratio": p / r} for r, p in pairs
            ]
            results["ratios"]["build_mb_per_s_median"] = statistics.median(p / r for r, p in pairs)
    print_table(results)
    return results


def print_table(r: dict[str, Any]) -> None:
    b, q = r["rsearch_build"], r["rsearch_queries"]
    pb, pq = r.get("plain_build"), r.get("plain_queries")
    rows = [
        ("build wall (s)", b["wall_s"], pb and pb["wall_s"]),
        ("build MB/s", b["mb_per_s"], pb and pb["mb_per_s"]),
        ("documents/s", b["docs_per_s"], pb and pb["docs_per_s"]),
        ("sections/s", b["sections_per_s"], None),
        ("peak RSS (MB)", b["peak_rss_mb"], pb and pb["peak_rss_mb"]),
        ("  all processes", b.get("peak_total_rss_mb", 0.0), pb and pb.get("peak_total_rss_mb")),
        ("index size (MB)", b["index_mb"], pb and pb["index_mb"]),
        ("query p50 (ms)", q["p50_ms"], pq and pq["p50_ms"]),
        ("query p95 (ms)", q["p95_ms"], pq and pq["p95_ms"]),
        ("query p99 (ms)", q["p99_ms"], pq and pq["p99_ms"]),
    ]
    print(f"\n{'':<18}{'rsearch':>12}{'plain Whoosh':>14}")
    for name, a, c in rows:
        print(f"{name:<18}{a:>12.2f}" + (f"{c:>14.2f}" if c is not None else f"{'-':>14}"))
    inc, cli = r["incremental"], r["cli"]
    print(
        f"add one document: {inc['add_one_s']:.2f} s ({inc['add_one_pct_of_build']:.2f}% of build);"
        f" unchanged re-run: {inc['unchanged_s']:.2f} s ({inc['unchanged_pct_of_build']:.2f}%)"
    )
    print(f'rsearch "hyrstopp sjuksköterskor" fresh process: median {cli["median_ms"]:.0f} ms')
    for i, pair in enumerate(r.get("build_pairs", []), 1):
        print(
            f"build pair {i}: rsearch {pair['rsearch_s']:.1f} s, plain {pair['plain_s']:.1f} s,"
            f" {pair['ratio']:.2f}x"
        )
    if "ratios" in r:
        print(f"ratios rsearch/plain: {r['ratios']}")


if __name__ == "__main__":
    main()
