"""The recurrence in its three forms: its symbols, and their entries.

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
from .errors import InputError

#: Symbolic dimensions: n the state size, m the input size.
N = sp.Symbol("n", integer=True, positive=True)
M = sp.Symbol("m", integer=True, positive=True)

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
class Form:
    """One way of writing the recurrence; `key` is what --recurrence takes."""

    key: str
    title: str


#: The forms, by key. Each is written with a column state x_t:
#:   pascanu  x_t = W σ(x_{t-1}) + W_in u_t + b        (pre-activation; Pascanu et al., eq. 2)
#:   elman    x_t = σ(a_t),  a_t = W x_{t-1} + W_in u_t + b   (post-activation)
#:   row      x_tᵀ = σ(x_{t-1})ᵀ W + u_tᵀ W_inᵀ + bᵀ     (row vectors, as code writes it)
FORMS: dict[str, Form] = {f.key: f for f in (
    Form("pascanu", "the pre-activation form of Pascanu et al., eq. 2"),
    Form("elman", "the post-activation (Elman) form"),
    Form("row", "the row-vector (code-style) convention"),
)}


@dataclass(frozen=True)
class Recurrence:
    """The recurrence in one of its `FORMS` (default: Pascanu's pre-activation form).

    Shapes: W n×n, W_in n×m, u_t m×1, b n×1, x_{t-1}, x_t and a_t n×1, with n and m
    positive integer symbols; `bindings(n, m)` gives explicit entries at a concrete size.
    """

    activation: Activation
    n: sp.Expr = N
    m: sp.Expr = M
    form: str = "pascanu"

    def __post_init__(self):
        if self.form not in FORMS:
            raise InputError(f"unknown recurrence {self.form!r}; choose one of: {', '.join(FORMS)}")

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
    def a_t(self):
        """The pre-activation of the post-activation form, W x_{t-1} + W_in u_t + b."""
        return self._matrix("a_t", self.n, 1)

    @cached_property
    def z(self):
        return self._matrix(Z, self.n, 1)

    @property
    def derivative_point(self) -> sp.MatrixSymbol:
        """Where σ' enters the one-step Jacobian: a_t in the post-activation form, else x_{t-1}."""
        return self.a_t if self.form == "elman" else self.x_prev

    def derivative_diag(self, v) -> sp.MatrixExpr:
        """diag(σ'(v)) for the n×1 matrix expression v (the identity when σ' ≡ 1)."""
        d = sp.diff(self.activation.apply(ARG), ARG)
        if d == 1:
            return sp.Identity(self.n)
        return sp.DiagMatrix(ElementwiseApplyFunction(sp.Lambda(ARG, d), v))

    def pre_activation(self):
        """W x_{t-1} + W_in u_t + b, n×1: what a_t stands for."""
        return sp.MatAdd(sp.MatMul(self.W, self.x_prev), sp.MatMul(self.W_in, self.u), self.b)

    def rhs(self):
        """x_t as an n×1 matrix expression of x_{t-1} (the row form transposed to a column)."""
        if self.form == "elman":
            return elementwise(self.activation, self.pre_activation())
        weight = sp.Transpose(self.W) if self.form == "row" else self.W
        return sp.MatAdd(
            sp.MatMul(weight, elementwise(self.activation, self.x_prev)),
            sp.MatMul(self.W_in, self.u),
            self.b,
        )

    def written(self) -> tuple[tuple, ...]:
        """The recurrence as a report writes it: ((lhs, rhs), …)."""
        if self.form == "elman":
            return ((self.x_t, elementwise(self.activation, self.a_t)), (self.a_t, self.pre_activation()))
        if self.form == "row":
            return ((sp.Transpose(self.x_t), sp.MatAdd(
                sp.MatMul(sp.Transpose(elementwise(self.activation, self.x_prev)), self.W),
                sp.MatMul(sp.Transpose(self.u), sp.Transpose(self.W_in)), sp.Transpose(self.b))),)
        return ((self.x_t, self.rhs()),)

    @cached_property
    def _bindings(self) -> dict:
        return {}

    def bindings(self, n: int, m: int) -> "Env":
        """Explicit 1-based entry matrices at n, m for every matrix symbol, x_t included.

        x_t maps to the expanded right-hand side, so a Jacobian of x_t differentiates the
        recurrence itself; a_t maps to the expanded pre-activation. Keys are this
        recurrence's (symbolic-size) matrix symbols. Built once per size; each call gets
        its own Env, which the caller may extend.
        """
        if (n, m) not in self._bindings:
            self._bindings[n, m] = self._bind(n, m)
        return self._bindings[n, m].copy()

    def _bind(self, n: int, m: int) -> "Env":
        env = Env({self.n: n, self.m: m})
        for s in (self.W, self.W_in, self.u, self.b, self.x_prev, self.z):
            rows, cols = (int(d) for d in env.size(s))
            env[s] = element_matrix(s.name, rows, cols, vector=s.shape[1] == 1)
        W, x = env[self.W], env[self.x_prev]
        env[self.a_t] = W * x + env[self.W_in] * env[self.u] + env[self.b]
        sigma = self.activation.apply
        if self.form == "elman":
            env[self.x_t] = env[self.a_t].applyfunc(sigma)
        else:
            weight = W.T if self.form == "row" else W
            env[self.x_t] = weight * x.applyfunc(sigma) + env[self.W_in] * env[self.u] + env[self.b]
        return env


class Env(dict):
    """Matrix symbol → explicit matrix, plus the concrete values of the dimension symbols."""

    def __init__(self, dims: dict):
        super().__init__()
        self.dims = dims
        #: (term, variable) → ∂term/∂variable: steps and routes evaluated in this Env
        #: differentiate the same terms again and again.
        self.partials: dict = {}

    def copy(self) -> "Env":
        """A new Env with the same entries and dims, sharing the (pure) partials memo."""
        other = Env(self.dims)
        other.update(self)
        other.partials = self.partials
        return other

    def size(self, expr) -> tuple[int, int]:
        """The concrete shape of a (symbolic-shape) matrix expression."""
        return tuple(int(sp.sympify(d).xreplace(self.dims)) for d in expr.shape)
