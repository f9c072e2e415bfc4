"""Where the published variants of a cell differ: their Jacobians at one shared instance.

Cells of one family (`Cell.family`) are evaluated at the same seeded values (a symbol
both use gets the same value) and their numerator-layout Jacobians compared entry by
entry: a computed counterexample, not an assertion, that the variants' Jacobians differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .cell import Cell
from .cell_derivation import jacobian_at
from .cells import CELLS
from .chain import chain

#: The comparison's size (a 2×2 block per state pair) and its significant digits shown.
N_COMPARE, DIGITS_SHOWN = 2, 4


@dataclass(frozen=True)
class Comparison:
    """This cell's and a variant's Jacobian at one instance (numerator layout, n = 2)."""

    key: str
    title: str
    convention: object  # steps.Prose
    own: sp.Matrix
    other: sp.Matrix
    differing: int  # entries that differ by more than 1e-12
    largest: float  # the largest |difference|


def _matrix(values: list) -> sp.Matrix:
    return sp.Matrix([[sp.Float(float(x), DIGITS_SHOWN) for x in row] for row in values])


def compare_variants(cell: Cell, seed: int = 0) -> tuple[Comparison, ...]:
    """`cell` against every other cell of its family at the seeded instance, n = 2, m = 3."""
    others = [c for c in CELLS.values()
              if c.family and c.family == cell.family and c.key != cell.key and c.states == cell.states]
    if not others:
        return ()
    own = jacobian_at(chain(cell), N_COMPARE, N_COMPARE + 1, seed)
    out = []
    for other in others:
        theirs = jacobian_at(chain(other), N_COMPARE, N_COMPARE + 1, seed)
        diffs = [abs(a - b) for ra, rb in zip(own, theirs) for a, b in zip(ra, rb)]
        out.append(Comparison(other.key, other.title, other.convention, _matrix(own), _matrix(theirs),
                              sum(d > 1e-12 for d in diffs), float(max(diffs))))
    return tuple(out)
