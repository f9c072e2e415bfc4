"""The README is a landing page: the two commands, one example per command (which run), a
picture, the prerequisites, and links into docs/ that resolve."""

from __future__ import annotations

import re
import shlex

import pytest

from .conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
INSTALL = "pip install . && python -m symbptt derive"
TESTS = "pip install -e '.[test]' && npm ci --prefix tests/js && python -m pytest"
DEBIAN = ("texlive-latex-base", "texlive-latex-recommended", "latexmk", "nodejs", "npm", "chromium", "make", "poppler-utils")


def _section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_two_commands_verbatim_and_ci_runs_the_test_command():
    assert f"```sh\n{INSTALL}\n```" in _section(README, "Install and run")
    assert f"```sh\n{TESTS}\n```" in _section(README, "Run the tests")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TESTS in ci


def test_prerequisites_listed_with_debian_names_in_readme_and_docs():
    install = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    for package in DEBIAN:
        assert re.search(rf"\b{package}\b", _section(README, "Run the tests")), package
        assert re.search(rf"\b{package}\b", _section(install, "Prerequisites on a bare machine")), package


def test_links_and_picture_resolve():
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    assert len(links) >= 10
    for link in links:
        path, _, anchor = link.partition("#")
        assert (ROOT / path).exists(), link
        if anchor:
            titles = re.findall(r"(?m)^#+ (.+)$", (ROOT / path).read_text(encoding="utf-8"))
            slugs = {re.sub(r"[^\w\- ]", "", t).strip().lower().replace(" ", "-") for t in titles}
            assert anchor in slugs, link
    picture = re.search(r"!\[[^\]]+\]\(([^)]+\.png)\)", README).group(1)
    assert (ROOT / picture).read_bytes().startswith(b"\x89PNG")


def _examples() -> list[list[str]]:
    block = _section(README, "Three commands").split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line)[3:] for line in block.strip().splitlines()]


def test_one_example_per_command():
    assert [argv[0] for argv in _examples()] == ["derive", "check", "bptt"]


@pytest.mark.parametrize("index", [pytest.param(0, marks=pytest.mark.tools), 1, 2],
                         ids=["derive", "check", "bptt"])
def test_the_examples_run(index, capsys, tmp_path, monkeypatch, request):
    argv = _examples()[index]
    if "--pdf" in argv:
        request.getfixturevalue("pdflatex")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
