"""Fuzzing the CLI's argument space (`derive`, `bptt`): whatever the options, notation, config
file and output path, the exit status is 0, 1 or 2, stderr never holds a traceback, an error is
one line, and nothing is written on an error.

The engine is memoized here (its results are tested elsewhere): the budget goes to the
argument space, a few seconds in all. CI derandomizes hypothesis (conftest's profile).
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import symbptt.bptt
import symbptt.cli
from symbptt.activations import ACTIVATIONS
from symbptt.config import KEYS

from .conftest import run_cli


@pytest.fixture(scope="module", autouse=True)
def memoized_engine():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(symbptt.cli, "derive", functools.lru_cache(symbptt.cli.derive))
        patch.setattr(symbptt.bptt, "bptt", functools.lru_cache(symbptt.bptt.bptt))
        yield


FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Notation items: a known key with any text, or any text at all.
NOTATION = st.one_of(
    st.builds("{}={}".format, st.sampled_from(sorted(KEYS)), st.text(max_size=12)),
    st.sampled_from(["state=h", "weight=W_hh", "bold=false", "transpose=T", "time=i", "diag=Diag"]),
    st.text(max_size=16),
)

#: Config files: any text, or settings with any value.
CONFIG = st.one_of(
    st.text(max_size=60),
    st.builds('{} = "{}"\n'.format, st.sampled_from(sorted(KEYS)), st.text(max_size=10)),
    st.sampled_from(['state = "h"\n', "bold = false\n", "tool = 1\n", "[x]\ny=[[[1]]]\n"]),
)

#: Where -o points, relative to a fresh folder: names, a bad suffix, a folder, a missing
#: folder, a name at the 255-byte limit, standard output.
OUTPUTS = st.sampled_from([None, "out.md", "out.tex", "out.json", "out.txt", "folder.md",
                           "missing/out.md", "x" * 252 + ".md", "out"])


def options(draw, argv, name, values):
    if draw(st.booleans()):
        argv += [name, draw(st.sampled_from(values))]


@st.composite
def derive_argv(draw):
    argv = ["derive"]
    options(draw, argv, "-a", list(ACTIVATIONS) + ["bogus", ""])
    options(draw, argv, "-r", ["pascanu", "elman", "row", "lstm2"])
    options(draw, argv, "-n", ["-1", "0", "1", "2", "3", "two", "1e3"])
    options(draw, argv, "-m", ["0", "1", "4"])
    options(draw, argv, "-l", ["numerator", "denominator", "both", "diagonal"])
    options(draw, argv, "-f", ["markdown", "latex", "latex-fragment", "json", "html"])
    if draw(st.booleans()):
        argv.append("--symbolic")
    return argv


@st.composite
def bptt_argv(draw):
    argv = ["bptt"]
    # Few activations and forms: each new pair costs the engine a second or more.
    options(draw, argv, "-a", ["identity", "relu", "sigma", "bogus"])
    options(draw, argv, "-r", ["pascanu", "row", "gru-keras"])
    options(draw, argv, "-f", ["markdown", "latex", "latex-fragment", "json", "text"])
    return argv


def run_fuzzed(capsys, argv, notation, config, output):
    """Run argv with the fuzzed notation, config and output in a fresh folder; check the
    promises; return the exit status."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "folder.md").mkdir()
        argv = list(argv)
        for item in notation:
            argv += ["-N", item]
        if config is None:
            argv.append("--no-config")
        else:
            name, text = config
            (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
            argv += ["--config", str(folder / name)]
        if output is not None:
            argv += ["-o", str(folder / output)]
        before = sorted(os.listdir(folder))
        code, out, err = run_cli(capsys, *argv)
        assert code in (0, 1, 2), err
        assert "Traceback" not in err
        if code == 0:
            assert err == "" and (output is None or out == "")
            if output is not None:
                assert (folder / output).is_file()
        else:
            assert err.count("\n") == 1 and err.startswith("symbptt") and out == ""
            assert sorted(os.listdir(folder)) == before, "written on error"
        return code


CONFIGS = st.none() | st.tuples(st.sampled_from(["symbptt.toml", "pyproject.toml"]), CONFIG)


@FUZZ
@given(argv=derive_argv(), notation=st.lists(NOTATION, max_size=3), config=CONFIGS, output=OUTPUTS)
# Inputs that once gave tracebacks, always tried:
@example(argv=["derive"], notation=[], config=("pyproject.toml", "tool = 1\n"), output=None)
@example(argv=["derive"], notation=[], config=("pyproject.toml", "[tool]\nsymbptt = 1\n"), output=None)
@example(argv=["derive"], notation=[], config=("symbptt.toml", "a = " + "[" * 3000 + "]" * 3000),
         output="out.md")
def test_fuzz_derive(capsys, argv, notation, config, output):
    run_fuzzed(capsys, argv, notation, config, output)


@settings(FUZZ, max_examples=20)
@given(argv=bptt_argv(), notation=st.lists(NOTATION, max_size=2), config=CONFIGS, output=OUTPUTS)
def test_fuzz_bptt(capsys, argv, notation, config, output):
    run_fuzzed(capsys, argv, notation, config, output)


def test_fuzz_checks_can_fail(capsys, monkeypatch):
    """The promises checked above do fail on a traceback-like crash and on a stray file."""
    def crash(*args, **kwargs):
        raise RuntimeError("crash")
    monkeypatch.setattr(symbptt.cli, "derive", crash)
    with pytest.raises(AssertionError):
        run_fuzzed(capsys, ["derive"], [], None, None)


#: Pieces of templates, valid and not: a --template-dir template is the user's code.
TEMPLATE_PIECES = st.sampled_from([
    "(((", ")))", "((*", "*))", "((#", "#))", " ", "\n", "x", "activation", ".name", ".nothing",
    "|upper", "|rendered", "|length", "(", ")", "[0]", "1", "0", "/", "//", "~", '"s"', "if ",
    "endif", "for r in routes", "endfor", "include 'missing.j2'", "include 'macros.md.j2'",
    "import 'macros.md.j2' as m", "m.", "set y = ", "macro f()", "endmacro", "f()", "layouts",
    "extends 'report.md.j2'", "block b", "endblock", "raise", "undefined_name", "{", "}",
])


@FUZZ
@given(pieces=st.lists(TEMPLATE_PIECES, max_size=12), output=st.sampled_from([None, "out.md"]))
@example(pieces=["((*", "include 'report.md.j2'", "*))"], output="out.md")  # includes itself
@example(pieces=["(((", "1", "//", "0", ")))"], output=None)
@example(pieces=["((#", "((("], output=None)  # a lexer error without a file name
def test_fuzz_template(capsys, pieces, output):
    with tempfile.TemporaryDirectory() as templates:
        Path(templates, "report.md.j2").write_text("".join(pieces))
        run_fuzzed(capsys, ["derive", "--template-dir", templates], [], None, output)
