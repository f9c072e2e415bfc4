"""The vanishing/exploding figure: ‖∂x_t/∂x_k‖₂ against t − k, with its bound (γλ₁)^{t−k}.

`drawing(b)` lays the figure out as a `vector.Drawing` (points, origin top left, y down);
`vector` writes it as SVG and PDF. The numbers are `Bptt.curves`, computed and checked by
the engine: this module only maps them to page coordinates. Output is deterministic.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .output import Outputs
from .vector import Drawing, Line, Run, Text, pdf, svg, width

if TYPE_CHECKING:
    from .bptt import Bptt

COLOURS = ("#1b9e77", "#7570b3", "#d95f02")
SUFFIXES = (".svg", ".pdf")

# Sizes in points. The page is 6.4 in wide, as the figure always was.
PAGE_WIDTH, MARGIN, PLOT_HEIGHT, TICK_LENGTH = 460.8, 8.0, 190.0, 3.5
TITLE, LABEL, TICK, LEGEND = 10.5, 10.0, 9.0, 8.5
NORM_WIDTH, BOUND_WIDTH, BOUND_OPACITY = 1.6, 6.0, 0.25
INK, GRID, MINOR_GRID = "#000000", "#d4d4d4", "#ececec"
#: Room is measured in Helvetica (the PDF's font); a viewer may set the SVG in DejaVu Sans,
#: up to about this much wider.
SLACK = 1.15
#: At most this many labelled decades and x ticks; more are thinned to a round step.
MAX_LABELS = 7


def runs(markup: str, size: float) -> tuple[Run, ...]:
    """`markup` at `size`, where _c makes the one character c a subscript and ^{…} a
    superscript (both at 0.7 × size, lowered or raised)."""
    out = []
    for sub, sup, plain in re.findall(r"_(.)|\^\{([^}]*)\}|([^_^]+)", markup):
        if plain:
            out.append(Run(plain, size))
        else:
            out.append(Run(sub or sup, 0.7 * size, -0.2 * size if sub else 0.4 * size))
    return tuple(out)


@dataclass(frozen=True)
class Axes:
    """The plot area in page points and what it shows: t − k from 0 to `steps` + 1 (so no
    curve touches the frame) and, on a log scale, 10^`low` to 10^`high`."""
    left: float
    top: float
    right: float
    bottom: float
    steps: int
    low: int
    high: int

    def x(self, step: float) -> float:
        return self.left + (self.right - self.left) * step / (self.steps + 1)

    def y(self, log10: float) -> float:
        """The page y of a value whose log10 is `log10`."""
        return self.bottom - (self.bottom - self.top) * (log10 - self.low) / (self.high - self.low)


def decades(values) -> tuple[int, int]:
    """The decades (low, high) that hold every positive finite value with at least 0.1 of
    a decade to spare (a wide line never crosses the frame)."""
    logs = [math.log10(v) for v in values if 0 < v < math.inf]
    return math.floor(min(logs) - 0.1), math.ceil(max(logs) + 0.1)


def round_step(span: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, … that cuts `span` into at most MAX_LABELS − 1 steps."""
    return next(s * 10 ** m for m in range(400) for s in (1, 2, 5) if span / (s * 10 ** m) <= MAX_LABELS - 1)


def _power(k: int) -> tuple[Run, ...]:
    return runs(f"10^{{{str(k).replace('-', '−')}}}", TICK)


def _segments(steps_values):
    """Runs of consecutive points with a positive finite value (a log axis has no place for
    the others: the line breaks there)."""
    segment = []
    for point in steps_values:
        if 0 < point[1] < math.inf:
            segment.append(point)
            continue
        if len(segment) > 1:
            yield segment
        segment = []
    if len(segment) > 1:
        yield segment


def drawing(b: Bptt, state: str = "x", time: str = "t") -> tuple[Drawing, Axes]:
    """The figure and its axes: three curves and their bounds on a log axis, the title and
    axis labels, and a legend below the plot (where it covers no data). `state` and `time`
    are the report's letters for the state and the step (h and t print ‖∂h_t/∂h_k‖₂)."""
    steps = len(b.curves[0].norms)
    low, high = decades([v for c in b.curves for v in c.norms + c.bounds])
    labelled = [k for k in range(low, high + 1) if k % round_step(high - low) == 0]
    tick_room = max(width(_power(k)) for k in labelled) * SLACK
    left = MARGIN + LABEL + 8 + tick_room + 3 + TICK_LENGTH
    top = MARGIN + TITLE + 10
    axes = Axes(left, top, PAGE_WIDTH - 16, top + PLOT_HEIGHT, steps, low, high)
    items: list[Line | Text] = []

    def hline(y, colour, line_width=0.6):
        items.append(Line(((axes.left, y), (axes.right, y)), colour, line_width))

    # Grid: every decade, and 2…9 × 10^k when every decade is labelled and there are few.
    if labelled == list(range(low, high + 1)) and high - low <= 8:
        for k in range(low, high):
            for m in range(2, 10):
                hline(axes.y(k + math.log10(m)), MINOR_GRID, 0.5)
    for k in range(low, high + 1):
        hline(axes.y(k), GRID if k in labelled else MINOR_GRID)
    x_ticks = range(0, steps + 1, round_step(steps))
    for t in x_ticks:
        items.append(Line(((axes.x(t), axes.top), (axes.x(t), axes.bottom)), GRID, 0.6))

    # The curves: every bound under every norm, so no wide band hides a thin line.
    for style in ("bounds", "norms"):
        for colour, curve in zip(COLOURS, b.curves):
            values = getattr(curve, style)
            for segment in _segments(enumerate(values, 1)):
                points = tuple((axes.x(t), axes.y(math.log10(v))) for t, v in segment)
                items.append(_curve_line(points, colour, style))

    # Frame, ticks and their labels.
    items.append(Line(((axes.left, axes.top), (axes.right, axes.top), (axes.right, axes.bottom),
                       (axes.left, axes.bottom)), INK, 0.8, closed=True))
    for k in labelled:
        y = axes.y(k)
        items.append(Line(((axes.left - TICK_LENGTH, y), (axes.left, y)), INK, 0.8))
        items.append(Text(axes.left - TICK_LENGTH - 3, y + 0.35 * TICK, _power(k), "end"))
    below = axes.bottom + TICK_LENGTH + 3 + 0.75 * TICK
    for t in x_ticks:
        x = axes.x(t)
        items.append(Line(((x, axes.bottom), (x, axes.bottom + TICK_LENGTH)), INK, 0.8))
        items.append(Text(x, below, runs(str(t), TICK), "middle"))

    d = b.derivation
    centre = (axes.left + axes.right) / 2
    title = (f"{d.activation.name}, {d.recurrence.form} form: "
             "products of one-step Jacobians and their bound")
    items.append(Text(centre, MARGIN + TITLE, (Run(title, TITLE),), "middle"))  # plain: no markup
    x_label = below + LABEL + 6
    items.append(Text(centre, x_label, runs(f"{time} − k (steps)", LABEL), "middle"))
    items.append(Text(MARGIN + 0.75 * LABEL, (axes.top + axes.bottom) / 2,
                      runs("spectral norm", LABEL), "middle", angle=90))

    # Legend: a column per curve, its norm above its bound, centred under the plot.
    swatch, gap = 22.0, 16.0
    columns = [(runs(f"γλ_1 = {c.scale:g}: ‖∂{state}_{time}/∂{state}_k‖_2", LEGEND),
                runs(f"bound ({c.scale:g})^{{{time}−k}}", LEGEND)) for c in b.curves]
    widths = [swatch + 4 + max(width(r) for r in column) * SLACK for column in columns]
    x = centre - (sum(widths) + gap * (len(widths) - 1)) / 2
    rows = (x_label + LEGEND + 10, x_label + 2 * LEGEND + 15)
    for colour, column, column_width in zip(COLOURS, columns, widths):
        for y, label, style in zip(rows, column, ("norms", "bounds")):
            items.append(_curve_line(((x, y - 3), (x + swatch, y - 3)), colour, style))
            items.append(Text(x + swatch + 4, y, label))
        x += column_width + gap
    return Drawing(PAGE_WIDTH, rows[-1] + MARGIN, tuple(items)), axes


def _curve_line(points, colour: str, style: str) -> Line:
    if style == "bounds":
        return Line(points, colour, BOUND_WIDTH, BOUND_OPACITY)
    return Line(points, colour, NORM_WIDTH)


def figures(b: Bptt, state: str = "x", time: str = "t") -> dict[str, bytes]:
    """The figure as SVG and PDF bytes, by suffix; nothing is written."""
    figure, _ = drawing(b, state, time)
    return {".svg": svg(figure), ".pdf": pdf(figure)}


def plot(b: Bptt, stem: str | Path, state: str = "x", time: str = "t") -> list[Path]:
    """Write STEM.svg and STEM.pdf, both or neither; returns their paths."""
    stem = Path(stem)
    with Outputs() as outputs:
        for suffix, data in figures(b, state, time).items():
            outputs.add(stem.with_suffix(suffix), data)
    return [stem.with_suffix(suffix) for suffix in SUFFIXES]
