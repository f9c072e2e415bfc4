"""Route 2 for a cell: index notation, a proof for every n.

Each equation is written for its entry i (its component form: [z_t]_i = sigmoid(Σ_l [W_z]_il
[x_t]_l + Σ_l [U_z]_il [h_{t-1}]_l + [b_z]_i), …), and the total derivatives are taken entry
by entry in equation order,

    d[v]_i/d[s]_j = Σ_d Σ_k ∂[v]_i/∂[d]_k · d[d]_k/d[s]_j,

SymPy differentiating each component by the indexed entry [d]_k (Kronecker deltas, then
sifted: every index here ranges over 1..n) and a gate's derivative written through the gate
([z]_i (1 − [z]_i)). The entry of each next-state block is then compared, for symbolic i, j
and n, with entry (i, j) of the matrix-level closed form: both sides in one normal form (sums
with one summation index, the factors free of it taken out, everything expanded). Each step
is also re-checked at n = 2, m = 3 for every i, j against the cell written out in full and
differentiated entry by entry.
"""

from __future__ import annotations

import itertools
from functools import cache

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .chain import Chain
from .errors import UnsupportedError
from .explicit import apply, derivative, differ, explicit, jacobian_entries
from .layout import Entry, Layout, TotalJacobian
from .model import M, N, element
from .steps import Prose, Route, Step

i, j = sp.symbols("i j", integer=True, positive=True)
#: The summation index of the normal form.
K = sp.Symbol("k", integer=True, positive=True)
#: The size at which every index step is also re-checked.
CHECK_N, CHECK_M = 2, 3


class _Indices:
    """Fresh summation indices k1, k2, … (deterministic per route)."""

    def __init__(self):
        self._count = itertools.count(1)

    def __call__(self) -> sp.Symbol:
        return sp.Symbol(f"k{next(self._count)}", integer=True, positive=True)


def _base(s: sp.MatrixSymbol) -> sp.IndexedBase:
    return sp.IndexedBase(s.name)


def vector_entry(e, r, fresh) -> sp.Expr:
    """Entry r of the vector expression `e`, sums over a fresh index where a matrix multiplies."""
    if isinstance(e, sp.MatrixSymbol):
        return _base(e)[r]
    if isinstance(e, sp.OneMatrix):
        return sp.Integer(1)
    if isinstance(e, sp.MatAdd):
        return sp.Add(*[vector_entry(a, r, fresh) for a in e.args])
    if isinstance(e, sp.HadamardProduct):
        return sp.Mul(*[vector_entry(a, r, fresh) for a in e.args])
    if isinstance(e, ElementwiseApplyFunction):
        return apply(e.function, vector_entry(e.expr, r, fresh))
    if isinstance(e, sp.MatMul):
        scalar = sp.Mul(*[a for a in e.args if not a.is_Matrix])
        mats = [a for a in e.args if a.is_Matrix]
        if len(mats) == 1:
            return scalar * vector_entry(mats[0], r, fresh)
        k, rest = fresh(), sp.MatMul(*mats[1:]) if len(mats) > 2 else mats[1]
        return scalar * sp.Sum(matrix_entry(mats[0], r, k, fresh) * vector_entry(rest, k, fresh),
                               (k, 1, mats[0].shape[1]))
    raise UnsupportedError(f"no index rule for {type(e).__name__}")


def matrix_entry(e, r, c, fresh) -> sp.Expr:
    """Entry (r, c) of the matrix expression `e`: diag(v) A gives [v]_r [A]_rc, no sum."""
    if isinstance(e, sp.MatrixSymbol):
        return _base(e)[r, c]
    if isinstance(e, sp.Transpose):
        return matrix_entry(e.arg, c, r, fresh)
    if isinstance(e, sp.Identity):
        return sp.KroneckerDelta(r, c)
    if isinstance(e, sp.ZeroMatrix):
        return sp.Integer(0)
    if isinstance(e, sp.DiagMatrix):
        return vector_entry(e.args[0], r, fresh) * sp.KroneckerDelta(r, c)
    if isinstance(e, sp.MatAdd):
        return sp.Add(*[matrix_entry(a, r, c, fresh) for a in e.args])
    if isinstance(e, sp.MatMul):
        scalar = sp.Mul(*[a for a in e.args if not a.is_Matrix])
        mats = [a for a in e.args if a.is_Matrix]
        if len(mats) == 1:
            return scalar * matrix_entry(mats[0], r, c, fresh)
        A, rest = mats[0], sp.MatMul(*mats[1:]) if len(mats) > 2 else mats[1]
        if isinstance(A, sp.DiagMatrix):
            return scalar * vector_entry(A.args[0], r, fresh) * matrix_entry(rest, r, c, fresh)
        k = fresh()
        return scalar * sp.Sum(matrix_entry(A, r, k, fresh) * matrix_entry(rest, k, c, fresh),
                               (k, 1, A.shape[1]))
    raise UnsupportedError(f"no index rule for {type(e).__name__}")


def _sift(s: sp.Sum) -> sp.Expr:
    """Σ_k f(k) δ_{k,c} = f(c), term by term; c lies in 1..n as k does (state indices)."""
    (k, lo, hi), = s.limits
    if not any(k in d.args for d in s.function.atoms(sp.KroneckerDelta)):
        return s  # nothing to sift: the sum stays as written
    sifted, kept = sp.Integer(0), []
    for term in sp.Add.make_args(sp.expand(s.function)):
        delta = next((f for f in sp.Mul.make_args(term)
                      if isinstance(f, sp.KroneckerDelta) and k in f.args), None)
        if delta is None:
            kept.append(term)
            continue
        other = delta.args[1] if delta.args[0] == k else delta.args[0]
        sifted += sp.Mul(*[f for f in sp.Mul.make_args(term) if f is not delta]).xreplace({k: other})
    return sifted + (sp.Sum(sp.Add(*kept), (k, lo, hi)) if kept else 0)


def sifted(expr) -> sp.Expr:
    """Every sum over a Kronecker delta sifted, to a fixed point."""
    for _ in range(8):
        new = expr.replace(lambda e: isinstance(e, sp.Sum), _sift)
        if new == expr:
            return expr
        expr = new
    return expr


@cache  # the route shows each block's entry and its check compares with it: one derivation
def block_entry(block: sp.MatrixExpr) -> sp.Expr:
    """Entry (i, j) of the matrix-level n×n block, its sums (indices k1, k2, …) over a
    Kronecker delta sifted (shared: both callers get the same expression)."""
    return sifted(matrix_entry(block, i, j, _Indices()))


#: The summation index of a sum inside a function's argument (tanh(Σ_l U_il h_l)).
L = sp.Symbol("l", integer=True, positive=True)


def _inner_named(expr) -> sp.Expr:
    """Sums inside function arguments with their index named l (each is its own scope)."""
    rename = lambda e: sp.Sum(e.function.xreplace({e.limits[0][0]: L}), (L, *e.limits[0][1:]))  # noqa: E731
    calls = {f: f.func(*[a.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, rename)
                         for a in f.args])
             for f in expr.atoms(sp.Function) if f.has(sp.Sum)}
    return expr.xreplace(calls) if calls else expr


def normal_form(expr) -> sp.Expr:
    """Σ_t c_t · Σ_k g_t(k): expanded, one summation index named k, its free factors outside;
    sums inside function arguments indexed by l."""
    expr = _inner_named(expr)
    out = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if not sums:
            out += term
            continue
        if len(sums) > 1 or len(sums[0].limits) > 1:
            raise UnsupportedError("an entry with products of sums: no index normal form")
        s = sums[0]
        (k, lo, hi), = s.limits
        outside = sp.Mul(*[f for f in sp.Mul.make_args(term) if f is not s])
        for t in sp.Add.make_args(sp.expand(s.function.xreplace({k: K}))):
            inner = sp.Mul(*[f for f in sp.Mul.make_args(t) if f.has(K)])
            free = sp.Mul(*[f for f in sp.Mul.make_args(t) if not f.has(K)])
            out += outside * free * sp.Sum(inner, (K, lo, hi))
    return out


def _named(expr) -> sp.Expr:
    """Every summation index shown as k (sums here are never nested)."""
    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1,
                        lambda e: sp.Sum(e.function.xreplace({e.limits[0][0]: K}), (K, *e.limits[0][1:])))


def index_route(ch: Chain) -> tuple[Route, dict]:
    """The index-notation route and, per (v, s), the entry formula of dv/ds_{t-1} the entries'
    chain rule derives (what `verify_index_route` holds each shown step to)."""
    cell, fresh = ch.cell, _Indices()
    components = {v: vector_entry(rhs, i, fresh) for v, rhs in cell.equations}
    steps = [Step("component", _base(v)[i], _named(components[v])) for v, _ in cell.equations]
    derived = {}
    for s in cell.prev:
        known = {p: (sp.KroneckerDelta if p == s else (lambda r, c: sp.Integer(0))) for p in cell.prev}
        for v, rhs in cell.equations:
            total = sp.Integer(0)
            for d in cell.dependencies(v):
                k = fresh()
                through = known[d](k, j)
                if through == 0:
                    continue
                partial = derivative(components[v], _base(d)[k])
                if isinstance(rhs, ElementwiseApplyFunction):  # σ'(g_i) through [v]_i = σ(g_i)
                    partial = partial.xreplace({components[v]: _base(v)[i]})
                total += sp.Sum(partial * through, (k, 1, N))
            value = sifted(total)
            known[v] = lambda r, c, value=value: value.xreplace({i: r, j: c})
            if value == 0:
                continue
            derived[v, s] = value
            # Shown as the matrix-level total's entry (factored as people write it); the check
            # is that it equals what the entries' chain rule derived here, for every n.
            shown = _named(block_entry(ch.totals[v, s]))
            steps.append(Step("index-chain", sp.Derivative(_base(v)[i], _base(s)[j]), shown,
                              note=Prose.of("total: through every name {v} depends on", v=v)))
            if v in cell.next:
                steps.append(Step("entry", shown, Entry(TotalJacobian(v, s), i, j), note=Prose.of(
                    "entry ({i}, {j}) of the matrix-level result, for every {i} and {j} from 1 to {n}",
                    i=i, j=j, n=N)))
    return Route("index", "Index notation, for every n", Layout.NUMERATOR, tuple(steps), None,
                 summary=Prose.of("Each equation for its entry {i}, differentiated by entry {j} of the "
                                  "previous state through every name it uses.", i=i, j=j)), derived


def _at(expr, r: int, c: int) -> sp.Expr:
    """`expr` at i = r, j = c, n = CHECK_N, m = CHECK_M, sums written out, [v]_k as entry symbols.

    One rebuild, bottom up, each node by its own constructor: the same expression as
    substituting, unrolling and renaming one after the other (three walks of the tree)."""
    def walk(e, values):
        if e in values:
            return values[e]
        if not e.args:
            return e
        if isinstance(e, sp.Sum):
            (k, lo, hi), = e.limits
            return sp.Add(*[walk(e.function, {**values, k: sp.Integer(v)})
                            for v in range(int(walk(lo, values)), int(walk(hi, values)) + 1)])
        args = [walk(a, values) for a in e.args]
        if isinstance(e, sp.Indexed):
            return element(e.base.label.name, *map(int, args[1:]))
        return e.func(*args) if args != list(e.args) else e

    return walk(expr, {i: sp.Integer(r), j: sp.Integer(c), N: sp.Integer(CHECK_N), M: sp.Integer(CHECK_M)})


def verify_index_route(route: Route, ch: Chain, derived: dict) -> tuple:
    """One StepCheck per step: an index-chain step equals, in the normal form and for every n,
    what the entries' chain rule derived (`derived`), and, at n = CHECK_N, the cell written out
    and differentiated entry by entry; an entry step equals the matrix-level entry (normal form)."""
    from .verify import StepCheck

    cell = ch.cell
    env = cell.bindings(CHECK_N, CHECK_M, total=True)
    written = {}
    for v, _ in cell.equations:
        for r in range(CHECK_N):
            written[element(v.name, r + 1)] = env[v][r]
    partial = cell.bindings(CHECK_N, CHECK_M, total=False)
    derivatives = {(v, s): jacobian_entries(list(env[v]), list(env[s]), env.partials)
                   for v, _ in cell.equations for s in cell.prev}
    forms: dict = {}  # an entry step's formula is the index-chain step's before it

    def form(expr):
        if expr not in forms:
            forms[expr] = normal_form(expr)
        return forms[expr]

    out = []
    for number, step in enumerate(route.steps, 1):
        detail, method = "", f"explicit at n = {CHECK_N}, every i and j"
        if step.rule == "entry":
            method = "symbolic, every n (normal form)"
            total = step.rhs.args[0]
            closed = block_entry(ch.block(total.f, total.x))
            if sp.expand(form(step.lhs) - form(closed)) != 0:
                detail = "the entry formula differs from the matrix-level entry"
        elif step.rule == "index-chain":
            method = f"symbolic, every n (normal form), and explicit at n = {CHECK_N}"
            v, s = (sp.MatrixSymbol(a.base.label.name, N, 1) for a in (step.lhs.expr, step.lhs.variables[0]))
            if sp.expand(form(step.rhs) - form(derived[v, s])) != 0:
                detail = "differs from the entries' chain rule"
            J = derivatives[v, s]
            for r in range(CHECK_N if not detail else 0):
                for c in range(CHECK_N):
                    got = _at(step.rhs, r + 1, c + 1).xreplace(written)
                    if differ(got, J[r, c]):
                        detail = f"entry ({r + 1}, {c + 1}) differs from the cell differentiated"
                        break
                if detail:
                    break
        else:  # a component: each row of the equation written out
            v = sp.MatrixSymbol(step.lhs.base.label.name, N, 1)
            rows = explicit(cell.defined[v], partial)
            if any(differ(_at(step.rhs, r + 1, 1), rows[r]) for r in range(CHECK_N)):
                detail = "a row differs from the equation written out"
        out.append(StepCheck(route.key, number, step.rule, method, not detail, detail))
    return tuple(out)
