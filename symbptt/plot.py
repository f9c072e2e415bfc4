"""The vanishing/exploding figure: ‖∂x_t/∂x_k‖₂ against t − k, with its bound (γλ₁)^{t−k}.

matplotlib is an optional extra (``pip install 'symbptt[plot]'``); without it, asking for a
plot is a clear one-line error. Output is deterministic: seeded data, no timestamps or
software tags in the files.
"""

from __future__ import annotations

import io
from pathlib import Path

from .bptt import Bptt
from .errors import OutputError
from .output import Outputs

COLOURS = ("#1b9e77", "#7570b3", "#d95f02")


def _matplotlib():
    """matplotlib's Figure and Agg canvas, imported on first use: without pyplot, whose
    backend selection and figure manager a file written once does not need."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise OutputError("the plot needs matplotlib: pip install 'symbptt[plot]' "
                          "(or leave out --plot)") from None
    return matplotlib, Figure, FigureCanvasAgg


def figures(b: Bptt) -> dict[str, bytes]:
    """The figure as PNG and PDF bytes, by suffix; nothing is written."""
    matplotlib, Figure, FigureCanvasAgg = _matplotlib()
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 10, "svg.hashsalt": "symbptt",
                                "pdf.fonttype": 42}):
        fig = Figure(figsize=(6.4, 4.0), dpi=120)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        for colour, curve in zip(COLOURS, b.curves):
            steps = range(1, len(curve.norms) + 1)
            ax.semilogy(steps, curve.bounds, color=colour, linewidth=6, alpha=0.25,
                        label=f"bound ({curve.scale:g})^(t−k)")
            ax.semilogy(steps, curve.norms, color=colour, linewidth=1.6,
                        label=f"γλ₁ = {curve.scale:g}: ‖∂x_t/∂x_k‖₂")
        d = b.derivation
        ax.set_xlabel("t − k (steps)")
        ax.set_ylabel("spectral norm")
        ax.set_title(f"{d.activation.name}, {d.recurrence.form} form: "
                     "products of one-step Jacobians and their bound")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, ncol=2, loc="lower left")
        fig.tight_layout()
        out = {}
        for suffix, metadata in ((".png", {"Software": None}),
                                 (".pdf", {"Creator": None, "Producer": None, "CreationDate": None})):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=suffix[1:], metadata=metadata)
            out[suffix] = buffer.getvalue()
    return out


def plot(b: Bptt, stem: str | Path) -> list[Path]:
    """Write STEM.png and STEM.pdf, both or neither; returns their paths."""
    stem = Path(stem)
    with Outputs() as outputs:
        for suffix, data in figures(b).items():
            outputs.add(stem.with_suffix(suffix), data)
    return [stem.with_suffix(suffix) for suffix in (".png", ".pdf")]
