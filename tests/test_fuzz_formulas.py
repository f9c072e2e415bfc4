"""Fuzzing `check` through its command line: any formula gives a report or one line, exit 2.

Formulas are drawn from the language's own tokens (LaTeX, Unicode, code) so that many parse;
hostile fragments are mixed in. Every accepted formula's LaTeX report must compile: a sample
of them goes through pdflatex.
"""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbptt.check import check
from symbptt.errors import SymbpttError
from symbptt.render import render_check

from .conftest import run_cli

TOKENS = [
    "W", "W^T", r"W^\top", "Wᵀ", "W.T", "Whh", r"\mathbf{W}_{hh}", "W_{rec}", "I", "U",
    "diag(", r"\operatorname{diag}\left(", r"\text{diag}(", "np.diag(", "(", ")", r"\right)",
    "[", "]", r"\Big(", r"\Big)", "{", "}", "sigma'(", r"\sigma'(", "σ′(", r"\dot\sigma(",
    "tanh(", r"\tanh^2(", "1 -", "1 − ", "x", "x_{t-1}", "h_t", "h^{(t+1)}", "hs[t]", "h_next",
    r"\cdot", "(.)", r"(\cdot)", " ", "*", "@", r"\odot", "⊙", "+", "-", "^2", "**2", "²",
    "delta_t", r"\delta_t", "dh", r"\prod_{i=k}^{t-1}", r"\frac{\partial h_t}{\partial h_{t-1}} =",
    "^{T-i}", "a_t", "net_{t-1}", "b", "'", ",", "np.dot(", ".dot(", "__import__", "lambda",
    r"\input{x}", "\x00", "\n", "9**9**9", "$",
]


def _formulas():
    return st.lists(st.sampled_from(TOKENS), min_size=1, max_size=10).map("".join)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # run_cli reads capsys each call
@given(_formulas())
def test_any_formula_is_a_report_or_one_line(capsys, text):
    code, out, err = run_cli(capsys, "check", text, "--format", "json")
    assert code in (0, 2), (text, code, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1 and out == ""
    else:
        assert out.startswith("{") and err == ""


def _accepted(limit: int) -> list[str]:
    """The first `limit` formulas of a fixed enumeration that check accepts."""
    found = []
    for a in TOKENS:
        for b in ("W", " diag(sigma'(x_{t-1}))", r" \odot W^T", "^T diag(1 - h_t^2)"):
            try:
                check(a + b)
            except SymbpttError:
                continue
            found.append(a + b)
            if len(found) == limit:
                return found
    return found


ACCEPTED = _accepted(8)


def test_the_sample_is_varied():
    assert len(ACCEPTED) == 8 and len(set(ACCEPTED)) == 8


@pytest.mark.tools
@pytest.mark.parametrize("formula", ACCEPTED)
def test_latex_of_accepted_formulas_compiles(pdflatex, formula, tmp_path):
    source = tmp_path / "check.tex"
    source.write_text(render_check(check(formula), "latex"), encoding="utf-8")
    run = subprocess.run([pdflatex, "-halt-on-error", "-interaction=nonstopmode", source.name],
                         cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, (formula, [l for l in run.stdout.splitlines() if l.startswith("!")])


CELL_TOKENS = [
    "U_z", "U_r", "U_n", "W_z", "U_f", "U_i", "U_g", "p_f", "b_hn", "z_t", "r_t", "n_t", r"\tilde h_t",
    "h_{t-1}", "h_t", "c_{t-1}", "c_t", "f_t", "i_t", "g_t", "o_t", "o_{t-1}", "x_t", "I", "1 -", "(", ")",
    "diag(", r"\operatorname{diag}\left(", r"\right)", r"\sigma'(", "tanh'(", r"\tanh^2(", "^T", "^2",
    r"\odot", "⊙", "*", " ", "+", "-", r"\frac{\partial c_t}{\partial c_{t-1}} =",
    r"\partial h_t/\partial h_{t-1} =", r"\partial h_t/\partial z_t", r"(\cdot)", "__import__", "\x00",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["gru", "gru-torch", "lstm", "lstm-peephole"]),
       st.lists(st.sampled_from(CELL_TOKENS), min_size=1, max_size=10).map("".join))
def test_any_cell_formula_is_a_report_or_one_line(capsys, cell, text):
    code, out, err = run_cli(capsys, "check", "-r", cell, text, "--format", "json")
    assert code in (0, 2), (cell, text, code, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1 and out == ""
    else:
        assert out.startswith("{") and err == ""


_VECTORS = {"gru": ["z_t", "r_t", "n_t", r"\tilde h_t", "h_{t-1}", "b_z", "1"],
            "lstm": ["f_t", "i_t", "g_t", "o_t", "c_{t-1}", "c_t", "h_{t-1}", "o_{t-1}", "1"]}
_MATRICES = {"gru": ["U_z", "U_r", "U_n", "I", "U_z^T"], "lstm": ["U_f", "U_i", "U_g", "U_o", "I", "U_f^T"]}


def _cell_formula(rng, family: str) -> str:
    """A formula of the shape published blocks have: sums of products of diag(…) and weights."""
    def vec(depth=0):
        r = rng.random()
        if depth > 2 or r < 0.4:
            return rng.choice(_VECTORS[family])
        if r < 0.55:
            return f"({vec(depth + 1)} - {vec(depth + 1)})"
        if r < 0.7:
            return f"{vec(depth + 1)} ⊙ {vec(depth + 1)}"
        if r < 0.85:
            return rf"\sigma'({vec(depth + 1)})"
        return f"{vec(depth + 1)}^2"

    def product():
        return " ".join(f"diag({vec()})" if rng.random() < 0.6 else rng.choice(_MATRICES[family])
                        for _ in range(rng.randint(1, 3)))
    return " + ".join(product() for _ in range(rng.randint(1, 3)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["gru", "gru-torch", "gru-chung", "lstm", "lstm-peephole"]), st.randoms(use_true_random=False))
def test_structured_cell_formulas_are_judged(capsys, cell, rng):
    text = _cell_formula(rng, "gru" if cell.startswith("gru") else "lstm")
    code, out, err = run_cli(capsys, "check", "-r", cell, text)
    assert code in (0, 2) and "Traceback" not in err, (cell, text, err)
    assert (code == 0 and "numerator layout:" in out) or (code == 2 and "too large" in err), (cell, text, err)
