"""Sphinx configuration of symbptt's documentation (MyST Markdown pages, the symbptt directive).

Build: ``pip install -e '.[docs]' && sphinx-build -W docs docs/_build/html``. Every derivation
shown is made by the ``symbptt`` directive at build time. MathJax is served from the build
(the pinned npm package in tests/js, after ``npm ci --prefix tests/js``), so the site needs
no network; without it, Sphinx's default MathJax address is used.
"""

import shutil
from pathlib import Path

import symbptt

ROOT = Path(__file__).resolve().parent.parent
MATHJAX = ROOT / "tests" / "js" / "node_modules" / "mathjax" / "es5"

project = "symbptt"
author = "the symbptt authors"
copyright = "the symbptt authors"
version = release = symbptt.__version__

extensions = ["myst_parser", "sphinx.ext.mathjax", "symbptt.sphinx"]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
root_doc = "index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = ["_static"]
html_css_files = ["symbptt.css"]
html_last_updated_fmt = None
# An undefined macro is an error node (mjx-merror), not red text: the browser test finds it.
mathjax3_config = {"tex": {"packages": {"[-]": ["noundefined"]}}}
if MATHJAX.is_dir():
    mathjax_path = "mathjax/tex-chtml-full.js"


#: What the site needs of MathJax's npm package: the component with every TeX extension
#: built in (nothing is autoloaded), its fonts, and what its menu loads on demand.
MATHJAX_PARTS = ["tex-chtml-full.js", "output/chtml/fonts/woff-v2", "a11y", "sre", "ui"]


def _copy_mathjax(app, exception):
    """The pinned MathJax into _static/mathjax/ (nothing is fetched from the network)."""
    if exception is None and MATHJAX.is_dir() and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "mathjax"
        for part in MATHJAX_PARTS:
            source = MATHJAX / part
            if source.is_dir():
                shutil.copytree(source, target / part, dirs_exist_ok=True)
            else:
                (target / part).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / part)


def setup(app):
    app.connect("build-finished", _copy_mathjax)
