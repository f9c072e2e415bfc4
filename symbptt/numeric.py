"""The numeric check: the closed form against a central finite difference in mpmath.

The recurrence is evaluated with the activation table's mpmath σ, independently of SymPy,
at seeded random values (W non-symmetric, m ≠ n by default) with 50 significant digits.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from operator import mul

import mpmath
import sympy as sp

from .activations import numeric_form, numeric_lambda
from .explicit import explicit
from .model import Recurrence

DIGITS = 50
STEP = mpmath.mpf("1e-15")
#: A central difference errs by O(h²) ≈ 1e-30 here; anything above this tolerance is a
#: wrong closed form, not rounding.
TOLERANCE = mpmath.mpf("1e-20")


@dataclass(frozen=True)
class NumericCheck:
    """Outcome: the largest |closed form − finite difference| over all n² entries."""

    n: int
    m: int
    seed: int
    max_error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.max_error <= self.tolerance


def random_values(rec: Recurrence, env, rng: random.Random) -> dict:
    """Entry symbol → random rational in [-1, 1].

    Entries of x_{t-1} alternate in sign, starting positive, with |x| ≥ 0.1: ReLU's kink
    stays far from the difference step and its σ' is neither all 0 nor all 1.
    """
    values = {}
    for s in (rec.W, rec.W_in, rec.u, rec.b):
        for e in env[s]:
            values[e] = sp.Rational(rng.randint(-1000, 1000), 1000)
    for index, e in enumerate(env[rec.x_prev]):
        values[e] = sp.Rational((-1) ** index * rng.randint(100, 1000), 1000)
    return values


def state_step(rec: Recurrence, W: list, drive: list):
    """x_{t-1} ↦ x_t on mpmath numbers, in `rec`'s form, written independently of SymPy.

    `W` is n×n as nested lists and `drive` = W_in u_t + b as a list.
    """
    n, sigma = len(W), rec.activation.numeric

    weight = (lambda r, c: W[c][r]) if rec.cell.rows else (lambda r, c: W[r][c])

    def step(x):
        if rec.cell.post:
            return [sigma(sum(weight(r, c) * x[c] for c in range(n)) + drive[r]) for r in range(n)]
        z = [sigma(v) for v in x]  # once per entry, not once per row
        return [sum(weight(r, c) * z[c] for c in range(n)) + drive[r] for r in range(n)]
    return step


def numeric_check(rec: Recurrence, closed_form, n: int, m: int, seed: int = 0) -> NumericCheck:
    """Compare numerator-layout `closed_form` (symbolic n) with finite differences at size n."""
    env = rec.bindings(n, m)
    values = random_values(rec, env, random.Random(seed))
    with mpmath.workdps(DIGITS):
        num = lambda e: mpmath.mpf(sp.Rational(values[e]).p) / sp.Rational(values[e]).q
        W = [[num(env[rec.W][r, c]) for c in range(n)] for r in range(n)]
        drive = [
            sum(num(env[rec.W_in][r, c]) * num(env[rec.u][c]) for c in range(m)) + num(env[rec.b][r])
            for r in range(n)
        ]
        step = state_step(rec, W, drive)
        x0 = [num(e) for e in env[rec.x_prev]]
        closed = explicit(closed_form, env)
        closed = rec.activation.numeric_form(closed).xreplace(values)
        worst = mpmath.mpf(0)
        for c in range(n):
            up, down = list(x0), list(x0)
            up[c] += STEP
            down[c] -= STEP
            f_up, f_down = step(up), step(down)
            for r in range(n):
                fd = (f_up[r] - f_down[r]) / (2 * STEP)
                exact = mpmath.mpf(sp.N(closed[r, c], DIGITS))
                worst = max(worst, abs(fd - exact))
    return NumericCheck(n, m, seed, float(worst), float(TOLERANCE))


# --- compiled expressions and float64 ----------------------------------------------------
# Where 50 digits buy nothing (the bptt curves), float64 in pure Python: numpy is not a
# dependency, and importing it (~0.1 s, a quarter of `import sympy`) would cost more
# start-up than these 6×6 matrices take.

#: SymPy function → Python's math function of the same name, for `numeric_function`.
_MATH = {sp.tanh: "tanh", sp.exp: "exp", sp.sin: "sin", sp.cos: "cos", sp.cosh: "cosh",
         sp.sinh: "sinh", sp.log: "log"}


def _python(expr, names: dict, module=math) -> str:
    """`expr` as a fully parenthesised Python expression over floats (`math`) or mpmath
    numbers (`mpmath`, at the caller's working precision), whose functions are `_m`'s."""
    if expr in names:
        return names[expr]
    if expr.is_Number:
        if module is math:
            return repr(float(expr))
        if expr.is_Rational:  # exact to the working precision
            return f"(_m.mpf({expr.p}) / {expr.q})"
        raise NotImplementedError(type(expr).__name__)
    if isinstance(expr, sp.Piecewise):
        out = "float('nan')"
        for value, condition in reversed(expr.args):
            out = f"({_python(value, names, module)} if {_python(condition, names, module)} else {out})"
        return out
    if expr is sp.true:
        return "True"
    stand_in = numeric_lambda(type(expr)) if isinstance(expr, sp.Function) else None
    if stand_in is not None:  # σ, the sigmoid, ReLU, H: their numeric Lambda, called on the argument
        (s,), v = stand_in.variables, f"s{len(names)}"  # (a name no enclosing Lambda uses)
        return f"(lambda {v}: {_python(stand_in.expr, {**names, s: v}, module)})({_python(expr.args[0], names, module)})"
    args = [_python(a, names, module) for a in expr.args]
    if isinstance(expr, sp.Add):
        return "(" + " + ".join(args) + ")"
    if isinstance(expr, sp.Mul):
        return "(" + " * ".join(args) + ")"
    if isinstance(expr, sp.Pow):
        return f"({args[0]} ** {args[1]})"
    if isinstance(expr, sp.StrictGreaterThan):
        return f"({args[0]} > {args[1]})"
    if isinstance(expr, sp.Max):
        return "max(" + ", ".join(args) + ")"
    if type(expr) in _MATH:
        return f"_m.{_MATH[type(expr)]}({args[0]})"
    raise NotImplementedError(type(expr).__name__)


def numeric_function(rows, args, module=math):
    """A Python function of `args` returning the entries of the matrix `rows` (a SymPy
    matrix, or nested lists) as nested lists of floats (`module` math), or of mpmath
    numbers at the working precision of the call (`module` mpmath).

    Generated from the expressions directly, not by `lambdify`, whose code printing costs
    tens of milliseconds per call; expressions outside the few node types above fall back
    to `lambdify`.
    """
    rows = [list(r) for r in (rows.tolist() if hasattr(rows, "tolist") else rows)]
    names = {a: f"a{k}" for k, a in enumerate(args)}
    try:
        body = "[" + ", ".join("[" + ", ".join(_python(e, names, module) for e in r) + "]"
                               for r in rows) + "]"
    except NotImplementedError:
        rows = [[numeric_form(e) for e in r] for r in rows]
        return sp.lambdify(list(args), rows, modules=module.__name__, docstring_limit=0)
    scope = {"_m": module}
    exec(compile(f"def f({', '.join(names.values())}):\n    return {body}\n", "<numeric_function>",
                 "exec"), scope)  # our own printed expressions, never user text
    return scope["f"]


def orthogonal_columns(cols: list[list[float]]) -> list[list[float]]:
    """The columns of A V for an orthogonal V that makes them orthogonal, by one-sided
    (Hestenes) Jacobi rotations; the singular values of A are their norms.

    Pairs are rotated until each is orthogonal to n ε of their norms, which gives each
    singular value to a relative error of a few n ε (Demmel & Veselić 1992). Convergence
    is quadratic, and columns that are nearly orthogonal already take one sweep.

    Two shortcuts leave the result equal, entry by entry, to what the plain sweeps give: a
    pair is not tested again while neither column has changed since it passed (the test
    would read the same numbers), and a sweep that changes no column (as `==` sees it, so a
    zero's sign aside, which no dot product sees) ends the iteration, as every later sweep
    would repeat it. The latter is what happens when a column's squared norm is subnormal
    (a ReLU product losing rank): its pairs fail the test with a·b underflowing to 0, yet
    their rotation is too small to change an entry, and the sweeps ran to their cap.
    """
    cols = [list(c) for c in cols]
    n = len(cols)
    tolerance = n * sys.float_info.epsilon
    squares = [sum(map(mul, c, c)) for c in cols]  # recomputed only when a column changes
    changes = [0] * n  # how often each column has changed
    passed = {}  # (i, j) → changes[i], changes[j] when the pair last passed the test
    for _ in range(60):
        moved = False
        for i in range(n - 1):
            for j in range(i + 1, n):
                if passed.get((i, j)) == (changes[i], changes[j]):
                    continue
                ci, cj = cols[i], cols[j]
                g = sum(map(mul, ci, cj))
                a, b = squares[i], squares[j]
                if g == 0.0 or abs(g) <= tolerance * math.sqrt(a * b):
                    passed[i, j] = changes[i], changes[j]
                    continue
                zeta = (b - a) / (2 * g)
                t = math.copysign(1.0, zeta) / (abs(zeta) + math.hypot(1.0, zeta))
                c = 1 / math.sqrt(1 + t * t)
                s = c * t
                ri = [c * x - s * y for x, y in zip(ci, cj)]
                rj = [s * x + c * y for x, y in zip(ci, cj)]
                if ri != ci:
                    cols[i], squares[i], changes[i], moved = ri, sum(map(mul, ri, ri)), changes[i] + 1, True
                if rj != cj:
                    cols[j], squares[j], changes[j], moved = rj, sum(map(mul, rj, rj)), changes[j] + 1, True
        if not moved:
            return cols
    return cols


def largest_norm(cols: list[list[float]]) -> float:
    """The largest Euclidean norm among `cols`: ‖A‖₂ for the output of `orthogonal_columns`."""
    return math.sqrt(max(sum(map(mul, c, c)) for c in cols))


def largest_singular_value(rows: list[list[float]]) -> float:
    """‖A‖₂ of a small float matrix given by its rows (see `orthogonal_columns`)."""
    return largest_norm(orthogonal_columns(list(zip(*rows))))
