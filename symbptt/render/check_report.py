"""`check` reports: the context of check*.j2, and the JSON report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sympy as sp

from .. import __version__
from ..layout import Jacobian, Layout, definition
from ..model import FORMS
from ..pascanu import Norm2
from ..printing import Notation, Tex
from ..steps import Prose
from .formats import CHECK_FORMATS, FORMATS, Format, get_format
from .view import View, dump, fill

if TYPE_CHECKING:  # check is imported on use: `derive` needs neither it nor lark
    from ..check import CheckResult


class CheckView(View):
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
        from ..check import AT_PRE_ACTIVATION
        from ..model import Recurrence
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
    view = CheckView(result, form, notation or Notation())
    return fill(view, form, "check", template_dir)


def check_json(result: "CheckResult", notation: Notation | None = None) -> str:
    """The JSON check report: input, parsed, numerator, denominator, counterexample, readings."""
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
    return dump(data)
