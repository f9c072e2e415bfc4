"""Explicit evaluation: a matrix expression at concrete size becomes a matrix of entries.

This is the element-level route's engine and the independent check of every matrix-level
step: each node type has one small rule, and Jacobians are differentiated entry by entry.
"""

from __future__ import annotations

from collections import defaultdict
from functools import reduce, singledispatch
from typing import Sequence

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from . import sparse
from .errors import UnsupportedError
from .layout import Jacobian, to_layout


def jacobian_entries(f: Sequence[sp.Expr], x: Sequence[sp.Symbol], partials: dict | None = None) -> sp.Matrix:
    """Numerator layout, len(f)×len(x): entry (i, j) = ∂f_i/∂x_j, each one differentiated.

    The derivative of a sum is the sum of its terms' derivatives, and a term free of x_j
    contributes zero; grouping each row's terms by the variables they contain once makes
    the work proportional to the number of terms, not entries × terms. `partials`, if
    given, memoizes ∂term/∂x_j across calls.
    """
    xs = list(x)
    wanted = set(xs)
    partials = {} if partials is None else partials

    def partial(term, v):
        if (term, v) not in partials:
            partials[term, v] = derivative(term, v, partials)
        return partials[term, v]

    rows = []
    for fi in f:
        by_var = defaultdict(list)
        for term in sp.Add.make_args(sp.sympify(fi)):
            for v in term.free_symbols & wanted:
                by_var[v].append(term)
        rows.append([sp.Add(*[partial(t, v) for t in by_var.get(v, ())]) for v in xs])
    return matrix(len(rows), len(xs), [e for row in rows for e in row])


def derivative(expr: sp.Expr, v: sp.Symbol, memo: dict | None = None) -> sp.Expr:
    """∂expr/∂v, built as SymPy's `diff` builds it (the sum, product, power and chain rules,
    each function's own derivative from its `fdiff`), without `diff`'s final assumptions
    query on every intermediate result (is it zero?), which took most of the time on the
    cells' composed entries. A zero is recognised structurally, so the result is `diff`'s
    up to terms that cancel only under assumptions: equal after `expand`, what every
    comparison here uses. `v` is a symbol or an entry [x]_k (Indexed); other nodes (a sum,
    an entry, a piecewise) go to `diff`. `memo` caches (subexpression, v).
    """
    memo = {} if memo is None else memo
    key = (expr, v)
    if key in memo:
        return memo[key]
    if not (v.is_Symbol or isinstance(v, sp.Indexed)):
        out = expr.diff(v)
    elif expr == v:
        out = sp.S.One
    elif expr.is_Number or _free_of(expr, v):
        out = sp.S.Zero
    elif expr.is_Atom or isinstance(expr, sp.Indexed):
        out = expr.diff(v)
    elif expr.is_Add:
        out = sp.Add(*[derivative(a, v, memo) for a in expr.args])
    elif expr.is_Mul and expr.is_commutative:  # as Mul._eval_derivative
        args, terms = list(expr.args), []
        for k in range(len(args)):
            d = derivative(args[k], v, memo)
            if d != 0:
                terms.append(reduce(lambda a, b: a * b, args[:k] + [d] + args[k + 1:], sp.S.One))
        out = sp.Add.fromiter(terms)
    elif expr.is_Pow and _free_of(expr.exp, v):  # as Pow._eval_derivative, dexp = 0
        out = expr * (derivative(expr.base, v, memo) * expr.exp / expr.base)
    elif (isinstance(expr, sp.Function) and len(expr.args) == 1
          and type(expr)._eval_derivative is sp.Function._eval_derivative):
        d = derivative(expr.args[0], v, memo)
        out = sp.Add(expr.fdiff(1) * d) if d != 0 else sp.S.Zero
    else:
        out = expr.diff(v)
    memo[key] = out
    return out


def _free_of(expr, v) -> bool:
    """`expr` does not depend on `v`: a symbol not free in it, or an entry [x]_k of a vector x
    that `expr` never mentions (an entry [x]_l, l ≠ k, may still depend on it: δ_kl)."""
    return v not in expr.free_symbols if v.is_Symbol else not expr.has(v.base)


def explicit(expr, env) -> sp.Matrix:
    """`expr`, a matrix expression of symbolic size, as an explicit matrix (shared: not to
    be modified in place).

    `env` (a `model.Env`) maps each MatrixSymbol to its explicit matrix and each dimension
    symbol to its value; each node's matrix is kept in `env.values`, so a subtree that
    several steps share is built once. Raises UnsupportedError for a node type without a rule.
    """
    if isinstance(expr, sp.MatrixBase):  # already explicit (unhashable if mutable)
        return _rule(expr, env)
    if expr not in env.values:
        env.values[expr] = _rule(expr, env)
    return env.values[expr]


@singledispatch
def _rule(expr, env) -> sp.Matrix:
    raise UnsupportedError(f"no explicit rule for {type(expr).__name__}")


@_rule.register
def _(expr: sp.MatrixBase, env):
    return sp.Matrix(expr)


@_rule.register
def _(expr: sp.MatrixSymbol, env):
    try:
        return env[expr]
    except KeyError:
        raise UnsupportedError(f"no explicit value bound for {expr.name}") from None


@_rule.register
def _(expr: sp.ZeroMatrix, env):
    return sp.zeros(*env.size(expr))


@_rule.register
def _(expr: sp.Identity, env):
    return sp.eye(env.size(expr)[0])


@_rule.register
def _(expr: sp.MatAdd, env):
    parts = [explicit(a, env) for a in expr.args]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


@_rule.register
def _(expr: sp.MatMul, env):
    scalar, matrices = sp.Integer(1), []
    for a in expr.args:
        if getattr(a, "is_Matrix", False):
            matrices.append(a)
        else:
            scalar *= a
    out = None
    for a in matrices:
        if isinstance(a, sp.DiagMatrix) and out is not None:
            # A·diag(v) scales column j of A by v_j: O(entries), not a full product. A zero
            # factor gives 0 without SymPy's query of the other for infinities (see `product`).
            v = list(explicit(a.args[0], env))
            out = matrix(out.rows, out.cols, [x * v_j if x != 0 and v_j != 0 else sp.S.Zero
                                              for row in out.tolist() for x, v_j in zip(row, v)])
            continue
        m = explicit(a, env)
        out = m if out is None else product(out, m)
    return out if scalar == 1 else out * scalar


def product(a: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    """a·b: entry (i, j) is the sum of a_ik b_kj over the k where neither is 0, as SymPy's
    product computes it, without its check of every entry for infinities (0·e ≠ 0), an
    assumptions query (is_finite) on each symbolic entry. Entries here are finite: sums,
    products and powers of activations, exp and entry symbols."""
    if a.cols != b.rows:
        raise sp.ShapeError(f"matrix product of {a.shape} and {b.shape}")
    B = b.tolist()  # lists: indexing a Matrix entry by entry is slow
    rows = [[(k, x) for k, x in enumerate(row) if x != 0] for row in a.tolist()]
    entries = [[sp.Add(*[x * B[k][j] for k, x in row if B[k][j] != 0]) for j in range(b.cols)]
               for row in rows]
    return matrix(a.rows, b.cols, [e for row in entries for e in row])


def matrix(rows: int, cols: int, entries: list) -> sp.Matrix:
    """The rows×cols Matrix of `entries` (SymPy expressions, row by row), made directly:
    `sp.Matrix(...)` would first inspect and sympify every entry again."""
    rows, cols = int(rows), int(cols)
    if len(entries) != rows * cols:
        raise ValueError(f"{len(entries)} entries for a {rows}×{cols} matrix")
    return sp.Matrix._new(rows, cols, entries, copy=False)


@_rule.register
def _(expr: sp.MatPow, env):
    # diag(h) diag(h) becomes diag(h)² in SymPy's MatMul: a whole power from 1 is a repeated
    # product (a claim's powers are whole ones from 1, `claim._power`).
    exp = expr.exp
    if not (exp.is_Integer and exp >= 1):
        raise UnsupportedError(f"no explicit rule for the power {exp} of a matrix; only whole powers from 1")
    base = explicit(expr.base, env)
    return reduce(product, [base] * int(exp))


@_rule.register
def _(expr: sp.OneMatrix, env):
    return sp.ones(*env.size(expr))


@_rule.register
def _(expr: sp.HadamardProduct, env):
    parts = [explicit(a, env) for a in expr.args]
    total = parts[0]
    for p in parts[1:]:
        total = total.multiply_elementwise(p)
    return total


@_rule.register
def _(expr: sp.Transpose, env):
    return explicit(expr.arg, env).T


@_rule.register
def _(expr: sp.DiagMatrix, env):
    v = list(explicit(expr.args[0], env))  # sp.diag would first inspect each entry for a block
    return matrix(len(v), len(v), [v[r] if r == c else sp.S.Zero for r in range(len(v)) for c in range(len(v))])


@_rule.register
def _(expr: ElementwiseApplyFunction, env):
    return explicit(expr.expr, env).applyfunc(lambda v: apply(expr.function, v))


def apply(function: sp.Lambda, value) -> sp.Expr:
    """function(value) for a one-variable Lambda: its body with the variable replaced, what
    `Lambda.__call__` returns, without the call's argument-count check (which builds a set
    on every call)."""
    (variable,) = function.variables
    return function.expr.xreplace({variable: value})


@_rule.register
def _(expr: Jacobian, env):
    f, x = explicit(expr.f, env), explicit(expr.x, env)
    return to_layout(jacobian_entries(list(f), list(x), env.partials), expr.layout)


def evaluate(expr, env, where=()) -> sp.Matrix:
    """`explicit(expr)` with the step's bindings (z = σ(x), …) substituted afterwards."""
    value = explicit(expr, env)
    subs = {}
    for symbol, bound in where:
        for s_entry, b_entry in zip(explicit(symbol, env), explicit(bound, env)):
            subs[s_entry] = b_entry
    return value.xreplace(subs) if subs else value


def mismatches(got: sp.Matrix, expected: sp.Matrix) -> list[tuple[int, int, sp.Expr, sp.Expr]]:
    """Entries (1-based i, j, got, expected) where the two matrices differ.

    Entries are compared structurally after expansion, never with simplify(): both sides
    come out of differentiation in canonical form, so equal entries cancel on
    construction and a wrong closed form shows up as a nonzero difference.
    """
    if got.shape != expected.shape:
        raise ValueError(f"shapes differ: {got.shape} vs {expected.shape}")
    out = []
    polynomials = _Polynomials()  # one for all entries: the subtrees they share converted once
    for i in range(got.rows):
        for j in range(got.cols):
            a, b = got[i, j], expected[i, j]
            if a != b and differ(a, b, polynomials):
                out.append((i + 1, j + 1, a, b))
    return out


def differ(a, b, polynomials: "_Polynomials | None" = None) -> bool:
    """Whether a − b is nonzero once expanded (`sp.expand(a - b) != 0`), decided where
    functions are composed (σ(W σ(x) + …)) on sparse polynomials over ℚ, with the function
    applications as atoms, when both sides are polynomials in them; else, or when exp or
    log (which `expand` rewrites) occur, by `sp.expand`.

    Atoms are identified by their expanded arguments, so the two ways agree; polynomial
    arithmetic on dicts is many times faster than expanding expressions, most of all on
    composed recurrences, whose atoms hold whole states. Each side is converted on its own
    (subtrees they share once): the difference is never built as an expression.
    `polynomials`, shared by the entries of one comparison (`mismatches`), keeps the
    conversions and atoms of the subtrees they share.
    """
    polynomials = _Polynomials() if polynomials is None else polynomials
    try:
        left, right = polynomials.of(a), polynomials.of(b)
    except _Expand:
        return sp.expand(a - b) != 0
    if not (polynomials.composed[a] or polynomials.composed[b]):  # small entries: expand is as quick
        return sp.expand(a - b) != 0
    return left != right


class _Expand(Exception):
    """An expression `_Polynomials` leaves to `sp.expand`."""


class _Polynomials:
    """Expressions as `sparse` polynomials over ℚ, an atom a symbol or a function application
    (identified by its expanded arguments). Built node by node as SymPy's polys rings
    convert an expression (`PolyRing.from_expr`): sums, products, integer powers above 1,
    rational numbers."""

    def __init__(self):
        self.atoms: dict = {}
        self.composed: dict = {}  # converted expression → whether it applies a function to a function
        self._memo: dict = {}

    def of(self, e) -> sparse.Entry:
        if e not in self._memo:
            self._memo[e], self.composed[e] = self._convert(e)
        return self._memo[e]

    def _convert(self, e) -> tuple[sparse.Entry, bool]:
        if e.is_Add:
            out: sparse.Entry = {}
            for term in e.args:
                sparse.add(out, self.of(term))
            return out, any(self.composed[term] for term in e.args)
        if e.is_Mul:
            return reduce(sparse.mul, [self.of(f) for f in e.args]), any(self.composed[f] for f in e.args)
        if e.is_Pow and e.exp.is_Integer and e.exp > 1:
            return reduce(sparse.mul, [self.of(e.base)] * int(e.exp)), self.composed[e.base]
        if e.is_Rational:
            c = sparse.number(e)
            return ({(): c} if c else {}), False
        if e.is_Symbol:
            return {(self._atom(e),): 1}, False
        if isinstance(e, sp.Function):
            if e.has(sp.exp, sp.log):
                raise _Expand
            composed = any(arg.has(sp.Function) for arg in e.args)
            return {(self._atom(e.func(*[sp.expand(arg) for arg in e.args])),): 1}, composed
        raise _Expand  # a float, a negative or symbolic power, a constant such as π: not a polynomial

    def _atom(self, key) -> int:
        return self.atoms.setdefault(key, len(self.atoms))
