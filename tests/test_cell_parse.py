"""Cells typed as equations (derive --cell): every library cell typed the way its source
writes it gives the library entry's Jacobian blocks; bad input is one line, exit 2."""

from __future__ import annotations

import json

import pytest

from symbptt.cell_parse import parse_cell
from symbptt.cells import CELLS
from symbptt.chain import chain
from symbptt.errors import InputError
from symbptt.explicit import explicit, mismatches

from .conftest import run_cli

GATES = [r"z_t = \sigma(W_z x_t + U_z h_{t-1} + b_z)", "r_t = sigmoid(W_r x_t + U_r h_{t-1} + b_r)"]
LSTM_GATES = ["i_t = σ(W_i x_t + U_i h_{t-1} + b_i)", "f_t = σ(W_f x_t + U_f h_{t-1} + b_f)",
              r"g_t = \tanh(W_g x_t + U_g h_{t-1} + b_g)"]
TYPED = {
    "gru": GATES + [r"n_t = \tanh(W_n x_t + U_n (r_t \odot h_{t-1}) + b_n)",
                    r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot n_t"],
    "gru-torch": GATES + ["n_t = tanh(W_n x_t + b_n + r_t * (U_n h_{t-1} + b_hn))",
                          "h_t = z_t * h_{t-1} + (1 - z_t) * n_t"],
    "gru-chung": GATES + ["n_t = tanh(W_n x_t + U_n (r_t ⊙ h_{t-1}) + b_n)",
                          "h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ n_t"],
    "lstm": LSTM_GATES + ["o_t = σ(W_o x_t + U_o h_{t-1} + b_o)", "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t",
                          "h_t = o_t ⊙ tanh(c_t)"],
    "lstm-peephole": ["i_t = σ(W_i x_t + U_i h_{t-1} + p_i ⊙ c_{t-1} + b_i)",
                      "f_t = σ(W_f x_t + U_f h_{t-1} + p_f ⊙ c_{t-1} + b_f)",
                      r"g_t = \tanh(W_g x_t + U_g h_{t-1} + b_g)", "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t",
                      "o_t = σ(W_o x_t + U_o h_{t-1} + p_o ⊙ c_t + b_o)", "h_t = o_t ⊙ tanh(c_t)"],
}


@pytest.mark.parametrize("key", sorted(CELLS))
def test_typed_library_cell_has_the_library_jacobian(key):
    assert sorted(TYPED) == sorted(CELLS)
    library, typed = CELLS[key], parse_cell(TYPED[key])
    assert set(typed.states) == set(library.states)
    ours, theirs = chain(typed), chain(library)
    env = library.bindings(2, 3, total=True)
    for v in library.next:
        for s in library.prev:
            assert not mismatches(explicit(ours.block(v, s), env), explicit(theirs.block(v, s), env)), (v, s)


def test_cli_derive_with_typed_cell_and_cell_file(capsys, tmp_path):
    path = tmp_path / "mycell.txt"
    path.write_text("# a leaky update\nz_t = sigmoid(W_z x_t + U_z h_{t-1} + b_z)\n\n"
                    "h_t = (1 - z_t) * h_{t-1} + z_t * tanh(W x_t + U h_{t-1} + b)\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "derive", "--cell-file", str(path), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["verified"] and data["cell"]["states"] == ["h"] and len(data["cell"]["equations"]) == 2
    code2, out2, _ = run_cli(capsys, "derive", "--format", "json",
                             "--cell", "z_t = sigmoid(W_z x_t + U_z h_{t-1} + b_z)",
                             "--cell", "h_t = (1 - z_t) * h_{t-1} + z_t * tanh(W x_t + U h_{t-1} + b)")
    assert code2 == 0 and out2 == out


@pytest.mark.parametrize("equations, message", [
    (["h_t tanh(W h_{t-1})"], "write one '='"),
    (["W = tanh(W h_{t-1})"], "left side must be a name at time t"),
    (["h_t = tanh(W h_{t-1})", "h_t = h_{t-1}"], "defined twice"),
    (["h_t = z_t h_{t-1}"], "two vectors side by side"),
    (["h_t = tanh(W h_{t-1}) + x_t"], "vectors of sizes"),
    (["h_t = tanh(W x_t + b)"], "not a recurrence"),
    (["h_t = tanh(W x_t + V u_t + U h_{t-1})"], "one input vector at most"),
    (["z_t = sigmoid(U r_t)", "r_t = sigmoid(W h_{t-1})", "h_t = z_t ⊙ h_{t-1}"], "used before its equation"),
    (["h_t = tanh(W h_{t-1}) + c_{t-1}"], "no equation defines c_t"),
    (["h_t = tanh(W h_{t+1})"], "only t and t-1"),
    # An activation the cell does not name is refused, never read as the sigmoid or as a weight
    # (φ(…) became σ and "proved" a wrong Jacobian; softplus(…) a matrix times a bracket).
    ([r"h_t = \phi(W h_{t-1} + U x_t + b)"], r"phi\(…\) at character 7 names no activation"),
    (["h_t = f(W h_{t-1} + U x_t + b)"], r"f\(…\) at character 7 names no activation"),
    (["h_t = g(W h_{t-1}) + x_t"], "names no activation"),
    (["h_t = softplus(W h_{t-1} + U x_t + b)"], "softplus at character 7: a cell's activations are"),
    (["h_t = exp(W h_{t-1})"], "exp at character 7"),
    # d2l's output layer next to its cell: no part of the recurrence (W_hq was called recurrent).
    (["h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)", "y_t = h_t W_hq + b_q"], "equation 2: no state depends on y_t"),
    (["z_t = sigmoid(W h_{t-1})", "h_t = tanh(U h_{t-1})"], "equation 1: no state depends on z_t"),
    # A zero with a size is a claimed block's spelling (check), not a term of a cell.
    ([r"h_t = tanh(W h_{t-1}) + \mathbf{0}_n"], "a zero with a size at character 33: write 0"),
])
def test_bad_cells_are_input_errors(equations, message):
    with pytest.raises(InputError, match=message):
        parse_cell(equations)


def test_cli_bad_cell_input_is_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"h_t = \xff\n")
    for argv, message in ((["--cell", "h_t = z_t h_{t-1}"], "equation 1"),
                          (["--cell-file", str(bad)], "not UTF-8"),
                          (["--cell-file", str(tmp_path / "missing.txt")], "cannot read"),
                          (["--cell", "h_t = tanh(W h_{t-1})", "-r", "elman"], "leave out --recurrence"),
                          (["--cell", "h_t = __import__('os').system('true')"], "")):
        code, out, err = run_cli(capsys, "derive", *argv)
        assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_subscripts_that_end_in_t_are_labels_not_times():
    cell = parse_cell(["h_t = tanh(W_{att} h_{t-1} + b_{out})"])
    assert [p.name for p in cell.parameters] == ["W_att", "b_out"]


def test_typed_relu_cell_is_checked_numerically(capsys):
    """relu and its step H (H(0) = 0) evaluate at the numeric instance, as tanh and σ do."""
    code, out, err = run_cli(capsys, "derive", "--format", "json",
                             "--cell", "h_t = relu(0.8 * h_{t-1} + 0.2 * (W_x x_t + b_x + W_h h_{t-1} + b_h))")
    data = json.loads(out)
    assert code == 0 and err == "" and data["verified"] and data["numeric"]["passed"]


def test_an_unclosed_parenthesis_is_an_error_not_a_guess():
    with pytest.raises(InputError, match="equation 1: 1 closing parenthesis missing"):
        parse_cell(["h_t = tanh(W h_{t-1} + U x_t + b"])


def test_a_typed_cell_is_introduced_once(capsys):
    """A typed cell is "the cell as typed", said once: no source ("after typed equations") and no
    convention ("equations typed by the user") repeating it; row vectors are said how they are read,
    with the cell's own first row product."""
    typed = r"h_t = \tanh(W h_{t-1} + U x_t + b)"
    for command in (["derive", "--cell", typed, "-f", "markdown"], ["derive", "--cell", typed, "-f", "latex"],
                    ["check", "--cell", typed, "-f", "markdown", "diag(1 - h_t^2) W"],
                    ["check", "--cell", typed, "-f", "latex", "diag(1 - h_t^2) W"],
                    ["check", "--cell", typed, "-f", "text", "diag(1 - h_t^2) W"]):
        code, out, err = run_cli(capsys, *command)
        assert code == 0 and err == "", err
        assert "typed equations" not in out and "typed by the user" not in out and "source:" not in out, command
        assert ("The cell as typed:" if command[0] == "derive" else "the cell as typed") in out, command
    code, out, _ = run_cli(capsys, "derive", "--cell", r"h_t = \tanh(h_{t-1} W + x_t U + b)")
    assert code == 0 and ("As symbptt reads it, in columns ($\\mathbf{h}_{t-1} \\mathbf{W}$ is read as "
                          "$\\mathbf{W}^{\\top} \\mathbf{h}_{t-1}$, so its Jacobians are those of the columns) "
                          "and with the terms of a sum perhaps in another order:") in out
