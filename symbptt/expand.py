"""Route 3: explicit element expansion at a concrete n, verified entry by entry.

Every entry of the n×n Jacobian of the expanded recurrence is differentiated, then compared
with the same entry of the closed form expanded; entries that differ are reported.

To scale to n = 512 (262,144 entries) the expansion works on lightweight atoms instead of
SymPy objects, which cost tens of microseconds each to build:

* an entry atom is a key such as ``("W", 2, 3)`` or ``("x_prev", 3)``;
* an applied function is ``("apply", body, atom)``: the SymPy expression `body` in the bound
  variable ARG, evaluated at the entry `atom`;
* a term is a product of atoms with a numeric coefficient, an entry a sum of terms.

Differentiation is honest: the product rule over each term's atoms, the derivative of an
applied function is SymPy's derivative of its body (memoised per body), and a term that
contains no atom of x_{t-1}[j] contributes nothing to column j. Entries become SymPy
expressions only for display, and where the two sides' terms differ, to re-check them with
SymPy before reporting a mismatch. Closed forms outside the supported shapes (diagonal and
dense factors, one dense factor at most) are expanded by `explicit` instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .errors import UnsupportedError
from .explicit import derivative, explicit, mismatches
from .layout import Layout, to_layout
from .model import ARG, M, N, Recurrence, element, element_matrix

Atom = tuple
Term = frozenset  # of (atom, power) pairs
Entry = dict  # Term → coefficient


# --- atoms and terms -------------------------------------------------------------------
def _term(atoms) -> Term:
    counts = defaultdict(int)
    for a in atoms:
        counts[a] += 1
    return frozenset(counts.items())


def _apply(body: sp.Expr, atom: Atom):
    """The atom for body(atom): the entry itself when body is the bound variable."""
    return atom if body == ARG else ("apply", body, atom)


def _product(a: Entry, b: Entry) -> Entry:
    out: Entry = defaultdict(int)
    for ta, ca in a.items():
        for tb, cb in b.items():
            counts = defaultdict(int)
            for atom, power in (*ta, *tb):
                counts[atom] += power
            out[frozenset(counts.items())] += ca * cb
    return {t: c for t, c in out.items() if c != 0}


def _sum(a: Entry, b: Entry) -> Entry:
    out = dict(a)
    for t, c in b.items():
        out[t] = out.get(t, 0) + c
    return {t: c for t, c in out.items() if c != 0}


ONE: Entry = {frozenset(): 1}


class _Sympy:
    """Turns atoms into SymPy expressions (memoised): for display and re-checks.

    A pre-activation atom ("a_t", i) is written out, as the closed form's is; with `named`,
    it stays the entry [a_t]_i (for display: the entries then fit on a page).
    """

    def __init__(self, rec: Recurrence, n: int = 0, m: int = 0, named: bool = False):
        self._atoms: dict = {}
        self.rec, self.n, self.m, self.named = rec, n, m, named

    def atom(self, a: Atom) -> sp.Expr:
        if a not in self._atoms:
            if a[0] == "apply":
                self._atoms[a] = a[1].xreplace({ARG: self.atom(a[2])})
            elif a[0] == "a_t" and not self.named:
                self._atoms[a] = sp.Add(*[c * sp.Mul(*[self.atom(t) for t in atoms])
                                          for c, atoms in _pre_activation(self.rec, a[1], self.n, self.m)])
            else:
                self._atoms[a] = element(*a)
        return self._atoms[a]

    def entry(self, e: Entry) -> sp.Expr:
        return sp.Add(*[c * sp.Mul(*[self.atom(a) ** p for a, p in t]) for t, c in e.items()])


# --- the recurrence, row by row ----------------------------------------------------------
def _weight(rec: Recurrence, row: int, col: int) -> tuple:
    """The atom of entry (row, col) of the column form's recurrent matrix (W_{col,row} for
    row vectors)."""
    return ("W", col, row) if rec.cell.rows else ("W", row, col)


def _pre_activation(rec: Recurrence, i: int, n: int, m: int) -> list:
    """Row i of a_t = W' x_{t-1} + W_in u_t + b as (coefficient, atoms) terms."""
    return ([(1, (_weight(rec, i, k), ("x_prev", k))) for k in range(1, n + 1)]
            + [(1, (("W_in", i, l), ("u_t", l))) for l in range(1, m + 1)] + [(1, (("b", i),))])


def _rows(rec: Recurrence, n: int, m: int):
    """Row i of x_t as a list of (coefficient, atoms) terms, in the recurrence's form.

    In the post-activation form row i is the single term σ(a_i), where the atom
    ("a_t", i) stands for row i of the pre-activation (see `_Derivative.definitions`).
    """
    body = rec.activation.apply(ARG)
    for i in range(1, n + 1):
        if rec.cell.post:
            yield i, [(1, (_apply(body, ("a_t", i)),))]
            continue
        yield i, (
            [(1, (_weight(rec, i, k), _apply(body, ("x_prev", k)))) for k in range(1, n + 1)]
            + [(1, (("W_in", i, l), ("u_t", l))) for l in range(1, m + 1)]
            + [(1, (("b", i),))]
        )


class _Derivative:
    """d(term)/d(x_{t-1}[j]) by the product and chain rules, function derivatives memoised.

    `definitions` maps a defined atom (the pre-activation ("a_t", i)) to its terms, which
    are differentiated in turn when the chain rule reaches it.
    """

    def __init__(self, definitions: dict | None = None):
        self._bodies: dict = {}
        self.definitions = definitions or {}

    def _dbody(self, body):
        if body not in self._bodies:
            self._bodies[body] = derivative(body, ARG)
        return self._bodies[body]

    def atom(self, a: Atom, v: Atom) -> Entry:
        """d(atom)/dv as an entry (1, 0, or the derivative of an applied function)."""
        if a == v:
            return ONE
        if a in self.definitions:
            out: Entry = {}
            for coefficient, atoms in self.definitions[a]:
                out = _sum(out, self.term(coefficient, atoms, v))
            return out
        if a[0] == "apply":
            inner = self.atom(a[2], v)
            if not inner:
                return {}
            d = self._dbody(a[1])  # chain rule: d body(g)/dv = body'(g) · dg/dv
            outer = ({frozenset(): d} if d != 0 else {}) if d.is_Number else {frozenset({(_apply(d, a[2]), 1)}): 1}
            return _product(outer, inner)
        return {}

    def term(self, coefficient, atoms, v: Atom) -> Entry:
        out: Entry = {}
        for k, a in enumerate(atoms):
            da = self.atom(a, v)
            if da:
                rest = {_term(atoms[:k] + atoms[k + 1:]): coefficient}
                out = _sum(out, _product(rest, da))
        return out


def _variables(a: Atom, n: int):
    """The entry atoms of x_{t-1} that atom `a` depends on."""
    if a[0] == "apply":
        return _variables(a[2], n)
    if a[0] == "a_t":  # the pre-activation row depends on all of x_{t-1}
        return tuple(("x_prev", k) for k in range(1, n + 1))
    return (a,) if a[0] == "x_prev" else ()


# --- the closed form, entry by entry ------------------------------------------------------
@dataclass
class _Fast:
    """An n×n (or n×1) matrix as entry functions: diagonal, or dense with diagonal scalings."""

    shape: tuple[int, int]
    dense: Callable[[int, int], Entry] | None = None  # None: diagonal
    diagonal: Callable[[int], Entry] = field(default=lambda i: ONE)
    left: list = field(default_factory=list)  # diagonal factors applied per row
    right: list = field(default_factory=list)  # … per column

    def entry(self, i: int, j: int) -> Entry:
        if self.dense is None:
            value = self.diagonal(i) if i == j else {}
        else:
            value = self.dense(i, j)
        for d in self.left:
            value = _product(d(i), value)
        for d in self.right:
            value = _product(value, d(j))
        return value


def _fast(expr, n: int, m: int) -> _Fast:
    """`expr` in the fast representation, or UnsupportedError for other shapes."""
    size = {N: n, M: m}
    if isinstance(expr, sp.MatrixSymbol):
        rows, cols = (int(sp.sympify(d).xreplace(size)) for d in expr.shape)
        name = expr.name
        if cols == 1 and expr.shape[1] == 1:
            return _Fast((rows, 1), lambda i, j: {frozenset({((name, i), 1)}): 1})
        return _Fast((rows, cols), lambda i, j: {frozenset({((name, i, j), 1)}): 1})
    if isinstance(expr, sp.Transpose):
        inner = _fast(expr.arg, n, m)
        if inner.dense is None:
            return inner
        if inner.left or inner.right:
            raise UnsupportedError("transpose of a scaled matrix")
        return _Fast(inner.shape[::-1], lambda i, j: inner.dense(j, i))
    if isinstance(expr, sp.Identity):
        return _Fast((n, n))
    if isinstance(expr, sp.DiagMatrix):
        v = expr.args[0]
        body, base = (v.function.expr.xreplace({v.function.variables[0]: ARG}), v.expr) \
            if isinstance(v, ElementwiseApplyFunction) else (ARG, v)
        if not (isinstance(base, sp.MatrixSymbol) and base.shape[1] == 1):
            raise UnsupportedError("diag of a compound vector")
        return _Fast((n, n), diagonal=lambda i: {frozenset({(_apply(body, (base.name, i)), 1)}): 1})
    if isinstance(expr, sp.MatMul):
        scalar = sp.Mul(*[a for a in expr.args if not getattr(a, "is_Matrix", False)])
        factors = [_fast(a, n, m) for a in expr.args if getattr(a, "is_Matrix", False)]
        dense = [f for f in factors if f.dense is not None]
        if len(dense) > 1:
            raise UnsupportedError("a product of two dense matrices")
        if not dense:
            diagonals = [f.diagonal for f in factors]

            def diagonal(i, ds=diagonals):
                out = {frozenset(): scalar} if scalar != 1 else ONE
                for d in ds:
                    out = _product(out, d(i))
                return out
            return _Fast((n, n), diagonal=diagonal)
        k = factors.index(dense[0])
        core = dense[0]
        left = [f.diagonal for f in factors[:k]] + core.left
        right = core.right + [f.diagonal for f in factors[k + 1:]]
        if scalar != 1:
            left.append(lambda i, s=scalar: {frozenset(): s})
        return _Fast(core.shape, core.dense, left=left, right=right)
    raise UnsupportedError(f"no fast expansion for {type(expr).__name__}")


# --- the expansion --------------------------------------------------------------------------
@dataclass(frozen=True)
class Expansion:
    """The explicit Jacobian at size n (inputs m), verified against the closed form.

    Numerator layout throughout: entry (i, j) = ∂[x_t]_i/∂[x_{t-1}]_j, n×n. `mismatches`
    lists (i, j, differentiated, closed form), 1-based, for every entry that differs: empty
    means all `entries` matched. `state`, `jacobian` and `closed_form` are SymPy matrices,
    built on first use (meant for small n); `in_layout` gives them in another layout.
    """

    recurrence: Recurrence
    n: int
    m: int
    closed: sp.MatrixExpr
    mismatches: tuple[tuple[int, int, sp.Expr, sp.Expr], ...]

    @property
    def entries(self) -> int:
        return self.n * self.n

    @property
    def verified(self) -> bool:
        return not self.mismatches

    @cached_property
    def state(self) -> sp.Matrix:
        """x_t written out, n×1."""
        to = _Sympy(self.recurrence, self.n, self.m)
        return sp.Matrix([sp.Add(*[c * sp.Mul(*[to.atom(a) for a in atoms]) for c, atoms in row])
                          for _, row in _rows(self.recurrence, self.n, self.m)])

    @cached_property
    def jacobian(self) -> sp.Matrix:
        """Every entry differentiated, n×n, numerator layout."""
        to, rows = _Sympy(self.recurrence, self.n, self.m), []
        for _, entries in _differentiated(self.recurrence, self.n, self.m):
            rows.append([to.entry(e) for e in entries])
        return sp.Matrix(rows)

    @cached_property
    def closed_form(self) -> sp.Matrix:
        """The closed form written out, n×n, numerator layout."""
        return explicit(self.closed, self.recurrence.bindings(self.n, self.m))

    def in_layout(self, layout: Layout) -> tuple[sp.Matrix, sp.Matrix]:
        """(differentiated Jacobian, expanded closed form), both in `layout`."""
        return to_layout(self.jacobian, layout), to_layout(self.closed_form, layout)

    @cached_property
    def shown(self) -> "Shown":
        """The matrices a report prints, built on first use (reports ask only at small n).

        In the post-activation form every entry depends on a whole row of the
        pre-activation a_t: entries are printed with [a_t]_i standing for that row, and the
        rows are given once (`Shown.pre_activation`). `Shown.verified` re-checks that
        substituting them back gives `jacobian` and `closed_form` entry for entry.
        """
        rec, n, m = self.recurrence, self.n, self.m
        if not rec.cell.post:
            return Shown(self.state, None, self.jacobian, self.closed_form, True)
        to = _Sympy(rec, n, m, named=True)
        state = sp.Matrix([to.entry({_term(atoms): c for c, atoms in row})
                           for _, row in _rows(rec, n, m)])
        jacobian = sp.Matrix([[to.entry(e) for e in entries] for _, entries in _differentiated(rec, n, m)])
        env = rec.bindings(n, m)
        a_written, env[rec.a_t] = env[rec.a_t], element_matrix(rec.a_t.name, n, 1)
        closed = explicit(self.closed, env)
        back = dict(zip(env[rec.a_t], a_written))
        verified = (not mismatches(jacobian.xreplace(back), self.jacobian)
                    and not mismatches(closed.xreplace(back), self.closed_form)
                    and not mismatches(state.xreplace(back), self.state))
        return Shown(state, (env[rec.a_t], a_written), jacobian, closed, verified)


@dataclass(frozen=True)
class Shown:
    """An expansion as a report prints it: x_t, ∂x_t/∂x_{t-1} and the closed form written out.

    All three are numerator layout (`in_layout` transposes). `pre_activation` is None, or
    (a_t's entry symbols, their rows written out) when entries are printed in terms of a_t;
    `verified` says that substituting those rows back gives the expansion's own matrices.
    """

    state: sp.Matrix
    pre_activation: tuple[sp.Matrix, sp.Matrix] | None
    jacobian: sp.Matrix
    closed_form: sp.Matrix
    verified: bool

    def in_layout(self, layout: Layout) -> tuple[sp.Matrix, sp.Matrix]:
        """(differentiated Jacobian, expanded closed form), both in `layout`."""
        return to_layout(self.jacobian, layout), to_layout(self.closed_form, layout)

    def facts(self, expansion: "Expansion", layout: Layout, closed_form=None) -> dict:
        """The equations a report prints about the expansion, each a `Fact` with its check:
        x_t and a_t written out (definitions), ∂x_t/∂x_{t-1} differentiated entry by
        entry, and the closed form expanded (compared with it entry by entry).
        `closed_form` is how the closed form is written in `layout` (the derivation's
        result; by default the numerator one, transposed)."""
        from .layout import Jacobian
        from .steps import Fact
        rec, n = expansion.recurrence, expansion.n
        J, closed = self.in_layout(layout)
        written = "written out at n = %d" % n
        agree = "compared entry by entry with the differentiated Jacobian: %s" % (
            "all agree" if expansion.verified else "some differ")
        return {
            "state": Fact(rec.x_t, self.state, "the recurrence " + written, ok=self.verified),
            "pre_activation": None if self.pre_activation is None else Fact(
                *self.pre_activation, "the definition of the pre-activation, " + written),
            "jacobian": Fact(Jacobian(rec.x_t, rec.x_prev, layout), J,
                             "every entry of the recurrence differentiated at n = %d" % n, ok=self.verified),
            "closed": Fact(to_layout(expansion.closed, layout) if closed_form is None else closed_form,
                           closed, agree,
                           ok=expansion.verified and self.verified),
        }


def _differentiated(rec: Recurrence, n: int, m: int):
    """(i, [entry (i, j) for j = 1..n]) for each row: every entry of row i differentiated."""
    d = _Derivative({("a_t", i): _pre_activation(rec, i, n, m) for i in range(1, n + 1)}
                    if rec.cell.post else None)
    for i, row in _rows(rec, n, m):
        by_variable = defaultdict(list)
        for coefficient, atoms in row:
            for v in {x for a in atoms for x in _variables(a, n)}:
                by_variable[v].append((coefficient, atoms))
        entries = []
        for j in range(1, n + 1):
            v = ("x_prev", j)
            entry: Entry = {}
            for coefficient, atoms in by_variable.get(v, ()):
                entry = _sum(entry, d.term(coefficient, atoms, v))
            entries.append(entry)
        yield i, entries


def expand(rec: Recurrence, closed_form, n: int, m: int,
           progress: Callable[[int, int], None] | None = None) -> Expansion:
    """Differentiate every entry of x_t at size n×n and compare with `closed_form` expanded.

    `closed_form` is the numerator-layout matrix expression (symbolic n) to check.
    `progress(done, total)` is called after each row with the entries verified so far.
    """
    try:
        closed = _fast(closed_form, n, m)
    except UnsupportedError:
        closed = None
    if closed is None or closed.shape != (n, n):
        # Shapes the fast path does not know: compare the SymPy matrices instead.
        draft = Expansion(rec, n, m, closed_form, ())
        final = replace(draft, mismatches=tuple(mismatches(draft.jacobian, draft.closed_form)))
        final.__dict__.update(jacobian=draft.jacobian, closed_form=draft.closed_form)  # built once
        return final
    to, bad = _Sympy(rec, n, m), []
    for i, entries in _differentiated(rec, n, m):
        for j, got in enumerate(entries, 1):
            want = closed.entry(i, j)
            if got != want:
                # Different terms may still be equal (another form of σ'): ask SymPy.
                a, b = to.entry(got), to.entry(want)
                if sp.expand(a - b) != 0:
                    bad.append((i, j, a, b))
        if progress:
            progress(i * n, n * n)
    return Expansion(rec, n, m, closed_form, tuple(bad))
