"""What every view shares: each formula printed once, text escaped for the format,
equations, and filling a template with a view's context."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import sympy as sp

from ..printing import Notation, PlainPrinter, ProofPrinter, Tex
from ..steps import Prose
from .formats import Format
from .templates import environment

#: Explicit matrices larger than this are summarised, not printed (amsmath's bmatrix
#: also stops at 10 columns).
SHOW_MAX = 6
#: A display whose two sides are estimated wider than this (see `width`, in characters of
#: 11 pt text; a line of the LaTeX report holds about 90) breaks after its left side.
SPLIT_AT = 72

_MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.S)
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_SUB = re.compile(r"[_^]\{([^{}]*)\}")
_DROP = re.compile(r"\\(left|right|mathbf|mathrm|boldsymbol|operatorname|bigl|bigr|!)(?![A-Za-z])|[{}\s]")
_COMMAND = re.compile(r"\\[A-Za-z]+|\\.")


def width(tex: str) -> float:
    """The printed width of LaTeX math, estimated in characters: a command is one glyph,
    subscripts count 0.7, a fraction its wider part, a matrix the sum of its widest
    entries per column. Good enough to decide where a display breaks; pdflatex's log, read
    by a test, has the last word."""
    def matrix(match):
        rows = [r.split("&") for r in match.group(1).split("\\\\")]
        cols = max(len(r) for r in rows)
        total = sum(max(width(r[c]) if c < len(r) else 0 for r in rows) + 2 for c in range(cols))
        return "#" * round(total + 2)

    tex = _MATRIX.sub(matrix, tex)
    while True:
        new = _FRAC.sub(lambda m: max(m.group(1), m.group(2), key=len), tex)
        new = _SUB.sub(lambda m: "~" * round(0.7 * len(_DROP.sub("", _COMMAND.sub("c", m.group(1))))), new)
        if new == tex:
            break
        tex = new
    return len(_COMMAND.sub("c", _DROP.sub("", tex)))


class View:
    """Prints formulas and escapes text for one format: the helpers every view shares."""

    def __init__(self, fmt: Format, notation: Notation):
        self.fmt, self.notation = fmt, notation
        printer = PlainPrinter if fmt.name == "text" else ProofPrinter
        self._printer = printer({"notation": notation})
        self._printed: dict = {}

    def tex(self, expr) -> Tex:
        """A formula in this format's notation: LaTeX, or plain text for the text format.

        Printed once per view: consecutive steps share sides, and printing dominates.
        """
        if isinstance(expr, sp.MatrixBase):
            expr = sp.ImmutableMatrix(expr)
        key = (type(expr), expr)
        if key not in self._printed:
            self._printed[key] = Tex(self._printer.doprint(expr))
        return self._printed[key]

    def text(self, text: str) -> Tex:
        return Tex(self.fmt.escape(text))

    def prose(self, p: Prose | None) -> Tex:
        """Escaped text with each {slot} printed as inline math."""
        if p is None:
            return Tex("")
        math = dict(p.math)
        out = []
        for literal, field, _, _ in string.Formatter().parse(p.text):
            out.append(self.fmt.escape(literal))
            if field is not None:
                math_text = self.tex(math[field])
                out.append(math_text if self.fmt.name == "text" else "$%s$" % math_text)
        return Tex("".join(out))

    def equation(self, lhs, rhs, relation: str = "=") -> dict:
        if relation == "<=":
            relation = "≤" if self.fmt.name == "text" else r"\le"
        left, right = self.tex(lhs), self.tex(rhs)
        return {"lhs": left, "rhs": right, "relation": Tex(relation),
                "split": width(left) + width(right) > SPLIT_AT}

    def matrix(self, m: sp.Matrix) -> Tex | None:
        return self.tex(m) if max(m.shape) <= SHOW_MAX else None


def fill(view, form: Format, kind: str, template_dir: str | Path | None) -> str:
    """The `kind` template (report, check or bptt) of `form`, filled with `view`'s context."""
    template = form.template.format(kind=kind)
    text = environment(form, template_dir).get_template(template).render(view.context())
    # Optional parts of a template leave blank lines when absent: one blank line separates
    # blocks (Markdown ends a list or a display there; LaTeX a paragraph).
    return re.sub(r"\n{3,}", "\n\n", text)


def dump(data: dict) -> str:
    """A JSON report: sorted keys, indented, UTF-8 as is, one final newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
