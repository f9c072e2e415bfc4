"""`bptt` for a gated cell: products of block Jacobians, the backward recursion through every
state, and a norm bound where one exists.

The state is the stack s_t = (h_t, c_t) of the cell's states (h_t alone for a GRU), and
J_i = ds_i/ds_{i-1} its one-step block Jacobian (numerator layout), derived by
`derive_cell`. Each statement is checked by a route of its own:

* ∂s_t/∂s_k = J_t ⋯ J_{k+1} (the chain rule, by induction on t − k): against a 30-digit
  central finite difference of the cell composed t − k = 1, 2, 3 times, at n = 2;
* the backward recursion, for E = Σ_t E_t(h_t) (the loss reads h): δ^s_{t-1} = [s = h] g_{t-1}
  + Σ_v (dv_t/ds_{t-1})ᵀ δ^v_t, with δ^s_t = (∂E/∂s_t)_den: against finite differences of
  E = Σ_t w_tᵀ h_t over T = 4 steps, at n = 3;
* each block's norm bound (`cell_bound`): against the spectral norm of the block at random
  instances with the weights scaled by 0.5, 1 and 3.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .cell_bound import bound
from .cell_derivation import DIGITS, CellDerivation, _forward, _number, _random_values, derive_cell, jacobian_values
from .explicit import explicit
from .layout import Jacobian, Layout, TotalJacobian
from .model import N
from .pascanu import Norm2
from .steps import Fact

#: Sizes of the numeric checks.
PRODUCT_STEPS, PRODUCT_N = (1, 2, 3), 2
BACKWARD_T, BACKWARD_N = 4, 3
BOUND_N, BOUND_SCALES, BOUND_SEEDS = 3, (0.5, 1, 3), (0, 1, 2)
TOLERANCE = 1e-15


def _at(name: str, time: str, rows=None) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(f"{name}@{time}", rows if rows is not None else N, 1)


def _shift(expr, time: str):
    """A step-t expression moved to step `time`: every name@t to name@time, name@t-1 to name@time-1."""
    names = {s for s in expr.free_symbols if isinstance(s, sp.MatrixSymbol) and "@t" in s.name}
    return expr.xreplace({s: sp.MatrixSymbol(s.name.replace("@t", "@" + time, 1), *s.shape) for s in names})


@dataclass(frozen=True)
class CellBptt:
    """The multi-step story of one cell; every field is data the renderer prints."""

    derivation: CellDerivation
    one_step: Fact  # J_i = ds_i/ds_{i-1}, the block matrix
    product: tuple[Fact, ...]  # ∂s_t/∂s_k in both layouts
    product_error: float
    backward: tuple[Fact, ...]  # δ^s_{t-1} = …, one per state, denominator layout
    backward_error: float
    bounds: tuple[tuple, ...]  # (Fact or None, block (v, s), the unbounded part or None)
    bound_ok: bool
    multi_step: Fact | None  # ‖∂h_t/∂h_k‖₂ ≤ B^{t-k} for a one-state cell with a bound

    @property
    def verified(self) -> bool:
        return (self.derivation.verified and self.product_error < TOLERANCE
                and self.backward_error < TOLERANCE and self.bound_ok)


def _stacked(cell):
    k = len(cell.states)
    return (lambda time: _at("s", time, k * N)) if k > 1 else (lambda time: _at(cell.states[0], time))


def _one_step(d: CellDerivation) -> sp.MatrixExpr:
    cell = d.cell
    blocks = [[_shift(TotalJacobian(v, s), "i") for s in cell.prev] for v in cell.next]
    return sp.BlockMatrix(blocks) if len(blocks) > 1 else blocks[0][0]


def _run(cell, env, values, inputs):
    """Forward steps from `values` (parameters and s_0), one per input vector; the known
    values of every step, in order."""
    steps, current = [], dict(values)
    x = list(env[cell.input])
    for u in inputs:
        current.update(zip(x, u))
        known = _forward(cell, env, current)
        steps.append(known)
        current = dict(current)
        for p, q in zip(cell.prev, cell.next):
            current.update({a: known[b] for a, b in zip(env[p], env[q])})
    return steps


def _inputs(env, cell, count, seed):
    rng = random.Random(f"inputs:{seed}")
    m = len(env[cell.input])
    return [[mpmath.mpf(rng.randint(-1000, 1000)) / 1000 for _ in range(m)] for _ in range(count)]


def _mp_values(values: dict) -> dict:
    return {k: mpmath.mpf(v.p) / v.q for k, v in values.items()}


def _product_error(d: CellDerivation, seed: int) -> float:
    """max |J_s ⋯ J_1 − finite difference of the s-fold cell| over s in PRODUCT_STEPS."""
    cell, n = d.cell, PRODUCT_N
    env = cell.bindings(n, n + 1, total=False)
    s0 = [e for p in cell.prev for e in env[p]]
    worst = mpmath.mpf(0)
    with mpmath.workdps(DIGITS):
        values = _mp_values(_random_values(cell, env, seed))
        inputs = _inputs(env, cell, max(PRODUCT_STEPS), seed)
        last = lambda known: [known[e] for q in cell.next for e in env[q]]  # noqa: E731
        for count in PRODUCT_STEPS:
            steps = _run(cell, env, values, inputs[:count])
            P = mpmath.eye(len(s0))
            for known in steps:
                P = mpmath.matrix(jacobian_values(d.chain, env, known)) * P
            h = mpmath.mpf("1e-12")
            for j, e in enumerate(s0):
                up, down = dict(values), dict(values)
                up[e] += h
                down[e] -= h
                f_up, f_down = last(_run(cell, env, up, inputs[:count])[-1]), last(_run(cell, env, down, inputs[:count])[-1])
                for i in range(len(s0)):
                    worst = max(worst, abs((f_up[i] - f_down[i]) / (2 * h) - P[i, j]))
    return float(worst)


def _backward_error(d: CellDerivation, seed: int) -> float:
    """max |δ_0 by the recursion − finite-difference gradient of E = Σ_t w_tᵀ h_t|."""
    cell, n = d.cell, BACKWARD_N
    env = cell.bindings(n, n + 1, total=False)
    s0 = [e for p in cell.prev for e in env[p]]
    rng = random.Random(f"loss:{seed}")
    with mpmath.workdps(DIGITS):
        values = _mp_values(_random_values(cell, env, seed))
        inputs = _inputs(env, cell, BACKWARD_T, seed)
        w = [[mpmath.mpf(rng.randint(-1000, 1000)) / 1000 for _ in range(n)] for _ in range(BACKWARD_T)]
        out = cell.next[0]  # the loss reads the first state, h

        def loss(vals):
            return sum(sum(wi * known[e] for wi, e in zip(w[t], env[out]))
                       for t, known in enumerate(_run(cell, env, vals, inputs)))

        steps = _run(cell, env, values, inputs)
        k = len(cell.states)
        delta = [mpmath.mpf(0)] * (k * n)  # δ_T: E has no term after T
        for t in range(BACKWARD_T - 1, -1, -1):
            delta = list(delta)
            delta[:n] = [a + b for a, b in zip(delta[:n], w[t])]  # + g_t for the state h
            J = jacobian_values(d.chain, env, steps[t])
            delta = [sum(J[i][j] * delta[i] for i in range(k * n)) for j in range(k * n)]  # Jᵀ δ
        h = mpmath.mpf("1e-12")
        worst = mpmath.mpf(0)
        for j, e in enumerate(s0):
            up, down = dict(values), dict(values)
            up[e] += h
            down[e] -= h
            worst = max(worst, abs((loss(up) - loss(down)) / (2 * h) - delta[j]))
    return float(worst)


def _bound_ok(d: CellDerivation, bounds) -> bool:
    """Every bound at least the block's spectral norm at random instances, weights scaled."""
    cell, n = d.cell, BOUND_N
    env = cell.bindings(n, n + 1, total=False)
    weights = {e for p in cell.parameters if p.shape[1] != 1 for e in env[p]}  # W_•, U_• entries
    checked = [(fact, explicit(d.block(v, s), env)) for fact, (v, s), _ in bounds if fact is not None]
    with mpmath.workdps(20):
        for seed in BOUND_SEEDS:
            base = _random_values(cell, env, seed)
            for scale in BOUND_SCALES:
                values = {e: v * sp.Rational(scale) if e in weights else v for e, v in base.items()}
                known = _forward(cell, env, values)
                for fact, block in checked:
                    A = mpmath.matrix([[_number(block[i, j], known) for j in range(n)] for i in range(n)])
                    actual = max(mpmath.svd_r(A, compute_uv=False))
                    norms = {w: _norm(env[w.matrix], values) for w in fact.rhs.atoms(Norm2)}
                    limit = fact.rhs.xreplace({w: sp.Float(x, 20) for w, x in norms.items()})
                    if actual > mpmath.mpf(sp.N(limit, 20)) * (1 + mpmath.mpf("1e-12")):
                        return False
    return True


def _norm(matrix, values) -> mpmath.mpf:
    A = mpmath.matrix([[mpmath.mpf(values[matrix[i, j]].p) / values[matrix[i, j]].q for j in range(matrix.cols)]
                       for i in range(matrix.rows)])
    return max(mpmath.svd_r(A, compute_uv=False))


def cell_bptt(key: str, seed: int = 0) -> CellBptt:
    """The multi-step statements for library cell `key`, each checked (see the module docstring)."""
    d = derive_cell(key, dim=2, seed=seed)
    cell = d.cell
    s = _stacked(cell)
    J = sp.MatrixSymbol("J@i", s("t").shape[0], s("t").shape[0])
    Jt = lambda time: sp.MatrixSymbol(f"J@{time}", *J.shape)  # noqa: E731
    dots = sp.MatrixSymbol("cdots", *J.shape)
    method = (f"the chain rule by induction on t − k; checked against a {DIGITS}-digit central finite "
              f"difference of the cell composed 1, 2 and 3 times at n = {PRODUCT_N}")
    one_step = Fact(J, _one_step(d), "the blocks derived and verified in the derive report")
    product = (
        Fact(Jacobian(s("t"), s("k")), sp.MatMul(Jt("t"), Jt("t-1"), dots, Jt("k+1")), method),
        Fact(Jacobian(s("t"), s("k"), Layout.DENOMINATOR),
             sp.MatMul(sp.Transpose(Jt("k+1")), dots, sp.Transpose(Jt("t"))), method),
    )
    backward = []
    how = (f"checked against finite differences of E = Σ_t w_tᵀ h_t over T = {BACKWARD_T} steps "
           f"at n = {BACKWARD_N}")
    for p, state in zip(cell.prev, cell.states):
        terms = [sp.MatMul(d.result(v, p, Layout.DENOMINATOR), _at(f"delta_{q}", "t"))
                 for v, q in zip(cell.next, cell.states) if (v, p) in d.chain.totals]
        if state == cell.states[0]:
            terms.insert(0, _at("g", "t-1"))
        backward.append(Fact(_at(f"delta_{state}", "t-1"), sp.MatAdd(*terms) if len(terms) > 1 else terms[0], how))
    bounds = []
    for v in cell.next:
        for p in cell.prev:
            if (v, p) not in d.chain.totals:
                continue
            value, why = bound(cell, d.block(v, p))
            fact = None if value is None else Fact(
                Norm2(TotalJacobian(v, p)), value,
                "interval arithmetic on the closed form; checked against the spectral norm at "
                f"{len(BOUND_SEEDS) * len(BOUND_SCALES)} random instances, weights scaled by "
                + ", ".join(map(str, BOUND_SCALES)),
                relation="<=")
            bounds.append((fact, (v, p), why))
    bounds = tuple(bounds)
    multi = None
    if len(cell.states) == 1 and bounds and bounds[0][0] is not None:
        k = sp.Symbol("t-k")
        multi = Fact(Norm2(Jacobian(s("t"), s("k"))), bounds[0][0].rhs ** k,
                     "a norm of a product is at most the product of the norms", relation="<=")
    return CellBptt(d, one_step, product, _product_error(d, seed), tuple(backward),
                    _backward_error(d, seed), bounds, _bound_ok(d, bounds), multi)
