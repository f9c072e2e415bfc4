"""Route 2: the Jacobian in index notation, a proof for every n.

[x_t]_i = Σ_k W_ik σ([x_{t-1}]_k) + Σ_l [W_in]_il [u_t]_l + b_i, so
∂[x_t]_i/∂[x_{t-1}]_j = Σ_k W_ik σ'([x_{t-1}]_k) δ_kj = W_ij σ'([x_{t-1}]_j) = [W D]_ij,
the entry (i, j) of the numerator-layout Jacobian. Indices are 1-based, as printed.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .explicit import derivative
from .layout import Entry, Jacobian, Layout
from .model import ARG, Recurrence
from .steps import Prose, Route, Step

i, j, k, l = sp.symbols("i j k l", integer=True, positive=True)


@cache  # these three are pure in `rec`, and every index evaluation asks for them
def _bases(rec: Recurrence):
    return tuple(sp.IndexedBase(s.name) for s in (rec.W, rec.W_in, rec.u, rec.b, rec.x_prev, rec.x_t, rec.a_t))


def _weight(rec: Recurrence, row, col) -> sp.Expr:
    """Entry (row, col) of the column form's recurrent matrix: W_{col,row} for row vectors."""
    W = _bases(rec)[0]
    return W[col, row] if rec.cell.rows else W[row, col]


@cache
def pre_activation(rec: Recurrence) -> sp.Expr:
    """Row i of a_t = W' x_{t-1} + W_in u_t + b (W' = Wᵀ for row vectors, else W)."""
    W, Win, u, b, x, _, _ = _bases(rec)
    return sp.Sum(_weight(rec, i, k) * x[k], (k, 1, rec.n)) + sp.Sum(Win[i, l] * u[l], (l, 1, rec.m)) + b[i]


@cache
def component(rec: Recurrence) -> sp.Expr:
    """Row i of the recurrence, e.g. Σ_k W_ik σ(x_k) + Σ_l [W_in]_il u_l + b_i."""
    W, Win, u, b, x, _, _ = _bases(rec)
    if rec.cell.post:
        return rec.activation.apply(pre_activation(rec))
    weight = _weight(rec, i, k)
    return (sp.Sum(weight * rec.activation.apply(x[k]), (k, 1, rec.n))
            + sp.Sum(Win[i, l] * u[l], (l, 1, rec.m)) + b[i])


def index_route(rec: Recurrence, result) -> Route:
    """∂[x_t]_i/∂[x_{t-1}]_j for every n, identified as entry (i, j) of `result`.

    `result` is the matrix-level numerator-layout Jacobian this route confirms entrywise.
    """
    W, Win, u, b, x, xt, a = _bases(rec)
    sigma = rec.activation.apply
    dsigma = sp.Lambda(ARG, derivative(sigma(ARG), ARG))
    d_xt = sp.Derivative(xt[i], x[j])
    linear = (sp.Sum(_weight(rec, i, k) * sp.Derivative(x[k], x[j]), (k, 1, rec.n))
              + sp.Sum(Win[i, l] * sp.Derivative(u[l], x[j]), (l, 1, rec.m))
              + sp.Derivative(b[i], x[j]))
    if rec.cell.post:
        outer = dsigma(a[i])
        chain = outer * sp.Derivative(pre_activation(rec), x[j])
        delta = outer * sp.Sum(_weight(rec, i, k) * sp.KroneckerDelta(k, j), (k, 1, rec.n))
        entry = outer * _weight(rec, i, j)
        steps = [
            Step("component", xt[i], component(rec)),
            Step("chain", d_xt, chain, note=Prose.of("with {a} = {pre}", a=a[i], pre=pre_activation(rec))),
            Step("differentiate", chain, outer * linear),
            Step("partials", outer * linear, delta, note=Prose.of(
                "{dx} is {d}; neither {u} nor {b} depends on {x}", dx=sp.Derivative(x[k], x[j]),
                d=sp.KroneckerDelta(k, j), u=rec.u, b=rec.b, x=rec.x_prev)),
        ]
    else:
        weight = _weight(rec, i, k)
        termwise = (sp.Sum(weight * sp.Derivative(sigma(x[k]), x[j]), (k, 1, rec.n))
                    + sp.Sum(Win[i, l] * sp.Derivative(u[l], x[j]), (l, 1, rec.m))
                    + sp.Derivative(b[i], x[j]))
        delta = sp.Sum(weight * dsigma(x[k]) * sp.KroneckerDelta(k, j), (k, 1, rec.n))
        entry = weight.subs(k, j) * dsigma(x[j])
        steps = [
            Step("component", xt[i], component(rec)),
            Step("differentiate", d_xt, termwise),
            Step("partials", termwise, delta, note=Prose.of(
                "{dsk} is {dsk_val} times {d}; neither {u} nor {b} depends on {x}",
                dsk=sp.Derivative(sigma(x[k]), x[j]), dsk_val=dsigma(x[k]),
                d=sp.KroneckerDelta(k, j), u=rec.u, b=rec.b, x=rec.x_prev)),
        ]
    steps += [
        Step("sifting", delta, entry,
             note=Prose.of("only {kj} survives, since {j} lies between 1 and {n}",
                           kj=sp.Eq(k, j), j=j, n=rec.n)),
        Step("entry", entry, Entry(result, i, j)),
        Step(
            "conclusion", Jacobian(rec.x_t, rec.x_prev), result,
            note=Prose.of(
                "entry ({i}, {j}) of the numerator-layout Jacobian is {d}, for every "
                "{i} and {j} from 1 to {n}", i=i, j=j, d=d_xt, n=rec.n,
            ),
        ),
    ]
    return Route(
        "index", "Index notation, for every n", Layout.NUMERATOR, tuple(steps), result,
        summary=Prose.of("Component {i} of the recurrence, differentiated by entry {j} of {x}.",
                         i=i, j=j, x=rec.x_prev),
    )


#: 1 ≤ idx ≤ n spelled out for SymPy's assumptions: idx = 1 + p, n = 1 + p + q, p, q ≥ 0.
#: A condition on one index and n that becomes True under it is implied by the range (no
#: refine(): the assumptions system it needs is slow to load).
_P, _Q = sp.symbols("p q", integer=True, nonnegative=True)


def _implied(cond, n) -> bool:
    if cond is sp.true:
        return True
    for index in (i, j):
        if cond.free_symbols <= {index, n}:
            return cond.xreplace({index: 1 + _P, n: 1 + _P + _Q}) is sp.true
    return False


def _in_range(expr, n):
    """`expr` with each Piecewise reduced to its first branch implied by 1 ≤ i, j ≤ n."""
    def reduce(pw):
        for value, cond in pw.args:
            if _implied(cond, n):
                return value
        return pw
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), reduce)


def _sift(s: sp.Sum) -> sp.Expr:
    """Σ_{k=a}^{b} f(k) δ_{k,c} = f(c) if a ≤ c ≤ b, else 0 (c free of k), term by term.

    The sifting property, applied here rather than by SymPy's delta summation because that
    calls solve(), whose first use imports sympy.physics: a fifth of a second at start-up.
    Terms without such a δ stay in a sum of their own; a sum over several indices stays.
    """
    if len(s.limits) != 1:
        return s
    k, lo, hi = s.limits[0]
    sifted, kept = [], []
    for term in sp.Add.make_args(s.function):
        deltas = [f for f in sp.Mul.make_args(term)
                  if isinstance(f, sp.KroneckerDelta) and k in f.args]
        c = None
        if len(deltas) == 1:
            delta = deltas[0]
            c = delta.args[1] if delta.args[0] == k else delta.args[0]
        if c is None or k in c.free_symbols:
            kept.append(term)
            continue
        rest = sp.Mul(*(f for f in sp.Mul.make_args(term) if f is not delta))
        sifted.append(sp.Piecewise((rest.xreplace({k: c}), sp.And(lo <= c, c <= hi)), (0, True)))
    if not sifted:
        return s
    return sp.Add(*sifted) + (sp.Sum(sp.Add(*kept), s.limits[0]) if kept else 0)


def _done(node):
    """One Derivative or Sum done, its arguments already done: SymPy differentiates; a sum
    of zeros is 0, a sum over a δ is sifted, and any other sum over 1..n stays as it is
    (SymPy would search for a closed form it cannot have)."""
    if isinstance(node, sp.Derivative):
        return node.doit(deep=False)
    if node.function == 0:
        return sp.S.Zero
    return _sift(node)


def _evaluate(expr: sp.Expr) -> sp.Expr:
    """Derivatives and sums done bottom-up; differentiating a Sum yields a new Sum to do,
    so this repeats to a fixed point."""
    for _ in range(4):
        done = expr.replace(lambda e: isinstance(e, (sp.Derivative, sp.Sum)), _done)
        if done == expr:
            break
        expr = done
    return expr


def entry_value(matrix, rec: Recurrence) -> sp.Expr:
    """Entry (i, j) of the n×n matrix expression `matrix` for symbolic i, j and n, with
    1 ≤ i, j ≤ n assumed; the symbols it holds (x_t, a_t, …) stay as they are."""
    return _in_range(sp.piecewise_fold(Entry(matrix, i, j).value(_evaluate)), rec.n)


def index_value(expr, rec: Recurrence) -> sp.Expr:
    """`expr` evaluated for symbolic i, j, n: definitions substituted, derivatives and sums
    done, and 1 ≤ i, j ≤ n assumed (it is the range of the indices)."""
    *_, xt, a = _bases(rec)
    expr = expr.replace(lambda e: isinstance(e, Entry), lambda e: e.value(_evaluate))
    expr = expr.xreplace({xt[i]: component(rec), a[i]: pre_activation(rec)})
    return _in_range(sp.piecewise_fold(_evaluate(expr)), rec.n)
