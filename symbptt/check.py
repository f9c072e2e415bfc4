"""`check`: is a published formula the one-step Jacobian ∂x_t/∂x_{t-1}, and in which layout?

For each layout the claim gets one of three statuses:

* refuted: at the smallest n (1…4) some entry differs from the true Jacobian's, structurally
  *and* numerically at random values: the counterexample shows both;
* proved: entry (i, j) of claim − truth vanishes symbolically for every n;
* numeric: equal entry for entry at n = 1…4 and at random values, but not proved.

The main verdicts are for the form the formula is written for (`infer_form`, or the one asked
for). Every form in `model.FORMS` × reading of the formula (`claim.readings`) × layout × where
σ' is taken is judged too, and those that hold are the report's readings. (The claim's
transpose needs no judging of its own: it holds in one layout exactly when the claim holds in
the other.)
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, replace

import mpmath
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .claim import Roles, Translation, assumes_shape, infer_activation, readings as claim_readings
from .denominator import denominator_route
from .explicit import explicit, jacobian_entries, mismatches
from .grammar import Claim, parse
from .index import entry_value
from .layout import Jacobian, Layout, definition, to_layout
from .matrix import matrix_route
from .errors import InputError
from .activations import ACTIVATIONS
from .model import ARG, FORMS, Recurrence, element, elementwise, form_key
from .pascanu import Norm2
from .steps import DISPLAY, Fact, Prose, Reported
from .numeric import DIGITS, largest_singular_value, numeric_function, random_values

#: The forms `infer_form` can tell from a formula's symbols, found by their fields: σ' at the
#: previous state (pre-activation), at a_t (post-activation), a transposed state (row vectors).
_PRE = form_key(post=False, rows=False)
_POST = form_key(post=True, rows=False)
_ROWS = form_key(post=False, rows=True)

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
    """Claim and truth at size n, a differing entry, and its values at a random instance.

    The matrices keep the step's pre-activation as atoms [a_t]_i, so that entries stay short.
    """

    n: int
    claim: sp.Matrix
    truth: sp.Matrix
    entry: tuple[int, int]
    claim_value: float
    truth_value: float
    seed: int


@dataclass(frozen=True)
class Verdict:
    """Whether one reading of the claim equals the Jacobian of `form` in `layout` (under `binding`)."""

    form: str
    layout: Layout
    binding: str
    status: str  # proved | numeric | refuted
    counterexample: Counterexample | None = None
    reading: Translation | None = None  # which reading of the formula was judged

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

    def _within(self, norm: float) -> bool:
        return norm <= self.W * self.D * (1 + 1e-12)

    @property
    def holds(self) -> bool:
        return self._within(self.jacobian)

    @property
    def claim_within(self) -> bool:
        """Whether the formula's own norm is within the bound too (not so for W Wᵀ D, D W + I)."""
        return self._within(self.claim)


@dataclass(frozen=True)
class FormChoice:
    """The form the main verdict is about, and why it was chosen."""

    key: str
    reason: Prose  # why, with math slots (1 − h_t²)
    current: bool = False  # σ' is written through the state, which is then the current one


@dataclass(frozen=True)
class CheckResult(Reported):
    """The outcome of `check`: parsed claim, verdict per layout, readings and the bound."""

    report = "check"  # its renderer in steps.DISPLAY (a class attribute, not a field)

    text: str
    claim: Claim
    recurrence: Recurrence  # the main form's model
    form: FormChoice
    expr: sp.MatrixExpr  # the reading the main verdict is about
    multi_step: bool
    notes: tuple  # of steps.Prose: how names were read
    verdicts: dict  # Layout → Verdict for the main form, as written (its best reading)
    readings: tuple[Verdict, ...]  # the other (form, reading, layout) verdicts that hold
    all_verdicts: tuple[Verdict, ...]  # every verdict judged, main ones included
    bound: Bound
    reading: Translation  # the reading of the main verdict
    truth_verified: bool  # `truth_checked` of the main form's Jacobian, the truth a report prints

    @property
    def jacobian(self) -> sp.MatrixExpr:
        """The main form's true one-step Jacobian, numerator layout."""
        return _jacobian(self.recurrence)

    def verdict(self, layout: Layout | str) -> Verdict:
        return self.verdicts[Layout.parse(layout)]

    def truth(self, layout: Layout | str, form: str | None = None) -> sp.MatrixExpr:
        """The true Jacobian of `form` (default: the main one) in `layout`, as `derive` states
        it: D Wᵀ rather than (W D)ᵀ. Derived by the matrix and denominator routes."""
        rec = _model(self.recurrence.activation, form or self.form.key)
        jacobian = _jacobian(rec)
        if Layout.parse(layout) is not Layout.NUMERATOR:
            jacobian = denominator_route(rec, jacobian).result
        return jacobian

    def written(self, form: str | None = None) -> tuple[tuple, ...]:
        """The recurrence of `form` (default: the main one) as a report writes it."""
        return _model(self.recurrence.activation, form or self.form.key).written()

    def _repr_latex_(self) -> str:
        """The claim and its status in each layout, as display math."""
        return DISPLAY["check-latex"](self)

    def backward(self, form: str | None = None) -> tuple:
        """(δ_{t-1}, J_den δ_t): the backward pass of `form` (default: the main one), with the
        engine's denominator-layout Jacobian."""
        truth = self.truth(Layout.DENOMINATOR, form)
        n = self.recurrence.n
        factors = truth.args if isinstance(truth, sp.MatMul) else (truth,)
        return sp.MatrixSymbol("delta_prev", n, 1), sp.MatMul(*factors, sp.MatrixSymbol("delta_t", n, 1))

    @property
    def diagonal(self) -> sp.MatrixExpr:
        """diag(σ') where the main form takes it (at a_t or x_{t-1}): the bound's second factor."""
        return self.recurrence.derivative_diag(self.recurrence.derivative_point)

    @functools.cached_property
    def facts(self) -> dict:
        """Every equation a check report states, as a `Fact` with how it was verified."""
        rec, ok = self.recurrence, self.truth_verified
        sizes = ", ".join(str(n) for n in TRUTH_SIZES)
        derived = (f"derived at matrix level and equal to the recurrence differentiated entry by "
                   f"entry at n = {sizes}")
        J, D = Jacobian(rec.x_t, rec.x_prev), self.diagonal
        return {
            "recurrence": tuple(Fact(lhs, rhs, "definition") for lhs, rhs in self.written()),
            "definitions": {l: Fact(*definition(l).args, "definition") for l in Layout},
            "truths": {l: Fact(Jacobian(rec.x_t, rec.x_prev, l), self.truth(l), derived, ok=ok)
                       for l in Layout},
            "backward": Fact(*self.backward(), "the denominator-layout Jacobian above applied to "
                             "δ_t (a vector–Jacobian product)", ok=ok),
            "bound": Fact(Norm2(J), sp.Mul(Norm2(rec.W), Norm2(D), evaluate=False),
                          "‖AB‖₂ ≤ ‖A‖₂‖B‖₂; evaluated at a random instance (n = 3, seed 0)",
                          relation="<=", ok=self.bound.holds),
            "transpose": Fact(Norm2(sp.Transpose(rec.W)), Norm2(rec.W),
                              "Wᵀ has the singular values of W", ok=True),
        }


@functools.lru_cache(maxsize=None)
def _model(activation, form: str | None = None) -> Recurrence:
    """One Recurrence per activation and form in a process: its explicit bindings, built
    once per size on the instance, then serve every claim judged (the library and `lint`
    judge many)."""
    return Recurrence(activation) if form is None else Recurrence(activation, form=form)


@functools.lru_cache(maxsize=None)
def _jacobian(rec: Recurrence) -> sp.MatrixExpr:
    """`rec`'s one-step Jacobian, numerator layout, by the matrix route (once per process)."""
    return matrix_route(rec).result


@functools.lru_cache(maxsize=64)
def _truth(rec: Recurrence, n: int) -> sp.Matrix:
    """The recurrence differentiated entry by entry at size n: numerator layout."""
    env = rec.bindings(n, n + 1)
    return jacobian_entries(list(env[rec.x_t]), list(env[rec.x_prev]), env.partials)


def _env(rec: Recurrence, binding: Binding, n: int):
    """(env, env for the claim, truth Jacobian in numerator layout), explicit at size n."""
    env = rec.bindings(n, n + 1)
    truth = _truth(rec, n)
    claim_env = env
    if binding is AT_PRE_ACTIVATION:
        claim_env = env.copy()
        claim_env[rec.x_prev] = env[rec.a_t]
    return env, claim_env, truth


@functools.lru_cache(maxsize=128)
def _truth_values(rec: Recurrence, n: int, seed: int):
    """(random values at size n, the numerator truth's entries there as mpf), per seed."""
    env = rec.bindings(n, n + 1)
    values = random_values(rec, env, random.Random(seed))
    return values, _at_digits(rec, _truth(rec, n), values)


def _at_digits(rec: Recurrence, matrix: sp.Matrix, values: dict) -> tuple:
    """`matrix`'s entries at `values` as DIGITS-digit mpf, by generated mpmath code (`evalf`
    entry by entry was most of a claim's numeric time); claim and truth alike, so that
    equal expressions give equal numbers."""
    symbols = sorted(matrix.free_symbols, key=str)
    with mpmath.workdps(DIGITS):
        rows = numeric_function(matrix, symbols, mpmath)(*(mpmath.mpf(values[s].p) / values[s].q for s in symbols))
        return tuple(tuple(mpmath.mpf(v) for v in row) for row in rows)


@functools.lru_cache(maxsize=1024)
def _claim_at(rec: Recurrence, expr, binding: Binding, n: int) -> sp.Matrix:
    """The claim written out at size n (the same for both layouts: computed once)."""
    return explicit(expr, _env(rec, binding, n)[1])


@functools.lru_cache(maxsize=1024)
def _claim_values(rec: Recurrence, claim: sp.Matrix, seed: int) -> tuple:
    """The claim's entries at the random values of `seed`, as DIGITS-digit mpf (once for
    both layouts)."""
    values, _ = _truth_values(rec, claim.rows, seed)
    return _at_digits(rec, claim, values)


def _numeric_difference(rec, n, claim, layout, seed):
    """The largest |claim − truth| over the entries at random values, and where it is."""
    _, truth = _truth_values(rec, n, seed)
    values = _claim_values(rec, sp.ImmutableMatrix(claim), seed)
    with mpmath.workdps(DIGITS):
        worst, where = mpmath.mpf(0), (1, 1, 0.0, 0.0)
        for i in range(n):
            for j in range(n):
                a = values[i][j]
                b = truth[i][j] if layout is Layout.NUMERATOR else truth[j][i]
                if abs(a - b) > worst:
                    worst, where = abs(a - b), (i + 1, j + 1, float(a), float(b))
    return worst, where


#: Entry (i, j) of a matrix expression for symbolic i, j, n: the truths' are asked for again
#: by every claim, and a claim's by each layout.
_entry_value = functools.lru_cache(maxsize=256)(entry_value)


def _folded(expr: sp.MatrixExpr, rec: Recurrence) -> sp.MatrixExpr:
    """`expr` with W x_{t-1} + W_in u_t + b written out folded into a_t, in any order of its
    terms: a formula's sum keeps its order (deeplearning.ai writes W_ax x^⟨t⟩ first)."""
    terms = set(rec.pre_activation().args)
    return expr.replace(lambda e: isinstance(e, sp.MatAdd) and set(e.args) == terms, lambda e: rec.a_t)


def _symbolic_equal(rec, binding, expr, truth_expr) -> bool:
    """Entry (i, j) of expr equals that of truth for symbolic i, j, n.

    The pre-activation a_t stays a symbol: where the claim writes W x_{t-1} + W_in u_t + b
    out, it is folded back into a_t, so no inner sums are left to compare.
    """
    claim = _merged_diagonals(expr, rec).xreplace(
        {rec.x_t: elementwise(rec.activation, rec.a_t) if rec.cell.post else rec.rhs()})
    claim = _merged_diagonals(_folded(claim, rec), rec)  # diag(h_t) diag(1 − sigmoid(a_t)), h_t now σ(a_t)
    if binding is AT_PRE_ACTIVATION:
        claim = claim.xreplace({rec.x_prev: rec.a_t})
    try:
        left, right = (_entry_value(m, rec) for m in (claim, truth_expr))
        return left.dummy_eq(right) or sp.expand(left - right) == 0 or sp.simplify(left - right) == 0
    except Exception:  # SymPy cannot index or compare this expression symbolically: not proved
        return False


def judge(rec: Recurrence, expr, layout: Layout, binding: Binding = AS_WRITTEN,
          jacobian=None) -> Verdict:
    """The claim `expr` against `rec`'s Jacobian in `layout`.

    `jacobian` is `rec`'s numerator-layout Jacobian, when the caller has it already; else
    it is derived (once per process) only if the claim is not refuted.
    """
    for n in SIZES:
        env, _, truth_num = _env(rec, binding, n)
        truth = to_layout(truth_num, layout)
        claim = _claim_at(rec, expr, binding, n)
        bad = mismatches(claim, truth)
        if not bad:
            continue
        for seed in SEEDS:
            worst, (i, j, a, b) = _numeric_difference(rec, n, claim, layout, seed)
            if worst > TOLERANCE:
                atoms = {entry: element(rec.a_t.name, k + 1) for k, entry in enumerate(env[rec.a_t])}
                example = Counterexample(n, claim.xreplace(atoms), truth.xreplace(atoms), (i, j), a, b, seed)
                return Verdict(rec.form, layout, binding.key, "refuted", example)
    truth_expr = to_layout(jacobian if jacobian is not None else _jacobian(rec), layout)
    proved = _symbolic_equal(rec, binding, expr, truth_expr)
    return Verdict(rec.form, layout, binding.key, "proved" if proved else "numeric")


def _bound(rec, expr, jacobian) -> Bound:
    J, W, D = _bound_norms(rec, jacobian)
    return Bound(_bound_norm(rec, explicit(expr, _bound_env(rec))), J, W, D, rec.activation.sup_derivative)


def _bound_env(rec):
    return rec.bindings(3, 2)


def _bound_norm(rec, m) -> float:
    """‖m‖₂ at the bound's random instance (n = 3, seed 0), in float64 (generated code for
    the entries, one-sided Jacobi for the norm): each norm is within a relative 1e-15 of
    its exact value, far inside the 1e-12 the bound is compared with."""
    values = _bound_values(rec)
    symbols = sorted(m.free_symbols, key=str)
    if not all(s in values for s in symbols):
        raise ValueError("the bound's matrix has symbols without values")
    rows = numeric_function(m, symbols)(*(values[s].p / values[s].q for s in symbols))
    return largest_singular_value(rows)


@functools.lru_cache(maxsize=None)
def _bound_values(rec) -> dict:
    return random_values(rec, _bound_env(rec), random.Random(0))


@functools.lru_cache(maxsize=None)
def _bound_norms(rec, jacobian) -> tuple[float, float, float]:
    """‖J‖₂, ‖W‖₂ and ‖diag(σ')‖₂ at the bound's instance: the same for every claim."""
    env = _bound_env(rec)
    D = explicit(rec.derivative_diag(rec.derivative_point), env)
    return _bound_norm(rec, explicit(jacobian, env)), _bound_norm(rec, env[rec.W]), _bound_norm(rec, D)


_RANK = {"proved": 2, "numeric": 1, "refuted": 0}
#: Sizes at which each form's derived Jacobian is compared with the recurrence differentiated.
TRUTH_SIZES = (1, 2, 3)


@functools.lru_cache(maxsize=None)
def truth_checked(rec: Recurrence, jacobian) -> bool:
    """The matrix route's Jacobian equals the recurrence differentiated entry by entry, at
    every size in TRUTH_SIZES: the verification every truth a check report prints carries
    (done once per process for each form, however many claims are judged against it)."""
    return all(not mismatches(explicit(jacobian, rec.bindings(n, n + 1)), _truth(rec, n))
               for n in TRUTH_SIZES)


def _through_state(expr, rec: Recurrence):
    """The bodies of elementwise functions applied to a state with no function inside: σ'
    written through the state's values, as 1 − h² (tanh) or h(1 − h) (the sigmoid) are."""
    return [f.function.expr for f in sp.preorder_traversal(expr)
            if isinstance(f, ElementwiseApplyFunction) and f.expr in (rec.x_t, rec.x_prev)
            and f.function.expr != ARG
            and not any(isinstance(a, sp.Function) for a in sp.preorder_traversal(f.function.expr))]


def _merged_diagonals(expr, rec: Recurrence):
    """`expr` with diagonal matrices of one state combined into one, exactly: a run of them
    multiplied, diag(h_t) diag(1 − h_t) = diag(h_t ⊙ (1 − h_t)); a sum, difference, scalar
    multiple or whole power of them, diag(h_t) − diag(h_t)² = diag(h_t ⊙ (1 − h_t)), with I
    as diag(1), I − diag(h_t)² = diag(1 − h_t²): σ' written in several diagonals, as people
    write it too. The step's pre-activation a_t counts as a state here:
    diag(sigmoid(a_t)) diag(1 − sigmoid(a_t)) = diag(σ'(a_t)) for the sigmoid; so does a
    function of a function of one (diag(h_t) once h_t is σ(a_t)). A first power X¹ is X."""
    vectors = (rec.x_t, rec.x_prev, rec.a_t)

    def of_vector(v):  # (vector, body in ARG) when `v` is a function, entry by entry, of one
        if v in vectors:
            return v, ARG
        if isinstance(v, ElementwiseApplyFunction):
            inner = of_vector(v.expr)
            return inner and (inner[0], v.function(inner[1]))
        return None

    def diagonal(e):  # (state, elementwise body) when `e` is a diagonal matrix of one state
        if isinstance(e, sp.Identity):
            return None, sp.Integer(1)  # of any state
        if isinstance(e, sp.DiagMatrix):
            return of_vector(e.args[0])
        if isinstance(e, sp.MatPow) and e.exp.is_Integer and e.exp >= 1:
            base = diagonal(e.base)
            return base and (base[0], base[1] ** e.exp)
        if isinstance(e, (sp.MatMul, sp.MatAdd)):
            scalars = [a for a in e.args if not a.is_Matrix] if isinstance(e, sp.MatMul) else []
            parts = [diagonal(a) for a in e.args if a.is_Matrix]
            states = {v for v, _ in parts if v is not None} if parts and all(parts) else set()
            if len(states) == 1:
                join = sp.Mul if isinstance(e, sp.MatMul) else sp.Add
                return states.pop(), sp.Mul(*scalars) * join(*[b for _, b in parts])
        return None

    def as_matrix(state, body):
        return sp.DiagMatrix(state if body == ARG else ElementwiseApplyFunction(sp.Lambda(ARG, body), state))

    def merge(e):
        if isinstance(e, sp.MatPow) and e.exp == 1:
            return e.base
        whole = diagonal(e)
        if whole and whole[0] is not None and not isinstance(e, sp.DiagMatrix):
            return as_matrix(*whole)
        if not isinstance(e, sp.MatMul):
            return e
        out, run = [], []  # runs of diagonal factors of one state within a product (W^T D D)
        keep_identity = all(isinstance(a, sp.Identity) for a in e.args if a.is_Matrix)
        for f in (*e.args, None):
            if isinstance(f, sp.Identity) and not keep_identity:
                continue  # a factor I beside another matrix changes no product
            d = diagonal(f) if f is not None and f.is_Matrix else None
            d = d if d and d[0] is not None else None  # I I stays as written
            if d and run and d[0] == run[0][0]:
                run.append(d)
                continue
            if len(run) > 1:  # the run's first factor stands for it in `out`
                out[-1] = as_matrix(run[0][0], sp.Mul(*[b for _, b in run]))
            run = [d] if d else []
            if f is not None:
                out.append(f)
        return sp.MatMul(*out) if len(out) > 1 else out[0]
    return expr.replace(lambda e: isinstance(e, (sp.MatMul, sp.MatAdd, sp.MatPow)), merge)


def _activation_of_polynomials(options, rec: Recurrence) -> str | None:
    """tanh or sigmoid, when σ' is written through the state as 1 − h² or h(1 − h), also in
    several diagonals (diag(1 − h) diag(1 + h), diag(h) − diag(h)², `_merged_diagonals`), or,
    for the generic σ, through σ itself: σ(a_t)(1 − σ(a_t)), the logistic sigmoid's derivative
    as textbooks write it."""
    shapes = {1 - ARG**2: "tanh", ARG - ARG**2: "sigmoid"}
    for t in options:
        merged = _merged_diagonals(t.expr, rec)
        for body in (*_through_state(merged, rec), *_through_sigma(merged, rec)):
            if sp.expand(body) in shapes:
                return shapes[sp.expand(body)]
    return None


def _through_sigma(expr, rec: Recurrence):
    """For the generic σ, the bodies of elementwise functions of a_t or x_{t-1} that are
    polynomials in σ of the same argument (σ(s)(1 − σ(s)) as s(1 − s))."""
    sigma = rec.activation.apply(ARG)
    if rec.activation.name != "sigma" or sigma == ARG:
        return []
    bodies = [f.function.expr.xreplace({sigma: ARG}) for f in sp.preorder_traversal(expr)
              if isinstance(f, ElementwiseApplyFunction) and f.expr in (rec.a_t, rec.x_prev)
              and f.function.expr.has(sigma)]
    return [b for b in bodies if not any(isinstance(a, sp.Function) for a in sp.preorder_traversal(b))]


def _form_of(translation: Translation, rec: Recurrence) -> FormChoice | None:
    """The form one reading's symbols imply, or None when they do not decide."""
    expr = translation.expr
    if any(isinstance(t, sp.Transpose) and t.arg.shape[1] == 1 for t in sp.preorder_traversal(expr)):
        return FormChoice(_ROWS, Prose("the formula is written with row vectors"))
    if expr.has(rec.a_t) or _folded(expr, rec).has(rec.a_t):
        return FormChoice(_POST, Prose("σ' is taken at the step-t pre-activation"))
    if rec.activation.name in ("tanh", "sigmoid") and _through_state(expr, rec):
        body = 1 - ARG**2 if rec.activation.name == "tanh" else sp.Mul(ARG, 1 - ARG, evaluate=False)
        shown = ElementwiseApplyFunction(sp.Lambda(ARG, body), rec.x_t)  # in the report's state name
        return FormChoice(_POST, Prose.of(f"σ' is written through the current state, as {{s}} is for "
                                          f"{rec.activation.name}", s=shown), current=True)
    if any(isinstance(f, ElementwiseApplyFunction) and f.expr == rec.x_prev for f in sp.preorder_traversal(expr)):
        return FormChoice(_PRE, Prose("σ' is taken at the previous state"))
    return None


def _derivative_to_move(expr, rec: Recurrence):
    """The reading `AT_PRE_ACTIVATION` judges, or None when there is nothing to re-read.

    That binding reads the previous state as a_t. When the formula writes σ' at the current
    state instead (diag(f'(h_t)) W with ∂h_t/∂h_{t-1} on the left: σ' at the unit's output,
    not its input), those σ'(x_t) are moved to the previous state's place first, so that the
    binding takes them at a_t too, as it does the same formula read without a left side. σ'
    written through the state (1 − h_t²) is left alone: that is σ' of the current state's
    pre-activation already."""
    if expr.has(rec.x_prev):
        return expr
    moved = {f: ElementwiseApplyFunction(f.function, rec.x_prev) for f in sp.preorder_traversal(expr)
             if isinstance(f, ElementwiseApplyFunction) and f.expr == rec.x_t
             and any(isinstance(a, sp.Function) for a in sp.preorder_traversal(f.function.expr))}
    return expr.xreplace(moved) if moved else None


def infer_form(options: tuple[Translation, ...], rec: Recurrence) -> FormChoice | None:
    """The form every reading of the formula implies (see `check`), or None if they differ.

    A row gradient on the left (dh @ W.T) makes it the row-vector version of that form.
    """
    found = {_form_of(t, rec) for t in options}
    form = found.pop() if len(found) == 1 else None
    if form is not None and all(t.rows for t in options) and not FORMS[form.key].rows:
        form = FormChoice(form_key(FORMS[form.key].post, rows=True), Prose(
            form.reason.text + ", and the gradient is a row on the left, as row-vector code writes it",
            form.reason.math), form.current)
    return form


def check(text: str, activation: str | None = None, roles: Roles = Roles(),
          recurrence: str | None = None) -> CheckResult:
    """Judge the formula `text` as the one-step Jacobian ∂x_t/∂x_{t-1} of a recurrence.

    The main verdicts are for `recurrence` (`model.FORMS`), or, when it is None, the form the
    formula's own symbols imply (`infer_form`); each is the best over the formula's readings.
    Every other form, reading, layout and binding is judged too.

    Raises:
        InputError: malformed input (with its position), names without a role, a formula
            too large to judge, or an unknown recurrence.
    """
    claim = parse(text)
    act = infer_activation(claim, activation, roles)
    if recurrence is not None and recurrence not in FORMS:
        raise InputError(f"unknown recurrence {recurrence!r}; choose one of: {', '.join(FORMS)}")
    base = _model(act)
    options = claim_readings(claim, base, roles)
    guess = None if activation else _activation_of_polynomials(options, base)
    if guess:  # 1 − h², h(1 − h), σ(a)(1 − σ(a)): σ' written through a tanh's or sigmoid's values
        through = ("the state" if any(_through_state(_merged_diagonals(t.expr, base), base) for t in options)
                   else "σ's own values")
        act = ACTIVATIONS[guess]
        base = _model(act)
        options = tuple(replace(t, notes=t.notes + (Prose.of(
            f"the activation is taken to be {guess}, whose derivative the formula writes through "
            f"{through} (give --activation otherwise)"),)) for t in claim_readings(claim, base, roles))
    form = FormChoice(recurrence, Prose("the form asked for")) if recurrence else infer_form(options, base)
    if form is not None and form.current:  # the reading the form's reason assumes comes first
        options = tuple(sorted(options, key=lambda t: not any(
            c.key == "time" and c.option == "x_t" for c in t.choices)))
    judged = []
    for key, cell in FORMS.items():
        rec = _model(act, key)
        bindings = (AS_WRITTEN, AT_PRE_ACTIVATION) if cell.post else (AS_WRITTEN,)
        for t in options:
            for binding in bindings:
                expr = t.expr if binding is AS_WRITTEN else _derivative_to_move(t.expr, rec)
                if expr is None:
                    continue  # nothing to re-read
                for layout in Layout:  # (the transpose in one layout is the other layout)
                    v = judge(rec, expr, layout, binding)
                    judged.append(replace(v, reading=t))
    if form is None:  # undecided: the first column form in which some reading holds, else the first
        rows = all(t.rows for t in options)  # row-vector code: its row forms, else the column ones
        holds = {v.form for v in judged if v.holds and FORMS[v.form].rows == rows and v.binding == AS_WRITTEN.key}
        key = next((k for k, cell in FORMS.items() if cell.rows == rows and k in holds),
                   form_key(post=False, rows=rows))
        form = FormChoice(key, Prose("the formula's symbols do not decide"
                                     + ("; it holds in this form under one of its readings" if holds else
                                        "; the pre-activation form is the default")))
    main_rec = _model(act, form.key)
    # The main verdicts come from one reading: the first of those that hold best.
    def main_of(t):
        return {l: next(v for v in judged if v.form == form.key and v.layout is l and v.reading is t
                        and v.binding == AS_WRITTEN.key) for l in Layout}
    ranks = [[_RANK[v.status] for v in main_of(t).values()] for t in options]
    # A reading that assumes a shape the formula does not write (code's v * W with v a column
    # array (n, 1)) is listed among the readings, never the headline, when another exists.
    best = max(range(len(options)), key=lambda k: (not assumes_shape(options[k].choices),
                                                   max(ranks[k]), sum(ranks[k]), -k))
    reading = options[best]
    main = main_of(reading)
    settled = {(form.key, l) for l, v in main.items() if v.holds}  # nothing to add there
    others = tuple(v for v in judged if v.holds and (v.form, v.layout) not in settled
                   and not (v.form == form.key and v.binding == AS_WRITTEN.key and v.reading is reading))
    return CheckResult(text, claim, main_rec, form, reading.expr, reading.multi_step, reading.notes,
                       main, others, tuple(judged),
                       _bound(main_rec, reading.expr, _jacobian(main_rec)), reading,
                       truth_checked(main_rec, _jacobian(main_rec)))
