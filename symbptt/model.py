"""The recurrence x_t = W σ(x_{t-1}) + W_in u_t + b: its symbols, and their entries.

Matrices are MatrixSymbols of symbolic size, keyed by role ("W", "x_prev", ...); how a
role prints is the printer's business. At a concrete size (`Recurrence.bindings`) entries
are 1-based symbols named ``"W[1,2]"``, ``"x_prev[1]"``, so that expansions read like the
hand calculation they replace.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .activations import Activation

#: Symbolic dimensions: n the state size, m the input size.
N = sp.Symbol("n", integer=True, positive=True)
M = sp.Symbol("m", integer=True, positive=True)

#: Roles of the recurrence's objects, in the order they are introduced in a report.
ROLES = ("x_t", "x_prev", "W", "W_in", "u_t", "b")
#: The bound variable of every elementwise function. A fixed symbol, not a Dummy, so that
#: `srepr` of a result is the same in every run.
ARG = sp.Symbol("s", real=True)
#: An auxiliary vector the chain rule introduces (z = σ(x_{t-1})).
Z = "z"


def element(role: str, i: int, j: int | None = None) -> sp.Symbol:
    """The 1-based entry (i, j) of matrix `role`, or entry i of vector `role`."""
    name = f"{role}[{i}]" if j is None else f"{role}[{i},{j}]"
    return sp.Symbol(name, real=True)


def element_matrix(role: str, rows: int, cols: int, vector: bool | None = None) -> sp.Matrix:
    """An explicit rows×cols matrix of entry symbols.

    `vector` says whether `role` is a vector (entries x[i]) or a matrix (entries W[i,j]);
    by default, whether cols == 1. A 1×1 W at n = 1 is still a matrix.
    """
    if vector if vector is not None else cols == 1:
        return sp.Matrix(rows, 1, [element(role, i + 1) for i in range(rows)])
    return sp.Matrix(rows, cols, lambda i, j: element(role, i + 1, j + 1))


def elementwise(activation: Activation, v):
    """σ applied to each entry of the matrix expression `v` (`v` itself for the identity)."""
    body = activation.apply(ARG)
    return v if body == ARG else ElementwiseApplyFunction(sp.Lambda(ARG, body), v)


@dataclass(frozen=True)
class Recurrence:
    """x_t = W σ(x_{t-1}) + W_in u_t + b.

    Shapes: W n×n, W_in n×m, u_t m×1, b n×1, x_{t-1} and x_t n×1, with n and m positive
    integer symbols; `bindings(n, m)` gives explicit entries at a concrete size.
    """

    activation: Activation
    n: sp.Expr = N
    m: sp.Expr = M

    def _matrix(self, role: str, rows, cols) -> sp.MatrixSymbol:
        return sp.MatrixSymbol(role, rows, cols)

    @cached_property
    def W(self):
        return self._matrix("W", self.n, self.n)

    @cached_property
    def W_in(self):
        return self._matrix("W_in", self.n, self.m)

    @cached_property
    def u(self):
        return self._matrix("u_t", self.m, 1)

    @cached_property
    def b(self):
        return self._matrix("b", self.n, 1)

    @cached_property
    def x_prev(self):
        return self._matrix("x_prev", self.n, 1)

    @cached_property
    def x_t(self):
        return self._matrix("x_t", self.n, 1)

    @cached_property
    def z(self):
        return self._matrix(Z, self.n, 1)

    def rhs(self):
        """The right-hand side W σ(x_{t-1}) + W_in u_t + b, an n×1 matrix expression."""
        return sp.MatAdd(
            sp.MatMul(self.W, elementwise(self.activation, self.x_prev)),
            sp.MatMul(self.W_in, self.u),
            self.b,
        )

    def bindings(self, n: int, m: int) -> "Env":
        """Explicit 1-based entry matrices at n, m for every matrix symbol, x_t included.

        x_t maps to the expanded right-hand side, so a Jacobian of x_t differentiates the
        recurrence itself. Keys are this recurrence's (symbolic-size) matrix symbols.
        """
        env = Env({self.n: n, self.m: m})
        for s in (self.W, self.W_in, self.u, self.b, self.x_prev, self.z):
            rows, cols = (int(d) for d in env.size(s))
            env[s] = element_matrix(s.name, rows, cols, vector=s.shape[1] == 1)
        sigma_x = env[self.x_prev].applyfunc(self.activation.apply)
        env[self.x_t] = env[self.W] * sigma_x + env[self.W_in] * env[self.u] + env[self.b]
        return env


class Env(dict):
    """Matrix symbol → explicit matrix, plus the concrete values of the dimension symbols."""

    def __init__(self, dims: dict):
        super().__init__()
        self.dims = dims

    def size(self, expr) -> tuple[int, int]:
        """The concrete shape of a (symbolic-shape) matrix expression."""
        return tuple(int(sp.sympify(d).xreplace(self.dims)) for d in expr.shape)
