"""The report gallery in reports/: derivations and checks of formulas from the literature.

Regenerate with ``python -m symbptt gallery`` (writes into ./reports). A test rebuilds it
in a temporary folder and fails when the committed files differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .activations import ACTIVATIONS
from .derivation import derive
from .errors import OutputError
from .output import Outputs
from .check import check
from .cell_derivation import derive_cell
from .cell_check import check_cell
from .render import FORMATS, render, render_bptt, render_cell_check, render_check
from .render.cell_report import render_cell, render_cell_bptt


@dataclass(frozen=True)
class Entry:
    """One derivation of the gallery and the formats it is written in."""

    stem: str
    activation: str
    layout: str = "both"
    formats: tuple[str, ...] = ("markdown", "latex")
    recurrence: str = "pascanu"


GALLERY: tuple[Entry, ...] = (
    Entry("default", "sigma", formats=("markdown", "latex", "latex-fragment", "json")),
    *(Entry(name, name) for name in ACTIVATIONS if name != "sigma"),
    Entry("tanh-denominator", "tanh", layout="denominator"),
    Entry("elman-tanh", "tanh", recurrence="elman"),
    Entry("row-sigma", "sigma", recurrence="row"),
)


#: One report per gated cell of the library (cells.CELLS), with its JSON and seeded instance.
CELL_GALLERY: tuple[str, ...] = ("gru", "gru-torch", "gru-chung", "lstm", "lstm-peephole")
CELL_FORMATS = ("markdown", "latex", "json")
#: BPTT reports of gated cells: a GRU (one state, a bound) and the LSTM (blocks, no bound for some).
CELL_BPTT: tuple[str, ...] = ("gru", "lstm")


@dataclass(frozen=True)
class TypedCell:
    """A cell from a course, typed as its notes write it (`derive --cell`), and its source."""

    key: str
    equations: tuple[str, ...]
    title: str
    source: str
    convention: str
    seed: int = 0  # of the report's numeric instance


#: Typed cells from courses: each a derive report (CELL_FORMATS) and a BPTT report.
TYPED_CELLS: tuple[TypedCell, ...] = (
    TypedCell(
        "ctrnn-mit-bcs",
        (r"r_t = r_{t-1} + 0.2 \cdot (-r_{t-1} + \operatorname{relu}(W_r r_{t-1} + W_x x_t + b_r))",),
        "the continuous-time RNN of an MIT BCS tutorial, one Euler step",
        "G. R. Yang, Tutorial: Recurrent neural networks for cognitive neuroscience (prepared for a "
        "2h session at MIT BCS), https://github.com/gyyang/nn-brain/blob/master/RNN_tutorial.ipynb, "
        "section Defining a recurrent neural network: the Euler step of tau dr/dt = -r + f(W_r r + "
        "W_x x + b_r), with f = ReLU, tau = 100 ms and dt = 20 ms as in its code (whose class CTRNN "
        "applies the ReLU to the whole update instead)",
        "the state keeps 1 - dt/tau = 4/5 of itself (the leak) and moves dt/tau = 1/5 of the way to "
        "the rectified drive", seed=2),  # seed 2: one unit above ReLU's kink, one below
)


def typed_cell(entry: TypedCell):
    """The `Cell` of a typed gallery entry: its equations parsed, its title and source set."""
    from dataclasses import replace

    from .cell_parse import parse_cell
    from .steps import Prose

    return replace(parse_cell(list(entry.equations), key=entry.key), title=entry.title,
                   source=entry.source, convention=Prose(entry.convention))


@dataclass(frozen=True)
class CheckEntry:
    """One formula from the literature, checked against the recurrence its source uses."""

    stem: str
    formula: str
    recurrence: str  # the source's own form: its verdict is the headline
    source: str  # where the formula is printed
    activation: str | None = None
    formats: tuple[str, ...] = ("markdown", "latex", "text")


CHECKS: tuple[CheckEntry, ...] = (
    CheckEntry("check-pascanu-eq5", r"\prod_{t \ge i > k} W^T \operatorname{diag}\left(\sigma'(x_{i-1})\right)",
               "pascanu", "Pascanu, Mikolov & Bengio 2013, eq. 5, https://arxiv.org/abs/1211.5063",
               formats=("markdown", "latex", "latex-fragment", "text", "json")),
    CheckEntry("check-cs224d", r"W^T \operatorname{diag}[f'(h_{j-1})]", "pascanu",
               "Stanford CS224d (2015/16), lecture 8, for h_t = W f(h_{t-1}) + W^(hx) x_t"),
    CheckEntry("check-dlbook-10-21", r"W^\top \operatorname{diag}\left(1 - (h^{(t+1)})^2\right)", "elman",
               "Goodfellow, Bengio & Courville, Deep Learning (2016), eq. 10.21, "
               "https://www.deeplearningbook.org/contents/rnn.html", "tanh"),
    CheckEntry("check-cs224n", r"\operatorname{diag}\left(\sigma'(W_h h_{t-1} + W_x x_t + b)\right) W_h", "elman",
               "Stanford CS224n (2019 on), lecture on vanishing gradients"),
)


@dataclass(frozen=True)
class CellCheckEntry:
    """A formula about a gated cell, checked as a block of a library cell or of its source's
    own cell (typed)."""

    stem: str
    formula: str
    cell: "str | TypedCell"
    block: tuple[str, str] | None = None
    formats: tuple[str, ...] = ("markdown", "latex", "text")


CELL_CHECKS: tuple[CellCheckEntry, ...] = (
    # The forget-gate diagonal, as the deeplearning.ai assignment and blog posts state it for
    # their LSTM without peepholes, judged for Greff et al.'s vanilla LSTM, which has them.
    CellCheckEntry("check-lstm-peephole-forget", r"\frac{\partial c_t}{\partial c_{t-1}} = \operatorname{diag}(f_t)",
                   "lstm-peephole"),
    CellCheckEntry(
        "check-weber-lstm",
        r"\frac{\partial C_t}{\partial C_{t-1}} = C_{t-1}\sigma'(\cdot)W_f*o_{t-1}tanh'(C_{t-1}) "
        r"+ \widetilde{C}_t\sigma'(\cdot)W_i*o_{t-1}tanh'(C_{t-1}) + i_t\tanh'(\cdot)W_C*o_{t-1}tanh'(C_{t-1}) + f_t",
        TypedCell("weber-lstm", (
            r"f_t = \sigma(W_f h_{t-1} + W_{fx} x_t)", r"i_t = \sigma(W_i h_{t-1} + W_{ix} x_t)",
            r"o_t = \sigma(W_o h_{t-1} + W_{ox} x_t)", r"\widetilde{C}_t = \tanh(W_C h_{t-1} + W_{Cx} x_t)",
            r"C_t = f_t \odot C_{t-1} + i_t \odot \widetilde{C}_t", r"h_t = o_t \odot \tanh(C_t)"),
            "the LSTM of N. Weber's post, its concatenated weights split",
            "N. Weber, Why LSTMs Stop Your Gradients From Vanishing: A View from the Backwards Pass "
            "(2017), https://weberna.github.io/blog/2017/11/15/LSTM-Vanishing-Gradients.html, section "
            "Looking at the full LSTM gradient (its four lines joined); the cell of its LSTM Equation "
            "Reference, W_f [h_{t-1}, x_t] written W_f h_{t-1} + W_fx x_t",
            "no biases; C_t is the cell state"),
        ("C", "C")),
)


#: The course-notes example: files embedded by its notes.tex and notes.md, and how to make
#: them (in the notation of the folder's symbptt.toml).
EXAMPLE_FORMULA = r"W^T \operatorname{diag}(\sigma'(x_{i-1}))"
EXAMPLE_FILES = (
    ("jacobian.tex", "derive", "latex-fragment"),
    ("jacobian.md", "derive", "markdown"),
    ("check-pascanu.tex", "check", "latex-fragment"),
    ("check-pascanu.md", "check", "markdown"),
)


def build_example(folder: str | Path, outputs: Outputs | None = None) -> list[Path]:
    """Regenerate the files the course-notes example in `folder` embeds (staged in
    `outputs` when given: the caller commits them)."""
    from .config import settings_from_file
    from .printing import Notation

    folder = Path(folder)
    notation = Notation(**settings_from_file(folder / "symbptt.toml"))
    derivation = derive("tanh", dim=2)
    result = check(EXAMPLE_FORMULA, activation="tanh")
    with Outputs() as own:
        staged = own if outputs is None else outputs
        for name, kind, fmt in EXAMPLE_FILES:
            staged.add(folder / name, render(derivation, fmt, notation) if kind == "derive"
                       else render_check(result, fmt, notation))
    return [folder / name for name, _, _ in EXAMPLE_FILES]


def filename(entry, fmt: str) -> str:
    suffix = FORMATS[fmt].suffix
    return f"{entry.stem}-fragment{suffix}" if fmt == "latex-fragment" else entry.stem + suffix


#: BPTT reports, one per form, with the figure.
BPTT_FORMS = ("pascanu", "elman", "row")


def build(folder: str | Path, outputs: Outputs | None = None) -> list[Path]:
    """Write every gallery report into `folder`, all or (on an error) none; returns the paths,
    in order. With `outputs`, they are staged there and the caller commits them."""
    from .bptt import bptt
    from .cell_bptt import cell_bptt
    from .plot import figures

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write the gallery into {folder}: it is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make the folder {folder}: {exc.strerror}") from None
    written = []
    with Outputs() as own:
        staged = own if outputs is None else outputs

        def add(path: Path, content: str | bytes) -> None:
            written.append(staged.add(path, content))

        for entry in GALLERY:
            derivation = derive(entry.activation, dim=2, layout=entry.layout, recurrence=entry.recurrence)
            for fmt in entry.formats:
                add(folder / filename(entry, fmt), render(derivation, fmt))
        for key in CELL_GALLERY:
            derivation = derive_cell(key, dim=2)
            for fmt in CELL_FORMATS:
                add(folder / f"cell-{key}{FORMATS[fmt].suffix}", render_cell(derivation, fmt))
        for key in CELL_BPTT:
            result = cell_bptt(key)
            for fmt in ("markdown", "latex"):
                add(folder / f"bptt-{key}{FORMATS[fmt].suffix}", render_cell_bptt(result, fmt))
        for entry in TYPED_CELLS:
            cell = typed_cell(entry)
            derivation = derive_cell(cell, dim=2, seed=entry.seed)
            for fmt in CELL_FORMATS:
                add(folder / f"cell-{entry.key}{FORMATS[fmt].suffix}", render_cell(derivation, fmt))
            result = cell_bptt(cell, seed=entry.seed)
            for fmt in ("markdown", "latex"):
                add(folder / f"bptt-{entry.key}{FORMATS[fmt].suffix}", render_cell_bptt(result, fmt))
        for entry in CHECKS:
            result = check(entry.formula, activation=entry.activation)
            if result.form.key != entry.recurrence:  # the source's own form is the headline
                result = check(entry.formula, activation=entry.activation, recurrence=entry.recurrence)
            for fmt in entry.formats:
                add(folder / filename(entry, fmt), render_check(result, fmt))
        for entry in CELL_CHECKS:
            cell = typed_cell(entry.cell) if isinstance(entry.cell, TypedCell) else entry.cell
            result = check_cell(entry.formula, cell, entry.block)
            for fmt in entry.formats:
                add(folder / filename(entry, fmt), render_cell_check(result, fmt))
        for form in BPTT_FORMS:
            result, stem = bptt("tanh", form), f"bptt-{form}"
            for suffix, data in figures(result).items():
                add(folder / f"{stem}-figure{suffix}", data)
            for fmt in ("markdown", "latex"):
                add(folder / (stem + FORMATS[fmt].suffix), render_bptt(result, fmt, figure=f"{stem}-figure"))
    return written
