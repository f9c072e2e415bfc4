"""The course-notes platforms, built for real: the Sphinx directive, the project's own docs
(sphinx-build -W), the docs in headless Chromium with MathJax, and the mystmd plugin.

Screenshots of a derive page and a check page are saved under tests/artifacts/ (gitignored).
Every test that needs a tool outside the Python standard set is marked `tools`: it skips
visibly without the tool, and fails with SYMBPTT_REQUIRE_TOOLS=1.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import re
import threading
from pathlib import Path

import pytest

from .conftest import KATEX_DIR, ROOT, require_tool

ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS = ROOT / "docs"
NODE_MODULES = KATEX_DIR / "node_modules"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _sphinx():
    found = all(importlib.util.find_spec(m) is not None for m in ("sphinx", "myst_parser"))
    require_tool("sphinx with myst-parser", found, "pip install -e '.[docs]'")


def _sphinx_build(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
         "-d", str(out / "doctrees"), *extra, str(source), str(out / "html")],
        capture_output=True, text=True, timeout=600)


@functools.lru_cache(maxsize=1)
def _built_docs(out: str) -> subprocess.CompletedProcess:
    return _sphinx_build(DOCS, Path(out))


@pytest.fixture(scope="module")
def docs_html(tmp_path_factory):
    """docs/ built once per module with `sphinx-build -W` into a temporary folder."""
    _sphinx()
    out = tmp_path_factory.mktemp("docs")
    run = _built_docs(str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    return out / "html"


# The directive on a small project --------------------------------------------------------

CONF = 'extensions = ["myst_parser", "sphinx.ext.mathjax", "symbptt.sphinx"]\n' \
       'source_suffix = {".rst": "restructuredtext", ".md": "markdown"}\n' \
       'exclude_patterns = ["_build"]\n'


def _project(tmp_path: Path, pages: dict[str, str]) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(CONF, encoding="utf-8")
    toctree = "\n".join(f"   {Path(name).stem}" for name in pages if Path(name).stem != "index")
    pages = {"index.rst": f"Notes\n=====\n\n.. toctree::\n\n{toctree}\n", **pages}
    for name, text in pages.items():
        (source / name).write_text(text, encoding="utf-8")
    return source


@pytest.mark.tools
def test_directive_rst_and_myst_emit_math_nodes(tmp_path):
    _sphinx()
    source = _project(tmp_path, {
        "rst.rst": "Derive\n======\n\n.. symbptt:: derive -a tanh --layout numerator --symbolic\n",
        "md.md": "# Check\n\n```{symbptt} check \"W D\"\n--define \"D=diag(sigma'(x))\" --expect numerator\n```\n",
    })
    run = _sphinx_build(source, tmp_path / "out", "-b", "xml")
    assert run.returncode == 0, run.stdout + run.stderr
    xml = (tmp_path / "out" / "html" / "rst.xml").read_text(encoding="utf-8")
    # Display math is a math_block, inline math a math node: the report's own LaTeX.
    assert "<math_block" in xml and "<math>" in xml
    assert r"\mathbf{W} \operatorname{diag}\left(1 - \tanh^{2}" in xml
    assert "<section" in xml and xml.count("<section") == 1, "a report adds no sections"
    md = (tmp_path / "out" / "html" / "md.xml").read_text(encoding="utf-8")
    assert "<math_block" in md and "Checking a Jacobian" in md and "proved" in md
    # Cached by content hash in the build's doctree folder, nowhere else.
    cache = list((tmp_path / "out" / "doctrees" / "symbptt").glob("*.json"))
    assert len(cache) == 2


@pytest.mark.tools
@pytest.mark.parametrize("argument, message", [
    ("derive -a nope", "invalid choice: 'nope'"),
    ("derive -o x.md", "-o is not for a page"),
    ("gallery", "writes no report"),
    ("check \"W^T diag(sigma'(x))\" --expect numerator", "does not hold in numerator layout"),
    ("check 'W", "No closing quotation"),
])
def test_directive_error_is_a_warning_with_file_and_line_and_W_fails(tmp_path, argument, message):
    _sphinx()
    source = _project(tmp_path, {"bad.md": f"# Bad\n\nText.\n\n```{{symbptt}} {argument}\n```\n"})
    run = _sphinx_build(source, tmp_path / "out")
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if "WARNING" in line]
    assert len(lines) == 1, run.stderr
    assert f"{source / 'bad.md'}:5: WARNING: symbptt " in lines[0] and message in lines[0], lines


@pytest.mark.tools
def test_directive_figure_for_bptt_plot(tmp_path):
    _sphinx()
    source = _project(tmp_path, {"b.rst": "B\n=\n\n.. symbptt:: bptt -r row --plot\n"})
    run = _sphinx_build(source, tmp_path / "out")
    assert run.returncode == 0, run.stdout + run.stderr
    html = (tmp_path / "out" / "html" / "b.html").read_text(encoding="utf-8")
    images = list((tmp_path / "out" / "html" / "_images").glob("symbptt-*-figure.*"))
    assert len(images) == 1 and f'src="_images/{images[0].name}"' in html  # HTML takes the SVG
    assert images[0].suffix == ".svg" and images[0].read_bytes().startswith(b"<?xml")
    # The LaTeX builder takes the PDF of the same figure.
    run = _sphinx_build(source, tmp_path / "latex", "-b", "latex")
    assert run.returncode == 0, run.stdout + run.stderr
    tex = next((tmp_path / "latex" / "html").glob("*.tex")).read_text(encoding="utf-8")
    name = re.search(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{?(symbptt-\w+-figure)\}?\.pdf\}", tex)
    assert name and (tmp_path / "latex" / "html" / f"{name.group(1)}.pdf").read_bytes().startswith(b"%PDF")


# The project's own documentation -----------------------------------------------------------

@pytest.mark.tools
def test_docs_build_with_W(docs_html):
    for page in ("index", "install", "derive", "check", "bptt", "gallery", "api", "notation",
                 "embedding", "internals", "speed", "development"):
        assert (docs_html / f"{page}.html").is_file(), page
    derive = (docs_html / "derive.html").read_text(encoding="utf-8")
    # The examples are derived at build time, as math for MathJax (not text in a code block).
    assert derive.count('class="symbptt docutils container"') == 4
    assert r"\mathbf{W} \operatorname{diag}" in derive
    assert (docs_html / "_static" / "mathjax" / "tex-chtml-full.js").is_file()


def test_docs_cite_every_example_through_the_directive():
    """Every derivation the docs show is made at build time: no pasted report text."""
    for page in DOCS.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert "\n$$" not in text and "re-verified, explicit" not in text, page.name


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.tools
def test_docs_in_headless_chromium(docs_html, tmp_path):
    """MathJax typesets every formula of a derive and a check page with no error node and no
    console error; screenshots of both are saved as test artifacts."""
    require_tool("chromium", Path(CHROMIUM).is_file(), "apt-get install chromium")
    found = shutil.which("node") is not None and (NODE_MODULES / "playwright-core").is_dir() \
        and (NODE_MODULES / "mathjax").is_dir()
    require_tool("node with playwright-core and mathjax", found, "npm ci --prefix tests/js")
    handler = functools.partial(_Quiet, directory=str(docs_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ARTIFACTS.mkdir(exist_ok=True)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = {"derive": "derive.html", "check": "check.html", "bptt": "bptt.html", "index": "index.html"}
    argv = ["node", str(KATEX_DIR / "browser_check.mjs"), str(tmp_path / "chromium-profile")]
    for name, page in pages.items():
        argv += [f"{base}/{page}", str(ARTIFACTS / f"docs-{name}.png")]
    try:
        run = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                             env={**os.environ, "CHROMIUM": CHROMIUM})
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0 and len(results) == len(pages), run.stdout + run.stderr
    for result in results:
        assert result["problems"] == [] and result["spans"] == result["typeset"] > 10, result
    for name in ("derive", "check"):
        assert (ARTIFACTS / f"docs-{name}.png").stat().st_size > 10_000


# mystmd (Jupyter Book 2) ---------------------------------------------------------------------

def _plugin(*argv: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symbptt.myst", *argv], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_myst_plugin_declares_and_serves_the_directive():
    spec = json.loads(_plugin().stdout)
    assert [d["name"] for d in spec["directives"]] == ["symbptt"]
    data = {"name": "symbptt", "arg": "derive -a tanh --symbolic --layout numerator", "options": {}}
    run = _plugin("--directive", "symbptt", stdin=json.dumps(data))
    assert run.returncode == 0, run.stderr
    nodes = json.loads(run.stdout)
    kinds = set()

    def walk(node):
        kinds.add(node["type"])
        for child in node.get("children", []):
            walk(child)
    for node in nodes:
        walk(node)
    assert {"math", "inlineMath", "paragraph", "strong", "list"} <= kinds
    bad = {**data, "arg": "derive -a nope", "node": {"position": {"start": {"line": 7}}}}
    run = _plugin("--directive", "symbptt", stdin=json.dumps(bad))
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith("line 7: symbptt derive -a nope:") and run.stderr.count("\n") == 1


def _myst():
    require_tool("mystmd", shutil.which("myst") is not None and shutil.which("node") is not None,
                 "pip install mystmd (needs Node.js)")


@pytest.mark.tools
def test_mystmd_builds_the_example_with_the_plugin(tmp_path):
    _myst()
    project = tmp_path / "book"
    shutil.copytree(ROOT / "examples" / "mystmd", project, ignore=shutil.ignore_patterns("_build"))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(["myst", "build", "index.md", "--md", "-o", "_build/out.md", "--ci"],
                         cwd=project, capture_output=True, text=True, timeout=300, env=env)
    log = run.stdout + run.stderr
    assert run.returncode == 0 and "symbptt (symbptt_plugin.py) loaded: 1 directive" in log, log
    assert "⛔" not in log, log
    out = (project / "_build" / "out.md").read_text(encoding="utf-8")
    assert "```{math}" in out and r"{math}`\frac{\partial \mathbf{x}_{t}}" in out
    assert "**Verdict**" in out and "proved" in out
    # A refuted --expect is an error of the page, with the line.
    (project / "index.md").write_text(
        "# Bad\n\n```{symbptt} check \"W^T diag(sigma'(x))\" --expect numerator\n```\n",
        encoding="utf-8")
    run = subprocess.run(["myst", "build", "index.md", "--md", "-o", "_build/bad.md", "--ci"],
                         cwd=project, capture_output=True, text=True, timeout=300, env=env)
    log = run.stdout + run.stderr
    assert "⛔️ index.md" in log and "line 3: symbptt check" in log and "refuted" in log, log


# LaTeX: the example's Makefile -----------------------------------------------------------------

@pytest.mark.tools
def test_latex_makefile_regenerates_fragments_when_their_settings_change(tmp_path, pdflatex):
    require_tool("GNU make", shutil.which("make") is not None, "apt-get install make")
    notes = tmp_path / "notes"
    shutil.copytree(ROOT / "examples" / "course-notes", notes)
    rules = [line for line in (notes / "Makefile").read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    assert not any("shell-escape" in line for line in rules)
    env = {**os.environ, "SYMBPTT": f"{sys.executable} -m symbptt"}

    def make(*argv):
        run = subprocess.run(["make", *argv], cwd=notes, capture_output=True, text=True,
                             timeout=300, env=env)
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout
    first = make()
    assert (notes / "notes.pdf").read_bytes().startswith(b"%PDF")
    # The regenerated fragments are the committed ones (same settings, same bytes).
    for name in ("jacobian.tex", "check-pascanu.tex"):
        assert (notes / name).read_bytes() == (ROOT / "examples" / "course-notes" / name).read_bytes()
    assert "symbptt derive" in first and "symbptt check" in first
    assert "symbptt" not in make() and "pdflatex" not in make(), "nothing changed: nothing runs"
    changed = make("jacobian.tex_ARGS=derive -a relu --format latex-fragment")
    assert "symbptt derive -a relu" in changed and "symbptt check" not in changed
    assert "pdflatex" in changed and "ReLU" in (notes / "jacobian.tex").read_text(encoding="utf-8")
    (notes / "symbptt.toml").write_text((notes / "symbptt.toml").read_text() + "\n", encoding="utf-8")
    again = make("jacobian.tex_ARGS=derive -a relu --format latex-fragment")
    assert "symbptt derive" in again and "symbptt check" in again, "the notation changed: all regenerate"


# MkDocs: the recipe in examples/mkdocs ----------------------------------------------------------

@pytest.mark.tools
def test_mkdocs_recipe_builds_with_snippets_and_arithmatex(tmp_path):
    found = all(importlib.util.find_spec(m) is not None for m in ("mkdocs", "pymdownx"))
    require_tool("mkdocs with pymdown-extensions", found, "pip install mkdocs pymdown-extensions")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                          str(ROOT / "examples" / "mkdocs" / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    html = (tmp_path / "site" / "notes" / "index.html").read_text(encoding="utf-8")
    # The generated reports are embedded (snippets expanded) and their math is arithmatex's.
    assert "--8&lt;--" not in html and "Checking a Jacobian" in html and "re-verified" in html
    assert html.count('class="arithmatex"') > 20


# Quarto: the recipe's cells ----------------------------------------------------------------------

@pytest.mark.tools
def test_quarto_recipe_cells_print_markdown_whose_math_renders(katex, tmp_path):
    """Quarto itself cannot be installed here (see examples/quarto/README.md): its cells are
    run as Python, in order, as Quarto's kernel would, and their Markdown rendered by KaTeX."""
    from .test_tools import math_spans, render_with_katex

    page = (ROOT / "examples" / "quarto" / "notes.qmd").read_text(encoding="utf-8")
    cells = re.findall(r"^```\{python\}\n(.*?)^```$", page, flags=re.M | re.S)
    assert len(cells) == 2 and all("#| output: asis" in cell for cell in cells)
    run = subprocess.run([sys.executable, "-c", "\n".join(cells)], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert run.returncode == 0, run.stderr
    assert "Checking a Jacobian" in run.stdout and "\n$$\n" in run.stdout
    spans = math_spans(run.stdout)
    assert len(spans) > 20
    assert render_with_katex(katex, spans)["errors"] == []


# symbptt.embed: the argument string, the cache ----------------------------------------------------

@pytest.mark.parametrize("arguments, message", [
    ("", "no command"),
    ("derive --help", "--help and --version"),
    ("--version", "--help and --version"),
    ("activations", "writes no report"),
    ("derive --format=json", "--format is not for a page"),
    ("bptt --pdf", "--pdf is not for a page"),
    ("check 'W", "No closing quotation"),
    ("derive --dim 0", "--dim must be a whole number"),
])
def test_embed_refuses_with_the_command_lines_message(arguments, message, capsys):
    from symbptt.embed import report
    from symbptt.errors import InputError

    with pytest.raises(InputError, match=re.escape(message)):
        report(arguments)
    assert capsys.readouterr() == ("", ""), "nothing printed, nothing exits"


def test_embed_is_the_command_lines_report_and_caches_by_content(tmp_path, capsys):
    from symbptt.cli import main
    from symbptt.embed import report

    assert main(["derive", "-a", "relu", "--symbolic"]) == 0
    printed = capsys.readouterr().out
    cache = tmp_path / "cache"
    first = report("derive -a relu --symbolic", start=tmp_path, cache=cache)
    assert first.markdown == printed
    entries = list(cache.glob("*.json"))
    assert len(entries) == 1
    again = report("derive -a relu --symbolic", start=tmp_path, cache=cache)
    assert again == first and list(cache.glob("*.json")) == entries
    # The notation in force is part of the key: a course's symbptt.toml changes the report.
    (tmp_path / "symbptt.toml").write_text('state = "h"\n', encoding="utf-8")
    course = report("derive -a relu --symbolic", start=tmp_path, cache=cache)
    assert course.markdown != first.markdown and r"\mathbf{h}_{t-1}" in course.markdown
    assert len(list(cache.glob("*.json"))) == 2
    assert not list(cache.glob(".tmp-*")), "no temporary file left behind"


def test_display_math_inside_a_paragraph_stays_display_math():
    """$$…$$ inside a paragraph becomes a display block, not inline math. The reports write
    each display on lines of its own now (a test of every gallery report says so); a user's
    template may not, so one such paragraph is added to a cell report here."""
    from symbptt.embed import markdown_tree, report
    from symbptt.myst import _Converter

    markdown = report("derive -r gru --symbolic --layout numerator").markdown + (
        "\nThe block, from a template of one's own:\n$$\n\\begin{aligned} J &= W \\end{aligned}\n$$\n")
    tree = markdown_tree(markdown)
    assert any(n.type == "math_inline_double" for n in tree.walk())
    nodes = _Converter({}).children(tree)

    def walk(node, inside_paragraph=False):
        if node["type"] == "inlineMath":
            assert r"\begin{aligned}" not in node["value"]
        assert not (inside_paragraph and node["type"] == "math")
        for child in node.get("children", []):
            walk(child, inside_paragraph or node["type"] == "paragraph")
    for node in nodes:
        walk(node)
    assert sum(1 for n in nodes if n["type"] == "math") >= sum(
        1 for n in tree.walk() if n.type == "math_inline_double")
