"""`derive_cell()`: a cell's Jacobian blocks by three routes, both layouts, and a numeric instance.

* matrix level (`chain`): partial Jacobians of each equation, then the chain rule through
  the intermediates; every step re-verified explicitly at n = 1, 2, 3;
* explicit expansion at a concrete n (`cell_expand`): every entry of every block
  differentiated by the chain rule at entry level, with gates and candidates kept as named
  atoms ([z_t]_i), and compared with the closed form's entry;
* numeric: the closed forms at seeded random values against a 30-digit central finite
  difference of the equations evaluated number by number.

The state of a cell with several states is the stacked vector (h, c): its Jacobian is the
block matrix of dv_t/ds_{t-1}, numerator layout, one n×n block per pair, in `Cell.states`
order. The denominator layout is its transpose: block (s, v) is (dv_t/ds_{t-1})ᵀ.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .activations import logistic, relu
from .cell import Cell
from .cell_expand import CellExpansion, expand_cell
from .cells import CELLS
from .cell_index import index_route, verify_index_route
from .chain import Chain, chain
from .errors import InputError
from .numeric import NumericCheck
from .explicit import explicit
from .layout import Layout, TotalJacobian, parse_layouts, to_layout
from .steps import Prose, Route, Step
from .verify import StepCheck, verify_cell_routes

#: Largest n for a cell's explicit expansion (4n² entries for the LSTM).
MAX_CELL_DIM = 128
#: The numeric check and the instance run at min(dim, this).
NUMERIC_DIM = 4
DIGITS = 30
STEP = sp.Rational(1, 10**12)  # exact: values are rationals
#: A central difference errs by O(h²) ≈ 1e-24 here: above this is a wrong closed form.
TOLERANCE = 1e-15


def get_cell(key: str) -> Cell:
    """The library cell `key`; InputError naming the keys otherwise."""
    if key not in CELLS:
        raise InputError(f"unknown cell {key!r}; choose one of: {', '.join(CELLS)}")
    return CELLS[key]


def transposed(expr) -> sp.MatrixExpr:
    """(expr)ᵀ written out: a sum termwise, a product reversed, diag(v)ᵀ = diag(v), Iᵀ = I."""
    if isinstance(expr, sp.MatAdd):
        return sp.MatAdd(*[transposed(a) for a in expr.args])
    if isinstance(expr, sp.MatMul):  # a scalar factor stays in front: (c A B)ᵀ = c Bᵀ Aᵀ
        scalars = [a for a in expr.args if not a.is_Matrix]
        return sp.MatMul(*scalars, *[transposed(a) for a in reversed(expr.args) if a.is_Matrix])
    if isinstance(expr, (sp.DiagMatrix, sp.Identity, sp.ZeroMatrix)) or not expr.is_Matrix:
        return expr
    if isinstance(expr, sp.Transpose):
        return expr.arg
    return to_layout(expr, Layout.DENOMINATOR)


def denominator_route(ch: Chain) -> Route:
    """Each block in denominator layout: the transpose of the numerator block."""
    steps = []
    for (v, s), block in ch.totals.items():
        if v not in ch.cell.next:
            continue
        J_den = TotalJacobian(v, s, Layout.DENOMINATOR)
        steps.append(Step("transpose", J_den, to_layout(TotalJacobian(v, s), Layout.DENOMINATOR)))
        # (Σ_k T_k)ᵀ = Σ_k T_kᵀ: a long sum stays breakable between its terms.
        terms = block.args if isinstance(block, sp.MatAdd) else (block,)
        summed = sp.MatAdd(*[to_layout(t, Layout.DENOMINATOR) for t in terms]) if len(terms) > 1 \
            else to_layout(block, Layout.DENOMINATOR)
        steps.append(Step("transpose-sum" if len(terms) > 1 else "substitute",
                          to_layout(TotalJacobian(v, s), Layout.DENOMINATOR), summed))
        steps.append(Step("diagonal" if isinstance(block, sp.DiagMatrix) else "transpose-product",
                          summed, transposed(block)))
    return Route("denominator", "Denominator layout, from the numerator blocks", Layout.DENOMINATOR,
                 tuple(steps), None,
                 summary=Prose("Each block transposed: a product reverses its factors, and a diagonal "
                               "matrix is its own transpose."))


def _random_values(cell: Cell, env, seed: int) -> dict:
    """Entry symbol → a random rational in [-1, 1] (three decimals), for every input symbol.

    Each entry draws from its own stream, seeded by (seed, its name): two cells that share
    a symbol (the variants of a family) get the same value for it."""
    values = {}
    for s in (*cell.parameters, cell.input, *cell.prev):
        for e in env[s]:
            values[e] = sp.Rational(random.Random(f"{seed}:{e.name}").randint(-1000, 1000), 1000)
    return values


def jacobian_at(ch: Chain, n: int, m: int, seed: int) -> list:
    """The full numerator-layout Jacobian (blocks in `Cell.states` order) at the seeded
    values of `_random_values`, as mpmath numbers (nested lists; shared, not to be modified).

    Memoised per size and seed: the numeric instance and the variants' comparison ask for
    the same one."""
    env = ch.cell.bindings(n, m, total=False)

    def at():
        with mpmath.workdps(DIGITS):
            return jacobian_values(ch, env, _forward(ch.cell, env, _random_values(ch.cell, env, seed)))
    return _memo(env, ("jacobian", seed), at)


def jacobian_values(ch: Chain, env, known: dict) -> list:
    """The full numerator-layout Jacobian (blocks in `Cell.states` order, nested lists) with
    every entry symbol at its value in `known` (`_forward`'s), as mpmath numbers."""
    cell = ch.cell
    n = len(env[cell.prev[0]])
    blocks = {(v, s): _memo(env, ("block", v, s), lambda: explicit(ch.block(v, s), env))
              for v in cell.next for s in cell.prev}
    return [[_number(blocks[v, s][i, j], known) for s in cell.prev for j in range(n)]
            for v in cell.next for i in range(n)]


def _forward(cell: Cell, env, values: dict) -> dict:
    """Every defined name's entries at `values`, in equation order, as mpmath numbers (at the
    caller's working precision)."""
    known = {e: mpmath.mpf(v.p) / v.q if isinstance(v, sp.Rational) else v for e, v in values.items()}
    for lhs, rhs in cell.equations:
        row = _rows(cell, env, lhs, rhs)
        for r in range(row.rows):
            known[env[lhs][r]] = _number(row[r], known)
    return known


def _memo(env, key, make):
    """make(), memoised in the env's partials memo (shared by every Env of one size)."""
    if key not in env.partials:
        env.partials[key] = make()
    return env.partials[key]


def _rows(cell: Cell, env, lhs, rhs) -> sp.Matrix:
    """explicit(rhs) in `env`, memoised."""
    return _memo(env, ("rows", lhs), lambda: explicit(rhs, env))


#: SymPy function → its mpmath value, for `_number`.
_FUNCTIONS = {sp.tanh: mpmath.tanh, sp.exp: mpmath.exp, logistic: lambda v: 1 / (1 + mpmath.exp(-v)),
              relu: lambda v: max(v, mpmath.mpf(0)),
              sp.Heaviside: lambda v: mpmath.mpf(1 if v > 0 else 0)}  # H(0) = 0, as relu's fdiff


def _number(expr, known: dict):
    """`expr` (sums, products, integer powers, tanh, exp, the logistic, relu and its step of entry symbols)
    evaluated on mpmath numbers, node by node: no code is generated from the expression."""
    if expr.is_Symbol:
        return known[expr]
    if expr.is_Number:
        return mpmath.mpf(expr.p) / expr.q if expr.is_Rational else mpmath.mpf(str(expr))
    if expr.is_Add:
        return mpmath.fsum(_number(a, known) for a in expr.args)
    if expr.is_Mul:
        out = mpmath.mpf(1)
        for a in expr.args:
            out *= _number(a, known)
        return out
    if expr.is_Pow:
        return _number(expr.base, known) ** _number(expr.exp, known)
    return _FUNCTIONS[type(expr)](_number(expr.args[0], known))


@dataclass(frozen=True)
class Instance:
    """A seeded numeric instance: every symbol's value and the block Jacobian there."""

    n: int
    m: int
    seed: int
    values: dict  # name → number or nested lists (vectors as lists, matrices as lists of rows)
    numerator: list  # the full (k n)×(k n) Jacobian, states in `Cell.states` order
    denominator: list
    torch: dict | None  # the same instance in PyTorch's layout (Cell.torch), else None


def _instance(ch: Chain, n: int, m: int, seed: int) -> tuple[Instance, NumericCheck]:
    cell = ch.cell
    env = cell.bindings(n, m, total=False)
    values = _random_values(cell, env, seed)
    J = jacobian_at(ch, n, m, seed)
    with mpmath.workdps(DIGITS):
        worst = mpmath.mpf(0)
        for b, s in enumerate(cell.prev):
            for j in range(n):
                up, down = dict(values), dict(values)
                e = env[s][j]
                up[e] = values[e] + STEP
                down[e] = values[e] - STEP
                f_up, f_down = _forward(cell, env, up), _forward(cell, env, down)
                for a, v in enumerate(cell.next):
                    for i in range(n):
                        fd = (f_up[env[v][i]] - f_down[env[v][i]]) / (2 * mpmath.mpf(STEP.p) / STEP.q)
                        worst = max(worst, abs(fd - J[a * n + i][b * n + j]))
    numbers = {}
    for s in (*cell.parameters, cell.input, *cell.prev):
        M_ = env[s]
        if s.shape[1] == 1:
            numbers[s.name] = [float(values[e]) for e in M_]
        else:
            numbers[s.name] = [[float(values[M_[r, c]]) for c in range(M_.cols)] for r in range(M_.rows)]
    torch = None
    if cell.torch:
        name, stacks = cell.torch
        torch = {"cell": name}
        for parameter, names in stacks:
            torch[parameter] = [row for x in names for row in (numbers[x] if x else [0.0] * n)]
        torch["x"] = numbers[cell.input.name]
        torch.update({s: numbers[p.name] for s, p in zip(cell.states, cell.prev)})
    num = [[float(x) for x in row] for row in J]
    den = [list(col) for col in zip(*num)]
    return (Instance(n, m, seed, numbers, num, den, torch),
            NumericCheck(n, m, seed, float(worst), TOLERANCE))


@dataclass(frozen=True)
class CellDerivation:
    """A cell's Jacobian blocks: routes, layouts, checks, expansion, numeric check, instance.

    `block(v, s)` is dv_t/ds_{t-1}, n×n, numerator layout; `result(v, s, layout)` in either.
    """

    cell: Cell
    chain: Chain
    layouts: tuple[Layout, ...]
    routes: tuple[Route, ...]
    checks: tuple[StepCheck, ...]
    expansion: CellExpansion | None
    numeric: NumericCheck | None
    instance: Instance | None
    variants: tuple = ()  # variants.Comparison per other cell of the family

    def block(self, v, s) -> sp.MatrixExpr:
        return self.chain.block(v, s)

    def result(self, v, s, layout: Layout | str = Layout.NUMERATOR) -> sp.MatrixExpr:
        """Block (v, s) in `layout`: dv_t/ds_{t-1} (numerator) or its transpose written out."""
        block = self.block(v, s)
        return block if Layout.parse(layout) is Layout.NUMERATOR else transposed(block)

    @property
    def verified(self) -> bool:
        return (all(c.ok for c in self.checks)
                and (self.expansion is None or self.expansion.verified)
                and (self.numeric is None or self.numeric.passed))


def derive_cell(key: "str | Cell", dim: int | None = 2, layout: str | Layout = "both",
                inputs: int | None = None, seed: int = 0) -> CellDerivation:
    """Derive the one-step Jacobian of library cell `key` (see `cells.CELLS`).

    Args:
        key: a key of `CELLS` (gru, gru-torch, gru-chung, lstm, lstm-peephole), or a `Cell`
            (such as one typed as equations, `cell_parse.parse_cell`).
        dim: n for the explicit expansion (1..MAX_CELL_DIM), or None for symbolic n only.
        layout: "numerator", "denominator" or "both".
        inputs: m; default dim + 1.
        seed: seed of the numeric instance.
    """
    cell = key if isinstance(key, Cell) else get_cell(key)
    layouts = parse_layouts(layout)
    for value, name in ((dim, "dim"), (inputs, "inputs")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= MAX_CELL_DIM):
            raise InputError(f"{name} must be a whole number from 1 to {MAX_CELL_DIM}, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"seed must be a whole number, got {seed!r}")
    ch = chain(cell)
    index, derived = index_route(ch)
    denominator = denominator_route(ch)
    routes = (*ch.routes, index, denominator)
    checks = verify_cell_routes((*ch.routes, denominator), cell) + verify_index_route(index, ch, derived)
    expansion = numeric = instance = None
    if dim is not None:
        m = inputs if inputs is not None else dim + 1
        expansion = expand_cell(ch, dim, m)
        k = min(dim, NUMERIC_DIM)
        instance, numeric = _instance(ch, k, m if dim <= NUMERIC_DIM else k + 1, seed)
    from .variants import compare_variants  # variants imports this module
    return CellDerivation(cell, ch, layouts, routes, checks, expansion, numeric, instance,
                          compare_variants(cell, seed))
