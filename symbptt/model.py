"""The recurrence in each of its forms (a table of cells as data): its symbols, and their entries.

Matrices are MatrixSymbols of symbolic size, keyed by role ("W", "x_prev", ...); how a
role prints is the printer's business. At a concrete size (`Recurrence.bindings`) entries
are 1-based symbols named ``"W[1,2]"``, ``"x_prev[1]"``, so that expansions read like the
hand calculation they replace.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .activations import Activation
from .errors import InputError
from .explicit import derivative, matrix, product

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
        return matrix(rows, 1, [element(role, i + 1) for i in range(rows)])
    return matrix(rows, cols, [element(role, i + 1, j + 1) for i in range(rows) for j in range(cols)])


def elementwise(activation: Activation, v):
    """σ applied to each entry of the matrix expression `v` (`v` itself for the identity)."""
    body = activation.apply(ARG)
    return v if body == ARG else ElementwiseApplyFunction(sp.Lambda(ARG, body), v)


def _written_column(rec: "Recurrence") -> tuple[tuple, ...]:
    """A column form as written: x_t = σ(a_t), a_t = … (post-activation), else x_t = rhs."""
    if rec.cell.post:
        return ((rec.x_t, elementwise(rec.activation, rec.a_t)), (rec.a_t, rec.pre_activation()))
    return ((rec.x_t, rec.rhs()),)


def _row_pre_activation(rec: "Recurrence"):
    """x_{t-1}ᵀ W + u_tᵀ W_inᵀ + bᵀ (1×n): the row-vector pre-activation, W as code stores it."""
    T = sp.Transpose
    return sp.MatAdd(sp.MatMul(T(rec.x_prev), rec.W), sp.MatMul(T(rec.u), T(rec.W_in)), T(rec.b))


def _written_rows(rec: "Recurrence") -> tuple[tuple, ...]:
    """A row-vector form as code writes it: x_tᵀ = σ(x_{t-1}ᵀ W + …) through a_tᵀ
    (post-activation), else x_tᵀ = σ(x_{t-1})ᵀ W + u_tᵀ W_inᵀ + bᵀ."""
    T = sp.Transpose
    if rec.cell.post:
        return ((T(rec.x_t), elementwise(rec.activation, T(rec.a_t))), (T(rec.a_t), _row_pre_activation(rec)))
    return ((T(rec.x_t), sp.MatAdd(
        sp.MatMul(T(elementwise(rec.activation, rec.x_prev)), rec.W),
        sp.MatMul(T(rec.u), T(rec.W_in)), T(rec.b))),)


@dataclass(frozen=True)
class Form:
    """One cell of the recurrence library, as data; `key` is what --recurrence takes.

    Every route reads these fields, never the key:

    * `post`: σ is applied to the step-t pre-activation a_t = W' x_{t-1} + W_in u_t + b
      (post-activation, x_t = σ(a_t)); otherwise to the previous state
      (pre-activation, x_t = W' σ(x_{t-1}) + W_in u_t + b);
    * `rows`: states are stored as rows, x_tᵀ = … x_{t-1}ᵀ W …, so that in the column form
      every route differentiates the recurrent matrix enters transposed, W' = Wᵀ (else W' = W);
    * `title`: how a report names the form;
    * `written`: how a report writes it, ((lhs, rhs), …) from a `Recurrence` of this form
      (by default the column form itself).
    """

    key: str
    title: str
    post: bool = False
    rows: bool = False
    written: Callable[["Recurrence"], tuple] = _written_column


#: The forms, by key. In the column form every route differentiates (W' = Wᵀ with `rows`):
#:   pascanu    x_t = W σ(x_{t-1}) + W_in u_t + b        (pre-activation; Pascanu et al., eq. 2)
#:   elman      x_t = σ(a_t),  a_t = W x_{t-1} + W_in u_t + b   (post-activation)
#:   row        x_tᵀ = σ(x_{t-1})ᵀ W + u_tᵀ W_inᵀ + bᵀ     (row vectors, as code writes it)
#:   row-elman  x_tᵀ = σ(x_{t-1}ᵀ W + u_tᵀ W_inᵀ + bᵀ)     (post-activation with row vectors)
FORMS: dict[str, Form] = {f.key: f for f in (
    Form("pascanu", "the pre-activation form of Pascanu et al., eq. 2"),
    Form("elman", "the post-activation (Elman) form", post=True),
    Form("row", "the row-vector (code-style) convention", rows=True, written=_written_rows),
    Form("row-elman", "the post-activation form with row vectors, as code writes it",
         post=True, rows=True, written=_written_rows),
)}


#: The form a recurrence has unless one is asked for: Pascanu et al.'s, the question symbptt began with.
DEFAULT_FORM = "pascanu"


def form_key(post: bool, rows: bool) -> str:
    """The key of the first form in `FORMS` with these fields."""
    return next(f.key for f in FORMS.values() if f.post == post and f.rows == rows)


@dataclass(frozen=True)
class Recurrence:
    """The recurrence in one of its `FORMS` (default: Pascanu's pre-activation form).

    Shapes: W n×n, W_in n×m, u_t m×1, b n×1, x_{t-1}, x_t and a_t n×1, with n and m
    positive integer symbols; `bindings(n, m)` gives explicit entries at a concrete size.
    """

    activation: Activation
    n: sp.Expr = N
    m: sp.Expr = M
    form: str = DEFAULT_FORM

    def __post_init__(self):
        if self.form not in FORMS:
            raise InputError(f"unknown recurrence {self.form!r}; choose one of: {', '.join(FORMS)} "
                             "(the gated cells gru, lstm, … are derived by symbptt.derive_cell)")

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
    def cell(self) -> Form:
        """This recurrence's entry of `FORMS`: the data every route reads."""
        return FORMS[self.form]

    @property
    def weight(self) -> sp.MatrixExpr:
        """The recurrent matrix as the column form uses it: Wᵀ for row-vector storage, else W."""
        return sp.Transpose(self.W) if self.cell.rows else self.W

    @property
    def derivative_point(self) -> sp.MatrixSymbol:
        """Where σ' enters the one-step Jacobian: a_t in a post-activation form, else x_{t-1}."""
        return self.a_t if self.cell.post else self.x_prev

    def derivative_diag(self, v) -> sp.MatrixExpr:
        """diag(σ'(v)) for the n×1 matrix expression v (the identity when σ' ≡ 1)."""
        d = derivative(self.activation.apply(ARG), ARG)
        if d == 1:
            return sp.Identity(self.n)
        return sp.DiagMatrix(ElementwiseApplyFunction(sp.Lambda(ARG, d), v))

    def pre_activation(self):
        """W' x_{t-1} + W_in u_t + b, n×1 (W' = `weight`): what a_t stands for."""
        return sp.MatAdd(sp.MatMul(self.weight, self.x_prev), sp.MatMul(self.W_in, self.u), self.b)

    def rhs(self):
        """x_t as an n×1 matrix expression of x_{t-1} (a row form transposed to a column)."""
        if self.cell.post:
            return elementwise(self.activation, self.pre_activation())
        return sp.MatAdd(
            sp.MatMul(self.weight, elementwise(self.activation, self.x_prev)),
            sp.MatMul(self.W_in, self.u),
            self.b,
        )

    def written(self) -> tuple[tuple, ...]:
        """The recurrence as a report writes it: ((lhs, rhs), …), the form's `written`."""
        return self.cell.written(self)

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
        x = env[self.x_prev]
        weight = env[self.W].T if self.cell.rows else env[self.W]
        drive = product(env[self.W_in], env[self.u]) + env[self.b]
        env[self.a_t] = product(weight, x) + drive
        sigma = self.activation.apply
        if self.cell.post:
            env[self.x_t] = env[self.a_t].applyfunc(sigma)
        else:
            env[self.x_t] = product(weight, x.applyfunc(sigma)) + drive
        return env


class Env(dict):
    """Matrix symbol → explicit matrix, plus the concrete values of the dimension symbols."""

    def __init__(self, dims: dict):
        super().__init__()
        self.dims = dims
        #: (term, variable) → ∂term/∂variable: steps and routes evaluated in this Env
        #: differentiate the same terms again and again.
        self.partials: dict = {}
        #: matrix expression → its explicit matrix here (`explicit.explicit`): the steps of
        #: a route share their subtrees. Emptied whenever a binding changes.
        self.values: dict = {}

    def __setitem__(self, key, value):
        self.values.clear()
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.values.clear()
        super().__delitem__(key)

    def update(self, *args, **kwargs):
        self.values.clear()
        super().update(*args, **kwargs)

    def copy(self) -> "Env":
        """A new Env with the same entries and dims, sharing the (pure) partials memo."""
        other = Env(self.dims)
        other.update(self)
        other.partials = self.partials
        return other

    def size(self, expr) -> tuple[int, int]:
        """The concrete shape of a (symbolic-shape) matrix expression."""
        return tuple(int(sp.sympify(d).xreplace(self.dims)) for d in expr.shape)
