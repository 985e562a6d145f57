"""Median wall time of ``rsearch "hyrstopp sjuksköterskor"`` as a fresh process.

Builds a seeds index in a temporary folder, runs the installed ``rsearch`` command
``--runs`` times (after one warm-up run) and prints the median, min and max in ms::

    python -m benchmarks.cli_latency --runs 15
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--query", default="hyrstopp sjuksköterskor")
    args = ap.parse_args()
    exe = shutil.which("rsearch") or sys.exit("rsearch is not installed on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RSEARCH_INDEX": str(Path(tmp) / "ix"), "NO_COLOR": "1"}
        seeds = Path(__file__).resolve().parent.parent / "seeds"
        subprocess.run([exe, "index", str(seeds)], env=env, check=True, capture_output=True)
        subprocess.run([exe, args.query], env=env, capture_output=True)  # warm-up
        times, bare = [], []
        # The interpreter's own start-up, measured alternately: the machine's state (other
        # jobs, clock speed) moves both figures together.
        python = str(Path(exe).with_name("python"))
        for _ in range(args.runs):
            t0 = time.perf_counter()
            p = subprocess.run([exe, args.query], env=env, capture_output=True)
            times.append((time.perf_counter() - t0) * 1000)
            if p.returncode != 0:
                sys.exit(f"rsearch failed ({p.returncode}): {p.stderr.decode()}")
            t0 = time.perf_counter()
            subprocess.run([python, "-c", "pass"], env=env, capture_output=True)
            bare.append((time.perf_counter() - t0) * 1000)
    print(
        f"rsearch {args.query!r}: median {statistics.median(times):.0f} ms "
        f"(min {min(times):.0f}, max {max(times):.0f}, {args.runs} runs, target <= 150 ms); "
        f"python -c pass: median {statistics.median(bare):.0f} ms"
    )


if __name__ == "__main__":
    main()
