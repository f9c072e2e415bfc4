"""Shared fixtures: cached derivations, the external-tool switch, hypothesis profiles."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import Phase, settings

import symbptt

ROOT = Path(__file__).resolve().parent.parent

# The suite never touches the user's own cache folder (symbptt.cache): the CLI run in
# subprocesses inherits this too.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="symbptt-test-cache-")
os.environ.pop("SYMBPTT_NO_CACHE", None)
KATEX_DIR = ROOT / "tests" / "js"

# CI is derandomized so a run is reproducible; locally hypothesis explores.
# The explain phase needs libcst, which is not a test dependency.
_PHASES = [p for p in Phase if p is not Phase.explain]
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=25, phases=_PHASES)
settings.register_profile("dev", deadline=None, max_examples=25, phases=_PHASES)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@functools.lru_cache(maxsize=None)
def derivation(activation: str, dim: int | None = 2, layout: str = "both", inputs=None):
    """`symbptt.derive` with the same arguments, computed once per test session."""
    return symbptt.derive(activation, dim=dim, layout=layout, inputs=inputs)


def require_tool(name: str, found: bool, how: str):
    """Skip visibly when a tool is missing; fail instead when SYMBPTT_REQUIRE_TOOLS=1 (CI)."""
    if found:
        return
    message = f"{name} is not installed ({how})"
    if os.environ.get("SYMBPTT_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; SYMBPTT_REQUIRE_TOOLS=1 makes this a failure")
    pytest.skip(message)


@pytest.fixture
def pdflatex():
    require_tool("pdflatex", shutil.which("pdflatex") is not None,
                 "apt-get install texlive-latex-base texlive-latex-recommended latexmk")
    return shutil.which("pdflatex")


@pytest.fixture
def katex():
    found = shutil.which("node") is not None and (KATEX_DIR / "node_modules" / "katex").is_dir()
    require_tool("node with katex", found, "npm ci --prefix tests/js")
    return KATEX_DIR / "katex_check.js"


def run_cli(capsys, *argv):
    """(exit status, stdout, stderr) of the CLI in-process; argparse's SystemExit is a status."""
    from symbptt.cli import main
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err
