"""Route 1: the Jacobian at matrix level, for symbolic n, by one small rule per node type.

Every rule returns the numerator-layout Jacobian (p×q for f ∈ R^p, x ∈ R^q) and records
the steps it took. SymPy's own ``MatrixExpr.diff`` is not used: it answers in denominator
layout for ``(W*x).diff(x)`` and in numerator layout for some composites (SymPy 1.14), so
the rules here are written out and checked against the element expansion instead.
"""

from __future__ import annotations

from functools import singledispatch

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .errors import UnsupportedError
from .explicit import derivative
from .layout import Jacobian, Layout
from .model import ARG, Recurrence, elementwise
from .steps import Prose, Route, Step


def jacobian(f, x) -> tuple[sp.MatrixExpr, list[Step]]:
    """Numerator-layout ∂f/∂x (f.rows × x.rows) of a column-vector expression, with steps."""
    if not f.has(x):
        # ∂c/∂x = 0 for anything that does not depend on x.
        zero = sp.ZeroMatrix(f.rows, x.rows)
        return zero, [Step("constant", Jacobian(f, x), zero)]
    if f == x:
        # ∂x/∂x = I.
        eye = sp.Identity(x.rows)
        return eye, [Step("identity", Jacobian(x, x), eye)]
    return _rule(f, x)


@singledispatch
def _rule(f, x):
    raise UnsupportedError(f"no matrix-level Jacobian rule for {type(f).__name__}")


@_rule.register
def _(f: sp.MatAdd, x):
    """∂(Σ_k f_k)/∂x = Σ_k ∂f_k/∂x; the terms free of x are kept together as one constant."""
    dependent = [t for t in f.args if t.has(x)]
    constant = [t for t in f.args if not t.has(x)]
    parts = dependent + ([sp.MatAdd(*constant)] if constant else [])
    steps = [Step("sum", Jacobian(f, x), sp.MatAdd(*[Jacobian(p, x) for p in parts]))]
    results = []
    for p in parts:
        result, sub = jacobian(p, x)
        steps += sub
        results.append(result)
    nonzero = [r for r in results if not isinstance(r, sp.ZeroMatrix)]
    total = sp.MatAdd(*nonzero) if len(nonzero) > 1 else nonzero[0]
    return total, steps


@_rule.register
def _(f: sp.MatMul, x):
    """∂(A g)/∂x = A ∂g/∂x for A free of x: the chain rule through z = g, with ∂(A z)/∂z = A."""
    *coefficient, g = f.args
    if any(c.has(x) for c in coefficient):
        raise UnsupportedError("x appears in a left factor of a product; only A·g(x) is handled")
    A = sp.MatMul(*coefficient) if len(coefficient) > 1 else coefficient[0]
    if not A.is_Matrix and g != x:  # a scalar c: ∂(c g)/∂x = c ∂g/∂x
        inner, sub = jacobian(g, x)
        return sp.MatMul(A, inner), [Step("scalar", Jacobian(f, x), sp.MatMul(A, Jacobian(g, x)))] + sub
    if not A.is_Matrix:  # ∂(c x)/∂x = c I
        A = sp.MatMul(A, sp.Identity(g.rows))
    if g == x:
        return A, [Step("linear", Jacobian(f, x), A)]
    z = sp.MatrixSymbol("z", g.rows, 1)
    steps = [
        Step(
            "chain", Jacobian(f, x), sp.MatMul(Jacobian(A * z, z), Jacobian(g, x)),
            note=Prose.of("with {z} = {g}; in numerator layout the outer derivative stands on the left",
                          z=z, g=g), where=((z, g),),
        ),
        Step("linear", Jacobian(A * z, z), A),
    ]
    inner, sub = jacobian(g, x)
    return _product(A, inner), steps + sub


@_rule.register
def _(f: ElementwiseApplyFunction, x):
    """∂σ(g)/∂x = diag(σ'(g)) ∂g/∂x, with σ applied entry by entry."""
    g = f.expr
    s = ARG
    dsigma = derivative(f.function(s), s)
    if dsigma == 1:
        D = sp.Identity(g.rows)  # σ' ≡ 1: diag(1, …, 1) is the identity
    else:
        D = sp.DiagMatrix(ElementwiseApplyFunction(sp.Lambda(s, dsigma), g))
    if g == x:
        return D, [Step("elementwise", Jacobian(f, x), D)]
    # σ(g(x)): the chain rule through z = g, then ∂σ(z)/∂z = diag(σ'(z)).
    z = sp.MatrixSymbol("z", g.rows, 1)
    sigma_z = ElementwiseApplyFunction(f.function, z)
    Dz, inner_steps = _rule(sigma_z, z)
    steps = [
        Step("chain", Jacobian(f, x), sp.MatMul(Jacobian(sigma_z, z), Jacobian(g, x)),
             note=Prose.of("with {z} = {g}; in numerator layout the outer derivative stands on the left",
                          z=z, g=g), where=((z, g),)),
        *inner_steps,
    ]
    inner, sub = jacobian(g, x)
    # The result names the argument as written: σ'(z) at z = g is σ'(g).
    return _product(Dz.xreplace({z: g}), inner), steps + sub


@_rule.register
def _(f: sp.HadamardProduct, x):
    """∂(a ⊙ b)/∂x = diag(b) ∂a/∂x + diag(a) ∂b/∂x, one term per factor that depends on x."""
    factors = f.args
    terms, pieces, steps = [], [], []
    for p, a in enumerate(factors):
        if not a.has(x):
            continue
        rest = [b for q, b in enumerate(factors) if q != p]
        D = sp.DiagMatrix(rest[0] if len(rest) == 1 else sp.HadamardProduct(*rest))
        pieces.append(sp.MatMul(D, Jacobian(a, x)))
        inner, sub = jacobian(a, x)
        steps += sub
        terms.append(_product(D, inner))
    head = Step("hadamard", Jacobian(f, x), sp.MatAdd(*pieces) if len(pieces) > 1 else pieces[0])
    return (sp.MatAdd(*terms) if len(terms) > 1 else terms[0]), [head, *steps]


def _product(A, B):
    """A·B with the identity dropped (A·I = A), kept otherwise as written."""
    if isinstance(B, sp.Identity):
        return A
    if isinstance(A, sp.Identity):
        return B
    return sp.MatMul(A, B)


def matrix_route(rec: Recurrence) -> Route:
    """∂x_t/∂x_{t-1} in numerator layout (n×n) at matrix level.

    W'·diag(σ'(x_{t-1})) for a pre-activation form, diag(σ'(a_t))·W' for a post-activation
    form (a_t its pre-activation), with W' = Wᵀ for row vectors, else W.
    """
    x = rec.x_prev
    rhs = rec.rhs()
    steps = [Step("recurrence", Jacobian(rec.x_t, x), Jacobian(rhs, x))]
    result, sub = jacobian(rhs, x)
    steps += sub
    post = rec.cell.post
    if post:
        result = result.xreplace({rec.pre_activation(): rec.a_t})  # name the pre-activation a_t
    steps.append(Step("assemble", Jacobian(rec.x_t, x), result,
                      note=Prose.of("with {a} = {pre}", a=rec.a_t, pre=rec.pre_activation())
                      if post else None))
    through = rec.pre_activation() if post else elementwise(rec.activation, x)
    return Route(
        "matrix", "Matrix level, for every n", Layout.NUMERATOR, tuple(steps), result,
        summary=Prose.of(
            "Chain rule through {z} = {sz} with matrix symbols of symbolic size {n}.",
            z=rec.z, sz=through, n=rec.n,
        ),
    )
