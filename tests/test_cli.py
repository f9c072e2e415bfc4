"""The command line, driven in-process: exit codes, output, one-line errors, atomic writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


from .conftest import run_cli


run = run_cli


def test_default_derive_prints_markdown_with_both_layouts(capsys):
    code, out, err = run(capsys, "derive")
    assert code == 0 and err == ""
    assert out.startswith("# The one-step Jacobian")
    assert "in numerator layout" in out and "in denominator layout" in out


@pytest.mark.parametrize("suffix, check", [
    (".md", lambda t: t.startswith("# ")),
    (".tex", lambda t: t.startswith(r"\documentclass")),
    (".json", lambda t: json.loads(t)["verified"] is True),
])
def test_output_format_inferred_from_suffix(capsys, tmp_path, suffix, check):
    path = tmp_path / f"out{suffix}"
    code, out, err = run(capsys, "derive", "-a", "tanh", "-o", str(path))
    assert code == 0 and out == "" and err == ""
    assert check(path.read_text())
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


@pytest.mark.parametrize("argv, message", [
    (["derive", "--dim", "0"], "--dim must be a whole number from 1 to 1024, got 0"),
    (["derive", "--dim", "two"], "invalid int value: 'two'"),
    (["derive", "--activation", "softplus"], "invalid choice: 'softplus'"),
    (["derive", "--layout", "diagonal"], "invalid choice: 'diagonal'"),
    (["derive", "--format", "html"], "invalid choice: 'html'"),
    (["derive", "-o", "proof.txt"], "cannot tell the format from 'proof.txt'"),
    (["derive", "--pdf"], "--pdf needs --format latex and -o FILE.tex"),
    (["derive", "--inputs", "0"], "inputs must be a whole number from 1"),
    (["derive", "--template-dir", "/no/such/folder"], "is not a folder"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_unwritable_path_writes_nothing_and_keeps_old_file(capsys, tmp_path):
    code, out, err = run(capsys, "derive", "-o", str(tmp_path / "missing" / "x.md"))
    assert code == 2 and "is not an existing folder" in err and err.count("\n") == 1
    (tmp_path / "file").write_text("")
    code, out, err = run(capsys, "derive", "-o", str(tmp_path / "file" / "x.md"))
    assert code == 2 and "is not an existing folder" in err
    code, out, err = run(capsys, "derive", "-o", "/proc/symbptt-report.md")  # not even root writes here
    assert code == 2 and err.startswith("symbptt: error: cannot write /proc/") and err.count("\n") == 1
    locked = tmp_path / "locked"
    locked.mkdir()
    old = locked / "proof.md"
    old.write_text("old")
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permission bits
            pytest.skip("running as root: a read-only folder is still writable")
        code, out, err = run(capsys, "derive", "-o", str(old))
        assert code == 2 and "cannot write" in err
        assert old.read_text() == "old" and sorted(p.name for p in locked.iterdir()) == ["proof.md"]
    finally:
        locked.chmod(0o700)


def test_failed_derivation_leaves_existing_output_untouched(capsys, tmp_path):
    old = tmp_path / "proof.md"
    old.write_text("old")
    code, out, err = run(capsys, "derive", "--dim", "0", "-o", str(old))
    assert code == 2 and old.read_text() == "old"


def test_pdf_without_tex_is_a_clear_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = run(capsys, "derive", "--format", "latex", "--pdf", "-o", str(tmp_path / "p.tex"))
    assert code == 2 and "--pdf needs pdflatex or latexmk" in err and err.count("\n") == 1


def test_symbolic_only(capsys):
    code, out, err = run(capsys, "derive", "--symbolic", "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["expansion"] is None and data["verified"]


def test_activations_lists_the_table(capsys):
    code, out, err = run(capsys, "activations")
    assert code == 0 and "sigmoid" in out and "1/4" in out


def test_help_shows_examples(capsys):
    code, out, err = run(capsys, "derive", "--help")
    assert code == 0 and "examples:" in out and "--pdf" in out


def test_default_derive_stays_off_sympys_slow_paths(tmp_path):
    """What keeps start-up near `import sympy` (docs/speed.md), checked by what gets imported:
    simplify/solve load sympy.physics, refine and MatMul.doit the assumptions system (satask),
    and tomllib is only for a config file (none in an empty folder)."""
    probe = ("import sys; from symbptt.cli import main; main(['derive']); "
             "print([m for m in ('sympy.physics', 'sympy.assumptions.satask', 'tomllib') if m in sys.modules], "
             "file=sys.stderr)")
    run_ = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert run_.returncode == 0 and run_.stdout.startswith("# The one-step Jacobian")
    assert run_.stderr == "[]\n"


def test_python_dash_m_entry_point():
    run_ = subprocess.run([sys.executable, "-m", "symbptt", "derive", "--dim", "-1"],
                          capture_output=True, text=True)
    assert run_.returncode == 2 and run_.stdout == ""
    assert run_.stderr == "symbptt: error: --dim must be a whole number from 1 to 1024, got -1\n"


def test_progress_only_on_a_terminal(capsys, monkeypatch):
    code, out, err = run(capsys, "derive", "--dim", "64", "-f", "json")
    assert code == 0 and err == ""  # stderr is not a terminal here: quiet
    import symbptt.cli as cli_module
    monkeypatch.setattr(cli_module.sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, "derive", "--dim", "64", "-f", "json")
    assert code == 0 and "verified 4,096 / 4,096 entries\n" in err and err.startswith("\rverified 64 / 4,096")
