"""`derive` reports: the context of report*.j2, and the JSON report."""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from .. import __version__
from ..derivation import Derivation
from ..layout import Jacobian, Layout, definition
from ..model import DEFAULT_FORM, FORMS
from ..printing import Notation, Tex
from ..steps import Prose, Shape
from .formats import Format, get_format
from .view import SHOW_MAX, View, dump, fill


class ReportView(View):
    """The context of a derivation report (templates report*.j2)."""

    def __init__(self, derivation: Derivation, fmt: Format, notation: Notation):
        super().__init__(fmt, notation)
        self.d = derivation

    def context(self) -> dict:
        d, rec = self.d, self.d.recurrence
        act = d.activation
        routes = self.routes(d.routes, d.checks)
        return {
            "version": __version__,
            "activation": {
                "name": act.name, "title": self.text(act.title), "latex": Tex(act.latex),
                "convention": self.prose(act.convention_note),
                "derivative": self.fact(d.statements["derivative"]),
            },
            "recurrence": [self.fact(f) for f in d.statements["recurrence"]],
            "form": {"key": rec.form, "title": self.text(FORMS[rec.form].title),
                     "default": rec.form == DEFAULT_FORM,
                     "column": self.fact(d.statements["column"])},
            "shapes": self.prose(Prose.of(
                "with {W} of size {nn}, {Win} of size {nm}, {u} of size {m}, "
                "{b} and the state of size {n}, and the activation applied entrywise.",
                W=rec.W, Win=rec.W_in, u=rec.u, b=rec.b, n=rec.n, m=rec.m,
                nn=Shape(rec.n, rec.n), nm=Shape(rec.n, rec.m))),
            "definitions": [self._definition(layout) for layout in Layout],
            "layouts": [self._layout(layout) for layout in d.layouts],
            "routes": routes,
            "expansion": self._expansion(),
            "numeric": self._numeric(),
            "pascanu": self._pascanu(),
            "verified": d.verified,
        }

    def _definition(self, layout: Layout) -> dict:
        return {"name": layout.value, "definition": self.fact(self.d.statements["definitions"][layout]),
                "used": layout is Layout.NUMERATOR or layout in self.d.layouts}

    def _layout(self, layout: Layout) -> dict:
        return {
            "name": layout.value,
            "result": self.fact(self.d.statements["results"][layout]),
        }

    def _jacobian(self, layout: Layout):
        rec = self.d.recurrence
        return Jacobian(rec.x_t, rec.x_prev, layout)

    def _expansion(self) -> dict | None:
        e = self.d.expansion
        if e is None:
            return None
        rec = self.d.recurrence
        # Matrices are printed up to SHOW_MAX only: larger ones are never built.
        small = e.n <= SHOW_MAX
        shown = e.shown if small else None
        layouts = []
        facts = {}
        for layout in self.d.layouts if small else ():
            facts = shown.facts(e, layout, self.d.result(layout))
            layouts.append({"name": layout.value, "jacobian": self.fact(facts["jacobian"]),
                            "closed": self.fact(facts["closed"]),
                            "closed_form": self.tex(self.d.result(layout))})
        return {
            "n": e.n, "m": e.m, "entries": e.entries, "verified": e.verified and (not small or shown.verified),
            "state": self.fact(facts.get("state")),
            "pre_activation": self.fact(facts.get("pre_activation")),
            "a_t": self.tex(rec.a_t), "entry": self.tex(sp.Symbol("a_t[i]")),
            "layouts": layouts, "mismatches": [
                {"position": f"({i}, {j})", "got": self.tex(a), "expected": self.tex(b)}
                for i, j, a, b in e.mismatches
            ],
        }

    def _numeric(self) -> dict | None:
        c = self.d.numeric
        if c is None:
            return None
        return {"n": c.n, "m": c.m, "seed": c.seed, "max_error": Tex("%.1e" % c.max_error),
                "tolerance": Tex("%.0e" % c.tolerance), "passed": c.passed,
                "nonsymmetric": self.prose(Prose.of("{W} not symmetric", W=self.d.recurrence.W))}

    def _pascanu(self) -> dict:
        p = self.d.pascanu
        rec = self.d.recurrence
        fact = self.fact
        comparisons = lambda cs: [
            {"name": c.layout.value, "holds": c.holds, "differing": len(c.differing),
             "truth": fact(p.truth(c, rec))} for c in cs]
        return {
            "claim": self.tex(p.claim), "n": p.n,
            "claim_explicit": fact(p.written()),
            "comparisons": comparisons(p.comparisons),
            "adapted": None if p.adapted is None else {
                "claim": self.tex(p.adapted), "comparisons": comparisons(p.adapted_comparisons),
                "a_t": self.tex(rec.a_t)},
            # The row form is the convention in which the claim is right: said only when the
            # numerator comparison above found it so.
            "own_form": rec.cell.rows and p.comparisons[0].holds,
            "survives": p.bound_holds and all(f.ok for f in p.bound),
            "row_form": fact(p.row_form(rec)),
            "row_vector_matches": p.row_vector_matches,
            "row_vector": fact(p.row_vector_fact(rec)),
            "bound": [fact(f) for f in p.bound],
            "norms": [fact(f) for f in p.values],
            "bound_holds": p.bound_holds,
        }


def render(derivation: Derivation, fmt: str = "markdown", notation: Notation | None = None,
           template_dir: str | Path | None = None) -> str:
    """The report for `derivation` in format `fmt` (see FORMATS), as text."""
    form = get_format(fmt)
    view = ReportView(derivation, form, notation or Notation())
    if form.template is None:
        return to_json(derivation, view)  # LaTeX in the view's notation
    return fill(view, form, "report", template_dir)


def to_json(derivation: Derivation, view: ReportView) -> str:
    """The JSON report: inputs, layouts, closed forms (LaTeX and srepr), entries, checks."""
    d = derivation
    e = d.expansion
    data = {
        "symbptt": __version__,
        "form": d.recurrence.form,
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
    return dump(data)


def _display_methods() -> None:
    """Attach Jupyter display and `to_markdown`/`to_latex` to `Derivation` from the
    renderer's side (the engine never imports the renderer)."""

    def to_markdown(self, notation=None) -> str:
        """The Markdown report (KaTeX/MathJax math), as `symbptt derive` prints it."""
        return render(self, "markdown", notation)

    def to_latex(self, fragment: bool = True, notation=None) -> str:
        """The LaTeX report: an \\input-able fragment, or a standalone document."""
        return render(self, "latex-fragment" if fragment else "latex", notation)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        """The result in each layout, as display math (what Jupyter's MathJax renders)."""
        view = ReportView(self, get_format("latex"), Notation())
        rows = [r"%s &= %s" % (view.tex(self.statements["results"][l].lhs), view.tex(self.result(l)))
                for l in self.layouts]
        return "$$\\begin{aligned}%s\\end{aligned}$$" % r" \\ ".join(rows)

    for method in (to_markdown, to_latex, _repr_markdown_, _repr_latex_):
        setattr(Derivation, method.__name__, method)


_display_methods()
