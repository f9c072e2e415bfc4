"""Benchmark: the explicit expansion and its verification, against SymPy; CLI start-up.

    python bench/bench.py            # full table (a few minutes: the SymPy baseline is slow)
    python bench/bench.py --quick    # smaller sizes, for a smoke run

For each n it times, in a fresh process each (so peak memory is per n):
  symbptt  expand(): all n² entries of ∂x_t/∂x_{t-1} differentiated and compared with the
           closed form W·diag(σ'(x_{t-1})), for σ = tanh and m = n + 1;
  sympy    the same input with SymPy alone: Matrix.jacobian of the expanded recurrence,
           then an entry-by-entry comparison with W·diag(σ') built as SymPy matrices; run up
           to the n where it would exceed a minute.
It prints entries, times, their ratio, peak RSS, and the growth exponent fitted to the
symbptt times for n ≥ 64 (time ∝ n^k; linear in entries is k = 2). Then whole reports: `derive("tanh", dim=n)` rendered as JSON, Markdown and LaTeX, each
in a fresh process, time and peak RSS (reports print matrices up to 6×6 only, so Markdown
and LaTeX should cost what JSON costs). Then start-up: each command line in COMMANDS against
`python -c "import sympy"`, interleaved runs in an empty folder, best and median and their
ratios, beside references with no goal (REFERENCES: SymPy's first sum, the other libraries,
symbptt's modules loaded with nothing run, and the floors of `bptt` and a gated cell: their
derivations with no verification and no report); "first run" is with an empty cache folder
(templates compiled, parser tables built).
Last, claims per second: `symbptt.check` on the gallery's formulas in one process after
start-up, each formula first seen, and repeated; and `check` (JSON report included) on the
RNN corpus's published formulas (tests/data/corpus.py), each seen once.
Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

SYMBPTT = """
import json, resource, sys, time
from symbptt.activations import ACTIVATIONS
from symbptt.expand import expand
from symbptt.matrix import matrix_route
from symbptt.model import Recurrence
n = int(sys.argv[1])
rec = Recurrence(ACTIVATIONS["tanh"])
closed = matrix_route(rec).result
t = time.perf_counter()
e = expand(rec, closed, n, n + 1)
seconds = time.perf_counter() - t
assert e.verified and e.entries == n * n
print(json.dumps({"seconds": seconds, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

REPORT = """
import json, resource, sys, time
from symbptt import derive
from symbptt.render import render
n, fmt = int(sys.argv[1]), sys.argv[2]
t = time.perf_counter()
text = render(derive("tanh", dim=n), fmt)
seconds = time.perf_counter() - t
assert len(text) > 1000
print(json.dumps({"seconds": seconds, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

BASELINE = """
import json, resource, sys, time
import sympy as sp
n = int(sys.argv[1]); m = n + 1
W = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"W[{i+1},{j+1}]", real=True))
Win = sp.Matrix(n, m, lambda i, j: sp.Symbol(f"W_in[{i+1},{j+1}]", real=True))
u = sp.Matrix(m, 1, lambda i, j: sp.Symbol(f"u_t[{i+1}]", real=True))
b = sp.Matrix(n, 1, lambda i, j: sp.Symbol(f"b[{i+1}]", real=True))
x = sp.Matrix(n, 1, lambda i, j: sp.Symbol(f"x_prev[{i+1}]", real=True))
t = time.perf_counter()
state = W * x.applyfunc(sp.tanh) + Win * u + b
J = state.jacobian(x)
closed = W * sp.diag(*[1 - sp.tanh(v) ** 2 for v in x])
bad = [(i, j) for i in range(n) for j in range(n)
       if J[i, j] != closed[i, j] and sp.expand(J[i, j] - closed[i, j]) != 0]
seconds = time.perf_counter() - t
assert not bad
print(json.dumps({"seconds": seconds, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(code: str, n: int, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, str(n), *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def reports(sizes, repeat: int) -> None:
    """The report table: seconds (best of `repeat` runs, formats interleaved so that they
    see the same machine load) and peak MB per format, and each format's time over JSON's."""
    formats = ("json", "markdown", "latex")
    print(f"{'n':>5} " + " ".join(f"{f + ' s':>11} {'MB':>5}" for f in formats) + f" {'md/json':>8} {'tex/json':>8}")
    for n in sizes:
        runs = [{f: run(REPORT, n, f) for f in formats} for _ in range(repeat)]
        got = {f: min((r[f] for r in runs), key=lambda x: x["seconds"]) for f in formats}
        ratio = lambda f: got[f]["seconds"] / got["json"]["seconds"]
        print(f"{n:>5} " + " ".join(f"{got[f]['seconds']:>11.2f} {got[f]['rss_kb'] / 1024:>5.0f}" for f in formats)
              + f" {ratio('markdown'):>8.2f} {ratio('latex'):>8.2f}")


#: Start-up: (label, arguments of `python -m symbptt`, goal as a ratio to `import sympy`).
#: "{out}" is a fresh folder. The gated cells at their default size have a goal of their own.
COMMANDS = [
    ("derive", ["derive"], 1.3),
    ("check", ["check", r"W^T \operatorname{diag}(\sigma'(x_{t-1}))"], 1.3),
    ("bptt", ["bptt"], 1.3),
    ("bptt --plot", ["bptt", "--plot", "-o", "{out}/bptt.md"], 2.0),
    ("derive -r lstm", ["derive", "-r", "lstm"], 1.5),
    ("derive -r gru", ["derive", "-r", "gru"], 1.5),
    ("activations", ["activations"], 1.3),
]
#: Also timed with an empty cache folder: compiled templates and parser tables made again.
FIRST_RUN = ("derive", "check")
#: References beside the floor, with no goal: what a process pays before any work of its
#: own. SymPy's first sum of two symbols imports `sympy.tensor.tensor` (from `Add.flatten`),
#: and with it `sympy.combinatorics`, whose `polyhedron` module builds the Platonic solids'
#: groups at import: every process that adds two expressions pays that, `import sympy` alone
#: does not. Then the other libraries a report needs (Jinja2; lark parses `check`'s
#: formula), and symbptt's own modules loaded by the CLI with nothing run.
#: Last, two floors: the derivations the reports print, with none of their verification and
#: no report written (the CLI's modules loaded and its gc.freeze() at the end, as a command
#: does). `bptt`'s: the three routes of the one-step Jacobian and the curves it plots; a gated
#: cell's: its chain-rule routes and the index route. A goal below a floor cannot be met by
#: cheaper verification, only by a cheaper derivation or cheaper imports.
BPTT_FLOOR = """
import gc, types, symbptt.cli
from symbptt.activations import get_activation
from symbptt.bptt import curves
from symbptt.denominator import denominator_route
from symbptt.index import index_route
from symbptt.matrix import matrix_route
from symbptt.model import Recurrence
rec = Recurrence(get_activation("tanh"))
J = matrix_route(rec).result
index_route(rec, J), denominator_route(rec, J)
curves(types.SimpleNamespace(recurrence=rec, activation=rec.activation, result=lambda layout: J))
gc.freeze()
"""
CELL_FLOOR = """
import gc, symbptt.cli
from symbptt.cell_derivation import chain, denominator_route, get_cell, index_route
ch = chain(get_cell("lstm"))
index_route(ch), denominator_route(ch)
gc.freeze()
"""
REFERENCES = [
    ("import sympy; x + y", "import sympy; x, y = sympy.symbols('x y'); x + y"),
    ("+ import jinja2, lark", "import sympy; x, y = sympy.symbols('x y'); x + y; import jinja2, lark"),
    ("import symbptt.cli", "import symbptt.cli"),
    ("bptt, unverified", BPTT_FLOOR),
    ("lstm, unverified", CELL_FLOOR),
]


def startup(runs: int) -> dict[str, list[tuple[float, float]]]:
    """Wall and CPU times of `import sympy` and of each command in COMMANDS, interleaved so
    that all see the same machine load, in an empty folder (the defaults: no config file).

    Bytecode is written as a pip install writes it (this machine may set
    PYTHONDONTWRITEBYTECODE), and one warm-up run of each leaves what any later run finds:
    compiled modules and the cache folder's files. "first run" entries each get an empty
    $XDG_CACHE_HOME.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "SYMBPTT_NO_CACHE")}
    commands = {label: [sys.executable, "-m", "symbptt", *args] for label, args, _ in COMMANDS}
    times: dict[str, list[tuple[float, float]]] = {
        "import sympy": [], **{label: [] for label, _ in REFERENCES}, **{label: [] for label in commands},
        **{f"{label}, first run": [] for label in FIRST_RUN}}
    with tempfile.TemporaryDirectory() as work:
        cache = os.path.join(work, "cache")
        out = os.path.join(work, "out")
        os.mkdir(out)

        def timed(cmd, cache_home=cache):
            """(wall seconds, CPU seconds: user + system, which other processes on a busy
            machine disturb less)."""
            cmd = [a.replace("{out}", out) for a in cmd]
            t = time.perf_counter()
            child = subprocess.Popen(cmd, cwd=work, env={**env, "XDG_CACHE_HOME": cache_home},
                                     stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            if child.returncode:
                raise subprocess.CalledProcessError(child.returncode, cmd)
            return time.perf_counter() - t, usage.ru_utime + usage.ru_stime

        floor = [sys.executable, "-c", "import sympy"]
        references = {label: [sys.executable, "-c", code] for label, code in REFERENCES}
        timed(floor)
        for cmd in commands.values():
            timed(cmd)
        for _ in range(runs):
            times["import sympy"].append(timed(floor))
            for label, cmd in references.items():
                times[label].append(timed(cmd))
            for label, cmd in commands.items():
                times[label].append(timed(cmd))
            for label in FIRST_RUN:
                times[f"{label}, first run"].append(timed(commands[label], tempfile.mkdtemp(dir=work)))
    return times


CLAIMS = """
import json, sys, time
from symbptt.check import check
from symbptt.gallery import CHECKS, EXAMPLE_FORMULA
claims = [(e.formula, e.activation) for e in CHECKS] + [(EXAMPLE_FORMULA, "tanh")]
check("W^T diag(f'(h))"); check("diag(1 - h^2) W", activation="tanh")  # start-up, both activations
t = time.perf_counter()
for formula, activation in claims:
    check(formula, activation=activation)
first = len(claims) / (time.perf_counter() - t)
t, done = time.perf_counter(), 0
while time.perf_counter() - t < float(sys.argv[1]):
    for formula, activation in claims:
        check(formula, activation=activation)
        done += 1
repeated = done / (time.perf_counter() - t)
# The RNN corpus's published formulas (tests/data/corpus.py), each seen once, as its test
# runs them: `check` with the source's activation, JSON report included.
import contextlib, io, os
sys.path.insert(0, os.getcwd())
from tests.data.corpus import ENTRIES
from tests.test_corpus import _argv
from symbptt.cli import main
t = time.perf_counter()
for entry in ENTRIES:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(_argv(entry, False))
corpus = len(ENTRIES) / (time.perf_counter() - t)
print(json.dumps({"first": first, "repeated": repeated, "claims": len(claims),
                  "corpus": corpus, "corpus_claims": len(ENTRIES)}))
"""


def claims_per_second(seconds: float) -> dict:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the corpus is in tests/
    out = subprocess.run([sys.executable, "-c", CLAIMS, str(seconds)], capture_output=True, text=True, check=True,
                         cwd=root)
    return json.loads(out.stdout)


def startup_table(times: dict[str, list[tuple[float, float]]], runs: int) -> None:
    """Wall time, best and median, and their ratios to `import sympy`'s; and the ratio of
    median CPU times, steadier when other processes share the machine."""
    wall = {label: [w for w, _ in values] for label, values in times.items()}
    cpu = {label: statistics.median(c for _, c in values) for label, values in times.items()}
    floor = min(wall["import sympy"]), statistics.median(wall["import sympy"])
    goals = {label: goal for label, _, goal in COMMANDS}
    print(f"start-up, best and median of {runs}, side by side with import sympy: "
          f"{floor[0]:.3f} s ({floor[1]:.3f}), CPU {cpu['import sympy']:.3f} s")
    print(f"  {'command':<26} {'best s':>7} {'median s':>9} {'ratio':>6} {'(median)':>9} {'cpu':>5} {'goal':>5}")
    for label, values in wall.items():
        if label == "import sympy":
            continue
        best, median = min(values), statistics.median(values)
        reference = label in dict(REFERENCES)
        goal = "" if reference else f"{goals.get(label.split(',')[0], 1.3):.1f}"
        name = f"({label})" if reference else "symbptt " + label
        print(f"  {name:<26} {best:>7.3f} {median:>9.3f} {best / floor[0]:>6.2f} "
              f"{'(%.2f)' % (median / floor[1]):>9} {cpu[label] / cpu['import sympy']:>5.2f} {goal:>5}")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            return next(l.split(":", 1)[1].strip() for l in info if l.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def fit_exponent(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(seconds) against log(n)."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(s) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n up to 128, baseline up to 32")
    parser.add_argument("--runs", type=int, default=15, help="start-up runs (best and median)")
    args = parser.parse_args()
    sizes = [16, 32, 64, 128] if args.quick else [16, 32, 64, 128, 256, 512]
    baseline_limit = 32 if args.quick else 60.0

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"sympy {__import__('sympy').__version__}")
    print(f"{'n':>5} {'entries':>9} {'symbptt s':>10} {'sympy s':>9} {'ratio':>7} {'peak MB':>8}")
    ours, last_baseline = [], None
    for n in sizes:
        fast = run(SYMBPTT, n)
        ours.append((n, fast["seconds"]))
        base = None
        # SymPy's time grows ~n³: run the next size only if it should stay under a minute.
        if args.quick:
            run_baseline = n <= baseline_limit
        else:
            run_baseline = last_baseline is None or last_baseline[1] * (n / last_baseline[0]) ** 3 < baseline_limit
        if run_baseline:
            base = run(BASELINE, n)
            last_baseline = (n, base["seconds"])
        ratio = f"{base['seconds'] / fast['seconds']:7.0f}" if base else f"{'—':>7}"
        sympy_s = f"{base['seconds']:9.2f}" if base else f"{'—':>9}"
        print(f"{n:>5} {n * n:>9,} {fast['seconds']:>10.3f} {sympy_s} {ratio} {fast['rss_kb'] / 1024:>8.0f}")
    tail = [(n, s) for n, s in ours if n >= 64]
    if len(tail) >= 3:
        print(f"fitted growth exponent (n ≥ 64): time ∝ n^{fit_exponent(tail):.2f}")
    else:
        print("fitted growth exponent: needs n up to 256 at least (run without --quick)")

    if importlib.util.find_spec("symbptt") is None:
        print("reports and start-up: symbptt is not installed here (pip install -e .)", file=sys.stderr)
        return 2
    print("whole reports, derive(tanh, dim=n) rendered:")
    reports([32, 64] if args.quick else [64, 256, 512], 1 if args.quick else 3)
    times = startup(args.runs)
    startup_table(times, args.runs)
    rates = claims_per_second(1.0 if args.quick else 5.0)
    print(f"check in one process after start-up, the gallery's {rates['claims']} formulas: "
          f"{rates['first']:.1f} claims/s each first seen, {rates['repeated']:.1f} claims/s repeated (goal 50); "
          f"the RNN corpus's {rates['corpus_claims']} published formulas, each first seen, with their JSON "
          f"reports: {rates['corpus']:.1f} claims/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
