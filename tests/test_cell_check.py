"""`check -r CELL`: verdicts against PyTorch autograd on the cells written in torch.

Each formula's meaning is written in torch by hand from the same instance's gates; the true
block is torch.autograd's Jacobian of the cell written in torch from its paper (numerator
layout; its transpose for the denominator). The labels check must give, for the cell asked
about, each variant of its family and the LSTM's c-alone reading, come from there.
"""

from __future__ import annotations

import json
import re

import pytest
import sympy as sp
import torch
from torch.autograd.functional import jacobian

from symbptt.cell_check import check_cell
from symbptt.cell_claim import readings
from symbptt.cell_parse import parse_cell
from symbptt.cells import CELLS
from symbptt.cli import main
from symbptt.errors import InputError
from symbptt.grammar import parse
from symbptt.render import render_cell_check

from .conftest import run_cli

N, M = 3, 2
DT = torch.float64


def _params(seed: int, names) -> dict:
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name in names:
        shape = (N, M) if name.startswith("W") else (N, N) if name.startswith("U") else (N,)
        out[name] = torch.randn(*shape, generator=g, dtype=DT) / 1.5
    return out


GRU_NAMES = [f"{w}_{k}" for w in "WUb" for k in "zrn"] + ["b_hn"]
LSTM_NAMES = [f"{w}_{k}" for w in "WUb" for k in "ifgo"] + ["p_i", "p_f", "p_o"]


def _gru(key, p, x, h):
    """Cho et al. (gru), PyTorch (gru-torch: reset after the product), Chung et al. (z swapped)."""
    z = torch.sigmoid(p["W_z"] @ x + p["U_z"] @ h + p["b_z"])
    r = torch.sigmoid(p["W_r"] @ x + p["U_r"] @ h + p["b_r"])
    if key == "gru-torch":
        n = torch.tanh(p["W_n"] @ x + p["b_n"] + r * (p["U_n"] @ h + p["b_hn"]))
    else:
        n = torch.tanh(p["W_n"] @ x + p["U_n"] @ (r * h) + p["b_n"])
    new = (1 - z) * h + z * n if key == "gru-chung" else z * h + (1 - z) * n
    return {"z": z, "r": r, "n": n, "h": new}


def _lstm(key, p, x, h, c):
    """Without peepholes (PyTorch's LSTMCell), or Greff et al.'s vanilla LSTM."""
    peep = key == "lstm-peephole"
    pre = lambda k, extra=0: p[f"W_{k}"] @ x + p[f"U_{k}"] @ h + p[f"b_{k}"] + (extra if peep else 0)  # noqa: E731
    i = torch.sigmoid(pre("i", p["p_i"] * c))
    f = torch.sigmoid(pre("f", p["p_f"] * c))
    g = torch.tanh(pre("g"))
    c2 = f * c + i * g
    o = torch.sigmoid(pre("o", p["p_o"] * c2))
    return {"i": i, "f": f, "g": g, "o": o, "c": c2, "h": o * torch.tanh(c2)}


def _instance(seed):
    g = torch.Generator().manual_seed(100 + seed)
    x = torch.randn(M, generator=g, dtype=DT)
    c = torch.randn(N, generator=g, dtype=DT)
    o_prev = torch.sigmoid(torch.randn(N, generator=g, dtype=DT))
    return x, c, o_prev, o_prev * torch.tanh(c)  # h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1})


def _targets(key):
    """(target name, J(seed) → the numerator block, v(seed) → the quantities a meaning uses)."""
    family = ("gru", "gru-torch", "gru-chung") if key.startswith("gru") else ("lstm", "lstm-peephole")
    return family


def _truth(key, block, through, seed):
    """The true numerator block and the instance's quantities, by torch autograd."""
    x, c, o_prev, h = _instance(seed)
    if key.startswith("gru"):
        p = _params(seed, GRU_NAMES)
        J = jacobian(lambda s: _gru(key, p, x, s)[block[0]], h)
        return J, dict(p, **_gru(key, p, x, h), h_prev=h, x=x)
    p = _params(seed, LSTM_NAMES)
    v, s = block
    if through:  # c alone as the state: h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1})
        J = jacobian(lambda cc: _lstm(key, p, x, o_prev * torch.tanh(cc), cc)[v], c)
    elif s == "c":
        J = jacobian(lambda cc: _lstm(key, p, x, h, cc)[v], c)
    else:
        J = jacobian(lambda hh: _lstm(key, p, x, hh, c)[v], h)
    return J, dict(p, **_lstm(key, p, x, h, c), h_prev=h, c_prev=c, o_prev=o_prev, x=x)


def D(v):
    return torch.diag(v)


# (formula, its block (v, s), its meaning in torch over the instance's quantities q)
FORMULAS = [
    (r"\frac{\partial c_t}{\partial c_{t-1}} = \operatorname{diag}(f_t)", ("c", "c"), lambda q: D(q["f"])),
    (r"\partial c_t/\partial c_{t-1} = diag(f_t) + (diag(c_{t-1} ⊙ f_t ⊙ (1-f_t)) U_f + diag(g_t ⊙ i_t ⊙ (1-i_t)) U_i"
     r" + diag(i_t ⊙ (1-g_t^2)) U_g) diag(o_{t-1} ⊙ (1 - tanh^2(c_{t-1})))", ("c", "c"),
     lambda q: D(q["f"]) + (D(q["c_prev"] * q["f"] * (1 - q["f"])) @ q["U_f"] + D(q["g"] * q["i"] * (1 - q["i"])) @ q["U_i"]
                            + D(q["i"] * (1 - q["g"] ** 2)) @ q["U_g"]) @ D(q["o_prev"] * (1 - torch.tanh(q["c_prev"]) ** 2))),
    (r"\partial h_t/\partial c_{t-1} = diag(o_t ⊙ (1 - tanh^2(c_t)) ⊙ f_t)", ("h", "c"),
     lambda q: D(q["o"] * (1 - torch.tanh(q["c"]) ** 2) * q["f"])),
    (r"\partial h_t/\partial h_{t-1} = diag(z_t) + diag((h_{t-1} - \tilde h_t) ⊙ z_t ⊙ (1 - z_t)) U_z"
     r" + diag((1 - z_t) ⊙ (1 - \tilde h_t^2)) U_n diag(r_t) + diag((1 - z_t) ⊙ (1 - \tilde h_t^2)) U_n diag(h_{t-1} ⊙ r_t ⊙ (1 - r_t)) U_r",
     ("h", "h"),
     lambda q: D(q["z"]) + D((q["h_prev"] - q["n"]) * q["z"] * (1 - q["z"])) @ q["U_z"]
     + D((1 - q["z"]) * (1 - q["n"] ** 2)) @ q["U_n"] @ D(q["r"])
     + D((1 - q["z"]) * (1 - q["n"] ** 2)) @ q["U_n"] @ D(q["h_prev"] * q["r"] * (1 - q["r"])) @ q["U_r"]),
    (r"\partial h_t/\partial h_{t-1} = diag(1 - z_t) + diag((\tilde h_t - h_{t-1}) ⊙ z_t ⊙ (1 - z_t)) U_z"
     r" + diag(z_t ⊙ (1 - \tilde h_t^2)) U_n diag(r_t) + diag(z_t ⊙ (1 - \tilde h_t^2)) U_n diag(h_{t-1} ⊙ r_t ⊙ (1 - r_t)) U_r",
     ("h", "h"),
     lambda q: D(1 - q["z"]) + D((q["n"] - q["h_prev"]) * q["z"] * (1 - q["z"])) @ q["U_z"]
     + D(q["z"] * (1 - q["n"] ** 2)) @ q["U_n"] @ D(q["r"])
     + D(q["z"] * (1 - q["n"] ** 2)) @ q["U_n"] @ D(q["h_prev"] * q["r"] * (1 - q["r"])) @ q["U_r"]),
    (r"\partial h_t/\partial h_{t-1} = diag(z_t) + U_z^T diag((h_{t-1} - n_t) ⊙ z_t ⊙ (1 - z_t))", ("h", "h"),
     lambda q: D(q["z"]) + q["U_z"].T @ D((q["h_prev"] - q["n"]) * q["z"] * (1 - q["z"]))),
    (r"\partial h_t/\partial h_{t-1} = diag(z_t) + diag((h_{t-1} - n_t) ⊙ z_t ⊙ (1 - z_t)) U_z"
     r" + diag((1 - z_t) ⊙ (1 - n_t^2) ⊙ r_t) U_n + diag((1 - z_t) ⊙ (1 - n_t^2) ⊙ (U_n h_{t-1} + b_hn) ⊙ r_t ⊙ (1 - r_t)) U_r",
     ("h", "h"),
     lambda q: D(q["z"]) + D((q["h_prev"] - q["n"]) * q["z"] * (1 - q["z"])) @ q["U_z"]
     + D((1 - q["z"]) * (1 - q["n"] ** 2) * q["r"]) @ q["U_n"]
     + D((1 - q["z"]) * (1 - q["n"] ** 2) * (q["U_n"] @ q["h_prev"] + q["b_hn"]) * q["r"] * (1 - q["r"])) @ q["U_r"]),
    # a block claimed zero: refuted where the gates see the previous state, proved where none does
    ("dc_t/dh_{t-1} = 0", ("c", "h"), lambda q: torch.zeros(N, N, dtype=DT)),
    ("do_t/dc_{t-1} = 0", ("o", "c"), lambda q: torch.zeros(N, N, dtype=DT)),
]


def _labels(key, block, meaning, through=False):
    """The layouts in which `meaning` is the block, at every seed (torch)."""
    out = set()
    for layout in ("numerator", "denominator"):
        ok = True
        for seed in (0, 1):
            J, q = _truth(key, block, through, seed)
            claim = meaning(q)
            ok &= torch.allclose(claim, J if layout == "numerator" else J.T, atol=1e-10)
        if ok:
            out.add(layout)
    return out


@pytest.mark.parametrize("text,block,meaning", FORMULAS, ids=range(len(FORMULAS)))
def test_verdicts_agree_with_torch(text, block, meaning):
    key = "lstm" if block[1] == "c" or "c_t" in text else "gru"
    names = {"gru": ("gru", "gru-torch", "gru-chung"), "lstm": ("lstm", "lstm-peephole")}[key]
    needs_bhn = "b_hn" in text
    for asked in names:
        if needs_bhn and asked != "gru-torch":
            continue
        r = check_cell(text, asked)
        plain = [v for v in r.all_verdicts if all(o in ("rows", "as-written", "diag") for _, o in v.reading.choices)]
        seen = set()
        for v in plain:
            target = (v.target.cell.key, bool(v.target.through))
            labels = _labels(target[0], block, meaning, through=target[1])
            assert v.holds == (v.layout.value in labels), (asked, target, v.layout, v.status, labels)
            seen.add(target)
        assert (asked, False) in seen
        main = {l.value for l, v in r.verdicts.items() if v.holds}
        assert main == _labels(asked, block, meaning), asked


def test_the_c_alone_reading_is_judged_for_the_lstm():
    r = check_cell(FORMULAS[1][0], "lstm")
    assert not any(v.holds for v in r.verdicts.values())
    held = {(v.target.key, v.layout.value) for v in r.readings}
    assert ("lstm:through", "numerator") in held


def test_sigma_prime_of_a_gate_has_the_pre_activation_reading():
    """σ'(z_t) written for z ⊙ (1 − z): as written it is σ'(σ(a)), wrong; at a it holds."""
    r = check_cell(r"\partial z_t/\partial h_{t-1} = diag(\sigma'(z_t)) U_z", "gru")
    by = {(v.reading.at_pre_activation, v.layout.value): v.holds for v in r.all_verdicts if v.target.cell.key == "gru"}
    assert by[(False, "numerator")] is False and by[(True, "numerator")] is True
    # the main verdict is the formula as written; the pre-activation reading is listed
    assert not r.verdict("numerator").holds and not r.verdict("numerator").reading.at_pre_activation
    assert any(v.reading.at_pre_activation and v.layout.value == "numerator" for v in r.readings)
    x, c, o_prev, h = _instance(0)
    p = _params(0, GRU_NAMES)
    J = jacobian(lambda s: _gru("gru", p, x, s)["z"], h)
    z = _gru("gru", p, x, h)["z"]
    assert torch.allclose(D(z * (1 - z)) @ p["U_z"], J)
    assert not torch.allclose(D(torch.sigmoid(z) * (1 - torch.sigmoid(z))) @ p["U_z"], J)


def test_a_typed_cell_is_checked_in_its_own_names():
    cell = parse_cell([r"z_t = \sigma(W_z x_t + U_z h_{t-1} + b_z)", r"\tilde{h}_t = tanh(W x_t + U h_{t-1} + b)",
                       r"h_t = (1 - z_t) * h_{t-1} + z_t * \tilde h_t"])
    right = r"diag(1-z_t) + diag(z_t ⊙ (1 - \tilde h_t^2)) U + diag((\tilde h_t - h_{t-1}) ⊙ z_t ⊙ (1 - z_t)) U_z"
    r = check_cell(right, cell)
    assert r.verdict("numerator").status == "proved" and not r.verdict("denominator").holds
    assert r.truth_verified
    wrong = check_cell(right.replace("diag(1-z_t)", "diag(z_t)"), cell)
    assert not wrong.verdict("numerator").holds
    c = wrong.verdict("numerator").counterexample
    assert c is not None and abs(c.claim_value - c.truth_value) > 1e-6


@pytest.mark.parametrize("zero", ["0", r"\mathbf{0}", "O", r"\mathbf{O}", r"\boldsymbol{0}", r"\mathbf{0}_{n \times n}",
                                  r"\mathbf{0}_n", r"0_{n\times n}", r"\mathbf{0}_{n\times n}", "O_{n \\times n}",
                                  r"\mathbf{O}_n"])
def test_a_block_claimed_zero_is_judged_not_refused(zero):
    wrong = check_cell(f"dc_t/dh_{{t-1}} = {zero}", "lstm")
    for layout in ("numerator", "denominator"):
        c = wrong.verdict(layout).counterexample
        assert wrong.verdict(layout).status == "refuted" and c.claim_value == 0 and abs(c.truth_value) > 1e-6
    right = check_cell(f"do_t/dc_{{t-1}} = {zero}", "lstm")
    assert {v.status for v in right.verdicts.values()} == {"proved"}


@pytest.mark.parametrize("zero,message", [
    (r"\mathbf{0}_m", "the zero at position 25 has size m, but the block is n×n"),
    (r"0_{n \times m}", "the zero at position 17 has size n×m, but the block is n×n"),
    (r"\mathbf{0}_{3\times 3}", "has size 3×3"), ("O_m", "has size m"),
    (r"0_{t-1}", "the subscript of 0 at position 18 is not a size"),
])
def test_a_zero_of_another_size_than_the_block_is_an_error(zero, message):
    """A size contradicting the n×n block is refused, not judged as the n×n zero."""
    with pytest.raises(InputError, match=re.escape(message)) as exc:
        check_cell(f"dc_t/dh_{{t-1}} = {zero}", "lstm")
    assert "\n" not in str(exc.value)


def test_1_n_in_a_block_is_the_ones_vector():
    """1_n, \\mathbf{1}_n: the ones vector, as 1 is in an entrywise product."""
    r = check_cell(r"dc_t/dc_{t-1} = \operatorname{diag}(f_t \odot \mathbf{1}_n)", "lstm")
    assert {v.status for v in r.verdicts.values()} == {"proved"}


@pytest.mark.parametrize("text", ["do/dC_{t-1} = 0", "do / dc_{t-1} = 0"])
def test_a_d_derivative_of_a_gate_without_its_index_is_judged(text):
    """do/dC_{t-1}, as do_t/dC_{t-1}: the gate named without its time index is at t."""
    assert {v.status for v in check_cell(text, "lstm").verdicts.values()} == {"proved"}


def test_O_is_a_cell_name_where_the_cell_has_one():
    """In a cell whose output gate is O (the d2l row cells), O is the gate, not zero; O_t is
    never a size."""
    cell = parse_cell([r"\mathbf{O}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xo} + \mathbf{H}_{t-1} \mathbf{W}_{ho} + \mathbf{b}_o)",
                       r"\mathbf{H}_t = \mathbf{O}_t \odot \tanh(\mathbf{H}_{t-1})"])
    assert not any(isinstance(r.expr, sp.ZeroMatrix) for r in readings(parse("diag(O)"), cell))
    # Under the library LSTM, d2l's O_t is its output gate o_t (an alias): judged, not refused.
    wrong = check_cell("dc_t/dh_{t-1} = O_t", "lstm")
    assert str(wrong.verdict("numerator").reading.expr) == "DiagMatrix(o@t)"
    assert not any(v.holds for v in wrong.verdicts.values())


@pytest.mark.parametrize("formula,expected", [
    # d2l.ai 10.1's names for the library LSTM's gates and states: C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t,
    # H_t = O_t ⊙ tanh(C_t), so ∂C_t/∂C_{t-1} = diag(F_t) and ∂H_t/∂C_{t-1} = diag(O_t ⊙ tanh'(C_t) ⊙ F_t).
    (r"\frac{\partial \mathbf{C}_t}{\partial \mathbf{C}_{t-1}} = \mathbf{F}_t", "proved"),
    (r"dH_t/dC_{t-1} = diag(O_t ⊙ (1 - tanh^2(C_t)) ⊙ F_t)", "proved"),
    (r"dH_t/dC_{t-1} = diag(O_t ⊙ (1 - tanh^2(C_t)))", "refuted"),  # forgets ∂C_t/∂C_{t-1}
    (r"dO_t/dC_{t-1} = O", "proved"),  # O alone is the zero block, O_t the gate
    (r"dC_t/dC_{t-1} = I ⊙ F_t", "proved"),  # I alone is the identity, I_t the input gate
    (r"dI_t/dH_{t-1} = diag(I_t ⊙ (1 - I_t)) U_i", "proved"),
])
def test_d2l_s_upper_case_names_are_the_library_lstm_s(formula, expected):
    result = check_cell(formula, "lstm")
    assert result.verdict("numerator").status == expected


#: d2l.ai 10.1's LSTM as its book prints it: row vectors, the output gate O_t.
D2L_LSTM = [rf"\mathbf{{{g}}}_t = \sigma(\mathbf{{X}}_t \mathbf{{W}}_{{x{k}}} + \mathbf{{H}}_{{t-1}} \mathbf{{W}}_{{h{k}}} + \mathbf{{b}}_{k})"
            for g, k in (("I", "i"), ("F", "f"), ("O", "o"))] + [
    r"\tilde{\mathbf{C}}_t = \tanh(\mathbf{X}_t \mathbf{W}_{xc} + \mathbf{H}_{t-1} \mathbf{W}_{hc} + \mathbf{b}_c)",
    r"\mathbf{C}_t = \mathbf{F}_t \odot \mathbf{C}_{t-1} + \mathbf{I}_t \odot \tilde{\mathbf{C}}_t",
    r"\mathbf{H}_t = \mathbf{O}_t \odot \tanh(\mathbf{C}_t)"]


def test_a_bare_O_in_a_cell_that_names_O_is_judged_as_the_cell_s_O_and_as_zero():
    """∂O_t/∂C_{t-1} = \\mathbf{O} under d2l's LSTM: "no other reading makes it right" was said
    while the zero reading holds. Both are judged; the zero one holds, with its note."""
    # The truth by torch: d2l's O_t, row vectors, as a function of (H_{t-1}, C_{t-1}).
    g = torch.Generator().manual_seed(0)
    x, W_xo, W_ho, b_o = (torch.randn(*s, generator=g, dtype=DT) for s in ((1, M), (M, N), (N, N), (1, N)))
    gate = lambda h, c: torch.sigmoid(x @ W_xo + h @ W_ho + b_o)  # noqa: E731  (C_{t-1} unused, as in d2l)
    _, by_c = jacobian(gate, (torch.randn(1, N, dtype=DT), torch.randn(1, N, dtype=DT)))
    assert not by_c.any()
    cell = parse_cell(D2L_LSTM)
    for lhs in (r"\frac{\partial \mathbf{O}_t}{\partial \mathbf{C}_{t-1}}", r"d\mathbf{O}_t/d\mathbf{C}_{t-1}"):
        r = check_cell(rf"{lhs} = \mathbf{{O}}", cell)
        zero = [x for x in r.all_verdicts if x.target == r.target and isinstance(x.reading.expr, sp.ZeroMatrix)]
        gate_read = [x for x in r.all_verdicts if x.target == r.target and x not in zero]
        assert {x.status for x in zero} == {"proved"} and len(zero) == 2
        assert gate_read and {x.status for x in gate_read} == {"refuted"}  # diag(O_t): judged, refuted
        assert r.verdict("numerator").reading.notes[0].text.startswith("O without a time index read as the zero")
        assert all(not x.reading.notes[0].text.startswith("the vector") for x in zero)  # no diag of a vector
        assert {v.status for v in check_cell(rf"{lhs} = O_n", cell).verdicts.values()} == {"proved"}
    out = render_cell_check(r, "text")
    assert "no other reading makes it right" not in out
    assert "read as:     0\n             reading: O without a time index read as the zero matrix, not the cell's O_t\n" in out
    # O_t is the gate only; under -r lstm, which has no O, O is the zero matrix as before
    assert not any(isinstance(x.expr, sp.ZeroMatrix) for x in readings(parse(r"dO_t/dC_{t-1} = O_t"), cell))
    (only,) = readings(parse("do_t/dc_{t-1} = O"), CELLS["lstm"])
    assert isinstance(only.expr, sp.ZeroMatrix) and only.notes == ()


def test_every_bare_O_of_a_formula_has_one_meaning():
    """Two bare O's were read one as the gate and one as zero in the same reading, which made
    W_ho diag(O ⊙ (1 − O)) + O "proved": one symbol has one meaning in a formula."""
    r = check_cell(r"d\mathbf{O}_t/d\mathbf{H}_{t-1} = \mathbf{W}_{ho} \operatorname{diag}(\mathbf{O} \odot "
                   r"(1 - \mathbf{O})) + \mathbf{O}", parse_cell(D2L_LSTM))
    assert {x.status for x in r.all_verdicts if x.target == r.target} == {"refuted"}
    for v in r.all_verdicts:
        said = {n.text.split(" read as")[1][:12] for n in v.reading.notes if n.text.startswith("O without")}
        assert len(said) <= 1, said


@pytest.mark.parametrize("formula,shown", [
    ("0 + diag(f_t)", "diag(f_t)"), ("diag(f_t) + 0 U_f", "diag(f_t)"), ("0 U_f", "0"), (r"0 \cdot U_f", "0"),
    ("f_t - 0", "diag(f_t)"), ("1 U_f + diag(f_t)", "diag(f_t) + U_f"), ("diag(0)", "0"), ("(0 U_f)^T", "0"),
])
def test_a_reading_is_printed_as_the_matrix_it_is(formula, shown, capsys):
    """The reviewer saw `read as: 0 I + diag(f_t)` and `0 U_f`: a number that is no term or
    factor of the matrix is not kept, in what is judged as in what is printed."""
    assert main(["check", "-r", "lstm", f"dc_t/dc_{{t-1}} = {formula}"]) in (0, 1)
    out = capsys.readouterr().out
    assert f"\nread as:     {shown}\n" in out, out


def test_an_unknown_name_lists_the_cells_names_as_formulas_write_them():
    """Γ_f is written \\Gamma_f in the list of names, as \\tilde{c} is (it was "Gamma_f")."""
    with pytest.raises(InputError) as exc:
        check_cell("dc_t/dh_{t-1} = W", "lstm")
    names = str(exc.value).split("its names: ")[1]
    assert r"\Gamma_f" in names and r"\tilde{c}" in names
    assert "Gamma_f" not in names.replace(r"\Gamma_f", "")


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_a_claim_proved_without_other_readings_is_not_said_to_fail(fmt, capsys):
    """After PROVED in both layouts, the readings section said "No other reading holds.",
    which a reader took for a failure: it now says what it means."""
    assert main(["check", "-r", "lstm", "-f", fmt, "do_t/dc_{t-1} = 0"]) == 0
    out = capsys.readouterr().out
    assert "Besides the verdicts above, no other form or reading of the formula holds." in out
    assert "No other reading holds" not in out


@pytest.mark.parametrize("argv,message", [
    (["-r", "gru", "diag(f_t)"], "f_t is not a quantity of gru"),
    # a typed cell's internal key "typed" was shown as if it were its name
    (["--cell", "h_t = relu(W h_{t-1} + U x_t)", "diag(H(a_t)) W"], "a_t is not a quantity of the typed cell;"),
    (["-r", "gru", "(1 - z_t)[:, None] * U_h"], "an array reshaped in code ([:, None], [None, :]) is not read"),
    (["-r", "gru", "diag(z_t^0) U_z"], "the power 0 of a vector is the ones vector"),  # was read as diag(z_t) U_z
    (["-r", "gru", "diag(z_t)", "--block", "c,c"], "c is not a state of gru"),
    (["-r", "gru", "diag(z_t)", "--block", "c"], "--block takes two names"),
    (["-r", "lstm", r"\partial h_t/\partial x_{t-1} = U_i"], "write one by a previous state"),
    (["-r", "gru", "x_t"], "not an n×n matrix"),
    (["-r", "gru", "diag(z_t)", "-a", "tanh"], "--activation applies to the RNN forms"),
    (["diag(z_t)", "--block", "h,h"], "--block names a block of a cell"),
    (["-r", "lstm", r"\partial c_t/\partial c_{t-1} = diag(f_t)", "--block", "h,h"], "name different blocks"),
    (["-r", "lstm", "diag(f_t ⊙ p_f)", "--block", "c,c"], "it is one of lstm-peephole: give -r lstm-peephole"),
    (["-r", "lstm", "diag(sech(c_t))", "--block", "h,c"], "sech², sech⁴"),
    (["-r", "gru", "diag(z_t) + W_z"], "W_z is gru's input weight (n×m)"),
    (["-r", "gru", "diag(z_t) + x_t"], "a sum of shapes n×n and m×1"),
    (["-r", "gru", "diag(z_t) U_z x_t"], "a product of shapes n×n and m×1"),
    (["-r", "lstm", "df_t/dh_{t-1} = diag(f_t ⊙ (1 - f_t)) W_f"], "W_f is lstm's input weight (n×m): it multiplies "
     "x_t in f_t = sigmoid(W_f x_t + U_f h_{t-1} + b_f), and no n×n block by a previous state has it as a factor; "
     "the recurrent weight there is U_f: write U_f"),
    (["-r", "lstm", "dc_t/dh_{t-1} = diag(f_t) + W_i^T"], "W_i is lstm's input weight (n×m)"),
    (["-r", "gru", "diag(z_t ⊙ (1 - z_t)) W_z", "--block", "z,h"], "the recurrent weight there is U_z: write U_z"),
    # with U_f written, "write U_f" would be false advice
    (["-r", "lstm", "df_t/dh_{t-1} = diag(f_t ⊙ (1 - f_t)) W_f U_f"], "no n×n block by a previous state has it as "
     "a factor; U_f, also in the formula, is the recurrent weight there (if your source's W_f is the recurrent "
     "weight and its U_f the input one, type its cell as it writes it, with --cell)"),
    (["-r", "lstm", "df_t/dh_{t-1} = U_f^T W_f"], "U_f, also in the formula, is the recurrent weight there"),
    (["-r", "lstm", "dc_t/dh_{t-1} = 0_{n \\times m}"], "has size n×m, but the block is n×n"),
    (["--cell", "h_t = tanh(x_t W_xh + h_{t-1} W_hh + b)", "diag(1 - h_t^2) W_xh"],
     "W_xh is the typed cell's input weight (m×n): it multiplies x_t in h_t = tanh(W_xhᵀ x_t + W_hhᵀ h_{t-1} + b)"),
    # an input weight inside a gate's pre-activation is not what makes a shape wrong
    (["-r", "lstm", "df_t/dh_{t-1} = diag(sigma'(W_f x_t + U_f h_{t-1} + b_f)) U_f + x_t"], "a sum of shapes n×n and m×1"),
])
def test_bad_cell_checks_are_one_line_errors(argv, message, capsys):
    assert main(["check", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_cell_check_json_and_expect(capsys):
    text = FORMULAS[0][0]
    assert main(["check", "-r", "lstm-peephole", text, "--format", "json", "--expect", "numerator"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["cell"] == "lstm-peephole" and data["numerator"]["status"] == "refuted"
    assert {(r["cell"], r["layout"]) for r in data["readings"]} == {("lstm", "numerator"), ("lstm", "denominator")}
    assert main(["check", "-r", "lstm", text, "--expect", "denominator"]) == 0
    assert "PROVED" in capsys.readouterr().out


def test_cell_check_reports_are_deterministic(capsys):
    for fmt in ("text", "markdown", "latex", "json"):
        outs = []
        for _ in range(2):
            assert main(["check", "-r", "gru", "--format", fmt, FORMULAS[5][0]]) == 0
            outs.append(capsys.readouterr().out)
        assert outs[0] == outs[1] and outs[0]


def test_a_vector_for_a_diagonal_block_is_read_as_its_diag():
    r = check_cell(r"\partial c_t/\partial c_{t-1} = f_t", "lstm")
    assert r.verdict("numerator").status == "proved"
    assert "diag" in str(r.verdict("numerator").reading.notes[0].text)


def test_derivatives_on_the_right_are_the_paths_through_the_cell():
    """∂h_t/∂z_t ∂z_t/∂h_{t-1} + ∂h_t/∂r_t ∂r_t/∂h_{t-1} + ∂h_t/∂n_t (∂n_t/∂h_{t-1} with r held)
    and the direct term: the whole GRU block, whatever the names' paths."""
    text = (r"\partial h_t/\partial h_{t-1} = diag(z_t) + \partial h_t/\partial z_t \partial z_t/\partial h_{t-1}"
            r" + \partial h_t/\partial r_t \partial r_t/\partial h_{t-1} + diag((1 - z_t) ⊙ (1 - n_t^2)) U_n diag(r_t)")
    r = check_cell(text, "gru")
    assert r.verdict("numerator").holds and not r.verdict("denominator").holds


def test_the_block_as_the_text_report_prints_it_is_accepted():
    """`block: dc_t/dc_{t-1}` in the text report: pasted back as a left side, it parses."""
    r = check_cell("dc_t/dc_{t-1} = diag(f_t)", "lstm")
    assert r.verdict("numerator").status == "proved" and "dc_t/dc_{t-1}" in r.to_text()


@pytest.mark.parametrize("k", [0, 3])
def test_a_block_one_step_later_is_read_one_step_back(k):
    """∂c_{t+1}/∂c_t = diag(f_{t+1}) (the Deep Learning book's indexing) is ∂c_t/∂c_{t-1} =
    diag(f_t): the same verdicts, by the torch labels; diag(f_t) there is the previous gate."""
    text, block, meaning = FORMULAS[k]
    cell = "lstm" if block[1] == "c" else "gru"
    later = text.replace("_{t-1}", "_{PREV}").replace("_t", "_{t+1}").replace("_{PREV}", "_t")
    r = check_cell(later, cell)
    assert "_{t+1}" in later and {l.value for l, v in r.verdicts.items() if v.holds} == _labels(cell, block, meaning)
    assert "one step back" in str(r.verdict("numerator").reading.notes[0].text)
    for fmt in ("text", "markdown", "latex"):  # the note's text once had braces read as math slots
        assert "one step back (t + 1 as t" in render_cell_check(r, fmt)
    if k == 0:
        assert not any(v.holds for v in check_cell(later.replace("f_{t+1}", "f_t"), cell).verdicts.values())


def test_sech_squared_is_tanh_prime():
    r = check_cell(r"\partial h_t/\partial c_{t-1} = diag(o_t ⊙ \mathrm{sech}^2(c_t) ⊙ f_t)", "lstm")
    assert {l.value for l, v in r.verdicts.items() if v.holds} == _labels("lstm", FORMULAS[2][1], FORMULAS[2][2])


def test_unknown_names_are_refused_not_evaluated():
    with pytest.raises(InputError):
        check_cell("diag(__import__)", "gru")


@pytest.mark.parametrize("key", ["gru", "gru-torch", "gru-chung", "lstm", "lstm-peephole"])
def test_the_reports_own_latex_reads_back(key):
    """A round trip of printer and reader: the true block as the report prints it in LaTeX
    (several hundred characters), pasted back, holds in its own layout only where it should."""
    from symbptt.render import cell_check_json

    state = "h"
    r = check_cell(rf"\frac{{\partial {state}_t}}{{\partial {state}_{{t-1}}}} = I", key)
    truth = json.loads(cell_check_json(r))["truth"]
    for layout, tex in truth.items():
        back = check_cell(tex, key, (state, state))
        assert back.verdict(layout).status == "proved", (key, layout)
        other = "denominator" if layout == "numerator" else "numerator"
        assert not back.verdict(other).holds  # these blocks are not symmetric


def test_the_c_alone_truth_is_verified_and_a_wrong_one_is_caught(monkeypatch):
    """truth_checked differentiates the cell written out over h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1}):
    the block without its path through h_{t-1} must fail it."""
    import symbptt.cell_check as cc
    from symbptt.cells import CELLS
    from symbptt.model import N
    import sympy as sp

    cell = CELLS["lstm"]
    c_t, c_prev = sp.MatrixSymbol("c@t", N, 1), sp.MatrixSymbol("c@t-1", N, 1)
    through = next(t for t in cc._targets(cell, c_t, c_prev) if t.through)
    assert cc.truth_checked.__wrapped__(through)
    monkeypatch.setattr(cc, "truth_of", lambda t: cc.chain(t.cell).block(t.v, t.s))
    assert not cc.truth_checked.__wrapped__(through)


@pytest.mark.parametrize("lhs", [r"\frac{\partial \Gamma_f}{\partial h_{t-1}}", r"\frac{\partial f}{\partial h_{t-1}}",
                                 r"\frac{\partial f_t}{\partial h_{t-1}}"])
def test_a_gates_block_on_the_left_with_or_without_its_time_index(lhs):
    """∂Γ_f/∂h_{t-1} and ∂f/∂h_{t-1}: a gate without a time index is at t (torch label)."""
    meaning = lambda q: D(q["f"] * (1 - q["f"])) @ q["U_f"]
    r = check_cell(lhs + r" = \operatorname{diag}(f_t \odot (1 - f_t)) U_f", "lstm")
    assert {l.value for l, v in r.verdicts.items() if v.holds} == _labels("lstm", ("f", "h"), meaning)


@pytest.mark.parametrize("lhs, message", [
    (r"\frac{\partial c_{t-1}}{\partial h_{t-1}}", "the derivative is of c_{t-1}"),
    (r"\frac{\partial h_{t-2}}{\partial h_{t-1}}", "the derivative is of h_{t-2}"),
    (r"\frac{\partial c^{\langle t \rangle}}{\partial x^{\langle t-1 \rangle}}", "the derivative is by x_{t-1}"),
    (r"\frac{\partial \Gamma_f^{\langle t-1 \rangle}}{\partial h^{\langle t-1 \rangle}}",
     "the derivative is of Γ_f at t-1: write one of a quantity at t, such as Γ_f^⟨t⟩"),
    (r"\frac{\partial \Gamma_x^{\langle t \rangle}}{\partial h^{\langle t-1 \rangle}}",
     "Γ_x is not a gate of lstm (Γ_f, Γ_i or Γ_u, Γ_o)"),
])
def test_a_left_side_at_another_time_is_an_error_naming_its_index(lhs, message):
    with pytest.raises(InputError, match=re.escape(message)):
        check_cell(lhs + " = I", "lstm")


def test_a_gamma_of_another_cell_is_named_with_its_gates():
    with pytest.raises(InputError, match=re.escape("Γ_f is not a gate of gru (Γ_u, Γ_r)")):
        check_cell(r"\frac{\partial \Gamma_f}{\partial h_{t-1}} = I", "gru")


_GATE_F = lambda q: D(q["f"] * (1 - q["f"])) @ q["U_f"]  # noqa: E731
_F = r"\Gamma_f^{\langle t \rangle}"


@pytest.mark.parametrize("cell, formula, block, meaning", [
    # deeplearning.ai's course: the hidden state is a^⟨t⟩ (LSTM), its GRU's state c^⟨t⟩ = a^⟨t⟩
    ("lstm", rf"\frac{{\partial {_F}}}{{\partial a^{{\langle t-1 \rangle}}}} = \operatorname{{diag}}({_F} \odot (1-{_F})) U_f",
     ("f", "h"), _GATE_F),
    ("lstm", rf"\frac{{\partial {_F}}}{{\partial a^{{\langle t-1 \rangle}}}} = \operatorname{{diag}}(1-{_F}) U_f",
     ("f", "h"), lambda q: D(1 - q["f"]) @ q["U_f"]),
    ("lstm", r"\frac{\partial f_t}{\partial a_{t-1}} = \operatorname{diag}(f_t \odot (1-f_t)) U_f", ("f", "h"), _GATE_F),
    ("lstm", r"\frac{\partial c^{\langle t \rangle}}{\partial a^{\langle t-1 \rangle}} = 0", ("c", "h"),
     lambda q: 0 * q["U_f"]),
    ("gru", FORMULAS[3][0].replace("h_t/", "c_t/").replace("h_{t-1}", "c_{t-1}").replace(r"\tilde h_t", r"\tilde c_t"),
     ("h", "h"), FORMULAS[3][2]),
    ("gru", FORMULAS[3][0].replace("h_t/", "a_t/").replace("h_{t-1}", "a_{t-1}"), ("h", "h"), FORMULAS[3][2]),
])
def test_deeplearning_ai_state_names_are_the_cells_h(cell, formula, block, meaning):
    """a (LSTM, GRU) and the GRU's c are read as h: the verdict is torch's on the block by h_{t-1}."""
    r = check_cell(formula, cell)
    assert {l.value for l, v in r.verdicts.items() if v.holds} == _labels(cell, block, meaning)


def test_a_formula_shown_as_a_display_is_followed_by_a_sentence():
    """A formula too wide for a line is a display; the paragraph after it starts a sentence
    (it once started ", and judged as the block …"), and a reading is said before the formula."""
    long = (r"\operatorname{diag}(o_t \odot (1 - \tanh^2(c_t))) (\operatorname{diag}(c_{t-1} \odot f_t (1-f_t)) U_f"
            r" + \operatorname{diag}(g_t \odot i_t (1-i_t)) U_i + \operatorname{diag}(i_t \odot (1-g_t^2)) U_g)"
            r" + \operatorname{diag}(\tanh(c_t) \odot o_t (1-o_t)) U_o")
    r = check_cell(long, "lstm")
    md, tex = render_cell_check(r, "markdown"), render_cell_check(r, "latex")
    assert "\\begin{aligned}" in md and "\\begin{align*}" in tex
    assert not [line for line in md.splitlines() + tex.splitlines() if line.lstrip().startswith(",")]
    assert "$$\n\nIt is judged as the block $\\frac{d \\mathbf{h}_{t}}{d \\mathbf{h}_{t-1}}$ of the LSTM" in md
    assert "\\end{align*}\nand judged as the block" in tex
    later = render_cell_check(check_cell("dc_{t+1}/dc_t = diag(f_{t+1})", "lstm"), "markdown")
    assert "is read, with every time index read one step back (t + 1 as t, t as t − 1), as $" in later
    assert "$. It is judged as the block" in later


def test_olahs_capital_C_is_the_cell_state():
    """Olah's "Understanding LSTM Networks" writes C_t and \\tilde{C}_t: under -r lstm they are
    c_t and the candidate g_t, judged as the lower-case spelling is (it said "derivative is by
    C_{t-1}")."""
    for olah, ours in ((r"\frac{\partial C_t}{\partial C_{t-1}} = f_t", "dc_t/dc_{t-1} = f_t"),
                       (r"\frac{\partial C_t}{\partial C_{t-1}} = \operatorname{diag}(\tilde{C}_t)",
                        "dc_t/dc_{t-1} = diag(g_t)")):
        a, b = check_cell(olah, "lstm"), check_cell(ours, "lstm")
        assert a.target == b.target and a.verdict("numerator").reading.expr == b.verdict("numerator").reading.expr
        assert [a.verdict(l).status for l in ("numerator", "denominator")] == \
            [b.verdict(l).status for l in ("numerator", "denominator")]


#: dh_t/dh_{t-1} of torch.nn.GRUCell in its documentation's names (numerator layout), derived
#: by hand from h' = (1 − z) ⊙ n + z ⊙ h, n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
TORCH_DOC_GRU_BLOCK = (r"dh_t/dh_{t-1} = diag(z_t) + diag((h_{t-1} - n_t) ⊙ z_t ⊙ (1 - z_t)) W_hz "
                       r"+ diag((1 - z_t) ⊙ (1 - n_t^2)) (diag((W_hn h_{t-1} + b_hn) ⊙ r_t ⊙ (1 - r_t)) W_hr "
                       r"+ diag(r_t) W_hn)")


def test_the_torch_doc_gru_block_is_torchs_own_jacobian():
    """The truth for the next test, from PyTorch: the block above evaluated at a random
    nn.GRUCell equals autograd's Jacobian of the cell by h."""
    import torch
    from torch.autograd.functional import jacobian

    torch.manual_seed(0)
    n, m = 3, 2
    cell = torch.nn.GRUCell(m, n, dtype=torch.float64)
    x, h = torch.randn(m, dtype=torch.float64), torch.randn(n, dtype=torch.float64)
    W_ir, W_iz, W_in = cell.weight_ih.detach().chunk(3)
    W_hr, W_hz, W_hn = cell.weight_hh.detach().chunk(3)
    b_ir, b_iz, b_in = cell.bias_ih.detach().chunk(3)
    b_hr, b_hz, b_hn = cell.bias_hh.detach().chunk(3)
    r = torch.sigmoid(W_ir @ x + b_ir + W_hr @ h + b_hr)
    z = torch.sigmoid(W_iz @ x + b_iz + W_hz @ h + b_hz)
    nt = torch.tanh(W_in @ x + b_in + r * (W_hn @ h + b_hn))
    d = torch.diag
    block = (d(z) + d((h - nt) * z * (1 - z)) @ W_hz
             + d((1 - z) * (1 - nt ** 2)) @ (d((W_hn @ h + b_hn) * r * (1 - r)) @ W_hr + d(r) @ W_hn))
    truth = jacobian(lambda v: cell(x[None], v[None])[0], h)
    assert torch.allclose(block, truth, atol=1e-12)


def test_gru_torch_takes_pytorchs_documentation_names(capsys):
    """-r gru-torch is PyTorch's nn.GRUCell, whose documentation writes W_hz, W_hr, W_hn (our
    U_•), W_iz, W_ir, W_in (our W_•) and b_in (our b_n): those were "not a quantity of
    gru-torch". The true block in those names is proved; the z and 1 − z swap refuted."""
    code, out, err = run_cli(capsys, "check", "-r", "gru-torch", "--format", "json", TORCH_DOC_GRU_BLOCK)
    assert code == 0 and err == "", err
    verdicts = {v["layout"]: v["status"] for v in json.loads(out)["verdicts"]}
    assert verdicts["numerator"] == "proved"
    wrong = TORCH_DOC_GRU_BLOCK.replace("diag(z_t) +", "diag(1 - z_t) +")
    code, out, err = run_cli(capsys, "check", "-r", "gru-torch", "--format", "json", wrong)
    assert code == 0 and {v["status"] for v in json.loads(out)["verdicts"]} == {"refuted"}
    # the input weights too: W_iz is W_z, n×m, refused as a factor of a block by h_{t-1}, in
    # the formula's names (the advice "write U_z" would mix the two namings)
    code, out, err = run_cli(capsys, "check", "-r", "gru-torch", "dz_t/dh_{t-1} = diag(z_t ⊙ (1 - z_t)) W_iz")
    assert code == 2 and err.startswith("symbptt: error: W_iz (= W_z) is gru-torch's input weight (n×m)")
    assert "the recurrent weight there is W_hz (= U_z): write W_hz (if your source's W_iz is" in err
    code, out, err = run_cli(capsys, "check", "-r", "gru-torch", "--format", "json",
                             "dz_t/dh_{t-1} = diag(z_t ⊙ (1 - z_t)) W_hz")
    assert code == 0 and json.loads(out)["verdicts"][0]["status"] == "proved", out


def test_gru_torchs_split_biases_are_refused_saying_what_ours_sums(capsys):
    """PyTorch's b_iz and b_hz are two biases; gru-torch's b_z is their sum, so neither alone
    is one of its names: a one-line error says so rather than reading either as b_z."""
    code, out, err = run_cli(capsys, "check", "-r", "gru-torch",
                             "dz_t/dh_{t-1} = diag(sigmoid'(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)) W_hz")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "b_iz is one of the biases b_iz and b_hz that gru-torch's b_z sums (b_z = b_iz + b_hz): write b_z" in err


def test_a_formula_without_a_left_side_is_read_as_another_block_where_it_holds():
    """`check -r lstm 'diag(f_t)'` judges the first state's block ∂h_t/∂h_{t-1} and refutes it,
    but diag(f_t) is ∂c_t/∂c_{t-1} = diag(f_t) (c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, f_t, i_t, g_t
    functions of h_{t-1} only): that block is listed as a reading, in both layouts (diagonal)."""
    r = check_cell("diag(f_t)", "lstm")
    assert not any(v.holds for v in r.verdicts.values())
    held = {(x.target.v.name, x.target.s.name, x.layout.value) for x in r.readings}
    assert held == {("c@t", "c@t-1", "numerator"), ("c@t", "c@t-1", "denominator")}
    assert not check_cell("diag(f_t)", "lstm", block=("h", "h")).readings  # a block given: no other
