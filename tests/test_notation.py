"""Course notes: notation settings, config files, embedding, Jupyter display."""

from __future__ import annotations

import json

import pytest

from symbptt.check import check
from symbptt.config import KEYS, find_config, notation
from symbptt.errors import InputError
from symbptt.printing import Notation
from symbptt.render import FORMATS, render, render_check

from .conftest import derivation, run_cli
from .test_tools import compile_tex, math_spans, render_with_katex, WRAPPER

COURSE = Notation(state="h", weight="W_hh", input_weight="W_xh", input="x", bias="b_h",
                  time="i", bold=False, transpose="T", diag="Diag")
MATRIX = [
    Notation(),
    COURSE,
    Notation(state="s", weight="W_rec", time="j", transpose="intercal"),
    Notation(state="eta", weight="U", bold=True, transpose="T", diag="dg"),
]


def strings(text: str, fmt: str) -> str:
    """The report's text; for JSON, every string value it holds, decoded."""
    if fmt != "json":
        return text

    def walk(v):
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            for x in v.values():
                yield from walk(x)
        elif isinstance(v, list):
            for x in v:
                yield from walk(x)
    return " ".join(walk(json.loads(text)))


cli = run_cli


@pytest.mark.parametrize("fmt", ["markdown", "latex", "latex-fragment", "json"])
def test_notation_changes_every_derive_format_consistently(fmt):
    text = strings(render(derivation("tanh"), fmt, COURSE), fmt)
    assert "W_{\\mathrm{hh}}" in text and "h_{i-1}" in text and "\\operatorname{Diag}" in text
    assert "^{T}" in text and "^{\\top}" not in text
    assert "\\mathbf{x}" not in text and "x_{t-1}" not in text and "\\mathbf{W}" not in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "latex-fragment", "json"])
def test_notation_changes_every_check_format_consistently(fmt):
    text = strings(render_check(check("W^T diag(sigma'(x))"), fmt, COURSE), fmt)
    assert "x_{t-1}" not in text and "\\mathbf{W}" not in text
    assert ("h_{i-1}" in text) and ("W_hh" in text or "W_{\\mathrm{hh}}" in text)


@pytest.mark.tools
@pytest.mark.parametrize("index", range(len(MATRIX)))
def test_every_notation_compiles_and_renders(pdflatex, katex, tmp_path, index):
    n = MATRIX[index]
    d, c = derivation("sigmoid"), check(r"W^\top \operatorname{diag}(\sigma'(x_{i-1}))")
    (tmp_path / "doc.tex").write_text(render(d, "latex", n))
    compile_tex(pdflatex, tmp_path / "doc.tex", tmp_path)
    (tmp_path / "frag.tex").write_text(render_check(c, "latex-fragment", n))
    (tmp_path / "notes.tex").write_text(WRAPPER % "frag")
    compile_tex(pdflatex, tmp_path / "notes.tex", tmp_path)
    spans = math_spans(render(d, "markdown", n)) + math_spans(render_check(c, "markdown", n))
    result = render_with_katex(katex, spans)
    assert result["errors"] == [] and result["rendered"] == len(spans) > 50


@pytest.mark.parametrize("field, value", [
    ("state", r"\input{/etc/passwd}"), ("state", "x}"), ("weight", r"W\write18{rm}"),
    ("weight", "W_{rec}"), ("bias", "b#"), ("input", "u%"), ("input_weight", "W&U"),
    ("time", "t-1"), ("time", "\\t"), ("transpose", r"^\top"), ("diag", r"\diag"),
    ("diag", "di{ag}"), ("bold", "yes"),
])
def test_hostile_names_are_refused(field, value):
    with pytest.raises(InputError):
        Notation(**{field: value})


@pytest.mark.parametrize("option", [r"state=\input{x}", "weight=W}", "time=tt", "transpose=^T",
                                    "colour=red", "state", "bold=maybe"])
def test_hostile_notation_options_exit_2(capsys, option, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "derive", "--notation", option, "-o", "out.md")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_config_is_found_from_the_current_folder_upwards(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "notes"\n[tool.symbptt]\nstate = "h"\ntranspose = "T"\n')
    sub = tmp_path / "chapter1" / "figures"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert find_config() == tmp_path / "pyproject.toml"
    n, path = notation()
    assert (n.state, n.transpose, n.weight) == ("h", "T", "W") and path == tmp_path / "pyproject.toml"
    (tmp_path / "chapter1" / "symbptt.toml").write_text('weight = "W_rec"\n')
    n, path = notation()
    assert (n.state, n.weight) == ("x", "W_rec") and path.name == "symbptt.toml"


def test_pyproject_without_our_table_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "unrelated"\n')
    monkeypatch.chdir(tmp_path)
    assert find_config() != tmp_path / "pyproject.toml" and notation()[0] == Notation()
    # Someone else's project is not ours to parse, even when it is broken ...
    (tmp_path / "pyproject.toml").write_text('[project\nname = "unrelated"\n')
    assert find_config() != tmp_path / "pyproject.toml"
    # ... but a broken one that may hold our table is an error, not silently skipped.
    (tmp_path / "pyproject.toml").write_text('[tool.symbptt\nstate = "h"\n')
    with pytest.raises(InputError, match="is not valid TOML"):
        find_config()


def test_cli_options_override_the_config_file(capsys, tmp_path, monkeypatch):
    (tmp_path / "symbptt.toml").write_text('state = "h"\nweight = "W_hh"\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "derive", "-a", "tanh", "--symbolic", "-f", "json", "-N", "weight=A")
    assert code == 0 and "\\mathbf{A}" in out and "\\mathbf{h}_{t-1}" in out and "W_{\\mathrm{hh}}" not in out
    code, out, _ = cli(capsys, "derive", "--symbolic", "-f", "json", "--no-config")
    assert code == 0 and "\\mathbf{x}_{t-1}" in out


@pytest.mark.parametrize("content, message", [
    ('colour = "red"\n', "unknown setting 'colour'"),
    ("state = 3\n", "must be a string or true/false"),
    ("state = \n", "is not valid TOML"),
    ('state = "x y"\n', "notation state must be a name"),
])
def test_bad_config_is_one_line_exit_2(capsys, tmp_path, monkeypatch, content, message):
    (tmp_path / "symbptt.toml").write_text(content)
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "derive", "--symbolic")
    assert code == 2 and message in err and err.count("\n") == 1


def test_explicit_config_file(capsys, tmp_path):
    cfg = tmp_path / "course.toml"
    cfg.write_text('state = "s"\n')
    code, out, _ = cli(capsys, "check", "W diag(sigma'(x))", "--config", str(cfg), "-f", "json")
    assert code == 0 and "s_{t-1}" in out
    code, _, err = cli(capsys, "check", "W", "--config", str(tmp_path / "missing.toml"))
    assert code == 2 and "is not a file" in err


def test_config_keys_match_notation_fields():
    # `given` records which keys the user set; it is no setting of its own
    assert set(KEYS.values()) == set(Notation.__dataclass_fields__) - {"given"}


def test_prose_specials_are_escaped_and_compile(tmp_path):
    from symbptt.render.view import View
    view = View(FORMATS["latex"], Notation())
    text = view.text(r"100% of {braces} & #hash _under \back ~tilde ^caret")
    assert text == (r"100\% of \{braces\} \& \#hash \_under \textbackslash{}back "
                    r"\textasciitilde{}tilde \textasciicircum{}caret")


@pytest.mark.tools
def test_escaped_specials_compile(pdflatex, tmp_path):
    specials = FORMATS["latex"].escape(r"100% of {braces} & #hash _under \back ~tilde ^caret <>|$")
    (tmp_path / "t.tex").write_text("\\documentclass{article}\\begin{document}%s\\end{document}\n" % specials)
    compile_tex(pdflatex, tmp_path / "t.tex", tmp_path)


def test_jupyter_display_and_conversions():
    d = derivation("tanh")
    assert d._repr_markdown_() == d.to_markdown() == render(d, "markdown")
    assert d.to_latex() == render(d, "latex-fragment") and d.to_latex(fragment=False).startswith("\\documentclass")
    assert d._repr_latex_().startswith("$$\\begin{aligned}") and d._repr_latex_().endswith("$$")
    c = check("W diag(sigma'(x))")
    assert c._repr_markdown_() == c.to_markdown() and c.to_text().startswith("claim:")
    assert "numerator: proved" in c._repr_latex_()
    assert "W_{\\mathrm{hh}}" in d.to_markdown(notation=COURSE)


@pytest.mark.tools
def test_jupyter_latex_renders_in_katex(katex):
    spans = [{"display": True, "tex": r._repr_latex_().strip("$")}
             for r in (derivation("relu"), check("W^T diag(sigma'(x))"))]
    assert render_with_katex(katex, spans)["errors"] == []


@pytest.mark.parametrize("value", ["h\n", "W_hh\n", "h\nx"])
def test_a_name_with_a_newline_is_refused_by_the_api_too(value):
    with pytest.raises(InputError):
        Notation(state=value)


def test_pre_activation_letter_is_a_notation_key():
    from symbptt.printing import plain
    from symbptt.model import Recurrence
    from symbptt.activations import ACTIVATIONS
    rec = Recurrence(ACTIVATIONS["tanh"], form="elman")
    assert plain(rec.a_t, Notation(pre_activation="z")) == "z_t" and plain(rec.a_t) == "a_t"
    assert "pre-activation" in KEYS
    with pytest.raises(InputError):
        Notation(pre_activation=r"a}\input{x")


# F5: the RNN forms' role keys must never rename a cell's input to its state, and two roles
# printed alike are refused.
import re

import pytest as _pytest


@_pytest.mark.parametrize("argv", [
    ["derive", "-r", "lstm", "-N", "state=h", "--format", "markdown"],
    ["bptt", "-r", "lstm", "-N", "input=h", "--format", "markdown"],
    ["derive", "--cell", "h_t = tanh(W h_{t-1} + U x_t + b)", "-N", "state=h", "--format", "markdown"],
])
def test_cell_reports_keep_the_cells_input_under_rnn_role_keys(capsys, argv):
    from symbptt.cli import main
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0
    assert r"\mathbf{x}_{t}" in out
    # the input's weights multiply x_t, never the current state h_t
    assert re.search(r"\\mathbf\{[WU]\}(?:_\{\w+\})? \\mathbf\{h\}_\{t\}", out) is None


def test_the_docs_notation_config_with_a_config_cell(tmp_path, monkeypatch, capsys):
    from symbptt.cli import main
    (tmp_path / "symbptt.toml").write_text(
        'state = "h"\nweight = "W_hh"\ninput-weight = "W_xh"\ninput = "x"\nbias = "b_h"\nbold = false\n'
        'transpose = "T"\n\n[cells.leaky]\n'
        'equations = ["h_t = 0.8 * h_{t-1} + 0.2 * tanh(W h_{t-1} + U x_t + b)"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "-r", "leaky",
                 "dh_t/dh_{t-1} = 0.8 I + 0.2 diag(1 - tanh^2(W h_{t-1} + U x_t + b)) W"])
    out = capsys.readouterr().out
    assert code == 0
    assert "tanh(U x_t + W h_{t-1} + b)" in out
    assert "U h_t" not in out and "W_hh" not in out and "[h_t]_3" not in out
    assert "[x_t]_3" in out


@_pytest.mark.parametrize("argv, keys", [
    (["derive", "-N", "input=x"], "notation state and input are both named 'x'"),
    (["check", "W diag(sigma'(x_{t-1}))", "-N", "state=W"], "notation state and weight are both named 'W'"),
    (["derive", "-r", "lstm", "-N", "state=h", "-N", "input=h"], "notation state and input are both named 'h'"),
    (["derive", "-N", "bias=W_in"], "notation input-weight and bias are both named 'W_in'"),
])
def test_two_roles_with_one_name_are_one_line_exit_2(capsys, argv, keys):
    from symbptt.cli import main
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and keys in err


def test_a_formulas_pre_activation_letter_taken_by_a_notation_role_is_refused(capsys):
    """-N input=z where the formula's z_t is the pre-activation: the report printed z_t as a_t
    and z as the input, with no word of it; two roles for one name are refused, unless the
    pre-activation is named too."""
    from symbptt.cli import main
    code = main(["check", "diag(tanh'(z_t)) W", "-N", "input=z"])
    out, err = capsys.readouterr()
    assert code == 2 and not out and "notation input is 'z', but the formula uses z as the pre-activation" in err
    code = main(["check", "diag(tanh'(z_t)) W", "-N", "input=z", "-N", "pre-activation=a"])
    out, err = capsys.readouterr()
    assert code == 0 and err == "" and "read as:     diag(1 - tanh(a_t)²) W" in out


def test_state_a_moves_the_default_pre_activation_but_an_explicit_one_clashes():
    """deeplearning.ai names the state a: `-N state=a` (or state = "a" in a course's config)
    was refused because the pre-activation's default is a too; the default moves to z, as it
    does for a formula whose state is a. Set explicitly to a, it is still refused."""
    assert Notation(state="a", given=frozenset({"state"})).pre_activation == "z"
    with pytest.raises(InputError, match="state and pre-activation are both named 'a'"):
        Notation(state="a", pre_activation="a", given=frozenset({"state", "pre_activation"}))
