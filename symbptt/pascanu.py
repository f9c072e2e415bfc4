"""Pascanu et al. (2013), eq. 5: is Wᵀ diag(σ'(x_{t-1})) the one-step Jacobian?

Computed, not asserted: the printed factor is expanded at n = 2 beside both layouts of the
true Jacobian, and compared entry by entry; the row-vector convention x_t = σ(x_{t-1})ᵀ W
is differentiated to show where the factor is right; and the norm bound their argument
needs is evaluated at a random instance in both layouts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .derivation import Derivation
from .explicit import explicit, jacobian_entries, mismatches
from .layout import Layout, to_layout
from .model import Recurrence
from .numeric import DIGITS, random_values


class Norm2(sp.Expr):
    """‖A‖₂, the spectral norm (largest singular value) of a matrix expression A."""

    @property
    def matrix(self):
        return self.args[0]


@dataclass(frozen=True)
class Comparison:
    """The claim beside the true Jacobian in one layout, at size n."""

    layout: Layout
    truth: sp.Matrix
    differing: tuple[tuple[int, int, sp.Expr, sp.Expr], ...]

    @property
    def holds(self) -> bool:
        return not self.differing


@dataclass(frozen=True)
class Pascanu:
    """The verdict on eq. 5's factor for one activation.

    Attributes:
        claim: Wᵀ·diag(σ'(x_{t-1})) as a matrix expression.
        n: size of the explicit comparison.
        claim_explicit: the claim's n×n entries.
        comparisons: one per layout.
        row_vector: Jacobian of the row-vector convention, n×n, numerator layout.
        row_vector_matches: whether it equals the claim entry for entry.
        norms: (name, value) pairs at a random instance: ‖J‖₂ (both layouts), ‖W‖₂, ‖Wᵀ‖₂,
            ‖D‖₂.
        bound_holds: ‖J‖₂ ≤ ‖W‖₂ ‖D‖₂ at that instance, in both layouts.
    """

    claim: sp.MatrixExpr
    n: int
    claim_explicit: sp.Matrix
    comparisons: tuple[Comparison, ...]
    row_vector: sp.Matrix
    row_vector_matches: bool
    norms: tuple[tuple[str, float], ...]
    bound_holds: bool


def true_diag(rec: Recurrence) -> sp.MatrixExpr:
    """The diagonal factor of `rec`'s true one-step Jacobian: diag(σ'(x_{t-1})) or diag(σ'(a_t))."""
    return rec.derivative_diag(rec.a_t if rec.form == "elman" else rec.x_prev)


def _spectral_norm(matrix: sp.Matrix) -> mpmath.mpf:
    return max(mpmath.svd_r(mpmath.matrix(matrix.tolist()), compute_uv=False))


def pascanu(derivation: Derivation, n: int = 2, seed: int = 0) -> Pascanu:
    """Compare eq. 5's Wᵀ diag(σ'(x_{t-1})) with `derivation`'s Jacobian at size n."""
    rec = derivation.recurrence
    numerator = derivation.result(Layout.NUMERATOR)
    # Their factor as printed: Wᵀ diag(σ'(x_{t-1})), whatever the form of the recurrence.
    D = rec.derivative_diag(rec.x_prev)
    claim = sp.Transpose(rec.W) if isinstance(D, sp.Identity) else sp.MatMul(sp.Transpose(rec.W), D)
    env = rec.bindings(n, n + 1)
    claim_x = explicit(claim, env)
    truth = explicit(numerator, env)
    comparisons = tuple(
        Comparison(layout, to_layout(truth, layout), tuple(mismatches(claim_x, to_layout(truth, layout))))
        for layout in Layout
    )
    # Row-vector convention: x_tᵀ = σ(x_{t-1})ᵀ W + …, i.e. the column x_t = Wᵀ σ(x_{t-1}) + ….
    row = Recurrence(rec.activation, form="row").bindings(n, n + 1)
    row_J = jacobian_entries(list(row[rec.x_t]), list(row[rec.x_prev]))

    values = random_values(rec, env, random.Random(seed))
    with mpmath.workdps(DIGITS):
        num = lambda M: rec.activation.numeric_form(M).xreplace(values).evalf(DIGITS)
        J, W = num(truth), num(env[rec.W])
        # The bound is about the true Jacobian: its own diagonal factor (σ' at a_t for the
        # post-activation form), not the claim's.
        Dx = explicit(true_diag(rec), env)
        norms = {
            "J_num": _spectral_norm(J), "J_den": _spectral_norm(J.T),
            "W": _spectral_norm(W), "W_T": _spectral_norm(W.T), "D": _spectral_norm(num(Dx)),
        }
        slack = mpmath.mpf(10) ** (-DIGITS + 10)
        bound = all(norms[k] <= norms["W"] * norms["D"] + slack for k in ("J_num", "J_den"))
    return Pascanu(
        claim, n, claim_x, comparisons, row_J, not mismatches(row_J, claim_x),
        tuple((k, float(v)) for k, v in norms.items()), bound,
    )
