"""`check` reports: the context of check*.j2, and the JSON report."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

import sympy as sp

from .. import __version__
from ..layout import Layout
from ..model import FORMS
from ..printing import Notation, Tex
from ..steps import DISPLAY, Prose
from .formats import CHECK_FORMATS, FORMATS, Format, get_format
from .view import View, dump, fill, width

if TYPE_CHECKING:  # check is imported on use: `derive` needs neither it nor lark
    from ..check import CheckResult


#: Estimated widths (`view.width`) past which a LaTeX counterexample's two matrices, or its
#: two entries in a sentence, no longer fit a line.
WIDE_MATRICES = 88
WIDE_ENTRIES = 40


class CheckView(View):
    """The context of a check report (templates check*.j2)."""

    def __init__(self, result: "CheckResult", fmt: Format, notation: Notation):
        # The formula's own names for the roles it read, where the user set none (`adopting`).
        super().__init__(fmt, notation.adopting(result.reading.names, result.reading.pre_activation))
        self.r = result
        # plain text in this notation and in the defaults, for the notes (`note`)
        self._plain = self if fmt.name == "text" else View(FORMATS["text"], self.notation)
        self._default = View(FORMATS["text"], Notation())

    def note(self, p: Prose) -> Tex:
        """A note or choice how a name was read, without the symbol where the report prints it
        as the name itself, in names other than the defaults: "h_t is read as the current
        state", not "... state h_t" (a formula in the default names reads as it always did)."""
        name = dict(p.math).get("name")
        for slot, value in p.math:
            if (isinstance(name, str) and not isinstance(value, str) and str(self._plain.tex(value)) == name
                    and str(self._default.tex(value)) != name):
                p = Prose(p.text.replace(" {%s}" % slot, ""), tuple(m for m in p.math if m[0] != slot))
        return self.prose(p)

    def _counterexample(self, c) -> dict | None:
        if c is None:
            return None
        i, j = c.entry
        claim, truth = self.tex(c.claim), self.tex(c.truth)
        claim_entry, truth_entry = self.tex(c.claim[i - 1, j - 1]), self.tex(c.truth[i - 1, j - 1])
        # Long names (W_hh) make the two matrices, or the two entries in a sentence, too wide
        # for one line of a LaTeX page: each then gets a display of its own.
        wide = (width(claim) + width(truth) > WIDE_MATRICES
                or width(claim_entry) + width(truth_entry) > WIDE_ENTRIES)
        return {"n": c.n, "position": f"({i}, {j})", "claim": claim, "truth": truth, "wide": wide,
                "claim_entry": claim_entry, "truth_entry": truth_entry, "seed": c.seed,
                "claim_value": Tex("%.6g" % c.claim_value), "truth_value": Tex("%.6g" % c.truth_value)}

    def choices(self, reading) -> Tex:
        """How an ambiguous formula was read ('' when nothing was ambiguous)."""
        return Tex("; ".join(self.note(c.text) for c in reading.choices))

    def reading(self, v) -> Tex:
        """One reading as a sentence, its formulas printed."""
        from ..check import AT_PRE_ACTIVATION
        rec = self.r.recurrence
        text = f"it is the {v.layout.value}-layout Jacobian of {FORMS[v.form].title}"
        math = {}
        for k, (lhs, rhs) in enumerate(self.r.written(v.form)):
            text += (", " if k == 0 else " with ") + "{eq%d}" % k
            math[f"eq{k}"] = sp.Eq(lhs, rhs, evaluate=False)
        if v.binding == AT_PRE_ACTIVATION.key:
            text += ", but only with the derivative taken at the step-t pre-activation, {da}, not where the formula puts it"
            math["da"] = rec.derivative_diag(rec.a_t)
        if v.layout is Layout.DENOMINATOR:
            text += "; so the backward pass of that form is {back}"
            math["back"] = sp.Eq(*self.r.backward(v.form), evaluate=False)
        statement = self.prose(Prose.of(text, **math))
        how = self.choices(v.reading)
        return Tex(f"{statement} ({how})") if how else statement

    def context(self) -> dict:
        r, rec = self.r, self.r.recurrence
        facts = r.facts
        layouts = []
        for layout, v in r.verdicts.items():
            layouts.append({
                "name": layout.value, "status": v.status, "holds": v.holds,
                "truth": self.fact(facts["truths"][layout]),
                "definition": self.fact(facts["definitions"][layout]),
                "counterexample": self._counterexample(v.counterexample),
            })
        b = r.bound
        return {
            "version": __version__,
            "input": self.code(r.text),
            "parsed": self.tex(r.expr),
            "notes": [self.note(n) for n in r.notes],
            "reading": self.choices(r.reading),
            "multi_step": r.multi_step,
            "activation": {"name": rec.activation.name, "title": self.text(rec.activation.title)},
            "recurrence": [self.fact(f) for f in facts["recurrence"]],
            "form": self.text(FORMS[r.form.key].title),
            "form_reason": Tex(f"({self.prose(r.form.reason)})"),
            "layouts": layouts,
            "neither": not any(v.holds for v in r.verdicts.values()),
            "backward": self.fact(facts["backward"]),
            "readings": [{"statement": self.reading(v), "status": v.status} for v in r.readings],
            "bound": {
                "statement": self.fact(facts["bound"]),
                "transpose": self.fact(facts["transpose"]),
                "claim": Tex("%.6f" % b.claim), "jacobian": Tex("%.6f" % b.jacobian),
                "W": Tex("%.6f" % b.W), "D": Tex("%.6f" % b.D), "holds": b.holds, "claim_within": b.claim_within,
                "matrix": self.tex(rec.W), "diagonal": self.tex(r.diagonal),
                "gamma": None if b.gamma is None else self.tex(b.gamma),
            },
        }


def render_check(result: "CheckResult", fmt: str = "text", notation: Notation | None = None,
                 template_dir: str | Path | None = None) -> str:
    """The check report for `result` in format `fmt` (one of CHECK_FORMATS), as text."""
    form = get_format(fmt, CHECK_FORMATS)
    if form.template is None:
        return check_json(result, notation)
    view = CheckView(result, form, notation or Notation())
    return fill(view, form, "check", template_dir)


def check_json(result: "CheckResult", notation: Notation | None = None) -> str:
    """The JSON check report: input, parsed, form, numerator, denominator, readings, verdicts."""
    tex = CheckView(result, FORMATS["latex"], notation or Notation())
    text = CheckView(result, FORMATS["text"], notation or Notation())

    def counterexample(v):
        c = v.counterexample
        if c is None:
            return None
        return {"layout": v.layout.value, "n": c.n, "entry": list(c.entry), "seed": c.seed,
                "claim": [[tex.tex(e) for e in row] for row in c.claim.tolist()],
                "truth": [[tex.tex(e) for e in row] for row in c.truth.tolist()],
                "claim_value": c.claim_value, "truth_value": c.truth_value}

    def verdict(v):
        return {"form": v.form, "layout": v.layout.value, "binding": v.binding,
                "status": v.status,
                "reading": [{"choice": c.key.split("@")[0], "option": c.option,
                             "text": str(text.note(c.text))} for c in v.reading.choices],
                "counterexample": counterexample(v)}

    data = {
        "symbptt": __version__,
        "input": result.text,
        "parsed": tex.tex(result.expr),
        "plain": text.tex(result.expr),
        "activation": result.recurrence.activation.name,
        # the notation the report prints with: the user's, else the formula's own names
        "notation": {f.name.replace("_", "-"): getattr(text.notation, f.name)
                     for f in fields(Notation) if f.name != "given"},
        "form": {"key": result.form.key, "title": FORMS[result.form.key].title,
                 "reason": str(text.prose(result.form.reason))},
        "notes": [str(text.note(n)) for n in result.notes],
        "reading": [str(text.note(c.text)) for c in result.reading.choices],
        "multi_step": result.multi_step,
        "readings": [dict(verdict(v), statement=str(text.reading(v))) for v in result.readings],
        "verdicts": [verdict(v) for v in result.all_verdicts],
        "bound": {"claim_norm": result.bound.claim, "jacobian_norm": result.bound.jacobian,
                  "W_norm": result.bound.W, "D_norm": result.bound.D, "holds": result.bound.holds,
                  "gamma": None if result.bound.gamma is None else str(result.bound.gamma)},
    }
    for layout, v in result.verdicts.items():
        data[layout.value] = {"holds": v.holds, "status": v.status, "counterexample": counterexample(v)}
    return dump(data)


def _repr_latex(result: "CheckResult") -> str:
    """The claim and its status in each layout, as display math (Jupyter's MathJax)."""
    view = CheckView(result, FORMATS["latex"], Notation())
    rows = [r"%s &\quad \text{%s: %s}" % (view.tex(result.expr) if k == 0 else "", l.value, v.status)
            for k, (l, v) in enumerate(result.verdicts.items())]
    return "$$\\begin{aligned}%s\\end{aligned}$$" % r" \\ ".join(rows)


DISPLAY["check"] = render_check
DISPLAY["check-latex"] = _repr_latex
