"""`symbptt lint`: claims found in real notes and judged; formats, exit codes, bad files,
ignore comments, declarations, determinism.

The notes corpus (tests/data/notes, labelled in tests/data/notes_corpus.py) carries its own
ground truth: each claim's matrix as the source means it, against torch autograd on the
source's recurrence (the helpers of tests/test_corpus_truth.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from symbptt.cli import main
from symbptt.lint import RULES, Linter, lint_config, read_texts, scan_latex, scan_markdown, span_claims, SUFFIXES
from symbptt.config import lint_table

from .data.notes_corpus import CLAIMS, FILES, MISSED
from .test_corpus_truth import ACTIVATIONS, DTYPE, N, SEEDS, _layouts

NOTES = Path(__file__).resolve().parent / "data" / "notes"
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


@contextlib.contextmanager
def _folder(path):
    """Run in `path` (contextlib.chdir is Python 3.11+)."""
    before = os.getcwd()
    os.chdir(path or before)
    try:
        yield
    finally:
        os.chdir(before)


def run(*argv, cwd=None) -> tuple[int, str, str]:
    """`symbptt lint …` in-process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with _folder(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["lint", *map(str, argv)])
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def lint_json(*argv, cwd=None) -> list[dict]:
    code, out, err = run(*argv, "--format", "json", cwd=cwd)
    assert code in (0, 1), err
    return json.loads(out)


def found_claims(path: Path) -> list[tuple[int, int, str]]:
    """(line, column, formula) of every claim lint finds in a file."""
    kind = SUFFIXES[path.suffix]
    out = []
    for text in read_texts(path, kind):
        scan = scan_latex(text.text) if kind == "latex" else scan_markdown(text.text)
        out.extend((*text.where(c.offset), c.formula) for _, c in span_claims(text.text, scan.spans))
    return out


# --- the notes corpus ----------------------------------------------------------------


def _two_step_layouts(entry) -> frozenset:
    """The layouts in which entry.meaning, a claim over two steps, equals ∂h_t/∂h_{t-2} by
    torch autograd, on h_t = σ(W h_{t-1} + U x_t + b) (the post-activation form)."""
    import math

    import torch

    assert entry.recurrence == "post"
    act, dact = ACTIVATIONS[entry.activation]
    found = {"numerator", "denominator"}
    for seed in SEEDS:
        g = torch.Generator().manual_seed(seed)
        W = torch.randn(N, N, generator=g, dtype=DTYPE) / math.sqrt(N)
        U = torch.randn(N, 2, generator=g, dtype=DTYPE)
        xs = torch.randn(2, 2, generator=g, dtype=DTYPE)  # x_{t-1}, x_t
        h0 = 0.8 * torch.randn(N, generator=g, dtype=DTYPE)
        step = lambda h, x: act(W @ h + U @ x)
        J2 = torch.autograd.functional.jacobian(lambda h: step(step(h, xs[0]), xs[1]), h0)
        a_prev = W @ h0 + U @ xs[0]
        v = type("V", (), dict(W=W, a_prev=a_prev, a=W @ act(a_prev) + U @ xs[1], dact=dact, diag=torch.diag))
        matrix = entry.meaning(v)
        if not torch.allclose(matrix, J2, rtol=1e-9, atol=1e-12):
            found.discard("numerator")
        if not torch.allclose(matrix, J2.T, rtol=1e-9, atol=1e-12):
            found.discard("denominator")
    return frozenset(found)


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.entry.id for c in CLAIMS])
def test_notes_truth_matches_autograd(claim):
    """Each label is the source's truth, from torch autograd, not from symbptt."""
    layouts = _layouts(claim.entry) if claim.steps == 1 else _two_step_layouts(claim.entry)
    assert layouts == claim.entry.holds


def test_every_labelled_claim_found_and_nothing_else():
    for name in FILES:
        found = [(line, col) for line, col, _ in found_claims(NOTES / name)]
        labelled = sorted((c.line, c.column) for c in CLAIMS if c.file == name)
        assert sorted(found) == labelled, name


@pytest.fixture(scope="module")
def corpus_findings():
    findings = lint_json(NOTES, "--config", NOTES / "symbptt.toml")
    return {(Path(f["path"]).name, f["line"], f["column"]): f for f in findings}


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.entry.id for c in CLAIMS])
def test_notes_verdict(claim, corpus_findings):
    """Right claims give no finding; wrong ones the labelled code, at the claim's place."""
    got = corpus_findings.get((claim.file, claim.line, claim.column))
    assert (got and got["code"]) == (claim.expected or None), claim.why
    if claim.expected is None:
        assert claim.entry.holds, "a claim passes only if it holds in some layout"
    if claim.expected in ("SB101", "SB102"):
        assert claim.entry.holds != {"numerator", "denominator"}
    if claim.expected == "SB105":  # the printed order is wrong, the matrix without the gradient right
        assert claim.entry.holds and "Edited" in claim.entry.note


def test_notes_no_finding_away_from_claims(corpus_findings):
    places = {(c.file, c.line, c.column) for c in CLAIMS}
    assert set(corpus_findings) <= places


def test_corpus_figures(corpus_findings):
    """The figures the report quotes: every claim found (9 of 9), every right one passing (4),
    every wrong one found with an error (5): two in the layout the notes do not use (SB102),
    the typo'd index and the two-step product in neither layout (SB101), the gradient printed
    between the factors (SB105). None is left as information only."""
    right = [c for c in CLAIMS if c.expected is None]
    wrong = [c for c in CLAIMS if c.expected is not None]
    assert len(CLAIMS) == 9 and MISSED == ()
    assert len(right) == 4 and len(wrong) == 5
    assert all((c.file, c.line, c.column) not in corpus_findings for c in right)
    got = sorted(corpus_findings[c.file, c.line, c.column]["code"] for c in wrong)
    assert got == ["SB101", "SB101", "SB102", "SB102", "SB105"]
    assert all(corpus_findings[c.file, c.line, c.column]["severity"] == "error" for c in wrong)


def test_denominator_notes_pass_when_declared():
    """Notes in denominator layout throughout pass once they say so, and fail when they say
    numerator: the declared layout is what a Jacobian claim is judged in."""
    notebook = NOTES / "ccjjllt-day11-rnn.ipynb"
    code, out, _ = run(notebook, "--no-config", "-r", "elman", "-a", "tanh", "--layout", "denominator")
    assert (code, out) == (0, "")
    code, out, _ = run(notebook, "--no-config", "-r", "elman", "-a", "tanh", "--layout", "numerator")
    assert code == 1 and out.count("SB102") == 2
    # d2l's backward factor must be the denominator Jacobian whatever the document declares
    for layout in ("numerator", "denominator"):
        code, out, _ = run(NOTES / "d2l-en-bptt.md", "--no-config", "-r", "elman", "-a", "identity",
                           "--layout", layout)
        assert (code, out) == (0, ""), layout


def test_d2l_without_its_activation_is_wrong():
    """Without d2l's 'no activation', its W_hh^T misses σ': the claim is judged, not waved through."""
    code, out, _ = run(NOTES / "d2l-en-bptt.md", "--no-config", "-r", "elman")
    assert code == 1 and re.search(r"d2l-en-bptt\.md:347:300: SB101 ", out)


# --- claims in math ------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


WRONG_TEX = r"""\documentclass{article}
\begin{document}
% symbptt: recurrence=pascanu
The Jacobian is
\begin{equation}
  \frac{\partial \mathbf{x}_t}{\partial \mathbf{x}_{t-1}} = \mathbf{W}^\top \operatorname{diag}(\sigma'(\mathbf{x}_{t-1}))
\end{equation}
and in an align,
\begin{align}
  \frac{\partial h_t}{\partial h_{t-1}} &= \frac{\partial}{\partial h_{t-1}} \bigl(W \sigma(h_{t-1})\bigr) \\
                                        &= W \operatorname{diag}(\sigma'(h_{t-1})) \label{eq:j}
\end{align}
A cost of \$5 is no math.
\end{document}
"""


def test_latex_claims_and_positions(tmp_path):
    path = write(tmp_path, "notes.tex", WRONG_TEX)
    findings = lint_json(path, "--no-config")
    assert [(f["line"], f["column"], f["code"]) for f in findings] == [(6, 61, "SB101")]
    assert WRONG_TEX.splitlines()[5][60:].startswith(r"\mathbf{W}^\top")
    assert "row" in findings[0]["message"]  # where it would hold: the row-vector form
    # the align's continuation row is a claim too, and it is right
    assert [(line, col) for line, col, _ in found_claims(path)] == [(6, 61), (11, 44)]


def test_backward_recursions(tmp_path):
    text = "\n".join([
        "<!-- symbptt: recurrence=elman activation=tanh -->",
        r"$$\delta_{t-1} = W^\top \operatorname{diag}(1 - h_t^2)\, \delta_t$$",  # right: column gradient
        r"$$\delta_{t-1} = \operatorname{diag}(1 - h_t^2) W \delta_t$$",  # the numerator Jacobian: wrong side
        r"$$\frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_t} \operatorname{diag}(1 - h_t^2) W$$",  # row: right
        r"$$\frac{\partial L}{\partial h_{t-1}} = g_{t-1} + W^\top \delta_t$$",  # W^T alone misses σ'
        "",
    ])
    findings = lint_json(write(tmp_path, "b.md", text), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(3, "SB102"), (5, "SB101")]
    assert "column on the right" in findings[0]["message"]


def test_markdown_spans(tmp_path):
    text = "\n".join([
        "Costs $5 and $6, and `$\\frac{\\partial h_t}{\\partial h_{t-1}} = W^T$` is code.",
        "```python",
        "$$\\frac{\\partial h_t}{\\partial h_{t-1}} = W^T$$",
        "```",
        "```{math}",
        "\\frac{\\partial x_t}{\\partial x_{t-1}} = W^T \\operatorname{diag}(\\sigma'(x_{t-1}))",
        "```",
        "Inline {math}`\\frac{\\partial x_t}{\\partial x_{t-1}} = W \\operatorname{diag}(\\sigma'(x_{t-1}))` ok.",
        "\\[ \\frac{\\partial x_t}{\\partial x_{t-1}} = W^T \\]",
        "",
    ])
    path = write(tmp_path, "m.qmd", text)
    assert [(line, col) for line, col, _ in found_claims(path)] == [(6, 41), (8, 55), (9, 44)]


# --- formats and exit codes ----------------------------------------------------------


@pytest.fixture
def mixed(tmp_path) -> Path:
    write(tmp_path, "a.tex", WRONG_TEX)
    write(tmp_path, "b.md", "Unreadable: $$\\frac{\\partial h_t}{\\partial h_{t-1}} = W \\sqrt{2}$$\n")
    return tmp_path


def test_concise_format_and_exit(mixed):
    code, out, err = run(mixed, "--no-config", cwd=mixed)
    assert code == 1
    assert out.splitlines()[0].startswith(str(mixed / "a.tex") + ":6:61: SB101 ")
    assert re.fullmatch(r".*b\.md:1:\d+: SB201 not judged: .*", out.splitlines()[1])
    assert "3 claims in 2 files" in err and "1 error" in err


def test_info_only_exits_zero(mixed):
    code, out, _ = run(mixed / "b.md", "--no-config")
    assert code == 0 and "SB201" in out


def test_json_format(mixed):
    findings = lint_json(mixed, "--no-config")
    assert [f["code"] for f in findings] == ["SB101", "SB201"]
    for f in findings:
        assert {"path", "line", "column", "code", "severity", "message"} <= set(f)
        assert f["severity"] == RULES[f["code"]].severity
        assert isinstance(f["line"], int) and isinstance(f["column"], int)


def test_github_format(mixed):
    code, out, _ = run(mixed / "a.tex", "--no-config", "--format", "github")
    line = out.strip()
    assert code == 1 and "\n" not in line
    assert re.fullmatch(r"::error file=[^,]*a\.tex,line=6,col=61,title=SB101::.+", line)


def test_github_escapes_newlines_in_proofs(mixed):
    _, out, _ = run(mixed / "a.tex", "--no-config", "--format", "github", "--show-proof")
    assert len(out.strip().splitlines()) == 1 and "%0A" in out


def test_sarif_validates_against_schema(mixed):
    import jsonschema  # a test dependency: never skipped
    code, out, _ = run(mixed, "--no-config", "--format", "sarif")
    log = json.loads(out)
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    run_ = log["runs"][0]
    assert log["version"] == "2.1.0" and code == 1
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    assert rules == sorted(RULES)
    first = run_["results"][0]
    assert first["ruleId"] == "SB101" and rules[first["ruleIndex"]] == "SB101" and first["level"] == "error"
    region = first["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (6, 61)
    assert run_["results"][1]["level"] == "note"


def test_show_proof_adds_the_report(mixed):
    _, plain, _ = run(mixed / "a.tex", "--no-config")
    _, proof, _ = run(mixed / "a.tex", "--no-config", "--show-proof")
    assert proof.startswith(plain.splitlines()[0]) and "counterexample" in proof.lower()
    assert len(proof.splitlines()) > 5 and all(l.startswith("    ") or not l for l in proof.splitlines()[1:])


@pytest.mark.parametrize("argv, says", [
    (["missing.md"], "no such file"),
    (["notes.docx"], "cannot tell its kind"),
    (["--layout", "sideways", "x.md"], "invalid choice"),
])
def test_bad_usage_exits_2(tmp_path, argv, says):
    (tmp_path / "notes.docx").write_bytes(b"x")
    (tmp_path / "ok.md").write_text("$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W^T$$\n", encoding="utf-8")
    code, out, err = run(*argv, "ok.md", cwd=tmp_path)
    assert code == 2 and out == "" and says in err and len(err.strip().splitlines()) == 1


def test_bad_config_exits_2(tmp_path):
    write(tmp_path, "symbptt.toml", '[lint]\nlayout = "sideways"\n')
    write(tmp_path, "ok.md", "nothing\n")
    code, out, err = run("ok.md", cwd=tmp_path)
    assert code == 2 and out == "" and "layout must be one of numerator, denominator" in err


# --- bad files -----------------------------------------------------------------------


def test_bad_files_are_findings_and_others_still_linted(tmp_path):
    (tmp_path / "a-binary.md").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "b-latin1.tex").write_bytes("ok\nd\xe9j\xe0 vu\n".encode("latin-1"))
    write(tmp_path, "c-broken.ipynb", '{"cells": [\n  {"cell_type": "markdown", "source": ["x"]\n')
    write(tmp_path, "d-not-notebook.ipynb", '{"hello": 1}')
    write(tmp_path, "e-open.tex", "fine $x$ then $\\frac{\\partial h_t}{\\partial h_{t-1}} = W\n\n")
    write(tmp_path, "f-good.tex", WRONG_TEX)
    findings = lint_json(tmp_path, "--no-config")
    got = [(Path(f["path"]).name, f["line"], f["column"], f["code"]) for f in findings]
    assert got == [
        ("a-binary.md", 1, 1, "SB301"),
        ("b-latin1.tex", 2, 2, "SB301"),
        ("c-broken.ipynb", 3, 1, "SB301"),
        ("d-not-notebook.ipynb", 1, 1, "SB301"),
        ("e-open.tex", 1, 15, "SB302"),
        ("f-good.tex", 6, 61, "SB101"),
    ]
    assert "not valid UTF-8" in findings[1]["message"] and "not JSON" in findings[2]["message"]


def test_notebook_positions_are_in_the_file(tmp_path):
    cell = ["Intro with an escaped \"quote\" and é\n", "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W^T \\operatorname{diag}(\\sigma'(x_{t-1}))$$\n"]
    notebook = {"cells": [{"cell_type": "code", "source": ["$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W$$"],
                           "metadata": {}, "outputs": [], "execution_count": None},
                          {"cell_type": "markdown", "metadata": {}, "source": cell}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    raw = json.dumps(notebook, indent=1, ensure_ascii=False)
    path = write(tmp_path, "n.ipynb", raw)
    (finding,) = lint_json(path, "--no-config")
    line = raw.splitlines()[finding["line"] - 1]
    assert line[finding["column"] - 1:].startswith("W^T \\\\operatorname")  # the file's own escapes


def test_nothing_is_evaluated(tmp_path, monkeypatch):
    import os
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    text = "$$\\frac{\\partial h_t}{\\partial h_{t-1}} = __import__('os').system('touch pwned')$$\n"
    findings = lint_json(write(tmp_path, "evil.md", text), "--no-config")
    assert [f["code"] for f in findings] == ["SB201"] and not calls
    assert not (tmp_path / "pwned").exists()


# --- comments and configuration ------------------------------------------------------


def test_ignore_comments(tmp_path):
    wrong = "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W^T \\operatorname{diag}(\\sigma'(x_{t-1}))$$"
    text = "\n".join([
        "<!-- symbptt: ignore[SB101] -->", wrong,                 # the next formula
        wrong + " <!-- symbptt: ignore -->",                      # its own line
        "<!-- symbptt: ignore[SB104] -->", wrong,                 # another code: still reported
        wrong,                                                    # nothing: reported
        "<!-- symbptt: ignore[SB999] -->",                        # unknown code
        "",
    ])
    findings = lint_json(write(tmp_path, "i.md", text), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(5, "SB101"), (6, "SB101"), (7, "SB303")]


def test_ignore_comment_with_a_remark(tmp_path):
    """docs/lint.md's own example: a remark after ` -- ` says why, and the ignore still applies.
    Truth: in the Pascanu form x_t = W σ(x_{t-1}) + …, J = W diag(σ'(x_{t-1})) in numerator layout
    and diag(σ'(x_{t-1})) W^T in denominator, so W^T diag(σ'(x_{t-1})) is neither (SB101)."""
    wrong = "\\begin{equation} \\frac{\\partial x_t}{\\partial x_{t-1}} = W^\\top \\operatorname{diag}(\\sigma'(x_{t-1})) \\end{equation}"
    text = "\n".join([
        "% symbptt: recurrence=pascanu layout=numerator",
        "% symbptt: ignore[SB101]   -- the next equation shows a classic mistake on purpose", wrong,
        wrong,                                                           # not ignored: reported
        "% symbptt: layout=numerator -- a remark after a declaration", wrong,
        "% symbptt: ignore[SB999] -- an unknown code is still bad",
        ""])
    findings = lint_json(write(tmp_path, "ign.tex", text), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(4, "SB101"), (6, "SB101"), (7, "SB303")]
    md = "\n".join(["<!-- symbptt: ignore[SB101] -- on purpose -->",
                    "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W^T \\operatorname{diag}(\\sigma'(x_{t-1}))$$", ""])
    assert lint_json(write(tmp_path, "ign.md", md), "--no-config") == []


def test_inline_declarations_override_config(tmp_path):
    write(tmp_path, "symbptt.toml", '[lint]\nrecurrence = "pascanu"\n\n[lint.paths."rows/"]\nrecurrence = "row"\n')
    claim = "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W^T \\operatorname{diag}(\\sigma'(x_{t-1}))$$\n"
    write(tmp_path, "plain.md", claim)
    (tmp_path / "rows").mkdir()
    write(tmp_path, "rows/r.md", claim)
    write(tmp_path, "rows/back.md", "<!-- symbptt: recurrence=pascanu -->\n" + claim)
    findings = lint_json(".", cwd=tmp_path)
    assert [(f["path"], f["code"]) for f in findings] == [
        ("plain.md", "SB101"), (str(Path("rows/back.md")), "SB101")]


def test_layout_from_pyproject(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.symbptt.lint]\nlayout = "numerator"\nrecurrence = "pascanu"\n')
    write(tmp_path, "n.md", "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = \\operatorname{diag}(\\sigma'(x_{t-1})) W^T$$\n")
    (finding,) = lint_json("n.md", cwd=tmp_path)
    assert finding["code"] == "SB102" and "declares numerator layout" in finding["message"]
    assert lint_config(lint_table(tmp_path / "pyproject.toml"), tmp_path / "pyproject.toml").default.layout == "numerator"


def test_mixed_layouts_without_declaration(tmp_path):
    text = "\n".join([
        "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W \\operatorname{diag}(\\sigma'(x_{t-1}))$$",
        "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = \\operatorname{diag}(\\sigma'(x_{t-1})) W^T$$",
        "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W \\operatorname{diag}(\\sigma'(x_{t-1}))$$", ""])
    findings = lint_json(write(tmp_path, "m.md", text), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(2, "SB104")]
    assert "line 1 is in numerator layout" in findings[0]["message"]


def test_bad_directive(tmp_path):
    text = "% symbptt: recurrence=transformer\n$\\frac{\\partial x_t}{\\partial x_{t-1}} = W$\n"
    findings = lint_json(write(tmp_path, "d.tex", text), "--no-config")
    assert findings[0]["code"] == "SB303" and "recurrence must be one of" in findings[0]["message"]


# --- determinism ---------------------------------------------------------------------


def test_same_output_twice_and_sorted_walk(tmp_path):
    shutil.copytree(NOTES, tmp_path / "notes")
    (tmp_path / "notes" / ".hidden").mkdir()
    (tmp_path / "notes" / "_build").mkdir()
    for folder in (".hidden", "_build"):
        write(tmp_path / "notes" / folder, "x.md", WRONG_TEX.replace("\\begin{document}", ""))
    first = run("notes", "--config", "notes/symbptt.toml", cwd=tmp_path)
    second = run("notes", "--config", "notes/symbptt.toml", cwd=tmp_path)
    assert first == second and first[0] == 1
    paths = [line.split(":")[0] for line in first[1].splitlines()]
    assert paths == sorted(paths) and not any(("hidden" in p or "_build" in p) for p in paths)
    assert "9 claims in 7 files" in first[2]


def test_linter_memoises_repeated_formulas(tmp_path):
    claim = "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W \\operatorname{diag}(\\sigma'(x_{t-1}))$$\n"
    path = write(tmp_path, "r.md", claim * 5)
    linter = Linter()
    report = linter.lint_paths([str(path)])
    assert report.claims == 5 and report.judged == 5 and len(linter._judged) == 1


def test_pre_commit_hook_matches_the_suffixes_lint_reads():
    hook = (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert re.search(r"^  entry: symbptt lint$", hook, re.M) and re.search(r"^- id: symbptt-lint$", hook, re.M)
    files = re.compile(re.search(r"^  files: (.+)$", hook, re.M).group(1))
    assert all(files.search(f"notes/ch1{suffix}") for suffix in SUFFIXES)
    assert not files.search("notes/figure.png")


def test_bench_quick_runs_and_prints_its_table():
    """bench/bench_lint.py still runs (its figures are read by people, never asserted)."""
    import subprocess
    import sys
    bench = Path(__file__).resolve().parent.parent / "bench" / "bench_lint.py"
    run_ = subprocess.run([sys.executable, str(bench), "--quick"], capture_output=True, text=True, timeout=600)
    assert run_.returncode == 0, run_.stderr
    rows = [line.split("  ")[0] for line in run_.stdout.splitlines()[2:]]
    assert rows == ["start-up (python + import symbptt)", "chapter 19.5 kB, 1 claim(s), cold",
                    "the same chapter again, engine warm", "10 distinct claims, one process",
                    "one claim 400 times, 0.1 MB", "one `symbptt check` process, one formula"]
    assert "10 judged" in run_.stdout


def test_a_repeated_span_is_found_at_each_place(tmp_path):
    """A span's claims are kept per text and moved to each place it occurs: a display written
    three times, indented differently, gives three findings, each at its own line and column
    (the columns counted by hand: the matrix W starts 43 characters into the display)."""
    claim = "$$\\frac{\\partial h_t}{\\partial h_{t-1}} = W \\operatorname{diag}(1 - h_t^2)$$"
    text = f"# Notes\n\n{claim}\n\nText.\n\n  {claim}\n\nMore text: {claim}\n"
    path = write(tmp_path, "n.md", text)
    found = lint_json(path, "--no-config", "-a", "tanh", "-r", "elman")
    assert [(f["line"], f["column"]) for f in found] == [(3, 43), (7, 45), (9, 54)]
    assert {f["code"] for f in found} == {"SB101"} and len({f["formula"] for f in found}) == 1


def test_notebook_declarations_hold_in_later_cells(tmp_path):
    claim = "$$\\frac{\\partial h_t}{\\partial h_{t-1}} = W^T \\operatorname{diag}(1 - h_t^2)$$"
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["<!-- symbptt: layout=numerator -->"]},
                          {"cell_type": "markdown", "metadata": {}, "source": [claim]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = write(tmp_path, "n.ipynb", json.dumps(notebook))
    (finding,) = lint_json(path, "--no-config", "-a", "tanh")
    assert finding["code"] == "SB102" and "declares numerator" in finding["message"]


def test_recursion_terms_keep_their_sign_and_state(tmp_path):
    text = "\n".join([
        "<!-- symbptt: recurrence=elman activation=tanh -->",
        r"$$\delta_{t-1} = g_{t-1} - W^\top \operatorname{diag}(1 - h_t^2)\, \delta_t$$",  # the sign counts
        r"$$\nabla_{h^{(t)}} L = V^\top \nabla_{o^{(t)}} L + W^\top \operatorname{diag}(1 - (h^{(t+1)})^2) \nabla_{h^{(t+1)}} L$$",
        "",
    ])
    path = write(tmp_path, "s.md", text)
    formulas = [f for _, _, f in found_claims(path)]
    assert len(formulas) == 2 and formulas[0].endswith(r"= -W^\top \operatorname{diag}(1 - h_t^2)")
    assert "V" not in formulas[1]  # ∂L/∂o is an output's gradient, not the recursion's
    findings = lint_json(path, "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(2, "SB101")]


def test_undecodable_file_names_are_shown_escaped(tmp_path):
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"bad-\xff.md"), "w", encoding="utf-8") as handle:
        handle.write("$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W^T \\operatorname{diag}(\\sigma'(x_{t-1}))$$\n")
    code, out, err = run(tmp_path, "--no-config")
    assert code == 1 and "bad-\\xff.md:1:" in out and "internal error" not in err


def test_derivative_at_the_wrong_point(tmp_path):
    """σ' written at the previous state where the post-activation form takes it at a_t."""
    text = ("% symbptt: recurrence=elman\n"
            "$$\\frac{\\partial h_t}{\\partial h_{t-1}} = \\operatorname{diag}(\\sigma'(h_{t-1})) W$$\n"
            "$$\\frac{\\partial h_t}{\\partial h_{t-1}} = \\operatorname{diag}(\\sigma'(a_t)) W$$\n")
    findings = lint_json(write(tmp_path, "p.tex", text), "--no-config")
    assert [(f["line"], f["code"], f["severity"]) for f in findings] == [(2, "SB103", "warning")]
    assert "pre-activation a_t" in findings[0]["message"]


def test_other_commands_accept_a_lint_table(tmp_path, capsys):
    """[lint] sits beside the notation settings: derive and check read the file as before."""
    write(tmp_path, "symbptt.toml", 'state = "h"\n\n[lint]\nlayout = "denominator"\n')
    with _folder(tmp_path):
        code = main(["check", "W^T diag(sigma'(h))", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out)["denominator"]["holds"] in (True, False)
    write(tmp_path, "symbptt.toml", 'stat = "h"\n')
    with _folder(tmp_path):
        assert main(["check", "W"]) == 2  # a misspelt notation key is still refused


def test_products_over_steps_judge_their_factor(tmp_path):
    text = "\n".join([
        "<!-- symbptt: recurrence=pascanu -->",  # Pascanu et al.'s eq. 5, then its correction
        r"$$\frac{\partial \mathbf{x}_t}{\partial \mathbf{x}_k} = \prod_{t \ge i > k} \mathbf{W}_{rec}^T diag(\sigma'(\mathbf{x}_{i-1}))$$",
        r"$$\frac{\partial x_t}{\partial x_k} = \prod_{i=k+1}^{t} W \operatorname{diag}(\sigma'(x_{i-1}))$$",
        "",
    ])
    findings = lint_json(write(tmp_path, "p.md", text), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(2, "SB101")]
    # a power over t steps: its factor per step, W, is right for a linear network only
    linear = write(tmp_path, "w.md", r"$$\frac{\partial h_t}{\partial h_0} = W^t$$" + "\n")
    assert lint_json(linear, "--no-config", "-a", "identity", "-r", "elman") == []
    assert [f["code"] for f in lint_json(linear, "--no-config", "-r", "elman")] == ["SB101"]


# --- claims across inline math spans -------------------------------------------------


def test_claims_across_inline_spans_are_joined(tmp_path):
    """A claim split over inline spans joined by '=', 'is', 'equals' or nothing is one claim,
    found at the span where its matrix starts."""
    text = "\n".join([
        "<!-- symbptt: recurrence=elman activation=tanh layout=numerator -->",
        r"So $\frac{\partial h_t}{\partial h_{t-1}}$ is $\operatorname{diag}(1 - h_t^2) W$ here.",  # right
        r"And $\frac{\partial h_t}{\partial h_{t-1}}$ = $W^T$ $\operatorname{diag}(1 - h_t^2)$.",  # other layout
        r"Also $\frac{\partial h_t}{\partial h_{t-1}}$ equals $W$.",  # σ' missing
        "",
    ])
    path = write(tmp_path, "j.md", text)
    found = found_claims(path)
    lines = text.splitlines()
    assert [lines[line - 1][col - 1:col + 3] for line, col, _ in found] == [r"\ope", "W^T$", "W$."]
    assert found[1][2] == r"\frac{\partial h_t}{\partial h_{t-1}} = W^T \operatorname{diag}(1 - h_t^2)"
    findings = lint_json(path, "--no-config")
    assert [(f["line"], f["column"], f["code"]) for f in findings] == [(3, found[1][1], "SB102"), (4, found[2][1], "SB101")]


@pytest.mark.parametrize("line", [
    r"Both $\frac{\partial h_t}{\partial h_{t-1}}$ and $W^T \operatorname{diag}(1 - h_t^2)$ appear.",
    r"We write $\frac{\partial h_t}{\partial h_{t-1}}$, $W^T \operatorname{diag}(1 - h_t^2)$.",
    r"Sum $\frac{\partial h_t}{\partial h_{t-1}}$ + $W$ is no claim.",
    r"$\frac{\partial h_t}{\partial h_{t-1}}$ is" + "\n" + r"$W$",  # another line
    r"$$\frac{\partial h_t}{\partial h_{t-1}}$$ = $W$",  # a display is never joined
])
def test_unrelated_spans_are_not_joined(tmp_path, line):
    path = write(tmp_path, "u.md", line + "\n")
    assert found_claims(path) == []
    assert lint_json(path, "--no-config", "-r", "elman") == []


def test_a_complete_claim_is_not_extended_by_the_next_span(tmp_path):
    text = r"$\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(\sigma'(a_t)) W$ $x_t$" + "\n"
    found = found_claims(write(tmp_path, "c.md", text))
    assert [f for _, _, f in found] == [r"\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(\sigma'(a_t)) W"]


def test_written_out_products(tmp_path):
    """∂h_t/∂h_k written out factor by factor: its factor is judged in the layout its order
    implies; a factor check cannot read (D_t) is found, not judged (factors that differ from
    step to step: test_products_of_different_factors_are_judged_at_two_steps)."""
    text = "\n".join([
        "<!-- symbptt: recurrence=elman -->",
        r"$$\frac{\partial h_t}{\partial h_k} = D_t W \cdots D_{k+1} W$$",  # no factor per step is readable
        r"$$\frac{\partial h_t}{\partial h_k} = \operatorname{diag}(\sigma'(a_t)) W \cdot \operatorname{diag}(\sigma'(a_{t-1})) W \cdots \operatorname{diag}(\sigma'(a_{k+1})) W$$",
        r"$$\frac{\partial h_t}{\partial h_k} = \operatorname{diag}(\sigma'(a_{k+1})) W \cdot \operatorname{diag}(\sigma'(a_{k+2})) W \cdots \operatorname{diag}(\sigma'(a_t)) W$$",
        r"$$\frac{\partial h_t}{\partial h_k} = W^T \operatorname{diag}(\sigma'(a_{k+1})) \cdot W^T \operatorname{diag}(\sigma'(a_{k+2})) \cdots W^T \operatorname{diag}(\sigma'(a_t))$$",
        "",
    ])
    path = write(tmp_path, "w.md", text)
    formulas = [f for _, _, f in found_claims(path)]
    assert formulas[1] == r"\frac{\partial h_{t}}{\partial h_{t-1}} = \operatorname{diag}(\sigma'(a_t)) W"
    assert formulas[2].startswith(r"\frac{\partial h_{k+1}}{\partial h_{k}} = ")
    findings = lint_json(path, "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(2, "SB201"), (4, "SB102")]
    assert "earliest step first" in findings[1]["message"]


def test_inline_ignore_of_mixed_layouts(tmp_path):
    numerator = "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = W \\operatorname{diag}(\\sigma'(x_{t-1}))$$"
    denominator = "$$\\frac{\\partial x_t}{\\partial x_{t-1}} = \\operatorname{diag}(\\sigma'(x_{t-1})) W^T$$"
    text = "\n".join([numerator, "<!-- symbptt: ignore[SB104] -->", denominator, numerator,
                      denominator + " <!-- symbptt: ignore[SB101] -->", ""])
    findings = lint_json(write(tmp_path, "m.md", text), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(5, "SB104")]
    text = text.replace("ignore[SB101]", "ignore")
    assert lint_json(write(tmp_path, "m.md", text), "--no-config") == []


def test_ignore_covers_a_claim_written_across_spans(tmp_path):
    claim = r"$\frac{\partial h_t}{\partial h_{t-1}}$ = $W^T$ $\operatorname{diag}(1 - h_t^2)$"
    text = "\n".join(["<!-- symbptt: recurrence=elman activation=tanh layout=numerator -->",
                      claim, claim + " <!-- symbptt: ignore[SB102] -->", ""])
    findings = lint_json(write(tmp_path, "i.md", text), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(2, "SB102")]


# --- wrong as printed: a typo'd index, a gradient between factors, a product over two steps --


def _torch_truth(meaning, activation: str, steps: int = 1) -> frozenset:
    """Where `meaning` (a matrix of test_corpus_truth's `v`) is ∂h_t/∂h_{t-steps} of the
    post-activation recurrence h_t = σ(W h_{t-1} + U x_t + b), by torch autograd."""
    from .data.corpus import Entry

    entry = Entry(id="lint-test", source=None, printed="", formula="", recurrence="post",
                  activation=activation, meaning=meaning, holds=frozenset())
    return _layouts(entry) if steps == 1 else _two_step_layouts(entry)


NUM_, DEN_, NONE_ = frozenset({"numerator"}), frozenset({"denominator"}), frozenset()
PRODUCT = r"\frac{\partial h_t}{\partial h_k} = \prod_{j=k+1}^{t} \frac{\partial h_j}{\partial h_{j-1}} = \prod_{j=k+1}^{t} "
TYPOS = [  # (the factor as printed, its meaning read with the typo fixed, truth, code in numerator notes)
    (r"\operatorname{diag}(1 - j_{j}^2) W", lambda v: v.diag(1 - v.h ** 2) @ v.W, NUM_, "SB202"),
    (r"\operatorname{diag}(1 - h_{j}^2) W", lambda v: v.diag(1 - v.h ** 2) @ v.W, NUM_, None),  # near miss
    (r"W^T \operatorname{diag}(1 - j_{j}^2)", lambda v: v.W.T @ v.diag(1 - v.h ** 2), DEN_, "SB102"),
    (r"W^{T} \operatorname{diag}\left[f^{\prime}\left(j_{j-1}\right)\right]",
     lambda v: v.W.T @ v.diag(1 - v.h_prev ** 2), NONE_, "SB101"),
]


@pytest.mark.parametrize("factor, meaning, truth, code", TYPOS, ids=["typo-right", "near-miss", "typo-other-layout", "typo-wrong"])
def test_a_typod_step_index_is_read_as_the_state(tmp_path, factor, meaning, truth, code):
    """j_{j-1} in a claim about ∂h_j/∂h_{j-1} is no value at any step: read as h_{j-1} and judged,
    the finding says so; right once read so, it is still a typo (SB202, a warning)."""
    assert _torch_truth(meaning, "tanh") == truth
    text = "<!-- symbptt: recurrence=elman activation=tanh layout=numerator -->\n$$" + PRODUCT + factor + "$$\n"
    findings = lint_json(write(tmp_path, "t.md", text), "--no-config")
    assert [f["code"] for f in findings] == ([code] if code else [])
    if code:
        assert findings[0]["severity"] in ("error", "warning")
        assert "is no value at any step" in findings[0]["message"] and "h_{j" in findings[0]["message"]
        assert "j_{j" not in findings[0]["formula"]  # judged with the index read as the state


BETWEEN = [  # (the recursion's right side, the meaning of its matrix without the gradient, truth, code)
    (r"W^\top (\nabla_{h^{(t+1)}} L) \operatorname{diag}\left(1 - (h^{(t+1)})^2\right)",
     lambda v: v.W.T @ v.diag(1 - v.h ** 2), DEN_, "SB105"),
    (r"W^\top \operatorname{diag}\left(1 - (h^{(t+1)})^2\right) (\nabla_{h^{(t+1)}} L)",  # near miss: right
     lambda v: v.W.T @ v.diag(1 - v.h ** 2), DEN_, None),
    (r"W (\nabla_{h^{(t+1)}} L) \operatorname{diag}\left(1 - (h^{(t+1)})^2\right)",
     lambda v: v.W @ v.diag(1 - v.h ** 2), NONE_, "SB101"),
    (r"W^\top \left(\nabla_{h^{(t+1)}} L \odot (1 - (h^{(t+1)})^2)\right)",  # inside a group of its own
     lambda v: v.W.T @ v.diag(1 - v.h ** 2), DEN_, None),
]


@pytest.mark.parametrize("rhs, meaning, truth, code", BETWEEN, ids=["between", "near-miss", "between-and-wrong", "hadamard"])
def test_a_gradient_between_the_factors(tmp_path, rhs, meaning, truth, code):
    """The Deep Learning book's eq. 10.21 as printed, W^T (∇L) diag(…): the gradient between
    the factors is an error of its own (SB105) when the factors are right, and named in the
    finding when they are not."""
    assert _torch_truth(meaning, "tanh") == truth
    text = ("% symbptt: recurrence=elman activation=tanh\n"
            "\\begin{align}\n  \\nabla_{h^{(t)}} L = " + rhs + " + V^\\top (\\nabla_{o^{(t)}} L)\n\\end{align}\n")
    findings = lint_json(write(tmp_path, "g.tex", text), "--no-config")
    assert [f["code"] for f in findings] == ([code] if code else [])
    if code:
        assert findings[0]["severity"] == "error"
        assert r"the gradient \nabla_{h^{(t+1)}} L stands between" in findings[0]["message"]
    if code == "SB105":
        assert "denominator-layout Jacobian" in findings[0]["message"] and "on the right" in findings[0]["message"]


TWO_STEPS = [  # (the product written out, its meaning at k = 2, truth over two steps, code undeclared,
               #  code in numerator notes, what the message says would make it hold)
    (r"\sigma'(t) * \sigma'(t-1) * .. * \sigma'(t-k+1) * W^{k}",  # the blog's item 7
     lambda v: v.diag(v.dact(v.a)) @ v.diag(v.dact(v.a_prev)) @ v.W @ v.W, NONE_, "SB101", "SB101", "wrong order"),
    (r"\sigma'(t) * W \sigma'(t-1) * .. * W \sigma'(t-k+1) * W",  # near miss: regrouped, right
     lambda v: v.diag(v.dact(v.a)) @ v.W @ v.diag(v.dact(v.a_prev)) @ v.W, NUM_, None, None, None),
    (r"W^T * \sigma'(t-k+1) W^T * \cdots * \sigma'(t-1) W^T * \sigma'(t)",  # earliest step first
     lambda v: v.W.T @ v.diag(v.dact(v.a_prev)) @ v.W.T @ v.diag(v.dact(v.a)), DEN_, None, "SB102", None),
    (r"W * \sigma'(t) * \cdots * W * \sigma'(t-k+1)",  # σ' on the wrong side of W
     lambda v: v.W @ v.diag(v.dact(v.a)) @ v.W @ v.diag(v.dact(v.a_prev)), NONE_, "SB101", "SB101", "wrong order"),
    (r"\sigma'(t) * W^T \sigma'(t-1) * .. * W^T \sigma'(t-k+1) * W^T",  # numerator order, Wᵀ
     lambda v: v.diag(v.dact(v.a)) @ v.W.T @ v.diag(v.dact(v.a_prev)) @ v.W.T, NONE_, "SB101", "SB101",
     "transposes are wrong"),
]


@pytest.mark.parametrize("product, meaning, truth, code, declared, hint", TWO_STEPS,
                         ids=["commuted", "near-miss", "denominator", "wrong-side", "transposed"])
def test_products_of_different_factors_are_judged_at_two_steps(tmp_path, product, meaning, truth, code,
                                                               declared, hint):
    """A product written out whose factors differ from step to step is judged at k = 2, where
    its ellipsis closes, against the recurrence composed twice and differentiated."""
    assert _torch_truth(meaning, "generic", steps=2) == truth
    line = r"$$\frac{\partial h_t}{\partial h_{t-k}} = " + product + "$$\n"
    findings = lint_json(write(tmp_path, "p.md", "<!-- symbptt: recurrence=elman -->\n" + line), "--no-config")
    assert [f["code"] for f in findings] == ([code] if code else [])
    if code:
        assert "at two steps" in findings[0]["message"] and "neither layout" in findings[0]["message"]
        assert hint in findings[0]["message"]
    findings = lint_json(write(tmp_path, "n.md", "<!-- symbptt: recurrence=elman layout=numerator -->\n" + line),
                         "--no-config")
    assert [f["code"] for f in findings] == ([declared] if declared else [])


def test_a_product_with_no_two_step_instance_is_information(tmp_path):
    """σ'(t) ⋯ σ'(t-k+3): the ellipsis does not close at two steps; nothing to judge."""
    text = r"$$\frac{\partial h_t}{\partial h_{t-k}} = \sigma'(t) * \sigma'(t-1) * .. * \sigma'(t-k+3) * W^{k}$$" + "\n"
    findings = lint_json(write(tmp_path, "q.md", text), "--no-config", "-r", "elman")
    assert [f["code"] for f in findings] == ["SB201"]


def test_every_code_is_documented():
    """Each code in the docs' table with its severity and name, and in `lint --help`."""
    from symbptt.cli import LINT_HELP

    docs = (Path(__file__).resolve().parents[1] / "docs" / "lint.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f"| {code} | {rule.severity} | {rule.name} |" in docs, code
        assert re.search(rf"{code} {rule.severity}", LINT_HELP), code


def test_a_product_at_two_steps_counts_toward_the_files_layout(tmp_path):
    """Undeclared, a product judged at two steps in denominator order beside a numerator
    Jacobian is in the minority layout: SB104, as any claim."""
    text = "\n".join(["<!-- symbptt: recurrence=elman -->",
                      r"$$\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(\sigma'(a_t)) W$$",
                      r"$$\frac{\partial h_t}{\partial h_{t-k}} = W^T * \sigma'(t-k+1) W^T * \cdots * \sigma'(t-1) W^T * \sigma'(t)$$",
                      ""])
    findings = lint_json(write(tmp_path, "m.md", text), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(3, "SB104")]


@pytest.mark.parametrize("factors, meaning, truth", [
    (((r"W", 0), (r"W", -1)), lambda v: v.W @ v.W, NUM_),
    (((r"W^T", -1), (r"W^T", 0)), lambda v: v.W.T @ v.W.T, DEN_),
    (((r"W", 0), (r"W^T", -1)), lambda v: v.W @ v.W.T, NONE_),
])
def test_two_step_engine_against_autograd(factors, meaning, truth):
    """symbptt.two_steps on its own, a linear network: its verdicts are torch autograd's."""
    from symbptt.layout import Layout
    from symbptt.two_steps import judge_two_steps

    assert _torch_truth(meaning, "identity", steps=2) == truth
    verdict = judge_two_steps(factors, "h", "identity", "elman")
    assert {l.value for l in verdict.holds} == truth
    assert all(isinstance(l, Layout) for l in verdict.holds)


# --- gated cells: recurrence=gru, lstm, … --------------------------------------------------

def _cell_expectations():
    """(cell, formula, declared layout, expected code or None), the truth from torch autograd
    on the cells written in torch (tests/test_cell_check.py's labels)."""
    from .test_cell_check import D, FORMULAS, _labels

    # A block between two states, as notes write it, without the tanh' factor: wrong everywhere.
    no_tanh = (r"\frac{\partial h_t}{\partial c_{t-1}} = \operatorname{diag}(o_t \odot f_t)", ("h", "c"),
               lambda q: D(q["o"] * q["f"]))
    # A gate's block, as notes derive it on the way: right, and without σ'.
    gate = (r"\frac{\partial f_t}{\partial h_{t-1}} = \operatorname{diag}(f_t \odot (1 - f_t)) U_f", ("f", "h"),
            lambda q: D(q["f"] * (1 - q["f"])) @ q["U_f"])
    gate_no_prime = (r"\frac{\partial f_t}{\partial h_{t-1}} = \operatorname{diag}(f_t) U_f", ("f", "h"),
                     lambda q: D(q["f"]) @ q["U_f"])
    # The same gates as deeplearning.ai's course names them, Γ with ⟨t⟩ superscripts.
    gamma = r"\Gamma_{g}^{\langle t \rangle}"
    ng = lambda g, w, T="": (rf"\frac{{\partial {gamma.replace('{g}', g)}}}{{\partial h^{{\langle t-1 \rangle}}}} = "  # noqa: E731
                             rf"\operatorname{{diag}}({gamma.replace('{g}', g)} \odot (1 - {gamma.replace('{g}', g)})) {w}{T}")
    gamma_f = (ng("f", "U_f"), ("f", "h"), lambda q: D(q["f"] * (1 - q["f"])) @ q["U_f"])
    gamma_f_t = (ng("f", "U_f", "^T"), ("f", "h"), lambda q: D(q["f"] * (1 - q["f"])) @ q["U_f"].T)
    gamma_u_lstm = (ng("u", "U_i"), ("i", "h"), lambda q: D(q["i"] * (1 - q["i"])) @ q["U_i"])
    gamma_u_gru = (ng("u", "U_z"), ("z", "h"), lambda q: D(q["z"] * (1 - q["z"])) @ q["U_z"])
    gamma_r_gru = (ng("r", "U_z"), ("r", "h"), lambda q: D(q["r"] * (1 - q["r"])) @ q["U_z"])
    untimed = (r"\frac{\partial \Gamma_o}{\partial h_{t-1}} = \operatorname{diag}(\Gamma_o \odot (1 - \Gamma_o)) U_o^T",
               ("o", "h"), lambda q: D(q["o"] * (1 - q["o"])) @ q["U_o"].T)
    unicode_f = (r"\frac{\partial Γ_f^{⟨t⟩}}{\partial h^{⟨t-1⟩}} = \operatorname{diag}(Γ_f^{⟨t⟩} \odot (1 - Γ_f^{⟨t⟩})) U_f",
                 ("f", "h"), lambda q: D(q["f"] * (1 - q["f"])) @ q["U_f"])
    out = []
    for cell, k, layout in (("lstm", unicode_f, "denominator"), ("lstm", untimed, "numerator"), ("lstm", gamma_f, "numerator"), ("lstm", gamma_f, "denominator"),
                            ("lstm", gamma_f_t, "numerator"), ("lstm", gamma_u_lstm, "numerator"),
                            ("gru", gamma_u_gru, "numerator"), ("gru", gamma_r_gru, "numerator"),
                            ("lstm", 0, "numerator"), ("lstm-peephole", 0, "numerator"), ("gru", 4, "numerator"),
                            ("gru-chung", 4, "numerator"), ("gru-chung", 4, "denominator"), ("gru", 3, "denominator"),
                            ("lstm", 2, "numerator"), ("lstm", 2, "denominator"), ("lstm-peephole", 2, "numerator"),
                            ("lstm", no_tanh, "numerator"), ("lstm", gate, "numerator"), ("lstm", gate_no_prime, "numerator")):
        text, block, meaning = FORMULAS[k] if isinstance(k, int) else k
        holds = _labels(cell, block, meaning)
        code = "SB101" if not holds else "SB102" if layout not in holds else None
        out.append((cell, text, layout, code))
    return out


@pytest.mark.parametrize("cell,text,layout,code", _cell_expectations())
def test_lint_judges_claims_about_a_gated_cell(cell, text, layout, code, tmp_path):
    note = tmp_path / "notes.md"
    note.write_text(f"<!-- symbptt: recurrence={cell} layout={layout} -->\n\nThe block: $${text}$$\n")
    found = lint_json(note)
    assert [f["code"] for f in found] == ([code] if code else []), [f["message"] for f in found]


def test_a_block_between_two_states_without_a_cell_is_said_not_judged(tmp_path):
    """∂h_t/∂c_{t-1} in notes that declare no gated cell: an SB201 that says what to declare,
    not silence, and not a verdict against an RNN form."""
    note = tmp_path / "notes.md"
    note.write_text(r"$$\frac{\partial h_t}{\partial c_{t-1}} = \operatorname{diag}(o_t \odot f_t)$$" "\n")
    (finding,) = lint_json(note)
    assert finding["code"] == "SB201" and "recurrence=lstm" in finding["message"]


def test_an_unknown_name_gets_lints_advice_not_checks_options(tmp_path):
    """check's advice for an unknown name is its command-line options (--define, --state);
    lint has none: it says which declaration would judge a gated cell's claim."""
    note = tmp_path / "notes.md"
    note.write_text(r"$$\frac{\partial c_t}{\partial c_{t-1}} = \operatorname{diag}(f_t)$$" "\n")
    (finding,) = lint_json(note)
    assert finding["code"] == "SB201" and "recurrence=lstm" in finding["message"]
    assert "--" not in finding["message"]


def test_a_gated_cell_finding_names_the_variant_that_holds(tmp_path):
    note = tmp_path / "notes.md"
    note.write_text("<!-- symbptt: recurrence=lstm-peephole -->\n"
                    r"$$\frac{\partial c_t}{\partial c_{t-1}} = \operatorname{diag}(f_t)$$" "\n")
    code, out, err = run(note)
    assert code == 1 and "SB101" in out and "declare recurrence=lstm " in out


@pytest.mark.parametrize("layout,codes", [("numerator", []), ("denominator", ["SB102"])])
def test_a_claim_over_several_rows_is_judged_whole(layout, codes, tmp_path):
    """Rows that go on without a relation ("&\\quad + …") continue the right side: the Cho GRU
    block (numerator per torch, tests/test_cell_check.py) split over three rows."""
    from .test_cell_check import FORMULAS, _labels

    text, block, meaning = FORMULAS[3]
    assert _labels("gru", block, meaning) == {"numerator"}
    lhs, rhs = text.split("=", 1)
    terms = rhs.split(" + ")
    rows = " + ".join(terms[:2]) + r" \\ &\quad + " + " + ".join(terms[2:3]) + r" \\ &\qquad + " + " + ".join(terms[3:])
    note = tmp_path / "notes.tex"
    note.write_text(f"% symbptt: recurrence=gru layout={layout}\n\\begin{{align}}\n{lhs} &= {rows}\n\\end{{align}}\n")
    assert [f["code"] for f in lint_json(note)] == codes


def test_an_rnn_claim_over_two_rows_is_not_cut_at_the_break(tmp_path):
    note = tmp_path / "notes.tex"
    note.write_text("% symbptt: recurrence=pascanu layout=numerator\n\\begin{align}\n"
                    "\\frac{\\partial h_t}{\\partial h_{t-1}} &= W \\\\\n&\\quad \\mathrm{diag}(\\sigma'(h_{t-1}))\n"
                    "\\end{align}\n")
    assert lint_json(note) == []
    note.write_text(note.read_text().replace("&= W", "&= W^\\top"))
    assert [f["code"] for f in lint_json(note)] == ["SB101"]


def test_a_gates_block_named_with_gamma_is_found_not_skipped(tmp_path):
    """\\Gamma_f^{\\langle t \\rangle} (deeplearning.ai's course) is the LSTM's f_t: the claim is
    found (a right one counted and silent), and without a declared cell said, not skipped."""
    lhs = r"\frac{\partial \Gamma_f^{\langle t \rangle}}{\partial h^{\langle t-1 \rangle}}"
    rhs = r"\operatorname{diag}(\Gamma_f^{\langle t \rangle} \odot (1 - \Gamma_f^{\langle t \rangle})) U_f"
    note = tmp_path / "notes.md"
    note.write_text(f"$${lhs} = {rhs}$$\n")
    assert [c[2].startswith(r"\frac{\partial \Gamma_f") for c in found_claims(note)] == [True]
    (finding,) = lint_json(note)
    assert finding["code"] == "SB201" and "recurrence=lstm" in finding["message"]
    note.write_text(f"<!-- symbptt: recurrence=lstm -->\n$${lhs} = {rhs}$$\n")
    code, out, err = run(note)
    assert code == 0 and "1 claim in 1 file" in out + err


def test_a_gates_block_with_its_input_weight_is_not_judged_and_names_the_recurrent_one(tmp_path):
    """∂f_t/∂h_{t-1} = diag(f_t ⊙ (1 − f_t)) W_f: the library LSTM's W_f (n×m) multiplies x_t,
    so no block by a previous state has it. Not a verdict (SB201): in Goodfellow et al.'s
    names W^f is the recurrent weight and the claim is right. U_f and --cell are named."""
    note = tmp_path / "notes.md"
    note.write_text("<!-- symbptt: recurrence=lstm -->\n"
                    r"$$\frac{\partial f_t}{\partial h_{t-1}} = \operatorname{diag}(f_t \odot (1 - f_t)) W_f$$" "\n")
    (finding,) = lint_json(note)
    assert finding["code"] == "SB201", finding
    assert "W_f is lstm's input weight (n×m)" in finding["message"] and "write U_f" in finding["message"]
    assert "with --cell" in finding["message"]


def _dl_ai_lstm_claims():
    """deeplearning.ai's LSTM claims by a^⟨t-1⟩ (its hidden state), with torch's verdicts."""
    from .test_cell_check import D, _labels

    F = r"\Gamma_f^{\langle t \rangle}"
    by_a = r"}{\partial a^{\langle t-1 \rangle}} = "
    out = []
    for text, block, meaning in (
            (rf"\frac{{\partial {F}" + by_a + rf"\operatorname{{diag}}({F} \odot (1-{F})) U_f", ("f", "h"),
             lambda q: D(q["f"] * (1 - q["f"])) @ q["U_f"]),
            (rf"\frac{{\partial {F}" + by_a + rf"\operatorname{{diag}}(1-{F}) U_f", ("f", "h"),
             lambda q: D(1 - q["f"]) @ q["U_f"]),
            (r"\frac{\partial c^{\langle t \rangle}" + by_a + "0", ("c", "h"), lambda q: 0 * q["U_f"])):
        out.append((text, "SB101" if not _labels("lstm", block, meaning) else None))
    return out


def test_deeplearning_ai_claims_by_a_are_judged_under_a_declared_lstm(tmp_path):
    """a^⟨t-1⟩ is deeplearning.ai's h_{t-1}: under recurrence=lstm its claims are counted and
    judged (torch's verdicts), not silently dropped."""
    expected = _dl_ai_lstm_claims()
    assert [code for _, code in expected] == [None, "SB101", "SB101"]  # the truth the test rests on
    note = tmp_path / "notes.md"
    note.write_text("<!-- symbptt: recurrence=lstm -->\n\n" + "\n\n".join(f"$${t}$$" for t, _ in expected) + "\n")
    found = lint_json(note)
    assert [(f["line"], f["code"]) for f in found] == [(3 + 2 * k, code) for k, (_, code) in enumerate(expected) if code]
    code, out, err = run(note)
    assert "3 claims in 1 file; 2 errors" in out + err


def test_deeplearning_ai_gru_state_c_is_its_h(tmp_path):
    """In the course's GRU the state is c^⟨t⟩ (= a^⟨t⟩): under recurrence=gru it is h (torch)."""
    from .test_cell_check import FORMULAS, _labels

    text, block, meaning = FORMULAS[3]
    assert _labels("gru", block, meaning) == {"numerator"}
    text = text.replace("h_t/", "c_t/").replace("h_{t-1}", "c_{t-1}").replace(r"\tilde h_t", r"\tilde c_t")
    note = tmp_path / "notes.md"
    note.write_text(f"<!-- symbptt: recurrence=gru layout=denominator -->\n$${text}$$\n")
    assert [f["code"] for f in lint_json(note)] == ["SB102"]


@pytest.mark.parametrize("text, says", [
    (r"\frac{\partial \Gamma_x^{\langle t \rangle}}{\partial a^{\langle t-1 \rangle}} = 0",
     "Γ_x is not a gate of lstm (Γ_f, Γ_i or Γ_u, Γ_o)"),
    (r"\frac{\partial h_t}{\partial c_t} = \operatorname{diag}(o_t)", "no block"),
    (r"\frac{\partial q_t}{\partial h_{t-1}} = W_q", "q is no name of lstm"),
])
def test_a_derivative_claim_a_declared_cell_cannot_judge_is_said(tmp_path, text, says):
    note = tmp_path / "notes.md"
    note.write_text(f"<!-- symbptt: recurrence=lstm -->\n$${text}$$\n")
    (finding,) = lint_json(note)
    assert finding["code"] == "SB201" and says in finding["message"], finding


def test_an_rnns_a_is_its_pre_activation_not_a_state(tmp_path):
    """Without a declared cell, ∂a_t/∂h_{t-1} is a step of the chain rule: no claim, no finding."""
    note = tmp_path / "notes.md"
    note.write_text(r"$$\frac{\partial a_t}{\partial h_{t-1}} = W$$" "\n\n"
                    r"$$\frac{\partial \Gamma_f^{\langle t \rangle}}{\partial a^{\langle t-1 \rangle}} = 0$$" "\n")
    assert found_claims(note) == [] and lint_json(note) == []


# --- a transposed or layout-marked derivative on the left (F9, F10) ------------------------
#
# Truth: for h_t = tanh(W h_{t-1} + U x_t + b), the numerator-layout Jacobian is
# J = ∂h_t/∂h_{t-1} = diag(1 − h_t²) W, and the denominator-layout one is Jᵀ = Wᵀ diag(1 − h_t²).
# So (∂h_t/∂h_{t-1})ᵀ = Wᵀ diag(1 − h_t²) is right in numerator layout, and
# (∂h_t/∂h_{t-1})ᵀ = diag(1 − h_t²) W is wrong there (it says Jᵀ = J, false for W not symmetric).

_ELMAN_NUM = "<!-- symbptt: recurrence=elman activation=tanh layout=numerator -->"
_J = "\\frac{\\partial h_t}{\\partial h_{t-1}}"
_DW = "\\operatorname{diag}(1 - h_t^2) W"   # J in numerator layout
_WD = "W^\\top \\operatorname{diag}(1 - h_t^2)"  # J in denominator layout, Jᵀ in numerator


def test_transposed_derivative_on_the_left_is_judged_as_the_transpose(tmp_path):
    lines = [_ELMAN_NUM,
             f"$$\\left({_J}\\right)^\\top = {_WD}$$",           # 2: right
             f"$$\\left({_J}\\right)^\\top = {_DW}$$",           # 3: wrong: J right in denominator only
             f"$${_J}^\\top = {_DW}$$",                           # 4: wrong, as 3
             f"$$\\left[{_J}\\right]^{{T}} = W \\operatorname{{diag}}(1 - h_t^2)$$",  # 5: Jᵀ = W D: neither
             f"$(∂h_t/∂h_{{t-1}})^T = {_WD}$",                   # 6: right
             f"$\\left(\\nabla_{{h_{{t-1}}}} h_t\\right)^\\top = {_DW}$",  # 7: wrong, as 3
             f"$${_J} = {_DW}$$",                                  # 8: right (no transpose)
             ""]
    findings = lint_json(write(tmp_path, "tr.md", "\n".join(lines)), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(3, "SB102"), (4, "SB102"), (5, "SB101"), (7, "SB102")]
    assert all("transposed" in f["message"] for f in findings)
    assert findings[0]["formula"] == f"{_J} = \\left({_DW}\\right)^\\top"
    # Without a declared layout, a transposed claim counts in the layout it is right in: no SB104
    # between (J)ᵀ = Wᵀ D and J = D W (both numerator layout).
    plain = ["<!-- symbptt: recurrence=elman activation=tanh -->", lines[1], lines[7], ""]
    assert lint_json(write(tmp_path, "tr2.md", "\n".join(plain)), "--no-config") == []


def test_layout_marked_derivative_states_its_layout(tmp_path):
    """symbptt's own report notation, (∂h_t/∂h_{t-1})_{\\!\\mathrm{den}}: the denominator-layout
    Jacobian, whatever layout the document declares."""
    lines = [_ELMAN_NUM,
             f"$$\\left({_J}\\right)_{{\\!\\mathrm{{den}}}} = {_WD}$$",  # 2: right
             f"$$\\left({_J}\\right)_{{\\mathrm{{den}}}} = {_DW}$$",     # 3: wrong: the numerator one
             f"$${_J}_\\text{{den}} = {_WD}$$",                          # 4: right
             f"$${_J} = {_DW}$$",                                         # 5: right
             ""]
    findings = lint_json(write(tmp_path, "den.md", "\n".join(lines)), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(3, "SB102")]
    assert "marked as the denominator-layout Jacobian" in findings[0]["message"]
    # No layout declared: a marked claim says its layout, so it never makes the file mixed (SB104).
    undeclared = ["<!-- symbptt: recurrence=elman activation=tanh -->", lines[1], lines[4], lines[3], ""]
    assert lint_json(write(tmp_path, "den2.md", "\n".join(undeclared)), "--no-config") == []


def test_norms_and_entrywise_matrices_are_not_jacobian_claims(tmp_path):
    """‖∂h_t/∂h_{t-1}‖₂ = 0.84 and [∂h_t/∂h_{t-1}]_{12} = 0 are numbers, not the Jacobian: not
    claims (derive's LSTM report prints such entries). A matrix written entry by
    entry is a claim lint does not judge: SB201 (info) saying so, not a parse error of its entries."""
    entries = ("\\begin{bmatrix}W_{11} (1 - \\tanh^{2}([a_{t}]_{1})) & W_{12} (1 - \\tanh^{2}([a_{t}]_{1}))\\\\"
               "W_{21} (1 - \\tanh^{2}([a_{t}]_{2})) & W_{22} (1 - \\tanh^{2}([a_{t}]_{2}))\\end{bmatrix}")
    lines = [_ELMAN_NUM,
             f"$\\left\\|{_J}\\right\\|_{{2}} = 0.839568$",
             f"$\\left\\|\\left({_J}\\right)_{{\\!\\mathrm{{den}}}}\\right\\|_{{2}} = 0.839568$",
             f"\\[ {_J} = {entries} \\]",
             f"$\\left[{_J}\\right]_{{12}} = 0$",  # one entry (zero here only if W_12 = 0): a number
             ""]
    findings = lint_json(write(tmp_path, "n.md", "\n".join(lines)), "--no-config")
    assert [(f["line"], f["code"]) for f in findings] == [(4, "SB201")]
    assert "entry by entry" in findings[0]["message"]


def test_symbptts_own_report_lints_clean(tmp_path):
    """`derive -r elman -a tanh -f latex-fragment` under the declaration of what it derives, and
    its Markdown report without any: no error and no warning (explicit 2×2 matrices are SB201 infos)."""
    tex, md = tmp_path / "jac.tex", tmp_path / "jac.md"
    for path, fmt in ((tex, "latex-fragment"), (md, "markdown")):
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["derive", "-r", "elman", "-a", "tanh", "-f", fmt, "-o", str(path)]) in (0, None)
    notes = write(tmp_path, "notes.tex", "% symbptt: recurrence=elman activation=tanh layout=numerator\n"
                  + tex.read_text(encoding="utf-8"))
    for path in (notes, tex, md):
        findings = lint_json(str(path), "--no-config")
        assert {f["code"] for f in findings} <= {"SB201"}, (path.name, findings)
        assert all("entry by entry" in f["message"] for f in findings)


def test_a_gates_letter_alone_is_not_made_an_rnns_state(tmp_path):
    """docs/cells.md's LSTM recursion δ_{c,t-1} = … + diag(f_t) δ_{c,t} is right for the LSTM
    (∂c_t/∂c_{t-1} = diag(f_t)); lint read f as an RNN's state and gave an SB101 error. A
    gate's letter asks for the cell to be declared (SB201), as o_t in the same line did."""
    path = write(tmp_path, "n.md", "$\\delta_{c,t-1} = \\operatorname{diag}(f_t)\\, \\delta_{c,t}$\n")
    (finding,) = lint_json(path, "--no-config")
    assert finding["code"] == "SB201" and "declare the cell" in finding["message"]
    cells = Path(__file__).resolve().parent.parent / "docs" / "cells.md"
    assert not any(f["severity"] == "error" for f in lint_json(cells, "--no-config"))
