"""What keeps each command's start-up near `import sympy` (docs/speed.md), checked by what a
run imports: never by timing."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = ("import sys; from symbptt.cli import main; status = main({argv!r}); "
         "print(status, sorted(m for m in {modules!r} if m in sys.modules), file=sys.stderr)")


def _imported(tmp_path, argv, modules):
    run = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, modules=modules)], cwd=tmp_path,
                         capture_output=True, text=True)
    status, _, found = run.stderr.strip().splitlines()[-1].partition(" ")
    assert status == "0", run.stderr
    return found


@pytest.mark.parametrize("argv", [["derive"], ["activations"]])
def test_derive_loads_neither_the_formula_parser_nor_numpy(tmp_path, argv):
    assert _imported(tmp_path, argv, ("lark", "symbptt.grammar", "numpy", "matplotlib")) == "[]"


def test_bptt_loads_neither_numpy_nor_matplotlib(tmp_path):
    assert _imported(tmp_path, ["bptt"], ("numpy", "matplotlib", "lark", "symbptt.plot")) == "[]"


def test_the_plot_is_drawn_without_a_plotting_library(tmp_path):
    found = _imported(tmp_path, ["bptt", "--plot", "-o", str(tmp_path / "b.md")],
                      ("numpy", "matplotlib", "reportlab", "symbptt.vector"))
    assert found == "['symbptt.vector']"
    assert (tmp_path / "b-figure.svg").is_file() and (tmp_path / "b-figure.pdf").is_file()
