"""`check` speaks the formula's own notation: the roles it read print with the names it used.

Students write h_t, W_hh, x_t; a report about x_t, W and u_t makes them translate back. Without
a notation of the user's, the formula's names are the report's (`Notation.adopting`); what the
user sets wins, role by role; the verdicts never depend on it.
"""

from __future__ import annotations

import json
import re

import pytest

from symbptt.check import check
from symbptt.errors import InputError
from symbptt.printing import ROLES, Notation
from symbptt.render import render_check

from .conftest import run_cli

EXAMPLE = "∂h_t/∂h_{t-1} = W_hh^T diag(1 - h_t^2)"
FORMATS = ("text", "markdown", "latex", "json")
#: Every role's name given explicitly as the default: the report as it was before names were adopted.
DEFAULTS = Notation(given=frozenset((*ROLES, "pre_activation")))


def _state_x(out: str) -> list[str]:
    """Where a report prints a state or input x at a time step, in any format."""
    return re.findall(r"x_t\b|x_\{t|\\mathbf\{x\}_\{t|\\mathbf\{x\}_t", out)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_example_prints_h_t_and_W_hh_and_never_x_t(capsys, fmt):
    code, out, err = run_cli(capsys, "check", EXAMPLE, "--no-config", "-f", fmt)
    assert code == 0 and not err
    assert not _state_x(out), _state_x(out)
    if fmt == "text":
        assert "read as:     W_hhᵀ diag(1 - h_t²)\n" in out
        assert "h_t is read as the current state\n" in out
        assert "h_{t-1} is read as the previous state\n" in out
        assert "true Jacobian: ∂h_t/∂h_{t-1} = diag(1 - tanh(a_t)²) W_hh\n" in out
    elif fmt == "json":
        data = json.loads(out)
        assert data["plain"] == "W_hhᵀ diag(1 - h_t²)"
        assert data["notation"]["state"] == "h" and data["notation"]["weight"] == "W_hh"
        assert "h_t is read as the current state" in data["notes"]
    else:
        assert r"\mathbf{h}_{t}" in out and r"\mathbf{W}_{\mathrm{hh}}" in out
        assert r"\mathbf{W}^" not in out and r"\mathbf{W}\," not in out


@pytest.mark.parametrize("formula", ["W^T diag(sigma'(x))", r"W^\top \operatorname{diag}(\sigma'(x_{i-1}))",
                                     "diag(1 - tanh(W x_{t-1} + W_in u_t + b)^2) W"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_formula_in_the_default_names_prints_as_before(formula, fmt):
    r = check(formula)
    assert render_check(r, fmt) == render_check(r, fmt, DEFAULTS)


def test_explicit_notation_wins_role_by_role(capsys):
    code, out, _ = run_cli(capsys, "check", EXAMPLE, "--no-config", "-N", "state=s")
    assert code == 0
    assert "read as:     W_hhᵀ diag(1 - s_t²)\n" in out  # the state as set, the weight as written
    assert "h_t is read as the current state s_t\n" in out  # the note names the role's symbol
    assert "h_t =" not in out and "x_t" not in out


def test_a_key_set_to_its_default_is_kept(capsys):
    code, out, _ = run_cli(capsys, "check", EXAMPLE, "--no-config", "-N", "weight=W")
    assert code == 0 and "read as:     Wᵀ diag(1 - h_t²)\n" in out and "W_hh" not in out.split("\n", 1)[1]


def test_state_h_and_input_x_print_as_written(capsys):
    formula = r"\frac{\partial h_t}{\partial h_{t-1}} = W_{hh}^T \operatorname{diag}(\sigma'(W_{hh} h_{t-1} + W_{xh} x_t + b_h))"
    code, out, _ = run_cli(capsys, "check", formula, "--no-config")
    assert code == 0
    assert "x_t is read as the input\n" in out
    assert "h_t = σ(a_t)\n" in out and "a_t = W_hh h_{t-1} + W_xh x_t + b_h\n" in out
    assert "u_t" not in out and "W_in" not in out


def test_a_default_moves_off_a_name_the_formula_took():
    # The formula's input is x: the state, which it does not name, is not x too.
    notation = Notation().adopting((("input", "x"),))
    assert (notation.input, notation.state) == ("x", "h")
    # The user's own names are never moved, and never given to another of the formula's roles:
    # the formula's input h, where the user prints the state as h, is an error (two roles, one
    # name), unless the user names the input too.
    with pytest.raises(InputError, match="notation state is 'h', but the formula uses h as the input"):
        Notation(state="h", given=frozenset({"state"})).adopting((("state", "s"), ("input", "h")))
    notation = Notation(state="h", input="v", given=frozenset({"state", "input"})).adopting(
        (("state", "s"), ("input", "h")))
    assert (notation.state, notation.input) == ("h", "v")
    # Nothing that is no identifier is adopted, and δ keeps its letter.
    assert Notation().adopting((("state", "h{"), ("bias", "delta"))) == Notation()


def test_deeplearning_ai_notation_keeps_its_a_and_moves_the_pre_activation(capsys):
    code, out, _ = run_cli(capsys, "check", "W_aa^T diag(1 - (a^{<t>})^2)", "--no-config")
    assert code == 0
    assert "a_t = tanh(z_t)\n" in out and "z_t = W_aa a_{t-1} + W_in u_t + b\n" in out
    assert "a_t read as the current state" in out and "x_t" not in out


@pytest.mark.parametrize("formula", [EXAMPLE, "W_{hh}^T diag(1 - h_t^2)", "W_hh^T diag(sigma'(W_hh h_{t-1} + W_xh x_t + b_h))"])
def test_the_names_change_no_verdict(formula):
    r = check(formula)
    own, before = (json.loads(render_check(r, "json", n)) for n in (None, DEFAULTS))
    assert own["notation"] != before["notation"]
    assert [(v["form"], v["layout"], v["status"], v["binding"]) for v in own["verdicts"]] == \
        [(v["form"], v["layout"], v["status"], v["binding"]) for v in before["verdicts"]]


def test_a_name_read_only_as_the_states_activation_does_not_name_the_state(capsys):
    """WildML's s[t-1] in `(1 - s[t-1] ** 2)` is read, in Pascanu's form, as tanh(x_{t-1}): s
    is the activation there, not the state, so the state keeps its own letter (naming it s
    would print "s_{t-1} read as tanh(s_{t-1})"); with s read as the state itself it is the state's."""
    code, out, _ = run_cli(capsys, "check", "W.T.dot(delta_t) * (1 - s[t-1] ** 2)", "--no-config")
    assert code == 0
    assert "reading: s_{t-1} read as the previous state's activation tanh(x_{t-1})" in out
    assert "tanh(s_" not in out
    code, out, _ = run_cli(capsys, "check", "W^T diag(1 - s_t^2)", "--no-config")
    assert code == 0 and "s_t read as the current state" in out and "s_t = tanh(a_t)" in out and "x_t" not in out


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_weight_read_by_its_role_says_the_role(capsys, fmt):
    """Goodfellow's U x^{(t)} (eq. 10.8): U is the input weight. The note printed "U is read as"
    and nothing more, its symbol dropped as the user's own name; it names the role now."""
    code, out, _ = run_cli(capsys, "check", "diag(1 - tanh^2(W h_{t-1} + U x_t + b)) W", "--no-config", "-f", fmt)
    assert code == 0
    assert re.search(r"`?U`? is read as the input weight", out) and not re.search(r"is read as[;.]?\n", out)


@pytest.mark.parametrize("formula, option, message", [
    ("W_hh diag(sigma'(x_{t-1}))", "input-weight=W_hh",
     "notation input-weight is 'W_hh', but the formula uses W_hh as the recurrent weight"),
    ("diag(1-h_t^2) W_hh", "input=h", "notation input is 'h', but the formula uses h as the state"),
])
def test_a_given_name_the_formula_uses_for_another_role_is_refused(capsys, formula, option, message):
    """-N input-weight=W_hh printed the formula's recurrent W_hh as W and W_hh as the input
    weight in the same report, with no word of it; now refused as any clash of two roles.
    Given both roles, the user's mapping is explicit and kept."""
    code, out, err = run_cli(capsys, "check", formula, "--no-config", "-N", option)
    assert code == 2 and not out and message in err and err.count("\n") == 1
    code, out, _ = run_cli(capsys, "check", "diag(1-h_t^2) W_hh", "--no-config", "-N", "input=h", "-N", "state=s")
    assert code == 0 and "read as:     diag(1 - s_t²) W_hh" in out


def test_cs224ns_embedding_input_is_read_and_printed_as_written(capsys):
    """CS224n writes h^{(t)} = σ(W_h h^{(t-1)} + W_e e^{(t)} + b_1): W_e was an unknown name and
    the fixes the message suggested did not work. e^{(t)} is the input, W_e its weight; the
    Jacobian diag(σ'(a_t)) W_h (the chain rule) is proved in the user's names."""
    formula = (r"\frac{\partial \boldsymbol{h}^{(t)}}{\partial \boldsymbol{h}^{(t-1)}} = \operatorname{diag}\left("
               r"\sigma^\prime\left(\boldsymbol{W}_h \boldsymbol{h}^{(t-1)} + \boldsymbol{W}_e \boldsymbol{e}^{(t)}"
               r" + \boldsymbol{b}_1\right)\right) \boldsymbol{W}_h")
    code, out, _ = run_cli(capsys, "check", formula, "--no-config")
    assert code == 0 and "numerator layout: PROVED" in out
    assert "a_t = W_h h_{t-1} + W_e e_t + b_1\n" in out and "e_t is read as the input\n" in out
