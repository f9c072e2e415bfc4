"""`derive -r CELL` reports for a cell of the library: the context of cell*.j2, and the JSON."""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from .. import __version__
from ..cell_derivation import CellDerivation
from ..layout import Entry, Layout, TotalJacobian, definition
from ..printing import Notation, Tex
from ..steps import Fact, Prose
from .formats import FORMATS, get_format
from .view import SHOW_MAX, View, dump, fill


class CellView(View):
    """The context of a cell report (templates cell*.j2)."""

    def __init__(self, d: CellDerivation, fmt, notation: Notation):
        super().__init__(fmt, notation.for_cells())
        self.d = d

    def _blocks(self, layout: Layout) -> list[dict]:
        d = self.d
        how = "the routes below" + (", the explicit expansion and the numeric check" if d.expansion else "")
        out = []
        for v in d.cell.next:
            for s in d.cell.prev:
                fact = Fact(TotalJacobian(v, s, layout), d.result(v, s, layout), how, ok=d.verified)
                out.append(self.fact(fact))
        return out

    def context(self) -> dict:
        d, cell = self.d, self.d.cell
        routes = self.routes(d.routes, d.checks)
        method = "evaluated at the seeded instance, n = 2, m = 3"
        J = lambda key: sp.MatrixSymbol(f"J_{key}", 2 * len(cell.states), 2 * len(cell.states))  # noqa: E731
        variants = [{"key": c.key, "title": self.text(c.title), "convention": self.prose(c.convention),
                     "matrix": self.fact(Fact(J(c.key), c.other, method)), "differing": c.differing,
                     "entries": len(c.own), "largest": self.text("%.2g" % c.largest)}
                    for c in d.variants]
        own = self.fact(Fact(J(cell.key), d.variants[0].own, method)) if d.variants else None
        return {
            "version": __version__,
            "cell": {**self.cell(cell),
                     "states": self.prose(Prose.of(", ".join("{s%d}" % k for k in range(len(cell.prev))),
                                                   **{f"s{k}": sp.MatrixSymbol(s, 1, 1) for k, s in enumerate(cell.states)})),
                     "blocks": len(cell.states) ** 2, "notes": [self.prose(p) for p in cell.notes],
                     "weights": _weights(cell) and self.prose(_weights(cell))},
            "definitions": [{"name": l.value, "definition": self.fact(Fact(definition(l).lhs, definition(l).rhs,
                                                                             "definition"))} for l in Layout],
            "layouts": [{"name": l.value, "blocks": self._blocks(l)} for l in d.layouts],
            "routes": routes,
            "expansion": self._expansion(),
            "numeric": None if d.numeric is None else {
                "n": d.numeric.n, "m": d.numeric.m, "seed": d.numeric.seed, "passed": d.numeric.passed,
                "max_error": self.text("%.1e" % d.numeric.max_error),
                "tolerance": self.text("%.0e" % d.numeric.tolerance)},
            "variants": variants, "own": own,
            "verified": d.verified,
        }

    def _expansion(self) -> dict | None:
        e = self.d.expansion
        if e is None:
            return None
        blocks = []
        if e.n <= SHOW_MAX:  # entry by entry: a gated cell's entries are too wide for a matrix
            for (v, s), matrix in e.blocks.items():
                for i in range(e.n):
                    for j in range(e.n):
                        blocks.append(self.fact(Fact(Entry(TotalJacobian(v, s), i + 1, j + 1), matrix[i, j],
                                                     f"differentiated at n = {e.n}")))
        return {"n": e.n, "m": e.m, "entries": e.entries, "verified": e.verified, "blocks": blocks,
                "mismatches": [{"block": self.text(f"{a} / {b}"), "position": f"({i}, {j})",
                                "got": self.tex(g), "expected": self.tex(x)}
                               for a, b, i, j, g, x in e.mismatches]}


def render_cell(d: CellDerivation, fmt: str = "markdown", notation: Notation | None = None,
                template_dir: str | Path | None = None) -> str:
    """The report for a cell derivation in format `fmt` (markdown, latex, latex-fragment, json)."""
    form = get_format(fmt)
    view = CellView(d, form, notation or Notation())
    if form.template is None:
        return cell_json(d, view)
    return fill(view, form, "cell", template_dir)


def cell_json(d: CellDerivation, view: CellView) -> str:
    """The JSON report: the cell, its blocks per layout (LaTeX and srepr), checks, instance."""
    cell, inst = d.cell, d.instance
    data = {
        "symbptt": __version__,
        "cell": {"key": cell.key, "title": cell.title, "source": cell.source,
                 "convention": View(FORMATS["text"], Notation()).prose(cell.convention),
                 "states": list(cell.states),
                 "typed": list(cell.typed),  # verbatim, beside how it was read
                 "read": view.read_json(cell),
                 "equations": [{"lhs": view.tex(l), "rhs": view.tex(r)} for l, r in cell.equations]},
        "input": {"layouts": [l.value for l in d.layouts],
                  "dim": d.expansion.n if d.expansion else None,
                  "inputs": d.expansion.m if d.expansion else None,
                  "seed": inst.seed if inst else None},
        "layouts": {l.value: {"blocks": [
            {"of": v.name.split("@")[0], "by": s.name.split("@")[0],
             "latex": view.tex(d.result(v, s, l)), "srepr": sp.srepr(d.result(v, s, l))}
            for v in cell.next for s in cell.prev]} for l in d.layouts},
        "routes": [{"key": r.key, "title": r.title, "steps": [
            {"rule": s.rule, "lhs": view.tex(s.lhs), "rhs": view.tex(s.rhs), "verified": c.ok,
             "method": c.method}
            for s, c in zip(r.steps, [c for c in d.checks if c.route == r.key])]} for r in d.routes],
        "expansion": None if d.expansion is None else {
            "n": d.expansion.n, "m": d.expansion.m, "entries": d.expansion.entries,
            "verified": d.expansion.verified},
        "numeric": None if d.numeric is None else {
            "n": d.numeric.n, "m": d.numeric.m, "seed": d.numeric.seed, "max_error": d.numeric.max_error,
            "tolerance": d.numeric.tolerance, "passed": d.numeric.passed},
        "instance": None if inst is None else {
            "n": inst.n, "m": inst.m, "seed": inst.seed, "state_order": list(cell.states),
            "values": inst.values,
            "jacobian": {"numerator": inst.numerator, "denominator": inst.denominator},
            **({"torch": inst.torch} if inst.torch else {})},
        "verified": d.verified,
    }
    return dump(data)


class CellBpttView(View):
    """The context of a cell's BPTT report (templates cell-bptt*.j2)."""

    def __init__(self, b, fmt, notation: Notation):
        super().__init__(fmt, notation.for_cells())
        self.b = b

    def context(self) -> dict:
        b, cell = self.b, self.b.derivation.cell
        stack = len(cell.states) > 1
        return {
            "version": __version__,
            "cell": {**self.cell(cell), "stacked": stack,
                     "selector": cell.selector and self.text(cell.selector),
                     "loss": {"name": self.text(cell.states[0]), "tex": _at_t(self.tex(cell.next[0])),
                              "arg": Tex("(%s)" % _at_t(self.tex(cell.next[0])))},
                     "states": self.prose(Prose.of(", ".join("{s%d}" % k for k in range(len(cell.prev))),
                                                   **{f"s{k}": sp.MatrixSymbol(s, 1, 1) for k, s in enumerate(cell.states)})),
                     "bounded_reason": self.prose(cell.bounded_reason)},
            "one_step": self.fact(b.one_step),
            "product": [self.fact(f) for f in b.product],
            "product_error": self.text("%.1e" % b.product_error),
            "backward": [self.fact(f) for f in b.backward],
            "backward_error": self.text("%.1e" % b.backward_error),
            "bounds": [{"fact": self.fact(f), "block": self.tex(TotalJacobian(*block)),
                        "unbounded": None if why is None else self.tex(why)} for f, block, why in b.bounds],
            "bound_ok": b.bound_ok,
            "multi_step": self.fact(b.multi_step),
            "verified": b.verified,
        }


def render_cell_bptt(b, fmt: str = "markdown", notation: Notation | None = None,
                     template_dir: str | Path | None = None) -> str:
    """The BPTT report of a cell in `fmt` (markdown, latex, latex-fragment, json)."""
    form = get_format(fmt)
    view = CellBpttView(b, form if form.template else get_format("latex"), notation or Notation())
    if form.template is None:
        data = {"symbptt": __version__, "cell": b.derivation.cell.key,
                "typed": list(b.derivation.cell.typed), "read": view.read_json(b.derivation.cell),
                "verified": b.verified,
                "product": [{"lhs": view.tex(f.lhs), "rhs": view.tex(f.rhs)} for f in b.product],
                "product_error": b.product_error, "backward_error": b.backward_error,
                "backward": [{"lhs": view.tex(f.lhs), "rhs": view.tex(f.rhs)} for f in b.backward],
                "bounds": [{"block": view.tex(TotalJacobian(*block)),
                            "bound": None if f is None else view.tex(f.rhs),
                            "unbounded": None if why is None else view.tex(why)}
                           for f, block, why in b.bounds],
                "bound_ok": b.bound_ok}
        return dump(data)
    return fill(view, form, "cell-bptt", template_dir)


def _weights(cell) -> Prose | None:
    """The cell's weight matrices by shape, when the library's convention (input weights W_•
    n×m, recurrent weights U_• n×n) does not describe them (a typed cell's W_r is n×n, a
    row-vector cell's input weights m×n); None when it does."""
    from ..model import M, N

    found = sorted({s for _, rhs in cell.equations for s in rhs.free_symbols
                    if isinstance(s, sp.MatrixSymbol) and s.shape[1] != 1}, key=lambda s: s.name)
    kinds = {(N, M): ("input", "n×m", "W"), (M, N): ("input", "m×n", None), (N, N): ("recurrent", "n×n", "U")}
    groups = {shape: [s for s in found if s.shape == shape] for shape in kinds}
    prefix = lambda shape: kinds[shape][2]  # the library's letter for that shape, if any
    if all(prefix(shape) and s.name.startswith(prefix(shape)) for shape, group in groups.items() for s in group):
        return None
    parts, math = [], {}
    for shape, group in groups.items():
        if group:
            kind, size, _ = kinds[shape]
            names = ", ".join("{w%d}" % (len(math) + k) for k in range(len(group)))
            math.update({f"w{len(math) + k}": s for k, s in enumerate(group)})
            parts.append(f"the {kind} weight{'s' if len(group) > 1 else ''} {names} "
                         f"{'are' if len(group) > 1 else 'is'} {size}")
    return Prose.of(", ".join(parts), **math)


def _at_t(tex) -> Tex:
    """A state at time t as the loss E_t(h_t) writes it: h_t, not h_{t}."""
    return Tex(tex[:-4] + "_t") if tex.endswith("_{t}") else tex
