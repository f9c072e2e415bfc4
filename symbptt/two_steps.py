"""A product over two steps, ∂x_t/∂x_{t-2} = J_t J_{t-1}, judged factor by factor.

`lint` meets products over steps written out factor by factor (σ'(t) W ⋯ σ'(t-k+1) W); when
their factors are not one factor repeated at each step, there is no one-step Jacobian to
judge, so the product itself is judged at two steps, against the recurrence composed twice
and differentiated entry by entry (not against symbptt's own one-step Jacobians).

Each factor comes as a one-step formula, `\\frac{∂h_t}{∂h_{t-1}} = F`, with the step it sits
at (0: t, −1: t−1, None: no step, as W²): check's grammar reads F at step t, and its symbols
are then bound to the values at its own step of a two-step trajectory. Every form of the
recurrence × every reading of each factor (at most MAX_COMBINATIONS) is judged, in both
layouts, at n = 1, 2, 3: structurally first, and a refutation is confirmed at random values.
Nothing is evaluated from the text: it is parsed by `grammar.parse`.
"""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .activations import ACTIVATIONS
from .check import _activation_of_polynomials, _model as check_model
from .claim import Roles, infer_activation, readings
from .errors import InputError
from .explicit import explicit, jacobian_entries, mismatches
from .grammar import parse
from .layout import Layout
from .model import FORMS, Recurrence, element
from .numeric import random_values

SIZES = (1, 2, 3)
SEEDS = (0, 1, 2)
MAX_COMBINATIONS = 24
TOLERANCE = mpmath.mpf("1e-20")


@dataclass(frozen=True)
class _Reading:
    """A factor's reading, as check's activation guess takes it."""

    expr: sp.MatrixExpr


@dataclass(frozen=True)
class TwoStepVerdict:
    """Where the product holds: (form, layout) pairs; and, for the main form, a differing
    entry when it holds in neither layout: (n, i, j, claim value, true value) in numerator
    layout."""

    form: str
    holds: frozenset  # of Layout, for `form`
    elsewhere: tuple  # ((form, Layout), …): other forms where it holds
    counterexample: tuple | None = None
    #: holding in neither layout, what would make it hold: "symmetric" (W = Wᵀ: only its
    #: transposes are wrong), "diagonal" (W commuting with the diagonal matrices: its factors
    #: are in the wrong order, σ'(t) σ'(t-1) W² for σ'(t) W σ'(t-1) W), or None
    would_hold_if: str | None = None


def _model(activation: str, form: str) -> Recurrence:
    """`check`'s model of the form, so that both share its bindings in one process."""
    return check_model(ACTIVATIONS[activation], form)


@functools.lru_cache(maxsize=32)
def _trajectory(rec: Recurrence, n: int):
    """(env at step t−1, env at step t, the two-step Jacobian ∂x_t/∂x_{t-2}, numerator).

    Step t−1 is `rec`'s own bindings (x_prev = x_{t-2}); step t has its own input u_t and
    x_prev bound to step t−1's x_t: the recurrence composed twice."""
    before = rec.bindings(n, n + 1)
    fresh = {e: element("u2", k + 1) for k, e in enumerate(before[rec.u])}
    link = dict(zip(before[rec.x_prev], before[rec.x_t]))
    now = before.copy()
    for symbol, value in before.items():
        now[symbol] = value.xreplace(fresh).xreplace(link)
    now[rec.x_prev] = before[rec.x_t]
    truth = jacobian_entries(list(now[rec.x_t]), list(before[rec.x_prev]))
    return before, now, truth


def _values(rec: Recurrence, n: int, seed: int) -> dict:
    before = rec.bindings(n, n + 1)
    rng = random.Random(seed)
    values = random_values(rec, before, rng)
    for k in range(n + 1):
        values[element("u2", k + 1)] = sp.Rational(rng.randint(-1000, 1000), 1000)
    return values


def _number(rec: Recurrence, entry, values) -> mpmath.mpf:
    value = rec.activation.numeric_form(sp.sympify(entry)).xreplace(values)
    return mpmath.mpf(sp.N(value, 40))


def _refuted(rec, n, claim, truth):
    """(i, j, claim value, true value) where claim and truth differ at random values; None
    when they agree at every seed (equal, though not structurally)."""
    with mpmath.workdps(40):
        for seed in SEEDS:
            values = _values(rec, n, seed)
            for i in range(n):
                for j in range(n):
                    if claim[i, j] == truth[i, j]:
                        continue
                    a, b = _number(rec, claim[i, j], values), _number(rec, truth[i, j], values)
                    if abs(a - b) > TOLERANCE:
                        return i + 1, j + 1, float(a), float(b)
    return None


def _holds(rec: Recurrence, factors, layout: Layout):
    """None if the product of `factors` ((expr, step), …) is ∂x_t/∂x_{t-2} in `layout`, else
    (n, i, j, claim value, true value)."""
    for n in SIZES:
        before, now, truth = _trajectory(rec, n)
        if layout is Layout.DENOMINATOR:
            truth = truth.T
        claim = _product(rec, factors, n)
        if not mismatches(claim, truth):
            continue
        bad = _refuted(rec, n, claim, truth)
        if bad is not None:
            return (n, *bad)
    return None


def _product(rec: Recurrence, factors, n: int) -> sp.Matrix:
    before, now, _ = _trajectory(rec, n)
    claim = sp.eye(n)
    for expr, step in factors:
        claim = claim * explicit(expr, before if step == -1 else now)
    return claim


def _with_W(rec: Recurrence, factors, layout: Layout, kind: str) -> bool:
    """Whether the product is ∂x_t/∂x_{t-2} in `layout` once W is diagonal or symmetric
    (`kind`), at n = 2, 3."""
    for n in (2, 3):
        W = rec.bindings(n, n + 1)[rec.W]
        if kind == "diagonal":
            special = {W[i, j]: 0 for i in range(n) for j in range(n) if i != j}
        else:
            special = {W[i, j]: W[j, i] for i in range(n) for j in range(n) if i > j}
        truth = _trajectory(rec, n)[2]
        truth = truth.T if layout is Layout.DENOMINATOR else truth
        if mismatches(_product(rec, factors, n).xreplace(special), truth.xreplace(special)):
            return False
    return True


def _translations(state: str, factors, rec: Recurrence, roles):
    """Each factor's readings at step t, with its step."""
    lhs = f"\\frac{{\\partial {state}_{{t}}}}{{\\partial {state}_{{t-1}}}} = "
    out = []
    for text, step in factors:
        try:
            found = readings(parse(lhs + text), rec, roles)
        except InputError as exc:
            # a vector standing alone as a factor (σ'(t) in σ'(t) σ'(t-1) W²) is its diagonal matrix
            try:
                found = readings(parse(lhs + f"\\operatorname{{diag}}\\left({text}\\right)"), rec, roles)
            except InputError:
                raise exc from None
        out.append([(t.expr, step) for t in found])
    return out


def judge_two_steps(factors: tuple, state: str = "h", activation: str | None = None,
                    recurrence: str | None = None) -> TwoStepVerdict:
    """The product of `factors` ((text, step), … with step 0, −1 or None), as ∂x_t/∂x_{t-2}.

    Raises InputError when a factor cannot be read."""
    if not factors:
        raise InputError("a product with no factor")
    if activation is None:
        found = {infer_activation(parse(text), None).name for text, _ in factors}
        found.discard("sigma")
        if not found:  # σ' written through the state, 1 − h² or h(1 − h), as check reads it
            base = _model("sigma", next(iter(FORMS)))
            for options in _translations(state, factors, base, Roles()):
                guess = _activation_of_polynomials([_Reading(e) for e, _ in options], base)
                if guess:
                    found.add(guess)
        if len(found) > 1:
            raise InputError(f"the product mixes activations ({', '.join(sorted(found))}); declare one")
        activation = found.pop() if found else "sigma"
    if recurrence is not None and recurrence not in FORMS:
        raise InputError(f"unknown recurrence {recurrence!r}; choose one of: {', '.join(FORMS)}")
    keys = [recurrence] if recurrence else list(FORMS)
    holds: dict = {}
    example: dict = {}
    combinations: dict = {}
    for key in keys:
        rec = _model(activation, key)
        options = _translations(state, factors, rec, Roles())
        combinations[key] = list(itertools.islice(itertools.product(*options), MAX_COMBINATIONS))
        for layout in Layout:
            for combination in combinations[key]:
                bad = _holds(rec, combination, layout)
                if bad is None:
                    holds.setdefault(key, set()).add(layout)
                    break
                if (key, layout) not in example or bad[0] > example[key, layout][0]:
                    example[key, layout] = bad  # the reading that holds longest
    main = recurrence or next((k for k in keys if k in holds), keys[0])
    elsewhere = tuple((k, l) for k in keys if k != main for l in Layout if l in holds.get(k, ()))
    mine = frozenset(holds.get(main, ()))
    would = None
    for kind in ("symmetric", "diagonal") if not mine else ():
        if any(_with_W(_model(activation, main), c, l, kind) for c in combinations[main] for l in Layout):
            would = kind
            break
    return TwoStepVerdict(main, mine, elsewhere,
                          None if mine else example.get((main, Layout.NUMERATOR)), would)
