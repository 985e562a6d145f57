"""The benchmark's own measuring (its figures go in the README)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import run_child

# A process that starts a child; each holds about 60 MB for a second and a half.
_TWO_HOLDERS = """
import subprocess, sys, time
hold = "x = bytearray(60 * 2**20); x[::4096] = b'1' * len(x[::4096]); import time; time.sleep(1.5)"
child = subprocess.Popen([sys.executable, "-c", hold])
exec(hold)
child.wait()
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc")
def test_a_commands_memory_is_measured_over_all_its_processes() -> None:
    wall, largest, together = run_child([sys.executable, "-c", _TWO_HOLDERS])
    assert wall >= 1.5
    assert 60 <= largest < 110  # the kernel's figure: one process
    assert together >= largest + 50  # both, sampled while they hold their memory
