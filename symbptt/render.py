"""Reports: a `Derivation` → Markdown, standalone LaTeX, a LaTeX fragment, or JSON.

All mathematics is printed here, once, by `printing.ProofPrinter`; templates only place it.
Every other string reaching a template is escaped for its format in one pass (Jinja's
``finalize``), so text can never inject markup; `Tex` values pass through untouched.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import sympy as sp

from . import __version__
from .derivation import Derivation
from .errors import InputError
from .layout import Jacobian, Layout, definition
from .model import ARG, FORMS, Recurrence
from .pascanu import Norm2, true_diag

if TYPE_CHECKING:  # check is imported on use: `derive` needs neither it nor lark
    from .bptt import Bptt
    from .check import CheckResult
from .printing import Notation, PlainPrinter, ProofPrinter, Tex
from .steps import RULES, Prose

#: Explicit matrices larger than this are summarised, not printed (amsmath's bmatrix
#: also stops at 10 columns).
SHOW_MAX = 6
#: A step whose two sides are longer than this (LaTeX source characters) breaks its line.
SPLIT_AT = 200

_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
# Inline prose only: characters that start emphasis, code, links, HTML, math or tables.
_MARKDOWN_ESCAPES = {c: "\\" + c for c in "\\`*_{}[]<>#|$~"}


@dataclass(frozen=True)
class Format:
    """One output format: its template pattern (None for JSON), file suffix and escaper.

    The pattern's ``{kind}`` is the report kind: ``report`` (derive) or ``check``.
    """

    name: str
    template: str | None
    suffix: str
    escapes: dict

    def escape(self, text: str) -> str:
        """Escape `text` in one pass over its characters (never chained replaces)."""
        return "".join(self.escapes.get(c, c) for c in text)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("markdown", "{kind}.md.j2", ".md", _MARKDOWN_ESCAPES),
        Format("latex", "{kind}.tex.j2", ".tex", _LATEX_ESCAPES),
        Format("latex-fragment", "{kind}-fragment.tex.j2", ".tex", _LATEX_ESCAPES),
        Format("json", None, ".json", {}),
        Format("text", "{kind}.txt.j2", ".txt", {}),
    )
}
#: The formats each command offers.
DERIVE_FORMATS = ("markdown", "latex", "latex-fragment", "json")
CHECK_FORMATS = ("text", "markdown", "latex", "latex-fragment", "json")


def get_format(name: str, offered: tuple[str, ...] = DERIVE_FORMATS) -> Format:
    if name not in offered:
        raise InputError(f"unknown format {name!r}; choose one of: {', '.join(offered)}")
    return FORMATS[name]


def template_dir() -> Path:
    """The built-in templates: inside the installed package, else the checkout's templates/."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


#: How templates are compiled: delimiters LaTeX never uses (with Jinja's defaults `{#1}` is
#: a syntax error), and whitespace control.
_SYNTAX = dict(
    block_start_string="((*", block_end_string="*))",
    variable_start_string="(((", variable_end_string=")))",
    comment_start_string="((#", comment_end_string="#))",
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False,
)


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept by Jinja in its private folder under the system temp dir
    (compiling them is a tenth of `derive`'s start-up). A file is named by the format and
    the compile settings as well as the template, since both shape the compiled code;
    Jinja itself checks the template's source and its own version. A cache that cannot be
    written only makes the next run slower."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _template_cache(fmt: Format) -> jinja2.BytecodeCache | None:
    settings = repr((__version__, fmt.name, sorted(_SYNTAX.items()))).encode()
    try:
        return _TemplateCache(pattern=f"symbptt-{hashlib.sha256(settings).hexdigest()[:16]}-%s.cache")
    except (OSError, RuntimeError):  # no private cache folder can be made: compile each time
        return None


def environment(fmt: Format, user_dir: str | Path | None = None) -> jinja2.Environment:
    """Jinja environment for `fmt`; templates in `user_dir` override built-in ones by name."""
    loaders = [jinja2.FileSystemLoader(str(user_dir))] if user_dir else []
    loaders.append(jinja2.FileSystemLoader(str(template_dir())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        finalize=lambda v: v if isinstance(v, Tex) else fmt.escape(str(v)),
        bytecode_cache=_template_cache(fmt),
        **_SYNTAX,
    )
    # A macro's output was escaped piece by piece as it rendered: `|rendered` passes it on.
    env.filters["rendered"] = Tex
    return env


class _View:
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
                "split": len(left) + len(right) > SPLIT_AT}

    def matrix(self, m: sp.Matrix) -> Tex | None:
        return self.tex(m) if max(m.shape) <= SHOW_MAX else None


class _ReportView(_View):
    """The context of a derivation report (templates report*.j2)."""

    def __init__(self, derivation: Derivation, fmt: Format, notation: Notation):
        super().__init__(fmt, notation)
        self.d = derivation

    def context(self) -> dict:
        d, rec = self.d, self.d.recurrence
        act = d.activation
        checks = {(c.route, c.index): c for c in d.checks}
        routes = []
        for route in d.routes:
            steps = []
            for number, step in enumerate(route.steps, 1):
                check = checks[(route.key, number)]
                steps.append({
                    "number": number, "rule": self.text(RULES[step.rule]),
                    "note": self.prose(step.note), **self.equation(step.lhs, step.rhs),
                    "verified": check.ok, "method": self.text(check.method),
                    "detail": self.text(check.detail),
                })
            routes.append({"key": route.key, "title": self.text(route.title),
                           "summary": self.prose(route.summary), "steps": steps})
        return {
            "version": __version__,
            "activation": {
                "name": act.name, "title": self.text(act.title), "latex": Tex(act.latex),
                "convention": self.text(act.convention),
                "derivative": self.equation(sp.Derivative(act.apply(ARG), ARG), act.derivative(ARG)),
            },
            "recurrence": [self.equation(lhs, rhs) for lhs, rhs in rec.written()],
            "form": {"key": rec.form, "title": self.text(FORMS[rec.form].title),
                     "column": None if rec.form != "row" else self.equation(rec.x_t, rec.rhs())},
            "shapes": self.prose(Prose.of(
                "with {W} of size {n} x {n}, {Win} of size {n} x {m}, {u} of size {m}, "
                "{b} and the state of size {n}, and the activation applied entrywise.",
                W=rec.W, Win=rec.W_in, u=rec.u, b=rec.b, n=rec.n, m=rec.m)),
            "layouts": [self._layout(layout) for layout in d.layouts],
            "routes": routes,
            "expansion": self._expansion(),
            "numeric": self._numeric(),
            "pascanu": self._pascanu(),
            "verified": d.verified,
        }

    def _layout(self, layout: Layout) -> dict:
        eq = definition(layout)
        return {
            "name": layout.value,
            "definition": self.equation(eq.lhs, eq.rhs),
            "result": self.equation(self._jacobian(layout), self.d.result(layout)),
        }

    def _jacobian(self, layout: Layout):
        rec = self.d.recurrence
        return Jacobian(rec.x_t, rec.x_prev, layout)

    def _expansion(self) -> dict | None:
        e = self.d.expansion
        if e is None:
            return None
        shown = []
        for layout in self.d.layouts:
            J, closed = e.in_layout(layout)
            shown.append({"name": layout.value, "jacobian": self.matrix(J),
                          "closed": self.matrix(closed),
                          "closed_form": self.tex(self.d.result(layout)),
                          "lhs": self.tex(self._jacobian(layout))})
        return {
            "n": e.n, "m": e.m, "entries": e.entries, "verified": e.verified,
            "state": self.matrix(e.state), "x_t": self.tex(self.d.recurrence.x_t),
            "layouts": shown, "mismatches": [
                {"position": f"({i}, {j})", "got": self.tex(a), "expected": self.tex(b)}
                for i, j, a, b in e.mismatches
            ],
        }

    def _numeric(self) -> dict | None:
        c = self.d.numeric
        if c is None:
            return None
        return {"n": c.n, "m": c.m, "seed": c.seed, "max_error": Tex("%.1e" % c.max_error),
                "tolerance": Tex("%.0e" % c.tolerance), "passed": c.passed}

    def _pascanu(self) -> dict:
        p = self.d.pascanu
        rec = self.d.recurrence
        W, J = rec.W, self._jacobian(Layout.NUMERATOR)
        J_den = self._jacobian(Layout.DENOMINATOR)
        D = true_diag(rec)
        norms = dict(p.norms)
        value = lambda key: sp.Float(norms[key], 6)
        gamma = self.d.activation.sup_derivative
        (row_lhs, row_rhs), = Recurrence(rec.activation, form="row").written()
        return {
            "claim": self.tex(p.claim), "n": p.n,
            "claim_explicit": self.tex(p.claim_explicit),
            "comparisons": [
                {"name": c.layout.value, "holds": c.holds, "truth": self.tex(c.truth),
                 "differing": len(c.differing)}
                for c in p.comparisons
            ],
            "row_form": self.equation(row_lhs, row_rhs),
            "row_vector_matches": p.row_vector_matches,
            "row_vector": self.tex(p.row_vector),
            "bound": self.equation(Norm2(J), sp.Mul(Norm2(W), Norm2(D), evaluate=False), r"\le"),
            "transpose_norm": self.equation(Norm2(sp.Transpose(W)), Norm2(W)),
            "gamma": None if gamma is None else self.equation(Norm2(D), gamma, r"\le"),
            "norms": [
                self.equation(Norm2(J), value("J_num")),
                self.equation(Norm2(J_den), value("J_den")),
                self.equation(Norm2(W), value("W")),
                self.equation(Norm2(sp.Transpose(W)), value("W_T")),
                self.equation(Norm2(D), value("D")),
            ],
            "bound_holds": p.bound_holds,
        }


def render(derivation: Derivation, fmt: str = "markdown", notation: Notation | None = None,
           template_dir: str | Path | None = None) -> str:
    """The report for `derivation` in format `fmt` (see FORMATS), as text."""
    form = get_format(fmt)
    view = _ReportView(derivation, form, notation or Notation())
    if form.template is None:
        return to_json(derivation, view)  # LaTeX in the view's notation
    template = form.template.format(kind="report")
    return environment(form, template_dir).get_template(template).render(view.context())


def to_json(derivation: Derivation, view: _ReportView) -> str:
    """The JSON report: inputs, layouts, closed forms (LaTeX and srepr), entries, checks."""
    d = derivation
    e = d.expansion
    data = {
        "symbptt": __version__,
        "input": {"activation": d.activation.name, "layouts": [l.value for l in d.layouts],
                  "dim": e.n if e else None, "inputs": e.m if e else None,
                  "seed": d.numeric.seed if d.numeric else None},
        "layouts": {},
        "routes": [
            {"key": r.key, "title": r.title, "steps": [
                {"rule": s.rule, "lhs": view.tex(s.lhs), "rhs": view.tex(s.rhs),
                 "verified": c.ok, "method": c.method}
                for s, c in zip(r.steps, [c for c in d.checks if c.route == r.key])
            ]} for r in d.routes
        ],
        "expansion": None if e is None else {
            "n": e.n, "m": e.m, "entries": e.entries, "verified": e.verified,
            "mismatches": [[i, j, sp.srepr(a), sp.srepr(b)] for i, j, a, b in e.mismatches],
        },
        "numeric": None if d.numeric is None else {
            "n": d.numeric.n, "m": d.numeric.m, "seed": d.numeric.seed,
            "max_error": d.numeric.max_error, "tolerance": d.numeric.tolerance,
            "passed": d.numeric.passed,
        },
        "verified": d.verified,
    }
    for layout in d.layouts:
        closed = d.result(layout)
        entry = {"closed_form": {"latex": view.tex(closed), "srepr": sp.srepr(closed)},
                 "definition": view.tex(definition(layout))}
        if e is not None and e.n <= SHOW_MAX:
            J, _ = e.in_layout(layout)
            entry["explicit"] = [[{"latex": view.tex(x), "srepr": sp.srepr(x)} for x in row]
                                 for row in J.tolist()]
        data["layouts"][layout.value] = entry
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _CheckView(_View):
    """The context of a check report (templates check*.j2)."""

    def __init__(self, result: "CheckResult", fmt: Format, notation: Notation):
        super().__init__(fmt, notation)
        self.r = result

    def _counterexample(self, c) -> dict | None:
        if c is None:
            return None
        i, j = c.entry
        return {"n": c.n, "position": f"({i}, {j})", "claim": self.tex(c.claim),
                "truth": self.tex(c.truth), "claim_entry": self.tex(c.claim[i - 1, j - 1]),
                "truth_entry": self.tex(c.truth[i - 1, j - 1]), "seed": c.seed,
                "claim_value": Tex("%.6g" % c.claim_value), "truth_value": Tex("%.6g" % c.truth_value)}

    def reading(self, v) -> Tex:
        """One reading as a sentence, its formulas printed."""
        from .check import AT_PRE_ACTIVATION
        from .model import Recurrence
        rec = Recurrence(self.r.recurrence.activation, form=v.form)
        what = "its transpose is" if v.transposed else "it is"
        text = f"{what} the {v.layout.value}-layout Jacobian of {FORMS[v.form].title}"
        math = {}
        for k, (lhs, rhs) in enumerate(rec.written()):
            text += (", " if k == 0 else " with ") + "{eq%d}" % k
            math[f"eq{k}"] = sp.Eq(lhs, rhs, evaluate=False)
        if v.binding == AT_PRE_ACTIVATION.key:
            text += ", but only with the derivative taken at the step-t pre-activation, {da}, not where the formula puts it"
            math["da"] = rec.derivative_diag(rec.a_t)
        if v.layout is Layout.DENOMINATOR and not v.transposed:
            text += "; so it is also the factor of that form's backward pass {back}"
            delta = sp.MatrixSymbol("delta_t", rec.n, 1)
            factors = self.r.expr.args if isinstance(self.r.expr, sp.MatMul) else (self.r.expr,)
            math["back"] = sp.Eq(sp.MatrixSymbol("delta_prev", rec.n, 1), sp.MatMul(*factors, delta), evaluate=False)
        return self.prose(Prose.of(text, **math))

    def context(self) -> dict:
        r, rec = self.r, self.r.recurrence
        layouts = []
        for layout, v in r.verdicts.items():
            layouts.append({
                "name": layout.value, "status": v.status, "holds": v.holds,
                "truth": self.equation(Jacobian(rec.x_t, rec.x_prev, layout), r.truth(layout)),
                "definition": self.equation(*definition(layout).args),
                "counterexample": self._counterexample(v.counterexample),
            })
        b = r.bound
        return {
            "version": __version__,
            "input": r.text,
            "parsed": self.tex(r.expr),
            "notes": [self.prose(n) for n in r.notes],
            "multi_step": r.multi_step,
            "activation": {"name": rec.activation.name, "title": self.text(rec.activation.title)},
            "recurrence": [self.equation(lhs, rhs) for lhs, rhs in rec.written()],
            "form": self.text(FORMS[rec.form].title),
            "layouts": layouts,
            "neither": not any(v.holds for v in r.verdicts.values()),
            "backward": self.equation(
                sp.MatrixSymbol("delta_prev", rec.n, 1),
                sp.MatMul(*(r.expr.args if isinstance(r.expr, sp.MatMul) else (r.expr,)),
                          sp.MatrixSymbol("delta_t", rec.n, 1))),
            "readings": [{"statement": self.reading(v), "status": v.status} for v in r.readings],
            "bound": {
                "statement": self.equation(Norm2(Jacobian(rec.x_t, rec.x_prev)),
                                           sp.Mul(Norm2(rec.W), Norm2(rec.derivative_diag(rec.x_prev)), evaluate=False), r"\le"
                                           if self.fmt.name != "text" else "≤"),
                "transpose": self.equation(Norm2(sp.Transpose(rec.W)), Norm2(rec.W)),
                "claim": Tex("%.6f" % b.claim), "jacobian": Tex("%.6f" % b.jacobian),
                "W": Tex("%.6f" % b.W), "D": Tex("%.6f" % b.D), "holds": b.holds,
                "matrix": self.tex(rec.W),
                "gamma": None if b.gamma is None else self.tex(b.gamma),
            },
        }


def render_check(result: "CheckResult", fmt: str = "text", notation: Notation | None = None,
                 template_dir: str | Path | None = None) -> str:
    """The check report for `result` in format `fmt` (one of CHECK_FORMATS), as text."""
    form = get_format(fmt, CHECK_FORMATS)
    if form.template is None:
        return check_json(result, notation)
    view = _CheckView(result, form, notation or Notation())
    template = form.template.format(kind="check")
    return environment(form, template_dir).get_template(template).render(view.context())


def check_json(result: "CheckResult", notation: Notation | None = None) -> str:
    """The JSON check report: input, parsed, numerator, denominator, counterexample, readings."""
    tex = _CheckView(result, FORMATS["latex"], notation or Notation())
    text = _CheckView(result, FORMATS["text"], notation or Notation())

    def counterexample(v):
        c = v.counterexample
        if c is None:
            return None
        return {"layout": v.layout.value, "n": c.n, "entry": list(c.entry), "seed": c.seed,
                "claim": [[tex.tex(e) for e in row] for row in c.claim.tolist()],
                "truth": [[tex.tex(e) for e in row] for row in c.truth.tolist()],
                "claim_value": c.claim_value, "truth_value": c.truth_value}

    data = {
        "symbptt": __version__,
        "input": result.text,
        "parsed": tex.tex(result.expr),
        "plain": text.tex(result.expr),
        "activation": result.recurrence.activation.name,
        "notes": [str(text.prose(n)) for n in result.notes],
        "multi_step": result.multi_step,
        "counterexample": next((counterexample(v) for v in result.verdicts.values() if not v.holds), None),
        "readings": [
            {"form": v.form, "layout": v.layout.value, "binding": v.binding,
             "transposed": v.transposed, "status": v.status, "statement": str(text.reading(v))}
            for v in result.readings
        ],
        "bound": {"claim_norm": result.bound.claim, "jacobian_norm": result.bound.jacobian,
                  "W_norm": result.bound.W, "D_norm": result.bound.D, "holds": result.bound.holds,
                  "gamma": None if result.bound.gamma is None else str(result.bound.gamma)},
    }
    for layout, v in result.verdicts.items():
        data[layout.value] = {"holds": v.holds, "status": v.status, "counterexample": counterexample(v)}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _BpttView(_View):
    """The context of a BPTT report (templates bptt*.j2)."""

    def __init__(self, b: "Bptt", fmt: Format, notation: Notation, figure: str | None):
        super().__init__(fmt, notation)
        self.b, self.figure = b, figure

    def steps(self, steps, method: str) -> list:
        return [{"number": k, "rule": self.text(RULES[s.rule]), "note": self.prose(s.note),
                 **self.equation(s.lhs, s.rhs, s.relation), "verified": True,
                 "method": self.text(method), "detail": Tex("")}
                for k, s in enumerate(steps, 1)]

    def context(self) -> dict:
        b, d = self.b, self.b.derivation
        rec = d.recurrence
        checks = [{"steps": c.steps, "n": c.n, "layout": c.layout.value, "ok": c.ok} for c in b.product_checks]
        product_method = "checked by differentiating the composed recurrence, below"
        return {
            "version": __version__,
            "activation": {"name": d.activation.name, "title": self.text(d.activation.title),
                           "gamma": self.tex(d.activation.sup_derivative)},
            "form": {"key": rec.form, "title": self.text(FORMS[rec.form].title)},
            "recurrence": [self.equation(lhs, rhs) for lhs, rhs in rec.written()],
            "one_step": [self.equation(Jacobian(rec.x_t, rec.x_prev, l), d.result(l)) for l in Layout],
            "one_step_verified": d.verified,
            "product": self.steps(b.product, product_method),
            "product_checks": checks,
            "backward": self.steps(b.backward, "checked against the loss's own derivatives, below"),
            "backward_symbolic": b.backward_symbolic,
            "backward_numeric": Tex("%.1e" % b.backward_numeric),
            "bound": self.steps(b.bound, "checked on trajectories, below"),
            "curves": [{"scale": Tex("%g" % c.scale), "holds": c.holds, "steps": len(c.norms),
                        "last": Tex("%.3g" % c.norms[-1]), "bound": Tex("%.3g" % c.bounds[-1])}
                       for c in b.curves],
            "figure": None if self.figure is None else {
                "png": Tex(self.figure + ".png"), "pdf": Tex(self.figure + ".pdf")},
            "verified": b.verified,
        }


def render_bptt(b: "Bptt", fmt: str = "markdown", notation: Notation | None = None,
                template_dir: str | Path | None = None, figure: str | None = None) -> str:
    """The BPTT report in `fmt` (markdown, latex, latex-fragment, json); `figure` is the
    file stem of the plot next to the report (embedded when given)."""
    form = get_format(fmt, DERIVE_FORMATS)
    if figure is not None and not re.fullmatch(r"[A-Za-z0-9._-]+", figure):
        raise InputError(f"a figure embedded in a report needs a plain file name "
                         f"(letters, digits, '.', '-', '_'), got {figure!r}")
    view = _BpttView(b, form if form.template else FORMATS["latex"], notation or Notation(), figure)
    if form.template is None:
        return bptt_json(b, view)
    template = form.template.format(kind="bptt")
    return environment(form, template_dir).get_template(template).render(view.context())


def bptt_json(b: "Bptt", view: _BpttView) -> str:
    """The JSON BPTT report: formulas as LaTeX, every check and the curves' numbers."""
    data = {
        "symbptt": __version__,
        "input": {"activation": b.derivation.activation.name, "recurrence": b.derivation.recurrence.form},
        "product": [{"rule": s.rule, "lhs": view.tex(s.lhs), "rhs": view.tex(s.rhs)} for s in b.product],
        "product_checks": [{"steps": c.steps, "n": c.n, "layout": c.layout.value, "ok": c.ok}
                           for c in b.product_checks],
        "backward": [{"rule": s.rule, "lhs": view.tex(s.lhs), "rhs": view.tex(s.rhs)} for s in b.backward],
        "backward_checks": {"symbolic": b.backward_symbolic, "numeric_max_error": b.backward_numeric},
        "bound": [{"rule": s.rule, "lhs": view.tex(s.lhs), "relation": s.relation, "rhs": view.tex(s.rhs)}
                  for s in b.bound],
        "curves": [{"scale": c.scale, "norms": list(c.norms), "bounds": list(c.bounds), "holds": c.holds}
                   for c in b.curves],
        "verified": b.verified,
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
