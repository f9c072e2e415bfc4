"""A typed cell's reports show its equations verbatim beside the reading the engine uses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .conftest import run_cli
from .test_layout_typography import TOLERANCE_PT, overfull
from .test_tools import compile_tex

COLUMN = r"h_t = \tanh(W h_{t-1} + U x_t + b)"
#: d2l's row-vector RNN, as its book prints it.
ROW = r"\mathbf{H}_t = \tanh(\mathbf{X}_t \mathbf{W}_{xh} + \mathbf{H}_{t-1} \mathbf{W}_{hh} + \mathbf{b}_h)"
CLAIMS = {COLUMN: "diag(1 - h_t^2) W", ROW: "W_hh diag(1 - H_t^2)"}
#: What LaTeX's escaping of these equations undoes, read off the output (not the escaper).
_UNESCAPE = [(r"\allowbreak{}", ""), *((f"\\char`\\{c}{{}}", c) for c in "\\{}<>|_^~"), ("-{}", "-")]


def _shown(out: str, fmt: str) -> str:
    """The report's text with the format's quoting of user text undone."""
    if fmt.startswith("latex"):
        for escaped, plain in _UNESCAPE:
            out = out.replace(escaped, plain)
    return out


@pytest.mark.parametrize("typed", [COLUMN, ROW], ids=["column", "row"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "latex-fragment"])
def test_check_shows_the_cell_as_typed(capsys, typed, fmt):
    code, out, err = run_cli(capsys, "check", "--cell", typed, "-f", fmt, CLAIMS[typed])
    assert code == 0 and err == "", err
    shown = _shown(out, fmt)
    assert (f"`{typed}`" if fmt == "markdown" else
            rf"\texttt{{{typed}}}" if fmt.startswith("latex") else f"\n             {typed}\n") in shown
    # true whether or not the terms moved; the row reading only where it is one
    assert ("with the terms of a sum perhaps in another order:" in out and "SymPy" not in out)
    assert ("in columns" in out.lower()) == (typed == ROW)
    if fmt != "text":
        assert ("As symbptt reads it, in columns ($" if typed == ROW else
                "As symbptt reads it, with the terms of a sum perhaps in another order:") in out


@pytest.mark.parametrize("command", ["check", "derive", "bptt"])
def test_json_carries_the_equations_as_typed(capsys, command):
    gate = "z_t = σ(x_t @ W_xz + h_{t-1} @ W_hz + b_z)"  # row code, Unicode, two equations
    update = "h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ tanh(x_t @ W_xh + h_{t-1} @ W_hh + b_h)"
    claim = ["diag(z_t)"] if command == "check" else []
    code, out, err = run_cli(capsys, command, "--cell", gate, "--cell", update, "-f", "json", *claim)
    assert code == 0 and err == "", err
    data = json.loads(out)
    assert (data["typed"] if command != "derive" else data["cell"]["typed"]) == [gate, update]


@pytest.mark.parametrize("command", ["check", "derive", "bptt"])
@pytest.mark.parametrize("typed", [COLUMN, ROW], ids=["column", "row"])
def test_json_says_how_the_typed_cell_was_read(capsys, command, typed):
    """Beside `typed`, `read`: the row product as written and as read (None for a column cell)
    and the equations as symbptt holds them, the same in every command."""
    claim = [CLAIMS[typed]] if command == "check" else []
    code, out, err = run_cli(capsys, command, "--cell", typed, "-f", "json", *claim)
    assert code == 0 and err == "", err
    data = json.loads(out)
    read = data["read"] if command != "derive" else data["cell"]["read"]
    if typed == ROW:
        assert read == {
            "rows": {"written": r"\mathbf{X}_{t} \mathbf{W}_{\mathrm{xh}}",
                     "read": r"\mathbf{W}_{\mathrm{xh}}^{\top} \mathbf{X}_{t}"},
            "equations": [{"lhs": r"\mathbf{H}_{t}",
                           "rhs": r"\tanh{\left(\mathbf{W}_{\mathrm{xh}}^{\top} \mathbf{X}_{t} + "
                                  r"\mathbf{W}_{\mathrm{hh}}^{\top} \mathbf{H}_{t-1} + \mathbf{b}_{h} \right)}"}]}
    else:
        assert read["rows"] is None and [e["lhs"] for e in read["equations"]] == [r"\mathbf{h}_{t}"]


@pytest.mark.parametrize("command", ["derive", "bptt"])
@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_derive_and_bptt_show_the_cell_as_typed(capsys, command, fmt):
    code, out, err = run_cli(capsys, command, "--cell", ROW, "-f", fmt)
    assert code == 0 and err == "", err
    shown = _shown(out, fmt)
    assert (f"`{ROW}`" if fmt == "markdown" else rf"\texttt{{{ROW}}}") in shown
    # the verbatim text, then how it was read, then the equations as read
    assert shown.index(ROW) < shown.index("As symbptt reads it, in columns") < shown.index(r"\mathbf{W}_{\mathrm{xh}}^{\top}")


def test_a_library_cell_has_no_typed_text(capsys):
    code, out, _ = run_cli(capsys, "check", "-r", "gru", "-f", "json", "diag(z_t)")
    assert code == 0 and json.loads(out)["typed"] == [] and json.loads(out)["read"] is None
    code, out, _ = run_cli(capsys, "check", "-r", "gru", "diag(z_t)")
    assert code == 0 and "as typed" not in out and "another order" not in out


@pytest.mark.tools
def test_latex_check_of_an_unusual_typed_cell_compiles(pdflatex, capsys, tmp_path):
    """Unicode, code operators and LaTeX commands in the typed text are shown, never compiled as
    math: the report builds."""
    typed = r"H_t = σ(X_t @ W_xh + H_{t-1} @ W_hh + b_h) ⊙ \operatorname{tanh}(H_{t-1}.T @ W_g)"
    code, out, err = run_cli(capsys, "check", "--cell", typed, "-f", "latex", "W_hh diag(H_t)")
    assert code == 0 and err == "", err
    source = tmp_path / "typed.tex"
    source.write_text(out, encoding="utf-8")
    log = compile_tex(pdflatex, source, tmp_path)
    assert not re.findall(r"Overfull \\hbox \((\d\d+|[2-9])[\d.]*pt", log)
    assert "Font Warning" not in log  # no brace or backslash taken from another font


def test_latex_shows_typed_text_in_the_typewriter_fonts_own_characters(capsys):
    """{ } \\ _ ^ < > | ~ as \\char of the typewriter font (OT1's \\{ and \\textbackslash come
    from OMS, which has no typewriter shape); breaks at spaces and after operators outside
    braces only, so \\mathbf{W}_{xh} never splits."""
    from symbptt.printing import Notation
    from symbptt.render.formats import FORMATS
    from symbptt.render.view import View

    code = View(FORMATS["latex"], Notation()).code
    assert code(r"\mathbf{W}_{xh}") == r"\texttt{\char`\\{}mathbf\char`\{{}W\char`\}{}\char`\_{}\char`\{{}xh\char`\}{}}"
    assert code(r"a = \tanh(x_{t-1}, y)+b") == (r"\texttt{a = \char`\\{}tanh(\allowbreak{}x\char`\_{}\char`\{{}t-{}1"
                                                 r"\char`\}{}, y)\allowbreak{}+\allowbreak{}b}")
    assert code("<x>|~^") == r"\texttt{\char`\<{}x\char`\>{}\char`\|{}\char`\~{}\char`\^{}}"
    assert code(r"\{(x\}") == r"\texttt{\char`\\{}\char`\{{}(\allowbreak{}x\char`\\{}\char`\}{}}"


@pytest.mark.tools
def test_latex_check_of_a_typed_row_cell_has_no_font_warning(pdflatex, capsys, tmp_path):
    code, out, err = run_cli(capsys, "check", "--cell", ROW, "-f", "latex", "W_{hh}^T")
    assert code == 0 and err == "", err
    source = tmp_path / "row.tex"
    source.write_text(out, encoding="utf-8")
    log = compile_tex(pdflatex, source, tmp_path)
    assert "Font Warning" not in log and all(pt <= TOLERANCE_PT for pt in overfull(log))


def test_output_is_deterministic():
    """The same report from two processes with different hash seeds."""
    argv = [sys.executable, "-m", "symbptt", "check", "--cell", ROW, "-f", "markdown", CLAIMS[ROW]]
    outs = [subprocess.run(argv, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert outs[0] == outs[1] and ROW in outs[0]


def test_a_config_cell_shows_its_equations_as_typed(capsys, tmp_path):
    """A [cells.NAME] table's own source and convention replace a typed cell's; its text as typed
    and how its row vectors were read stay."""
    typed = "h_t = 0.8 * h_{t-1} + 0.2 * tanh(h_{t-1} W + x_t U + b)"
    config = tmp_path / "symbptt.toml"
    config.write_text(f'[cells.leaky]\nequations = ["{typed}"]\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "check", "-r", "leaky", "--config", str(config), "W diag(h_t)")
    assert code == 0 and err == "", err
    assert f"\n             {typed}\n" in out and "read in columns, h_{t-1} W as Wᵀ h_{t-1}" in out


def test_check_text_names_the_typed_cell_once(capsys):
    """`cell: typed: the cell as typed` then `as typed:` said it twice; it reads once."""
    code, out, err = run_cli(capsys, "check", "--cell", COLUMN, CLAIMS[COLUMN])
    assert code == 0 and err == "", err
    assert ("\ncell:        the cell as typed:\n"
            f"             {COLUMN}\n"
            "             read with the terms of a sum perhaps in another order:\n"
            "             h_t = tanh(U x_t + W h_{t-1} + b)\n"
            "block:       dh_t/dh_{t-1}\n") in out, out
    assert "typed: the cell" not in out and "as typed:\n             as typed" not in out


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_the_reading_sentence_of_several_equations(capsys, fmt):
    """Plural for two equations; the sentence is true whether or not terms moved."""
    gate, update = r"z_t = \sigma(W_z h_{t-1} + U_z x_t)", r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tanh(W h_{t-1})"
    code, out, err = run_cli(capsys, "derive", "--cell", gate, "--cell", update, "-f", fmt)
    assert code == 0 and err == "", err
    assert "As symbptt reads them, with the terms of a sum perhaps in another order:" in out
