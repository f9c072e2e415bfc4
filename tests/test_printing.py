"""The printer: SymPy objects print as course notes write them, never as SymPy's defaults."""

from __future__ import annotations

import pytest

from symbptt.activations import ACTIVATIONS
from symbptt.printing import Notation, identifier_latex, latex

from .conftest import derivation

FORBIDDEN = [r"\operatorname{DiagMatrix}", r"\mapsto", "{x}_{0", "_{0,0}", "Lambda", "Dummy",
             r"\theta", "x_prev", "W_in", "u_t"]


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_no_sympy_default_forms_anywhere(name):
    d = derivation(name, dim=3)
    printed = [latex(s.lhs) + latex(s.rhs) for r in d.routes for s in r.steps]
    printed += [latex(d.expansion.jacobian), latex(d.expansion.state)]
    for text in printed:
        for bad in FORBIDDEN:
            assert bad not in text, (bad, text)


def test_generic_result_prints_diag_sigma_prime():
    d = derivation("sigma")
    assert latex(d.result("numerator")) == (
        r"\mathbf{W} \operatorname{diag}\left(\sigma'\left(\mathbf{x}_{t-1}\right)\right)")
    assert latex(d.result("denominator")) == (
        r"\operatorname{diag}\left(\sigma'\left(\mathbf{x}_{t-1}\right)\right) \mathbf{W}^{\top}")


def test_entries_are_one_based_and_bracketed_for_subscripted_roles():
    J = derivation("sigma", dim=2).expansion.jacobian
    assert latex(J[0, 1]) == r"W_{12} \sigma'\left([x_{t-1}]_{2}\right)"
    state = latex(derivation("sigma", dim=2).expansion.state)
    assert "[W_{\\mathrm{in}}]_{13}" in state and "b_{2}" in state


def test_layouts_are_marked():
    from symbptt.layout import Jacobian, Layout
    d = derivation("sigma")
    rec = d.recurrence
    assert latex(Jacobian(rec.x_t, rec.x_prev)) == r"\frac{\partial \mathbf{x}_{t}}{\partial \mathbf{x}_{t-1}}"
    assert r"_{\!\mathrm{den}}" in latex(Jacobian(rec.x_t, rec.x_prev, Layout.DENOMINATOR))


def test_relu_prints_heaviside_as_H():
    assert r"H\left(\mathbf{x}_{t-1}\right)" in latex(derivation("relu").result())


def test_notation_settings_change_the_output():
    d = derivation("tanh")
    custom = Notation(state="h", weight="W_hh", transpose="T", bold=False)
    text = latex(d.result("denominator"), custom)
    assert text == r"\operatorname{diag}\left(1 - \tanh^{2}{\left(h_{t-1} \right)}\right) W_{\mathrm{hh}}^{T}"


@pytest.mark.parametrize("name, expected", [
    ("W", "W"), ("W_in", r"W_{\mathrm{in}}"), ("h_t", "h_{t}"), ("W_1", "W_{1}"),
    ("alpha", r"\alpha"), ("W_hh", r"W_{\mathrm{hh}}"),
])
def test_identifier_latex(name, expected):
    assert identifier_latex(name) == expected


def test_greek_roles_are_boldsymbol():
    assert Notation(state="eta").role("x_t") == r"\boldsymbol{\eta}_{t}"


def test_plain_text_writes_products_with_a_dot_and_keeps_quotients():
    from symbptt.model import element
    from symbptt.printing import plain

    w, x, y = element("W", 1, 2), element("x_prev", 2), element("x_prev", 1)
    sigma_prime = ACTIVATIONS["sigma"].derivative
    assert plain(w * sigma_prime(x)) == "W_12·σ'([x_{t-1}]_2)"
    assert plain(-2 * w * (x + y)) == "-2·W_12·([x_{t-1}]_1 + [x_{t-1}]_2)"
    assert plain(w / x) == "W_12/[x_{t-1}]_2" and "*" not in plain(w * x**2)


def test_matrix_products_print_their_sign_and_nesting_without_sympys_negation():
    import sympy as sp

    W, A = sp.MatrixSymbol("W", 3, 3), sp.MatrixSymbol("A", 3, 3)
    assert latex(W * A) == r"\mathbf{W} \mathbf{A}"
    assert latex(-W * A) == r"- \mathbf{W} \mathbf{A}"
    assert latex(-2 * W * A) == r"- 2 \mathbf{W} \mathbf{A}"
    assert latex(W * (A + W)) == r"\mathbf{W} \left(\mathbf{A} + \mathbf{W}\right)"
    nested = sp.MatMul(W, sp.MatMul(A, W, evaluate=False), evaluate=False)
    assert latex(nested) == r"\mathbf{W} \left(\mathbf{A} \mathbf{W}\right)"


def test_terms_and_factors_in_the_order_a_person_writes_them():
    """W σ(x_{t-1}) + W_in u_t + b whatever SymPy's canonical order; σ(1 − σ); t − 1; 1 − tanh²."""
    import sympy as sp
    from symbptt.model import Recurrence, element

    row = Recurrence(ACTIVATIONS["sigma"], form="row")
    (_, rhs), = row.written()
    assert latex(rhs) == (r"\left(\sigma\left(\mathbf{x}_{t-1}\right)\right)^{\top} \mathbf{W} + "
                          r"\mathbf{u}_{t}^{\top} \mathbf{W}_{\mathrm{in}}^{\top} + \mathbf{b}^{\top}")
    assert latex(row.rhs()) == (r"\mathbf{W}^{\top} \sigma\left(\mathbf{x}_{t-1}\right) + "
                                r"\mathbf{W}_{\mathrm{in}} \mathbf{u}_{t} + \mathbf{b}")
    J = derivation("sigmoid").expansion.jacobian
    assert latex(J[0, 0]) == (r"W_{11} \operatorname{sigmoid}\left([x_{t-1}]_{1}\right) "
                              r"\left(1 - \operatorname{sigmoid}\left([x_{t-1}]_{1}\right)\right)")
    t, x = sp.symbols("t x")
    assert latex(t - 1) == "t - 1" and latex(1 - sp.tanh(x) ** 2).startswith("1 - ")
    assert latex(sp.sin(x) + x**2 / 5) == r"\sin{\left(x \right)} + \frac{x^{2}}{5}"
    assert latex(element("b", 1) + element("W", 1, 1) * element("x_prev", 1)) == "W_{11} [x_{t-1}]_{1} + b_{1}"


def test_whole_floats_print_as_integers():
    import sympy as sp
    assert latex(sp.Float(1.0, 6)) == "1" and latex(sp.Float(1.04131, 6)) == "1.04131"


def test_a_time_index_joins_a_subscripted_name():
    """-N state=W_hh: x_t prints W_{hh,t}, never W_{hh}_{t} (LaTeX's "Double subscript")."""
    from symbptt.model import element
    n = Notation(state="W_hh", input="u_x")
    rec = derivation("tanh").recurrence
    assert latex(rec.x_prev, n) == r"\mathbf{W}_{\mathrm{hh},t-1}"
    assert latex(rec.u, n) == r"\mathbf{u}_{x,t}"
    assert latex(element("x_prev", 2), n) == r"[W_{\mathrm{hh},t-1}]_{2}"


@pytest.mark.parametrize("role, plain, latex", [
    ("Gamma_f@t", "Γ_{f,t}", r"\boldsymbol{\Gamma}_{f,t}"),
    ("Gamma_f@t-1", "Γ_{f,t-1}", r"\boldsymbol{\Gamma}_{f,t-1}"),
    ("h~@t", "h̃_t", r"\boldsymbol{\tilde{h}}_{t}"),
    ("delta@t", "δ_t", r"\boldsymbol{\delta}_{t}"),
])
def test_a_labelled_name_at_a_time_has_one_subscript(role, plain, latex):
    """deeplearning.ai's Γ_f at t: Γ_{f,t} in text, as in LaTeX (not Γ_f_t)."""
    from symbptt.printing import Notation

    assert Notation().plain_role(role) == plain
    assert Notation().role(role) == latex
