"""Route 1 for a cell: each equation's partial Jacobians, then the chain rule through every
named intermediate, at matrix level for every n. All results are numerator layout.

* partials: ∂rhs_v/∂d (n×n) for each equation v = rhs_v and each name d its right side uses
  (every other name held fixed), by `matrix.jacobian`'s rules; a gate's σ' is then written
  through the gate's own value, as people write it: z ⊙ (1 − z) for z = sigmoid(a),
  1 − n ⊙ n for n = tanh(a) (the activation table's derivative, in terms of σ itself);
* totals: dv/ds = Σ_d ∂v/∂d · dd/ds for every defined v and previous state s, in equation
  order (ds/ds = I, ds'/ds = 0 for another state s'), then collected as people write them:
  diag(z) + diag((h − n) ⊙ z ⊙ (1 − z)) U_z + ….
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .cell import Cell
from .layout import Jacobian, Layout, TotalJacobian
from .matrix import _product, jacobian
from .model import ARG, N
from .steps import Prose, Route, Step


@dataclass(frozen=True)
class Chain:
    """The matrix-level derivation of a cell.

    Attributes:
        partials: (v, d) → ∂rhs_v/∂d, n×n, numerator layout.
        totals: (v, s) → dv/ds_{t-1}, n×n, numerator layout (zero pairs left out).
        routes: "partials" (verified with every name an independent symbol) and "chain"
            (verified with every name written out as a function of the previous states).
    """

    cell: Cell
    partials: dict
    totals: dict
    routes: tuple[Route, ...]

    def block(self, v, s) -> sp.MatrixExpr:
        """dv_t/ds_{t-1}, n×n numerator layout; the zero matrix where v does not depend on s."""
        return self.totals.get((v, s), sp.ZeroMatrix(N, N))


def _hadamard_of(poly: sp.Expr, y: sp.Symbol, v) -> sp.MatrixExpr:
    """The scalar polynomial `poly` in y as a vector expression in v, entry by entry:
    1 ↦ the ones vector, products ↦ ⊙, y ↦ v (y(1 − y) ↦ v ⊙ (1 − v))."""
    ones = sp.OneMatrix(*v.shape)
    if poly == y:
        return v
    if poly.is_Number:
        return sp.MatMul(poly, ones) if poly != 1 else ones
    if isinstance(poly, sp.Add):
        return sp.MatAdd(*[_hadamard_of(t, y, v) for t in sp.Add.make_args(poly)])
    if isinstance(poly, sp.Mul):
        scalar = sp.Mul(*[f for f in poly.args if f.is_Number])
        vectors = [_hadamard_of(f, y, v) for f in poly.args if not f.is_Number]
        body = vectors[0] if len(vectors) == 1 else sp.HadamardProduct(*vectors)
        return body if scalar == 1 else sp.MatMul(scalar, body)
    if isinstance(poly, sp.Pow) and poly.exp.is_Integer and poly.exp > 1:
        return sp.HadamardProduct(*[_hadamard_of(poly.base, y, v)] * int(poly.exp))
    raise ValueError(f"not a polynomial in {y}: {poly}")


def _through_output(expr, v, rhs):
    """`expr` with σ'(g) written through v = σ(g) where σ' is a polynomial in σ."""
    if not isinstance(rhs, ElementwiseApplyFunction):
        return expr
    g, sigma = rhs.expr, rhs.function(ARG)
    y = sp.Dummy("y")

    def rewrite(node):
        if node.expr != g:
            return node
        poly = sp.expand(node.function(ARG).xreplace({sigma: y}))
        if poly.has(ARG):
            return node
        return _hadamard_of(_written(poly, y), y, v)
    return expr.replace(lambda e: isinstance(e, ElementwiseApplyFunction), rewrite)


def _written(poly: sp.Expr, y: sp.Symbol) -> sp.Expr:
    """y − y² as y(1 − y), as the literature writes a logistic derivative; others as they are."""
    if sp.expand(poly - y * (1 - y)) == 0:
        return sp.Mul(y, 1 - y, evaluate=False)
    return poly


def _products(expr) -> list[tuple[sp.Expr, list]]:
    """`expr` multiplied out: a list of (scalar, [matrix factors]) terms, identities dropped
    and nested products flattened; a sum inside a product is distributed."""
    if isinstance(expr, sp.MatAdd):
        return [t for a in expr.args for t in _products(a)]
    if isinstance(expr, sp.Identity):
        return [(sp.Integer(1), [])]
    if not isinstance(expr, sp.MatMul):
        return [(sp.Integer(1), [expr])] if expr.is_Matrix else [(expr, [])]
    out = [(sp.Integer(1), [])]
    for a in expr.args:
        out = [(c1 * c2, f1 + f2) for c1, f1 in out for c2, f2 in _products(a)]
    return out


def _merge_diagonals(factors: list) -> list:
    """Adjacent diagonal factors as one: diag(a) diag(b) = diag(a ⊙ b)."""
    out = []
    for a in factors:
        if out and isinstance(a, sp.DiagMatrix) and isinstance(out[-1], sp.DiagMatrix):
            out[-1] = sp.DiagMatrix(sp.HadamardProduct(*_hadamard_factors(out[-1].args[0]),
                                                       *_hadamard_factors(a.args[0])))
        else:
            out.append(a)
    return out


def _hadamard_factors(v) -> list:
    """The factors of a (nested) Hadamard product, flattened."""
    if isinstance(v, sp.HadamardProduct):
        return [f for a in v.args for f in _hadamard_factors(a)]
    return [v]


def collect(expr) -> sp.MatrixExpr:
    """Σ_k c_k diag(d_k) T_k grouped by the right factor T: diag(Σ c_k d_k) T, the common
    Hadamard factors of the d_k taken out. Terms keep the order of their first appearance."""
    groups: dict = {}
    for scalar, factors in _products(expr):
        factors = _merge_diagonals(factors)
        if factors and isinstance(factors[0], sp.DiagMatrix):
            d, tail = _hadamard_factors(factors[0].args[0]), tuple(factors[1:])
        else:
            d, tail = None, tuple(factors)
        groups.setdefault((tail, d is None), []).append((scalar, d))
    out = []
    for (tail, plain), parts in groups.items():
        if plain:
            scalar = sp.Add(*[c for c, _ in parts])
            body = [*tail] if tail else [sp.Identity(N)]
            out.append(sp.MatMul(scalar, *body) if scalar != 1 else _mul(body))
            continue
        common = Counter(parts[0][1])
        for _, d in parts[1:]:
            common &= Counter(d)
        residual = []
        for c, d in parts:
            rest = list((Counter(d) - common).elements())
            rest = [f for f in d if f in rest]  # keep the written order
            vec = (rest[0] if len(rest) == 1 else sp.HadamardProduct(*rest)) if rest else sp.OneMatrix(N, 1)
            residual.append(vec if c == 1 else sp.MatMul(c, vec))
        shared = [f for f in parts[0][1] if f in common]
        if len(parts) == 1 and parts[0][0] != 1:  # one term c diag(d) T: c stays a scalar, not c·1 ⊙ d
            d = shared[0] if len(shared) == 1 else sp.HadamardProduct(*shared)
            out.append(sp.MatMul(parts[0][0], sp.DiagMatrix(d), *tail))
            continue
        vector = shared[:]
        if len(residual) > 1 or not isinstance(residual[0], sp.OneMatrix):
            vector = [sp.MatAdd(*residual) if len(residual) > 1 else residual[0], *shared]
        d = vector[0] if len(vector) == 1 else sp.HadamardProduct(*vector)
        out.append(_mul([sp.DiagMatrix(d), *tail]))
    return sp.MatAdd(*out) if len(out) > 1 else out[0]


def _mul(factors):
    return factors[0] if len(factors) == 1 else sp.MatMul(*factors)


def _sum(terms):
    terms = [t for t in terms if not isinstance(t, sp.ZeroMatrix)]
    if not terms:
        return sp.ZeroMatrix(N, N)
    return terms[0] if len(terms) == 1 else sp.MatAdd(*terms)


def _times(A, B):
    """A·B with identities and zeros dropped."""
    if isinstance(A, sp.ZeroMatrix) or isinstance(B, sp.ZeroMatrix):
        return sp.ZeroMatrix(N, N)
    return _product(A, B)


@cache  # a cell is frozen data: derive, its variants and bptt ask for the same chain
def chain(cell: Cell) -> Chain:
    """Partials of every equation and totals of every defined name (see the module docstring)."""
    partials, partial_steps = {}, []
    for v, rhs in cell.equations:
        for d in cell.dependencies(v):
            result, steps = jacobian(rhs, d)
            partial_steps += steps
            # σ' of v's own activation, through v: the gate's derivative as people write it.
            written = _through_output(result, v, rhs)
            if written != result:
                partial_steps.append(Step("gate-output", Jacobian(rhs, d), written,
                                          note=Prose.of("{v} is the value of this activation (its equation above)", v=v),
                                          where=((v, rhs),)))
            collected = collect(written)
            if collected != written:
                partial_steps.append(Step("collect", written, collected))
            partials[v, d] = collected

    totals, chain_steps = {}, []
    for s in cell.prev:
        known = {(p, s): (sp.Identity(N) if p == s else sp.ZeroMatrix(N, N)) for p in cell.prev}
        for v, _ in cell.equations:
            live = [d for d in cell.dependencies(v) if not isinstance(known[d, s], sp.ZeroMatrix)]
            if not live:
                known[v, s] = sp.ZeroMatrix(N, N)
                continue
            lhs = TotalJacobian(v, s)
            # As stated: a previous state's own total (I) is written out, a name's stays dd/ds.
            stated = _sum([_times(partials[v, d], known[d, s] if d in cell.prev else TotalJacobian(d, s))
                           for d in live])
            value = _sum([_times(partials[v, d], known[d, s]) for d in live])
            collected = collect(value) if not isinstance(value, sp.ZeroMatrix) else value
            chain_steps.append(Step("total", lhs, stated))
            if value != stated:
                chain_steps.append(Step("substitute", stated, value))
            if collected != value:
                chain_steps.append(Step("collect", value, collected))
            known[v, s] = collected
            totals[v, s] = collected
    routes = (
        Route("partials", "Partial derivatives of each equation", Layout.NUMERATOR,
              tuple(partial_steps), None,
              summary=Prose("Each equation differentiated by each quantity it uses, the others held fixed.")),
        Route("chain", "The chain rule through the intermediates", Layout.NUMERATOR,
              tuple(chain_steps), None,
              summary=Prose("Total derivatives with respect to the previous state, equation by equation.")),
    )
    return Chain(cell, partials, totals, routes)
