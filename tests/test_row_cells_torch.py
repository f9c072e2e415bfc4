"""Row-vector cells, as Dive into Deep Learning writes them (X_t W_xz + H_{t-1} W_hz + b_z),
typed as the book prints them and checked against PyTorch autograd on the book's own
from-scratch code (its `forward`, one step, 1-D rows), both layouts.

Sources (read for these tests): d2l-en, chapter_recurrent-modern/gru.md at commit 2a69d32
(https://github.com/d2l-ai/d2l-en/blob/2a69d32c9587f9ecf8fcd075751da3820813b355/chapter_recurrent-modern/gru.md),
and chapter_recurrent-modern/lstm.md (https://github.com/d2l-ai/d2l-en/blob/master/chapter_recurrent-modern/lstm.md).
The equations are the book's LaTeX; aligned displays lose their `&` and `,\\\\`.
"""

import pytest
import torch  # a test dependency: missing, the suite fails rather than skips
from torch.autograd.functional import jacobian

from symbptt.cell_check import check_cell
from symbptt.cell_derivation import derive_cell
from symbptt.cell_parse import parse_cell
from symbptt.errors import InputError

GRU = [
    r"\mathbf{R}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xr} + \mathbf{H}_{t-1} \mathbf{W}_{hr} + \mathbf{b}_r)",
    r"\mathbf{Z}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xz} + \mathbf{H}_{t-1} \mathbf{W}_{hz} + \mathbf{b}_z)",
    r"\tilde{\mathbf{H}}_t = \tanh(\mathbf{X}_t \mathbf{W}_{xh} + \left(\mathbf{R}_t \odot "
    r"\mathbf{H}_{t-1}\right) \mathbf{W}_{hh} + \mathbf{b}_h)",
    r"\mathbf{H}_t = \mathbf{Z}_t \odot \mathbf{H}_{t-1}  + (1 - \mathbf{Z}_t) \odot \tilde{\mathbf{H}}_t",
]
LSTM = [
    r"\mathbf{I}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xi} + \mathbf{H}_{t-1} \mathbf{W}_{hi} + \mathbf{b}_i)",
    r"\mathbf{F}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xf} + \mathbf{H}_{t-1} \mathbf{W}_{hf} + \mathbf{b}_f)",
    r"\mathbf{O}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xo} + \mathbf{H}_{t-1} \mathbf{W}_{ho} + \mathbf{b}_o)",
    r"\tilde{\mathbf{C}}_t = \text{tanh}(\mathbf{X}_t \mathbf{W}_{xc} + \mathbf{H}_{t-1} \mathbf{W}_{hc} + \mathbf{b}_c)",
    r"\mathbf{C}_t = \mathbf{F}_t \odot \mathbf{C}_{t-1} + \mathbf{I}_t \odot \tilde{\mathbf{C}}_t",
    r"\mathbf{H}_t = \mathbf{O}_t \odot \tanh(\mathbf{C}_t)",
]


def gru_step(p, X, H):
    """d2l's GRUScratch.forward, one step, as the book writes it (matmul of a row)."""
    Z = torch.sigmoid(torch.matmul(X, p["W_xz"]) + torch.matmul(H, p["W_hz"]) + p["b_z"])
    R = torch.sigmoid(torch.matmul(X, p["W_xr"]) + torch.matmul(H, p["W_hr"]) + p["b_r"])
    H_tilde = torch.tanh(torch.matmul(X, p["W_xh"]) + torch.matmul(R * H, p["W_hh"]) + p["b_h"])
    return Z * H + (1 - Z) * H_tilde


def lstm_step(p, X, H, C):
    """d2l's LSTMScratch.forward, one step; returns (H, C)."""
    I = torch.sigmoid(torch.matmul(X, p["W_xi"]) + torch.matmul(H, p["W_hi"]) + p["b_i"])
    F = torch.sigmoid(torch.matmul(X, p["W_xf"]) + torch.matmul(H, p["W_hf"]) + p["b_f"])
    O = torch.sigmoid(torch.matmul(X, p["W_xo"]) + torch.matmul(H, p["W_ho"]) + p["b_o"])
    C_tilde = torch.tanh(torch.matmul(X, p["W_xc"]) + torch.matmul(H, p["W_hc"]) + p["b_c"])
    C = F * C + I * C_tilde
    return O * torch.tanh(C), C


def _instance(d):
    """The derivation's seeded instance as float64 tensors, by name (W_xz is m×n: a row's)."""
    return {k: torch.tensor(v, dtype=torch.float64) for k, v in d.instance.values.items()}


@pytest.mark.parametrize("dim, seed", [(2, 0), (3, 4)])
def test_d2l_gru_as_printed_matches_autograd_on_its_code(dim, seed):
    d = derive_cell(parse_cell(GRU), dim=dim, seed=seed)
    p = _instance(d)
    assert p["W_xz"].shape == (dim + 1, dim)  # input weights are m×n, as the book's d×h
    expected = jacobian(lambda H: gru_step(p, p["X@t"], H), p["H@t-1"])
    got = torch.tensor(d.instance.numerator, dtype=torch.float64)
    assert torch.allclose(got, expected, atol=1e-12, rtol=0), (got - expected).abs().max()
    assert torch.allclose(torch.tensor(d.instance.denominator, dtype=torch.float64), expected.T, atol=1e-12)
    assert not torch.allclose(expected, expected.T, atol=1e-6)  # a transpose would be caught
    assert d.verified


@pytest.mark.parametrize("dim, seed", [(2, 1), (3, 2)])
def test_d2l_lstm_as_printed_matches_autograd_on_its_code(dim, seed):
    d = derive_cell(parse_cell(LSTM), dim=dim, seed=seed)
    assert d.cell.states == ("C", "H")  # in the order the equations define them
    p = _instance(d)
    state = torch.cat([p["C@t-1"], p["H@t-1"]])
    expected = jacobian(lambda s: torch.cat(lstm_step(p, p["X@t"], s[dim:], s[:dim])[::-1]), state)
    got = torch.tensor(d.instance.numerator, dtype=torch.float64)
    assert torch.allclose(got, expected, atol=1e-12, rtol=0), (got - expected).abs().max()
    assert d.verified


def test_the_row_writers_formula_holds_in_denominator_layout():
    """Row-vector code's dH_prev = dH_raw @ W_hh.T: the block written W_hh diag(1 − H_t²)
    (a row gradient's factor) is the Jacobian in denominator layout, not numerator."""
    cell = parse_cell([r"\mathbf{H}_t = \tanh(\mathbf{X}_t \mathbf{W}_{xh} + \mathbf{H}_{t-1} \mathbf{W}_{hh} + \mathbf{b}_h)"])
    result = check_cell(r"\frac{\partial H_t}{\partial H_{t-1}} = W_{hh} diag(1 - H_t^2)", cell)
    assert {l.value: v.status for l, v in result.verdicts.items()} == {"numerator": "refuted", "denominator": "proved"}


def test_a_cell_writes_its_products_one_way():
    with pytest.raises(InputError, match="write every product one way"):
        parse_cell(["h_t = tanh(x_t W_xh + W_hh h_{t-1} + b)"])


ROW_RNN = [r"h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b)",
           r"h_t = \tanh(x_t^\top W_{xh} + h_{t-1}^\top W_{hh} + b)",
           r"h_t = tanh(x_t^T W_xh + h_{t-1}^T W_hh + b^T)",
           r"h_t = tanh(x_t.T @ W_xh + h_{t-1}.T @ W_hh + b)",
           r"h_t = tanh(W_xh^T x_t + W_hh^T h_{t-1} + b)",
           r"h_t^\top = \tanh(x_t^\top W_{xh} + h_{t-1}^\top W_{hh} + b^\top)"]


@pytest.mark.parametrize("text", ROW_RNN)
def test_a_row_rnn_with_or_without_its_transposes_matches_autograd(text):
    """vᵀ W, v.T @ W and Wᵀ v are the row cell x_t W_xh + h_{t-1} W_hh + b (d2l's RNN), W_xh m×n."""
    d = derive_cell(parse_cell([text]), dim=3, seed=2)
    p = _instance(d)
    assert p["W_xh"].shape == (4, 3)
    expected = jacobian(lambda h: torch.tanh(p["x@t"] @ p["W_xh"] + h @ p["W_hh"] + p["b"]), p["h@t-1"])
    assert torch.allclose(torch.tensor(d.instance.numerator, dtype=torch.float64), expected, atol=1e-12, rtol=0)
    assert not torch.allclose(expected, expected.T, atol=1e-6)
    assert d.verified
    result = check_cell(r"\frac{\partial h_t}{\partial h_{t-1}} = W_{hh} diag(1 - h_t^2)", parse_cell([text]))
    assert {l.value: v.status for l, v in result.verdicts.items()} == {"numerator": "refuted", "denominator": "proved"}


@pytest.mark.parametrize("text", ["h_t = tanh(W_xh x_t + W_hh h_{t-1} + b^T)", "h_t^T = tanh(W_xh x_t + W_hh h_{t-1})"])
def test_a_transposed_vector_in_a_column_cell_is_a_one_line_error(text, capsys):
    from symbptt.cli import main
    assert main(["derive", "--cell", text]) == 2
    err = capsys.readouterr().err
    assert "a transposed vector" in err and "row vectors throughout" in err and err.count("\n") == 1
