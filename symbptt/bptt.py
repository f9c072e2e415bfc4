"""Beyond one step: ∂x_t/∂x_k, the backward recursion and the vanishing/exploding bound.

Everything here is data (steps, check outcomes, curves); `render` prints it. Each formula
is checked by routes of its own:

* the product ∂x_t/∂x_k = J_t J_{t-1} ⋯ J_{k+1} (numerator; the reversed product of
  transposes in denominator layout) is proved by induction on t − k, and checked by
  differentiating the composed recurrence for t − k = 1, 2, 3 at n = 2, 3, entry by entry;
* the backward recursion δ_{t-1} = g_{t-1} + J_tᵀ δ_t and ∂E/∂W are checked against SymPy's
  own derivative of a small loss (n = 2, T = 2) and against finite differences (n = 3, T = 4);
* the bound ‖∂x_t/∂x_k‖₂ ≤ (γ λ₁)^{t−k} is checked on random trajectories with W scaled so
  that γ λ₁ is below, at and above 1.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from operator import mul

import mpmath
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr

from .derivation import Derivation, derive
from .errors import InputError
from .explicit import derivative, explicit, jacobian_entries, mismatches, product
from .layout import Jacobian, Layout, to_layout
from .model import DEFAULT_FORM, Recurrence, elementwise
from .numeric import numeric_function, largest_norm, orthogonal_columns, random_values, state_step
from .pascanu import Norm2
from .steps import Prose, Shape, Step

#: Step counts and sizes of the explicit product checks.
PRODUCT_CHECKS = ((1, 2), (2, 2), (3, 2), (2, 3))
#: γ λ₁ values of the bound checks and the plot.
SCALES = (0.9, 1.0, 1.1)
#: The curves are computed in float64 (30-digit SVDs were most of `bptt`'s time and made the
#: inequality no surer). CURVE_ERROR bounds each norm's error relative to the norm; it is
#: measured, not proved. Each step's product and Jacobi rotations err by a few n ε, but the
#: later factors carry that error, so relative to ‖J_T⋯J_1‖ it is bounded only by
#: Σ_t ‖J_T⋯J_{t+1}‖ ‖J_t‖ ‖J_{t-1}⋯J_1‖ / ‖J_T⋯J_1‖, which nothing bounds here (W's entries
#: have both signs, so the products may cancel), and the float trajectory drifts from the
#: exact one alike. A test compares every norm of every activation, form and scale `bptt`
#: prints (n = 6, T = 60, seed 0) with a CURVE_REFERENCE_DIGITS-digit product: the worst is
#: 2.5e-14 (sigmoid, whose norms fall to 1e-22 under bounds near 1), and 1e-12 leaves a
#: factor 40 for other platforms' libm. As the proved bound holds, the error is also below
#: CURVE_ERROR times the bound; the bound check's relative tolerance, CURVE_TOLERANCE, is ten
#: times that, so a bound that fails by more is seen.
CURVE_ERROR = 1e-12
CURVE_TOLERANCE = 1e-11
#: The digits of the computation the curves are tested against.
CURVE_REFERENCE_DIGITS = 30
#: A norm ends *below* its bound when it ends under this fraction of it (tanh at γλ₁ = 1.1
#: ends near a third of it; a curve that follows its bound ends within 1e-3 of it).
BELOW_BOUND = 0.5


def at(role: str, time: str, n) -> sp.MatrixSymbol:
    """A time-indexed vector or matrix, printed role_time: ``at("x", "t-1", n)`` is x_{t-1}."""
    return sp.MatrixSymbol(f"{role}@{time}", n, 1 if role in ("x", "delta", "g") else n)


class TimeSum(MatrixExpr):
    """Σ_t A_t: a sum over the time steps, printed with its index."""

    @property
    def shape(self):
        return self.args[0].shape


def _flat(*factors) -> sp.MatMul:
    """A product with nested products spread out (no stray parentheses when printed)."""
    return sp.MatMul(*[a for f in factors for a in (f.args if isinstance(f, sp.MatMul) else (f,))])


@dataclass(frozen=True)
class ProductCheck:
    """∂x_{k+s}/∂x_k differentiated vs the product of s one-step Jacobians, at size n."""

    steps: int
    n: int
    layout: Layout
    ok: bool


@dataclass(frozen=True)
class Curve:
    """‖∂x_t/∂x_0‖₂ for t = 1…T at one scaling of W, with its bound (γλ₁)^t."""

    scale: float
    norms: tuple[float, ...]
    bounds: tuple[float, ...]
    #: The mean of σ' over the trajectory, at the points where the one-step Jacobians take
    #: it (every entry of every step): below γ, the supremum the bound uses, when the state
    #: saturates, which is why a norm can vanish even with γλ₁ > 1.
    derivative_mean: float = 0.0

    @property
    def rate(self) -> float:
        """The norm's mean factor per step, ‖∂x_T/∂x_0‖₂^{1/T}; the bound's is γλ₁."""
        return self.norms[-1] ** (1 / len(self.norms))

    @property
    def holds(self) -> bool:
        return all(a <= b * (1 + CURVE_TOLERANCE) for a, b in zip(self.norms, self.bounds))

    @property
    def grew(self) -> bool:
        """Whether the norm grew: its mean factor per step is above 1."""
        return self.rate > 1

    @property
    def below(self) -> bool:
        """Whether the norm ended well below its bound (under BELOW_BOUND of it)."""
        return self.norms[-1] < BELOW_BOUND * self.bounds[-1]


@dataclass(frozen=True)
class Bptt:
    """The multi-step story for one activation and recurrence form."""

    derivation: Derivation
    product: tuple[Step, ...]
    product_checks: tuple[ProductCheck, ...]
    backward: tuple[Step, ...]
    backward_symbolic: bool
    backward_numeric: float
    bound: tuple[Step, ...]
    curves: tuple[Curve, ...]

    @property
    def loss(self) -> sp.Eq:
        """E = Σ_t ½‖x_t − y_t‖₂², the loss the backward recursion is checked against."""
        return loss(self.derivation.recurrence.n)

    @property
    def still_vanishes(self) -> Curve | None:
        """The first curve with γλ₁ > 1 whose norm did not grow: γλ₁ > 1 is not sufficient."""
        return next((c for c in self.curves if c.scale > 1 and not c.grew), None)

    @property
    def grows_slower(self) -> Curve | None:
        """The first curve with γλ₁ > 1 whose norm grew but ended well below its bound."""
        return next((c for c in self.curves if c.scale > 1 and c.grew and c.below), None)

    @property
    def follows_bounds(self) -> bool:
        """Whether every norm ended near its bound (none well below it)."""
        return not any(c.below for c in self.curves)

    @property
    def verified(self) -> bool:
        return (self.derivation.verified and all(c.ok for c in self.product_checks)
                and self.backward_symbolic and self.backward_numeric < 1e-15
                and all(c.holds for c in self.curves))


def _shift(expr, rec: Recurrence, time: str):
    """The one-step result with x_{t-1} (and a_t) moved to step `time`."""
    return expr.xreplace({rec.x_prev: at("x", f"{time}-1", rec.n), rec.a_t: at("a", time, rec.n)})


def product_steps(d: Derivation) -> tuple[Step, ...]:
    """The induction proof of ∂x_t/∂x_k = J_t ⋯ J_{k+1}, and its denominator form."""
    rec, n = d.recurrence, d.recurrence.n
    x = lambda time: at("x", time, n)
    J = lambda time: at("J", time, n)
    dots = sp.MatrixSymbol("cdots", n, n)
    numerator = sp.MatMul(J("t"), J("t-1"), dots, J("k+1"))
    transposed = sp.MatMul(sp.Transpose(J("k+1")), dots, sp.Transpose(J("t")))
    den_one = _shift(d.result(Layout.DENOMINATOR), rec, "i")
    return (
        Step("one-step", J("i"), _shift(d.result(Layout.NUMERATOR), rec, "i"),
             note=Prose.of("write {J} for {d}", J=J("i"), d=Jacobian(x("i"), x("i-1")))),
        Step("base", Jacobian(x("k+1"), x("k")), J("k+1")),
        Step("chain", Jacobian(x("t"), x("k")), sp.MatMul(Jacobian(x("t"), x("t-1")), Jacobian(x("t-1"), x("k"))),
             note=Prose.of("in numerator layout the outer derivative stands on the left")),
        Step("induction", sp.MatMul(Jacobian(x("t"), x("t-1")), Jacobian(x("t-1"), x("k"))), numerator),
        Step("transpose", Jacobian(x("t"), x("k"), Layout.DENOMINATOR), transposed,
             note=Prose.of("the transpose reverses the order, with {Jt} = {one}", Jt=sp.Transpose(J("i")), one=den_one)),
    )


def _compose(rec: Recurrence, n: int, m: int, steps: int):
    """States x_1 … x_steps as explicit functions of x_0 (the x_prev symbols), and env."""
    env = rec.bindings(n, m)
    x0 = list(env[rec.x_prev])
    states = [sp.Matrix(x0)]
    for _ in range(steps):
        states.append(env[rec.x_t].xreplace(dict(zip(x0, states[-1]))))
    return env, x0, states


class _Composed:
    """The recurrence composed at size n (m = n + 1) for `steps` steps, shared by the checks
    at that size: composing fewer steps gives the first states of these, and J_i at x_{i-1}
    is the same in each, so both are built once (the checks' comparisons stay their own)."""

    def __init__(self, d: Derivation, n: int, steps: int):
        self.result = d.result
        self.env, self.x0, self.states = _compose(d.recurrence, n, n + 1, steps)
        self._factors: dict = {}

    def factor(self, layout: Layout, i: int) -> sp.Matrix:
        """The one-step Jacobian in `layout` at x_{i-1} = states[i - 1] (J_i or J_iᵀ), n×n."""
        if (layout, i) not in self._factors:
            at_state = dict(zip(self.x0, self.states[i - 1]))
            self._factors[layout, i] = explicit(self.result(layout), self.env).xreplace(at_state)
        return self._factors[layout, i]


def _product_check(d: Derivation, steps: int, n: int, composed: _Composed | None = None) -> list[ProductCheck]:
    c = composed or _Composed(d, n, steps)
    total = jacobian_entries(list(c.states[steps]), c.x0, c.env.partials)  # the composed recurrence, differentiated
    numerator = sp.eye(n)
    denominator = sp.eye(n)
    for i in range(steps, 0, -1):
        numerator = product(numerator, c.factor(Layout.NUMERATOR, i))
    for i in range(1, steps + 1):
        denominator = product(denominator, c.factor(Layout.DENOMINATOR, i))
    return [ProductCheck(steps, n, Layout.NUMERATOR, not mismatches(total, numerator)),
            ProductCheck(steps, n, Layout.DENOMINATOR, not mismatches(to_layout(total, Layout.DENOMINATOR), denominator))]


def _transposed(factor) -> sp.MatrixExpr:
    """factorᵀ, written as people write it: (Aᵀ)ᵀ = A, a diagonal matrix is its own transpose."""
    if isinstance(factor, sp.Transpose):
        return factor.arg
    if isinstance(factor, (sp.DiagMatrix, sp.Identity)):
        return factor
    return sp.Transpose(factor)


def gradient_term(rec: Recurrence, delta: sp.MatrixSymbol) -> sp.MatrixExpr:
    """Step t's contribution to ∂E/∂W (n×n, shaped like W), in x_{t-1}, a_t and δ_t = `delta`.

    x_t = W σ(x_{t-1}) + …: δ_t σ(x_{t-1})ᵀ;  x_t = σ(W x_{t-1} + …): diag(σ'(a_t)) δ_t x_{t-1}ᵀ.
    With row vectors the column form uses Wᵀ, so the term is the transpose of these:
    x_t = Wᵀ σ(x_{t-1}) + …: σ(x_{t-1}) δ_tᵀ;  x_t = σ(Wᵀ x_{t-1} + …): x_{t-1} δ_tᵀ diag(σ'(a_t)).
    """
    if rec.cell.post:
        factors = (rec.derivative_diag(rec.a_t), delta, sp.Transpose(rec.x_prev))
    else:
        factors = (delta, sp.Transpose(elementwise(rec.activation, rec.x_prev)))
    if rec.cell.rows:
        factors = tuple(_transposed(f) for f in reversed(factors))
    return _flat(*factors)


def loss(n) -> sp.Eq:
    """E = Σ_t ½‖x_t − y_t‖₂², the loss the backward recursion is checked against."""
    x, y = at("x", "t", n), sp.MatrixSymbol("y@t", n, 1)
    t, T = sp.symbols("t T", integer=True, positive=True)
    return sp.Eq(sp.Symbol("E"), sp.Sum(sp.Rational(1, 2) * Norm2(sp.MatAdd(x, -y)) ** 2, (t, 1, T)),
                 evaluate=False)


def backward_steps(d: Derivation) -> tuple[Step, ...]:
    """δ_{t-1} = g_{t-1} + J_tᵀ δ_t and ∂E/∂W, for E = Σ_t E_t(x_t).

    Gradients of the scalar E are columns shaped like their variable: δ_t = (∂E/∂x_t)_den,
    n×1 (denominator layout; the numerator-layout ∂E/∂x_t is its transpose, a 1×n row),
    g_t = (∂E_t/∂x_t)_den the gradient of step t's own term; ∂E/∂W is n×n, shaped like W.
    """
    rec, n = d.recurrence, d.recurrence.n
    delta = lambda time: at("delta", time, n)
    g = at("g", "t-1", n)
    E, E_prev = sp.MatrixSymbol("E", 1, 1), sp.MatrixSymbol("E@t-1", 1, 1)
    x = lambda time: at("x", time, n)
    J_t = at("J", "t", n)
    den = _shift(d.result(Layout.DENOMINATOR), rec, "t")
    return (
        Step("definition", delta("t"), Jacobian(E, x("t"), Layout.DENOMINATOR),
             note=Prose.of("the gradient of the scalar {E} with respect to {x}: a column shaped like {x}, "
                           "that is denominator layout, the transpose of the numerator-layout row {row}; "
                           "likewise {g} for {Ep}, the term of {E} at step {tp}",
                           E=sp.Symbol("E"), x=x("t"), row=Jacobian(E, x("t")),
                           g=sp.Eq(g, Jacobian(E_prev, x("t-1"), Layout.DENOMINATOR), evaluate=False),
                           Ep=sp.Symbol("E_{t-1}"), tp=sp.Symbol("t") - 1)),
        Step("loss-chain", delta("t-1"), sp.MatAdd(g, sp.MatMul(sp.Transpose(J_t), delta("t"))),
             note=Prose.of("with {J} = {dx} in numerator layout; its transpose pulls the column "
                           "gradient back (a vector-Jacobian product)", J=J_t, dx=Jacobian(x("t"), x("t-1")))),
        Step("one-step", sp.MatMul(sp.Transpose(J_t), delta("t")), _flat(den, delta("t")),
             note=Prose.of("{Jt} = {den} is the denominator-layout one-step Jacobian: this is where "
                           "the transpose of {W} belongs", Jt=sp.Transpose(J_t),
                           den=Jacobian(x("t"), x("t-1"), Layout.DENOMINATOR), W=rec.W)),
        Step("gradient-W", sp.MatrixSymbol("dE_dW", n, n),
             TimeSum(_shift(gradient_term(rec, delta("t")), rec, "t")),
             note=Prose.of("{dW} is shaped like {W}, {nn}: entry ({i}, {j}) is {dWij}",
                           dW=sp.MatrixSymbol("dE_dW", n, n), W=rec.W, nn=Shape(n, n), i=sp.Symbol("i"),
                           j=sp.Symbol("j"), dWij=sp.Derivative(sp.Symbol("E"), sp.IndexedBase("W")[sp.Symbol("i"), sp.Symbol("j")]))),
    )


def _gradient_matrix(rec: Recurrence, env, delta: sp.Matrix) -> sp.Matrix:
    """`gradient_term` written out at the size of `env`, for an explicit δ_t."""
    symbol = sp.MatrixSymbol("delta_t", rec.n, 1)
    bound = type(env)(env.dims)
    bound.update(env)
    bound[symbol] = delta
    return explicit(gradient_term(rec, symbol), bound)


def _backward_symbolic(d: Derivation, n: int = 2, T: int = 2, composed: _Composed | None = None) -> bool:
    """The recursion's δ_0 and ∂E/∂W equal SymPy's derivatives of E = Σ_t ½‖x_t − y_t‖²
    (`composed`, if given, is at size n with at least T steps)."""
    rec = d.recurrence
    c = composed or _Composed(d, n, T)
    env, x0, states = c.env, c.x0, c.states
    y = [sp.Matrix(n, 1, lambda i, j, s=s: sp.Symbol(f"y{s}_{i + 1}", real=True)) for s in range(T + 1)]
    E = sum(product((states[s] - y[s]).T, states[s] - y[s])[0] / 2 for s in range(1, T + 1))
    delta_syms = sp.Matrix(n, 1, lambda i, j: sp.Symbol(f"delta_{i + 1}", real=True))
    term = _gradient_matrix(rec, env, delta_syms)
    delta, dW = states[T] - y[T], sp.zeros(n, n)
    for t in range(T, 0, -1):
        local = dict(zip(x0, states[t - 1]))
        dW += term.xreplace({**local, **dict(zip(delta_syms, delta))})
        delta = product(c.factor(Layout.DENOMINATOR, t), delta) + ((states[t - 1] - y[t - 1]) if t > 1 else sp.zeros(n, 1))
    memo = env.partials  # subexpressions of E shared by the derivatives (and the product checks')
    direct_x0 = sp.Matrix([derivative(E, v, memo) for v in x0])
    direct_W = env[rec.W].applyfunc(lambda w: derivative(E, w, memo))
    return not mismatches(delta, direct_x0) and not mismatches(dW, direct_W)


def _backward_numeric(d: Derivation, n: int = 3, T: int = 4, seed: int = 0) -> float:
    """Largest |recursion − central difference| over ∂E/∂x_0 and ∂E/∂W, in mpmath.

    The forward pass is `numeric.state_step`; the recursion uses the derived denominator
    Jacobian, compiled once from our own expressions (`numeric_function`, mpmath).
    E = Σ_t ½‖x_t − y_t‖² at seeded random values.
    """
    rec = d.recurrence
    env = rec.bindings(n, n + 1)
    rng = random.Random(seed)
    values = random_values(rec, env, rng)
    x_syms, W_syms = list(env[rec.x_prev]), list(env[rec.W])
    fixed = {k: v for k, v in values.items() if k not in x_syms and k not in W_syms}
    delta_syms = sp.symbols(f"delta_1:{n + 1}", real=True)
    num = lambda e: sp.Matrix(rec.activation.numeric_form(e)).xreplace(fixed)
    args = x_syms + W_syms
    den = numeric_function(num(explicit(d.result(Layout.DENOMINATOR), env)), args, mpmath)
    term = numeric_function(num(_gradient_matrix(rec, env, sp.Matrix(delta_syms))), args + list(delta_syms), mpmath)
    with mpmath.workdps(40):
        mp = lambda v: mpmath.mpf(sp.Rational(v).p) / sp.Rational(v).q
        x0 = [mp(values[v]) for v in x_syms]
        W = [mp(values[v]) for v in W_syms]
        drive = [mp(v) for v in (env[rec.W_in] * env[rec.u] + env[rec.b]).xreplace(values)]
        y = [[mpmath.mpf(rng.uniform(-1, 1)) for _ in range(n)] for _ in range(T + 1)]

        def forward(x, w):
            step = state_step(rec, [w[r * n:(r + 1) * n] for r in range(n)], drive)
            states = [list(x)]
            for _ in range(T):
                states.append(step(states[-1]))
            return states

        def energy(x, w):
            states = forward(x, w)
            return sum((states[s][r] - y[s][r]) ** 2 for s in range(1, T + 1) for r in range(n)) / 2

        states = forward(x0, W)
        delta = mpmath.matrix([states[T][r] - y[T][r] for r in range(n)])
        dW = mpmath.zeros(n, n)
        for t in range(T, 0, -1):
            prev = states[t - 1]
            dW += mpmath.matrix(term(*prev, *W, *delta))
            local = mpmath.matrix([prev[r] - y[t - 1][r] for r in range(n)]) if t > 1 else mpmath.zeros(n, 1)
            delta = mpmath.matrix(den(*prev, *W)) * delta + local
        h, worst = mpmath.mpf("1e-15"), mpmath.mpf(0)
        for k in range(n):  # ∂E/∂x_0
            up, down = list(x0), list(x0)
            up[k] += h
            down[k] -= h
            worst = max(worst, abs((energy(up, W) - energy(down, W)) / (2 * h) - delta[k]))
        for k in range(n * n):  # ∂E/∂W, row-major like W_syms
            up, down = list(W), list(W)
            up[k] += h
            down[k] -= h
            worst = max(worst, abs((energy(x0, up) - energy(x0, down)) / (2 * h) - dW[k // n, k % n]))
    return float(worst)


def bound_steps(d: Derivation) -> tuple[Step, ...]:
    """‖J_i‖₂ ≤ ‖W‖₂ ‖diag(σ')‖₂ ≤ γ λ₁ and ‖∂x_t/∂x_k‖₂ ≤ (γ λ₁)^{t−k}."""
    rec, n = d.recurrence, d.recurrence.n
    lam, gamma, steps = sp.symbols("lambda_1 gamma t-k", positive=True)
    J = at("J", "i", n)
    one = _shift(d.result(Layout.NUMERATOR), rec, "i")
    factors = one.args if isinstance(one, sp.MatMul) else (one,)
    D = next((f for f in factors if isinstance(f, sp.DiagMatrix)), sp.Identity(n))
    x = lambda time: at("x", time, n)
    norms = sp.Mul(*[Norm2(f) for f in factors], evaluate=False)
    by_W = sp.Mul(Norm2(rec.W), Norm2(D), evaluate=False)
    transposed = () if norms == by_W else (  # the row form's Wᵀ: ‖Wᵀ‖₂ = ‖W‖₂, said, not assumed
        Step("transpose-norm", norms, by_W, relation="=",
             note=Prose.of("since {eq}", eq=sp.Eq(Norm2(sp.Transpose(rec.W)), Norm2(rec.W), evaluate=False))),)
    return (
        Step("submultiplicative", Norm2(J), norms, relation="<="),
        *transposed,
        Step("diag-norm", by_W, gamma * lam, relation="<=",
             note=Prose.of("with {l} the largest singular value of {W} and {g} = {value}, the supremum "
                           "of the derivative's absolute value", l=lam, W=rec.W, g=gamma,
                           value=d.activation.sup_derivative)),
        Step("submultiplicative", Norm2(Jacobian(x("t"), x("k"))), (gamma * lam) ** steps, relation="<=",
             note=Prose.of("a product of {s} one-step factors; so {lam} below {inv} is sufficient for "
                           "vanishing gradients and {lam} above {inv} necessary for exploding ones; both "
                           "layouts have the same norm, since {eq}", s=steps, lam=lam, inv=1 / gamma,
                           eq=sp.Eq(Norm2(sp.Transpose(rec.W)), Norm2(rec.W)))),
    )


def curves(d: Derivation, n: int = 6, T: int = 60, seed: int = 0) -> tuple[Curve, ...]:
    """‖∂x_t/∂x_0‖₂ along a trajectory, W scaled to each γλ₁ in SCALES.

    Each J_t is the derived one-step Jacobian evaluated at the state. W is a scaled random
    orthogonal matrix (every singular value is λ₁, so no smaller spectral radius hides
    growth or decay) and the trajectory starts near 0 with no input, where σ' is close to
    its supremum: the norms follow their bound until the state saturates, which shows the
    bound is tight, and γλ₁ > 1 necessary but not sufficient for exploding gradients.

    In float64, each norm to a relative CURVE_ERROR (measured at the default n, T and seed);
    the bound is checked to a relative CURVE_TOLERANCE.
    """
    rec = d.recurrence
    env = rec.bindings(n, 1)
    x_syms, W_syms = list(env[rec.x_prev]), list(env[rec.W])
    no_input = {v: 0 for M in (env[rec.W_in], env[rec.u], env[rec.b]) for v in M}
    compiled = lambda m: numeric_function(m.xreplace(no_input), x_syms + W_syms)
    jacobian = compiled(explicit(d.result(Layout.NUMERATOR), env))
    step = compiled(env[rec.x_t])  # the recurrence itself, n×1
    slope = compiled(explicit(rec.derivative_diag(rec.derivative_point), env))  # diag(σ'(·)), n×n
    rng = random.Random(seed)
    out = []
    with mpmath.workdps(30):  # the orthogonal factor as before: one small QR
        orthogonal, _ = mpmath.qr(mpmath.matrix([[rng.gauss(0, 1) for _ in range(n)] for _ in range(n)]))
        x0 = [float(mpmath.mpf(rng.uniform(-0.01, 0.01))) for _ in range(n)]
    for scale in SCALES:
        factor = scale / float(d.activation.sup_derivative)
        weights = [float(orthogonal[r, c]) * factor for r in range(n) for c in range(n)]
        # The columns of P_t V_t, for the product P_t = J_t ⋯ J_1 and an orthogonal V_t that
        # makes them orthogonal: the same singular values as P_t. Starting each step from
        # J_{t+1} P_t V_t, closer to column-orthogonal than P_{t+1} itself, it takes about 2.7
        # sweeps' worth of rotations for tanh (measured), fewer than from scratch.
        x, columns, norms, slopes = x0, [[float(r == c) for r in range(n)] for c in range(n)], [], 0.0
        for _ in range(T):
            J = jacobian(*x, *weights)
            D = slope(*x, *weights)
            slopes += sum(D[i][i] for i in range(n))
            columns = orthogonal_columns([[sum(map(mul, row, col)) for row in J]
                                          for col in columns])
            x = [v for (v,) in step(*x, *weights)]
            norms.append(largest_norm(columns))
        out.append(Curve(scale, tuple(norms), tuple(scale ** (t + 1) for t in range(T)), slopes / (n * T)))
    return tuple(out)


def bptt(activation: str = "tanh", recurrence: str = DEFAULT_FORM) -> Bptt:
    """The multi-step derivations and their checks for one activation and form.

    Raises:
        InputError: unknown activation or form, or an activation without a bounded σ'
            (the generic σ), for which no numeric bound can be drawn.
    """
    d = derive(activation, dim=2, recurrence=recurrence)
    if d.activation.sup_derivative is None:
        raise InputError("bptt needs an activation with a known sup|σ'| (tanh, sigmoid, relu, "
                         "identity); the generic sigma has none")
    sizes = {n: max(s for s, m in PRODUCT_CHECKS if m == n) for _, n in PRODUCT_CHECKS}
    composed = {n: _Composed(d, n, steps) for n, steps in sizes.items()}
    checks = tuple(c for steps, n in PRODUCT_CHECKS for c in _product_check(d, steps, n, composed[n]))
    return Bptt(d, product_steps(d), checks, backward_steps(d), _backward_symbolic(d, composed=composed[2]),
                _backward_numeric(d), bound_steps(d), curves(d))
