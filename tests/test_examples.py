"""The course-notes example: up to date, and it builds with pdflatex and renders in KaTeX."""

from __future__ import annotations

import re
import shutil

import pytest

from symbptt.gallery import EXAMPLE_FILES, build_example

from .conftest import ROOT
from .test_tools import compile_tex, math_spans, render_with_katex

EXAMPLE = ROOT / "examples" / "course-notes"


def test_embedded_files_are_up_to_date(tmp_path):
    shutil.copy(EXAMPLE / "symbptt.toml", tmp_path)
    for path in build_example(tmp_path):
        assert path.read_bytes() == (EXAMPLE / path.name).read_bytes(), (
            f"{path.name} is stale: run `python -m symbptt gallery`")
    assert len(EXAMPLE_FILES) == 4


def test_example_uses_the_course_notation():
    text = (EXAMPLE / "jacobian.tex").read_text()
    assert "W_{\\mathrm{hh}}" in text and "h_{t-1}" in text and "\\mathbf" not in text


@pytest.mark.tools
def test_notes_tex_builds(pdflatex, tmp_path):
    for path in EXAMPLE.iterdir():
        shutil.copy(path, tmp_path)
    log = compile_tex(pdflatex, tmp_path / "notes.tex", tmp_path)
    assert "jacobian.tex" in log and "check-pascanu.tex" in log


def expand_snippets(text: str) -> str:
    """MkDocs pymdownx.snippets: a line --8<-- "file" is replaced by the file."""
    return re.sub(r'^--8<-- "([^"]+)"$', lambda m: (EXAMPLE / m.group(1)).read_text(), text, flags=re.M)


@pytest.mark.tools
def test_notes_md_renders(katex):
    page = expand_snippets((EXAMPLE / "notes.md").read_text())
    assert "--8<--" not in page
    spans = math_spans(page)
    result = render_with_katex(katex, spans)
    assert result["errors"] == [] and result["rendered"] == len(spans) > 50
