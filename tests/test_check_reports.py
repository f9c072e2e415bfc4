"""What a check report says: only verified formulas, the source's form, true sentences.

Each test here failed on the v0.1 reports (issue 12): a backward pass built from the claim as
read, right formulas headlined "refuted", a bound sentence the reports' own numbers contradict,
fused Markdown list items, and LaTeX that did not compile for pasted Unicode.
"""

from __future__ import annotations

import json
import re

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from symbptt.check import check
from symbptt.cell_check import check_cell
from symbptt.gallery import CELL_CHECKS, CHECKS, TypedCell, typed_cell
from symbptt.render import render_cell_check, render_check

from .test_tools import compile_tex

PASCANU_EQ5 = r"\prod_{t \ge i > k} W^T \operatorname{diag}\left(\sigma'(x_{i-1})\right)"


def test_a_reading_prints_the_backward_pass_of_the_form_it_names():
    # Post-activation reading of Pascanu's eq. 5: right only with σ' at a_t, so its backward
    # pass must have σ'(a_t), the engine's denominator Jacobian, never the claim's σ'(x_{t-1}).
    text = render_check(check(PASCANU_EQ5), "text")
    passes = re.findall(r"backward pass of that form is (δ_\{t-1\} = [^;\]]*)", text)
    assert passes, text
    for line in passes:
        assert "σ'(a_t)" in line and "σ'(x_{t-1})" not in line, line


@pytest.mark.parametrize("entry", CHECKS, ids=lambda e: e.stem)
def test_gallery_checks_are_headlined_for_their_source_form(entry):
    r = check(entry.formula, activation=entry.activation)
    assert r.form.key == entry.recurrence, r.form  # inferred, not only given
    expected = {"check-dlbook-10-21": "denominator", "check-cs224n": "numerator"}.get(entry.stem)
    holds = {l.value for l, v in r.verdicts.items() if v.holds}
    assert holds == ({expected} if expected else set())


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_the_bound_sentence_is_true(fmt):
    r = check(PASCANU_EQ5)
    report = render_check(r, fmt)
    assert "a bound on the printed factor bounds" not in report
    assert "the product of the two norms" in report and "bounds the true Jacobian" in report
    # The printed factor's norm is no bound on J (here it is smaller); the product is.
    assert r.bound.claim < r.bound.jacobian <= r.bound.W * r.bound.D * (1 + 1e-12)


def test_the_post_activation_bound_takes_sigma_prime_at_a_t():
    r = check("diag(sigma'(W h_{t-1} + U x_t + b)) W", recurrence="elman")
    assert "‖diag(σ'(a_t))‖₂" in render_check(r, "text")
    assert r.bound.holds


def _tokens(md: str):
    parser = MarkdownIt("commonmark").use(dollarmath_plugin, allow_space=True, double_inline=True)
    return parser.parse(md)


@pytest.mark.parametrize("entry", CHECKS, ids=lambda e: e.stem)
def test_check_markdown_has_its_sections_and_no_fused_items(entry):
    md = render_check(check(entry.formula, activation=entry.activation, recurrence=entry.recurrence),
                      "markdown")
    tokens = _tokens(md)
    headings = [tokens[k + 1].content for k, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[:2] == ["Checking a Jacobian", "Verdict"]
    assert any(h.startswith("Numerator layout: ") for h in headings)
    assert any(h.startswith("Denominator layout: ") for h in headings)
    assert "Readings" in headings and "The norm bound" in headings
    for k, t in enumerate(tokens):  # one sentence per reading: no item holds two statuses
        if t.type == "inline" and tokens[k - 1].type == "paragraph_open" and t.level > 1:
            assert len(re.findall(r"— \*(proved|numeric)\*", t.content)) <= 1
    assert not re.search(r"[a-z]\)\.[A-Z]", md)  # "…bptt`).The activation": a missing space
    assert sum(t.type == "math_block" for t in tokens) >= 3


UNICODE = "∏ Wᵀ\u00a0⊙\u2009σ′(x_{t−1}) ∂"  # as PDFs paste it


@pytest.mark.tools
@pytest.mark.parametrize("formula", [
    "Wᵀ diag(σ′(x_{t−1}))",
    r"\prod_{t \ge i > k} W^⊤ \operatorname{diag}\left(σ'(x_{i-1})\right) ⊙ 1",
    "∂h_t/∂h_{t−1} = W\u00a0diag(f′(h_{t−1}))",
    "np.dot(Whh.T, np.diag(1 - hs[t]*hs[t]))",
    "∂h_t/∂h_{t-1} = W_hh^T diag(1 - h_t^2)",  # the formula's own long names: wider matrices
])
def test_latex_of_pasted_unicode_compiles(pdflatex, formula, tmp_path):
    source = tmp_path / "check.tex"
    source.write_text(render_check(check(formula, activation="tanh" if "hs" in formula else None), "latex"),
                      encoding="utf-8")
    log = compile_tex(pdflatex, source, tmp_path)
    assert "Overfull \\hbox" not in log or all(
        float(m) <= 1 for m in re.findall(r"Overfull \\hbox \(([\d.]+)pt", log))


def test_the_truth_check_can_fail():
    # The record every printed truth carries: it holds for the derived Jacobian, not for its transpose.
    import sympy as sp
    from symbptt.activations import ACTIVATIONS
    from symbptt.check import truth_checked
    from symbptt.matrix import matrix_route
    from symbptt.model import FORMS, Recurrence
    for form in FORMS:
        rec = Recurrence(ACTIVATIONS["tanh"], form=form)
        J = matrix_route(rec).result
        assert truth_checked(rec, J) and not truth_checked(rec, sp.Transpose(J))


@pytest.mark.parametrize("formula, roles", [
    (r"W_{aa}^T \operatorname{diag}(1 - (a^{\langle t \rangle})^2)", {}),
    (r"\frac{\partial a^{\langle t \rangle}}{\partial a^{\langle t-1 \rangle}} = W^T \operatorname{diag}(1 - (a^{\langle t \rangle})^2)", {}),
    (r"W^T \operatorname{diag}(1 - a_t^2)", {"state": ("a",)}),
    (r"W^T \operatorname{diag}(1 - (a^{<t>})^2)", {}),  # deeplearning.ai's angle brackets, no W_aa
])
def test_a_state_named_a_leaves_the_pre_activation_another_letter(formula, roles):
    # Read as deeplearning.ai's state a^⟨t⟩, a_t cannot also name the model's pre-activation:
    # the report printed "reading: a_t read as the current state x_t" above "x_t = tanh(a_t)".
    from symbptt.claim import Roles
    r = check(formula, roles=Roles(**roles))
    assert r.reading.state == "a"
    text = render_check(r, "text")
    W = "W_aa" if "W_{aa}" in formula else "W"  # the report names the state and W as the formula does
    assert "a_t = tanh(z_t)" in text and f"z_t = {W} a_{{t-1}} + W_in u_t + b" in text
    assert f"diag(1 - tanh(z_t)²) {W}" in text and "tanh(a_t)" not in text and "a_t = W" not in text
    for fmt in ("markdown", "latex"):
        out = render_check(r, fmt)
        assert "\\mathbf{z}_{t} = " in out and "\\mathbf{a}_{t} = \\tanh" in out and "\\mathbf{a}_{t} = \\mathbf{W}" not in out
    notation = json.loads(render_check(r, "json"))["notation"]
    assert (notation["state"], notation["pre-activation"]) == ("a", "z")


@pytest.mark.parametrize("formula, letter, state, W", [
    # W_aa makes a deeplearning.ai's state, though no a is written: z_t, as the formula has it.
    (r"W_{aa}^T \operatorname{diag}(\sigma'(z^{\langle t \rangle}))", "z", "x", "W_aa"),  # no state written: x
    (r"W^T \operatorname{diag}(\sigma'(net_t))", "net", "x", "W"),  # the formula's own pre-activation letter
])
def test_the_pre_activation_is_named_as_the_formula_names_it(formula, letter, state, W):
    r = check(formula)
    assert r.reading.pre_activation == letter
    text = render_check(r, "text")
    assert f"{state}_t = σ({letter}_t)" in text and f"{letter}_t = {W} {state}_{{t-1}} + W_in u_t + b" in text
    assert "σ(a_t)" not in text and "a_t = W" not in text
    for fmt in ("markdown", "latex"):
        out = render_check(r, fmt)
        assert f"\\mathbf{{{letter}}}_{{t}}" in out and "\\mathbf{a}_{t} = \\mathbf{W}" not in out, fmt
    notation = json.loads(render_check(r, "json"))["notation"]
    assert (notation["state"], notation["pre-activation"]) == (state, letter)


def test_the_pre_activation_keeps_its_letter_when_the_state_is_not_a():
    r = check(r"W^T \operatorname{diag}(1 - h_t^2)")
    assert r.reading.state == "h" and "h_t = tanh(a_t)" in render_check(r, "text")
    r = check(r"\operatorname{diag}(1 - \tanh^2(a^{(t)})) W")  # Goodfellow's a^{(t)}: the pre-activation
    assert r.reading.pre_activation == "a" and "x_t = tanh(a_t)" in render_check(r, "text")


def _display_delimiters_stand_alone(md: str) -> None:
    """Every $$ of a display on a line of its own (indented in a list item), as the displays
    of every report write it, and each pair one math block for markdown-it."""
    lines = [line.strip() for line in md.splitlines()]
    assert not [line for line in lines if "$$" in line and line != "$$"], md
    assert sum(t.type == "math_block" for t in _tokens(md)) == lines.count("$$") // 2


@pytest.mark.parametrize("entry", CELL_CHECKS, ids=lambda e: e.stem)
def test_cell_check_counterexample_displays_close_on_their_own_line(entry):
    cell = typed_cell(entry.cell) if isinstance(entry.cell, TypedCell) else entry.cell
    md = render_cell_check(check_cell(entry.formula, cell, entry.block), "markdown")
    assert "Counterexample" in md
    _display_delimiters_stand_alone(md)
    if entry.stem == "check-lstm-peephole-forget":
        assert "of the formula is\n\n$$\n[f_{t}]_{1}\n$$\n\nbut the true entry is\n\n$$\n[c_{t-1}]_{1}" in md
    else:  # a long entry in lines, as the other displays write an aligned block
        assert "\n$$\n\\begin{aligned}\n&[C_{t-1}]_{1}" in md and "\\end{aligned}\n$$\n" in md


@pytest.mark.parametrize("entry", CHECKS, ids=lambda e: e.stem)
def test_check_displays_close_on_their_own_line(entry):
    _display_delimiters_stand_alone(render_check(check(entry.formula, activation=entry.activation,
                                                       recurrence=entry.recurrence), "markdown"))


def test_the_forms_reason_sets_its_math_as_math_in_latex():
    """The reason printed `($\\sigma$' is written …, as 1 -{} h\\_t$^2$ is for tanh)`: σ' and the
    state's formula are math now, and σ' is one token of the LaTeX escape."""
    latex = render_check(check("diag(1-h_t^2) W"), "latex")
    assert r"($\sigma'$ is written through the current state, as $1 - \mathbf{h}_{t}^{2}$ is for tanh)" in latex
    assert "$\\sigma$'" not in latex and "h\\_t$^2$" not in latex
    assert "as 1 - h_t² is for tanh" in render_check(check("diag(1-h_t^2) W"), "text")


@pytest.mark.parametrize("formula, shown", [("diag(1 - x_t^2) W", "as 1 - x_t² is for tanh"),
                                            ("diag(s_t(1 - s_t)) W", "as s_t·(1 - s_t) is for sigmoid")])
def test_the_forms_reason_writes_the_reports_state(formula, shown):
    """The reason said "as 1 - h_t² is for tanh" whatever the state's name, in reports with no h
    (or with h the input); it is written in the report's own state now."""
    text = render_check(check(formula), "text")
    assert shown in text and "h_t" not in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_a_state_read_as_its_activation_is_not_also_said_to_be_the_state(fmt, capsys):
    """s[t-1] in (1 - s[t-1] ** 2), as code's s[t-1] = tanh(x[t-1]), is read as tanh(x_{t-1}):
    the report also said "s_{t-1} is read as the previous state x_{t-1}", the opposite. One
    thing is said, in every format: the reading used."""
    from symbptt.cli import main

    assert main(["check", "-f", fmt, "W.T.dot(delta_t) * (1 - s[t-1] ** 2)"]) == 0
    out = capsys.readouterr().out
    assert "read as the previous state's activation" in out
    assert "is read as the previous state" not in out
    if fmt == "json":
        data = json.loads(out)
        assert data["reading"] == ["s_{t-1} read as the previous state's activation tanh(x_{t-1})"]
        assert not any("previous state" in note for note in data["notes"])


def test_a_state_read_as_itself_keeps_its_note(capsys):
    from symbptt.cli import main

    assert main(["check", "W diag(tanh'(s_{t-1}))"]) == 0
    assert "s_{t-1} is read as the previous state\n" in capsys.readouterr().out
