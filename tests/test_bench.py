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
    # The references beside the floor have no goal; every command has one.
    references = [line.split() for line in startup[2:7]]
    assert [" ".join(r[:-5]) for r in references] == ["(import sympy; x + y)", "(+ import jinja2, lark)",
                                                      "(import symbptt.cli)", "(bptt, unverified)",
                                                      "(lstm, unverified)"]
    assert all(float(v.strip("()")) > 0 for r in references for v in r[-5:])
    rows = [line.split() for line in startup[7:16]]
    assert [" ".join(r[1:-6]) for r in rows] == ["derive", "check", "bptt", "bptt --plot", "derive -r lstm",
                                                  "derive -r gru", "activations",
                                                  "derive, first run", "check, first run"]
    assert all(float(r[-1]) in (1.3, 1.5, 2.0) for r in rows)
    assert "claims/s each first seen" in startup[16] and "claims/s repeated" in startup[16]


def test_bench_cells_quick_runs_and_prints_its_table():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_cells.py"), "--quick",
                          "--cells", "lstm,gru-torch", "--no-casadi"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("machine: ") and "casadi" in lines[0]
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    assert header[:3] == ["cell", "n", "entries"] and header[-2].startswith("SymPy") and header[-1].startswith("CasADi")
    rows = [[c.strip() for c in l.strip("|").split("|")] for l in lines[4:] if l.startswith("| ")]
    assert [(r[0], r[1], r[2]) for r in rows] == [("lstm", "4", "64"), ("lstm", "16", "1,024"),
                                                  ("lstm", "32", "4,096"), ("gru-torch", "4", "16"),
                                                  ("gru-torch", "16", "256")]
    assert all(r[6] == "yes" for r in rows)
    assert rows[0][7] != "—" and rows[1][7] == "—"  # SymPy at n = 4 only in a quick run
    assert all(r[8] == "—" for r in rows)
