"""`bptt` reports: the context of bptt*.j2, and the JSON report."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import InputError
from ..layout import Layout
from ..model import FORMS
from ..printing import Notation, Tex
from ..steps import Prose, Step, rule_title
from .formats import DERIVE_FORMATS, FORMATS, Format, get_format
from .view import View, dump, fill

if TYPE_CHECKING:
    from ..bptt import Bptt


class BpttView(View):
    """The context of a BPTT report (templates bptt*.j2)."""

    def __init__(self, b: "Bptt", fmt: Format, notation: Notation, figure: str | None):
        super().__init__(fmt, notation)
        self.b, self.figure = b, figure

    def steps(self, steps, method: str) -> list:
        return [{"number": k, "rule": self.prose(rule_title(s.rule)), "note": self.prose(s.note),
                 **self.equation(s.lhs, s.rhs, s.relation, "definition" if s.rule == "definition" else method),
                 "verified": True,
                 "method": self.text(method), "definition": s.rule == "definition",
                 "detail": Tex("")}
                for k, s in enumerate(steps, 1)]

    @staticmethod
    def curve(c, gamma: float, columns: tuple[int, int] | None = None) -> dict:
        """One row of the trajectory table; each number is printed against what it is compared
        with (the bound, γλ₁, γ), so one below it never prints equal to it. `columns`: the
        significant digits of the per-step and mean-σ' columns (`_column_digits`), so that
        every row of a column has the same; None for a curve the prose quotes alone."""
        last, bound = _pair(c.norms[-1], c.bounds[-1])
        rate, mean = columns or (_digits_needed(c.rate, c.scale), _digits_needed(c.derivative_mean, gamma))
        return {"scale": Tex("%g" % c.scale), "holds": c.holds, "steps": len(c.norms),
                "last": Tex(last), "bound": Tex(bound),
                "rate": Tex("%.*g" % (rate, c.rate)), "derivative_mean": Tex("%.*g" % (mean, c.derivative_mean))}

    def context(self) -> dict:
        from ..bptt import CURVE_ERROR, CURVE_REFERENCE_DIGITS, CURVE_TOLERANCE

        b, d = self.b, self.b.derivation
        rec = d.recurrence
        gamma = float(d.activation.sup_derivative)
        columns = _column_digits(b.curves, gamma)  # one precision per column of the table
        checks = [{"steps": c.steps, "n": c.n, "layout": c.layout.value, "ok": c.ok} for c in b.product_checks]
        product_method = "checked by differentiating the composed recurrence, below"
        return {
            "version": __version__,
            "activation": {"name": d.activation.name, "title": self.text(d.activation.title),
                           "gamma": self.tex(d.activation.sup_derivative), "latex": Tex(d.activation.latex),
                           "slack": self.text(d.activation.slack)},
            "form": {"key": rec.form, "title": self.text(FORMS[rec.form].title)},
            "W": self.tex(rec.W),
            "recurrence": [self.fact(f) for f in d.statements["recurrence"]],
            "one_step": [self.fact(d.statements["results"][l]) for l in Layout],
            "one_step_verified": d.verified,
            "product": self.steps(b.product, product_method),
            "product_checks": checks,
            "backward": self.steps(b.backward, "checked against the loss's own derivatives, below"),
            "backward_symbolic": b.backward_symbolic,
            "loss": self.prose(Prose.of("For the loss {E}, the recursion's gradients with respect to the "
                                        "first state and to {W}", E=b.loss, W=rec.W)),
            "backward_numeric": Tex("%.1e" % b.backward_numeric),
            "bound": self.steps(b.bound, "checked on trajectories, below"),
            "precision": {"error": Tex(_power_of_ten(CURVE_ERROR)), "digits": CURVE_REFERENCE_DIGITS,
                          "tolerance": Tex(_power_of_ten(CURVE_TOLERANCE))},
            "curves": [self.curve(c, gamma, columns) for c in b.curves],
            "still_vanishes": b.still_vanishes and self.curve(b.still_vanishes, gamma),
            "grows_slower": b.grows_slower and self.curve(b.grows_slower, gamma),
            "follows_bounds": b.follows_bounds,
            "figure": None if self.figure is None else {
                "svg": Tex(self.figure + ".svg"), "pdf": Tex(self.figure + ".pdf"),
                "caption": self.prose(_caption(b.bound[-1]))},
            "verified": b.verified,
        }


def _digits_needed(value: float, against: float | None = None, digits: int = 4) -> int:
    """`digits` significant digits, or the fewest more at which `value` no longer prints as
    `against` prints while differing from it by more than the curves' tolerance (0.99999742
    against γ = 1 needs 6: 0.999997, not 1)."""
    from ..bptt import CURVE_TOLERANCE

    if against is None or abs(value - against) <= CURVE_TOLERANCE * abs(against):
        return digits
    shown = float(_digits(against))
    while float("%.*g" % (digits, value)) == shown and digits < 17:
        digits += 1
    return digits


def _digits(value: float, against: float | None = None, digits: int = 4) -> str:
    """`value` to `_digits_needed(value, against, digits)` significant digits."""
    return "%.*g" % (_digits_needed(value, against, digits), value)


def _column_digits(curves, gamma: float) -> tuple[int, int]:
    """The significant digits of the table's per-step and mean-σ' columns: the most any row
    needs (`_digits_needed`), for every row, so a column does not print 0.899999 above 1.08
    (both true to their digits, but not alike)."""
    rates = [_digits_needed(c.rate, c.scale) for c in curves]
    means = [_digits_needed(c.derivative_mean, gamma) for c in curves]
    return max(rates, default=4), max(means, default=4)


def _pair(value: float, against: float, digits: int = 4) -> tuple[str, str]:
    """`value` and `against` (a norm and its bound) to the same significant digits: `digits`,
    or the fewest more at which they print differently when they differ by more than the
    curves' tolerance (0.0017969 against 0.0017970, not 0.001797 against 0.001797). Trailing
    zeros are dropped only where both have them, so the two keep the same digits."""
    from ..bptt import CURVE_TOLERANCE

    def both(d: int) -> tuple[str, str]:
        return "%#.*g" % (d, value), "%#.*g" % (d, against)

    pair = both(digits)
    if abs(value - against) > CURVE_TOLERANCE * abs(against):
        while pair[0] == pair[1] and digits < 17:
            digits += 1
            pair = both(digits)
    a, b = pair
    if "e" in a or "e" in b:
        return a, b
    while a[-1] == b[-1] == "0" and "." in a and "." in b:
        a, b = a[:-1], b[:-1]
    return a.rstrip("."), b.rstrip(".")


def _power_of_ten(value: float) -> str:
    """A power of ten as LaTeX: 1e-12 is 10^{-12}."""
    exponent = round(math.log10(value))
    if value != 10.0 ** exponent:
        raise ValueError(f"{value!r} is not a power of ten")
    return "10^{%d}" % exponent


def figure_name(name: str) -> str:
    """`name` if a report can embed a file by it (Markdown and LaTeX both take it verbatim)."""
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise InputError(f"a figure embedded in a report needs a plain file name "
                         f"(letters, digits, '.', '-', '_'), got {name!r}")
    return name


def render_bptt(b: "Bptt", fmt: str = "markdown", notation: Notation | None = None,
                template_dir: str | Path | None = None, figure: str | None = None) -> str:
    """The BPTT report in `fmt` (markdown, latex, latex-fragment, json); `figure` is the
    file stem of the plot next to the report (embedded when given)."""
    form = get_format(fmt, DERIVE_FORMATS)
    if figure is not None:
        figure_name(figure)
    view = BpttView(b, form if form.template else FORMATS["latex"], notation or Notation(), figure)
    if form.template is None:
        return bptt_json(b, view)
    return fill(view, form, "bptt", template_dir)


def bptt_json(b: "Bptt", view: BpttView) -> str:
    """The JSON BPTT report: formulas as LaTeX, every check and the curves' numbers."""
    from ..bptt import CURVE_ERROR, CURVE_REFERENCE_DIGITS, CURVE_TOLERANCE

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
        "curves": [{"scale": c.scale, "norms": list(c.norms), "bounds": list(c.bounds), "holds": c.holds,
                    "rate": c.rate, "derivative_mean": c.derivative_mean}
                   for c in b.curves],
        "curves_precision": {"float": "float64", "max_relative_error": CURVE_ERROR,
                             "reference_digits": CURVE_REFERENCE_DIGITS, "bound_tolerance": CURVE_TOLERANCE},
        "verified": b.verified,
    }
    return dump(data)


def _caption(last: Step) -> Prose:
    """What the figure plots, in the terms of the bound's last step ‖∂x_t/∂x_k‖₂ ≤ (γλ₁)^{t−k}."""
    return Prose.of("The spectral norm {norm} of the product of one-step Jacobians against {steps}, along "
                    "the trajectories tabulated in this section: one curve for each value of {gl}, with "
                    "its bound {bound}.",
                    norm=last.lhs, steps=last.rhs.exp, gl=last.rhs.base, bound=last.rhs)
