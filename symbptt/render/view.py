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
#: A step whose two sides are longer than this (LaTeX source characters) breaks its line.
SPLIT_AT = 200


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

    def code(self, text: str) -> Tex:
        """User text shown verbatim, on one line: a code span, \texttt, or as is."""
        text = " ".join(text.split())
        if self.fmt.name == "markdown":
            fence = "`" * (1 + max((len(r) for r in re.findall(r"`+", text)), default=0))
            pad = " " if text.startswith("`") or text.endswith("`") else ""
            return Tex(f"{fence}{pad}{text}{pad}{fence}")
        if self.fmt.name.startswith("latex"):  # breakable after brackets and operators
            escaped = "".join(self.fmt.escape(c) + (r"\allowbreak{}" if c in "()[]{},+-=" else "")
                              for c in text)
            return Tex(r"\texttt{%s}" % escaped)
        return Tex(text)

    def prose(self, p: Prose | None) -> Tex:
        """Escaped text with each {slot} printed as inline math, or as code for a str slot."""
        if p is None:
            return Tex("")
        math = dict(p.math)
        out = []
        for literal, field, _, _ in string.Formatter().parse(p.text):
            out.append(self.fmt.escape(literal))
            if field is not None and isinstance(math[field], str):
                out.append(self.code(math[field]))
            elif field is not None:
                math_text = self.tex(math[field])
                out.append(math_text if self.fmt.name == "text" else "$%s$" % math_text)
        return Tex("".join(out))

    def equation(self, lhs, rhs, relation: str = "=") -> dict:
        if relation == "<=":
            relation = "≤" if self.fmt.name == "text" else r"\le"
        left, right = self.tex(lhs), self.tex(rhs)
        return {"lhs": left, "rhs": right, "relation": Tex(relation),
                "split": len(left) + len(right) > SPLIT_AT}

    def matrix(self, m: sp.Matrix) -> Tex | None:
        return self.tex(m) if max(m.shape) <= SHOW_MAX else None


def fill(view, form: Format, kind: str, template_dir: str | Path | None) -> str:
    """The `kind` template (report, check or bptt) of `form`, filled with `view`'s context."""
    template = form.template.format(kind=kind)
    return environment(form, template_dir).get_template(template).render(view.context())


def dump(data: dict) -> str:
    """A JSON report: sorted keys, indented, UTF-8 as is, one final newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
