"""Reports: every format renders, is deterministic, escapes text and fails on missing data."""

from __future__ import annotations

import json

import jinja2
import pytest
import sympy as sp

import symbptt
import symbptt.cache
from symbptt.errors import TemplateError
from symbptt.render import DERIVE_FORMATS, FORMATS, environment, render
from symbptt.steps import Prose

from .conftest import derivation


@pytest.mark.parametrize("fmt", DERIVE_FORMATS)
def test_every_format_renders_and_is_deterministic(fmt):
    first = render(derivation("tanh"), fmt)
    again = render(symbptt.derive("tanh", dim=2), fmt)  # a fresh derivation, same input
    assert first == again
    assert "(((" not in first and "((*" not in first


def test_markdown_has_every_section_and_both_layouts():
    text = render(derivation("sigma"), "markdown")
    for heading in ["## The recurrence", "## Layouts", "## Matrix level, for every n",
                    "## Index notation, for every n", "## Denominator layout",
                    "## Explicit expansion at n = 2", "## Numeric check",
                    "## Pascanu et al. (2013), eq. 5"]:
        assert heading in text
    assert r"\mathbf{W} \operatorname{diag}\left(\sigma'\left(\mathbf{x}_{t-1}\right)\right)" in text
    assert r"\operatorname{diag}\left(\sigma'\left(\mathbf{x}_{t-1}\right)\right) \mathbf{W}^{\top}" in text
    assert "not verified" not in text and "FAILED" not in text
    assert r"\bm" not in text and "align*" not in text


def test_denominator_only_report_states_one_layout():
    text = render(derivation("tanh", layout="denominator"), "markdown")
    assert "in denominator layout" in text and "in numerator layout $" not in text


def test_large_dim_summarises_instead_of_printing_matrix():
    text = render(symbptt.derive("tanh", dim=8), "markdown")
    assert "All 64 entries agree." in text
    assert r"\begin{bmatrix}" not in text.split("## Explicit expansion")[1].split("## Numeric")[0]


def test_json_has_inputs_layouts_closed_forms_entries_and_checks():
    data = json.loads(render(derivation("tanh"), "json"))
    assert data["input"] == {"activation": "tanh", "dim": 2, "inputs": 3,
                             "layouts": ["numerator", "denominator"], "seed": 0}
    num = data["layouts"]["numerator"]
    assert sp.srepr(derivation("tanh").result()) == num["closed_form"]["srepr"]
    assert len(num["explicit"]) == 2 and len(num["explicit"][0]) == 2
    assert num["explicit"][0][1]["latex"] == r"W_{12} \left(1 - \tanh^{2}{\left([x_{t-1}]_{2} \right)}\right)"
    assert data["expansion"]["verified"] and data["numeric"]["passed"] and data["verified"]
    assert all(step["verified"] for route in data["routes"] for step in route["steps"])


@pytest.mark.parametrize("fmt, text, expected", [
    ("latex", r"50% of {x} & #1 \input_~^", r"50\% of \{x\} \& \#1 \textbackslash{}input\_\textasciitilde{}\textasciicircum{}"),
    ("markdown", r"a*b_c [x] <b> $y$ \z", r"a\*b\_c \[x\] \<b\> \$y\$ \\z"),
])
def test_escaping_is_one_pass(fmt, text, expected):
    assert FORMATS[fmt].escape(text) == expected


def test_prose_math_slots_are_printed_not_escaped():
    from symbptt.printing import Notation
    from symbptt.render.view import View
    view = View(FORMATS["latex"], Notation())
    n = sp.Symbol("n")
    assert view.prose(Prose.of("size {n} & more_", n=n)) == r"size $n$ \& more\_"


def test_strict_undefined_fails_loudly(tmp_path):
    (tmp_path / "report.md.j2").write_text("((( no_such_variable )))")
    with pytest.raises(TemplateError, match="report.md.j2, line 1: UndefinedError: 'no_such_variable' is undefined"):
        render(derivation("sigma"), "markdown", template_dir=tmp_path)


def test_user_template_overrides_builtin_by_name(tmp_path):
    (tmp_path / "report.md.j2").write_text("Result: $((( layouts[0].result.rhs )))$ ((( activation.title )))\n")
    out = render(derivation("tanh"), "markdown", template_dir=tmp_path)
    assert out == ("Result: $\\mathbf{W} \\operatorname{diag}\\left(1 - \\tanh^{2}"
                   "{\\left(\\mathbf{x}_{t-1} \\right)}\\right)$ the hyperbolic tangent\n")


def test_environment_uses_latex_safe_delimiters():
    env = environment(FORMATS["latex"])
    assert env.from_string(r"\newcommand{\x}[1]{#1}{#2} ((( v )))").render(v="a_b") == r"\newcommand{\x}[1]{#1}{#2} a\_b"


def test_no_template_puts_parentheses_against_a_delimiter():
    """'((((' silently eats a literal parenthesis before ((( … ))) (the closing side is safe)."""
    from symbptt.render import template_dir
    for path in template_dir().glob("*.j2"):
        text = path.read_text()
        assert "((((" not in text, path.name


def test_pascanu_section_bounds_the_true_jacobian_of_each_form():
    """The bound is ‖J‖ ≤ ‖W‖ ‖diag(σ')‖ with the true Jacobian's own diagonal factor."""
    text = render(symbptt.derive("tanh", dim=2, recurrence="elman"), "markdown")
    bound = text.split("Their norm argument")[1]
    assert r"\operatorname{diag}\left(1 - \tanh^{2}{\left(\mathbf{a}_{t} \right)}\right)\right\|_{2}" in bound
    assert "The bound holds there." in bound


def _jinja_cache_in(tmp_path, monkeypatch):
    """The user's cache folder (symbptt.cache), moved under tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "symbptt"


def test_compiled_templates_are_cached_and_give_the_same_report(tmp_path, monkeypatch):
    cache = _jinja_cache_in(tmp_path, monkeypatch)
    first = render(derivation("sigma"), "latex")
    names = [p.name for p in cache.iterdir()]
    assert len(names) == 3 and all(n.startswith("templates-") for n in names)  # report, body, macros

    def no_compiling(*args, **kwargs):
        raise AssertionError("a cached template was compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", no_compiling)
    assert render(derivation("sigma"), "latex") == first


def test_a_cache_folder_that_cannot_be_used_only_costs_time(tmp_path, monkeypatch):
    cache = _jinja_cache_in(tmp_path, monkeypatch)
    cache.write_text("not a folder")
    expected = render(derivation("tanh"), "markdown")
    cache.unlink()
    cache.mkdir(mode=0o700)
    monkeypatch.setattr(symbptt.cache.tempfile, "NamedTemporaryFile",
                        lambda **kwargs: (_ for _ in ()).throw(OSError("disk full")))
    assert render(derivation("tanh"), "markdown") == expected
    assert list(cache.iterdir()) == []
