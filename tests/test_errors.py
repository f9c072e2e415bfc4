"""One error boundary: every failure is one line on stderr with its exit status, never a traceback
(except an internal error under --debug); templates, configs and the API fail the same way."""

from __future__ import annotations

import subprocess
import sys

import pytest

import symbptt
import symbptt.cli
from symbptt.activations import ACTIVATIONS
from symbptt.errors import InputError

from .conftest import run_cli as run


def one_line(code, err, status, message):
    assert code == status and err.count("\n") == 1 and message in err and "Traceback" not in err


def failing_derive(monkeypatch, exc):
    def derive(*args, **kwargs):
        raise exc
    monkeypatch.setattr(symbptt.cli, "derive", derive)


def test_interrupt_is_130_and_one_line(capsys, monkeypatch):
    failing_derive(monkeypatch, KeyboardInterrupt())
    code, out, err = run(capsys, "derive")
    assert code == 130 and err == "symbptt: interrupted\n"


def test_os_error_is_one_line_exit_2(capsys, monkeypatch):
    failing_derive(monkeypatch, PermissionError(13, "Permission denied", "/some/file"))
    code, out, err = run(capsys, "derive")
    one_line(code, err, 2, "symbptt: error: /some/file: Permission denied")


def test_unexpected_exception_asks_for_a_bug_report(capsys, monkeypatch):
    failing_derive(monkeypatch, ValueError("boom\nsecond line"))
    code, out, err = run(capsys, "derive")
    one_line(code, err, 70, "internal error (ValueError: boom second line)")
    assert "bug" in err and "--debug" in err and out == ""
    for argv in (["--debug", "derive"], ["derive", "--debug"]):
        code, out, err = run(capsys, *argv)
        assert code == 70 and "Traceback" in err and "ValueError: boom" in err
    monkeypatch.setenv("SYMBPTT_DEBUG", "1")
    code, out, err = run(capsys, "derive")
    assert code == 70 and "Traceback" in err


@pytest.mark.parametrize("command", [["derive"], ["check", "W"], ["activations"]])
def test_broken_pipe_is_quiet(command):
    """The reader of stdout went away: no message, no traceback, the status of SIGPIPE (for a
    report larger and smaller than the stream's buffer, and for print())."""
    with subprocess.Popen([sys.executable, "-m", "symbptt", *command],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        process.stdout.close()
        err = process.stderr.read()
        assert process.wait() == 141 and err == b""


def test_closed_stdout_is_one_line():
    run_ = subprocess.run(["bash", "-c", f"'{sys.executable}' -m symbptt derive >&-"],
                          capture_output=True, text=True)
    assert run_.returncode == 2
    assert run_.stderr == "symbptt: error: standard output is closed; write the report with -o PATH\n"


def test_text_that_is_not_utf8_is_refused_and_nothing_written(capsys, tmp_path):
    # Undecodable bytes in argv arrive as lone surrogates; the grammar accepts this formula.
    formula = "\\prod_{t \\ge i > k\udcff} W"
    code, out, err = run(capsys, "check", formula, "-o", str(tmp_path / "c.md"))
    one_line(code, err, 2, "formula is not valid UTF-8 text: '\\\\prod_{t \\\\ge i > k\\udcff} W'")
    assert list(tmp_path.iterdir()) == []


# Templates from --template-dir

@pytest.mark.parametrize("body, line, message", [
    ("ok\n((( no_such_name )))\n", 2, "UndefinedError: 'no_such_name' is undefined"),
    ("((* if *))\n", 1, "TemplateSyntaxError: Expected an expression"),
    ("x\n((# never closed", 2, "TemplateSyntaxError: Missing end of comment tag"),  # no file name from Jinja
    ("a\nb\n((* include 'missing.j2' *))\n", 3, "template not found: missing.j2"),
    ("((( 1 // 0 )))", 1, "ZeroDivisionError"),
    ("((( activation.name.upper(1, 2) )))", 1, "TypeError"),
])
def test_template_errors_name_the_file_and_line(capsys, tmp_path, body, line, message):
    (tmp_path / "report.md.j2").write_text(body)
    code, out, err = run(capsys, "derive", "--template-dir", str(tmp_path))
    one_line(code, err, 2, f"{tmp_path / 'report.md.j2'}, line {line}: {message}")


def test_template_that_is_not_utf8(capsys, tmp_path):
    (tmp_path / "check.txt.j2").write_bytes(b"caf\xe9")
    code, out, err = run(capsys, "check", "W", "--template-dir", str(tmp_path))
    one_line(code, err, 2, "template 'check.txt.j2' in")
    assert "is not UTF-8 text (byte 3)" in err


def test_template_error_in_a_built_in_template_stays_a_bug(tmp_path):
    """Only the user's own templates are the user's error: the built-in ones are tested."""
    import jinja2
    from symbptt.render import environment, get_format
    (tmp_path / "unused.j2").write_text("")
    env = environment(get_format("markdown"), tmp_path)
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("((( nothing )))").render()


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
