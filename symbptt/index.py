"""Route 2: the Jacobian in index notation, a proof for every n.

[x_t]_i = Σ_k W_ik σ([x_{t-1}]_k) + Σ_l [W_in]_il [u_t]_l + b_i, so
∂[x_t]_i/∂[x_{t-1}]_j = Σ_k W_ik σ'([x_{t-1}]_k) δ_kj = W_ij σ'([x_{t-1}]_j) = [W D]_ij,
the entry (i, j) of the numerator-layout Jacobian. Indices are 1-based, as printed.
"""

from __future__ import annotations

import sympy as sp

from .layout import Entry, Jacobian, Layout
from .model import ARG, Recurrence
from .steps import Prose, Route, Step

i, j, k, l = sp.symbols("i j k l", integer=True, positive=True)


def component(rec: Recurrence) -> sp.Expr:
    """Row i of the recurrence: Σ_k W_ik σ(x_k) + Σ_l [W_in]_il u_l + b_i."""
    W, Win, u, b, x = (sp.IndexedBase(s.name) for s in (rec.W, rec.W_in, rec.u, rec.b, rec.x_prev))
    return (
        sp.Sum(W[i, k] * rec.activation.apply(x[k]), (k, 1, rec.n))
        + sp.Sum(Win[i, l] * u[l], (l, 1, rec.m))
        + b[i]
    )


def index_route(rec: Recurrence, result) -> Route:
    """∂[x_t]_i/∂[x_{t-1}]_j for every n, identified as entry (i, j) of `result` (= W D).

    `result` is the matrix-level numerator-layout Jacobian this route confirms entrywise.
    """
    W, Win, u, b, x, xt = (
        sp.IndexedBase(s.name) for s in (rec.W, rec.W_in, rec.u, rec.b, rec.x_prev, rec.x_t)
    )
    sigma = rec.activation.apply
    dsigma = sp.Lambda(ARG, sp.diff(sigma(ARG), ARG))
    termwise = (
        sp.Sum(W[i, k] * sp.Derivative(sigma(x[k]), x[j]), (k, 1, rec.n))
        + sp.Sum(Win[i, l] * sp.Derivative(u[l], x[j]), (l, 1, rec.m))
        + sp.Derivative(b[i], x[j])
    )
    delta = sp.Sum(W[i, k] * dsigma(x[k]) * sp.KroneckerDelta(k, j), (k, 1, rec.n))
    entry = W[i, j] * dsigma(x[j])
    d_xt = sp.Derivative(xt[i], x[j])
    steps = (
        Step("component", xt[i], component(rec)),
        Step("differentiate", d_xt, termwise),
        Step(
            "partials", termwise, delta,
            note=Prose.of(
                "{dsk} is {dsk_val} times {d}; neither {u} nor {b} depends on {x}",
                dsk=sp.Derivative(sigma(x[k]), x[j]), dsk_val=dsigma(x[k]),
                d=sp.KroneckerDelta(k, j), u=rec.u, b=rec.b, x=rec.x_prev,
            ),
        ),
        Step(
            "sifting", delta, entry,
            note=Prose.of("only {kj} survives, since {range}", kj=sp.Eq(k, j),
                          range=sp.And(sp.Le(1, j), sp.Le(j, rec.n), evaluate=False)),
        ),
        Step("entry", entry, Entry(result, i, j)),
        Step(
            "conclusion", Jacobian(rec.x_t, rec.x_prev), result,
            note=Prose.of(
                "entry ({i}, {j}) of the numerator-layout Jacobian is {d}, for every "
                "{i} and {j} from 1 to {n}", i=i, j=j, d=d_xt, n=rec.n,
            ),
        ),
    )
    return Route(
        "index", "Index notation, for every n", Layout.NUMERATOR, steps, result,
        summary=Prose.of("Component {i} of the recurrence, differentiated by entry {j} of {x}.",
                         i=i, j=j, x=rec.x_prev),
    )


#: j = 1 + p and n = 1 + p + q with p, q ≥ 0 spell out 1 ≤ j ≤ n for SymPy's assumptions,
#: so a Piecewise on the range collapses by itself (no refine(): it is slow to load).
_P, _Q = sp.symbols("p q", integer=True, nonnegative=True)


def index_value(expr, rec: Recurrence) -> sp.Expr:
    """`expr` evaluated for symbolic i, j, n: definitions substituted, derivatives and sums
    done, and 1 ≤ j ≤ n assumed (it is the range of the index)."""
    xt = sp.IndexedBase(rec.x_t.name)
    expr = expr.replace(lambda e: isinstance(e, Entry), lambda e: e.value())
    expr = expr.xreplace({xt[i]: component(rec)})
    for _ in range(4):  # differentiating a Sum yields a new Sum to do: repeat to a fixed point
        done = expr.doit()
        if done == expr:
            break
        expr = done
    return sp.piecewise_fold(expr).subs({rec.n: 1 + _P + _Q, j: 1 + _P}, simultaneous=True)
