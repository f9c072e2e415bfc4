"""Beyond one step: the product ∂x_t/∂x_k, the backward recursion, the bound, the figure."""

from __future__ import annotations

import builtins
import functools

import pytest
import sympy as sp

from symbptt.bptt import _backward_numeric, _backward_symbolic, _product_check, bptt
from symbptt.cli import main
from symbptt.derivation import derive
from symbptt.errors import InputError
from symbptt.layout import Layout
from symbptt.render import render_bptt

from .conftest import run_cli

FORMS = ["pascanu", "elman", "row", "row-elman"]


@functools.lru_cache(maxsize=None)
def result(activation="tanh", form="pascanu"):
    return bptt(activation, form)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
def test_every_check_passes(form, activation):
    b = result(activation, form)
    assert b.verified
    assert {(c.steps, c.n) for c in b.product_checks} == {(1, 2), (2, 2), (3, 2), (2, 3)}
    assert all(c.ok for c in b.product_checks) and b.backward_symbolic and b.backward_numeric < 1e-20
    assert [c.scale for c in b.curves] == [0.9, 1.0, 1.1] and all(c.holds for c in b.curves)


def with_result(d, layout: Layout, wrong):
    """`d`, except that its result in `layout` is `wrong` (to show a check can fail)."""
    return type("Swapped", (), {
        "recurrence": d.recurrence, "activation": d.activation,
        "result": staticmethod(lambda l: wrong if l is layout else d.result(l)),
    })


def test_product_check_fails_for_a_wrong_factor():
    """Pascanu's Wᵀ diag(σ') as the numerator factor: the numerator check must fail."""
    d = derive("tanh", dim=2)
    wrong = sp.MatMul(sp.Transpose(d.recurrence.W), d.result().args[-1])
    assert [c.ok for c in _product_check(with_result(d, Layout.NUMERATOR, wrong), 2, 2)] == [False, True]


@pytest.mark.parametrize("form", FORMS)
def test_product_order_matters(form):
    """∂x_2/∂x_0 = J_2 J_1 in numerator layout; J_1 J_2 is wrong (and J_1ᵀ J_2ᵀ is the
    denominator layout, not J_2ᵀ J_1ᵀ)."""
    from symbptt.bptt import _compose
    from symbptt.explicit import explicit, jacobian_entries, mismatches
    d = derive("tanh", dim=2, recurrence=form)
    env, x0, states = _compose(d.recurrence, 2, 3, 2)
    total = jacobian_entries(list(states[2]), x0)
    J = [explicit(d.result(), env).xreplace(dict(zip(x0, states[i]))) for i in (0, 1)]  # J_1, J_2
    assert not mismatches(total, J[1] * J[0]) and mismatches(total, J[0] * J[1])
    assert not mismatches(total.T, J[0].T * J[1].T) and mismatches(total.T, J[1].T * J[0].T)


def test_backward_checks_fail_for_a_wrong_recursion():
    """Wᵀ diag(σ') instead of diag(σ') Wᵀ as the transposed Jacobian: both checks must fail."""
    d = derive("tanh", dim=2)
    wrong = sp.MatMul(sp.Transpose(d.recurrence.W), d.result(Layout.DENOMINATOR).args[0])
    swapped = with_result(d, Layout.DENOMINATOR, wrong)
    assert not _backward_symbolic(swapped)
    assert _backward_numeric(swapped) > 1e-3


def test_bound_is_tight_near_zero_and_saturation_departs_from_it():
    tanh = {c.scale: c for c in result().curves}
    assert abs(tanh[1.1].norms[9] / tanh[1.1].bounds[9] - 1) < 1e-3  # the linear regime follows the bound
    assert tanh[1.1].norms[-1] < 0.5 * tanh[1.1].bounds[-1]  # tanh saturates: exploding is not guaranteed
    assert tanh[0.9].norms[-1] < 1e-2


def test_generic_sigma_has_no_bound():
    with pytest.raises(InputError, match="known sup"):
        bptt("sigma")


@pytest.mark.parametrize("fmt", ["markdown", "latex", "latex-fragment", "json"])
def test_reports_render_deterministically(fmt):
    a = render_bptt(result(), fmt, figure="f")
    assert a == render_bptt(bptt("tanh"), fmt, figure="f")
    assert "((*" not in a


def test_figure_name_must_be_plain():
    with pytest.raises(InputError, match="plain file name"):
        render_bptt(result(), "latex", figure="my figure{x}")


def test_plot_is_deterministic(tmp_path):
    pytest.importorskip("matplotlib")
    from symbptt.plot import plot
    first = [p.read_bytes() for p in plot(result(), tmp_path / "a")]
    second = [p.read_bytes() for p in plot(result(), tmp_path / "b")]
    assert first == second and first[0].startswith(b"\x89PNG") and first[1].startswith(b"%PDF")


def test_missing_matplotlib_is_one_clear_line(monkeypatch, capsys, tmp_path):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    code = main(["bptt", "-o", str(tmp_path / "b.md"), "--plot"])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'symbptt[plot]'" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_report_and_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["bptt", "-r", "elman", "-o", str(tmp_path / "notes.md"), "--plot"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes-figure.pdf", "notes-figure.png", "notes.md"]
    text = (tmp_path / "notes.md").read_text()
    assert "( notes-figure.png )" in text and r"\mathbf{W}^{\top} \operatorname{diag}" in text


def test_cli_refuses_a_figure_name_a_report_cannot_embed(tmp_path, capsys):
    code = main(["bptt", "-o", str(tmp_path / "my notes.md"), "--plot"])
    err = capsys.readouterr().err
    assert code == 2 and "plain file name" in err and "'my notes-figure'" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (["bptt", "--plot"], "--plot needs -o PATH"),
    (["bptt", "-a", "sigma"], "invalid choice: 'sigma'"),
    (["bptt", "-r", "gru-keras"], "invalid choice: 'gru-keras'"),
])
def test_cli_bad_input(capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1
