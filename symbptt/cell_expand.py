"""A cell's explicit expansion at n, m: every entry of every block differentiated, and checked.

Every entry dv_t[i]/ds_{t-1}[j] of every block is differentiated by the entry-level chain
rule, and compared term by term with the same entry of the closed form (`Chain.block`). As
in `expand.py`, the work is done on lightweight atoms, not SymPy objects, so that an LSTM at
n = 128 (65,536 entries) takes seconds:

* an atom is a key such as ``("U_z", 2, 3)``, ``("h@t-1", 3)``, ``("z@t", 2)`` (a named
  quantity's entry), or ``("apply", body, X)``: the SymPy expression `body` in the bound
  variable ARG at the atom X; atoms are interned to integers (`_Atoms`);
* a term is a sorted tuple of atom ids (a repeated id is a power), an entry a dict
  term → rational coefficient;
* a vector sub-expression that contains a matrix product and is a factor of a Hadamard
  product (r ⊙ (U_n h + b_hn)), and the argument of an elementwise function that is not
  an atom (a pre-activation), is an atom ``("sub", expr, i)`` with its row as definition, on
  both sides alike;
* a product F·w of a weight F with a vector w whose entries are not single atoms
  (U_n (r ⊙ h) in the GRUs of Cho and of Chung) is an atom ``("dot", F, w, i)``, defined as
  Σ_k F[i,k] w[k] written out;
* a sum atom ``("Σ", F, i, u, G, j)`` stands for Σ_k F[i,k] u[k] G[k,j], F and G weights, u
  an interned vector of entries (`_Expander.vector`: equal vectors, equal ids). It is the
  canonical shape of an entry of F diag(u) G, kept unexpanded on both sides so that an entry
  of U_n diag(h ⊙ r ⊙ (1 − r)) U_r costs O(1) terms, not n (n³ per block written out).

Differentiation: the product rule over a term's atoms; a defined atom through its
definition; an atom ``("apply", f, X)`` by f' (SymPy's derivative of f, its terms made atoms
again) times dX; a named gate v = f(g) whose f' is a polynomial in f itself (σ' = σ(1 − σ),
tanh' = 1 − tanh², checked once symbolically per function) through the gate's own atom,
P(v[i])·dg_i; a dot atom by d(F·w)[i]/ds[j] = Σ_k F[i,k] dw[k]/ds[j], where dw[k]/ds[j] is
differentiated for every k (once per column j, shared by the rows i) and each term is sorted
by the weight entry G[k,j] it holds: the terms with G[k,j] give the vector u_G (G[k,j] taken
out) and the sum atom Σ(F, i, u_G, G, j), the others (k = j only, for r ⊙ h) stay written
out as F[i,k]·term. The closed form is expanded by one small rule per node type (sum,
product, diag, Hadamard product, transpose, weight, elementwise function) into the same
atoms; a product diag(a)… F diag(b)… G … gives a_i Σ(F, i, b, G, j) in column j.

Comparison: an entry agrees when its two sides are equal term by term, sum atoms compared
as keys (equal keys are equal sums, so this proves the written-out entries equal). Entries
whose terms differ are compared again with every sum atom written out (the former
comparison), then re-checked with SymPy (all atoms written out) before they are reported:
the verdict is the one the fully expanded comparison gives, only found sooner.
`expand_cell_sympy` is the former SymPy-only expansion, kept as the fallback for closed
forms outside these node types and as a reference for tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .cell import Cell
from .errors import UnsupportedError
from .explicit import derivative, explicit, mismatches
from .model import ARG, M, N, element
from .sparse import ONE, Entry, add, mul, number

#: Mismatches kept per block (each re-checked and printed).
KEEP = 3


@dataclass(frozen=True)
class CellExpansion:
    """The explicit expansion at n, m: entries compared, and the first mismatches.

    `mismatches` holds (v, s, i, j, differentiated, closed form) for up to `KEEP` entries per
    block, 1-based, SymPy expressions. `blocks` maps (v, s) to the closed form written out
    (n×n SymPy matrix with named atoms, numerator layout), built on first access of a block.
    """

    n: int
    m: int
    entries: int
    mismatches: tuple
    blocks: Mapping  # (v, s) → explicit n×n matrix with named atoms (numerator layout)

    @property
    def verified(self) -> bool:
        return not self.mismatches


class _Blocks(Mapping):
    """(v, s) → the block's closed form written out with `explicit`, built when first read."""

    def __init__(self, ch, n: int, m: int):
        self._ch, self._n, self._m, self._built = ch, n, m, {}
        self._keys = tuple((v, s) for v in ch.cell.next for s in ch.cell.prev)

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        if key not in self._built:
            env = self._ch.cell.bindings(self._n, self._m, total=False)
            self._built[key] = (explicit(self._ch.block(*key), env) if key in self._ch.totals
                                else sp.zeros(self._n, self._n))
        return self._built[key]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)


# --- entries ----------------------------------------------------------------------------


class _Atoms:
    """Atom ↔ integer id."""

    def __init__(self):
        self.ids: dict = {}
        self.atoms: list = []

    def __call__(self, atom) -> int:
        i = self.ids.get(atom)
        if i is None:
            i = self.ids[atom] = len(self.atoms)
            self.atoms.append(atom)
        return i


# --- activations through themselves -------------------------------------------------------
@cache
def through_itself(body: sp.Expr) -> tuple | None:
    """((power, coefficient), …) of the polynomial P with f' = P(f), f = `body` in ARG; None
    if SymPy's derivative of f is not a polynomial in f. Checked once symbolically: P(f)
    against the derivative of f rewritten in exponentials (σ: 1/(1 + e^{-s})), by the sum,
    product, power and chain rules (`explicit.derivative`: SymPy's `diff` asks whether each
    intermediate result is zero, 0.1 s here for tanh's exponentials)."""
    d = derivative(body, ARG)
    y = sp.Dummy("y")
    q = sp.expand(d.xreplace({body: y}))
    if ARG in q.free_symbols:
        return None
    try:
        poly = sp.Poly(q, y)
    except sp.PolynomialError:
        return None
    written = body.rewrite(sp.exp)
    if sp.cancel((derivative(written, ARG) - q.xreplace({y: written})).rewrite(sp.exp)) != 0:
        raise AssertionError(f"d/ds {body} is not {q.xreplace({y: body})}")
    return tuple((k[0], number(c)) for k, c in poly.terms())


@cache
def _terms_of_body(body: sp.Expr) -> tuple:
    """`body` (in ARG) as ((coefficient, ((factor, power), …)), …): each factor ARG itself or
    a function of ARG that becomes an atom ("apply", factor, X)."""
    out = []
    for term in sp.Add.make_args(sp.expand(body)):
        coefficient, factors = 1, []
        for f in sp.Mul.make_args(term):
            if f.is_Number:
                coefficient *= f
                continue
            base, power = f.as_base_exp()
            if not (power.is_Integer and power > 0):
                base, power = f, sp.Integer(1)
            factors.append((base, int(power)))
        out.append((number(coefficient), tuple(factors)))
    return tuple(out)


# --- matrix expressions into atoms ---------------------------------------------------------
def _has_product(expr) -> bool:
    """Whether a vector expression contains a product with a dense matrix."""
    if isinstance(expr, sp.MatMul):
        return any(getattr(a, "is_Matrix", False) and not isinstance(a, (sp.DiagMatrix, sp.Identity))
                   and a.shape[1] != 1 for a in expr.args) or any(_has_product(a) for a in expr.args)
    return any(_has_product(a) for a in expr.args if getattr(a, "is_Matrix", False))


class _Expander:
    """Vector and matrix expressions at n, m in atoms; hidden atoms get their definitions."""

    def __init__(self, n: int, m: int):
        self.n, self.m, self.dims = n, m, {N: n, M: m}
        self.atom = _Atoms()
        self.defs: dict[int, Entry] = {}  # defined atom → its row
        self._vec: dict = {}
        self._ids: dict = {}
        self._applied: dict = {}
        self.dots: dict[int, tuple] = {}  # dot atom → (F's name, vector key, i)
        self.dotted: dict[int, list] = {}  # vector key → the vector's entries
        self.vectors: list = []  # vector id → its entries; `vector` interns them
        self._vector_ids: dict = {}
        self._vector_keys: dict = {}  # vector expression → key (an int)
        self._sums: dict = {}  # sum atom → its terms written out (`flat`)

    def size(self, d) -> int:
        return int(sp.sympify(d).xreplace(self.dims))

    def ids(self, expr: sp.MatrixSymbol, i: int) -> list:
        """The atom ids of row i (0-based) of the matrix `expr`."""
        key = (expr.name, i)
        if key not in self._ids:
            self._ids[key] = [self.atom((expr.name, i + 1, j + 1)) for j in range(self.size(expr.shape[1]))]
        return self._ids[key]

    def apply(self, body: sp.Expr, x: int) -> Entry:
        """body(X) as an entry: the terms of body, each function of ARG an atom at X."""
        key = (body, x)
        if key not in self._applied:
            self._applied[key] = self._apply(body, x)
        return self._applied[key]

    def _apply(self, body: sp.Expr, x: int) -> Entry:
        out: Entry = {}
        for coefficient, factors in _terms_of_body(body):
            ids = []
            for base, power in factors:
                a = x if base == ARG else self.atom(("apply", base, x))
                ids += [a] * power
            add(out, {tuple(sorted(ids)): coefficient})
        return out

    def hidden(self, kind: str, expr, rows: list) -> list:
        """Each row of `expr` as an atom (kind, expr, i) defined by that row."""
        out = []
        for i, row in enumerate(rows, 1):
            a = self.atom((kind, expr, i))
            self.defs[a] = row
            out.append({(a,): 1})
        return out

    def vec(self, expr) -> list:
        """The rows of an n×1 (or m×1) expression, as entries."""
        if expr not in self._vec:
            self._vec[expr] = self._vector(expr)
        return self._vec[expr]

    def _vector(self, expr) -> list:
        if isinstance(expr, sp.MatrixSymbol):
            if expr.shape[1] != 1:
                raise UnsupportedError(f"{expr.name} is not a vector")
            return [{(self.atom((expr.name, i)),): 1} for i in range(1, self.size(expr.shape[0]) + 1)]
        if isinstance(expr, sp.OneMatrix):
            return [dict(ONE) for _ in range(self.size(expr.shape[0]))]
        if isinstance(expr, sp.ZeroMatrix):
            return [{} for _ in range(self.size(expr.shape[0]))]
        if isinstance(expr, sp.MatAdd):
            return [_sum_rows(rows) for rows in zip(*[self.vec(a) for a in expr.args])]
        if isinstance(expr, sp.HadamardProduct):
            parts = [self.hidden("sub", a, self.vec(a)) if _has_product(a) else self.vec(a) for a in expr.args]
            rows = parts[0]
            for p in parts[1:]:
                rows = [mul(a, b) for a, b in zip(rows, p)]
            return rows
        if isinstance(expr, sp.MatMul):
            scalar = number(sp.Mul(*[a for a in expr.args if not getattr(a, "is_Matrix", False)]))
            matrices = [a for a in expr.args if getattr(a, "is_Matrix", False)]
            rows = self.vec(matrices[-1])
            if len(matrices) == 2 and isinstance(matrices[0], sp.MatrixSymbol) and not _atomic(rows):
                rows, matrices = self.dot(matrices[0], matrices[1], rows), []
            for F in reversed(matrices[:-1]):
                if isinstance(F, sp.MatrixSymbol):  # row i: Σ_k F[i,k] v[k]
                    rows = [_dot(self.ids(F, i), rows) for i in range(self.size(F.shape[0]))]
                else:
                    rows = [_row_dot(self.row(F, i), rows) for i in range(self.size(F.shape[0]))]
            return rows if scalar == 1 else [{t: c * scalar for t, c in r.items()} for r in rows]
        if isinstance(expr, ElementwiseApplyFunction):
            body = expr.function.expr.xreplace({expr.function.variables[0]: ARG})
            inner = self.vec(expr.expr)
            if not all(len(r) == 1 and next(iter(r.items()))[1] == 1 and len(next(iter(r))) == 1
                       for r in inner):
                inner = self.hidden("sub", expr.expr, inner)
            return [self.apply(body, next(iter(r))[0]) for r in inner]
        raise UnsupportedError(f"no fast expansion for {type(expr).__name__}")

    def dot(self, F: sp.MatrixSymbol, v, rows: list) -> list:
        """Row i of F·v, v a vector whose entries are not single atoms (r ⊙ h), as the atom
        ("dot", F, key of v, i) = Σ_k F[i,k] v[k], so that its derivative keeps that sum
        factored (`_Differentiator.dot`); its definition is the sum written out."""
        key = self._vector_keys.setdefault(v, len(self._vector_keys))
        self.dotted[key] = rows
        out = []
        for i in range(self.size(F.shape[0])):
            a = self.atom(("dot", F.name, key, i + 1))
            self.defs[a] = _dot(self.ids(F, i), rows)
            self.dots[a] = (F.name, key, i + 1)
            out.append({(a,): 1})
        return out

    def vector(self, entries) -> int:
        """The id of a vector of entries (equal vectors, equal ids)."""
        key = tuple(frozenset(e.items()) for e in entries)
        got = self._vector_ids.get(key)
        if got is None:
            got = self._vector_ids[key] = len(self.vectors)
            self.vectors.append(tuple(entries))
        return got

    def sum(self, F: str, i: int, u: int, G: str, j: int) -> int:
        """The atom ("Σ", F, i, u, G, j) = Σ_k F[i,k] u[k] G[k,j], u a vector id: the
        canonical shape of a matrix product's entry that both sides build unexpanded."""
        return self.atom(("Σ", F, i, u, G, j))

    def flat(self, e: Entry) -> Entry:
        """`e` with every sum atom written out as its n terms."""
        if not any(self.atom.atoms[a][0] == "Σ" for t in e for a in t):
            return e
        out: Entry = {}
        for t, c in e.items():
            part: Entry = {(): c}
            for a in t:
                atom = self.atom.atoms[a]
                if atom[0] != "Σ":
                    part = mul(part, {(a,): 1})
                    continue
                if a not in self._sums:
                    _, F, i, u, G, j = atom
                    self._sums[a] = _sum_rows(
                        mul(x, {tuple(sorted((self.atom((F, i, k)), self.atom((G, k, j))))): 1})
                        for k, x in enumerate(self.vectors[u], 1))
                part = mul(part, self._sums[a])
            add(out, part)
        return out

    def row(self, expr, i: int) -> dict:
        """Row i (0-based) of a matrix expression as {column: entry}, zeros left out."""
        if isinstance(expr, sp.MatrixSymbol):
            return {j: {(a,): 1} for j, a in enumerate(self.ids(expr, i))}
        if isinstance(expr, sp.Transpose) and isinstance(expr.arg, sp.MatrixSymbol):
            cols = self.size(expr.shape[1])
            return {j: {(self.atom((expr.arg.name, j + 1, i + 1)),): 1} for j in range(cols)}
        if isinstance(expr, sp.Transpose) and isinstance(expr.arg, sp.DiagMatrix):
            return self.row(expr.arg, i)
        if isinstance(expr, sp.DiagMatrix):
            e = self.vec(expr.args[0])[i]
            return {i: e} if e else {}
        if isinstance(expr, sp.Identity):
            return {i: dict(ONE)}
        if isinstance(expr, sp.ZeroMatrix):
            return {}
        if isinstance(expr, sp.MatAdd):
            out: dict = {}
            for a in expr.args:
                for j, e in self.row(a, i).items():
                    out[j] = add(out.get(j, {}), e)
            return {j: e for j, e in out.items() if e}
        if isinstance(expr, sp.MatMul):
            scalar = number(sp.Mul(*[a for a in expr.args if not getattr(a, "is_Matrix", False)]))
            row = {i: {(): scalar}}
            factors = [a for a in expr.args if getattr(a, "is_Matrix", False)]
            factors, row = self._summed(factors, row, i)
            for F in factors:
                row = self._times(row, F)
            return row
        raise UnsupportedError(f"no fast expansion for {type(expr).__name__}")

    def _summed(self, factors: list, row: dict, i: int) -> tuple:
        """Row i of diag(a)… F diag(b)… G (F, G weights) as a_i Σ(F, i, b, G, j) for each
        column j, and the factors left; `factors` and `row` unchanged if they do not start so."""
        p = next((k for k, F in enumerate(factors) if not isinstance(F, (sp.DiagMatrix, sp.Identity))), None)
        if p is None or not isinstance(factors[p], sp.MatrixSymbol):
            return factors, row
        q = next((k for k in range(p + 1, len(factors)) if not isinstance(factors[k], sp.DiagMatrix)), None)
        if q is None or not isinstance(factors[q], sp.MatrixSymbol):
            return factors, row
        for F in factors[:p]:
            row = self._times(row, F)
        F, G, mids = factors[p], factors[q], factors[p + 1:q]
        key = (F, *mids)  # b, once per block and not per row
        if key not in self._vec:
            b = [dict(ONE) for _ in range(self.size(F.shape[1]))]
            for D in mids:
                b = [mul(x, y) for x, y in zip(b, self.vec(D.args[0]))]
            self._vec[key] = self.vector(b)
        u, e = self._vec[key], row.get(i, {})
        if not e:
            return factors[q + 1:], {}
        return factors[q + 1:], {j: mul(e, {(self.sum(F.name, i + 1, u, G.name, j + 1),): 1})
                                 for j in range(self.size(G.shape[1]))}

    def _times(self, row: dict, F) -> dict:
        """A sparse row times the matrix F."""
        if isinstance(F, sp.DiagMatrix):
            w = self.vec(F.args[0])
            out = {k: mul(e, w[k]) for k, e in row.items()}
            return {k: e for k, e in out.items() if e}
        if isinstance(F, sp.Identity):
            return row
        if isinstance(F, sp.MatrixSymbol):  # Σ_k e_k · F[k, :]
            if len(row) == 1:
                (k, e), = row.items()
                return {j: {tuple(sorted(t + (a,))): c for t, c in e.items()}
                        for j, a in enumerate(self.ids(F, k))}
            acc = [{} for _ in range(self.size(F.shape[1]))]
            for k, e in row.items():
                for o, a in zip(acc, self.ids(F, k)):
                    get = o.get
                    for t, c in e.items():
                        key = tuple(sorted(t + (a,)))
                        o[key] = get(key, 0) + c
            out = {j: {t: c for t, c in o.items() if c} for j, o in enumerate(acc)}
            return {j: e for j, e in out.items() if e}
        out: dict = {}
        for k, e in row.items():
            for j, x in self.row(F, k).items():
                out[j] = add(out.get(j, {}), mul(e, x))
        return {j: e for j, e in out.items() if e}


def _atomic(rows: list) -> bool:
    """Whether every entry is a single atom (the rows of a named vector)."""
    return all(len(r) == 1 and len(t := next(iter(r))) == 1 and r[t] == 1 for r in rows)


def _sum_rows(entries) -> Entry:
    out: Entry = {}
    for e in entries:
        add(out, e)
    return out


def _dot(ids: list, rows: list) -> Entry:
    """Σ_k atom ids[k] · rows[k]."""
    out: Entry = {}
    for a, e in zip(ids, rows):
        add(out, {tuple(sorted(t + (a,))): c for t, c in e.items()})
    return out


def _row_dot(row: dict, rows: list) -> Entry:
    out: Entry = {}
    for k, e in row.items():
        add(out, mul(e, rows[k]))
    return out


# --- the chain rule at entry level ----------------------------------------------------------
class _Differentiator:
    """d(atom)/d(s_{t-1}[j]) by the product rule over atoms and the chain rule through them."""

    def __init__(self, cell: Cell, ex: _Expander):
        self.ex, at = ex, ex.atom
        for lhs, rhs in cell.equations:
            for i, row in enumerate(ex.vec(rhs), 1):
                ex.defs[at((lhs.name, i))] = row
        self.prev = {at((s.name, i)) for s in cell.prev for i in range(1, ex.n + 1)}
        # A named gate v[i] = f(X) with f' = P(f): differentiated through v[i] itself.
        self.gates = {}
        for a, row in ex.defs.items():
            if len(row) == 1 and len(t := next(iter(row))) == 1 and row[t] == 1:
                inner = ex.atom.atoms[t[0]]
                if inner[0] == "apply" and ex.atom.atoms[a][0] not in ("sub", "apply"):
                    poly = through_itself(inner[1])
                    if poly is not None:
                        self.gates[a] = ({(a,) * k: c for k, c in poly}, inner[2])
        self._deps: dict = {}
        self._plans: dict = {}
        parents: dict = {}
        for a, row in ex.defs.items():
            for t in row:
                for b in set(t):
                    parents.setdefault(b, set()).add(a)
        for b, atom in enumerate(ex.atom.atoms):
            if atom[0] == "apply":
                parents.setdefault(atom[2], set()).add(b)
        #: atoms whose derivatives several parents use: memoised for the whole expansion.
        self.shared = {b for b, p in parents.items() if len(p) > 1}
        self.memo: dict = {}
        self._dbody: dict = {}
        self._columns: dict = {}

    def deps(self, a: int) -> frozenset:
        """The previous-state atoms that atom `a` depends on."""
        known = self._deps
        d = known.get(a)
        if d is None:
            atom = self.ex.atom.atoms[a]
            if a in self.prev:
                d = frozenset((a,))
            elif a in self.ex.defs:
                inner = set().union(*self.ex.defs[a])
                d = frozenset().union(*(known[b] if b in known else self.deps(b) for b in inner))
            elif atom[0] == "apply":
                d = self.deps(atom[2])
            else:
                d = frozenset()
            known[a] = d
        return d

    def plan(self, a: int) -> dict:
        """a's definition differentiated once, symbolically in the variable: for each
        previous-state atom v, [(b, rest), …] with d(term)/dv = Σ rest · db/dv over the
        atoms b of the term that depend on v (the product rule; a power p gives p·b^{p-1})."""
        g = self._plans.get(a)
        if g is None:
            g, deps = {}, self.deps
            for t, c in self.ex.defs[a].items():
                for k, b in enumerate(t):
                    if k and t[k - 1] == b:
                        continue
                    vs = deps(b)
                    if vs:
                        rest = (t[:k] + t[k + 1:], c * t.count(b))
                        for v in vs:
                            g.setdefault(v, []).append((b, rest))
            self._plans[a] = g
        return g

    def d(self, a: int, v: int, local: dict) -> Entry:
        """d(atom a)/d(atom v)."""
        if a == v:
            return ONE
        deps = self._deps.get(a)
        if v not in (deps if deps is not None else self.deps(a)):
            return {}
        cache_ = self.memo if a in self.shared else local
        key = (a, v)
        got = cache_.get(key)
        if got is None:
            got = cache_[key] = self._d(a, v, local)
        return got

    def _d(self, a: int, v: int, local: dict) -> Entry:
        ex = self.ex
        if a in ex.dots:
            return self.dot(a, v)
        if a in self.gates:  # v = f(X), f' = P(f): dv = P(v) dX
            outer, x = self.gates[a]
            return mul(outer, self.d(x, v, local))
        if a in ex.defs:
            out: Entry = {}
            get = out.get
            for b, (rt, rc) in self.plan(a).get(v, ()):
                for t, c in self.d(b, v, local).items():
                    key = tuple(sorted(t + rt)) if t and rt else (t or rt)
                    out[key] = get(key, 0) + c * rc
            return {t: c for t, c in out.items() if c}
        _, body, x = ex.atom.atoms[a]  # ("apply", f, X): f'(X) dX
        if body not in self._dbody:
            self._dbody[body] = derivative(body, ARG)
        return mul(ex.apply(self._dbody[body], x), self.d(x, v, local))

    def dot(self, a: int, v: int) -> Entry:
        """d(Σ_k F[i,k] w[k])/dv = Σ_k F[i,k] dw[k]/dv for the dot atom a = (F, w, i) and
        v = s[j]. With dw[k]/dv = Σ_G G[k,j] u_G[k] + rest[k] for every k (`column`), the entry
        is Σ_G Σ(F, i, u_G, G, j) + Σ_k F[i,k] rest[k], the last sum over the k with
        rest[k] ≠ 0 only (k = j for w = r ⊙ h): O(1) terms, not n."""
        ex = self.ex
        F, w, i = ex.dots[a]
        groups, rest = self.column(w, v)
        j = ex.atom.atoms[v][1]
        out: Entry = {(ex.sum(F, i, u, G, j),): 1 for G, u in groups}
        for k, e in rest.items():
            add(out, mul({(ex.atom((F, i, k)),): 1}, e))
        return out

    def column(self, w: int, v: int) -> tuple:
        """dw[k]/dv for every k (v = s[j]), each term split by its weight entry G[k,j] (the
        first by name if it has several): (((G, id of u_G), …), {k: the other terms}), u_G[k]
        the terms with G[k,j] taken out. Once per vector and variable, for every row i."""
        got = self._columns.get((w, v))
        if got is None:
            atoms, j = self.ex.atom.atoms, self.ex.atom.atoms[v][1]
            entries = self.ex.dotted[w]
            by: dict = {}
            rest: dict = {}
            for k, e in enumerate(entries, 1):
                for t, c in self.d_entry(e, v).items():
                    # G[k,j]: a matrix entry (name, k, j); "sub" and "apply" atoms hold no ints there.
                    found = [(atoms[b][0], p) for p, b in enumerate(t)
                             if len(atoms[b]) == 3 and isinstance(atoms[b][1], int) and atoms[b][1:] == (k, j)]
                    if not found:
                        rest.setdefault(k, {})[t] = c
                        continue
                    G, p = min(found)
                    by.setdefault(G, [{} for _ in entries])[k - 1][t[:p] + t[p + 1:]] = c
            got = self._columns[w, v] = (tuple((G, self.ex.vector(u)) for G, u in sorted(by.items())), rest)
        return got

    def d_entry(self, e: Entry, v: int) -> Entry:
        """d(e)/dv for an entry e, by the product rule over its terms' atoms."""
        out: Entry = {}
        for t, c in e.items():
            for k, b in enumerate(t):
                if k and t[k - 1] == b:
                    continue
                db = self.d(b, v, {})
                if db:
                    rest = t[:k] + t[k + 1:]
                    add(out, mul(db, {rest: c * t.count(b)}))
        return out


class _ToSympy:
    """Atoms as SymPy: entries of named quantities as symbols, hidden atoms written out."""

    def __init__(self, ex: _Expander):
        self.ex, self.memo = ex, {}

    def atom(self, a: int) -> sp.Expr:
        if a not in self.memo:
            atom = self.ex.atom.atoms[a]
            if atom[0] == "apply":
                value = atom[1].xreplace({ARG: self.atom(atom[2])})
            elif atom[0] in ("sub", "dot"):
                value = self.entry(self.ex.defs[a])
            elif atom[0] == "Σ":
                value = self.entry(self.ex.flat({(a,): 1}))
            else:
                value = element(*atom)
            self.memo[a] = value
        return self.memo[a]

    def entry(self, e: Entry) -> sp.Expr:
        return sp.Add(*[sp.sympify(c) * sp.Mul(*[self.atom(a) for a in t]) for t, c in e.items()])


def expand_cell(ch, n: int, m: int) -> CellExpansion:
    """Every entry of every next-state block at n, m, differentiated, against the closed form.

    Entry (i, j) of block (v, s) is dv_t[i]/ds_{t-1}[j] (numerator layout). Closed forms
    outside the node types of `_Expander` are checked by `expand_cell_sympy` instead.
    """
    cell = ch.cell
    ex = _Expander(n, m)
    try:
        diff = _Differentiator(cell, ex)
        closed = {(v, s): ch.block(v, s) for v in cell.next for s in cell.prev if (v, s) in ch.totals}
        for block in closed.values():  # the closed forms' node types, before any work
            ex.row(block, 0)
    except UnsupportedError:
        return expand_cell_sympy(ch, n, m)
    to = _ToSympy(ex)
    found: dict = {(v, s): [] for v in cell.next for s in cell.prev}  # block → mismatches
    columns = {s: [ex.atom((s.name, j + 1)) for j in range(n)] for s in cell.prev}
    for i in range(n):
        local: dict = {}  # row i's derivatives, shared by its blocks (dh_t needs dc_t)
        for v in cell.next:
            a = ex.atom((v.name, i + 1))
            for s in cell.prev:
                want = ex.row(closed[v, s], i) if (v, s) in closed else {}
                for j, var in enumerate(columns[s]):
                    got = diff.d(a, var, local)
                    expected = want.get(j, {})
                    if got != expected and len(found[v, s]) < KEEP:  # past KEEP, the block has failed
                        # Other terms may still be equal: compare with the sums written out,
                        # then ask SymPy with every atom written out.
                        if ex.flat(got) == ex.flat(expected):
                            continue
                        g, x = to.entry(got), to.entry(expected)
                        if sp.expand(g - x) != 0:
                            found[v, s].append((v.name, s.name, i + 1, j + 1, g, x))
    bad = tuple(x for block in found.values() for x in block)
    return CellExpansion(n, m, len(found) * n * n, bad, _Blocks(ch, n, m))


def differentiated(cell: Cell, n: int, m: int) -> dict:
    """(v, s) → the n×n matrix dv_t/ds_{t-1} (numerator layout) as `expand_cell`
    differentiates it, in SymPy: named quantities' entries (z@t[i]) as symbols, hidden atoms
    written out. For small n: tests and display."""
    ex = _Expander(n, m)
    diff, to = _Differentiator(cell, ex), _ToSympy(ex)
    out = {}
    for v in cell.next:
        for s in cell.prev:
            local: dict = {}
            out[v, s] = sp.Matrix(n, n, lambda i, j: to.entry(
                diff.d(ex.atom((v.name, i + 1)), ex.atom((s.name, j + 1)), local)))
    return out


# --- the reference: SymPy objects throughout -------------------------------------------------
class _EntryChain:
    """d(atom)/d(s_{t-1}[j]) at entry level, by the chain rule through named atoms.

    Every defined name's entry v[i] is an atom whose definition is row i of its right-hand
    side in terms of other atoms; σ'(g_i) of a gate v = σ(g) is written through v[i] itself
    (the activation's derivative, SymPy's, with σ(g_i) replaced by the atom)."""

    def __init__(self, cell: Cell, env):
        self.env, self.rows, self.memo = env, {}, {}
        for lhs, rhs in cell.equations:
            value = explicit(rhs, env)
            for r in range(value.rows):
                self.rows[env[lhs][r]] = (value[r], rhs, r)
        self.prev = {e for s in cell.prev for e in env[s]}

    def derivative(self, atom, var) -> sp.Expr:
        if atom == var:
            return sp.S.One
        if atom not in self.rows:
            return sp.S.Zero
        key = (atom, var)
        if key not in self.memo:
            value, rhs, _ = self.rows[atom]
            total = sp.S.Zero
            for a in sorted(value.free_symbols & (set(self.rows) | self.prev), key=str):
                inner = self.derivative(a, var)
                if inner != 0:
                    total += value.diff(a).xreplace({value: atom}) * inner
            self.memo[key] = sp.expand(total)
        return self.memo[key]


def expand_cell_sympy(ch, n: int, m: int) -> CellExpansion:
    """`expand_cell` with SymPy objects throughout (slow: for small n, and as a reference)."""
    cell = ch.cell
    env = cell.bindings(n, m, total=False)
    entry_chain = _EntryChain(cell, env)
    bad, blocks, count = [], {}, 0
    for v in cell.next:
        for s in cell.prev:
            closed = explicit(ch.block(v, s), env) if (v, s) in ch.totals else sp.zeros(n, n)
            blocks[v, s] = closed
            derived = sp.Matrix(n, n, lambda i, j: entry_chain.derivative(env[v][i], env[s][j]))
            count += n * n
            bad += [(v.name, s.name, *x) for x in mismatches(derived, closed)[:KEEP]]
    return CellExpansion(n, m, count, tuple(bad), blocks)
