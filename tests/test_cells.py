"""Recurrence forms are data: every route reads a form's fields, and a new form is a table entry.

The proof that a new form is an entry is `row-elman`, x_tᵀ = σ(x_{t-1}ᵀ W + u_tᵀ W_inᵀ + bᵀ): its
Jacobian as derived is compared with torch autograd on that recurrence written directly in torch
(row vectors, W as code stores it), which returns numerator layout.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import sympy as sp
import torch

import symbptt
from symbptt.bptt import bptt
from symbptt.check import check
from symbptt.explicit import explicit
from symbptt.layout import Layout
from symbptt.model import FORMS, form_key

from .conftest import run_cli

N, M = 3, 2  # W_in is not square
DTYPE = torch.float64
TORCH_ACTIVATIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
                     "identity": lambda a: a}


def _instance(seed: int):
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(N, N, generator=g, dtype=DTYPE) / math.sqrt(N)
    W_in = torch.randn(N, M, generator=g, dtype=DTYPE) / math.sqrt(M)
    b = 0.1 * torch.randn(N, generator=g, dtype=DTYPE)
    u = torch.randn(M, generator=g, dtype=DTYPE)
    x_prev = 0.8 * torch.randn(N, generator=g, dtype=DTYPE)
    assert not torch.allclose(W, W.T)
    return W, W_in, b, u, x_prev


def _values(rec, W, W_in, b, u, x_prev) -> dict:
    """The entry symbols of `rec` at size N, M mapped to the torch instance's numbers."""
    env = rec.bindings(N, M)
    values = {}
    for sym, tensor in ((rec.W, W), (rec.W_in, W_in)):
        for (i, j), e in zip(((i, j) for i in range(tensor.shape[0]) for j in range(tensor.shape[1])),
                             env[sym]):
            values[e] = float(tensor[i, j])
    for sym, tensor in ((rec.b, b), (rec.u, u), (rec.x_prev, x_prev)):
        for i, e in enumerate(env[sym]):
            values[e] = float(tensor[i])
    return env, values


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
def test_row_elman_jacobian_matches_torch_autograd(activation, seed):
    act = TORCH_ACTIVATIONS[activation]
    W, W_in, b, u, x_prev = _instance(seed)

    def step(h):  # the row-vector post-activation recurrence, as numpy/torch code writes it
        return act(h @ W + u @ W_in.T + b)

    J = torch.autograd.functional.jacobian(step, x_prev)  # numerator layout
    a = x_prev @ W + u @ W_in.T + b
    d_act = torch.autograd.functional.jacobian(lambda v: act(v), a).diagonal()
    # the documented closed form, in torch: numerator diag(σ'(a_t)) Wᵀ
    assert torch.allclose(J, torch.diag(d_act) @ W.T, rtol=1e-12, atol=1e-14)
    assert not torch.allclose(J, torch.diag(d_act) @ W, rtol=1e-6, atol=1e-9)  # the layouts differ

    d = symbptt.derive(activation, dim=None, recurrence="row-elman")
    rec = d.recurrence
    env, values = _values(rec, W, W_in, b, u, x_prev)
    for layout, truth in ((Layout.NUMERATOR, J), (Layout.DENOMINATOR, J.T)):
        got = rec.activation.numeric_form(explicit(d.result(layout), env)).xreplace(values)
        got = torch.tensor([[float(sp.N(got[i, j])) for j in range(N)] for i in range(N)], dtype=DTYPE)
        assert torch.allclose(got, truth, rtol=1e-10, atol=1e-12), layout
    # the recurrence the engine differentiates is the one torch ran
    state = rec.activation.numeric_form(env[rec.x_t]).xreplace(values)
    assert torch.allclose(torch.tensor([float(sp.N(e)) for e in state], dtype=DTYPE), step(x_prev))


def test_row_elman_closed_forms_and_every_route():
    d = symbptt.derive("tanh", dim=3, inputs=2, recurrence="row-elman")
    rec = d.recurrence
    D = rec.derivative_diag(rec.a_t)
    assert d.result(Layout.NUMERATOR) == sp.MatMul(D, sp.Transpose(rec.W))
    assert d.result(Layout.DENOMINATOR) == sp.MatMul(rec.W, D)
    assert d.verified and all(c.ok for c in d.checks) and d.expansion.verified and d.numeric.passed
    assert d.statements["column"].ok  # x_tᵀ = σ(a_tᵀ) transposed is the column form x_t = σ(Wᵀ x_{t-1} + …)


def test_row_elman_bptt_verifies():
    b = bptt("tanh", "row-elman")
    assert b.verified and b.backward_symbolic and b.backward_numeric < 1e-20


def test_cli_derive_and_bptt_take_row_elman(capsys):
    code, out, _ = run_cli(capsys, "derive", "-r", "row-elman", "-a", "tanh", "--symbolic")
    assert code == 0 and "post-activation form with row vectors" in out
    code, out, _ = run_cli(capsys, "bptt", "-r", "row-elman", "-a", "tanh", "--format", "json")
    assert code == 0 and '"row-elman"' in out


def test_check_judges_row_elman_with_the_models_form():
    """The check's truth for row-elman is the model's own Jacobian, in both layouts."""
    r = check("diag(sigma'(a_t)) W^T", recurrence="row-elman")
    rec = r.recurrence
    assert rec.form == "row-elman"
    D = rec.derivative_diag(rec.a_t)
    assert r.truth(Layout.NUMERATOR) == sp.MatMul(D, sp.Transpose(rec.W))
    assert r.truth(Layout.DENOMINATOR) == sp.MatMul(rec.W, D)  # not (Wᵀ)ᵀ D
    assert r.verdict("numerator").status == "proved" and r.verdict("denominator").status == "refuted"
    assert r.truth_verified


def test_form_lookup_by_fields():
    assert [(f.post, f.rows) for f in FORMS.values()] == [(False, False), (True, False), (False, True), (True, True)]
    assert form_key(post=True, rows=True) == "row-elman" and form_key(post=False, rows=False) == "pascanu"


ENGINE = sorted(p for p in (Path(symbptt.__file__).parent).rglob("*.py"))


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: p.name)
def test_no_branch_on_a_form_name(path):
    """No route tests a form's key: `rec.form == "elman"`, `form != "row"`, `form in (...)`."""
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"""\.form\s*(?:[!=]=\s*["']|(?:not\s+)?in\s*[(\[{])""", text)
    found += re.findall(r"""\bform\s*[!=]=\s*["']""", text)
    assert not found, f"{path.name} branches on a form's name: {found}"
