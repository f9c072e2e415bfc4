"""Cells kept in the config file ([cells.NAME] of symbptt.toml, [tool.symbptt.cells.NAME] of
pyproject.toml), selected by -r NAME for derive and bptt; bptt --cell / --cell-file. Bad input
is one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import json

import pytest

from symbptt.cell_parse import parse_cell
from symbptt.config import cell, cell_names, settings_from_file
from symbptt.errors import InputError

from .conftest import run_cli

LEAKY = "h_t = 0.8 * h_{t-1} + 0.2 * tanh(W h_{t-1} + U x_t + b)"
TOML = f"""
state = "h"

[cells.leaky]
equations = ["{LEAKY}"]
title = "the leaky RNN of lecture 7"
source = "Lecture 7, eq. (3)"

[cells.min-gate]
equations = ["f_t = sigmoid(W_f x_t + U_f h_{{t-1}} + b_f)",
             "h_t = (1 - f_t) * h_{{t-1}} + f_t * tanh(W x_t + U (f_t * h_{{t-1}}) + b)"]
"""


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course folder with a symbptt.toml holding two cells, as the current folder."""
    (tmp_path / "symbptt.toml").write_text(TOML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_config_cell_is_the_typed_cell_with_its_name_title_and_source(course):
    found = cell("leaky")
    typed = parse_cell([LEAKY])
    assert found.key == "leaky" and found.equations == typed.equations and found.states == ("h",)
    assert found.title == "the leaky RNN of lecture 7" and found.source == "Lecture 7, eq. (3)"
    assert cell("min-gate").title == "the cell min-gate of symbptt.toml"
    assert cell("nope") is None and cell("leaky", use_config=False) is None
    assert cell_names() == (course / "symbptt.toml", ("leaky", "min-gate"))
    assert settings_from_file(course / "symbptt.toml") == {"state": "h"}  # [cells] is no setting


def test_derive_r_config_cell_equals_derive_cell(course, capsys):
    code, out, err = run_cli(capsys, "derive", "-r", "leaky", "--format", "json")
    assert code == 0 and err == ""
    code2, typed, _ = run_cli(capsys, "derive", "--cell", LEAKY, "--format", "json")
    assert code2 == 0
    mine, theirs = json.loads(out), json.loads(typed)
    assert mine["cell"]["key"] == "leaky" and mine["cell"]["source"] == "Lecture 7, eq. (3)"
    assert mine["layouts"] == theirs["layouts"] and mine["instance"] == theirs["instance"]
    again = run_cli(capsys, "derive", "-r", "leaky", "--format", "json")[1]
    assert again == out  # deterministic
    code, md, _ = run_cli(capsys, "derive", "-r", "leaky", "--symbolic")
    assert code == 0 and "the leaky RNN of lecture 7" in md and "Lecture 7, eq. (3)" in md


def test_bptt_r_config_cell_and_bptt_cell(course, capsys):
    code, out, err = run_cli(capsys, "bptt", "-r", "min-gate", "--format", "json")
    assert code == 0 and err == "" and json.loads(out)["verified"]
    code, md, _ = run_cli(capsys, "bptt", "-r", "leaky")
    assert code == 0 and "BPTT through the leaky RNN of lecture 7" in md and "derive -r leaky" in md
    (course / "cell.txt").write_text(f"# the leaky cell\n{LEAKY}\n", encoding="utf-8")
    code, typed, _ = run_cli(capsys, "bptt", "--cell-file", "cell.txt")
    assert code == 0 and "derive --cell …" in typed
    code, same, _ = run_cli(capsys, "bptt", "--cell", LEAKY)
    assert code == 0 and same == typed
    # The same statements for the config cell and the typed one, whatever their names.
    strip = lambda text: text.split("## The one-step Jacobian", 1)[1].split("\n", 3)[3]  # noqa: E731
    assert strip(md) == strip(typed)


def test_pyproject_and_config_option(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "notes"\n\n[tool.symbptt.cells.leaky]\n'
        f'equations = ["{LEAKY}"]\n', encoding="utf-8")
    other = tmp_path / "elsewhere.toml"
    other.write_text('[cells.mine]\nequations = ["h_t = relu(W h_{t-1} + U x_t + b)"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cell("leaky").title == "the cell leaky of pyproject.toml"
    code, out, _ = run_cli(capsys, "derive", "-r", "leaky", "--symbolic", "--format", "json")
    assert code == 0 and json.loads(out)["cell"]["key"] == "leaky"
    code, out, _ = run_cli(capsys, "derive", "-r", "mine", "--config", str(other), "--format", "json")
    assert code == 0 and json.loads(out)["verified"]
    code, _, err = run_cli(capsys, "derive", "-r", "leaky", "--no-config")
    assert code == 2 and "no config file with [cells.NAME]" in err


def test_embedded_result_finds_config_cells_from_its_start(course, tmp_path_factory, monkeypatch):
    from symbptt.cli import parse_embedded, result

    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    args = parse_embedded(["derive", "-r", "leaky", "--symbolic"])
    derivation, _ = result(args, notation_start=course)
    assert derivation.cell.key == "leaky"


BAD = [
    ('[cells.broken]\nequations = ["h_t = tanh(W h_{t-1} + b)", "x"]\n', "broken",
     "symbptt.toml: [cells.broken]: equation 2: write one '='"),
    ('[cells.broken]\nequations = ["h_t = tanh(W x_t + b)"]\n', "broken",
     "[cells.broken]: no equation uses a previous state"),
    ('[cells.gru]\nequations = ["h_t = tanh(W h_{t-1})"]\n', "gru",
     "[cells.gru] has the name of the library cell gru"),
    ('[cells.elman]\nequations = ["h_t = tanh(W h_{t-1})"]\n', "leaky",
     "[cells.elman] has the name of the recurrence form elman"),
    ('[cells.Leaky]\nequations = ["h_t = tanh(W h_{t-1})"]\n', "Leaky", "a cell's name is a lower-case word"),
    ('[cells.leaky]\nequations = "h_t = tanh(W h_{t-1})"\ntau = 3\n', "leaky", "unknown key 'tau'"),
    ('[cells.leaky]\nequations = [1, 2]\n', "leaky", "equations must be a list of strings"),
    ('[cells.leaky]\nequations = []\n', "leaky", "equations must be a list of strings"),
    ('[cells.leaky]\nequations = ["h_t = tanh(W h_{t-1})"]\ntitle = "two\\nlines"\n', "leaky",
     "title must be one line of printable text"),
    ('[cells.leaky]\nequations = ["h_t = tanh(W h_{t-1})\\n+ b"]\n', "leaky",
     "equation 1 must be one line of printable text"),
    ('cells = 3\n', "leaky", "cells must be a table of cells"),
    ('[cells]\nleaky = "h_t = tanh(W h_{t-1})"\n', "leaky", "cells.leaky must be a table"),
    ('[cells.leaky]\nequations = ["h_t = tanh(W h_{t-1} + U x_t + b)"]\n', "nope",
     "unknown recurrence 'nope' for -r: the forms are pascanu, elman, row, row-elman; the library "
     "cells gru, gru-torch, gru-chung, lstm, lstm-peephole; the cells of"),
    ('[cells.leaky]\nequations = ["h_t = h_{t-1} ** 99999"]\n', "leaky", "[cells.leaky]"),
    ('[cells.leaky]\nequations = ["h_t = tanh(W h_{t-1})", "c_t = tanh(W h_{t-1} +)"]\n', "leaky",
     "symbptt.toml: [cells.leaky]: equation 2: unexpected ')' at position 17"),
]


@pytest.mark.parametrize("command", ["derive", "bptt"])
@pytest.mark.parametrize("toml, name, message", BAD)
def test_bad_config_cells_are_one_line_exit_2(tmp_path, monkeypatch, capsys, command, toml, name, message):
    (tmp_path / "symbptt.toml").write_text(toml, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, command, "-r", name, "-o", "report.md")
    assert code == 2 and out == "", err
    assert message in err and err.startswith("symbptt: error: ") and len(err.splitlines()) == 1, err
    assert "Traceback" not in err and not (tmp_path / "report.md").exists()


def test_unknown_name_lists_the_config_cells(course, capsys):
    code, out, err = run_cli(capsys, "derive", "-r", "leaky-2")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.rstrip().endswith("symbptt.toml: leaky, min-gate")


@pytest.mark.parametrize("argv, message", [
    (["--cell", "h_t = tanh(W h_{t-1})", "-r", "elman"], "leave out --recurrence"),
    (["--cell", "h_t = tanh(W x_t)"], "not a recurrence"),
    (["--cell", "h_t = tanh(W h_{t-1}", "--cell", "h_t = 1"], "defined twice"),
    (["--cell-file", "missing.txt"], "cannot read --cell-file missing.txt"),
    (["--cell", "h_t = tanh(W h_{t-1})", "--plot", "-o", "r.md"], "a cell, gated or typed, has no single"),
])
def test_bptt_bad_typed_cell_is_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "bptt", *argv)
    assert code == 2 and out == "" and message in err and len(err.splitlines()) == 1, err
    assert list(tmp_path.iterdir()) == []


def test_cli_subprocess_exit_status(tmp_path):
    import subprocess
    import sys

    (tmp_path / "symbptt.toml").write_text('[cells.lstm]\nequations = ["h_t = tanh(W h_{t-1})"]\n',
                                           encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "symbptt", "derive", "-r", "lstm"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [f"symbptt: error: {tmp_path / 'symbptt.toml'}: [cells.lstm] has the "
                                       "name of the library cell lstm; -r lstm always means that one: "
                                       "rename your cell"]


def test_cell_api_errors_name_the_file_cell_and_equation(tmp_path):
    path = tmp_path / "symbptt.toml"
    path.write_text('[cells.c]\nequations = ["z_t = sigmoid(W_z x_t + b_z)", "h_t = z_t h_{t-1}"]\n',
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"symbptt.toml: \[cells.c\]: equation 2: two vectors side by side"):
        cell("c", start=tmp_path)


def test_undecodable_cell_text_is_one_line(capsys):
    for argv in (["derive", "--cell", "h_t = \udcff"], ["bptt", "-r", "le\udcffaky"]):
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and out == "" and "is not valid UTF-8" in err and len(err.splitlines()) == 1


def test_lint_and_notation_ignore_the_cells_table(course, capsys):
    (course / "notes.md").write_text("$$\\frac{\\partial h_t}{\\partial h_{t-1}} = W^T diag(f'(h_{t-1}))$$\n",
                                     encoding="utf-8")
    code, out, err = run_cli(capsys, "lint", "notes.md")
    assert code in (0, 1) and "error: " not in err
    code, out, _ = run_cli(capsys, "derive", "--symbolic", "--format", "json")
    assert code == 0 and json.loads(out)["verified"]
