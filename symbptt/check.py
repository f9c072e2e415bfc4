"""`check`: is a published formula the one-step Jacobian ∂x_t/∂x_{t-1}, and in which layout?

For each layout the claim gets one of three statuses:

* refuted: at the smallest n (1…4) some entry differs from the true Jacobian's, structurally
  *and* numerically at random values: the counterexample shows both;
* proved: entry (i, j) of claim − truth vanishes symbolically for every n;
* numeric: equal entry for entry at n = 1…4 and at random values, but not proved.

When the claim holds in neither layout of the recurrence (by default x_t = W σ(x_{t-1}) +
W_in u_t + b), the readings that would make it right are searched: every form of the
recurrence (`model.FORMS`) × layout × where σ' is taken, for the claim and its transpose.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .claim import Roles, infer_activation, translate
from .denominator import denominator_route
from .explicit import explicit, jacobian_entries, mismatches
from .grammar import Claim, parse
from .index import entry_value
from .layout import Layout, to_layout
from .matrix import matrix_route
from .model import FORMS, Recurrence
from .numeric import DIGITS, random_values

SIZES = (1, 2, 3, 4)
SEEDS = (0, 1, 2)
TOLERANCE = mpmath.mpf("1e-25")


@dataclass(frozen=True)
class Binding:
    """Where the claim's previous state is read: as written, or as another vector."""

    key: str
    title: str


AS_WRITTEN = Binding("as-written", "with σ' where the formula puts it")
AT_PRE_ACTIVATION = Binding("pre-activation", "with σ' taken at the step-t pre-activation a_t instead")


@dataclass(frozen=True)
class Counterexample:
    """Claim and truth at size n, a differing entry, and its values at a random instance."""

    n: int
    claim: sp.Matrix
    truth: sp.Matrix
    entry: tuple[int, int]
    claim_value: float
    truth_value: float
    seed: int


@dataclass(frozen=True)
class Verdict:
    """Whether the claim equals the Jacobian of `form` in `layout` (under `binding`)."""

    form: str
    layout: Layout
    binding: str
    transposed: bool
    status: str  # proved | numeric | refuted
    counterexample: Counterexample | None = None

    @property
    def holds(self) -> bool:
        return self.status != "refuted"


@dataclass(frozen=True)
class Bound:
    """Norms at a random instance (n = 3): the bound ‖J‖₂ ≤ ‖W‖₂‖D‖₂ in both layouts."""

    claim: float
    jacobian: float
    W: float
    D: float
    gamma: sp.Rational | None

    @property
    def holds(self) -> bool:
        return self.jacobian <= self.W * self.D * (1 + 1e-12)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of `check`: parsed claim, verdict per layout, readings and the bound."""

    text: str
    claim: Claim
    recurrence: Recurrence
    expr: sp.MatrixExpr
    multi_step: bool
    notes: tuple  # of steps.Prose: how names were read
    jacobian: sp.MatrixExpr  # the true one-step Jacobian of `recurrence`, numerator layout
    verdicts: dict  # Layout → Verdict for the recurrence's form, as written
    readings: tuple[Verdict, ...]  # the other readings that hold
    bound: Bound

    def verdict(self, layout: Layout | str) -> Verdict:
        return self.verdicts[Layout.parse(layout)]

    def truth(self, layout: Layout | str) -> sp.MatrixExpr:
        """The true Jacobian in `layout`, as `derive` states it: D Wᵀ rather than (W D)ᵀ."""
        if Layout.parse(layout) is Layout.NUMERATOR:
            return self.jacobian
        return denominator_route(self.recurrence, self.jacobian).result

    # Display: rendering lives in symbptt.render; imported on use, as render depends on us.
    def to_markdown(self, notation=None) -> str:
        """The Markdown check report."""
        from .render import render_check
        return render_check(self, "markdown", notation)

    def to_latex(self, fragment: bool = True, notation=None) -> str:
        """The LaTeX check report: an \\input-able fragment, or a standalone document."""
        from .render import render_check
        return render_check(self, "latex-fragment" if fragment else "latex", notation)

    def to_text(self, notation=None) -> str:
        from .render import render_check
        return render_check(self, "text", notation)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        """The claim and its status in each layout, as display math."""
        from .printing import latex
        rows = [r"%s &\quad \text{%s: %s}" % (latex(self.expr) if k == 0 else "", l.value, v.status)
                for k, (l, v) in enumerate(self.verdicts.items())]
        return "$$\\begin{aligned}%s\\end{aligned}$$" % r" \\ ".join(rows)


def _env(rec: Recurrence, binding: Binding, n: int):
    """(env, env for the claim, truth Jacobian in numerator layout), explicit at size n."""
    env = rec.bindings(n, n + 1)
    truth = jacobian_entries(list(env[rec.x_t]), list(env[rec.x_prev]), env.partials)
    claim_env = env
    if binding is AT_PRE_ACTIVATION:
        claim_env = env.copy()
        claim_env[rec.x_prev] = env[rec.a_t]
    return env, claim_env, truth


def _numeric_difference(rec, env, claim, truth, seed):
    values = random_values(rec, env, random.Random(seed))
    claim, truth = (rec.activation.numeric_form(m).xreplace(values) for m in (claim, truth))
    with mpmath.workdps(DIGITS):
        worst, where = mpmath.mpf(0), (1, 1, 0.0, 0.0)
        for i in range(truth.rows):
            for j in range(truth.cols):
                a, b = (mpmath.mpf(sp.N(m[i, j], DIGITS)) for m in (claim, truth))
                if abs(a - b) > worst:
                    worst, where = abs(a - b), (i + 1, j + 1, float(a), float(b))
    return worst, where


def _symbolic_equal(rec, binding, expr, truth_expr) -> bool:
    """Entry (i, j) of expr equals that of truth for symbolic i, j, n.

    The pre-activation a_t stays a symbol: where the claim writes W x_{t-1} + W_in u_t + b
    out, it is folded back into a_t, so no inner sums are left to compare.
    """
    claim = expr.xreplace({rec.x_t: rec.written()[0][1] if rec.form == "elman" else rec.rhs()})
    claim = claim.xreplace({rec.pre_activation(): rec.a_t})
    if binding is AT_PRE_ACTIVATION:
        claim = claim.xreplace({rec.x_prev: rec.a_t})
    try:
        left, right = (entry_value(m, rec) for m in (claim, truth_expr))
        return left.dummy_eq(right) or sp.expand(left - right) == 0 or sp.simplify(left - right) == 0
    except Exception:  # SymPy cannot index or compare this expression symbolically: not proved
        return False


def judge(rec: Recurrence, expr, layout: Layout, binding: Binding = AS_WRITTEN,
          transposed: bool = False, jacobian=None) -> Verdict:
    """The claim `expr` (or its transpose) against `rec`'s Jacobian in `layout`.

    `jacobian` is `rec`'s numerator-layout Jacobian, when the caller has it already.
    """
    claim_expr = sp.Transpose(expr) if transposed else expr
    for n in SIZES:
        env, claim_env, truth_num = _env(rec, binding, n)
        truth = to_layout(truth_num, layout)
        claim = explicit(claim_expr, claim_env)
        bad = mismatches(claim, truth)
        if not bad:
            continue
        for seed in SEEDS:
            worst, (i, j, a, b) = _numeric_difference(rec, env, claim, truth, seed)
            if worst > TOLERANCE:
                example = Counterexample(n, claim, truth, (i, j), a, b, seed)
                return Verdict(rec.form, layout, binding.key, transposed, "refuted", example)
    truth_expr = to_layout(jacobian if jacobian is not None else matrix_route(rec).result, layout)
    proved = _symbolic_equal(rec, binding, claim_expr, truth_expr)
    return Verdict(rec.form, layout, binding.key, transposed, "proved" if proved else "numeric")


def _bound(rec, expr, jacobian) -> Bound:
    env = rec.bindings(3, 2)
    values = random_values(rec, env, random.Random(0))
    num = lambda m: rec.activation.numeric_form(m).xreplace(values).evalf(DIGITS)
    norm = lambda m: float(max(mpmath.svd_r(mpmath.matrix(num(m).tolist()), compute_uv=False)))
    J = explicit(jacobian, env)
    D = explicit(rec.derivative_diag(rec.x_prev), env)
    return Bound(norm(explicit(expr, env)), norm(J), norm(env[rec.W]), norm(D),
                 rec.activation.sup_derivative)


def check(text: str, activation: str | None = None, roles: Roles = Roles(),
          recurrence: str = "pascanu") -> CheckResult:
    """Judge the formula `text` as the one-step Jacobian ∂x_t/∂x_{t-1} of `recurrence`.

    Raises:
        InputError: malformed input (with its position), names without a role, or an
            unknown recurrence.
    """
    claim = parse(text)
    act = infer_activation(claim, activation)
    rec = Recurrence(act, form=recurrence)
    t = translate(claim, rec, roles)
    jacobian = matrix_route(rec).result
    verdicts = {layout: judge(rec, t.expr, layout, jacobian=jacobian) for layout in Layout}
    readings = []
    for key in FORMS:
        form = Recurrence(act, form=key)
        form_jacobian = jacobian if key == recurrence else matrix_route(form).result
        bindings = (AS_WRITTEN, AT_PRE_ACTIVATION) if key == "elman" else (AS_WRITTEN,)
        for binding in bindings:
            if binding is AT_PRE_ACTIVATION and not t.expr.has(rec.x_prev):
                continue  # nothing to re-read
            for transposed in (False, True):
                for layout in Layout:
                    if key == recurrence and not transposed and binding is AS_WRITTEN:
                        continue  # the main verdicts
                    v = judge(form, t.expr, layout, binding, transposed, form_jacobian)
                    if v.holds:
                        readings.append(v)
    return CheckResult(text, claim, rec, t.expr, t.multi_step, t.notes, jacobian, verdicts,
                       tuple(readings), _bound(rec, t.expr, jacobian))
