"""A cell as data: a small system of equations over matrix symbols of symbolic size.

Each equation ``v = rhs`` defines a named quantity from the previous state(s), the input,
the parameters and the names defined before it. The right-hand sides are built from
matrix products, sums, transposes, Hadamard products (⊙), scalars, the all-ones vector
(1 − z) and elementwise functions of the activation table. A state ``s`` has a previous
value ``s@t-1`` and a next value ``s@t``, which one equation defines; every other name on a
left-hand side is an intermediate (a gate, a candidate). Shapes: states, intermediates and
biases n×1, the input x_t m×1, input weights n×m, recurrent weights n×n.

At a concrete size a cell binds every matrix symbol to explicit 1-based entries
(``bindings``): parameters, inputs and previous states to entry symbols, and each defined
name either to its own entry symbols (``partial``: every other quantity held fixed) or to its
right-hand side written out (``total``: what it is as a function of the previous states).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .errors import InputError
from .model import Z, Env, M, N, element_matrix
from .steps import Prose

#: The input of every cell (m×1).
INPUT = "x@t"


def state_prev(name: str, n=N) -> sp.MatrixSymbol:
    """The previous value of state `name` (n×1), printed name_{t-1}."""
    return sp.MatrixSymbol(f"{name}@t-1", n, 1)


def state_next(name: str, n=N) -> sp.MatrixSymbol:
    """The next value of state `name` (n×1), printed name_t."""
    return sp.MatrixSymbol(f"{name}@t", n, 1)


@dataclass(frozen=True)
class Cell:
    """One cell: equations in order, the states, and what a report says about its source.

    Attributes:
        key: what ``--recurrence`` takes.
        title: how a report names the cell.
        source: where the equations are published, as text ("" for a cell typed by the user).
        convention: the one thing that sets this cell apart from its variants (for a typed
            cell: how its vectors are read, or nothing).
        states: the state names, in the order of the block Jacobian (("h", "c") for the LSTM).
        equations: ((lhs, rhs), …); lhs a MatrixSymbol, rhs a matrix expression of the names
            defined before it, the previous states, the input and the parameters.
        family: cells with the same family are variants of one another (compared in reports).
        bounded: the states whose entries lie in [-1, 1] at every step (given |h_0| ≤ 1), and
            `bounded_reason` why; a norm bound of the Jacobian may use it.
        input_name: the input's symbol name (x@t, or u@t for a typed cell that writes u_t).
        aliases: (label, label of an intermediate or a state): other names a formula may give it, such
            as h~ (\\tilde h) for the GRU's candidate n.
        parameter_aliases: (label, label of a parameter): other names a source gives a weight or
            bias, such as PyTorch's W_hz for the GRU's U_z. Kept apart from `aliases`, which
            name quantities (lint reads those as the cell's names; W_in is an RNN's input weight).
        merged_parameters: ((labels, label of a parameter), …): a source's several parameters
            that one of ours stands for, summed (PyTorch's b_ir and b_hr, our b_r): written alone
            they are an error saying so, since no one of ours is either of them.
        selector: how the command line selects the cell, when not ``-r KEY`` (a typed cell:
            ``--cell …``).
        typed: the equations exactly as the user typed them, for a cell parsed from text
            (`cell_parse`); () for a library cell. Kept because reports print the equations as
            SymPy orders them, which a user may not recognise as theirs.
        rows: for a cell typed with row vectors, (as written, as read): its first row product
            (v W, or vᵀ W) and the column product Wᵀ v it is read as; else None.
        notes: what a reader of this cell's Jacobian should know (prose with math slots).
        torch: (PyTorch class, ((parameter, (our names stacked, None a zero bias)), …)) for
            a cell PyTorch ships with the same equations, else None.
    """

    key: str
    title: str
    source: str
    convention: Prose
    states: tuple[str, ...]
    equations: tuple[tuple[sp.MatrixSymbol, sp.MatrixExpr], ...]
    family: str = ""
    torch: tuple | None = None
    bounded: tuple[str, ...] = ()
    bounded_reason: Prose | None = None
    notes: tuple[Prose, ...] = ()
    input_name: str = INPUT
    aliases: tuple[tuple[str, str], ...] = ()
    parameter_aliases: tuple[tuple[str, str], ...] = ()
    merged_parameters: tuple[tuple[tuple[str, ...], str], ...] = ()
    selector: str = ""
    typed: tuple[str, ...] = ()
    rows: tuple[sp.MatrixExpr, sp.MatrixExpr] | None = None

    def __post_init__(self):
        defined: set = set()
        lefts = {lhs for lhs, _ in self.equations}
        for lhs, rhs in self.equations:
            if lhs in defined:
                raise InputError(f"cell {self.key}: {lhs.name} is defined twice")
            if lhs.shape != (N, 1) or rhs.shape != (N, 1):
                raise InputError(f"cell {self.key}: {lhs.name} = … must be an n×1 vector, got {rhs.shape}")
            used_later = (rhs.free_symbols & lefts) - defined  # itself or a name defined further down
            if used_later:
                raise InputError(f"cell {self.key}: {lhs.name} uses {sorted(s.name for s in used_later)} before they are defined")
            defined.add(lhs)
        missing = [s.name for s in self.next if s not in defined]
        if missing:
            raise InputError(f"cell {self.key}: no equation defines {', '.join(missing)}")
        if not any(p in rhs.free_symbols for p in self.prev for _, rhs in self.equations):
            raise InputError(f"cell {self.key}: no equation uses a previous state")

    @property
    def prev(self) -> tuple[sp.MatrixSymbol, ...]:
        return tuple(state_prev(s) for s in self.states)

    @property
    def next(self) -> tuple[sp.MatrixSymbol, ...]:
        return tuple(state_next(s) for s in self.states)

    @property
    def input(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol(self.input_name, M, 1)

    @property
    def defined(self) -> dict:
        """Defined name → its right-hand side."""
        return dict(self.equations)

    @property
    def intermediates(self) -> tuple[sp.MatrixSymbol, ...]:
        """The defined names that are not next states, in order (gates, candidates)."""
        return tuple(l for l, _ in self.equations if l not in self.next)

    @cached_property
    def parameters(self) -> tuple[sp.MatrixSymbol, ...]:
        """Weights and biases: every other matrix symbol of the equations, sorted by name."""
        skip = set(self.prev) | set(self.defined) | {self.input}
        found = {s for _, rhs in self.equations for s in rhs.free_symbols
                 if isinstance(s, sp.MatrixSymbol) and s not in skip}
        return tuple(sorted(found, key=lambda s: s.name))

    def dependencies(self, lhs) -> tuple[sp.MatrixSymbol, ...]:
        """The previous states and earlier names `lhs`'s right-hand side uses directly."""
        rhs = self.defined[lhs]
        order = list(self.prev) + [l for l, _ in self.equations]
        return tuple(s for s in order if s in rhs.free_symbols)

    @cached_property
    def _bindings(self) -> dict:
        return {}

    def bindings(self, n: int, m: int, total: bool) -> Env:
        """Explicit entries at size n, m (see the module docstring): `total` binds each
        defined name to its right-hand side written out, else to entry symbols."""
        key = (n, m, total)
        if key not in self._bindings:
            from .explicit import explicit
            env = Env({N: n, M: m})
            for s in (*self.parameters, *self.prev, self.input):
                rows, cols = env.size(s)
                env[s] = element_matrix(s.name, rows, cols, vector=s.shape[1] == 1)
            # The auxiliary z of the chain rule's steps (bound per step by `where`).
            env[sp.MatrixSymbol(Z, N, 1)] = element_matrix(Z, n, 1, vector=True)
            for lhs, rhs in self.equations:
                env[lhs] = (explicit(rhs, env) if total
                            else element_matrix(lhs.name, n, 1, vector=True))
            self._bindings[key] = env
        return self._bindings[key].copy()
