"""The report gallery in reports/: which reports it holds, and how to regenerate it.

Regenerate with ``python -m symbptt gallery`` (writes into ./reports). A test rebuilds it
in a temporary folder and fails when the committed files differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .activations import ACTIVATIONS
from .derivation import derive
from .output import write_atomic
from .render import FORMATS, render


@dataclass(frozen=True)
class Entry:
    """One derivation of the gallery and the formats it is written in."""

    stem: str
    activation: str
    layout: str = "both"
    formats: tuple[str, ...] = ("markdown", "latex")


GALLERY: tuple[Entry, ...] = (
    Entry("default", "sigma", formats=("markdown", "latex", "latex-fragment", "json")),
    *(Entry(name, name) for name in ACTIVATIONS if name != "sigma"),
    Entry("tanh-denominator", "tanh", layout="denominator"),
)


def filename(entry: Entry, fmt: str) -> str:
    suffix = FORMATS[fmt].suffix
    return f"{entry.stem}-fragment{suffix}" if fmt == "latex-fragment" else entry.stem + suffix


def build(folder: str | Path) -> list[Path]:
    """Write every gallery report into `folder`; returns the paths written, in order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for entry in GALLERY:
        derivation = derive(entry.activation, dim=2, layout=entry.layout)
        for fmt in entry.formats:
            written.append(write_atomic(folder / filename(entry, fmt), render(derivation, fmt)))
    return written
