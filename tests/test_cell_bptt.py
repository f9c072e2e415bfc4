"""bptt for gated cells: the product and the backward recursion agree with finite differences
of the cell composed over several steps, bounds hold where they exist and are refused where a
state has no range, and a wrong bound is caught."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from symbptt.cell_bound import bound
from symbptt.cell_bptt import TOLERANCE, _bound_ok, cell_bptt
from symbptt.cells import CELLS
from symbptt.pascanu import Norm2
from symbptt.steps import Fact

from .conftest import run_cli


@pytest.fixture(scope="module")
def lstm():
    return cell_bptt("lstm")


@pytest.mark.parametrize("key", sorted(CELLS))
def test_product_and_backward_agree_with_finite_differences(key):
    b = cell_bptt(key, seed=5)
    assert b.product_error < TOLERANCE and b.backward_error < TOLERANCE
    assert b.verified


def test_lstm_blocks_and_the_constant_error_carousel(lstm):
    cell = lstm.derivation.cell
    h, c = cell.prev
    h_t, c_t = cell.next
    bounds = {block: (fact, why) for fact, block, why in lstm.bounds}
    # dc_t/dc_{t-1} = diag(f_t) without peepholes: norm at most 1.
    assert lstm.derivation.block(c_t, c) == sp.DiagMatrix(sp.MatrixSymbol("f@t", *c.shape))
    assert bounds[(c_t, c)][0].rhs == 1
    # Blocks through h_{t-1} involve c_{t-1}, whose range no equation limits.
    assert bounds[(h_t, h)][0] is None and bounds[(h_t, h)][1] == c
    assert lstm.multi_step is None  # no bound of the stacked Jacobian
    assert len(lstm.backward) == 2


def test_gru_bound_in_the_weights_norms():
    b = cell_bptt("gru")
    fact = b.bounds[0][0]
    norms = {a.matrix.name for a in fact.rhs.atoms(Norm2)}
    assert norms == {"U_n", "U_r", "U_z"} and b.multi_step is not None and b.bound_ok


def test_a_wrong_bound_is_caught():
    b = cell_bptt("gru")
    fact, block, why = b.bounds[0]
    too_small = ((Fact(fact.lhs, fact.rhs / 100, fact.method, relation="<="), block, why),)
    assert _bound_ok(b.derivation, b.bounds) and not _bound_ok(b.derivation, too_small)


def test_peephole_bound_refused_names_the_weight():
    cell = CELLS["lstm-peephole"]
    from symbptt.chain import chain
    value, why = bound(cell, chain(cell).block(cell.next[1], cell.prev[1]))
    assert value is None and why.name.startswith("p_")


@pytest.mark.parametrize("fmt", ["markdown", "latex", "json"])
def test_cli(capsys, fmt):
    code, out, err = run_cli(capsys, "bptt", "-r", "lstm", "--format", fmt)
    assert code == 0 and err == ""
    if fmt == "json":
        data = json.loads(out)
        assert data["verified"] and len(data["backward"]) == 2 and len(data["bounds"]) == 4


def test_plot_refused_for_a_cell(capsys, tmp_path):
    code, out, err = run_cli(capsys, "bptt", "-r", "gru", "--plot", "-o", str(tmp_path / "r.md"))
    assert code == 2 and "no single" in err and not list(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_a_typed_cells_bptt_report_shows_its_equations(capsys, fmt):
    """The bptt report of a typed cell prints the equations typed, as its derive report does
    (the same intro and displays, from View.cell)."""
    gate, update = "z_t = sigmoid(W_z x_t + U_z h_{t-1} + b_z)", "h_t = (1 - z_t) * h_{t-1} + z_t * tanh(W x_t + U h_{t-1} + b)"
    argv = ["--cell", gate, "--cell", update, "--format", fmt]
    code, out, err = run_cli(capsys, "bptt", *argv)
    assert code == 0 and err == "", err
    code, derived, _ = run_cli(capsys, "derive", *argv)
    cell = derived.split("The cell as typed:", 1)[1].split("The state is", 1)[0].strip()
    assert r"\mathbf{z}_{t} = \operatorname{sigmoid}" in cell and r"\left(1 - \mathbf{z}_{t}\right)" in cell
    assert "The cell as typed:\n" in out and cell in out
    assert out.index(cell) < out.index("The one-step Jacobian")


@pytest.mark.parametrize("command", ["bptt", "derive"])
@pytest.mark.parametrize("argv", [
    ["--cell", "h_t = tanh(W h_{t-1} + U x_t + b)", "-a", "sigmoid"],
    ["-r", "lstm", "--activation", "tanh"],
    ["-r", "gru", "-a", "relu"],
])
def test_an_activation_given_with_a_cell_is_refused(capsys, tmp_path, command, argv):
    """-a was silently ignored with a cell (the report was the cell's own, tanh): as check
    does, it is refused in one line, exit 2, and nothing is written."""
    out_path = tmp_path / "r.md"
    code, out, err = run_cli(capsys, command, *argv, "-o", str(out_path))
    assert code == 2 and out == "" and not list(tmp_path.iterdir())
    assert err.count("\n") == 1 and "--activation applies to the RNN forms" in err
    assert "a cell's names and activations are those of its equations" in err


def test_the_rnn_forms_still_take_an_activation_with_its_default(capsys):
    code, out, err = run_cli(capsys, "bptt", "-r", "elman", "-a", "sigmoid", "--format", "json")
    assert code == 0 and json.loads(out)["input"]["activation"] == "sigmoid"
    code, out, err = run_cli(capsys, "bptt", "-r", "elman", "--format", "json")
    assert code == 0 and json.loads(out)["input"]["activation"] == "tanh"
    code, out, err = run_cli(capsys, "derive", "-r", "elman", "-a", "relu", "--symbolic")
    assert code == 0 and "with the rectified linear unit" in out.split("\n", 1)[0]
    code, out, err = run_cli(capsys, "derive", "--symbolic")
    assert code == 0 and "generic elementwise function" in out.split("\n", 1)[0]
