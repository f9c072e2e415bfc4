"""Route 3: explicit element expansion at a concrete n, verified entry by entry.

Every entry of the n×n Jacobian of the expanded recurrence is differentiated, then compared
with the same entry of the closed form expanded; entries that differ are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .explicit import explicit, jacobian_entries, mismatches
from .layout import Layout, to_layout
from .model import Recurrence


@dataclass(frozen=True)
class Expansion:
    """The explicit Jacobian at size n (inputs m) beside the expanded closed form.

    `jacobian` and `closed_form` are n×n in numerator layout (entry (i, j) = ∂[x_t]_i/∂[x_{t-1}]_j);
    `in_layout` gives either in another layout. `mismatches` lists (i, j, got, expected),
    1-based, for every entry that differs: empty means verified.
    """

    recurrence: Recurrence
    n: int
    m: int
    state: sp.Matrix
    jacobian: sp.Matrix
    closed_form: sp.Matrix
    mismatches: tuple[tuple[int, int, sp.Expr, sp.Expr], ...]


    @property
    def entries(self) -> int:
        return self.jacobian.rows * self.jacobian.cols

    @property
    def verified(self) -> bool:
        return not self.mismatches

    def in_layout(self, layout: Layout) -> tuple[sp.Matrix, sp.Matrix]:
        """(differentiated Jacobian, expanded closed form), both in `layout`."""
        return to_layout(self.jacobian, layout), to_layout(self.closed_form, layout)


def expand(rec: Recurrence, closed_form, n: int, m: int) -> Expansion:
    """Differentiate every entry of x_t at size n×n and compare with `closed_form` expanded.

    `closed_form` is the numerator-layout matrix expression (symbolic n) to check.
    """
    env = rec.bindings(n, m)
    state = env[rec.x_t]
    J = jacobian_entries(list(state), list(env[rec.x_prev]))
    closed = explicit(closed_form, env)
    return Expansion(rec, n, m, state, J, closed, tuple(mismatches(J, closed)))
