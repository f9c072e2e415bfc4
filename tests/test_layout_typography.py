"""The reports of the gallery fit the page and have the structure they claim.

* Every `.tex` of the gallery (derive, check, bptt, fragments in their wrapper) compiles with
  no overfull \\hbox over 1 pt (pdflatex's log).
* Every derive/bptt `.md`, parsed with markdown-it (dollarmath, as MkDocs and Jupyter
  parse it), has its sections as headings, each proof step as a paragraph followed by its
  display, the verdict as one list item per layout, and each comparison of the Pascanu
  section as its own list item holding its display.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from symbptt.gallery import BPTT_FORMS, CELL_BPTT, CELL_CHECKS, CELL_GALLERY, CHECKS, GALLERY, TYPED_CELLS

from .conftest import ROOT
from .test_tools import compile_tex

REPORTS = ROOT / "reports"
DERIVE = [e.stem for e in GALLERY]
BPTT = [f"bptt-{form}" for form in BPTT_FORMS]
CHECK = [e.stem for e in (*CHECKS, *CELL_CHECKS)]
CELLS = ([f"cell-{key}" for key in CELL_GALLERY] + [f"bptt-{key}" for key in CELL_BPTT]
         + [f"{kind}-{e.key}" for e in TYPED_CELLS for kind in ("cell", "bptt")])
#: pdflatex reports "Overfull \hbox (12.3pt too wide)"; up to this much is invisible.
TOLERANCE_PT = 1.0
_OVERFULL = re.compile(r"Overfull \\hbox \(([0-9.]+)pt too wide\)")


def overfull(log: str) -> list[float]:
    """Every overfull \\hbox of a pdflatex log, in points."""
    return [float(pt) for pt in _OVERFULL.findall(log)]


@pytest.mark.tools
@pytest.mark.parametrize("stem", DERIVE + CHECK + BPTT + CELLS)
def test_no_overfull_hbox(pdflatex, stem, tmp_path):
    log = compile_tex(pdflatex, REPORTS / f"{stem}.tex", tmp_path)
    wide = [pt for pt in overfull(log) if pt > TOLERANCE_PT]
    assert not wide, f"{stem}.tex: overfull boxes of {wide} pt"


@pytest.mark.tools
@pytest.mark.parametrize("activation, form", [("sigmoid", "pascanu"), ("relu", "row"), ("tanh", "elman")])
def test_wide_matrices_at_n_6_are_cut_to_fit(pdflatex, activation, form, tmp_path):
    """Beyond the gallery's n = 2: vectors row by row, matrices in blocks of columns."""
    import symbptt
    from symbptt.render import render
    source = tmp_path / "wide.tex"
    source.write_text(render(symbptt.derive(activation, dim=6, recurrence=form), "latex"))
    wide = [pt for pt in overfull(compile_tex(pdflatex, source, tmp_path)) if pt > TOLERANCE_PT]
    assert not wide, f"overfull boxes of {wide} pt"


@pytest.mark.tools
def test_overfull_check_can_fail(pdflatex, tmp_path):
    wide = tmp_path / "wide.tex"
    wide.write_text("\\documentclass{article}\\begin{document}\n\\[" + " + ".join(["x_{%d}" % i for i in range(80)])
                    + "\\]\n\\end{document}\n")
    assert max(overfull(compile_tex(pdflatex, wide, tmp_path))) > 100


@pytest.mark.tools
def test_subscripted_notation_compiles_without_double_subscripts(pdflatex, tmp_path):
    """-N state=W_hh, -N input=u_x: a time index joins the label (W_{hh,t}), no LaTeX error."""
    from symbptt.printing import Notation
    from symbptt.render import render

    from .conftest import derivation
    text = render(derivation("tanh"), "latex", Notation(state="W_hh", input="u_x"))
    assert r"\mathbf{W}_{\mathrm{hh},t-1}" in text and r"\mathbf{u}_{x,t}" in text
    source = tmp_path / "notation.tex"
    source.write_text(text)
    log = compile_tex(pdflatex, source, tmp_path)
    assert "Double subscript" not in log


# --- Markdown structure ---------------------------------------------------------------------
def blocks(text: str) -> list[tuple]:
    """The page as a flat list of blocks: ("h1"/"h2", text), ("p", text, depth),
    ("math", tex, depth), ("li", depth), ("quote", depth); depth counts enclosing
    list items and block quotes."""
    md = MarkdownIt("commonmark").use(dollarmath_plugin, double_inline=True)
    out, depth, tokens = [], 0, md.parse(text)
    for k, token in enumerate(tokens):
        if token.type in ("list_item_open", "blockquote_open"):
            out.append(("li" if token.type == "list_item_open" else "quote", depth))
            depth += 1
        elif token.type in ("list_item_close", "blockquote_close"):
            depth -= 1
        elif token.type == "heading_open":
            out.append((token.tag, tokens[k + 1].content))
        elif token.type == "paragraph_open":
            out.append(("p", tokens[k + 1].content, depth))
        elif token.type in ("math_block", "math_block_label"):
            out.append(("math", token.content, depth))
    return out


def sections(text: str) -> dict[str, list[tuple]]:
    """Blocks by their h2 heading (the part before the first one under "")."""
    out, current = {"": []}, ""
    for block in blocks(text):
        if block[0] == "h2":
            current = block[1]
            assert current not in out, f"heading {current!r} twice"
            out[current] = []
        else:
            out[current].append(block)
    return out


def steps_are_well_formed(section: list[tuple], name: str) -> int:
    """Each "**k.**" paragraph is one step, directly followed by its display and its check."""
    numbers = []
    for k, block in enumerate(section):
        if block[0] == "p" and block[1].startswith("**"):
            match = re.match(r"\*\*(\d+)\.\*\*", block[1])
            assert match, (name, block)
            assert len(re.findall(r"\*\*\d+\.\*\*", block[1])) == 1, f"{name}: fused steps {block[1][:80]!r}"
            numbers.append(int(match.group(1)))
            assert section[k + 1][0] == "math", f"{name}: step {match.group(1)} has no display of its own"
            check = section[k + 2]
            assert check[0] == "p" and check[1].startswith(("✓", "(a definition)")), (name, check)
    assert numbers == list(range(1, len(numbers) + 1)) and numbers, (name, numbers)
    return len(numbers)


@pytest.mark.parametrize("entry", GALLERY, ids=lambda e: e.stem)
def test_derive_markdown_structure(entry):
    import symbptt
    d = symbptt.derive(entry.activation, dim=2, layout=entry.layout, recurrence=entry.recurrence)
    text = (REPORTS / f"{entry.stem}.md").read_text()
    parts = sections(text)
    assert list(parts) == ["", "The recurrence", "Layouts", *[r.title for r in d.routes],
                           "Explicit expansion at n = 2, m = 3", "Numeric check", "Pascanu et al. (2013), eq. 5"]
    # The verdict: a quote holding one list item per layout.
    head = parts[""][1:]  # after the title
    assert parts[""][0][0] == "h1" and head[0] == ("quote", 0) and head[1][:2] == ("p", "**Verdict**:")
    verdict = [b[1] for b in head if b[0] == "p" and b[2] == 2]
    assert [v.split(",")[0] for v in verdict] == [f"in {layout.value} layout" for layout in d.layouts]
    assert len([b for b in head if b[0] == "li"]) == len(d.layouts)
    # Both layouts are defined (the routes use the numerator one), each a list item.
    layouts = parts["Layouts"]
    assert [b[1].split("**")[1] for b in layouts if b[0] == "p" and b[2] == 1] == [
        "numerator layout", "denominator layout"]
    for route in d.routes:
        section = parts[route.title]
        assert section[0][0] == "p" and not section[0][1].startswith("**"), f"{route.title}: no summary"
        assert steps_are_well_formed(section, route.title) == len(route.steps)
    # Pascanu: every comparison is its own list item, with its display inside it.
    pascanu = parts["Pascanu et al. (2013), eq. 5"]
    compared = [k for k, b in enumerate(pascanu) if b[0] == "p" and b[2] == 1 and " layout**:" in b[1]]
    assert len(compared) >= 2
    for k in compared:
        assert pascanu[k][1].count("layout**") == 1, f"fused list items: {pascanu[k][1][:80]!r}"
        assert pascanu[k - 1] == ("li", 0) and pascanu[k + 1][0] == "math" and pascanu[k + 1][2] == 1
    bound = [b for b in pascanu if b[0] == "p" and b[2] == 1 and r"\|_{2}" in b[1]]
    assert len(bound) >= 7  # the facts of the argument and five values, one item each


@pytest.mark.parametrize("form", BPTT_FORMS)
def test_bptt_markdown_structure(form):
    from symbptt.bptt import backward_steps, bound_steps, product_steps
    import symbptt
    d = symbptt.derive("tanh", dim=2, recurrence=form)
    text = (REPORTS / f"bptt-{form}.md").read_text()
    parts = sections(text)
    assert list(parts) == ["", "The recurrence and its one-step Jacobian",
                           "Several steps: the product of one-step Jacobians", "The backward recursion",
                           "Vanishing and exploding gradients"]
    assert parts[""][0][0] == "h1" and parts[""][1] == ("quote", 0)
    for title, steps in (("Several steps: the product of one-step Jacobians", product_steps(d)),
                         ("The backward recursion", backward_steps(d)),
                         ("Vanishing and exploding gradients", bound_steps(d))):
        assert steps_are_well_formed(parts[title], title) == len(steps)


@pytest.mark.tools
def test_cut_matrices_render_in_katex(katex):
    """The row-by-row and column-block displays (n = 6) are valid KaTeX too."""
    import symbptt
    from symbptt.render import render

    from .test_tools import math_spans, render_with_katex
    text = render(symbptt.derive("sigmoid", dim=6), "markdown")
    assert r"\right.\end{aligned}" not in text and r"\left.\begin{matrix}" in text
    spans = math_spans(text)
    result = render_with_katex(katex, spans)
    assert result["errors"] == [] and result["rendered"] == len(spans)


@pytest.mark.parametrize("path", sorted(REPORTS.glob("*.md")), ids=lambda p: p.name)
def test_every_display_is_a_math_block(path):
    """Each $$ of every Markdown report stands on its own line, after a blank line when it opens,
    and each pair is one display for markdown-it (a $$ right under a paragraph line is read
    as part of the paragraph)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert [line for line in lines if "$$" in line and line.strip() != "$$"] == []
    delimiters = [k for k, line in enumerate(lines) if line.strip() == "$$"]
    assert all(lines[k - 1].strip() == "" for k in delimiters[::2]), path.name
    assert sum(b[0] == "math" for b in blocks(text)) == len(delimiters) // 2
