"""Benchmark: the explicit expansion of the gated cells, every entry verified, against SymPy.

    python bench/bench_cells.py            # full table (a few minutes)
    python bench/bench_cells.py --quick    # small sizes, for a smoke run

For each cell and n, in a fresh process each (so peak memory is per run), m = n + 1:
  symbptt  expand_cell(): every entry of every block dv_t/ds_{t-1} (4n² for the LSTM's state
           (h, c), n² for a GRU) differentiated by the entry-level chain rule through named
           atoms and compared with the closed form's entry (a matrix product's sum such as
           U_n diag(h ⊙ r ⊙ (1 − r)) U_r kept factored on both sides, see cell_expand);
           asserted verified. The time includes the one-time symbolic check σ' = σ(1 − σ),
           tanh' = 1 − tanh²; the matrix-level derivation (`chain(cell)`) is done before the
           clock starts. Wall and CPU seconds are both given: this machine is shared, and CPU
           time is what the run cost.
  sympy    Matrix.jacobian of the cell written out (`Cell.bindings(n, m, total=True)`): the
           next states as functions of the previous ones, unverified; run up to the n where
           it would exceed a minute of CPU (time ∝ n⁴ assumed from the last run).
  casadi   casadi.jacobian of the same equations as SX expressions (unverified, for scale),
           when casadi is installed.
The figures are read by people, never asserted in tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys

SYMBPTT = """
import json, resource, sys, time
from symbptt.cells import CELLS
from symbptt.chain import chain
from symbptt.cell_expand import expand_cell
key, n = sys.argv[1], int(sys.argv[2])
cell = CELLS[key]
ch = chain(cell)
wall, cpu = time.perf_counter(), time.process_time()
e = expand_cell(ch, n, n + 1)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert e.verified and e.entries == len(cell.states) ** 2 * n * n, e.mismatches[:1]
print(json.dumps({"seconds": wall, "cpu": cpu, "entries": e.entries,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

SYMPY = """
import json, resource, sys, time
import sympy as sp
from symbptt.cells import CELLS
key, n = sys.argv[1], int(sys.argv[2])
cell = CELLS[key]
wall, cpu = time.perf_counter(), time.process_time()
env = cell.bindings(n, n + 1, total=True)
f = sp.Matrix([e for v in cell.next for e in env[v]])
x = sp.Matrix([e for s in cell.prev for e in env[s]])
J = f.jacobian(x)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert J.shape == (len(x), len(x))
print(json.dumps({"seconds": wall, "cpu": cpu,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

CASADI = """
import json, resource, sys, time
import casadi as ca
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from symbptt.cells import CELLS
from symbptt.model import M, N
key, n = sys.argv[1], int(sys.argv[2])
cell, m = CELLS[key], n + 1
FUNCTIONS = {"tanh": ca.tanh, "logistic": lambda v: 1 / (1 + ca.exp(-v))}

def size(d):
    return int(sp.sympify(d).xreplace({N: n, M: m}))

def value(expr, env):
    if isinstance(expr, sp.MatrixSymbol):
        if expr not in env:
            env[expr] = ca.SX.sym(expr.name, size(expr.shape[0]), size(expr.shape[1]))
        return env[expr]
    if isinstance(expr, sp.MatAdd):
        out = value(expr.args[0], env)
        for a in expr.args[1:]:
            out = out + value(a, env)
        return out
    if isinstance(expr, sp.MatMul):
        out = None
        for a in expr.args:
            v = value(a, env) if getattr(a, "is_Matrix", False) else float(a)
            out = v if out is None else (out * v if not isinstance(v, ca.SX) or not isinstance(out, ca.SX)
                                         else ca.mtimes(out, v))
        return out
    if isinstance(expr, sp.HadamardProduct):
        out = value(expr.args[0], env)
        for a in expr.args[1:]:
            out = out * value(a, env)
        return out
    if isinstance(expr, sp.OneMatrix):
        return ca.SX.ones(size(expr.shape[0]), size(expr.shape[1]))
    if isinstance(expr, ElementwiseApplyFunction):
        return FUNCTIONS[type(expr.function.expr).__name__](value(expr.expr, env))
    raise TypeError(type(expr).__name__)

wall, cpu = time.perf_counter(), time.process_time()
env = {}
for p in cell.prev:
    env[p] = ca.SX.sym(p.name, n, 1)
for lhs, rhs in cell.equations:
    env[lhs] = value(rhs, env)
J = ca.jacobian(ca.vertcat(*[env[v] for v in cell.next]), ca.vertcat(*[env[s] for s in cell.prev]))
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert J.shape == (len(cell.prev) * n, len(cell.prev) * n)
print(json.dumps({"seconds": wall, "cpu": cpu,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

CELL_KEYS = ("lstm", "lstm-peephole", "gru", "gru-torch", "gru-chung")
#: SymPy's Matrix.jacobian: stop where the next size would take longer than this.
SYMPY_LIMIT = 60.0


def run(code: str, key: str, n: int, timeout: float | None = None) -> dict | None:
    """One measurement in a fresh process; None if it ran out of time."""
    try:
        out = subprocess.run([sys.executable, "-c", code, key, str(n)], capture_output=True,
                             text=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            return next(l.split(":", 1)[1].strip() for l in info if l.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def sizes(key: str, quick: bool) -> list[int]:
    if quick:
        return [4, 16, 32] if key == "lstm" else [4, 16]
    return [4, 8, 16, 32, 64, 128] if key.startswith("lstm") else [4, 8, 16, 32, 64]


def best(code: str, key: str, n: int, repeat: int, timeout: float | None = None) -> list[dict] | None:
    runs = []
    for _ in range(repeat):
        got = run(code, key, n, timeout)
        if got is None:
            return None
        runs.append(got)
    return runs


def cell_rows(key: str, quick: bool, repeat: int, casadi: bool) -> list[str]:
    rows, sympy_last = [], None
    for n in sizes(key, quick):
        ours = best(SYMBPTT, key, n, repeat)
        wall = sorted(r["seconds"] for r in ours)
        cpu = sorted(r["cpu"] for r in ours)
        sympy_cell = "—"
        # SymPy's time grows ~n⁴ here: the next size only if it should stay under the limit.
        if sympy_last is None or sympy_last[1] * (n / sympy_last[0]) ** 4 < SYMPY_LIMIT:
            if not quick or n <= 4:
                got = run(SYMPY, key, n, timeout=2 * SYMPY_LIMIT)
                if got is None:
                    sympy_last = (n, float("inf"))
                    sympy_cell = f"> {2 * SYMPY_LIMIT:.0f}"
                else:
                    sympy_last = (n, got["cpu"])
                    sympy_cell = f"{got['seconds']:.2f} ({got['cpu']:.2f})"
        casadi_cell = "—"
        if casadi:
            got = run(CASADI, key, n, timeout=600)
            casadi_cell = "> 600" if got is None else f"{got['seconds']:.2f} ({got['cpu']:.2f})"
        rss = max(r["rss_kb"] for r in ours) / 1024
        rows.append(f"| {key} | {n} | {ours[0]['entries']:,} | {wall[0]:.2f} / {statistics.median(wall):.2f} "
                    f"| {cpu[0]:.2f} / {statistics.median(cpu):.2f} | {rss:.0f} | yes | {sympy_cell} "
                    f"| {casadi_cell} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument("--runs", type=int, default=3, help="runs of symbptt per size (best and median)")
    parser.add_argument("--cells", default=",".join(CELL_KEYS), help="comma-separated cell keys")
    parser.add_argument("--no-casadi", action="store_true", help="skip CasADi even if installed")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.runs
    casadi = not args.no_casadi and importlib.util.find_spec("casadi") is not None
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"sympy {__import__('sympy').__version__}"
          + (f", casadi {__import__('casadi').__version__}" if casadi
             else ", casadi skipped" if args.no_casadi else ", casadi not installed")
          + f"; load average {os.getloadavg()[0]:.1f}")
    print()
    print(f"| cell | n | entries | symbptt s, best / median of {repeat} | CPU s | peak MB | verified "
          "| SymPy jacobian s (CPU) | CasADi s (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for key in args.cells.split(","):
        for row in cell_rows(key, args.quick, repeat, casadi):
            print(row, flush=True)
    print()
    print("symbptt: every entry differentiated and compared with the closed form (asserted). "
          "SymPy and CasADi: the Jacobian only, unverified; — where not run "
          f"(SymPy: predicted over {SYMPY_LIMIT:.0f} s).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
