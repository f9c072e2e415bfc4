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
from .layout import Jacobian, Layout, to_layout
from .model import Recurrence, element_matrix, form_key
from .numeric import DIGITS, random_values
from .steps import Fact

#: Pascanu's (pre-activation) form written with row vectors: the convention in which their
#: factor Wᵀ diag(σ'(x_{t-1})) is the numerator-layout Jacobian.
ROW = form_key(post=False, rows=True)


class Norm2(sp.Expr):
    """‖A‖₂, the spectral norm (largest singular value) of a matrix expression A."""

    @property
    def matrix(self):
        return self.args[0]


@dataclass(frozen=True)
class Comparison:
    """The claim beside the true Jacobian in one layout, at size n.

    `truth` is n×n in `layout`, as printed (in the post-activation form with [a_t]_i
    standing for row i of the pre-activation); `differing` compares the entries with a_t
    written out.
    """

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
        adapted: the factor with σ' where this form's Jacobian takes it, Wᵀ·diag(σ'(a_t)) in
            the post-activation form, or None when that is the claim itself.
        adapted_comparisons: the adapted factor against the true Jacobian, per layout.
        row_vector: Jacobian of Pascanu's form written with row vectors, n×n, numerator
            layout; None when the recurrence is that form (its numerator comparison says it).
        row_vector_matches: whether it equals the claim entry for entry.
        norms: (name, value) pairs at a random instance: ‖J‖₂ (both layouts), ‖W‖₂, ‖Wᵀ‖₂,
            ‖D‖₂.
        bound_holds: ‖J‖₂ ≤ ‖W‖₂ ‖D‖₂ at that instance, in both layouts.
        bound: ‖J‖₂ ≤ ‖W‖₂ ‖D‖₂ (D the true Jacobian's diagonal factor), ‖Wᵀ‖₂ = ‖W‖₂ and,
            for a known γ, ‖D‖₂ ≤ γ: the facts the norm argument uses, each with its check.
        values: each norm at the random instance, as a fact.
    """

    claim: sp.MatrixExpr
    n: int
    claim_explicit: sp.Matrix
    comparisons: tuple[Comparison, ...]
    adapted: sp.MatrixExpr | None
    adapted_comparisons: tuple[Comparison, ...]
    row_vector: sp.Matrix | None
    row_vector_matches: bool
    norms: tuple[tuple[str, float], ...]
    bound_holds: bool
    bound: tuple[Fact, ...] = ()
    values: tuple[Fact, ...] = ()

    def written(self) -> Fact:
        """The claim written out at size n."""
        return Fact(self.claim, self.claim_explicit, f"the claim written out at n = {self.n}")

    def truth(self, comparison: Comparison, recurrence: Recurrence) -> Fact:
        """The true Jacobian at size n, in `comparison`'s layout."""
        return Fact(Jacobian(recurrence.x_t, recurrence.x_prev, comparison.layout), comparison.truth,
                    f"the derived Jacobian written out at n = {self.n}, compared entry by entry")

    def row_form(self, recurrence: Recurrence) -> Fact:
        """Pascanu's form written with row vectors (a definition)."""
        (lhs, rhs), = Recurrence(recurrence.activation, form=ROW).written()
        return Fact(lhs, rhs, "definition")

    def row_vector_fact(self, recurrence: Recurrence) -> Fact | None:
        """The row-vector form's Jacobian, differentiated entry by entry."""
        if self.row_vector is None:
            return None
        return Fact(Jacobian(recurrence.x_t, recurrence.x_prev), self.row_vector,
                    f"the row-vector form differentiated entry by entry at n = {self.n}")


def true_diag(rec: Recurrence) -> sp.MatrixExpr:
    """The diagonal factor of `rec`'s true one-step Jacobian: diag(σ'(x_{t-1})) or diag(σ'(a_t))."""
    return rec.derivative_diag(rec.derivative_point)


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
    named = env.copy()  # a_t's entries as symbols: what a report prints
    named[rec.a_t] = element_matrix(rec.a_t.name, n, 1)
    shown = explicit(numerator, named)

    def compare(candidate: sp.Matrix) -> tuple[Comparison, ...]:
        return tuple(Comparison(layout, to_layout(shown, layout),
                                tuple(mismatches(candidate, to_layout(truth, layout))))
                     for layout in Layout)

    comparisons = compare(claim_x)
    # The factor with σ' at the form's own point (a_t in the post-activation form).
    own = true_diag(rec)
    adapted = None if own == D else (
        sp.Transpose(rec.W) if isinstance(own, sp.Identity) else sp.MatMul(sp.Transpose(rec.W), own))
    adapted_comparisons = () if adapted is None else compare(explicit(adapted, env))
    # Row-vector convention: x_tᵀ = σ(x_{t-1})ᵀ W + …, i.e. the column x_t = Wᵀ σ(x_{t-1}) + ….
    row_J = None
    if rec.form != ROW:
        row = Recurrence(rec.activation, form=ROW).bindings(n, n + 1)
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
    where = f"evaluated at random values (seed {seed}, n = {n})"
    J, J_den = Jacobian(rec.x_t, rec.x_prev), Jacobian(rec.x_t, rec.x_prev, Layout.DENOMINATOR)
    W_T, Dn = sp.Transpose(rec.W), true_diag(rec)
    gamma = rec.activation.sup_derivative
    facts = (
        Fact(Norm2(J), sp.Mul(Norm2(rec.W), Norm2(Dn), evaluate=False), where + ", both layouts", "<=", bound),
        Fact(Norm2(W_T), Norm2(rec.W), where, "=", abs(norms["W"] - norms["W_T"]) <= slack),
    ) + (() if gamma is None else (
        Fact(Norm2(Dn), gamma, "the supremum of the derivative's absolute value, from the activation table", "<=", norms["D"] <= gamma + slack),))
    value = lambda key: sp.Float(float(norms[key]), 6)
    values = tuple(Fact(lhs, value(key), where) for lhs, key in (
        (Norm2(J), "J_num"), (Norm2(J_den), "J_den"), (Norm2(rec.W), "W"), (Norm2(W_T), "W_T"), (Norm2(Dn), "D")))
    return Pascanu(
        claim, n, claim_x, comparisons, adapted, adapted_comparisons, row_J,
        row_J is not None and not mismatches(row_J, claim_x),
        tuple((k, float(v)) for k, v in norms.items()), bound, facts, values,
    )
