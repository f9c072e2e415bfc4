"""Benchmark of `symbptt lint`: a real 20 kB chapter after start-up, and claims per second.

    python bench/bench_lint.py            # the table (about a minute)
    python bench/bench_lint.py --quick    # fewer claims and runs, for a smoke run

In a fresh process each run:
  start-up   Python, then `import symbptt.cli, symbptt.lint, symbptt.check`
  chapter    Linter.lint_paths on d2l's 'Backpropagation Through Time' (tests/data/notes/
             d2l-en-bptt.md, 19.5 kB), first in the process (cold engine caches), then again
             with a new Linter (the engine's own caches warm, lint's memo empty)
  claims     a generated Markdown file of N distinct claims (each formula different, so
             lint's memo never answers), in the same process: claims per second
  repeated   a generated 1 MB Markdown file of one display repeated 4,000 times between
             paragraphs (notes repeat their formulas): claims per second when the verdict
             is memoised, which is the cost of reading and scanning
and, for contrast, `python -m symbptt check` on one formula as a fresh process, the price
each claim would pay if a course's CI ran one process per formula.
Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHAPTER = os.path.join(HERE, "..", "tests", "data", "notes", "d2l-en-bptt.md")

ONE_PROCESS = """
import json, sys, time
t0 = time.perf_counter()
import symbptt.cli, symbptt.lint, symbptt.check
from symbptt.lint import Declaration, LintConfig, Linter
startup = time.perf_counter() - t0
chapter, claims, repeated = sys.argv[1], sys.argv[2], sys.argv[3]
decl = Declaration("elman", "denominator", "identity")
t = time.perf_counter(); first = Linter(override=decl).lint_paths([chapter]); cold = time.perf_counter() - t
t = time.perf_counter(); again = Linter(override=decl).lint_paths([chapter]); warm = time.perf_counter() - t
t = time.perf_counter(); many = Linter().lint_paths([claims]); spent = time.perf_counter() - t
t = time.perf_counter(); same = Linter().lint_paths([repeated]); spent_same = time.perf_counter() - t
assert same.claims == same.judged and not same.findings
print(json.dumps({"startup": startup, "cold": cold, "warm": warm, "chapter_claims": first.claims,
                  "chapter_findings": len(first.findings), "claims": many.claims,
                  "judged": many.judged, "seconds": spent, "repeated": same.claims,
                  "repeated_seconds": spent_same}))
"""

#: Ingredients of distinct claims: left sides, matrices (right and wrong) and names.
STATES = ("h", "x", "s")
WEIGHTS = ("W", "W_{hh}", "W_{rec}", "\\mathbf{W}", "W_h")
MATRICES = (
    "{W} \\operatorname{{diag}}(\\sigma'({s}_{{t-1}}))",
    "{W}^\\top \\operatorname{{diag}}(\\sigma'({s}_{{t-1}}))",
    "\\operatorname{{diag}}(\\sigma'({s}_{{t-1}})) {W}^\\top",
    "\\operatorname{{diag}}(1 - \\tanh^2(a_t)) {W}",
    "{W}^T \\operatorname{{diag}}(1 - {s}_t^2)",
    "\\prod_{{i=k+1}}^{{t}} {W}^\\top \\operatorname{{diag}}(\\sigma'({s}_{{i-1}}))",
    "\\operatorname{{diag}}(\\sigma'({s}_{{t-1}})) {W}",
)


def claims_file(folder: str, n: int) -> str:
    """A Markdown file of n distinct claims (prose between them, as notes have)."""
    lines, k = ["# Generated claims", ""], 0
    for matrix in MATRICES:
        for weight in WEIGHTS:
            for state in STATES:
                if k == n:
                    break
                rhs = matrix.format(W=weight, s=state)
                before = "k" if "prod" in matrix else "{t-1}"  # a product spans the steps k … t
                lines += [f"Claim {k + 1}: the Jacobian is", "",
                          f"$$\\frac{{\\partial {state}_t}}{{\\partial {state}_{before}}} = {rhs}$$", ""]
                k += 1
    path = os.path.join(folder, f"claims-{n}.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    return path


#: The display of the repeated file (a right claim, so the file has no findings), and how
#: often it is repeated.
REPEATED = "$$\\frac{\\partial h_t}{\\partial h_{t-1}} = W^\\top \\operatorname{diag}(1 - h_t^2)$$"
REPEATS = 4000


def repeated_file(folder: str, n: int) -> str:
    """A Markdown file of one claim n times, each after a paragraph of prose (about 250 bytes each)."""
    prose = "The gradient flows back through the recurrent weights at every step, " * 3
    path = os.path.join(folder, f"repeated-{n}.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("".join(f"Paragraph {k}. {prose}\n\n{REPEATED}\n\n" for k in range(n)))
    return path


def one_process(claims: str, repeated: str) -> dict:
    run = subprocess.run([sys.executable, "-c", ONE_PROCESS, CHAPTER, claims, repeated], capture_output=True,
                         text=True, check=True)
    return json.loads(run.stdout)


def check_process(folder: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "symbptt", "check",
                    "\\frac{\\partial h_t}{\\partial h_{t-1}} = W^T \\operatorname{diag}(\\sigma'(h_{t-1}))"],
                   cwd=folder, capture_output=True, check=True)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 claims, one run")
    parser.add_argument("--claims", type=int, default=100, help="distinct claims in one process (default 100)")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes to take the best of (default 3)")
    args = parser.parse_args()
    n, runs = (10, 1) if args.quick else (min(args.claims, len(MATRICES) * len(WEIGHTS) * len(STATES)), args.runs)
    print(f"# symbptt lint, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores; best of {runs} fresh processes")
    with tempfile.TemporaryDirectory() as folder:
        claims = claims_file(folder, n)
        repeated = repeated_file(folder, 400 if args.quick else REPEATS)
        results = [one_process(claims, repeated) for _ in range(runs)]
        best = {key: min(r[key] for r in results) for key in ("startup", "cold", "warm", "seconds", "repeated_seconds")}
        r = results[0]
        size = os.path.getsize(CHAPTER)
        print(f"{'what':<44} {'seconds':>8}")
        print(f"{'start-up (python + import symbptt)':<44} {best['startup']:8.3f}")
        chapter = f"chapter {size / 1000:.1f} kB, {r['chapter_claims']} claim(s), cold"
        print(f"{chapter:<44} {best['cold']:8.3f}")
        print(f"{'the same chapter again, engine warm':<44} {best['warm']:8.3f}")
        many = f"{r['claims']} distinct claims, one process"
        print(f"{many:<44} {best['seconds']:8.3f}"
              f"   ({r['claims'] / best['seconds']:.1f} claims/s, {r['judged']} judged)")
        size = os.path.getsize(repeated)
        same = f"one claim {r['repeated']:,} times, {size / 1e6:.1f} MB"
        print(f"{same:<44} {best['repeated_seconds']:8.3f}"
              f"   ({r['repeated'] / best['repeated_seconds']:,.0f} claims/s, the verdict memoised)")
        singles = [check_process(folder) for _ in range(max(1, min(runs, 3)))]
        single = statistics.median(singles)
        print(f"{'one `symbptt check` process, one formula':<44} {single:8.3f}"
              f"   (x{r['claims']}: {single * r['claims']:.1f} s as separate processes)")


if __name__ == "__main__":
    main()
