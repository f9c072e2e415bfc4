"""What every view shares: each formula printed once, text escaped for the format,
equations, and filling a template with a view's context."""

from __future__ import annotations

import json
import re
import string
from functools import lru_cache
from pathlib import Path

import sympy as sp

from ..printing import Notation, PlainPrinter, ProofPrinter, Tex, is_sum, ordered_terms, signed_factors
from ..steps import Fact, Prose, rule_title
from .formats import LATEX_TT, Format
from .templates import environment

#: Explicit matrices larger than this are summarised, not printed (amsmath's bmatrix
#: also stops at 10 columns).
SHOW_MAX = 6
#: A display whose two sides are estimated wider than this (see `width`, in characters of
#: 11 pt text; a line of the LaTeX report holds about 90) breaks after its left side.
SPLIT_AT = 72
#: A matrix wider than this on the line after its left side is cut: by rows or by columns.
ALIGNED_AT = 74

_MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.S)
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_SUB = re.compile(r"[_^]\{([^{}]*)\}")
_DROP = re.compile(r"\\(left|right|mathbf|mathrm|boldsymbol|operatorname|bigl|bigr|!)(?![A-Za-z])|[{}\s]")
_ODOT = re.compile(r"\\odot(?![A-Za-z])")
_COMMAND = re.compile(r"\\[A-Za-z]+|\\.")
_COMMAND_OR_CHAR = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)
_WORDS = re.compile(r"\\(tanh|sinh|cosh|sin|cos|exp|log)(?![A-Za-z])")  # printed as their letters


@lru_cache(maxsize=4096)  # asked again of each formula and of its pieces
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

    tex = _MATRIX.sub(matrix, _ODOT.sub("###", tex))  # ⊙ and its spacing: three glyphs wide
    while True:
        new = _FRAC.sub(lambda m: max(m.group(1), m.group(2), key=len), tex)
        new = _SUB.sub(lambda m: "~" * round(0.7 * len(_DROP.sub("", _COMMAND.sub("c", m.group(1))))), new)
        if new == tex:
            break
        tex = new
    return len(_COMMAND.sub("c", _DROP.sub("", _WORDS.sub(r"\1", tex))))


def _breaks(text: str) -> list[bool]:
    """Where verbatim text may break besides its spaces: after a bracket, comma or operator
    outside braces (a command's argument, a subscript) and not before a subscript or
    superscript, so `\\mathbf{W}_{xh}` and `h_{t-1}` stay whole and a line never breaks
    inside a command or between it and its braces."""
    out, depth = [False] * len(text), 0
    for token in _COMMAND_OR_CHAR.finditer(text):
        c, end = token.group(), token.end()
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        elif c in "()[],+-=" and depth == 0 and text[end:end + 1] not in ("_", "^", " ", ""):
            out[end - 1] = True
    return out


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
        if self.fmt.name.startswith("latex"):
            return Tex(r"\texttt{%s}" % "".join(LATEX_TT.get(c, c) + ("\\allowbreak{}" if ok else "")
                                                  for c, ok in zip(text, _breaks(text))))
        return Tex(text)

    def prose(self, p: Prose | None) -> Tex:
        """Escaped text with each {slot} printed as inline math ("{a} = {b}" is one span), or
        as code for a str slot (the user's own text)."""
        if p is None:
            return Tex("")
        math = dict(p.math)
        parts = list(string.Formatter().parse(p.text))
        out, k = [], 0
        while k < len(parts):
            literal, field, _, _ = parts[k]
            out.append(self.fmt.escape(literal))
            if field is not None and isinstance(math[field], str):
                out.append(self.code(math[field]))
            elif field is not None:
                span = self.tex(math[field])
                while k + 1 < len(parts) and parts[k + 1][0] == " = " and parts[k + 1][1] is not None:
                    k += 1
                    span = Tex("%s = %s" % (span, self.tex(math[parts[k][1]])))
                out.append(span if self.fmt.name == "text" else "$%s$" % span)
            k += 1
        return Tex("".join(out))

    def equation(self, lhs, rhs, relation: str = "=", verified_by: str | None = None) -> dict:
        """An equation to print; `verified_by` says how the engine checked it (derive and
        bptt reports print only equations that carry one: see `fact`)."""
        if relation == "<=":
            relation = "≤" if self.fmt.name == "text" else r"\le"
        left, right = self.tex(lhs), self.tex(rhs)
        split = width(left) + width(right) > SPLIT_AT
        aligned = None
        if split and self.fmt.name != "text":
            aligned = (self._both_broken(lhs, relation, rhs) if width(left) > ALIGNED_AT - 12
                       else self._aligned(left, relation, rhs))
        return {"lhs": left, "rhs": right, "relation": Tex(relation), "split": split, "aligned": aligned,
                "verified_by": None if verified_by is None else self.text(verified_by)}

    def routes(self, routes, checks) -> list[dict]:
        """Each route's steps as equations with their re-verification records (`checks`:
        one StepCheck per step, in order)."""
        by_step = {(c.route, c.index): c for c in checks}
        out = []
        for route in routes:
            steps = []
            for number, step in enumerate(route.steps, 1):
                check = by_step[(route.key, number)]
                steps.append({
                    "number": number, "rule": self.prose(rule_title(step.rule)),
                    "note": self.prose(step.note), **self.equation(step.lhs, step.rhs, verified_by=check.method),
                    "verified": check.ok, "method": self.text(check.method), "definition": False,
                    "detail": self.text(check.detail),
                })
            out.append({"key": route.key, "title": self.text(route.title),
                        "summary": self.prose(route.summary), "steps": steps})
        return out

    def fact(self, f) -> dict | None:
        """A `steps.Fact` of the engine as an equation, with its verification record."""
        if f is None:
            return None
        return {**self.equation(f.lhs, f.rhs, f.relation, f.method), "method": self.text(f.method), "ok": f.ok}

    def cell(self, cell) -> dict:
        """What every report of a cell prints about it: its key, title, source and convention,
        the equations as typed (`typed`, verbatim, for a cell parsed from text), how they were
        read (`rows`: a row product as written and as read, for a row-vector cell) and the
        equations as the engine holds them. The sentences around them are the templates'
        (macros `cell_intro` and `cell_named`)."""
        return {"key": cell.key, "title": self.text(cell.title), "source": self.text(cell.source),
                "convention": self.prose(cell.convention),
                "typed": [self.code(text) for text in cell.typed],
                "rows": cell.rows and {"written": self.tex(cell.rows[0]), "read": self.tex(cell.rows[1])},
                "equations": [self.fact(Fact(l, r, "definition")) for l, r in cell.equations]}

    def read_json(self, cell) -> dict | None:
        """How a typed cell was read, for the JSON reports (beside `typed`, the text verbatim):
        `rows`, a row product as written and as read (None unless typed with row vectors), and
        `equations`, each as symbptt holds it. None for a library cell."""
        if not cell.typed:
            return None
        return {"rows": cell.rows and {"written": str(self.tex(cell.rows[0])), "read": str(self.tex(cell.rows[1]))},
                "equations": [{"lhs": str(self.tex(l)), "rhs": str(self.tex(r))} for l, r in cell.equations]}

    def matrix(self, m: sp.Matrix) -> Tex | None:
        return self.tex(m) if max(m.shape) <= SHOW_MAX else None

    def _aligned(self, left: str, relation: str, m) -> Tex | None:
        """The body of an aligned display for a right side wider than a line, or None when it
        fits after its left side: an expression broken between terms (`_lines`); an explicit
        vector row by row, [x_t]_i = …, each long sum broken between its terms; a matrix in
        blocks of whole columns, the first opening its bracket and the last closing it."""
        if isinstance(m, (sp.Add, sp.Mul, sp.DiagMatrix, sp.Transpose)) and width(self.tex(m)) > ALIGNED_AT:
            # A long expression (a gated cell's Jacobian or entry; MatAdd and MatMul are Add
            # and Mul): broken between its terms and inside its factors.
            return Tex(r"&%s \\ &\qquad %s " % (left, relation)
                       + r" \\ &\qquad\quad ".join(self._lines(m, ALIGNED_AT - 20)))
        if not isinstance(m, sp.MatrixBase) or width(self.tex(m)) <= ALIGNED_AT:
            return None
        if m.cols == 1:
            lines = []
            for r in range(m.rows):
                head = r"\left[%s\right]_{%d} &%s " % (left, r + 1, relation)
                lines.append(head + r" \\ &\qquad ".join(self._broken(m[r, 0])))
            return Tex(r" \\ ".join(lines))
        entries = [[self.tex(m[r, c]) for c in range(m.cols)] for r in range(m.rows)]
        widths = [max(width(entries[r][c]) for r in range(m.rows)) + 2 for c in range(m.cols)]
        groups, current = [], []
        for c, w in enumerate(widths):
            if current and sum(widths[k] for k in current) + w > ALIGNED_AT - 8:
                groups.append(current)
                current = []
            current.append(c)
        groups.append(current)
        lines = ["&" + left]
        for k, cols in enumerate(groups):
            body = r" \\ {}".join(" & ".join(entries[r][c] for c in cols) for r in range(m.rows))
            opening = r"\left[" if k == 0 else r"\left."
            closing = r"\right]" if k == len(groups) - 1 else r"\right."
            mark = relation if k == 0 else r"\phantom{%s}" % relation
            lines.append(r"&\qquad %s %s\begin{matrix}%s\end{matrix}%s" % (mark, opening, body, closing))
        return Tex(r" \\ ".join(lines))

    def _both_broken(self, lhs, relation: str, rhs) -> Tex:
        """An equation whose left side alone is wider than a line: both sides broken."""
        lines = self._lines(lhs, ALIGNED_AT - 6)
        body = "&" + r" \\ &\quad ".join(lines) + r" \\ &\qquad %s " % relation
        return Tex(body + r" \\ &\qquad\quad ".join(self._lines(rhs, ALIGNED_AT - 20)))

    def _lines(self, expr, budget: float) -> list[str]:
        """`expr`'s LaTeX in lines of at most `budget` (estimated) width."""
        lines, current = [], ""
        for piece in self._pieces(expr, budget):
            if current and width(current + piece) > budget:
                lines.append(current)
                current = ""
            current = f"{current} {piece}" if current else piece
        return lines + [current]

    def _pieces(self, expr, budget: float) -> list[str]:
        """Pieces of `expr`'s LaTeX between which a line may break: the terms of a sum, the
        factors of a ⊙ inside a diag(…) too wide for a line (with \\bigl( \\bigr), which,
        unlike \\left \\right, may stand on different lines)."""
        tex = self.tex(expr)
        if width(tex) <= budget:
            return [tex]
        if isinstance(expr, sp.MatAdd):
            out = []
            for k, term in enumerate(ordered_terms(expr)):
                pieces = self._pieces(term, budget)
                first = pieces[0]
                if k and not first.startswith("- "):
                    first = "+ " + first
                out += [first, *pieces[1:]]
            return out
        if isinstance(expr, sp.Add) and not expr.is_Matrix:
            # a long term (an entry's product of gates and sigmoids) breaks between its factors
            return [piece for term in self._printer.add_terms(expr)
                    for piece in (_factors_of(term) if width(term) > ALIGNED_AT else [term])]
        if isinstance(expr, sp.Mul) and not expr.is_Matrix:
            negative, factors = signed_factors(expr)
            out = ["-"] if negative else []
            for f in factors:
                if isinstance(f, sp.Add) and width(self.tex(f)) > budget / 2:
                    out += self._bracketed(f, budget)
                else:
                    out.append(r"\left(%s\right)" % self.tex(f) if isinstance(f, sp.Add) else self.tex(f))
            return out
        if isinstance(expr, sp.MatMul):
            out = []
            for factor in expr.args:
                if isinstance(factor, sp.DiagMatrix) and width(self.tex(factor)) > budget / 2:
                    out += self._bracketed(factor.args[0], budget, self.notation.diag_latex)
                elif isinstance(factor, sp.MatAdd) and width(self.tex(factor)) > budget / 2:
                    out += self._bracketed(factor, budget)
                elif isinstance(factor, sp.MatAdd):
                    out.append(r"\left(%s\right)" % self.tex(factor))
                else:
                    out.append(self.tex(factor))
            return out
        if isinstance(expr, sp.DiagMatrix):
            return self._bracketed(expr.args[0], budget, self.notation.diag_latex)
        if isinstance(expr, sp.Transpose):
            inner = self._bracketed(expr.arg, budget)
            inner[-1] += self.notation.transpose_latex
            return inner
        if isinstance(expr, sp.HadamardProduct):
            out = []
            for k, factor in enumerate(expr.args):
                mark = r"\odot " if k else ""
                if isinstance(factor, sp.MatAdd) and width(self.tex(factor)) > budget / 2:
                    out += self._bracketed(factor, budget, mark)
                else:
                    text = self.tex(factor)
                    out.append(mark + (r"\left(%s\right)" % text if is_sum(factor) else text))
            return out
        return [tex]

    def _bracketed(self, expr, budget: float, head: str = "") -> list[str]:
        """head\\bigl( pieces of `expr` \\bigr), breakable between the pieces."""
        inner = self._pieces(expr, budget)
        inner[0] = head + r"\bigl(" + inner[0]
        inner[-1] = inner[-1] + r"\bigr)"
        return inner

    def _broken(self, entry) -> list[str]:
        """An entry's LaTeX in lines of at most a line's width, broken between the terms of
        a sum as the printer orders them."""
        terms = self._printer.add_terms(entry) if isinstance(entry, sp.Add) else [self.tex(entry)]
        lines, current = [], ""
        for term in terms:
            if current and width(current + term) > ALIGNED_AT - 12:
                lines.append(current)
                current = ""
            first = not lines and not current
            current += term[2:] if first and term.startswith("+ ") else (" " + term if current else term)
        return lines + [current]

def _factors_of(tex: str) -> list[str]:
    """A printed product split at its top-level spaces (outside every group and
    \\left…\\right pair): its factors, between which a line may break."""
    out, depth, start, k = [], 0, 0, 0
    while k < len(tex):
        if tex.startswith(r"\left", k) and not tex.startswith(r"\left.", k):
            depth += 1
        elif tex.startswith(r"\right", k):
            depth -= 1
        elif tex[k] == "{":
            depth += 1
        elif tex[k] == "}":
            depth -= 1
        elif tex[k] == " " and depth == 0 and tex[start:k].strip() not in ("", "+", "-"):
            out.append(tex[start:k].strip())
            start = k + 1
        k += 1
    return out + [tex[start:].strip()]


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
