"""`check --cell` on published gated-cell formulas (tests/data/gated_corpus.py).

Each entry carries the source's own cell, typed in the source's names, and the layouts in
which the formula is that cell's block, by torch autograd on the cell written in torch
(tests/test_gated_corpus_truth.py checks every label). Here `check`, given the typed cell
and the block, must say it holds in exactly those layouts; none is refused.
"""

from __future__ import annotations

import pytest

from symbptt.cell_check import check_cell
from symbptt.cell_parse import parse_cell

from .data.gated_corpus import ENTRIES


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_check_agrees_with_the_autodiff_ground_truth(entry):
    result = check_cell(entry.formula, parse_cell(list(entry.cell)), entry.block)
    assert {l.value for l, v in result.verdicts.items() if v.holds} == set(entry.holds)
    assert result.truth_verified


def test_at_least_ten_published_formulas_are_judged():
    assert len(ENTRIES) >= 10 and len({e.source.url for e in ENTRIES}) >= 4


def test_what_a_source_means_is_found_as_a_reading():
    """Weber's ∂C_t/∂C_{t-1} is not the (C, C) block; with C alone as the state (h_{t-1} =
    o_{t-1} ⊙ tanh(C_{t-1})), which is what the post means, it holds."""
    entry = next(e for e in ENTRIES if e.id == "weber-lstm-full-dc")
    assert "alone as the state" in entry.means
    result = check_cell(entry.formula, parse_cell(list(entry.cell)), entry.block)
    assert not any(v.holds for v in result.verdicts.values())
    assert {(v.target.key, v.layout.value) for v in result.readings} == {("typed:through", "numerator")}


def test_a_library_cell_judges_the_same_formula_alike():
    """The Coursera block ∂c/∂c = Γ_f against the library's LSTM in its names: proved."""
    result = check_cell(r"\frac{\partial c_t}{\partial c_{t-1}} = f_t", "lstm")
    assert {v.status for v in result.verdicts.values()} == {"proved"}


@pytest.mark.parametrize("gate", [r"\Gamma_f", r"\Gamma_f^{\langle t \rangle}", "Γ_f"])
def test_the_courses_gate_names_are_the_library_cells_gates(gate):
    """deeplearning.ai writes the forget gate Γ_f: under the library LSTM it is f_t, and the
    block ∂c/∂c = Γ_f is proved, as with f_t."""
    result = check_cell(r"\frac{\partial c_t}{\partial c_{t-1}} = " + gate, "lstm")
    assert {v.status for v in result.verdicts.values()} == {"proved"}


def test_the_courses_gru_update_gate_is_z():
    """Γ_u, Γ_r under a library GRU are z_t and r_t: the course keeps the candidate with Γ_u,
    so its ∂c/∂c path diag(1 − Γ_u) is judged against Cho's diag(z) term and refuted."""
    from symbptt.render import render_cell_check

    result = check_cell(r"\frac{\partial h_t}{\partial h_{t-1}} = diag(1 - \Gamma_u) + diag(\Gamma_r)", "gru")
    assert not any(v.holds for v in result.verdicts.values())
    assert "diag(1 - z_t) + diag(r_t)" in render_cell_check(result, "text")
