"""From a parsed formula to a matrix expression over the recurrence's own symbols.

Names take roles by sensible defaults: W, W_rec, W_hh, W_h → the recurrent matrix; U, W_in,
W_x, W_xh → the input matrix; x, h, s → the state (h is the state and x the input when both
appear, as in Elman-style notes); u → the input; b → the bias; I → the identity. A state's
time index says which state it is: x_{t-1}, x_{i-1}, h^{(t)} → the previous state (the
variable of ∂x_t/∂x_{t-1}); x_t, h^{(t+1)} → the current one when a smaller index appears too.
Vectors built from the state (σ'(x), 1 − tanh(x)²) are elementwise functions of one vector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .activations import ACTIVATIONS, Activation
from .errors import InputError, UnsupportedError
from .grammar import Binary, Call, Claim, Name, Node, Number, Unary
from .model import ARG, Recurrence
from .steps import Prose

RECURRENT = ("W", "W_rec", "W_hh", "W_h", "W_r")
INPUT_WEIGHT = ("U", "W_in", "W_x", "W_xh", "W_ih", "W_i")
STATE_LETTERS = ("x", "h", "s")
_TIME = re.compile(r"^([a-z])?([+-]\d+)?$")


@dataclass(frozen=True)
class Roles:
    """Which names play which role; options of `check` extend the defaults."""

    recurrent: tuple[str, ...] = RECURRENT
    input_weight: tuple[str, ...] = INPUT_WEIGHT
    state: tuple[str, ...] = STATE_LETTERS
    defines: tuple[tuple[str, Claim], ...] = ()


@dataclass(frozen=True)
class Translation:
    """The claim as an n×n matrix expression, and how its names were read."""

    expr: sp.MatrixExpr
    multi_step: bool
    notes: tuple[Prose, ...] = ()


@dataclass
class _Vec:
    """An n-vector: `body` (an expression in ARG) applied entrywise to `base`."""

    base: sp.MatrixExpr
    body: sp.Expr = ARG

    def matrix(self) -> sp.MatrixExpr:
        if self.body == ARG:
            return self.base
        return ElementwiseApplyFunction(sp.Lambda(ARG, self.body), self.base)


@dataclass
class _Context:
    rec: Recurrence
    roles: Roles
    activation: Activation
    state_letter: str
    times: dict  # time index text → "x_prev" | "x_t"
    notes: list = field(default_factory=list)
    defining: tuple = ()
    multi_step: bool = False


def _key(name: Name) -> str:
    return name.letter + ("_" + name.sub if name.sub else "")


def _walk(node: Node):
    """Every node of the AST, depth first."""
    yield node
    for child in (getattr(node, "arg", None), getattr(node, "left", None),
                  getattr(node, "right", None), getattr(node, "expr", None)):
        if isinstance(child, Node):
            yield from _walk(child)


def _names(node: Node):
    return (n for n in _walk(node) if isinstance(n, Name))


def _calls(node: Node):
    return (n for n in _walk(node) if isinstance(n, Call))


def _time_of(name: Name) -> str | None:
    """The time index of a state name ('' for none), or None when `sub` is a label."""
    index = name.time or name.sub
    return index if _TIME.match(index) else None


def _offset(index: str) -> int:
    match = _TIME.match(index)
    return int(match.group(2)) if match and match.group(2) else 0


def infer_activation(claim: Claim, given: str | None) -> Activation:
    """The activation named by `given`, else the one the formula uses (tanh, …), else σ."""
    if given:
        return ACTIVATIONS[given]
    used = sorted({c.func for c in _calls(claim) if c.func in ("tanh", "sigmoid", "relu")})
    if len(used) > 1:
        raise InputError(f"the formula mixes activations ({', '.join(used)}); give --activation")
    return ACTIVATIONS[used[0] if used else "sigma"]


def translate(claim: Claim, rec: Recurrence, roles: Roles = Roles()) -> Translation:
    """The claim as an n×n matrix expression over `rec`'s symbols (roles as documented)."""
    all_names = list(_names(claim)) + [n for _, d in roles.defines for n in _names(d)]
    letters = {n.letter for n in all_names if _key(n) not in roles.recurrent + roles.input_weight}
    state = next((l for l in ("h", "x", "s") if l in letters and l in roles.state), None)
    state = state or next((l for l in roles.state if l in letters), "x")
    indices = sorted({_time_of(n) for n in all_names if n.letter == state and _time_of(n) is not None},
                     key=_offset)
    times, notes = {}, []
    if len(indices) > 2:
        raise InputError(f"the state {state} appears at {len(indices)} time steps "
                         f"({', '.join(i or 'none' for i in indices)}); a one-step factor uses at most two")
    if len(indices) == 2:
        times = {indices[0]: "x_prev", indices[1]: "x_t"}
    elif indices:
        times = {indices[0]: "x_t" if _offset(indices[0]) > 0 else "x_prev"}
    for index, role in times.items():
        shown = f"{state}_{{{{{index}}}}}" if index else state  # braces doubled: Prose text
        which = "current" if role == "x_t" else "previous"
        notes.append(Prose.of(f"{shown} is read as the {which} state {{role}}",
                              role=rec.x_t if role == "x_t" else rec.x_prev))
    ctx = _Context(rec, roles, rec.activation, state, times, notes)
    value = _eval(claim.expr, ctx)
    if isinstance(value, _Vec) or not getattr(value, "is_Matrix", False):
        raise InputError("the formula is not a matrix; a one-step Jacobian is an n×n matrix")
    if value.shape != (rec.n, rec.n):
        raise InputError(f"the formula has shape {value.shape[0]}×{value.shape[1]}, not n×n")
    return Translation(value, ctx.multi_step, tuple(ctx.notes))


def _role(name: Name, ctx: _Context):
    key, rec = _key(name), ctx.rec
    defines = dict(ctx.roles.defines)
    if key in defines:
        if key in ctx.defining:
            raise InputError(f"{key} is defined in terms of itself")
        ctx.defining += (key,)
        try:
            return _eval(defines[key].expr, ctx)
        finally:
            ctx.defining = ctx.defining[:-1]
    if key in ctx.roles.recurrent:
        return rec.W
    if key in ctx.roles.input_weight:
        return rec.W_in
    if key == "I":
        return sp.Identity(rec.n)
    if name.letter == ctx.state_letter and _time_of(name) is not None:
        return _Vec(rec.x_prev if ctx.times.get(_time_of(name), "x_prev") == "x_prev" else rec.x_t)
    if name.letter in ("u",) + tuple(l for l in STATE_LETTERS if l != ctx.state_letter):
        return _Vec(rec.u)
    if name.letter == "b" and not name.sub:
        return _Vec(rec.b)
    raise InputError(
        f"unknown name {key!r} at position {name.pos + 1}: use W (or W_rec, W_hh) for the "
        f"recurrent matrix, x or h for the state, or --define {key}=… / --recurrent / --state")


def _eval(node: Node, ctx: _Context):
    if isinstance(node, Name):
        return _role(node, ctx)
    if isinstance(node, Number):
        return sp.Rational(node.text)
    if isinstance(node, Call):
        return _call(node, ctx)
    if isinstance(node, Unary):
        if node.op == "prod":
            ctx.multi_step = True
            return _eval(node.arg, ctx)
        value = _eval(node.arg, ctx)
        if node.op == "neg":
            return _scale(value, -1)
        if isinstance(value, _Vec):  # a row vector, as in σ(x)ᵀ W
            return sp.Transpose(value.matrix())
        if isinstance(value, sp.Basic) and value.is_Matrix:
            return sp.Transpose(value)
        raise InputError(f"the transpose at position {node.pos + 1} needs a matrix or vector")
    if isinstance(node, Binary):
        if node.op == "power":
            return _power(_eval(node.left, ctx), node.right, node)
        return _binary(node, _eval(node.left, ctx), _eval(node.right, ctx))
    raise UnsupportedError(f"no meaning for {type(node).__name__}")


def _call(node: Call, ctx: _Context):
    arg = _eval(node.arg, ctx)
    if node.func == "diag":
        if node.prime or node.power:
            raise InputError(f"diag at position {node.pos + 1} takes no prime or power")
        vec = _as_vec(arg, node)
        return sp.Identity(ctx.rec.n) if vec.body == 1 else sp.DiagMatrix(vec.matrix())
    activation = ctx.activation if node.func == "sigma" else ACTIVATIONS[node.func]
    if node.func != "sigma" and activation is not ctx.activation:
        raise InputError(f"{node.func} at position {node.pos + 1} differs from the activation "
                         f"{ctx.activation.name}; give --activation {node.func}")
    vec = _as_vec(arg, node)
    body = activation.derivative(vec.body) if node.prime else activation.apply(vec.body)
    if node.prime and vec.body != ARG:
        raise UnsupportedError("σ' of an expression other than a vector is not supported")
    return _Vec(vec.base, body ** node.power if node.power else body)


def _as_vec(value, node: Node) -> _Vec:
    if isinstance(value, _Vec):
        return value
    if isinstance(value, sp.Basic) and value.is_Matrix and value.shape[1] == 1:
        return _Vec(value)
    raise InputError(f"the function at position {node.pos + 1} applies to a vector, not a matrix")


def _scale(value, factor):
    if isinstance(value, _Vec):
        return _Vec(value.base, factor * value.body)
    return factor * value


def _power(value, exponent: int, node: Node):
    if isinstance(value, _Vec):
        return _Vec(value.base, value.body ** exponent)
    if isinstance(value, sp.Basic) and not value.is_Matrix:
        return value ** exponent
    if exponent == 1:
        return value
    raise InputError(f"the power at position {node.pos + 1} applies to a vector entrywise, not to a matrix")


def _combine(a: _Vec, b: _Vec, op, node: Node) -> _Vec:
    if a.base == b.base:
        return _Vec(a.base, op(a.body, b.body))
    if a.body == ARG and b.body == ARG and op is sp.Add:
        terms = lambda e: e.args if isinstance(e, sp.MatAdd) else (e,)
        return _Vec(sp.MatAdd(*terms(a.base), *terms(b.base)))
    raise UnsupportedError(f"the vectors combined at position {node.pos + 1} are functions of "
                           "different vectors; write them as one elementwise expression")


def _binary(node: Binary, a, b):
    scalar = lambda v: isinstance(v, sp.Basic) and not v.is_Matrix
    if node.op in ("add", "sub"):
        if node.op == "sub":
            b = _scale(b, -1)
        if isinstance(a, _Vec) and isinstance(b, _Vec):
            return _combine(a, b, sp.Add, node)
        if isinstance(a, _Vec) and scalar(b):
            return _Vec(a.base, a.body + b)
        if isinstance(b, _Vec) and scalar(a):
            return _Vec(b.base, a + b.body)
        if scalar(a) and scalar(b):
            return a + b
        if not (scalar(a) or scalar(b) or isinstance(a, _Vec) or isinstance(b, _Vec)):
            if a.shape != b.shape:
                raise InputError(f"the sum at position {node.pos + 1} adds shapes {a.shape} and {b.shape}")
            return sp.MatAdd(a, b)
        raise InputError(f"the sum at position {node.pos + 1} adds a matrix and a vector or number")
    if node.op == "hadamard":
        if isinstance(a, _Vec) and isinstance(b, _Vec):
            return _combine(a, b, sp.Mul, node)
        if not (isinstance(a, _Vec) or isinstance(b, _Vec) or scalar(a) or scalar(b)) and a.shape == b.shape:
            return sp.HadamardProduct(a, b)
        raise InputError(f"⊙ at position {node.pos + 1} needs two operands of the same shape")
    # matmul (juxtaposition, *, @, \cdot)
    if scalar(a) or scalar(b):
        return _scale(b, a) if scalar(a) else _scale(a, b)
    if isinstance(a, _Vec) and isinstance(b, _Vec):
        return _combine(a, b, sp.Mul, node)  # x ∘ y written as a product of two vectors
    left = a.matrix() if isinstance(a, _Vec) else a
    right = b.matrix() if isinstance(b, _Vec) else b
    if left.shape[1] != right.shape[0]:
        raise InputError(f"the product at position {node.pos + 1} multiplies shapes "
                         f"{tuple(left.shape)} and {tuple(right.shape)}")
    product = sp.MatMul(left, right)
    return _Vec(product) if isinstance(b, _Vec) and product.shape[1] == 1 else product
