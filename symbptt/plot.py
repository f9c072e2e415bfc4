"""The vanishing/exploding figure: ‖∂x_t/∂x_k‖₂ against t − k, with its bound (γλ₁)^{t−k}.

matplotlib is an optional extra (``pip install 'symbptt[plot]'``); without it, asking for a
plot is a clear one-line error. Output is deterministic: seeded data, no timestamps or
software tags in the files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .bptt import Bptt
from .errors import OutputError

COLOURS = ("#1b9e77", "#7570b3", "#d95f02")


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise OutputError("the plot needs matplotlib: pip install 'symbptt[plot]' "
                          "(or leave out --plot)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot(b: Bptt, stem: str | Path) -> list[Path]:
    """Write STEM.png and STEM.pdf, atomically; returns their paths."""
    plt = _pyplot()
    stem = Path(stem)
    with plt.rc_context({"font.family": "DejaVu Sans", "font.size": 10, "svg.hashsalt": "symbptt",
                         "pdf.fonttype": 42}):
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
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
        written = []
        for suffix, metadata in ((".png", {"Software": None}),
                                 (".pdf", {"Creator": None, "Producer": None, "CreationDate": None})):
            target = stem.with_suffix(suffix)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
            os.close(fd)
            try:
                fig.savefig(tmp, format=suffix[1:], metadata=metadata)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except OSError as exc:
                os.unlink(tmp)
                raise OutputError(f"cannot write {target}: {exc.strerror}") from None
            written.append(target)
        plt.close(fig)
    return written
