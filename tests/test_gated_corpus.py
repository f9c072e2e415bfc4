"""`check --cell` on published gated-cell formulas (tests/data/gated_corpus.py).

Each entry carries the source's own cell, typed in the source's names, and the layouts in
which the formula is that cell's block, by torch autograd on the cell written in torch
(tests/test_gated_corpus_truth.py checks every label). Here `check`, given the typed cell
and the block, must say it holds in exactly those layouts; an entry it refuses to read is
listed in REFUSED with the reason (and in docs/cells.md), so that a refusal is visible and a
newly accepted formula must be judged right.
"""

from __future__ import annotations

import pytest

from symbptt.cell_check import check_cell
from symbptt.cell_parse import parse_cell
from symbptt.errors import InputError

from .conftest import ROOT
from .data.gated_corpus import ENTRIES

#: id → the construct `check` does not read yet.
REFUSED = {
    "weber-lstm-full-dc": "placeholder",  # σ'(·): which gate's pre-activation is not said
}


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.id not in REFUSED], ids=lambda e: e.id)
def test_check_agrees_with_the_autodiff_ground_truth(entry):
    result = check_cell(entry.formula, parse_cell(list(entry.cell)), entry.block)
    assert {l.value for l, v in result.verdicts.items() if v.holds} == set(entry.holds)
    assert result.truth_verified


def test_at_least_ten_published_formulas_are_judged():
    assert len([e for e in ENTRIES if e.id not in REFUSED]) >= 10
    assert len({e.source.url for e in ENTRIES if e.id not in REFUSED}) >= 4


@pytest.mark.parametrize("key", sorted(REFUSED))
def test_what_is_refused_is_listed_in_the_docs(key):
    entry = next(e for e in ENTRIES if e.id == key)
    with pytest.raises(InputError, match=REFUSED[key]):
        check_cell(entry.formula, parse_cell(list(entry.cell)), entry.block)
    assert f"`{key}`" in (ROOT / "docs" / "cells.md").read_text()


def test_a_library_cell_judges_the_same_formula_alike():
    """The Coursera block ∂c/∂c = Γ_f against the library's LSTM in its names: proved."""
    result = check_cell(r"\frac{\partial c_t}{\partial c_{t-1}} = f_t", "lstm")
    assert {v.status for v in result.verdicts.values()} == {"proved"}
