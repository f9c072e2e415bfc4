"""Config files, names and the API fail as documented: one line, exit status 2, InputError."""

from __future__ import annotations

import pytest

import symbptt
from symbptt.activations import ACTIVATIONS
from symbptt.errors import InputError

from .conftest import run_cli as run


def one_line(code, err, status, message):
    assert code == status and err.count("\n") == 1 and message in err and "Traceback" not in err


# Config files

@pytest.mark.parametrize("content, message", [
    ("[tool]\nsymbptt = 1\n", "[tool.symbptt] must be a table of settings, got 1"),
    ('tool = "symbptt"\n', "tool must be a table ([tool.symbptt]), got 'symbptt'"),
    ('[tool.symbptt]\nstate = "h\\n"\n', "state must be one line of printable text"),
    ("a = " + "[" * 3000 + "]" * 3000 + "  # symbptt\n", "nested too deeply"),
])
def test_bad_pyproject_is_one_line(capsys, tmp_path, monkeypatch, content, message):
    (tmp_path / "pyproject.toml").write_text(content)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "derive")
    one_line(code, err, 2, message)
    code, out, err = run(capsys, "derive", "--config", "pyproject.toml")
    one_line(code, err, 2, message)


# Names and the API

@pytest.mark.parametrize("argv, message", [
    (["check", "W", "--recurrent", "A\n"], "'A\\n' is not a name"),
    (["check", "W", "--define", "D\n=W"], "'D\\n' is not a name"),
    (["derive", "-N", "state=h\n"], "--notation state must be one line"),
])
def test_trailing_newline_is_not_a_name(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    one_line(code, err, 2, message)


def test_unknown_activation_is_an_input_error_everywhere():
    from symbptt.check import check
    for call in (lambda: check("W", activation="bogus"), lambda: symbptt.derive("bogus"),
                 lambda: ACTIVATIONS["bogus"]):
        with pytest.raises(InputError, match="unknown activation 'bogus'; choose one of: sigma, tanh"):
            call()
    assert "bogus" not in ACTIVATIONS and ACTIVATIONS.get("bogus") is None
