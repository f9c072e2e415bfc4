"""The activation table: one entry per σ, carrying σ, σ', sup|σ'| and a numeric version.

Adding an activation is one `Activation(...)` line in `ACTIVATIONS`. The derivative stated
here is a *claim*: the engine differentiates `apply` itself and tests check the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable

import mpmath
import sympy as sp

from .errors import InputError


class logistic(sp.Function):
    """The logistic sigmoid 1 / (1 + e^{-s}); its derivative is σ(s)(1 − σ(s))."""

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        body = r"\operatorname{sigmoid}\left(%s\right)" % printer._print(self.args[0])
        return body if exp is None else r"%s^{%s}" % (body, exp)


class relu(sp.Function):
    """max(0, s); its derivative is the step H(s) with the convention H(0) = 0."""

    @classmethod
    def eval(cls, arg):
        if arg.is_number:
            return sp.Max(0, arg)

    def fdiff(self, argindex=1):
        # Heaviside's second argument is its value at 0: we state and keep H(0) = 0.
        return sp.Heaviside(self.args[0], 0)

    def _latex(self, printer, exp=None):
        body = r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0])
        return body if exp is None else r"%s^{%s}" % (body, exp)


class sigma(sp.Function):
    """The generic activation σ: nothing is assumed but differentiability.

    Its derivative is the function σ' (`sigma_prime`), so σ'(v) is well formed for any
    argument v and prints as σ'(v).
    """

    def fdiff(self, argindex=1):
        return sigma_prime(self.args[0])

    def _latex(self, printer, exp=None):
        body = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return body if exp is None else r"\sigma^{%s}\left(%s\right)" % (exp, printer._print(self.args[0]))


class sigma_prime(sp.Function):
    """σ', the derivative of the generic activation."""

    def _latex(self, printer, exp=None):
        body = r"\sigma'\left(%s\right)" % printer._print(self.args[0])
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)


def _stand_in(s):
    """A smooth, non-odd function standing in for the generic σ in numeric checks."""
    return sp.sin(s) + s**2 / 5


def _stand_in_prime(s):
    """The stand-in's derivative, written out (tests differentiate `_stand_in` to check it):
    SymPy's first differentiation costs start-up time."""
    return sp.cos(s) + 2 * s / 5


#: Function class → its numeric stand-in, for numeric_form.
_NUMERIC = {
    sigma: _stand_in,
    sigma_prime: _stand_in_prime,
    logistic: lambda s: 1 / (1 + sp.exp(-s)),
    relu: lambda s: sp.Max(0, s),
}


@cache
def numeric_lambda(function) -> sp.Lambda | None:
    """What a numeric back end computes for `function` applied to s (its first argument),
    as a Lambda in s: the generic σ's stand-in, the sigmoid as 1/(1 + e^{-s}), ReLU as
    max(0, s), H(s) (or H(s, H0)) as 1 for s > 0, else 0. None for the functions back ends
    know themselves. Built once per function, and only when used."""
    s = sp.Dummy("s")
    if function is sp.Heaviside:
        return sp.Lambda(s, sp.Piecewise((1, s > 0), (0, True)))
    return sp.Lambda(s, _NUMERIC[function](s)) if function in _NUMERIC else None


def numeric_form(expr):
    """`expr` (an expression or a matrix) with every function `numeric_lambda` knows replaced
    by its numeric Lambda: elementary functions only. (`numeric.numeric_function` prints
    the Lambdas inline instead, without rebuilding the expression.)"""
    for function in (*_NUMERIC, sp.Heaviside):
        if expr.has(function):
            lam = numeric_lambda(function)
            expr = expr.replace(lambda e: isinstance(e, function), lambda e: lam(e.args[0]))
    return expr


@dataclass(frozen=True)
class Activation:
    """One row of the activation table.

    Attributes:
        name: the key used by the API and the CLI (``--activation NAME``).
        title: how prose names it.
        apply: σ(s) as a SymPy expression in s.
        derivative: σ'(s) as a SymPy expression in s, as the literature states it.
        latex: LaTeX for σ itself (used in prose such as "σ = tanh").
        sup_derivative: γ = sup_s |σ'(s)|, or None when unknown (generic σ).
        numeric: σ on mpmath numbers, for finite differences.
        convention: anything the derivative leaves to convention (ReLU at 0), as text with
            math slots (see `convention_math`).
        slack: why σ' falls below γ along a trajectory, a clause ("σ' stays below γ as
            units saturate"); "" when σ' is constant.
    """

    name: str
    title: str
    apply: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr], sp.Expr]
    latex: str
    sup_derivative: sp.Rational | None
    numeric: Callable[[mpmath.mpf], mpmath.mpf]
    convention: str = ""
    #: The open interval σ maps into, (lo, hi), or None when unbounded: gates of a cell take
    #: their values there, which is what a norm bound of a gated Jacobian uses.
    range: tuple | None = None
    slack: str = ""

    @property
    def convention_note(self):
        """`convention` as `steps.Prose`, its math slots filled: σ, the generic σ's numeric
        stand-in, H(0) = 0."""
        from .steps import Prose
        s = sp.Symbol("s", real=True)
        slots = {"sigma": sp.Symbol("sigma"), "stand_in": _stand_in(s),
                 "h0": sp.Eq(sp.Heaviside(sp.Integer(0), 0, evaluate=False), 0, evaluate=False)}
        return Prose.of(self.convention, **{k: v for k, v in slots.items() if "{%s}" % k in self.convention})

    def numeric_form(self, expr: sp.Expr) -> sp.Expr:
        """`expr` in elementary functions a numeric back end knows (`numeric_form`)."""
        return numeric_form(expr)


class ActivationTable(dict):
    """name → Activation; an unknown name is an InputError naming the accepted ones (not a
    KeyError), however the table is indexed."""

    def __missing__(self, name):
        raise InputError(f"unknown activation {name!r}; choose one of: {', '.join(self)}")


ACTIVATIONS: ActivationTable = ActivationTable({
    a.name: a
    for a in (
        Activation(
            "sigma", "a generic elementwise function", sigma,
            sigma_prime, r"\sigma", None,
            lambda v: mpmath.sin(v) + v**2 / 5,
            "Generic: no property of {sigma} is used beyond differentiability. "
            "Numeric checks use the stand-in {stand_in}.",
        ),
        Activation(
            "tanh", "the hyperbolic tangent", sp.tanh,
            lambda s: 1 - sp.tanh(s) ** 2, r"\tanh", sp.Integer(1), mpmath.tanh,
            range=(sp.Integer(-1), sp.Integer(1)), slack="units saturate",
        ),
        Activation(
            "sigmoid", "the logistic sigmoid", logistic,
            lambda s: logistic(s) * (1 - logistic(s)), r"\operatorname{sigmoid}",
            sp.Rational(1, 4), lambda v: 1 / (1 + mpmath.exp(-v)), range=(sp.Integer(0), sp.Integer(1)),
            slack="its arguments move away from 0",
        ),
        Activation(
            "relu", "the rectified linear unit", relu,
            lambda s: sp.Heaviside(s, 0), r"\operatorname{ReLU}", sp.Integer(1),
            lambda v: max(mpmath.mpf(0), v),
            "The derivative of ReLU at 0 is taken to be 0 ({h0}), as in "
            "PyTorch and JAX; ReLU has no derivative there.",
            slack="units switch off",
        ),
        Activation(
            "identity", "the identity (a linear RNN)", lambda s: s,
            lambda s: sp.Integer(1), r"\operatorname{id}", sp.Integer(1), lambda v: v,
        ),
    )
})


def get_activation(name: str) -> Activation:
    """The table entry for `name`; raises InputError naming the accepted values."""
    try:
        return ACTIVATIONS[name]
    except TypeError:  # unhashable: no dict lookup, so no __missing__
        return ACTIVATIONS.__missing__(name)
