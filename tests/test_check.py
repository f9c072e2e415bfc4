"""`check`: parsing plain and LaTeX formulas safely, verdicts per layout, readings."""

from __future__ import annotations

import json
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symbptt.check import check
from symbptt.claim import RECURRENT, Roles
from symbptt.cli import main
from symbptt.errors import InputError, SymbpttError
from symbptt.grammar import MAX_LENGTH, parse
from symbptt.layout import Layout
from symbptt.render import render_check

from .conftest import run_cli

# Each formula written three ways: plain text, LaTeX, LaTeX with wrappers.
PASCANU = [
    "W^T diag(sigma'(x_{i-1}))",
    r"W^\top \operatorname{diag}(\sigma'(x_{i-1}))",
    r"\prod_{t \ge i > k} \mathbf{W}_{rec}^{\intercal} \,\mathrm{diag}\left(\sigma'\left(\mathbf{x}_{i-1}\right)\right)",
]
CS224D = [
    "W.T @ diag(f'(h_(j-1)))",
    r"W^T \operatorname{diag}[f'(h_{j-1})]",
    r"\boldsymbol{W}_{hh}^{T} \mathrm{diag}\left[ f'(\boldsymbol{h}_{j-1}) \right]",
]
DLBOOK = [  # eq. 10.21's factor, for tanh
    "W^T diag(1 - (h^(t+1))^2)",
    r"W^\top \operatorname{diag}\left(1 - (h^{(t+1)})^2\right)",
    r"\mathbf{W}^{\top} \operatorname{diag}\left(1 - \left(\mathbf{h}^{(t+1)}\right)^{2}\right)",
]
NUMERATOR = [
    "W diag(sigma'(x))",
    r"\frac{\partial x_t}{\partial x_{t-1}} = W \cdot \operatorname{diag}(\sigma'(x_{t-1}))",
    r"\mathbf{W}\,\operatorname{diag}\bigl(\sigma^{\prime}(\mathbf{x}_{t-1})\bigr)",
]
DENOMINATOR = [
    "diag(sigma'(x)) * W'",
    r"\operatorname{diag}(\sigma'(x_{t-1})) W^{\intercal}",
    r"\mathrm{diag}\left(\boldsymbol{\sigma}'(\mathbf{x}_{t-1})\right)\mathbf{W}^\mathsf{T}",
]


def statuses(result):
    return {layout.value: v.status for layout, v in result.verdicts.items()}


def readings(result):
    return {(v.form, v.layout.value, v.binding): v.status for v in result.readings}


@pytest.mark.parametrize("text", PASCANU + CS224D)
def test_pascanu_and_cs224d_hold_in_neither_layout(text):
    r = check(text)
    assert statuses(r) == {"numerator": "refuted", "denominator": "refuted"}
    found = readings(r)
    assert found[("row", "numerator", "as-written")] == "proved"
    assert found[("elman", "denominator", "pre-activation")] == "proved"
    assert ("elman", "denominator", "as-written") not in found  # σ' at h_{t-1} is wrong
    for v in r.verdicts.values():
        c = v.counterexample
        assert c.n == 2 and abs(c.claim_value - c.truth_value) > 1e-3
        assert c.claim[c.entry[0] - 1, c.entry[1] - 1] != c.truth[c.entry[0] - 1, c.entry[1] - 1]
    assert r.bound.holds


def test_pascanu_product_is_judged_by_its_factor():
    assert check(PASCANU[2]).multi_step and not check(PASCANU[0]).multi_step


@pytest.mark.parametrize("text", DLBOOK)
def test_deep_learning_book_factor_is_the_post_activation_backward_pass(text):
    # 1 − h², the current state through tanh, is σ'(a_t): the post-activation form is inferred.
    r = check(text, activation="tanh")
    assert r.form.key == "elman" and "current state" in r.form.reason.text
    assert statuses(r) == {"numerator": "refuted", "denominator": "proved"}
    # Judged against the pre-activation form instead, it is refuted in both layouts.
    assert statuses(check(text, activation="tanh", recurrence="pascanu")) == {
        "numerator": "refuted", "denominator": "refuted"}


@pytest.mark.parametrize("text, form", [
    ("W^T diag(1 - h_t^2)", "elman"),            # h_t: current or previous, both read
    ("W^T diag(1 - h^2)", "elman"),
    (r"(1 - h_t^2) \odot W^T", "elman"),          # a vector scaling a matrix without diag
    ("np.dot(Whh.T, np.diag(1 - hs[t]*hs[t]))", "elman"),
])
def test_a_single_time_index_is_read_both_ways_and_never_wrongly_refuted(text, form):
    r = check(text, activation="tanh")
    assert r.form.key == form and r.verdict("denominator").status == "proved"
    assert any(c.key == "time" and c.option == "x_t" for c in r.reading.choices)


@pytest.mark.parametrize("text, activation", [
    ("W^T diag(1 - h_t^2)", "tanh"), ("W^T diag(h_t * (1 - h_t))", "sigmoid"),
    (r"\mathbf{W}^\top \operatorname{diag}\left(1 - (h^{(t+1)})^2\right)", "tanh"),
])
def test_sigma_prime_through_the_state_names_the_activation(text, activation):
    r = check(text)  # no --activation: 1 − h² is tanh's, h(1 − h) the sigmoid's
    assert r.recurrence.activation.name == activation and r.form.key == "elman"
    assert r.verdict("denominator").status == "proved"
    assert any("taken to be" in n.text for n in r.notes)
    assert check("W^T diag(1 - h_t^2)", activation="relu").recurrence.activation.name == "relu"


@pytest.mark.parametrize("text, activation, layout", [
    # σ' written through the state in two diagonal factors: diag(h) diag(1 − h) = diag(h(1 − h)),
    # diag(1 − h) diag(1 + h) = diag(1 − h²). Before, each was judged with a generic σ and
    # refuted with "no other reading makes it right".
    (r"\partial h_t/\partial h_{t-1} = diag(h_t) diag(1-h_t) W", "sigmoid", "numerator"),
    (r"\partial h_t/\partial h_{t-1} = diag(1-h_t) diag(1+h_t) W", "tanh", "numerator"),
    ("W^T diag(1-h_t) diag(1+h_t)", "tanh", "denominator"),
    # and as a sum or power of diagonals: diag(h) − diag(h)² = diag(h(1 − h)), I − diag(h)² = diag(1 − h²)
    ("(diag(h_t) - diag(h_t)^2) W", "sigmoid", "numerator"),
    ("(diag(h_t) - diag(h_t) diag(h_t)) W", "sigmoid", "numerator"),
    ("W^T (I - diag(h_t)^2)", "tanh", "denominator"),
    ("diag(h_t) I diag(1 - h_t) W", "sigmoid", "numerator"),
])
def test_sigma_prime_in_two_diagonal_factors_names_the_activation(text, activation, layout):
    r = check(text)
    assert r.recurrence.activation.name == activation and r.form.key == "elman"
    assert r.verdict(layout).status == "proved"
    # The truth from outside: torch's Jacobian of h_t = f(W h_{t-1} + U x_t + b), f the activation.
    torch.manual_seed(0)
    W, U, b, h0, x = torch.randn(3, 3), torch.randn(3, 2), torch.randn(3), torch.randn(3), torch.randn(2)
    f = torch.sigmoid if activation == "sigmoid" else torch.tanh
    J = torch.autograd.functional.jacobian(lambda h: f(W @ h + U @ x + b), h0)  # numerator layout
    h = f(W @ h0 + U @ x + b)
    D = torch.diag(h) - torch.diag(h) @ torch.diag(h) if activation == "sigmoid" else torch.eye(3) - torch.diag(h) ** 2
    assert torch.allclose(D @ W, J, atol=1e-6) and not torch.allclose(D @ W, J.T, atol=1e-3)
    # Three diagonal factors, or twice σ', are not σ' of either: judged, refuted.
    assert not check("W^T diag(1-h_t) diag(1+h_t) diag(h_t)").verdict("denominator").holds
    assert not check("2 diag(h_t) diag(1-h_t) W").verdict("numerator").holds
    for text in ("I I", "I^2", "W - I I", "W - 2 I I"):  # products of identities alone (found by fuzzing)
        assert not check(text).verdict("numerator").holds


def _sigmoid_elman():
    """(W, a_t, h_t, numerator-layout Jacobian by torch) of h_t = sigmoid(W h_{t-1} + U x_t + b)."""
    torch.manual_seed(1)
    W, U, b, h0, x = torch.randn(3, 3), torch.randn(3, 2), torch.randn(3), torch.randn(3), torch.randn(2)
    J = torch.autograd.functional.jacobian(lambda h: torch.sigmoid(W @ h + U @ x + b), h0)
    a = W @ h0 + U @ x + b
    return W, a, torch.sigmoid(a), J


_D = torch.diag
_I = torch.eye(3)


@pytest.mark.parametrize("text, value", [
    # σ'(a_t) of the sigmoid written as σ(a_t)(1 − σ(a_t)) in two diagonals: was NUMERIC only
    ("diag(sigmoid(a_t)) diag(1 - sigmoid(a_t)) W", lambda W, a, h: _D(torch.sigmoid(a)) @ _D(1 - torch.sigmoid(a)) @ W),
    ("diag(sigmoid(a_t))^1 I diag(1 - sigmoid(a_t)) W", lambda W, a, h: _D(torch.sigmoid(a)) @ _D(1 - torch.sigmoid(a)) @ W),
    ("(diag(sigmoid(a_t)) diag(1 - sigmoid(a_t)))^1 W", lambda W, a, h: _D(torch.sigmoid(a)) @ _D(1 - torch.sigmoid(a)) @ W),
    ("diag(sigmoid(a_t)) (I - diag(sigmoid(a_t))) W", lambda W, a, h: _D(torch.sigmoid(a)) @ (_I - _D(torch.sigmoid(a))) @ W),
    # the state and its pre-activation mixed: h_t is sigmoid(a_t)
    ("diag(h_t) diag(1 - sigmoid(a_t)) W", lambda W, a, h: _D(h) @ _D(1 - torch.sigmoid(a)) @ W),
    ("I diag(h_t)^1 diag(1 - h_t) W^1", lambda W, a, h: _D(h) @ _D(1 - h) @ W),
])
@pytest.mark.parametrize("activation", [None, "sigmoid"])
def test_sigmoid_prime_at_a_t_in_several_diagonals_is_proved(text, value, activation):
    W, a, h, J = _sigmoid_elman()
    assert torch.allclose(value(W, a, h), J, atol=1e-6)  # the truth, from torch
    r = check(text, activation=activation)
    assert r.recurrence.activation.name == "sigmoid" and r.form.key == "elman"
    assert r.verdict("numerator").status == "proved"
    assert r.verdict("denominator").status == "refuted"


def test_sigmoid_prime_in_diagonals_wrongly_written_is_refuted():
    W, a, h, J = _sigmoid_elman()
    wrong = _D(torch.sigmoid(a)) @ _D(1 + torch.sigmoid(a)) @ W
    assert not torch.allclose(wrong, J, atol=1e-3)
    for text in ("diag(sigmoid(a_t)) diag(1 + sigmoid(a_t)) W", "diag(sigmoid(a_t))^2 diag(1 - sigmoid(a_t)) W",
                 "diag(h_t) diag(1 - sigmoid(a_t)) W^T"):
        assert not check(text, activation="sigmoid").verdict("numerator").holds, text


def test_a_first_power_is_its_base():
    """W I diag(σ'(x_{t-1}))^1 is W diag(σ'(x_{t-1})), the pre-activation form's Jacobian:
    proved for the generic σ (torch's tanh standing in for it) and for tanh."""
    torch.manual_seed(2)
    W, U, b, x0, u = torch.randn(3, 3), torch.randn(3, 2), torch.randn(3), torch.randn(3), torch.randn(2)
    J = torch.autograd.functional.jacobian(lambda x: W @ torch.tanh(x) + U @ u + b, x0)
    assert torch.allclose(W @ _I @ _D(1 - torch.tanh(x0) ** 2), J, atol=1e-6)
    for activation in (None, "tanh"):
        for text in ("W I diag(sigma'(x_{t-1}))^1", "(W diag(sigma'(x_{t-1})))^1", "W^1 diag(sigma'(x_{t-1}))"):
            r = check(text, activation=activation)
            assert r.form.key == "pascanu" and r.verdict("numerator").status == "proved", (text, activation)


def test_time_indices_from_the_left_hand_side_decide():
    # h_t is the previous state here: ∂h_{t+1}/∂h_t.
    r = check(r"\frac{\partial h_{t+1}}{\partial h_t} = W \operatorname{diag}(\sigma'(h_t))")
    assert r.form.key == "pascanu" and statuses(r) == {"numerator": "proved", "denominator": "refuted"}
    assert r.reading.choices == ()
    # And the current one here, so σ'(h_t) is at the wrong point.
    r = check(r"\frac{\partial h_t}{\partial h_{t-1}} = W \operatorname{diag}(\sigma'(h_t))")
    assert statuses(r) == {"numerator": "refuted", "denominator": "refuted"}


def test_placeholder_argument_tries_each_point():
    r = check(r"\operatorname{diag}\Big(1-\tanh^2(\cdot)\Big) W_{hh}")
    assert r.form.key == "elman" and r.verdict("numerator").status == "proved"
    assert [c.option for c in r.reading.choices] == ["a_t"]
    r = check(r"W \operatorname{diag}(\sigma'(\cdot))")
    assert r.form.key == "pascanu" and r.verdict("numerator").status == "proved"
    assert [c.option for c in r.reading.choices] == ["x_prev"]


def test_pascanu_eq5_stays_refuted_in_its_own_form_with_the_row_reading_beside_it():
    r = check(PASCANU[2])
    assert r.form.key == "pascanu" and statuses(r) == {"numerator": "refuted", "denominator": "refuted"}
    assert ("row", "numerator", "as-written") in readings(r)


@pytest.mark.parametrize("text", NUMERATOR)
def test_numerator_form_is_proved(text):
    r = check(text)
    assert statuses(r) == {"numerator": "proved", "denominator": "refuted"}
    assert r.verdict("denominator").counterexample.n == 2


@pytest.mark.parametrize("text, activation, form, holds", [
    ("𝑾 diag(𝛔′(𝒙ₜ₋₁))", None, "pascanu", "numerator"),  # W diag(σ'(x_{t-1}))
    ("diag(σ′(𝐱ₜ₋₁)) 𝐖ᵀ", None, "pascanu", "denominator"),
    ("diag(1 − 𝐡ₜ²) 𝐖", "tanh", "elman", "numerator"),  # h_t = tanh(W h_{t-1} + …)
    ("𝐖ᵀ·diag(1 − 𝐡ₜ²)", "tanh", "elman", "denominator"),
])
def test_pasted_unicode_is_judged_as_its_plain_form(text, activation, form, holds):
    r = check(text, activation=activation)
    other = {"numerator": "denominator", "denominator": "numerator"}[holds]
    assert r.form.key == form and r.verdict(holds).status == "proved" and r.verdict(other).status == "refuted"


@pytest.mark.parametrize("text", DENOMINATOR)
def test_denominator_form_is_proved(text):
    assert statuses(check(text)) == {"numerator": "refuted", "denominator": "proved"}


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
def test_true_forms_for_every_activation(activation):
    assert check("W diag(sigma'(x))", activation=activation).verdict("numerator").status == "proved"
    # For the identity, Wᵀ diag(1) = Wᵀ is exactly the denominator layout.
    expected = "proved" if activation == "identity" else "refuted"
    r = check("W^T diag(sigma'(x))", activation=activation, recurrence="pascanu")
    assert r.verdict("denominator").status == expected


def test_explicit_activation_forms_are_recognised():
    assert check("diag(1 - tanh(x)^2) W^T").verdict("denominator").status == "proved"
    assert check(r"W \operatorname{diag}(\sigma(x) \odot (1 - \sigma(x)))", activation="sigmoid").verdict("numerator").status == "proved"


def test_cs224n_correct_slide_is_post_activation_numerator():
    r = check(r"\operatorname{diag}\left(\sigma'(W_h h_{t-1} + W_x x_t + b)\right) W_h")
    assert r.form.key == "elman" and "pre-activation" in r.form.reason.text
    assert statuses(r) == {"numerator": "proved", "denominator": "refuted"}


def test_a_long_chain_of_definitions_is_refused_not_recursed(capsys):
    defines = [f"--define=D{k}=D{k + 1}" for k in range(600)] + ["--define=D600=W"]
    code, out, err = run_cli(capsys, "check", "D0", *defines)
    assert code == 2 and "nest more than 16 deep" in err and "Traceback" not in err


def test_defined_names_and_extra_matrix_names():
    roles = Roles(recurrent=RECURRENT + ("A",), defines=(("D", parse("diag(sigma'(x))")),))
    assert check("A D", roles=roles).verdict("numerator").status == "proved"


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('touch MARKER')", "position 1"),
    ("lambda: W", "unexpected ':' at position 7"),
    (r"W^T \frac{1}{2}", "a fraction on the right-hand side is not supported"),
    (r"\text{diag}(\sigma'(x)) \nabla", r"\nabla on the right-hand side is not supported"),
    ("hid W", "write --state hid for a multi-letter state"),
    (r"W \diag(x)", r"did you mean \operatorname{diag}?"),
    ("x^8^8", "the power 64 at position 2"),  # a power is where its first ^ is
    ("(1+x)^8^8", "the power 64 at position"),
    ("W W W W W W W W W W W W W W", "too large to judge"),
    ("W.__class__", "position 2"),
    ("W; import os", "position 2"),
    ("exec('1')", "unexpected"),
    ("9**9**9**9", "exponent 9 at position 4"),
    ("x^99999", "only whole powers from 0 to 8"),
    # W is square: the message says why W^0 is refused and where the power is (it said position 1).
    ("W^0", "the power 0 at position 2 applies to a matrix: a matrix takes a whole power from 1 to 8"),
    ("diag(x)^0 W", "the power 0 at position 8"),
    ("W⁰", "the power 0 at position 2"),
    ("W_in^2", "the power 2 at position 5 applies to a matrix of size n×m: only a square matrix takes a power"),
    ("delta_t^2", "applies to a gradient"),
    ("W^T diag(", "ends too early"),
    # An unclosed brace is the cause, not the '=' the parser meets next (it said: an assignment).
    (r"\frac{\partial h_t}{\partial h_{t-1} = W", "the '{' at position 20 is never closed"),
    (r"W^T \operatorname{diag(\sigma'(x_{t-1}))", "the '{' at position 18 is never closed"),
    ("W ) D", "unexpected ')' at position 3"),
    ("Q W", "unknown name 'Q' at position 1"),
    ("x", "not a matrix"),
    ("W_in", "not n×n"),
    (r"\input{/etc/passwd}", "not part of the formula language"),
    ("W" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH}"),
    ("", "empty"),
])
def test_bad_input_is_a_documented_error(text, message, tmp_path):
    marker = tmp_path / "pwned"
    text = text.replace("MARKER", str(marker))  # were the text ever run, this file would exist
    with pytest.raises(InputError) as error:
        check(text)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert "\\\\" not in str(error.value)  # the formula shown as typed, never repr'd
    assert not marker.exists()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list("WxhDI^T'()[]{}_-+*@.σ⊙ 12\\") + ["diag", "sigma", "tanh", r"\top", r"\left(", "f'"]),
                max_size=12).map("".join))
def test_fuzz_any_string_gives_a_verdict_or_the_documented_error(text):
    try:
        r = check(text)
    except SymbpttError:
        return
    assert set(statuses(r).values()) <= {"proved", "numeric", "refuted"}


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_arbitrary_unicode(text):
    try:
        check(text)
    except SymbpttError:
        pass


def test_json_report_has_the_documented_keys():
    data = json.loads(render_check(check(PASCANU[1]), "json"))
    assert {"input", "parsed", "numerator", "denominator", "form", "readings", "verdicts"} <= set(data)
    assert "counterexample" not in data  # once, per layout
    assert data["form"]["key"] == "pascanu" and data["form"]["reason"]
    assert data["numerator"] == {"holds": False, "status": "refuted", "counterexample": data["numerator"]["counterexample"]}
    assert data["parsed"] == r"\mathbf{W}^{\top} \operatorname{diag}\left(\sigma'\left(\mathbf{x}_{t-1}\right)\right)"
    example = data["numerator"]["counterexample"]
    assert example["n"] == 2 and len(example["claim"]) == 2
    assert any(r["form"] == "row" and r["layout"] == "numerator" for r in data["readings"])
    # every (form, reading, layout) verdict, the main ones included
    keys = {(v["form"], v["layout"], v["binding"]) for v in data["verdicts"]}
    assert ("pascanu", "numerator", "as-written") in keys and len(keys) >= 8


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "latex-fragment", "json"])
def test_check_reports_are_deterministic(fmt):
    assert render_check(check(PASCANU[0]), fmt) == render_check(check(PASCANU[0]), fmt)


@pytest.mark.parametrize("argv, code", [
    (["check", "W diag(sigma'(x))", "--expect", "numerator"], 0),
    (["check", "W diag(sigma'(x))", "--expect", "denominator"], 1),
    (["check", "W^T diag(sigma'(x))", "--expect", "numerator"], 1),
    (["check", "W^T diag(sigma'(x))"], 0),
    (["check", "W^T diag("], 2),
    (["check", "W D", "--define", "D"], 2),
    (["check", "W D", "--define", "\\x=W"], 2),
    (["check", "A D", "--recurrent", "A", "--define", "D=diag(sigma'(x))", "--expect", "numerator"], 0),
    (["check", "W", "-o", "out.pdf"], 2),
])
def test_check_cli_exit_codes(capsys, argv, code):
    got, out, err = run_cli(capsys, *argv)
    assert got == code
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("symbptt") and out == ""


@pytest.mark.parametrize("defines, message", [
    # it said "the formula is empty", of the formula that is not
    (["--define", "D="], "--define D= gives D an empty definition"),
    (["--define", "D= "], "--define D= gives D an empty definition"),
    # the last one silently won
    (["--define", "D=diag(sigma'(x))", "--define", "D=I"], "--define gives D twice"),
    (["--define", "D_{t}=I", "--define", "D_t=W"], "--define gives D_t twice"),  # one name, two spellings
])
def test_an_empty_or_repeated_definition_is_a_one_line_error(capsys, defines, message):
    code, out, err = run_cli(capsys, "check", "W D_t" if "D_t" in message else "W D", *defines)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err


def test_check_cli_writes_json_file(tmp_path, capsys):
    path = tmp_path / "verdict.json"
    assert main(["check", PASCANU[0], "-o", str(path)]) == 0
    assert json.loads(path.read_text())["denominator"]["status"] == "refuted"


@pytest.mark.parametrize("text, form, holds, choice", [
    # σ' at the pre-activation of a network written without bias: the post-activation form.
    ("diag(1 - tanh^2(W h_{t-1} + U x_t)) W", "elman", {"numerator"}, None),
    # 1 − h_t² names the current state: the reading the form's reason assumes comes first.
    ("W diag(1 - h_t^2)", "elman", set(), ("time", "x_t")),
    # * between a matrix and a vector scales, as numpy broadcasts: a 1-D array scales the
    # columns, W diag(1 - h_t²), right in neither layout (the rows reading, a column array
    # (n, 1), is listed among the readings, not the headline).
    ("W * (1 - h_t**2)", "elman", set(), ("broadcast", "columns")),
    # A row gradient on the left is row-vector code: its row form is the headline.
    ("(dh * (1 - h_next**2)) @ Whh.T", "row-elman", {"numerator"}, None),
])
def test_lecturer_review_cases(text, form, holds, choice):
    r = check(text, activation="tanh")
    assert r.form.key == form
    assert {l.value for l, v in r.verdicts.items() if v.holds} == holds
    if choice:
        assert any(c.key.split("@")[0] == choice[0] and c.option == choice[1] for c in r.reading.choices)


def test_a_reading_never_repeats_a_main_verdict_that_holds():
    r = check(r"\operatorname{diag}\Big(1-\tanh^2(\cdot)\Big) W_{hh}")
    assert r.verdict("numerator").holds
    assert not [v for v in r.readings if (v.form, v.layout.value) == (r.form.key, "numerator")]


def test_the_bound_does_not_speak_for_a_formula_above_it():
    r = check("W^T W diag(sigma'(x_{t-1}))")
    assert r.bound.holds and not r.bound.claim_within
    assert "the bound says nothing about it" in render_check(r, "text")


@pytest.mark.parametrize("text, activation", [
    ("W^T diag(sigma'(x_{t-1}))", None), ("diag(1 - h^2) W", "tanh"), ("W W^T diag(f'(x))", None),
    ("W diag(relu'(h_{t-1}))", "relu")])
def test_the_bound_norms_in_float64_are_the_30_digit_norms(text, activation):
    """The bound's norms come from float64 entries and one-sided Jacobi; here SymPy
    evaluates the same matrices at 30 digits and mpmath takes their singular values."""
    import mpmath
    import sympy as sp

    from symbptt.check import _bound_env, _bound_values
    from symbptt.explicit import explicit

    r = check(text, activation=activation)
    rec, env = r.recurrence, _bound_env(r.recurrence)
    values = _bound_values(rec)

    def norm(m):
        m = rec.activation.numeric_form(m).xreplace(values)
        with mpmath.workdps(30):
            rows = [[mpmath.mpf(sp.N(e, 30)) for e in row] for row in m.tolist()]
            return max(mpmath.svd_r(mpmath.matrix(rows), compute_uv=False))

    D = explicit(rec.derivative_diag(rec.derivative_point), env)
    for got, m in ((r.bound.W, env[rec.W]), (r.bound.D, D), (r.bound.claim, explicit(r.expr, env))):
        assert abs(got - float(norm(m))) <= 1e-13 * float(norm(m))


@pytest.mark.parametrize("text, holds", [("diag(H(a_t)) W", "numerator"), ("W^T diag(H(a_t))", "denominator"),
                                         (r"\operatorname{diag}\left(H\left(a_t\right)\right) W", "numerator")])
@pytest.mark.parametrize("activation", ["relu", None])
def test_heaviside_is_relus_derivative_as_the_report_prints_it(text, holds, activation):
    """The report prints ReLU′ as H(·), and H(a_t) was an unknown name: h_t = relu(W h_{t-1} + …)
    has the numerator Jacobian diag(H(a_t)) W."""
    r = check(text, activation=activation, recurrence="elman")
    assert r.recurrence.activation.name == "relu" and r.verdict(holds).status == "proved"
    assert any("Heaviside" in n.text for n in r.reading.notes)


def test_heaviside_with_another_activation_or_a_prime_is_an_error():
    with pytest.raises(InputError, match="H, the Heaviside step .ReLU's derivative., at position 6 differs "
                                         "from the activation tanh; give --activation relu"):
        check("diag(H(a_t)) W", activation="tanh")
    with pytest.raises(InputError, match="unknown name 'H'"):  # H alone stays a name
        check("H W")


@pytest.mark.parametrize("depth", [1, 3, 4, 12])
def test_parentheses_left_open_at_the_end_are_closed_at_any_depth(depth):
    """(((W was closed and ((((W said "ends too early": one rule for every depth."""
    r = check("(" * depth + "W diag(sigma'(x_{t-1}")
    assert r.claim.closed == depth + 2 and r.verdict("numerator").status == "proved"


@pytest.mark.parametrize("text, hint", [
    ("dh_prev = W.T @ dh", "paste only its right-hand side"),
    ("W diag(sigma'(x t-1))", "lost its subscript"),
])
def test_hints_for_what_people_paste(text, hint):
    with pytest.raises(InputError, match=re.escape(hint)):
        check(text)


def test_a_whole_power_of_a_matrix_is_the_matrix_times_itself():
    """W² is W W (a product written out over two steps ends in W_hh^k, k = 2); a power of a
    vector stays entrywise."""
    r = check(r"\frac{\partial h_t}{\partial h_{t-1}} = W_{hh}^{2}", activation="identity", recurrence="elman")
    assert str(r.expr) == "W*W" and not any(v.holds for v in r.verdicts.values())
    r = check(r"(\operatorname{diag}(\sigma'(a_t)) W)^1", recurrence="elman")
    assert r.verdict("numerator").holds
    assert str(check("x^2 W").expr) == str(check("diag(x_{t-1}^2) W").expr)


@pytest.mark.parametrize("text,form", [("dh_t/dh_{t-1} = 0", "elman"), (r"\mathbf{0}", "pascanu"),
                                       ("0", "row"), ("O", "pascanu"), (r"\mathbf{O}", "elman"),
                                       (r"dh_t/dh_{t-1} = \mathbf{0}_{n \times n}", "elman"),
                                       (r"0_{n\times n}", "pascanu"), (r"\mathbf{0}_n", "pascanu"),
                                       ("O_{n \\times n}", "elman"), (r"\boldsymbol{0}", "pascanu")])
def test_a_jacobian_claimed_zero_is_refuted_with_a_counterexample(text, form):
    """0 where the Jacobian is meant is judged, not refused: W σ' is not zero at any size."""
    r = check(text, activation="tanh", recurrence=form)
    assert statuses(r) == {"numerator": "refuted", "denominator": "refuted"}
    for layout in ("numerator", "denominator"):
        c = r.verdict(layout).counterexample
        assert c.claim_value == 0 and abs(c.truth_value) > 1e-6
    assert not r.readings  # no other form, reading or layout makes it right


@pytest.mark.parametrize("text,message", [
    (r"0_{n \times m}", "the zero at position 1 has size n×m, but the block is n×n"),
    (r"\mathbf{0}_m", "the zero at position 9 has size m"), ("O_m", "the zero at position 1 has size m"),
    ("0_{t-1}", "the subscript of 0 at position 2 is not a size: t-1 is a time index"),
    ("O_t", "unknown name 'O_t'"),
    ("0_t", "the subscript of 0 at position 2 is not a size: t is a time index, and a zero matrix has no time step"),
    (r"\mathbf{0}_{k}", "the subscript of 0 at position 11 is not a size: k is a time index"),
])
def test_a_zero_of_another_size_or_a_label_is_an_error(text, message):
    """A zero whose size contradicts the n×n Jacobian is refused, not judged as the n×n zero;
    O_t is a label, not a size."""
    with pytest.raises(InputError, match=re.escape(message)) as exc:
        check(text, activation="tanh", recurrence="pascanu")
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("text", ["diag(1_n - h_t^2) W", r"\operatorname{diag}(\mathbf{1}_n - h_t^2) W",
                                  "diag(1_{n} - h_t^2) W"])
def test_1_n_is_the_ones_vector(text):
    """1_n, \\mathbf{1}_n: the ones vector of size n, read as 1 is in 1 − h_t² (sized as 0_n is)."""
    r = check(text, activation="tanh", recurrence="elman")
    assert r.expr == check("diag(1 - h_t^2) W", activation="tanh", recurrence="elman").expr
    assert statuses(r)["numerator"] == "proved"


@pytest.mark.parametrize("text,message", [
    ("1_m", "the ones vector at position 1 has size m, but the state's is n: write 1 or 1_n"),
    ("diag(1_t - h_t^2) W", "the subscript of 1 at position 7 is not a size: t is a time index"),
    ("1_n", "the formula is a number or a constant vector (1_n), not a matrix"),
])
def test_a_ones_vector_of_another_size_is_an_error(text, message):
    with pytest.raises(InputError, match=re.escape(message)) as exc:
        check(text, activation="tanh", recurrence="elman")
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("text,message", [
    ("sigma'(x_{t-1})", "the formula is a vector, not a matrix; a one-step Jacobian is an n×n matrix "
                        "(for the diagonal matrix of the vector's entries write diag(…) around it)"),
    ("1 - h_t^2", "the formula is a vector, not a matrix"),
    ("2", "the formula is a number or a constant vector (1_n), not a matrix"),
])
def test_a_vector_or_scalar_alone_says_what_it_is(text, message):
    """σ'(x_{t-1}) alone is the vector of the Jacobian's diagonal, not the Jacobian: the error
    says it is a vector and how to write the diagonal matrix (it said "not a matrix")."""
    with pytest.raises(InputError, match=re.escape(message)):
        check(text)


@pytest.mark.parametrize("text", [r"∂h_t/∂h_{t-1} = O_{n\times n} + W diag(σ'(h_{t-1}))",
                                  r"W diag(σ'(h_{t-1})) + 0_{n \times n}", "W diag(σ'(h_{t-1})) - 0",
                                  "0 + W diag(σ'(h_{t-1}))"])
def test_a_zero_term_is_dropped_from_the_reading(capsys, text):
    """O_{n×n} + M is read, and printed, as M, as a cell's reading drops its zero terms."""
    r = check(text, activation="tanh", recurrence="pascanu")
    assert r.expr == check("W diag(σ'(h_{t-1}))", activation="tanh", recurrence="pascanu").expr
    assert statuses(r)["numerator"] == "proved"
    code, out, err = run_cli(capsys, "check", text, "-r", "pascanu")
    assert code == 0 and "read as:     W diag(σ'(h_{t-1}))\n" in out  # in the formula's own names


@pytest.mark.parametrize("text,message", [
    ("W^T h_t ⊙ (1 − h_t)", "(W^T h_t) ⊙ (1 − h_t) at position 1 is a vector, not a matrix: the product W^T h_t "
     "is taken first, and ⊙ multiplies the vector it gives entrywise by (1 − h_t); for the Jacobian write "
     "W^T diag(h_t ⊙ (1 − h_t)), or group the entrywise product: W^T (h_t ⊙ (1 − h_t))"),
    ("W.T @ hs[t] * (1 - hs[t]**2)", "for the Jacobian write W^T diag(h_t ⊙ (1 − h_t^2))"),
    ("(1 - h_t^2) ⊙ (W h_{t-1})", "the product W h_{t-1} is taken first, and ⊙ multiplies the vector"),
])
def test_a_matrix_times_a_vector_times_another_vector_entrywise_says_so(text, message):
    """M v ⊙ u is a vector: the message says the product is taken first and what to write,
    not that 'the vectors combined are functions of different vectors'."""
    with pytest.raises(InputError) as exc:
        check(text, activation="tanh")
    assert message in str(exc.value) and "\n" not in str(exc.value)
    suggested = re.search(r"write (.*?), or group", str(exc.value))
    if suggested:  # what the message says to write is accepted
        assert check(suggested.group(1), activation="tanh").expr == check(
            str(exc.value).rsplit(": ", 1)[1], activation="tanh").expr


def test_O_given_a_role_is_not_the_zero_matrix():
    r = check("O", activation="tanh", recurrence="elman", roles=Roles(defines=(("O", parse("W")),)))
    assert str(r.expr) == "W"


def test_deeplearning_ai_names_the_state_a():
    """deeplearning.ai writes the hidden state a^⟨t⟩ and the recurrent weight W_aa (the notebook's
    cell a^⟨t⟩ = tanh(W_aa a^⟨t-1⟩ + W_ax x^⟨t⟩ + b_a)): with W_aa written, a is that state, so
    W_aaᵀ diag(1 − (a^⟨t⟩)²) is judged as the corpus's torch-checked entry of that notebook is
    (np.dot(Waa.T, dtanh), dtanh = diag(1 − a_next²)). It was refuted, a read as a pre-activation."""
    from .data.corpus import ENTRIES

    label = next(e for e in ENTRIES if e.id == "deeplearningai-rnn-cell-backward").holds
    r = check(r"W_{aa}^T \operatorname{diag}(1 - (a^{\langle t \rangle})^2)")
    assert {l.value for l in Layout if r.verdict(l).holds} == label
    assert r.recurrence.activation.name == "tanh"  # σ' written through the state, 1 − a²
    assert any("deeplearning.ai" in n.text for n in r.notes)
    # Without W_aa, a is the pre-activation, and 1 − a_t² is not tanh'(a_t): refuted.
    assert not any(check(r"W^T \operatorname{diag}(1 - a_t^2)").verdict(l).holds for l in Layout)


@pytest.mark.parametrize("time", [r"^{\langle t \rangle}", "^{<t>}", "^⟨t⟩", r"^{\left\langle t \right\rangle}"])
@pytest.mark.parametrize("activation", [None, "tanh"])
def test_angle_brackets_name_deeplearning_ais_state_a(time, activation):
    """The angle-bracket time a^⟨t⟩ is deeplearning.ai's (and its translations'), whose a is the
    hidden state even without W_aa: Wᵀ diag(1 − (a^⟨t⟩)²) is the notebook's backward step, the
    denominator Jacobian the torch-checked corpus entry of that notebook is labelled with. Read
    as a pre-activation it was refuted in both layouts, "no other reading makes it right"."""
    from .data.corpus import ENTRIES

    label = next(e for e in ENTRIES if e.id == "deeplearningai-rnn-cell-backward").holds
    r = check(r"W^T \operatorname{diag}(1 - (a%s)^2)" % time, activation=activation)
    assert r.reading.state == "a"
    assert {l.value for l in Layout if r.verdict(l).holds} == label
    assert any("angle brackets" in n.text for n in r.notes)


def test_goodfellows_parenthesised_a_stays_the_pre_activation():
    """Goodfellow's a^{(t)} = b + W h^{(t-1)} + U x^{(t)}, h^{(t)} = tanh(a^{(t)}) (Deep Learning,
    eq. 10.8–10.9): its Jacobian ∂h^{(t)}/∂h^{(t-1)} is diag(1 − tanh²(a^{(t)})) W = diag(1 − (h^{(t)})²) W,
    numerator layout. 1 − (a^{(t)})² is not tanh'(a^{(t)}), so with a^{(t)} it holds in neither."""
    r = check(r"\operatorname{diag}(1 - \tanh^2(a^{(t)})) W")
    assert r.reading.state != "a" and {l for l in Layout if r.verdict(l).holds} == {Layout.NUMERATOR}
    assert {l for l in Layout if check(r"\operatorname{diag}(1 - (h^{(t)})^2) W").verdict(l).holds} == {Layout.NUMERATOR}
    r = check(r"\operatorname{diag}(1 - (a^{(t)})^2) W", activation="tanh")
    assert r.reading.state != "a" and not any(r.verdict(l).holds for l in Layout)


def test_the_bracket_of_a_time_superscript_is_recorded():
    # Only a time superscript carries it; a label in parentheses (W^{(rec)}) is a name, not a time.
    from symbptt.grammar import Name
    assert [parse(t).expr.bracket for t in (r"a^{\langle t-1 \rangle}", "a^{<t>}", "a^⟨t⟩", "a^{(t)}", "a_t", "hs[t]")] \
        == ["⟨", "⟨", "⟨", "(", "", ""]
    assert isinstance(parse("W^{(rec)}").expr, Name) and parse("W^{(rec)}").expr.bracket == ""


@pytest.mark.parametrize("formula", [
    r"W_{aa}^T \operatorname{diag}(1 - \tanh^2(W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle} + b_a))",
    "Waa.T @ np.diag(1 - np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev))**2)",
    "Waa.T @ np.diag(1 - np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + ba)**2)",
])
def test_deeplearning_ais_x_is_the_input(formula):
    """In deeplearning.ai's cell a^⟨t⟩ = tanh(W_aa a^⟨t-1⟩ + W_ax x^⟨t⟩ + b_a), a is the state and
    x the input (W_ax is an input weight), so its denominator Jacobian is
    W_aaᵀ diag(1 − tanh²(W_aa a^⟨t-1⟩ + W_ax x^⟨t⟩ + b_a)). x was taken for the state, and the
    formula refused: "the product multiplies shapes n×m and n×1". Code's ba is the bias b_a."""
    r = check(formula)
    assert r.reading.state == "a"
    assert {l for l in Layout if r.verdict(l).holds} == {Layout.DENOMINATOR}
    assert any(n.text == "{name} is read as the input {symbol}" and dict(n.math)["name"] in ("x", "x_t") for n in r.notes)


@pytest.mark.parametrize("formula", [
    r"W^T \operatorname{diag}(1 - \tanh^2(U x_t + W h_{t-1} + b))",
    "Waa.T @ np.diag(1 - np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + ba)**2)",
])
def test_the_pre_activation_is_recognised_in_any_order_of_its_terms(formula):
    # Wᵀ diag(1 − tanh²(W h_{t-1} + U x_t + b)) is the denominator Jacobian of the Elman cell,
    # proved; with the input term first it was only "numeric", its form undecided.
    r = check(formula)
    assert r.verdict(Layout.DENOMINATOR).status == "proved" and not r.verdict(Layout.NUMERATOR).holds
    assert r.form.reason.text == "σ' is taken at the step-t pre-activation"


@pytest.mark.parametrize("formula, written", [
    ("W.T @ np.diag(1 - next_h**2)", "next_h"), ("W_aa.T @ np.diag(1 - a_next**2)", "a_next"),
    ("W.T @ np.diag(1 - h_next**2)", "h_next"),
])
def test_code_time_words_are_shown_as_written(formula, written):
    # next_h is read as h at step t+1 of its own code; the note showed that as "h_{+1}".
    from symbptt.render import render_check
    r = check(formula)
    note = next(n for n in r.notes if n.text == "{name} is read as the current state {role}")
    assert dict(note.math)["name"] == written
    text = render_check(r, "text")
    state = written.replace("_next", "").replace("next_", "")  # the report names the state as the formula does
    assert f"{written} is read as the current state {state}_t" in text and "+1" not in text


def test_a_pre_activation_without_bias_is_judged_and_said_once():
    # CS224d's notes: the read-as line printed "+ b" while a note said the pre-activation was
    # read "of a network without it". What is judged is σ' at the full a_t; one note says so.
    from symbptt.render import render_check
    r = check("W^T diag[f'(W h_{j-1} + W^{(hx)} x_j)]")
    text = render_check(r, "text")
    assert "read as:     Wᵀ diag(σ'(W h_{t-1} + W_hx x_t + b))" in text  # in the formula's own names
    assert ("σ' is taken at the step's pre-activation written without the bias: b is added, and the "
            "formula is judged with σ' at a_t = W h_{t-1} + W_hx x_t + b") in text
    assert "network without" not in text and text.count("without the bias") == 1


SCALAR_NOTES = r"\frac{\partial h_t}{\partial h_{t-1}} = w \tanh'(w h_{t-1} + u x_t)"


def test_scalar_lecture_notes_w_and_u_are_the_weights():
    # h_t = tanh(w h_{t-1} + u x_t) with scalars w, u: ∂h_t/∂h_{t-1} = w tanh'(…), whose
    # matrix form is diag(σ'(a_t)) W in numerator layout. It was an error: u was the input
    # vector, so u x_t "combined different vectors".
    r = check(SCALAR_NOTES)
    assert r.form.key == "elman" and r.verdict("numerator").status == "proved"
    assert not r.verdict("denominator").holds
    texts = {n.text for n in r.notes}
    assert ("{name} is read as the input weight {W}: it multiplies the input {x}, as the weight u "
            "does in scalar lecture notes (w h + u x)") in texts
    assert [c.text.text for c in r.reading.choices] == ["the vector read as scaling the rows, {m}"]


def _scaling_text(r):
    """The main reading's rows-or-columns choice and the matrix its text shows."""
    (choice,) = [c for c in r.reading.choices if c.key.startswith("scaling@")]
    return choice.text.text, dict(choice.text.math)["m"]


@pytest.mark.parametrize("formula, activation", [
    (r"\frac{\partial h_t}{\partial h_{t-1}} = w h_t (1 - h_t)", "sigmoid"),
    (r"w h_t (1 - h_t)", "sigmoid"),
    (r"w (h_t (1 - h_t))", "sigmoid"),
    (r"h_t (1 - h_t) w", "sigmoid"),
    (r"h_t w (1 - h_t)", "sigmoid"),
    (r"w \sigma(w h_{t-1} + u x_t)(1 - \sigma(w h_{t-1} + u x_t))", "sigmoid"),
    (r"w (1 - h_t^2)", "tanh"),
    (r"\prod_{i=k+1}^{t} w \sigma'(a_i)", "sigmoid"),
    (r"\prod_{i=k+1}^{t} w f'(net_i)", "tanh"),
    (r"\frac{\partial h_t}{\partial h_k} = \prod_{i=k+1}^{t} w \sigma'(a_i)", "sigmoid"),
])
def test_scalar_notes_w_scales_the_product_of_all_its_vectors(formula, activation):
    """Scalar notes: h_t = σ(w h_{t-1} + u x_t), so ∂h_t/∂h_{t-1} = w σ'(a_t) = w h_t (1 − h_t)
    for the sigmoid (w (1 − h_t²) for tanh), and ∂h_t/∂h_k = ∏ w σ'(a_i). Scalars commute, so
    w v1 v2 … is w times v1 ⊙ v2 ⊙ …; the matrix form of this Elman form is diag(σ'(a_t)) W in
    numerator layout and Wᵀ diag(σ'(a_t)) in denominator layout. These were read as
    W diag(h_t) diag(1 − h_t), or as the backward factor W diag(σ'(a_t)) inside ∏, and refuted
    in both layouts."""
    r = check(formula, activation=activation)
    assert r.form.key == "elman"
    assert r.verdict("numerator").status == "proved" and not r.verdict("denominator").holds
    text, shown = _scaling_text(r)
    assert text == "the vector read as scaling the rows, {m}" and shown == r.reading.expr


def test_scalar_notes_say_each_note_once_and_show_names_as_written():
    """σ(w h_{t-1} + u x_t) twice says once that u is the input weight; an input written at
    t−1 is shown as x_{t-1}, not as its key x_t-1."""
    r = check(r"w \sigma(w h_{t-1} + u x_t)(1 - \sigma(w h_{t-1} + u x_t))", activation="sigmoid")
    texts = [n.text for n in r.notes]
    assert len(texts) == len(set(r.notes))
    assert sum("input weight" in t for t in texts) == 1
    assert ("σ is taken at the step's pre-activation written without the bias: {m0} is added, and "
            "the formula is judged with σ at {a}") in texts
    r = check(r"w \tanh'(w h_{t-1} + u x_{t-1})")
    assert r.verdict("numerator").status == "proved"  # the input's step does not enter ∂h_t/∂h_{t-1}
    shown = [dict(n.math)["name"] for n in r.notes if n.text == "{name} is read as the input {symbol}"]
    assert shown == ["x_{t-1}"]
    text = render_check(r, "text")
    assert "x_{t-1} is read as the input x_t" in text and "x_t-1" not in text  # the input as the formula names it


def test_scalar_notes_reading_text_shows_every_factor_judged():
    """w σ'(a_t) h_{t-1} is w times σ'(a_t) ⊙ h_{t-1}: its reading W diag(σ'(a_t)) diag(x_{t-1})
    (or the rows) is what is judged, and it is wrong: the true Jacobian of the Elman form is
    diag(σ'(a_t)) W (numerator), Wᵀ diag(σ'(a_t)) (denominator), with no x_{t-1} factor."""
    r = check(r"w \sigma'(w h_{t-1} + u x_t) h_{t-1}", activation="sigmoid")
    text, shown = _scaling_text(r)
    assert shown == r.reading.expr and "x_prev" in str(shown)
    assert statuses(r) == {"numerator": "refuted", "denominator": "refuted"}


@pytest.mark.parametrize("formula", [
    r"w h_{t-1} (1 - h_{t-1})",
    r"\frac{\partial h_t}{\partial h_{t-1}} = w h_{t-1} (1 - h_{t-1})",
    r"w h_t (1 + h_t)",
    r"h_t w (1 - h_t) h_t",
    r"w \sigma'(a_t) h_{t-1}",
    r"\prod_{i=k+1}^{t} w h_i (1 + h_i)",
    r"2 w h_t (1 - h_t)",  # read as 2 w scaling h_t ⊙ (1 − h_t): twice the Jacobian
    r"-w h_t (1 - h_t)",
])
def test_wrong_scalar_formulas_stay_refuted_for_the_elman_sigmoid(formula):
    """For h_t = σ(w h_{t-1} + u x_t), σ the sigmoid, ∂h_t/∂h_{t-1} is w h_t (1 − h_t): its
    matrix form diag(h_t ⊙ (1 − h_t)) W (numerator), Wᵀ diag(h_t ⊙ (1 − h_t)) (denominator).
    None of these is it, so the rows-or-columns reading must leave each refuted in both layouts,
    under every reading of the Elman form as written (σ' moved to a_t is another claim)."""
    r = check(formula, activation="sigmoid", recurrence="elman")
    assert statuses(r) == {"numerator": "refuted", "denominator": "refuted"}
    assert not [v for v in r.readings if v.form == "elman" and v.binding == "as-written" and v.holds]


@pytest.mark.parametrize("formula, message", [
    # u with a time index is the input vector: u_t x_t multiplies the input by the input.
    (SCALAR_NOTES.replace("u x_t", "u_t x_t"),
     "the product u_t x_t at position 62 multiplies two vectors: u_t and x_t are read as the input "
     "vector u_t (h is the state); write U or W_in for the input weight, or give u_t a role with "
     "--define u_t=… or --recurrent u_t"),
    # x the state: u is the input vector, and u x_{t-1} an input times the state.
    (r"W \tanh'(W x_{t-1} + u x_{t-1})",
     "the product u x_{t-1} at position 22 multiplies two vectors: u is read as the input vector "
     "u_t (x is the state); write U or W_in for the input weight, or give u a role with "
     "--define u=… or --recurrent u"),
])
def test_a_product_of_two_vectors_says_which_is_the_input(capsys, formula, message):
    code, out, err = run_cli(capsys, "check", formula)
    assert code == 2 and err == f"symbptt: error: {message}\n"


def test_a_product_over_steps_with_its_left_side_is_its_factor_judged():
    """Pascanu et al.'s eqs. 3 and 5 as printed, ∂x_t/∂x_k = ∏_{t>i>k} W_recᵀ diag(σ'(x_{i-1})),
    were refused ("x appears at i-1, which is neither t nor k"): the product's own index reads
    as a one-step factor's, judged as the corpus's torch-checked label of the factor says."""
    from .data.corpus import ENTRIES

    entry = next(e for e in ENTRIES if e.id == "pascanu2013-eq5")
    lhs, _, rest = entry.printed.partition(" = ")
    whole = check(f"{lhs} = {rest.partition(' = ')[2]}")
    assert whole.multi_step and {l.value for l in Layout if whole.verdict(l).holds} == entry.holds
    assert [whole.verdict(l).status for l in Layout] == [check(entry.formula).verdict(l).status for l in Layout]
    # a one-step left side leaves no room for another index
    with pytest.raises(InputError, match=r"appears as h_\{i-1\}, which is neither h_t nor h_\{t-1\}"):
        check(r"\frac{\partial h_t}{\partial h_{t-1}} = W^T \operatorname{diag}(\sigma'(h_{i-1}))")


def test_a_define_names_the_activation_and_the_gradient_keeps_its_name():
    """deeplearning.ai's rnn_cell_backward as code: dtanh = (1 - np.tanh(z)**2) * da_next, then
    np.dot(Waa.T, dtanh). The activation is the one the --define uses (it said "tanh … differs
    from the activation sigma"), and the note names da_next as written (it said "da")."""
    from symbptt.claim import define_key

    roles = Roles(defines=((define_key("dtanh"), parse("(1 - np.tanh(z)**2) * da_next")),))
    r = check("np.dot(Waa.T, dtanh)", roles=roles)
    assert r.recurrence.activation.name == "tanh"
    assert any(n.math and dict(n.math).get("g") == "da_next" for n in r.notes), r.notes
    assert {l.value for l in Layout if r.verdict(l).holds} == {"denominator"}  # Waaᵀ diag(tanh'(a_t))


def test_cho_s_input_weight_w_gets_a_hint_that_works(capsys):
    """Cho et al. write h_t = tanh(W x_t + U h_{t-1}): W the input weight, U the recurrent one,
    so ∂h_t/∂h_{t-1} = diag(1 − tanh²(W x_t + U h_{t-1})) U in numerator layout. W is the
    recurrent weight by default: the shape error says so, and its suggestion judges it."""
    text = "diag(1 - tanh^2(W x_t + U h_{t-1})) U"
    code, _, err = run_cli(capsys, "check", text)
    assert code == 2 and "W is read as the recurrent weight" in err and "--define W=W_in --recurrent U" in err
    code, out, _ = run_cli(capsys, "check", text, "--define", "W=W_in", "--recurrent", "U", "-f", "json")
    report = json.loads(out)
    assert code == 0 and (report["numerator"]["status"], report["denominator"]["status"]) == ("proved", "refuted")


def test_a_lower_case_superscript_t_after_a_one_step_derivative_is_a_transpose():
    """W^t after ∂h_t/∂h_{t-1}: a product over t steps is no one-step Jacobian, so the only
    reading is the transpose (it listed the row form "with the superscript t read as a product
    over t steps" as right); without a left side both are judged."""
    def options(result):
        return {c.option for v in result.all_verdicts for c in v.reading.choices if c.key.startswith("power-t")}
    r = check(r"\partial h_t/\partial h_{t-1} = W^t diag(sigma'(a_t))")
    assert options(r) == set() and r.readings == ()
    assert any("read as a transpose" in n.text for n in r.notes) and r.verdict("denominator").status == "proved"
    assert options(check("W^t diag(sigma'(a_t))")) == {"steps", "transpose"}


@pytest.mark.parametrize("text,plain_text,tex", [
    ("diag(W (x_{t-1} + 1)) W", "diag(W (x_{t-1} + 1)) W",
     r"\operatorname{diag}\left(\mathbf{W} \left(\mathbf{x}_{t-1} + 1\right)\right) \mathbf{W}"),
    ("diag(W^T (1 - h_t^2))", "diag(Wᵀ (1 - h_t²))",
     r"\operatorname{diag}\left(\mathbf{W}^{\top} \left(1 - \mathbf{h}_{t}^{2}\right)\right)"),
    ("(W^T (1 - h_t^2)) ⊙ δ_t", "diag(Wᵀ (1 - h_t²))",
     r"\operatorname{diag}\left(\mathbf{W}^{\top} \left(1 - \mathbf{h}_{t}^{2}\right)\right)"),
    ("diag(W (h_t (1 - h_t))) W", "diag(W (h_t·(1 - h_t))) W",
     r"\operatorname{diag}\left(\mathbf{W} \left(\mathbf{h}_{t} \left(1 - \mathbf{h}_{t}\right)\right)\right) \mathbf{W}"),
    ("diag(W^T (1 - h_t^2) + 1)", "diag(Wᵀ (1 - h_t²) + 1)",
     r"\operatorname{diag}\left(\mathbf{W}^{\top} \left(1 - \mathbf{h}_{t}^{2}\right) + 1\right)"),
])
def test_a_matrix_times_an_entrywise_sum_keeps_its_parentheses(capsys, text, plain_text, tex):
    """W (x + 1) is not W x + 1: the "read as" line, in every format, brackets an entrywise
    sum or product that a matrix multiplies (SymPy holds it as one atom)."""
    code, out, err = run_cli(capsys, "check", text)
    assert f"read as:     {plain_text}\n" in out
    assert json.loads(render_check(check(text), "json"))["parsed"] == tex
    for fmt in ("markdown", "latex"):
        assert tex in render_check(check(text), fmt)


@pytest.mark.parametrize("text", ["(diag(h_t) - diag(h_t)^2) W", "(diag(h_t) - diag(h_t) diag(h_t)) W"])
def test_a_power_of_a_diagonal_is_judged(capsys, text):
    """SymPy turns diag(h) diag(h) into a MatPow: it is judged (a repeated product), not
    refused with an engine message; diag(h) − diag(h)² = diag(h ⊙ (1 − h)), the sigmoid
    Elman numerator Jacobian."""
    r = check(text, activation="sigmoid")
    assert r.form.key == "elman" and statuses(r)["numerator"] in ("proved", "numeric")
    assert statuses(r)["denominator"] == "refuted"
    for fmt in ("text", "json", "markdown", "latex"):
        code, out, err = run_cli(capsys, "check", text, "-f", fmt)
        assert code in (0, 1) and "MatPow" not in out + err
        assert fmt != "text" or "**" not in out
    code, out, err = run_cli(capsys, "check", text, "-a", "sigmoid")
    assert "read as:     (diag(h_t) - diag(h_t)²) W\n" in out
    assert json.loads(render_check(r, "json"))["parsed"] == (
        r"\left(\operatorname{diag}\left(\mathbf{h}_{t}\right) - "
        r"\operatorname{diag}\left(\mathbf{h}_{t}\right)^{2}\right) \mathbf{W}")


@pytest.mark.parametrize("text,number,plain_text,holds", [
    ("W^T diag(1-h_t^2)    (10.21)", "10.21", "Wᵀ diag(1 - h_t²)", "denominator"),
    ("∂h_t/∂h_{t-1} = diag(1 − h_t²) W    (3)", "3", "diag(1 - h_t²) W", "numerator"),
    ("W^T diag(1-h_t^2) (9.7.3)", "9.7.3", "Wᵀ diag(1 - h_t²)", "denominator"),
    (r"W^T diag(1-h_t^2) \qquad (5)", "5", "Wᵀ diag(1 - h_t²)", "denominator"),
])
def test_a_trailing_equation_number_is_read_as_one(capsys, text, number, plain_text, holds):
    """A PDF's equation number copied with the display, "(10.21)" at the end, is not a
    factor: it is left out, and the reading says so."""
    assert parse(text).equation_number == number
    r = check(text)
    assert statuses(r)[holds] == "proved"
    code, out, err = run_cli(capsys, "check", text)
    assert code == 0 and f"read as:     {plain_text}\n" in out
    assert f"({number}) at the end read as an equation number and left out" in out
    assert any(f"({number}) at the end" in n for n in json.loads(render_check(r, "json"))["notes"])


@pytest.mark.parametrize("text,factor", [("(3) W diag(1-h_t^2)", "3 W diag"),
                                         ("W^T diag(1-h_t^2) (0.5)", "(1/2) Wᵀ diag"),
                                         ("W^T diag(1-h_t^2)(2)", "2 Wᵀ diag")])
def test_a_number_in_parentheses_elsewhere_stays_a_factor(capsys, text, factor):
    """Only a whole or dotted number after spacing at the very end is an equation number:
    (3) before the product, a decimal (0.5) or a number right after a parenthesis scales."""
    assert parse(text).equation_number == ""
    # only the last one: before it, (2) is a factor again
    assert parse("W^T diag(1-h_t^2)  (2)  (3)").equation_number == "3"
    assert "read as:     2 Wᵀ diag" in run_cli(capsys, "check", "W^T diag(1-h_t^2)  (2)  (3)")[1]
    code, out, err = run_cli(capsys, "check", text)
    assert f"read as:     {factor}" in out and "equation number" not in out


def _elman_by_torch(torch, seed: int, n: int = 4, m: int = 3):
    """(W, h_t, J) of h_t = tanh(W h_{t-1} + U x_t + b) at seeded random values: W and h_t as
    torch tensors (h_t 1-D, shape (n,)), J = ∂h_t/∂h_{t-1} by torch autograd, numerator layout,
    as a numpy array."""
    torch.manual_seed(seed)
    W, U, b = torch.randn(n, n, dtype=torch.float64), torch.randn(n, m, dtype=torch.float64), torch.randn(n, dtype=torch.float64)
    h_prev, x = torch.randn(n, dtype=torch.float64), torch.randn(m, dtype=torch.float64)
    step = lambda hp: torch.tanh(W @ hp + U @ x + b)
    return W, step(h_prev).detach(), torch.autograd.functional.jacobian(step, h_prev).numpy()


@pytest.mark.parametrize("text", ["np.multiply(1 - h**2, W)", "np.multiply(W, 1 - h**2)",
                                  "torch.mul(1 - h**2, W)", "torch.mul(W, 1 - h**2)"])
def test_np_multiply_and_torch_mul_broadcast_as_star_does(text):
    """np.multiply(v, W) was read as a Hadamard product ⊙, with the rows reading diag(v) W
    first, though numpy (and torch) broadcast a 1-D v along the last axis: W diag(v), as
    v * W is read. Evaluated here by numpy and torch themselves; the truth from autograd."""
    import numpy as np
    torch = pytest.importorskip("torch")
    W, h, J = _elman_by_torch(torch, seed=0)
    lib = {"np": np} if text.startswith("np.") else {"torch": torch}
    as_array = (lambda a: a.numpy()) if text.startswith("np.") else (lambda a: a)
    one_d = np.asarray(eval(text, lib, {"W": as_array(W), "h": as_array(h)}))  # h of shape (n,)
    column = np.asarray(eval(text, lib, {"W": as_array(W), "h": as_array(h[:, None])}))  # (n, 1)
    Wn, hn = W.numpy(), h.numpy()
    assert np.allclose(one_d, Wn @ np.diag(1 - hn**2)) and np.allclose(column, J)
    assert not np.allclose(one_d, J) and not np.allclose(one_d, J.T)

    r = check(text)
    assert r.form.key == "elman" and r.expr == check("W * (1 - h**2)").expr  # as * is read
    assert [c.option for c in r.reading.choices if c.key.startswith("broadcast@")] == ["columns"]
    assert not any(v.holds for v in r.verdicts.values())  # right in neither layout, as numpy says
    (rows,) = [v for v in r.readings if v.form == "elman" and v.layout.value == "numerator"]
    assert rows.status == "proved"
    (choice,) = [c for c in rows.reading.choices if c.key.startswith("broadcast@")]
    assert choice.option == "rows" and f"which {text.split('(')[0]} broadcasts" in choice.text.text
    # two matrices or two vectors stay entrywise products
    assert str(check(text.split("(")[0] + "(W, W)").expr) == str(check("W ⊙ W").expr)


@pytest.mark.parametrize("text", ["(1 - h**2) * W", "W * (1 - h**2)"])
def test_numpy_star_broadcast_is_judged_by_the_arrays_shape(text):
    """numpy's v * W and W * v with v 1-D (shape (n,)) both scale the columns, W diag(v); only a
    column array (n, 1) scales the rows, diag(v) W. The true Jacobian of
    h_t = tanh(W h_{t-1} + U x_t + b) is diag(1 - h_t²) W (torch autograd); the headline is the
    1-D reading, and the rows reading is listed with its shape assumption."""
    import numpy as np
    torch = pytest.importorskip("torch")
    W, h, J = _elman_by_torch(torch, seed=0)
    h, Wn = h.numpy(), W.numpy()
    env = {"W": Wn}
    one_d = eval(text, {}, {**env, "h": h})  # h of shape (n,)
    column = eval(text, {}, {**env, "h": h[:, None]})  # h of shape (n, 1), as min-char-rnn
    assert np.allclose(one_d, Wn @ np.diag(1 - h**2))
    assert not np.allclose(one_d, J) and not np.allclose(one_d, J.T)
    assert np.allclose(column, J)

    r = check(text)
    assert r.form.key == "elman"
    # the headline is the 1-D reading, and it is right in neither layout, as numpy says
    assert [(c.key.split("@")[0], c.option) for c in r.reading.choices
            if c.key.split("@")[0] == "broadcast"] == [("broadcast", "columns")]
    assert not any(v.holds for v in r.verdicts.values())
    # the column-array reading holds as the numerator Jacobian, and its note names the shape
    (rows,) = [v for v in r.readings if v.form == "elman" and v.layout.value == "numerator"]
    assert rows.status == "proved"
    (choice,) = [c for c in rows.reading.choices if c.key.startswith("broadcast@")]
    assert choice.option == "rows" and "column array (shape (n, 1))" in choice.text.text
    assert "min-char-rnn" in choice.text.text
    text_report = render_check(r, "text")
    assert "numerator layout: REFUTED" in text_report and "PROVED" not in text_report
    assert "1-D array (shape (n,))" in text_report


#: numpy and PyTorch code with the shapes and transposes it writes (each was "unexpected '.'" or
#: "unexpected ':'"); `lib` is the library the code is evaluated with in the test.
SHAPED_CODE = [("np.transpose(W) @ np.diag(1 - h**2)", "np"), ("W.T @ np.diag(1 - h**2)", "np"),
               ("W_hh.t() @ torch.diag(1 - h**2)", "torch"), ("W_hh.mT @ torch.diag(1 - h**2)", "torch"),
               ("torch.t(W_hh) @ torch.diag(1 - h**2)", "torch"), ("W.transpose() @ np.diag(1 - h**2)", "np"),
               ("(1 - h**2)[:, None] * W", "np"), ("W * (1 - h**2)[:, np.newaxis]", "np"),
               ("(1 - h**2).reshape(-1, 1) * W", "np"), ("(1 - h**2).unsqueeze(1) * W_hh", "torch"),
               ("(1 - h[:, None]**2) * W", "np"),
               ("(1 - h**2)[None, :] * W", "np"), ("W * (1 - h**2).unsqueeze(0)", "torch"),
               ("W.T * (1 - h**2)[None, :]", "np"), ("(1 - h**2).reshape(1, -1) * W.T", "np")]


@pytest.mark.parametrize("text, lib", SHAPED_CODE)
def test_numpy_and_torch_code_is_judged_as_it_computes(text, lib):
    """The verdict is what the code computes with h 1-D (shape (n,)), as numpy and PyTorch
    evaluate it, against torch autograd's Jacobian of h_t = tanh(W h_{t-1} + U x_t + b): an
    explicit column array (n, 1) scales the rows, diag(1 - h_t²) W, a row array (1, n) the
    columns, and the written shape is the one reading (no broadcast choice)."""
    import numpy as np
    W, h, J = _elman_by_torch(torch, seed=1)
    env = {"np": np, "torch": torch, "W": W, "W_hh": W, "h": h} if lib == "torch" else \
        {"np": np, "W": W.numpy(), "h": h.numpy()}
    value = np.asarray(eval(text, {}, env))  # the test's own strings, as the code runs them
    expected = {layout for layout, truth in (("numerator", J), ("denominator", J.T)) if np.allclose(value, truth)}

    r = check(text, activation="tanh", recurrence="elman")
    assert {layout for layout, status in statuses(r).items() if status == "proved"} == expected, text
    assert not any(c.key.startswith("broadcast@") for c in r.reading.choices)


@pytest.mark.parametrize("text, message", [
    ("W @ h[:, None]", "has an array reshaped to (n, 1): such an array is read only where * scales a matrix"),
    ("h[:, None] * h", "has an array reshaped to (n, 1)"),
    ("np.diag(h[:, None])", "applies to an array reshaped to (n, 1): reshape its result instead"),
    ("W[:, None] * W", "the reshape at position 1 applies to no vector"),
    ("h[:, None][None, :] * W", "applies to an array reshaped already"),
])
def test_a_reshaped_array_elsewhere_is_an_error(text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        check(text, activation="tanh")


@pytest.mark.parametrize("formula, message", [
    ("∂h_{t-1}/∂h_t = W^T diag(1-h_t^2)",
     "the derivative on the left is of an earlier state by a later one: ∂h_{t-1}/∂h_t is 0 in a "
     "forward recurrence; write ∂h_t/∂h_{t-1} (or ∂h_{t+1}/∂h_t)"),
    (r"\frac{\partial h_{t}}{\partial h_{t+1}} = W^T diag(1-h_{t+1}^2)",
     "∂h_t/∂h_{t+1} is 0 in a forward recurrence; write ∂h_{t+1}/∂h_t"),
    ("∂h^{(t-1)}/∂h^{(t)} = W^T diag(1-h_t^2)", "∂h_{t-1}/∂h_t is 0 in a forward recurrence"),
])
def test_a_derivative_of_an_earlier_state_by_a_later_one_is_refused(capsys, formula, message):
    code, out, err = run_cli(capsys, "check", "-a", "tanh", formula)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and message in err


def test_goodfellows_later_state_by_the_current_one_still_judged():
    r = check("∂h_{t+1}/∂h_t = W^T diag(1-h_{t+1}^2)", activation="tanh")
    assert r.verdict("denominator").holds and not r.verdict("numerator").holds


@pytest.mark.parametrize("formula, recurrence, layout", [
    ("∂h_t/∂h_{t-1} = diag(f'(h_t)) W", None, "numerator"),
    ("∂h_t/∂h_{t-1} = diag(σ'(h_t)) W", "elman", "numerator"),
    ("∂h_t/∂h_{t-1} = W^T diag(tanh'(h_t))", None, "denominator"),
])
def test_sigma_prime_at_the_current_state_keeps_the_moved_to_a_t_reading(formula, recurrence, layout):
    """σ' written at the unit's output h_t (the common slip) is right with σ' moved to a_t, with
    a left side as without: the report must not say no other reading makes it right."""
    from symbptt.check import AT_PRE_ACTIVATION

    r = check(formula, recurrence=recurrence)
    assert not any(v.holds for v in r.verdicts.values())
    moved = [v for v in r.readings if v.form == "elman" and v.layout.value == layout
             and v.binding == AT_PRE_ACTIVATION.key]
    assert moved and moved[0].status == "proved"
    text = render_check(r, "text")
    assert "no other reading makes it right" not in text
    assert "only with the derivative taken at the step-t pre-activation" in text


def test_transposed_derivative_on_the_left():
    """(∂h_t/∂h_{t-1})^T = M claims J = Mᵀ. Truth, for h_t = tanh(W h_{t-1} + U x_t + b): J =
    diag(1 − h_t²) W in numerator layout, so Jᵀ = Wᵀ diag(1 − h_t²) there, and in denominator
    layout J = Wᵀ diag(1 − h_t²), Jᵀ = diag(1 − h_t²) W."""
    for lhs in ("(∂h_t/∂h_{t-1})^T", r"\left(\frac{\partial h_t}{\partial h_{t-1}}\right)^\top",
                r"\left[\frac{\partial h_t}{\partial h_{t-1}}\right]^{T}", "(dh_t/dh_{t-1})ᵀ"):
        right = check(f"{lhs} = W^T diag(1 - h_t^2)", activation="tanh", recurrence="elman")
        assert right.verdict("numerator").holds and not right.verdict("denominator").holds, lhs
        other = check(f"{lhs} = diag(1 - h_t^2) W", activation="tanh", recurrence="elman")
        assert other.verdict("denominator").holds and not other.verdict("numerator").holds, lhs
    # unbalanced: refused, saying what to write
    with pytest.raises(InputError, match=r"transposed derivative on the left.*\(M\)\^T"):
        check("(∂h_t/∂h_{t-1}^T = W^T diag(1 - h_t^2)")
    # an assignment is still an assignment
    with pytest.raises(InputError, match="paste only its right-hand side"):
        check("dh^T = W")


@pytest.mark.parametrize("text, message", [
    ("dh_t/dh_{t-1} = W h_next", "the state h appears as h_next, which is neither h_t nor h_{t-1} of the "
                                 "derivative on the left"),
    ("h_prev W h_next h", "the state h appears at 3 time steps (h_prev, h, h_next); a one-step factor uses "
                          "at most two"),
    ("h_next W h_{t+1}", "the state h appears as h_next and h_{t+1}, and nothing says which is the previous step"),
    ("h_{t-2} W h_{t-1} h_t", "the state h appears at 3 time steps (h_{t-2}, h_{t-1}, h_t)"),
    ("dh_t/dh_{t-1} = W h", "the state h appears as h, which is neither h_t nor h_{t-1}"),
])
def test_the_time_step_errors_name_the_state_as_written(capsys, text, message):
    """Code's h_next and h_prev have the indices "+1" and "-1", which the messages printed bare
    ("the state h appears at +1", "(-1, none, +1)"): read as a count or a position, one off.
    They name the state as the formula writes it."""
    code, out, err = run_cli(capsys, "check", text)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert message in err
    assert not re.search(r"(?<![\w{])[+-]1(?![\w}])|\bnone\b|no index", err), err


@pytest.mark.parametrize("text, index, position", [
    ("np.diag(1 - hs[0]**2) @ Whh", "[0]", 15), ("Whh.T @ np.diag(1 - hs[ -1 ]**2)", "[-1]", 23),
    ("W[0]", "[0]", 2), ("(1 - hs[2]**2) * Whh", "[2]", 8),
])
def test_a_numeric_array_index_is_refused_not_read_as_a_product(text, index, position):
    """min-char-rnn indexes its states by step, hs[0], hs[-1] (the initial state); the bracket
    was read as a factor, hs·0, so `np.diag(1 - hs[0]**2) @ Whh` became I W_hh and was refuted,
    and hs[-1]**2 became hs. A fixed step is refused with what to write; hs[t] still works."""
    with pytest.raises(InputError, match=re.escape(
            f"the index {index} at position {position} picks one fixed step of an array")):
        check(text)
    assert statuses(check("np.diag(1 - hs[t]**2) @ Whh", activation="tanh", recurrence="elman"))["numerator"] == "proved"


def test_of_two_state_letters_the_one_at_the_earlier_step_is_the_state():
    """WildML writes s_t = tanh(U x_t + W s_{t-1}): s is the state, x the input, and
    ∂s_t/∂s_{t-1} = diag(1 - tanh²(U x_t + W s_{t-1})) W in numerator layout (the chain rule;
    the torch truth of the same Elman step is in `_elman_by_torch`). x was taken as the state
    because it comes first among h, x, s, and the formula refused: "multiplies shapes n×m and n×1"."""
    for text in ("diag(1 - tanh^2(U x_t + W s_{t-1})) W", "diag(1 - tanh^2(W s_{t-1} + U x_t)) W"):
        r = check(text)
        assert r.reading.state == "s" and statuses(r) == {"numerator": "proved", "denominator": "refuted"}, text


@pytest.mark.parametrize("text, activation", [
    (r"diag(\sigma(a_t) \odot (1 - \sigma(a_t))) W", "sigmoid"),
    ("diag(sigma(a_t)) diag(1 - sigma(a_t)) W", "sigmoid"),
    ("W diag(σ(x_{t-1}) (1 - σ(x_{t-1})))", "sigmoid"),
    ("diag(1 - sigma(a_t)^2) W", "tanh"),
])
def test_sigma_written_through_its_own_values_names_the_activation(text, activation):
    """σ(a)(1 − σ(a)) is the logistic sigmoid's derivative (d/da 1/(1 + e^{-a})), 1 − σ(a)² the
    tanh's: the generic σ refuted the textbook formula with "no other reading makes it right";
    the activation is inferred, as from h(1 − h) and 1 − h², and the formula proved."""
    r = check(text)
    assert r.recurrence.activation.name == activation
    assert statuses(r)["numerator"] == "proved" and statuses(r)["denominator"] == "refuted"
    assert any("σ's own values" in note.text for note in r.reading.notes)


@pytest.mark.parametrize("text", [r"\frac{\partial h_t}{\partial h_{t-1}} = W diag(1 - h_{t-1}^2)",
                                  r"\frac{\partial s_t}{\partial s_{t-1}} = W diag(1 - s_{t-1}^2)",
                                  "dh_t/dh_{t-1} = diag(1 - h_{t-1}^2) W^T",
                                  r"\frac{\partial h_t}{\partial h_{t-1}} = W diag(h_{t-1}(1 - h_{t-1}))"])
def test_after_a_derivative_on_the_left_the_previous_state_is_never_its_activation(text):
    """∂h_t/∂h_{t-1} on the left makes h the variable at both steps; h_{t-1} was still re-read
    as tanh(x_{t-1}), and W diag(1 - h_{t-1}²) was PROVED. Under one meaning of h it is false:
    torch's Jacobian of h_t = W tanh(h_{t-1}) + … is W diag(1 - tanh²(h_{t-1})), of
    h_t = tanh(W h_{t-1} + …) diag(1 - h_t²) W, neither the formula nor its transpose."""
    import numpy as np
    torch = pytest.importorskip("torch")
    torch.manual_seed(2)
    W, c, h_prev = (torch.randn(*shape, dtype=torch.float64) for shape in ((4, 4), (4,), (4,)))
    J_elman = torch.autograd.functional.jacobian(lambda x: torch.tanh(W @ x + c), h_prev).numpy()
    J_pascanu = torch.autograd.functional.jacobian(lambda x: W @ torch.tanh(x) + c, h_prev).numpy()
    claim = W.numpy() @ np.diag(1 - h_prev.numpy() ** 2)  # the formula, h_{t-1} as the variable's value
    assert not any(np.allclose(M, truth) for M in (claim, claim.T) for truth in (J_elman, J_pascanu))
    r = check(text)
    assert not any(v.holds for v in r.verdicts.values())
    assert not any(c.key.startswith("activated@") for v in r.readings for c in v.reading.choices)


def test_a_state_letter_read_as_the_activation_is_not_also_the_reports_state():
    """Without a left side, W diag(1 - x_{t-1}²) may read x_{t-1} as the activation of the
    previous state; the report said "x_{t-1} read as the previous state's activation
    tanh(x_{t-1})", naming the state by the user's x. The state takes another letter."""
    r = check("W diag(1 - x_{t-1}^2)")
    text = render_check(r, "text")
    assert "x_{t-1} read as the previous state's activation tanh(h_{t-1})" in text
    assert "tanh(x_" not in text


@pytest.mark.parametrize("text", [r"\frac{\partial h_t}{\partial h_k} = (W^T diag(1 - h_t^2))^{t-k}",
                                  "(W^T diag(1 - h_t^2))^{t-k}", "(diag(1 - h_{t-1}^2) W)^{T-i}"])
def test_a_power_over_steps_of_a_factor_at_one_fixed_step_is_refused(text):
    """(Wᵀ diag(1 - h_t²))^{t-k} holds h_t at every step, but the product over steps has each
    step's own state, J_{k+1}ᵀ ⋯ J_tᵀ with diag(1 - h_j²): two steps apart it is another matrix
    (the tanh step twice, by torch below), so judging its one factor said "denominator PROVED"."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    W, c, h0 = (torch.randn(*shape, dtype=torch.float64) for shape in ((3, 3), (3,), (3,)))
    step = lambda h: torch.tanh(W @ h + c)
    J2 = torch.autograd.functional.jacobian(lambda h: step(step(h)), h0)  # ∂h_2/∂h_0, numerator
    h2 = step(step(h0))
    repeated = (torch.diag(1 - h2**2) @ W) @ (torch.diag(1 - h2**2) @ W)  # the power's reading, numerator
    assert not torch.allclose(J2, repeated)
    with pytest.raises(InputError, match="repeats one factor with h_.*, the state at one fixed step"):
        check(text)
    r = check(r"\frac{\partial h_t}{\partial h_k} = \prod_{i=k+1}^{t} W^T diag(1 - h_i^2)")  # its own state per step
    assert statuses(r)["denominator"] == "proved"


def test_a_gates_letter_alone_asks_for_the_cell():
    """diag(f_t) is the LSTM's ∂c_t/∂c_{t-1}; without -r, f was taken for an RNN's state."""
    with pytest.raises(InputError, match=re.escape("f_t names a gated cell's gate or cell state: give the cell, -r lstm")):
        check("diag(f_t)")


def test_min_char_rnns_dhraw_says_what_it_is_and_how_to_judge_the_step():
    """Karpathy's `dhnext = np.dot(Whh.T, dhraw)` is right: dhraw = (1 - hs[t] * hs[t]) * dh is
    the gradient at the pre-activation, so W_hhᵀ maps it back through ∂a_t/∂h_{t-1} = W_hh
    alone. Pasted alone it was refuted with no word of that; the note says so, and its
    --define judges the step, W_hhᵀ diag(1 - h_t²), proved in denominator layout."""
    r = check("np.dot(Whh.T, dhraw)")
    assert any("the gradient at the pre-activation" in n.text for n in r.reading.notes)
    defined = check("np.dot(Whh.T, dhraw)", roles=Roles(defines=(("dhraw", parse("(1 - hs[t] * hs[t]) * dh")),)))
    assert statuses(defined)["denominator"] == "proved"


@pytest.mark.parametrize("argv, message", [
    (["--recurrent", "x", "--state", "x"], "--recurrent x: x is --state too"),
    (["--recurrent", "h"], "--recurrent h: h is a state letter too"),
    (["--state", "t"], "--state t: t is a time index (h_t)"),
])
def test_one_name_in_two_roles_is_one_line_error(capsys, argv, message):
    """--recurrent x --state x and --state t gave a shape error ("multiplies shapes n×n and m×m"),
    --recurrent h with the state h was silently ignored: each is now refused saying why."""
    code, out, err = run_cli(capsys, "check", "W^T diag(1 - h_t^2)", *argv)
    assert code == 2 and not out and message in err and err.count("\n") == 1


@pytest.mark.parametrize("name, formula", [("W_recurrent", "W_recurrent^T diag(1-h_t^2)"),
                                           ("W_{hidden}", "W_{hidden}^T diag(1-h_t^2)")])
def test_recurrent_takes_names_as_the_formula_writes_them(capsys, name, formula):
    """--recurrent W_recurrent was refused ("not a name": a label of at most 8 characters) and
    --recurrent 'W_{hidden}' too, though the formula reads both and --define takes both:
    --recurrent reads its names as --define does. Wᵀ diag(1 - h_t²) is the Elman tanh step's
    denominator-layout Jacobian (the chain rule; torch's in `_elman_by_torch`)."""
    code, out, err = run_cli(capsys, "check", formula, "--recurrent", name)
    assert code == 0 and not err and "denominator layout: PROVED" in out
    code, _, err = run_cli(capsys, "check", formula, "--recurrent", "A+B")
    assert code == 2 and "'A+B' is not a name" in err
