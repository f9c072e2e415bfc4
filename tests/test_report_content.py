"""What the derive and bptt reports say: adapted to the form, every gradient's layout stated,
every symbol defined, and the small things a lecturer would mark."""

from __future__ import annotations

import json

import pytest

import symbptt
from symbptt.bptt import bptt
from symbptt.render import render, render_bptt

from .conftest import ROOT, derivation

REPORTS = ROOT / "reports"


def _pascanu_section(text: str) -> str:
    return text.split("## Pascanu et al. (2013), eq. 5")[1]


def test_elman_report_says_the_adapted_factor_is_its_denominator_jacobian():
    """Wᵀ diag(σ'(a_t)) is exactly the post-activation form's denominator Jacobian: computed."""
    d = symbptt.derive("tanh", dim=2, recurrence="elman")
    p = d.pascanu
    assert [c.holds for c in p.adapted_comparisons] == [False, True]  # numerator, denominator
    section = _pascanu_section(render(d, "markdown"))
    adapted = section.split("the factor reads")[1]
    assert r"\mathbf{W}^{\top} \operatorname{diag}\left(1 - \tanh^{2}{\left(\mathbf{a}_{t} \right)}\right)" in adapted
    assert "- **denominator layout**: this factor **equals** the true Jacobian" in adapted
    # The row-vector bullet says it is about another recurrence, not this one.
    assert "In another recurrence, Pascanu's form written with row vectors" in section


def test_row_report_does_not_repeat_the_numerator_comparison():
    d = symbptt.derive("sigma", dim=2, recurrence="row")
    assert d.pascanu.row_vector is None
    section = _pascanu_section(render(d, "markdown"))
    assert "- **numerator layout**: the claim **equals** the true Jacobian" in section
    assert "row vectors" not in section.replace("This recurrence is the row-vector convention", "")
    assert "This recurrence is the row-vector convention" in section


def test_pascanu_report_has_no_adapted_factor():
    assert derivation("tanh").pascanu.adapted is None
    assert "the factor reads" not in render(derivation("tanh"), "markdown")


def test_norm_facts_carry_their_checks_and_print_whole_numbers_as_such():
    text = render(symbptt.derive("identity", dim=2), "markdown")
    assert r"\left\|I_{n}\right\|_{2} = 1$" in text and "= 1.0$" not in text
    assert all(f.ok and f.method for f in derivation("tanh").pascanu.bound)


@pytest.fixture(scope="module")
def row_bptt():
    return bptt("tanh", "row")


def test_bptt_states_the_layout_of_every_gradient_and_defines_g(row_bptt):
    text = render_bptt(row_bptt, "markdown")
    backward = text.split("## The backward recursion")[1].split("## Vanishing")[0]
    # δ_t is a column: the denominator-layout gradient, the transpose of the numerator row.
    assert (r"\boldsymbol{\delta}_{t} = \left(\frac{\partial E}{\partial \mathbf{x}_{t}}\right)_{\!\mathrm{den}}"
            in backward)
    assert "denominator layout, the transpose of the numerator-layout row" in backward
    assert (r"\mathbf{g}_{t-1} = \left(\frac{\partial E_{t-1}}{\partial \mathbf{x}_{t-1}}\right)_{\!\mathrm{den}}"
            in backward)
    assert r"is shaped like $\mathbf{W}$, $n \times n$" in backward
    assert "at step i" not in text


def test_row_bptt_bound_states_the_transpose_norm_before_using_it(row_bptt):
    bound = render_bptt(row_bptt, "markdown").split("## Vanishing")[1]
    first, second = bound.split("**2.**")[0], bound.split("**2.**")[1].split("**3.**")[0]
    assert r"\left\|\mathbf{W}^{\top}\right\|_{2}" in first
    assert r"since $\left\|\mathbf{W}^{\top}\right\|_{2} = \left\|\mathbf{W}\right\|_{2}$" in second


def test_denominator_only_report_defines_the_numerator_layout_its_routes_use():
    text = render(derivation("tanh", layout="denominator"), "markdown")
    layouts = text.split("## Layouts")[1].split("## ")[0]
    assert "**numerator layout**" in layouts and "**denominator layout**" in layouts


def test_derive_json_records_the_form():
    assert json.loads(render(derivation("tanh"), "json"))["form"] == "pascanu"
    assert json.loads(render(symbptt.derive("tanh", dim=None, recurrence="elman"), "json"))["form"] == "elman"


@pytest.mark.parametrize("stem", ["default", "row-sigma", "elman-tanh", "tanh-denominator"])
def test_gallery_prose_small_things(stem):
    md = (REPORTS / f"{stem}.md").read_text()
    tex = (REPORTS / f"{stem}.tex").read_text()
    assert " x $n$" not in md and r"$n \times n$" in md        # n×n, not "n x n"
    assert r"\textasciicircum" not in tex                      # s^2/5 printed as math
    assert "x_(t-1)" not in md + tex
    assert r"\mathbf{W}_{\mathrm{in}} \mathbf{u}_{t} + \mathbf{b}" in md or stem == "row-sigma"
    assert "\n\n\n" not in md and "\n\n\n" not in tex          # no blank lines for missing parts
    assert "$W$" not in md + tex                               # W is bold everywhere
    chain = md.split("*chain rule*")[1].split("\n")[0]
    assert "in numerator layout the outer derivative stands on the left" in chain


# --- the view prints, it never derives --------------------------------------------------------
def _equations(node, path: str = ""):
    """(path, equation) for every equation a view context holds, however deep."""
    if isinstance(node, dict):
        if "lhs" in node and "rhs" in node:
            yield path, node
        for key, value in node.items():
            yield from _equations(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for k, value in enumerate(node):
            yield from _equations(value, f"{path}[{k}]")


def _unverified(context: dict) -> tuple[int, list[str]]:
    found = list(_equations(context))
    return len(found), [path for path, eq in found if not eq.get("verified_by") or not eq.get("ok", True)]


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize("stem", ["default", "sigmoid", "identity", "tanh-denominator", "elman-tanh", "row-sigma"])
def test_every_derive_equation_comes_from_the_engine_with_its_check(stem, fmt):
    from symbptt.gallery import GALLERY
    from symbptt.printing import Notation
    from symbptt.render import FORMATS
    from symbptt.render.derive_report import ReportView
    entry = next(e for e in GALLERY if e.stem == stem)
    d = symbptt.derive(entry.activation, dim=2, layout=entry.layout, recurrence=entry.recurrence)
    count, bad = _unverified(ReportView(d, FORMATS[fmt], Notation()).context())
    assert count > 20 and not bad, bad


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize("form", ["pascanu", "row"])
def test_every_bptt_equation_comes_from_the_engine_with_its_check(form, fmt, row_bptt):
    from symbptt.printing import Notation
    from symbptt.render import FORMATS
    from symbptt.render.bptt_report import BpttView
    b = row_bptt if form == "row" else bptt("tanh", form)
    count, bad = _unverified(BpttView(b, FORMATS[fmt], Notation(), None).context())
    assert count > 10 and not bad, bad


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_every_check_equation_comes_from_the_engine_with_its_check(fmt):
    from symbptt.check import check
    from symbptt.gallery import CHECKS
    from symbptt.printing import Notation
    from symbptt.render import FORMATS
    from symbptt.render.check_report import CheckView
    for entry in CHECKS:
        r = check(entry.formula, activation=entry.activation, recurrence=entry.recurrence)
        count, bad = _unverified(CheckView(r, FORMATS[fmt], Notation()).context())
        assert count >= 7 and not bad, (entry.stem, bad)


def test_the_walk_finds_an_equation_a_view_builds_itself():
    from symbptt.printing import Notation
    from symbptt.render import FORMATS
    from symbptt.render.view import View
    view = View(FORMATS["markdown"], Notation())
    rec = derivation("tanh").recurrence
    assert _unverified({"made_here": [view.equation(rec.x_t, rec.rhs())]}) == (1, [".made_here[0]"])


def test_pascanu_sentences_follow_the_computed_outcomes():
    """'survives' and 'this recurrence is the row-vector convention' are said only when the
    engine's numbers say so: with the outcomes flipped, the report says otherwise."""
    from dataclasses import replace
    d = symbptt.derive("sigma", dim=2, recurrence="row")
    text = render(d, "markdown")
    assert "survives in either layout" in text and "This recurrence is the row-vector convention" in text
    p = d.pascanu
    flipped = replace(p, bound_holds=False, comparisons=(replace(p.comparisons[0], differing=((1, 1, 0, 1),)),
                                                         *p.comparisons[1:]))
    d.__dict__["pascanu"] = flipped
    text = render(d, "markdown")
    assert "does not survive at the instance below" in text and "The bound **fails** there." in text
    assert "This recurrence is the row-vector convention" not in text


#: The engine modules: derive, bptt and check.
ENGINE = ("activations", "bptt", "check", "claim", "denominator", "derivation", "expand", "explicit",
          "grammar", "index", "layout", "matrix", "model", "numeric", "pascanu", "printing", "steps", "verify")


@pytest.mark.parametrize("module", ENGINE)
def test_the_engine_never_imports_the_renderer(module):
    """Not even lazily inside a method: display methods are attached from render's side."""
    import ast
    tree = ast.parse((ROOT / "symbptt" / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        assert not any(n == "render" or n.startswith(("render.", "symbptt.render")) for n in names), (
            f"{module}.py imports the renderer at line {node.lineno}")
