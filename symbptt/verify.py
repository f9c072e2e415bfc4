"""Re-verification of every step: each claim lhs = rhs checked by a route of its own.

* Matrix-level steps are evaluated explicitly (Jacobians differentiated entry by entry) at
  several concrete sizes, with m ≠ n so that a stray transpose cannot pass.
* Index-notation steps are evaluated symbolically for every n (sums and derivatives done,
  1 ≤ i, j ≤ n assumed) and must cancel; the component form is also expanded at n = 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .explicit import evaluate, mismatches
from .index import component, i, index_value
from .model import Recurrence, element
from .steps import Route, Step

#: Sizes (n, m) at which matrix-level steps are expanded.
SIZES = ((1, 2), (2, 3), (3, 2))
#: Sizes at which a cell's total-derivative steps (every name written out) are expanded.
CELL_TOTAL_SIZES = ((1, 2), (2, 3))


@dataclass(frozen=True)
class StepCheck:
    """Outcome of re-verifying one step."""

    route: str
    index: int
    rule: str
    method: str
    ok: bool
    detail: str = ""


class _Sides:
    """Each side of a step evaluated once: consecutive steps share a side, and the three
    routes share the recurrence's bindings."""

    def __init__(self, rec: Recurrence):
        self.rec = rec
        self._explicit: dict = {}
        self._index: dict = {}

    def env(self, size: tuple[int, int]):
        return self.rec.bindings(*size)  # built once per size by the recurrence

    def explicit(self, expr, where, size) -> sp.Matrix:
        key = (expr, where, size)
        if key not in self._explicit:
            self._explicit[key] = evaluate(expr, self.env(size), where)
        return self._explicit[key]

    def index(self, expr) -> sp.Expr:
        if expr not in self._index:
            self._index[expr] = index_value(expr, self.rec)
        return self._index[expr]


def _explicit_check(step: Step, sides: _Sides) -> str:
    """'' when lhs and rhs agree entrywise at every size in SIZES, else what differs."""
    for n, m in SIZES:
        bad = mismatches(sides.explicit(step.lhs, step.where, (n, m)),
                         sides.explicit(step.rhs, step.where, (n, m)))
        if bad:
            r, c, got, want = bad[0]
            return f"n={n}, m={m}: entry ({r},{c}) is {got} on the left, {want} on the right"
    return ""


def _index_check(step: Step, sides: _Sides) -> str:
    """'' when both sides agree symbolically for every n, else the difference."""
    left, right = sides.index(step.lhs), sides.index(step.rhs)
    diff = sp.expand(left - right)
    if diff != 0 and not left.dummy_eq(right) and sp.simplify(diff) != 0:
        return f"difference {diff} does not vanish"
    if step.rule == "component":
        return _component_check(sides)
    return ""


def _unroll(s: sp.Sum) -> sp.Expr:
    """A sum over a concrete range written out term by term (its definition; SymPy's doit
    would first look for a closed form)."""
    (k, lo, hi), = s.limits
    return sp.Add(*(s.function.xreplace({k: v}) for v in range(int(lo), int(hi) + 1)))


def _component_check(sides: _Sides, n: int = 3, m: int = 2) -> str:
    """Row i of the component form, summed at n = 3, equals row i of the expanded recurrence."""
    rec = sides.rec
    rows = sides.env((n, m))[rec.x_t]
    to_entry = lambda e: element(e.base.label.name, *map(int, e.indices))
    for r in range(1, n + 1):
        value = component(rec).xreplace({rec.n: n, rec.m: m, i: r})
        value = value.replace(lambda e: isinstance(e, sp.Sum), _unroll)
        value = value.replace(lambda e: isinstance(e, sp.Indexed), to_entry)
        if sp.expand(value - rows[r - 1]) != 0:
            return f"row {r} at n={n} differs from the expanded recurrence"
    return ""


def verify_routes(routes: tuple[Route, ...], rec: Recurrence) -> tuple[StepCheck, ...]:
    """Re-verify every step of every route; one StepCheck per step, in order."""
    sides = _Sides(rec)
    out = []
    for route in routes:
        for number, step in enumerate(route.steps, 1):
            if step.lhs.is_Matrix:
                method = "explicit at n = " + ", ".join(str(n) for n, _ in SIZES)
                detail = _explicit_check(step, sides)
            else:
                method = "symbolic, every n"
                detail = _index_check(step, sides)
            out.append(StepCheck(route.key, number, step.rule, method, not detail, detail))
    return tuple(out)


def verify_cell_routes(routes: tuple[Route, ...], cell) -> tuple[StepCheck, ...]:
    """Re-verify every matrix-level step of a cell's routes at the sizes in SIZES.

    The "partials" route is checked with every name an independent symbol (what a partial
    derivative holds fixed); every other route with every name written out as a function
    of the previous states (what a total derivative goes through).
    """
    cache: dict = {}
    envs: dict = {}  # one Env per (size, total): steps share its explicit subtrees

    def side(expr, where, size, total):
        key = (expr, where, size, total)
        if key not in cache:
            if (size, total) not in envs:
                envs[size, total] = cell.bindings(*size, total)
            cache[key] = evaluate(expr, envs[size, total], where)
        return cache[key]

    out = []
    for route in routes:
        total = route.key != "partials"
        # Written out in full, a gated cell's names grow fast with n: n = 1, 2 (m ≠ n) already
        # tell every transpose and every misplaced factor apart.
        sizes = CELL_TOTAL_SIZES if total else SIZES
        method = "explicit at n = " + ", ".join(str(n) for n, _ in sizes)
        for number, step in enumerate(route.steps, 1):
            detail = ""
            for size in sizes:
                bad = mismatches(side(step.lhs, step.where, size, total), side(step.rhs, step.where, size, total))
                if bad:
                    r, c, got, want = bad[0]
                    detail = f"n={size[0]}, m={size[1]}: entry ({r},{c}) is {got} on the left, {want} on the right"
                    break
            out.append(StepCheck(route.key, number, step.rule, method, not detail, detail))
    return tuple(out)
