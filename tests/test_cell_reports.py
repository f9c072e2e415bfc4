"""Gated-cell reports: the CLI, every format, the JSON instance (reproducible with PyTorch's
own cell, as the README shows), KaTeX-valid Markdown, determinism, and bad input."""

from __future__ import annotations

import json

import pytest

from symbptt.cells import CELLS
from symbptt.gallery import CELL_GALLERY

from .conftest import ROOT, run_cli
from .test_tools import math_spans, render_with_katex


def test_gallery_covers_every_gated_cell():
    assert sorted(CELL_GALLERY) == sorted(CELLS)


@pytest.mark.parametrize("key", sorted(CELLS))
def test_derive_json_instance(capsys, key):
    code, out, err = run_cli(capsys, "derive", "-r", key, "--format", "json", "--seed", "3")
    assert code == 0, err
    data = json.loads(out)
    cell = CELLS[key]
    inst = data["instance"]
    k = len(cell.states)
    n = inst["n"]
    assert data["verified"] is True and data["numeric"]["passed"] is True
    assert inst["state_order"] == list(cell.states)
    num, den = inst["jacobian"]["numerator"], inst["jacobian"]["denominator"]
    assert len(num) == len(num[0]) == k * n
    assert den == [list(col) for col in zip(*num)]
    assert set(inst["values"]) == {s.name for s in (*cell.parameters, cell.input, *cell.prev)}
    W = next(v for name, v in inst["values"].items() if name.startswith("W_"))
    assert len(W) == n and len(W[0]) == inst["m"] != n  # input weights n×m, m ≠ n
    assert ("torch" in inst) == (cell.torch is not None)
    blocks = data["layouts"]["numerator"]["blocks"]
    assert [(b["of"], b["by"]) for b in blocks] == [(v, s) for v in cell.states for s in cell.states]


@pytest.mark.parametrize("key", ["gru-torch", "lstm"])
def test_readme_recipe_reproduces_the_jacobian_with_pytorch(capsys, key):
    """The README's few lines: PyTorch's own cell from `instance.torch`, jacrev, compare."""
    import torch  # a test dependency: never skipped
    code, out, _ = run_cli(capsys, "derive", "-r", key, "--format", "json")
    inst = json.loads(out)["instance"]
    p = inst["torch"]
    T = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    Cell = getattr(torch.nn, p["cell"])
    cell = Cell(len(p["x"]), len(p["h"]), dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(T(p[name]))
    x, h = T([p["x"]]), T([p["h"]])
    if "c" in p:
        c = T([p["c"]])
        n = len(p["h"])  # rows (h_t, c_t) stacked, columns (h_{t-1}, c_{t-1})
        J = torch.func.jacrev(lambda hc: torch.cat(cell(x, (hc[None, :n], hc[None, n:]))).reshape(-1))(
            torch.cat([h[0], c[0]]))
    else:
        J = torch.func.jacrev(lambda s: cell(x, s[None])[0])(h[0])
    assert torch.allclose(J, T(inst["jacobian"]["numerator"]), atol=1e-12)


@pytest.mark.parametrize("key", sorted(CELLS))
@pytest.mark.parametrize("fmt", ["markdown", "latex", "latex-fragment"])
def test_derive_formats(capsys, key, fmt):
    code, out, err = run_cli(capsys, "derive", "-r", key, "--format", fmt, "--dim", "1")
    assert code == 0 and err == ""
    assert "✗" not in out and "FAILED" not in out and "Not verified" not in out
    if fmt == "latex":
        assert out.startswith("% ") or out.lstrip().startswith(r"\documentclass")


@pytest.mark.tools
@pytest.mark.parametrize("key", sorted(CELLS))
def test_markdown_math_renders_in_katex(katex, key):
    text = (ROOT / "reports" / f"cell-{key}.md").read_text()
    spans = math_spans(text)
    result = render_with_katex(katex, spans)
    assert result["errors"] == [] and result["rendered"] == len(spans) > 20


def test_reports_are_deterministic(capsys):
    outs = [run_cli(capsys, "derive", "-r", "gru", "--format", "json")[1] for _ in range(2)]
    assert outs[0] == outs[1]


def test_symbolic_only(capsys):
    code, out, _ = run_cli(capsys, "derive", "-r", "lstm", "--symbolic", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["instance"] is None and data["expansion"] is None and data["verified"]


@pytest.mark.parametrize("argv, message", [
    (["-r", "gru", "--dim", "0"], "--dim"),
    (["-r", "gru", "--dim", "999"], "dim must be a whole number from 1 to 128"),
    (["-r", "nope"], "unknown recurrence 'nope' for -r"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, message):
    code, out, err = run_cli(capsys, "derive", *argv)
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1


def test_equations_in_cell_notes_are_the_derived_blocks():
    """A note that states a block (dc_t/dc_{t-1} = diag(f_t)) states what the chain derives."""
    import sympy as sp

    from symbptt.chain import chain
    from symbptt.layout import TotalJacobian
    from symbptt.steps import Prose

    checked = 0
    for cell in CELLS.values():
        slots = [v for note in cell.notes for _, v in note.math] + (
            [v for _, v in cell.bounded_reason.math] if isinstance(cell.bounded_reason, Prose) else [])
        for eq in slots:
            if isinstance(eq, sp.Equality) and isinstance(eq.lhs, TotalJacobian):
                assert chain(cell).block(eq.lhs.f, eq.lhs.x) == eq.rhs
                checked += 1
    assert checked >= 1
