"""The benchmark script still runs (its figures are read by people, never asserted)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_bench_quick_runs_and_prints_its_table():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--quick", "--runs", "1"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[1].split() == ["n", "entries", "symbptt", "s", "sympy", "s", "ratio", "peak", "MB"]
    assert [l.split()[0] for l in lines[2:6]] == ["16", "32", "64", "128"]
    assert "fitted growth exponent: needs n up to 256" in run.stdout
    table = run.stdout.split("whole reports, derive(tanh, dim=n) rendered:\n")[1].splitlines()
    assert table[0].split() == ["n", "json", "s", "MB", "markdown", "s", "MB", "latex", "s", "MB",
                                "md/json", "tex/json"]
    assert [line.split()[0] for line in table[1:3]] == ["32", "64"]
    startup = run.stdout.split("start-up, best and median of 1, side by side with import sympy: ")[1].splitlines()
    assert startup[1].split() == ["command", "best", "s", "median", "s", "ratio", "(median)", "cpu", "goal"]
    rows = [line.split() for line in startup[2:9]]
    assert [" ".join(r[1:-6]) for r in rows] == ["derive", "check", "bptt", "bptt --plot", "activations",
                                                  "derive, first run", "check, first run"]
    assert all(float(r[-1]) in (1.3, 2.0) for r in rows)
    assert "claims/s each first seen" in startup[9] and "claims/s repeated" in startup[9]
