"""`check -r CELL` reports for a gated or typed cell: the context of cell-check*.j2, and the JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sympy as sp

from .. import __version__
from ..layout import Layout, TotalJacobian, definition
from ..printing import Notation, Tex
from ..steps import DISPLAY, Fact, Prose
from .formats import CHECK_FORMATS, FORMATS, Format, get_format
from .view import ALIGNED_AT, View, dump, fill, width

if TYPE_CHECKING:
    from ..cell_check import CellCheckResult, CellVerdict

#: How the block a cell check prints as the truth was verified.
_DERIVED = ("derived by the chain rule through the cell's equations, and equal to the cell "
            "written out and differentiated entry by entry at n = 1, 2")


class CellCheckView(View):
    """The context of a cell check report (templates cell-check*.j2)."""

    def __init__(self, result: "CellCheckResult", fmt: Format, notation: Notation):
        super().__init__(fmt, notation.for_cells())
        self.r = result

    def choices(self, reading) -> Tex:
        return Tex("; ".join(self.prose(p) for p in reading.notes))

    def _target(self, v: "CellVerdict") -> Prose:
        """Which block a verdict is about, as a sentence fragment with its math."""
        t = v.target
        block = TotalJacobian(t.v, t.s, v.layout)
        if t.through:
            (w_prev, rhs, _), *_ = t.through
            return Prose.of(f"it is the {v.layout.value}-layout derivative {{block}} of {t.cell.title}, "
                            "with {s} alone as the state, {w} taken through it ({eq}, its gates held)",
                            block=block, s=t.s, w=w_prev, eq=sp.Eq(w_prev, rhs, evaluate=False))
        if t.cell is self.r.cell:
            return Prose.of(f"it is the {v.layout.value}-layout block {{block}} of {t.cell.title}", block=block)
        return Prose.of(f"it is the {v.layout.value}-layout block {{block}} of {t.cell.title}, where "
                        + t.cell.convention.text, block=block, **dict(t.cell.convention.math))

    def reading(self, v: "CellVerdict") -> Tex:
        statement = self.prose(self._target(v))
        how = self.choices(v.reading)
        return Tex(f"{statement} ({how})") if how else statement

    def _broken_display(self, expr) -> Tex | None:
        """The body of an aligned display of a formula wider than a line (None if it fits)."""
        if self.fmt.name == "text" or width(self.tex(expr)) <= ALIGNED_AT:
            return None
        return Tex("&" + r" \\ &\quad ".join(self._lines(expr, ALIGNED_AT - 6)))

    def _counterexample(self, v) -> dict | None:
        c = v.counterexample
        if c is None:
            return None
        return {"n": c.n, "m": c.m, "seed": c.seed, "position": f"({c.entry[0]}, {c.entry[1]})",
                "claim_entry": self.tex(c.claim_entry), "truth_entry": self.tex(c.truth_entry),
                "claim_lines": self._broken_display(c.claim_entry),
                "truth_lines": self._broken_display(c.truth_entry),
                "claim_value": Tex("%.6g" % c.claim_value), "truth_value": Tex("%.6g" % c.truth_value)}

    def context(self) -> dict:
        r, cell = self.r, self.r.cell
        layouts = []
        for layout, v in r.verdicts.items():
            block = TotalJacobian(r.target.v, r.target.s, layout)
            layouts.append({
                "name": layout.value, "status": v.status, "holds": v.holds,
                "truth": self.fact(Fact(block, r.truth_in(layout), _DERIVED, ok=r.truth_verified)),
                "definition": self.fact(Fact(*definition(layout).args, "definition")),
                "counterexample": self._counterexample(v),
            })
        best = next(iter(r.verdicts.values())).reading
        return {
            "version": __version__,
            "input": self.code(r.text),
            "parsed": self.tex(best.expr),
            "parsed_lines": self._broken_display(best.expr),
            "reading": self.choices(best),
            "cell": self.cell(cell),
            "block": self.tex(TotalJacobian(r.target.v, r.target.s)),
            "layouts": layouts,
            "neither": not any(v.holds for v in r.verdicts.values()),
            "readings": [{"statement": self.reading(v), "status": v.status} for v in r.readings],
        }


def render_cell_check(result: "CellCheckResult", fmt: str = "text", notation: Notation | None = None,
                      template_dir: str | Path | None = None) -> str:
    """The cell check report for `result` in format `fmt` (one of CHECK_FORMATS), as text."""
    form = get_format(fmt, CHECK_FORMATS)
    if form.template is None:
        return cell_check_json(result, notation)
    return fill(CellCheckView(result, form, notation or Notation()), form, "cell-check", template_dir)


def cell_check_json(result: "CellCheckResult", notation: Notation | None = None) -> str:
    """The JSON cell check report: input, cell, its equations as typed, block, numerator, denominator, readings, verdicts."""
    tex = CellCheckView(result, FORMATS["latex"], notation or Notation())
    text = CellCheckView(result, FORMATS["text"], notation or Notation())

    def verdict(v):
        c = v.counterexample
        return {"cell": v.target.cell.key, "through": bool(v.target.through), "layout": v.layout.value,
                "status": v.status,
                "reading": [{"choice": key.split("@")[0], "option": option} for key, option in v.reading.choices],
                "counterexample": None if c is None else {
                    "n": c.n, "m": c.m, "seed": c.seed, "entry": list(c.entry),
                    "claim_entry": tex.tex(c.claim_entry), "truth_entry": tex.tex(c.truth_entry),
                    "claim_value": c.claim_value, "truth_value": c.truth_value}}

    best = next(iter(result.verdicts.values())).reading
    data = {
        "symbptt": __version__,
        "input": result.text,
        "cell": result.cell.key,
        "typed": list(result.cell.typed),  # the equations verbatim ([] for a library cell)
        "read": tex.read_json(result.cell),  # how they were read (None for a library cell)
        "block": tex.tex(TotalJacobian(result.target.v, result.target.s)),
        "parsed": tex.tex(best.expr),
        "reading": [str(text.prose(p)) for p in best.notes],
        "truth": {l.value: tex.tex(result.truth_in(l)) for l in Layout},
        "truth_verified": result.truth_verified,
        "readings": [dict(verdict(v), statement=str(text.reading(v))) for v in result.readings],
        "verdicts": [verdict(v) for v in result.all_verdicts],
    }
    for layout, v in result.verdicts.items():
        shown = verdict(v)
        data[layout.value] = {"status": shown["status"], "counterexample": shown["counterexample"], "holds": v.holds}
    return dump(data)


DISPLAY["cell-check"] = render_cell_check
