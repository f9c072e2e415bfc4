"""A norm bound of a cell's Jacobian block, read off its closed form, where one exists.

Entry ranges come from the data: a gate v = σ(g) lies in σ's range (the activation table:
(0, 1) for the logistic, (-1, 1) for tanh), an activation's derivative σ'(g) in [-γ, γ] (γ = sup|σ'|,
1 for relu's step H), a state in `Cell.bounded` in [-1, 1], the ones
vector is 1. Interval arithmetic over the vector expression inside each diag(…) bounds
its entries (with v ⊙ (1 − v) ≤ 1/4 for v in [0, 1], and v ⊙ v ≥ 0); then
‖Σ A_k‖₂ ≤ Σ ‖A_k‖₂, ‖A B‖₂ ≤ ‖A‖₂ ‖B‖₂, ‖diag(v)‖₂ = max_i |v_i|, ‖Uᵀ‖₂ = ‖U‖₂.
A symbol with no known range (c_{t-1}, a bias or a peephole weight) leaves the block
without a bound, and the reason names it.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .activations import ACTIVATIONS
from .cell import Cell
from .model import ARG
from .pascanu import Norm2


class Unbounded(Exception):
    """A part of the block with no known range: the exception's `expr`."""

    def __init__(self, expr):
        super().__init__(str(expr))
        self.expr = expr


def ranges(cell: Cell) -> dict:
    """Vector symbol → (lo, hi) for its entries, from the cell's equations and data."""
    out = {p: (sp.Integer(-1), sp.Integer(1)) for p, s in zip(cell.prev, cell.states) if s in cell.bounded}
    for lhs, rhs in cell.equations:
        if isinstance(rhs, ElementwiseApplyFunction):
            for act in ACTIVATIONS.values():
                if act.range and rhs.function.expr == act.apply(ARG):
                    out[lhs] = act.range
    return out


def _product(a, b):
    corners = [x * y for x in a for y in b]
    return (sp.Min(*corners), sp.Max(*corners))


def _is_one_minus(expr, v) -> bool:
    return isinstance(expr, sp.MatAdd) and set(expr.args) == {sp.OneMatrix(*v.shape), sp.MatMul(-1, v)}


def interval(expr, known: dict) -> tuple:
    """(lo, hi) for every entry of the vector expression `expr`; Unbounded otherwise."""
    if isinstance(expr, sp.OneMatrix):
        return (sp.Integer(1), sp.Integer(1))
    if isinstance(expr, sp.MatrixSymbol):
        if expr not in known:
            raise Unbounded(expr)
        return known[expr]
    if isinstance(expr, sp.MatMul) and len(expr.args) == 2 and expr.args[0].is_Number:
        c = expr.args[0]
        lo, hi = interval(expr.args[1], known)
        return (c * lo, c * hi) if c >= 0 else (c * hi, c * lo)
    if isinstance(expr, sp.MatAdd):
        parts = [interval(a, known) for a in expr.args]
        return (sp.Add(*[p[0] for p in parts]), sp.Add(*[p[1] for p in parts]))
    if isinstance(expr, sp.HadamardProduct):
        factors, out = list(expr.args), (sp.Integer(1), sp.Integer(1))
        for v in list(factors):
            partner = next((f for f in factors if _is_one_minus(f, v)), None) if v in factors else None
            if partner is not None and 0 <= interval(v, known)[0] and interval(v, known)[1] <= 1:
                factors.remove(v)
                factors.remove(partner)
                out = _product(out, (sp.Integer(0), sp.Rational(1, 4)))  # v(1 − v) ≤ 1/4 on [0, 1]
        for v in list(dict.fromkeys(factors)):
            power = factors.count(v)
            lo, hi = interval(v, known)
            if power % 2 == 0:  # v ⊙ v ≥ 0
                top = sp.Max(lo ** power, hi ** power)
                part = (sp.Integer(0) if lo <= 0 <= hi else sp.Min(lo ** power, hi ** power), top)
            else:  # an odd power is increasing
                part = (lo ** power, hi ** power)
            out = _product(out, part)
        return out
    if isinstance(expr, ElementwiseApplyFunction):
        body = expr.function.expr
        for act in ACTIVATIONS.values():
            if act.range and body == act.apply(ARG):
                return act.range
            if act.sup_derivative is not None and sp.expand(body - act.derivative(ARG)) == 0:  # |σ'| ≤ γ
                return (-act.sup_derivative, act.sup_derivative)
        raise Unbounded(expr)
    raise Unbounded(expr)


def norm_bound(block, known: dict) -> sp.Expr:
    """An upper bound of ‖block‖₂ in the spectral norms of its weights; Unbounded otherwise."""
    if isinstance(block, sp.MatAdd):
        return sp.Add(*[norm_bound(a, known) for a in block.args])
    if isinstance(block, sp.MatMul):
        return sp.Mul(*[abs(a) if a.is_Number else norm_bound(a, known) for a in block.args])
    if isinstance(block, sp.DiagMatrix):
        lo, hi = interval(block.args[0], known)
        return sp.Max(abs(lo), abs(hi))
    if isinstance(block, sp.Identity):
        return sp.Integer(1)
    if isinstance(block, sp.ZeroMatrix):
        return sp.Integer(0)
    if isinstance(block, sp.Transpose):
        return norm_bound(block.arg, known)
    if isinstance(block, sp.MatrixSymbol):
        return Norm2(block)
    raise Unbounded(block)


def bound(cell: Cell, block) -> tuple[sp.Expr | None, sp.Basic | None]:
    """(bound of ‖block‖₂, None) or (None, the part of the block that has no known range)."""
    try:
        return norm_bound(block, ranges(cell)), None
    except Unbounded as exc:
        return None, exc.expr
