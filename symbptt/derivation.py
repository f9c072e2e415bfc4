"""`derive()`: the three routes, both layouts, the expansion and the numeric check, together.

This is the engine's front door; it holds no LaTeX. Reports are made from a `Derivation`
by `symbptt.render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .activations import Activation, get_activation
from .denominator import denominator_route
from .errors import InputError
from .expand import Expansion, expand
from .index import index_route
from .layout import Layout, parse_layouts
from .matrix import matrix_route
from .model import DEFAULT_FORM, Recurrence
from .numeric import NumericCheck, numeric_check
from .steps import Route
from .verify import StepCheck, verify_routes

#: Largest explicit expansion accepted (n² entries are differentiated and compared).
MAX_DIM = 1024
#: The numeric check runs at min(dim, this): finite differences cost O(n³) in mpmath.
NUMERIC_MAX_DIM = 6


@dataclass(frozen=True)
class Derivation:
    """∂x_t/∂x_{t-1} for one activation: routes, results per layout, and their checks.

    Attributes:
        recurrence: the recurrence at symbolic n, m.
        layouts: the layouts the user asked for, numerator first.
        routes: "matrix" and "index" (numerator layout), "denominator".
        expansion: the explicit n×n expansion, or None when no dim was given.
        numeric: the finite-difference check, or None when no dim was given.
        checks: one re-verification per step of every route.
    """

    recurrence: Recurrence
    layouts: tuple[Layout, ...]
    routes: tuple[Route, ...]
    expansion: Expansion | None
    numeric: NumericCheck | None
    checks: tuple[StepCheck, ...]

    @property
    def activation(self) -> Activation:
        return self.recurrence.activation

    def route(self, key: str) -> Route:
        return next(r for r in self.routes if r.key == key)

    def result(self, layout: Layout | str = Layout.NUMERATOR) -> sp.MatrixExpr:
        """The closed form, n×n, in `layout`: W·diag(σ'(x_{t-1})) or diag(σ'(x_{t-1}))·Wᵀ."""
        key = "denominator" if Layout.parse(layout) is Layout.DENOMINATOR else "matrix"
        return self.route(key).result

    @cached_property
    def pascanu(self):
        """Pascanu et al.'s Wᵀ diag(σ'(x_{t-1})) against this Jacobian (a `pascanu.Pascanu`),
        computed on first use: only reports need it."""
        from .pascanu import pascanu  # pascanu depends on this module
        return pascanu(self)

    # Display (to_markdown, to_latex, _repr_markdown_, _repr_latex_) is attached by
    # symbptt.render, which `import symbptt` loads: the engine never imports the renderer.

    @cached_property
    def statements(self) -> dict:
        """Every equation a report states besides the routes' steps, as `Fact`s with how
        each was verified: the recurrence (a definition; the row form's column version
        checked explicitly), σ's derivative (checked against SymPy's), the layout
        definitions, and the result per layout (the routes, expansion and numeric check)."""
        from .explicit import explicit, mismatches
        from .layout import Jacobian, definition
        from .model import ARG
        from .steps import Fact

        rec, act = self.recurrence, self.activation
        column = None
        if rec.cell.rows:
            (lhs, rhs), *_ = rec.written()
            env = rec.bindings(2, 3)
            ok = not mismatches(explicit(rec.rhs(), env), explicit(sp.Transpose(rhs), env))
            column = Fact(rec.x_t, rec.rhs(), "both sides transposed; explicit at n = 2", ok=ok)
        stated = act.derivative(ARG)
        derivative = Fact(sp.Derivative(act.apply(ARG), ARG), stated,
                          "SymPy's derivative of the activation, compared",
                          ok=sp.expand(sp.diff(act.apply(ARG), ARG) - stated) == 0)
        how = "the routes below" + (", the explicit expansion and the numeric check" if self.expansion else "")
        return {
            "recurrence": tuple(Fact(l, r, "definition") for l, r in rec.written()),
            "column": column,
            "derivative": derivative,
            "definitions": {layout: Fact(definition(layout).lhs, definition(layout).rhs, "definition")
                            for layout in Layout},
            "results": {layout: Fact(Jacobian(rec.x_t, rec.x_prev, layout), self.result(layout), how,
                                     ok=self.verified) for layout in Layout},
        }

    @property
    def verified(self) -> bool:
        """Every step re-verified, the expansion matched and the numeric check passed."""
        return (
            all(c.ok for c in self.checks)
            and (self.expansion is None or self.expansion.verified)
            and (self.numeric is None or self.numeric.passed)
        )


def _dimension(value, name: str, allow_none: bool) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DIM:
        raise InputError(
            f"{name} must be a whole number from 1 to {MAX_DIM}"
            + (" (or None for symbolic n only)" if name == "dim" else "")
            + f", got {value!r}"
        )
    return value


def derive(
    activation: str = "sigma",
    dim: int | None = 2,
    layout: str | Layout = "both",
    inputs: int | None = None,
    seed: int = 0,
    progress=None,
    recurrence: str = DEFAULT_FORM,
) -> Derivation:
    """Derive ∂x_t/∂x_{t-1} for the recurrence (default x_t = W σ(x_{t-1}) + W_in u_t + b).

    Args:
        activation: a key of `ACTIVATIONS` (sigma, tanh, sigmoid, relu, identity).
        dim: n for the explicit expansion and numeric check, or None for symbolic n only.
        layout: "numerator", "denominator" or "both" (which results a report shows).
        inputs: m, the input size of the expansion; default dim + 1 (W_in non-square).
        seed: seed of the numeric check's random values.
        progress: optional callback(done, total) as the expansion's entries are verified.
        recurrence: the key of a form in `model.FORMS`: "pascanu" (x_t = W σ(x_{t-1}) + …),
            "elman" (x_t = σ(W x_{t-1} + …)), "row" (x_tᵀ = σ(x_{t-1})ᵀ W + …) or
            "row-elman" (x_tᵀ = σ(x_{t-1}ᵀ W + …)).

    Returns:
        A `Derivation`; `result(layout)` is n×n: W·diag(σ'(x_{t-1})) in numerator layout,
        diag(σ'(x_{t-1}))·Wᵀ in denominator layout.

    Raises:
        InputError: unknown activation, layout or recurrence, or a dimension outside 1..MAX_DIM.
    """
    act = get_activation(activation)
    layouts = parse_layouts(layout)
    n = _dimension(dim, "dim", allow_none=True)
    m = _dimension(inputs, "inputs", allow_none=True)
    if m is None and n is not None:
        m = n + 1
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"seed must be a whole number, got {seed!r}")

    rec = Recurrence(act, form=recurrence)
    matrix = matrix_route(rec)
    routes = (matrix, index_route(rec, matrix.result), denominator_route(rec, matrix.result))
    checks = verify_routes(routes, rec)
    expansion = numeric = None
    if n is not None:
        expansion = expand(rec, matrix.result, n, m, progress)
        k = min(n, NUMERIC_MAX_DIM)
        numeric = numeric_check(rec, matrix.result, k, m if n <= NUMERIC_MAX_DIM else k + 1, seed)
    return Derivation(rec, layouts, routes, expansion, numeric, checks)
