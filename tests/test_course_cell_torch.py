"""Ground truth for the gallery's typed course cell: the continuous-time RNN of G. R. Yang's
MIT BCS tutorial (https://github.com/gyyang/nn-brain/blob/master/RNN_tutorial.ipynb), its
Jacobian by PyTorch autograd on the course's own CTRNN module against symbptt's derived
blocks, both layouts.

The tutorial's notes write one Euler step of τ dr/dt = −r + f(W_r r + W_x x + b_r):
r(t + Δt) = r(t) + Δt/τ [−r(t) + f(W_r r(t) + W_x x(t) + b_r)]; its code (class CTRNN, with
τ = 100 and the task's Δt = 20) applies the ReLU to the whole update instead,
relu((1 − α) h + α (input2h(x) + h2h(h))). Both are typed as equations and compared with
autograd on the module written as the course writes it.
"""

import pytest
import torch  # a test dependency: missing, the suite fails rather than skips
from torch.autograd.functional import jacobian

from symbptt.cell_derivation import derive_cell
from symbptt.cell_parse import parse_cell
from symbptt.gallery import TYPED_CELLS, typed_cell

#: Δt / τ of the tutorial: dt = 20 (the task's), tau = 100 (CTRNN's).
DT, TAU = 20, 100
#: The code's recurrence typed as equations (input2h and h2h each carry a bias).
CODE = "h_t = relu(0.8 * h_{t-1} + 0.2 * (W_x x_t + b_x + W_h h_{t-1} + b_h))"


class CTRNN(torch.nn.Module):
    """The tutorial's CTRNN (input2h, h2h, alpha = dt / tau), one step of each reading."""

    def __init__(self, input_size, hidden_size, dt=DT, tau=TAU):
        super().__init__()
        self.alpha = dt / tau
        self.oneminusalpha = 1 - self.alpha
        self.input2h = torch.nn.Linear(input_size, hidden_size, dtype=torch.float64)
        self.h2h = torch.nn.Linear(hidden_size, hidden_size, dtype=torch.float64)

    def notes(self, input, hidden):
        """The notes' Euler step: r + Δt/τ (−r + f(W_r r + W_x x + b_r)), f = ReLU."""
        return hidden + self.alpha * (-hidden + torch.relu(self.h2h(hidden) + self.input2h(input)))

    def recurrence(self, input, hidden):
        """The tutorial's code, as written."""
        pre_activation = self.input2h(input) + self.h2h(hidden)
        return torch.relu(hidden * self.oneminusalpha + pre_activation * self.alpha)


def _tensor(values):
    return torch.tensor(values, dtype=torch.float64)


def _module(v, names):
    """The course's module with the instance's parameters: names = (W_in, b_in, W_rec, b_rec),
    None for a bias the equations do not have."""
    W_in, b_in, W_rec, b_rec = names
    net = CTRNN(len(v[W_in][0]), len(v[W_rec]))
    with torch.no_grad():
        net.input2h.weight.copy_(_tensor(v[W_in]))
        net.h2h.weight.copy_(_tensor(v[W_rec]))
        for layer, bias in ((net.input2h, b_in), (net.h2h, b_rec)):
            layer.bias.copy_(_tensor(v[bias]) if bias else torch.zeros(len(v[W_rec]), dtype=torch.float64))
    return net


def _compare(d, step, s0, pre):
    inst = d.instance
    assert pre.abs().min() > 1e-6  # away from ReLU's kink, where H(0) = 0 is a convention
    assert (pre > 0).any() and (pre < 0).any()  # both branches of the ReLU at this instance
    expected = jacobian(step, s0)  # numerator layout: output index first
    got = _tensor(inst.numerator)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-12, rtol=0), (got - expected).abs().max()
    assert torch.allclose(_tensor(inst.denominator), expected.T, atol=1e-12, rtol=0)
    assert not torch.allclose(expected, expected.T, atol=1e-6)  # a transpose would fail
    assert d.verified


@pytest.mark.parametrize("dim, seed", [(2, 2), (3, 5)])
def test_gallery_ctrnn_matches_autograd_on_the_course_module(dim, seed):
    (entry,) = [e for e in TYPED_CELLS if e.key == "ctrnn-mit-bcs"]
    d = derive_cell(typed_cell(entry), dim=dim, seed=seed)
    assert entry.seed == 2  # the gallery's instance is one where the ReLU takes both branches
    v = d.instance.values
    net = _module(v, ("W_x", None, "W_r", "b_r"))
    x = _tensor(v["x@t"])
    r = _tensor(v["r@t-1"])
    pre = net.h2h(r) + net.input2h(x)
    _compare(d, lambda s: net.notes(x, s), r, pre)


@pytest.mark.parametrize("dim, seed", [(2, 2), (3, 5)])
def test_the_courses_code_matches_autograd(dim, seed):
    d = derive_cell(parse_cell([CODE]), dim=dim, seed=seed)
    v = d.instance.values
    net = _module(v, ("W_x", "b_x", "W_h", "b_h"))
    x, h = _tensor(v["x@t"]), _tensor(v["h@t-1"])
    pre = h * net.oneminusalpha + (net.input2h(x) + net.h2h(h)) * net.alpha
    _compare(d, lambda s: net.recurrence(x, s), h, pre)


def test_notes_and_code_are_different_cells():
    """The notes' and the code's Jacobians differ at one shared instance: where the update's
    pre-activation is negative the code's row is zero, the notes' keeps 4/5 of the identity."""
    notes = derive_cell(parse_cell(["h_t = h_{t-1} + 0.2 * (-h_{t-1} + relu(W_h h_{t-1} + W_x x_t + b_h))"]),
                        dim=3, seed=5)
    code = derive_cell(parse_cell(["h_t = relu(0.8 * h_{t-1} + 0.2 * (W_x x_t + W_h h_{t-1} + b_h))"]),
                       dim=3, seed=5)
    assert notes.instance.values == code.instance.values
    assert not torch.allclose(_tensor(notes.instance.numerator), _tensor(code.instance.numerator))
