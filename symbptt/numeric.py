"""The numeric check: the closed form against a central finite difference in mpmath.

The recurrence is evaluated with the activation table's mpmath σ, independently of SymPy,
at seeded random values (W non-symmetric, m ≠ n by default) with 50 significant digits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

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
        return [sum(weight(r, c) * sigma(x[c]) for c in range(n)) + drive[r] for r in range(n)]
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
