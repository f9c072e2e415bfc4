"""Layouts and the Jacobian node: the one place in symbptt that transposes.

For y ∈ R^p and x ∈ R^q:

* numerator layout ("Jacobian formulation"): a p×q matrix, entry (i, j) = ∂y_i/∂x_j.
  ∂(A x)/∂x = A. torch, jax and SymPy's ``Matrix.jacobian`` use it.
* denominator layout ("Hessian formulation"): its transpose, q×p, entry (i, j) = ∂y_j/∂x_i.
  ∂(A x)/∂x = Aᵀ. SymPy's ``MatrixSymbol.diff`` and ``derive_by_array`` use it.

Every Jacobian symbptt computes is built in numerator layout and passes through
`to_layout` to reach the denominator one.
"""

from __future__ import annotations

import enum
from typing import Callable

import sympy as sp
from sympy.core.symbol import Str
from sympy.matrices.expressions.matexpr import MatrixExpr

from .errors import InputError


class Layout(enum.Enum):
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"

    @classmethod
    def parse(cls, value: "str | Layout") -> "Layout":
        """The layout named `value`; raises InputError naming the accepted values."""
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise InputError(f"unknown layout {value!r}; choose one of: {names}") from None


def parse_layouts(value: "str | Layout | tuple") -> tuple[Layout, ...]:
    """`'both'` → both layouts (numerator first); a single name or a tuple of names."""
    if value == "both":
        return (Layout.NUMERATOR, Layout.DENOMINATOR)
    if isinstance(value, (tuple, list)):
        return tuple(dict.fromkeys(Layout.parse(v) for v in value))
    try:
        return (Layout.parse(value),)
    except InputError:
        raise InputError(
            f"unknown layout {value!r}; choose one of: numerator, denominator, both"
        ) from None


class Jacobian(MatrixExpr):
    """The unevaluated Jacobian ∂f/∂x of column vectors f (p×1) and x (q×1).

    ``Jacobian(f, x)`` is numerator layout (p×q, entry (i, j) = ∂f_i/∂x_j);
    ``Jacobian(f, x, Layout.DENOMINATOR)`` is its transpose (q×p). The layout is part of
    the node, so a printed step always says which one it means.
    """

    def __new__(cls, f, x, layout: Layout = Layout.NUMERATOR):
        if f.shape[1] != 1 or x.shape[1] != 1:
            raise ValueError(f"Jacobian needs column vectors, got {f.shape} and {x.shape}")
        if isinstance(layout, Str):  # rebuilt from args by SymPy
            layout = layout.name
        return super().__new__(cls, f, x, Str(Layout.parse(layout).value))

    @property
    def f(self):
        return self.args[0]

    @property
    def x(self):
        return self.args[1]

    @property
    def layout(self) -> Layout:
        return Layout(self.args[2].name)

    @property
    def shape(self):
        p, q = self.f.shape[0], self.x.shape[0]
        return (p, q) if self.layout is Layout.NUMERATOR else (q, p)

    def _entry(self, i, j, **kwargs):
        if self.layout is Layout.DENOMINATOR:
            i, j = j, i  # denominator entry (i, j) is ∂f_j/∂x_i
        return sp.Derivative(self.f[i, 0], self.x[j, 0])


class TotalJacobian(Jacobian):
    """dv/dx for a named quantity v of a cell: through everything v depends on (the chain
    rule through the cell's intermediates), where `Jacobian` of an expression holds the other
    names fixed. Same shapes and layouts as `Jacobian`."""


def to_layout(numerator, layout: Layout):
    """A numerator-layout Jacobian in `layout`: unchanged, or transposed.

    Works on matrix expressions (giving an unevaluated ``Transpose``) and on explicit
    matrices alike. This is the only function in symbptt that converts layouts.
    """
    if Layout.parse(layout) is Layout.NUMERATOR:
        return numerator
    if isinstance(numerator, sp.MatrixBase):
        return numerator.T
    return sp.Transpose(numerator)


class Entry(sp.Expr):
    """[A]_ij: the 1-based entry (i, j) of the matrix expression A, unevaluated."""

    def __new__(cls, matrix, row, col):
        return super().__new__(cls, matrix, sp.sympify(row), sp.sympify(col))

    @property
    def matrix(self):
        return self.args[0]

    def value(self, evaluate: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
        """SymPy's own entry of the matrix expression, rebased to 1-based indexed objects.

        SymPy indexes matrix expressions from 0, so A[i-1, j-1] is asked for, done by
        `evaluate`, and every MatrixSymbol entry M[a, b] comes back as the Indexed M[a+1, b+1].
        """
        A, r, c = self.args
        # _entry, not A[r - 1, c - 1]: __getitem__ would first ask the assumptions system
        # whether 0 ≤ r - 1 < rows, which for symbols is slow and settles nothing.
        raw = evaluate(A._entry(r - 1, c - 1))
        rebased = raw.replace(
            lambda e: isinstance(e, sp.matrices.expressions.matexpr.MatrixElement)
            and isinstance(e.parent, sp.MatrixSymbol),
            lambda e: _indexed(e.parent, e.i + 1, e.j + 1),
        )
        return rebased


def _indexed(matrix: sp.MatrixSymbol, r, c) -> sp.Indexed:
    base = sp.IndexedBase(matrix.name)
    return base[r] if matrix.shape[1] == 1 else base[r, c]


def definition(layout: Layout) -> sp.Eq:
    """The defining equation of `layout` for y ∈ R^p, x ∈ R^q, entry (i, j)."""
    p, q = sp.symbols("p q", integer=True, positive=True)
    i, j = sp.symbols("i j", integer=True, positive=True)
    y, x = sp.MatrixSymbol("y", p, 1), sp.MatrixSymbol("x", q, 1)
    Y, X = sp.IndexedBase("y"), sp.IndexedBase("x")
    if Layout.parse(layout) is Layout.NUMERATOR:
        return sp.Eq(Entry(Jacobian(y, x), i, j), sp.Derivative(Y[i], X[j]), evaluate=False)
    return sp.Eq(Entry(Jacobian(y, x, layout), i, j), sp.Derivative(Y[j], X[i]), evaluate=False)
