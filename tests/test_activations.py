"""The activation table states σ', sup|σ'| and a numeric σ: each claim is checked here."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symbptt.activations import ACTIVATIONS, get_activation
from symbptt.errors import InputError
from symbptt.model import ARG


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_stated_derivative_is_the_derivative(name):
    a = ACTIVATIONS[name]
    assert sp.expand(sp.diff(a.apply(ARG), ARG) - a.derivative(ARG)) == 0


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.sup_derivative is not None])
def test_sup_of_derivative_is_attained_and_never_exceeded(name):
    a = ACTIVATIONS[name]
    grid = [sp.Rational(k, 50) for k in range(-400, 401) if k != 0] + [sp.Integer(0) if name != "relu" else sp.Rational(1, 10**6)]
    values = [abs(sp.N(a.derivative(ARG).subs(ARG, v))) for v in grid]
    assert max(values) <= a.sup_derivative
    assert max(values) >= a.sup_derivative - sp.Rational(1, 1000)


@given(v=st.floats(-8, 8, allow_nan=False).filter(lambda v: abs(v) > 1e-6))
def test_numeric_sigma_matches_symbolic(v):
    with mpmath.workdps(30):
        for a in ACTIVATIONS.values():
            symbolic = sp.N(a.numeric_form(a.apply(ARG)).subs(ARG, sp.Float(v, 30)), 30)
            assert abs(mpmath.mpf(str(symbolic)) - a.numeric(mpmath.mpf(v))) < 1e-20


def test_numeric_sigma_prime_is_the_derivative_of_numeric_sigma():
    a = ACTIVATIONS["sigma"]
    sigma, sigma_prime = a.numeric_form(a.apply(ARG)), a.numeric_form(a.derivative(ARG))
    assert sigma.has(sp.sin) and sp.expand(sp.diff(sigma, ARG) - sigma_prime) == 0


def test_relu_derivative_at_zero_is_zero_by_convention():
    relu = ACTIVATIONS["relu"]
    assert relu.derivative(sp.Integer(0)) == 0
    assert "at 0" in relu.convention


def test_unknown_activation_names_the_choices():
    with pytest.raises(InputError, match="choose one of: sigma, tanh, sigmoid, relu, identity"):
        get_activation("softplus")
