"""Ground truth from outside: every library cell's Jacobian against PyTorch autograd.

`gru-torch` and `lstm` are compared with PyTorch's own nn.GRUCell / nn.LSTMCell, built from
the instance's `torch` parameters (so the stacked-weight mapping is tested too); the other
cells with autograd on the cell written in torch straight from its paper's equations.
Both layouts, non-square input weights (m = n + 1), several seeds and sizes.
"""

import pytest
import torch  # a test dependency: missing, the suite fails rather than skips
from torch.autograd.functional import jacobian

from symbptt.cell_derivation import derive_cell



def _tensor(values):
    return torch.tensor(values, dtype=torch.float64)


def _t(values, name):
    return _tensor(values[name])


def _gru_paper(v, swap):
    """Cho et al. 2014 eqs. 5-8 (d2l §10.2) with biases; Chung et al. 2014 swaps z and 1 − z."""
    def step(x, h):
        z = torch.sigmoid(_t(v, "W_z") @ x + _t(v, "U_z") @ h + _t(v, "b_z"))
        r = torch.sigmoid(_t(v, "W_r") @ x + _t(v, "U_r") @ h + _t(v, "b_r"))
        n = torch.tanh(_t(v, "W_n") @ x + _t(v, "U_n") @ (r * h) + _t(v, "b_n"))
        return (1 - z) * h + z * n if swap else z * h + (1 - z) * n
    return step


def _peephole(v):
    """Greff et al. 2017, section II (vanilla LSTM), state (h, c) stacked."""
    n = len(v["b_i"])

    def step(x, hc):
        h, c = hc[:n], hc[n:]
        gate = lambda k, extra=0: _t(v, f"W_{k}") @ x + _t(v, f"U_{k}") @ h + extra + _t(v, f"b_{k}")
        i = torch.sigmoid(gate("i", _t(v, "p_i") * c))
        f = torch.sigmoid(gate("f", _t(v, "p_f") * c))
        g = torch.tanh(gate("g"))
        c2 = f * c + i * g
        o = torch.sigmoid(gate("o", _t(v, "p_o") * c2))
        return torch.cat([o * torch.tanh(c2), c2])
    return step


def _torch_cell(inst):
    p = inst.torch
    n = len(p["h"])
    if p["cell"] == "GRUCell":
        cell = torch.nn.GRUCell(len(p["x"]), n, dtype=torch.float64)
    else:
        cell = torch.nn.LSTMCell(len(p["x"]), n, dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(_tensor(p[name]))
    x = _tensor(p["x"])
    if p["cell"] == "GRUCell":
        return lambda s: cell(x[None], s[None])[0], _tensor(p["h"])
    def step(hc):
        h2, c2 = cell(x[None], (hc[None, :n], hc[None, n:]))
        return torch.cat([h2[0], c2[0]])
    return step, torch.cat([_tensor(p["h"]), _tensor(p["c"])])


def _reference(key, inst):
    v = inst.values
    x = _tensor(v["x@t"])
    if key in ("gru-torch", "lstm"):
        return _torch_cell(inst)
    if key in ("gru", "gru-chung"):
        step = _gru_paper(v, swap=key == "gru-chung")
        return (lambda h: step(x, h)), _tensor(v["h@t-1"])
    step = _peephole(v)
    return (lambda hc: step(x, hc)), torch.cat([_tensor(v["h@t-1"]), _tensor(v["c@t-1"])])


@pytest.mark.parametrize("key", ["gru", "gru-torch", "gru-chung", "lstm", "lstm-peephole"])
@pytest.mark.parametrize("dim, seed", [(2, 0), (3, 7)])
def test_jacobian_matches_autograd(key, dim, seed):
    d = derive_cell(key, dim=dim, seed=seed)
    inst = d.instance
    f, s0 = _reference(key, inst)
    expected = jacobian(f, s0)  # numerator layout: output index first
    got = _tensor(inst.numerator)
    assert got.shape == expected.shape == (len(d.cell.states) * dim,) * 2
    assert torch.allclose(got, expected, atol=1e-12, rtol=0), (got - expected).abs().max()
    assert torch.allclose(_tensor(inst.denominator), expected.T, atol=1e-12, rtol=0)
    # A transposed Jacobian would fail: the instance is not symmetric.
    assert not torch.allclose(expected, expected.T, atol=1e-6)
    assert d.verified


def test_torch_layout_only_for_cells_pytorch_ships():
    assert derive_cell("gru", dim=2).instance.torch is None
    assert derive_cell("lstm", dim=2).instance.torch["cell"] == "LSTMCell"
