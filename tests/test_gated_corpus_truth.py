"""Ground truth for the gated-cell corpus (tests/data/gated_corpus.py) by torch autograd.

Each source's own cell is written below in torch by hand, once, keyed by the equations the entry
types for symbptt (the `cell` tuple), without symbptt: the typed equations are only the key. For
every entry the cell is built in float64 at n = 3 (input size m = 2, so input weights are not
square) from random non-symmetric weights at several seeds, and the entry's block
∂(next state)/∂(previous state) is computed with torch.autograd.functional.jacobian (numerator
layout), the other previous states held fixed. The entry's ``meaning`` holds in the numerator
layout when it equals that block, in the denominator layout when it equals its transpose, at every
seed; that set must be the entry's ``holds``. symbptt is used only to check that each ``cell`` and
``formula`` parses (judging the formulas is `check`'s job, tested elsewhere).
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import pytest
import torch

from symbptt.cell_check import MAX_LENGTH
from symbptt.cell_parse import parse_cell
from symbptt.cells import CELLS
from symbptt.grammar import parse

from .data import gated_corpus as corpus
from .data.gated_corpus import ENTRIES, GatedEntry

N = 3  # state size
M = 2  # input size
SEEDS = (0, 1, 2, 3)
DTYPE = torch.float64
LAYOUTS = {"numerator", "denominator"}
KINDS = {"paper", "book", "lecture notes", "slides", "blog", "Q&A", "code"}

sig, tanh = torch.sigmoid, torch.tanh


# --------------------------------------------------------------------------------------------
# The sources' cells in torch: parameters (name → "nn" recurrent, "nm" input, "n" bias), the
# states, and one step from (parameters, input, previous states) to every named quantity.
# --------------------------------------------------------------------------------------------

def _gru_legalaspro_md(p, x, prev):
    """simple-gru.ipynb, Markdown §2: reset after the product, z keeps h_{t-1}."""
    h = prev["h"]
    z = sig(p.U_z @ x + p.W_z @ h + p.b_z)
    r = sig(p.U_r @ x + p.W_r @ h + p.b_r)
    htilde = tanh(p.U_ht @ x + p.b_htx + r * (p.W_ht @ h + p.b_hth))
    return {"z": z, "r": r, "htilde": htilde, "h": z * h + (1 - z) * htilde}


def _gru_legalaspro_code(p, x, prev):
    """simple-gru.ipynb, lossFunGRU: h_tilde = tanh(Wxh x + Whh (r * h_prev) + bh)."""
    h = prev["h"]
    z = sig(p.Wxz @ x + p.Whz @ h + p.bz)
    r = sig(p.Wxr @ x + p.Whr @ h + p.br)
    htilde = tanh(p.Wxh @ x + p.Whh @ (r * h) + p.bh)
    return {"z": z, "r": r, "htilde": htilde, "h": z * h + (1 - z) * htilde}


def _gru_zh_blog(p, x, prev):
    """The Chinese GRU post, §1: no biases, z keeps the candidate, net is the candidate's input."""
    h = prev["h"]
    z = sig(p.W_zh @ h + p.W_zx @ x)
    r = sig(p.W_rh @ h + p.W_rx @ x)
    net = p.W_hh @ (r * h) + p.W_hx @ x
    htilde = tanh(net)
    return {"z": z, "r": r, "net": net, "htilde": htilde, "h": (1 - z) * h + z * htilde}


def _lstm_coursera(p, x, prev):
    """lstm_cell_forward: concat = [a_prev; xt], Wf = [W_f | W_fx], c_next, a_next."""
    a, c = prev["a"], prev["c"]
    Gamma_f = sig(p.W_f @ a + p.W_fx @ x + p.b_f)
    Gamma_u = sig(p.W_u @ a + p.W_ux @ x + p.b_u)
    ctilde = tanh(p.W_c @ a + p.W_cx @ x + p.b_c)
    c_next = Gamma_f * c + Gamma_u * ctilde
    Gamma_o = sig(p.W_o @ a + p.W_ox @ x + p.b_o)
    return {"Gamma_f": Gamma_f, "Gamma_u": Gamma_u, "ctilde": ctilde, "c": c_next,
            "Gamma_o": Gamma_o, "a": Gamma_o * tanh(c_next)}


def _lstm_weber(p, x, prev):
    """Weber's 'LSTM Equation Reference': no biases, W_•[h_{t-1}, x_t] = W_• h + W_•x x."""
    h, C = prev["h"], prev["C"]
    f = sig(p.W_f @ h + p.W_fx @ x)
    i = sig(p.W_i @ h + p.W_ix @ x)
    o = sig(p.W_o @ h + p.W_ox @ x)
    Ctilde = tanh(p.W_C @ h + p.W_Cx @ x)
    C_next = f * C + i * Ctilde
    return {"f": f, "i": i, "o": o, "Ctilde": Ctilde, "C": C_next, "h": o * tanh(C_next)}


def _lstm_nico(p, x, prev):
    """nicodjimenez/lstm: xc = hstack(x, h_prev), s = g * i + s_prev * f, h = s * o."""
    h, s = prev["h"], prev["s"]
    g = tanh(p.wgx @ x + p.wgh @ h + p.bg)
    i = sig(p.wix @ x + p.wih @ h + p.bi)
    f = sig(p.wfx @ x + p.wfh @ h + p.bf)
    o = sig(p.wox @ x + p.woh @ h + p.bo)
    s_next = g * i + s * f
    return {"g": g, "i": i, "f": f, "o": o, "s": s_next, "h": s_next * o}


def _params(spec: str) -> dict[str, str]:
    """'W_z:nn U_z:nm b_z:n' → {name: kind}."""
    return dict(item.split(":") for item in spec.split())


TORCH_CELLS = {
    corpus.GRU_LEGALASPRO_MD: (
        _params("U_z:nm W_z:nn b_z:n U_r:nm W_r:nn b_r:n U_ht:nm b_htx:n W_ht:nn b_hth:n"),
        ("h",), _gru_legalaspro_md),
    corpus.GRU_LEGALASPRO_CODE: (
        _params("Wxz:nm Whz:nn bz:n Wxr:nm Whr:nn br:n Wxh:nm Whh:nn bh:n"),
        ("h",), _gru_legalaspro_code),
    corpus.GRU_CSDN_ZH: (
        _params("W_zh:nn W_zx:nm W_rh:nn W_rx:nm W_hh:nn W_hx:nm"),
        ("h",), _gru_zh_blog),
    corpus.LSTM_COURSERA: (
        _params("W_f:nn W_fx:nm b_f:n W_u:nn W_ux:nm b_u:n W_c:nn W_cx:nm b_c:n W_o:nn W_ox:nm b_o:n"),
        ("a", "c"), _lstm_coursera),
    corpus.LSTM_WEBER: (
        _params("W_f:nn W_fx:nm W_i:nn W_ix:nm W_o:nn W_ox:nm W_C:nn W_Cx:nm"),
        ("h", "C"), _lstm_weber),
    corpus.LSTM_NICO: (
        _params("wgx:nm wgh:nn bg:n wix:nm wih:nn bi:n wfx:nm wfh:nn bf:n wox:nm woh:nn bo:n"),
        ("h", "s"), _lstm_nico),
}


def _instance(entry: GatedEntry, seed: int):
    """The source's cell at one random point: (v for `meaning`, numerator block J)."""
    spec, states, step = TORCH_CELLS[entry.cell]
    g = torch.Generator().manual_seed(seed)

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=DTYPE)

    shapes = {"nn": (N, N), "nm": (N, M), "n": (N,)}
    scale = {"nn": 1 / math.sqrt(N), "nm": 1 / math.sqrt(M), "n": 0.3}
    p = SimpleNamespace(**{name: scale[kind] * randn(*shapes[kind]) for name, kind in spec.items()})
    x = randn(M)
    prev = {s: 0.8 * randn(N) for s in states}
    o_prev = torch.sigmoid(randn(N))  # Weber's o_{t-1}: a value the cell does not define
    out = step(p, x, prev)

    nxt, old = entry.block

    def block(value):
        return step(p, x, {**prev, old: value})[nxt]

    J = torch.autograd.functional.jacobian(block, prev[old])
    v = SimpleNamespace(**vars(p), x=x, **{f"{s}_prev": prev[s] for s in states}, **out,
                        o_prev=o_prev, diag=torch.diag, tanh=torch.tanh,
                        I=torch.eye(N, dtype=DTYPE))
    for name, kind in spec.items():  # weights non-symmetric: the layouts are told apart
        if kind == "nn":
            assert not torch.allclose(getattr(p, name), getattr(p, name).T)
    return v, J


def _layouts(entry: GatedEntry) -> frozenset:
    """The layouts in which entry.meaning equals the true block, at every seed."""
    found = set(LAYOUTS)
    for seed in SEEDS:
        v, J = _instance(entry, seed)
        matrix = entry.meaning(v)
        assert isinstance(matrix, torch.Tensor) and matrix.shape == (N, N), entry.id
        if not torch.allclose(matrix, J, rtol=1e-9, atol=1e-12):
            found.discard("numerator")
        if not torch.allclose(matrix, J.T, rtol=1e-9, atol=1e-12):
            found.discard("denominator")
    return frozenset(found)


IDS = [e.id for e in ENTRIES]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_holds_matches_autograd(entry: GatedEntry):
    computed = _layouts(entry)
    assert computed == entry.holds, (
        f"{entry.id}: labelled {sorted(entry.holds)} but torch autograd on the source's cell "
        f"gives {sorted(computed)} for the block {entry.block}")


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_cell_parses_with_the_block_states(entry: GatedEntry):
    cell = parse_cell(list(entry.cell))
    assert set(cell.states) == set(TORCH_CELLS[entry.cell][1]), entry.id
    assert set(entry.block) <= set(cell.states), entry.id


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_formula_parses_with_the_block_on_the_left(entry: GatedEntry):
    claim = parse(entry.formula, MAX_LENGTH)  # as `check -r CELL` reads it
    assert claim.lhs is not None, f"{entry.id}: the formula has no derivative on the left"
    num, den = claim.lhs
    assert (num.letter, den.letter) == entry.block, entry.id
    assert "t-1" in (den.time or den.sub) and "t-1" not in (num.time or num.sub), entry.id


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_fields(entry: GatedEntry):
    assert entry.source.url.startswith("http"), entry.id
    assert re.fullmatch(r"[a-z]{2}", entry.source.language), entry.id
    assert entry.source.kind in KINDS, entry.id
    assert entry.source.title and entry.source.where, entry.id
    assert entry.printed.strip() and entry.formula.strip(), entry.id
    assert entry.holds <= LAYOUTS, entry.id
    assert entry.library is None or entry.library in CELLS, entry.id
    assert entry.cell in TORCH_CELLS, f"{entry.id}: no torch version of its cell"
    if entry.formula not in entry.printed:
        assert entry.note, f"{entry.id}: formula is not a substring of printed and has no note"
    if "github.com" in entry.source.url:
        assert re.search(r"/blob/[0-9a-f]{40}/", entry.source.url), f"{entry.id}: pin the commit"


def test_ids_unique():
    assert len(IDS) == len(set(IDS)), sorted({i for i in IDS if IDS.count(i) > 1})


def test_enough_entries_and_a_mix_of_verdicts():
    assert len(ENTRIES) >= 12
    holding = [e for e in ENTRIES if e.holds]
    wrong_somewhere = [e for e in ENTRIES if e.holds != LAYOUTS]
    assert len(holding) >= 3 and len(wrong_somewhere) >= 4
    verdicts = {e.holds for e in ENTRIES}
    assert frozenset(LAYOUTS) in verdicts and frozenset() in verdicts
    assert frozenset({"denominator"}) in verdicts or frozenset({"numerator"}) in verdicts
    assert {e.library for e in ENTRIES} >= {"gru", "gru-torch", "gru-chung", "lstm"}
    assert len({e.source.language for e in ENTRIES}) >= 2
