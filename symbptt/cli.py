"""The command line: parse, dispatch, report errors in one line. No mathematics here."""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import traceback
from pathlib import Path

from . import __version__
from .activations import ACTIVATIONS
from .cells import CELLS as _CELLS
from .model import DEFAULT_FORM, FORMS
from .derivation import MAX_DIM, derive
from .errors import InputError, OutputError, SymbpttError

CELL_KEYS = tuple(_CELLS)
from .render import CHECK_FORMATS, DERIVE_FORMATS, render

SUFFIX_FORMATS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".json": "json"}

DERIVE_HELP = """\
Derive ∂x_t/∂x_{t-1} for x_t = W σ(x_{t-1}) + W_in u_t + b three independent ways
(matrix level for every n, index notation for every n, explicit expansion at n = DIM),
in numerator and/or denominator layout, and print the step-by-step proof.

examples:
  python -m symbptt derive                              Markdown proof, generic σ, 2×2
  python -m symbptt derive --activation tanh --dim 3    tanh, explicit 3×3 expansion
  python -m symbptt derive -r elman -a tanh             post-activation h_t = tanh(W h_{t-1} + …)
  python -m symbptt derive --layout denominator -o proof.md
  python -m symbptt derive --format latex --pdf -o proof.tex    LaTeX and its PDF
  python -m symbptt derive --format latex-fragment -o jac.tex   for \\input in notes
  python -m symbptt derive --format json | jq .layouts.numerator.closed_form

exit status: 0 on success, 2 on bad input or an output that cannot be written, 130 when
interrupted, 70 on an internal error (a bug; --debug shows its traceback)
"""


CHECK_HELP = """\
Judge a formula, as a paper, notes or code print it, for the one-step Jacobian ∂x_t/∂x_{t-1}
of a recurrent network: for each layout it is proved (for every n), numeric (equal at random
instances, not proved) or refuted (with a counterexample). The main verdict is about the form
the formula is written for (σ' at the previous state: pascanu; at a_t or through the current
state: elman; row vectors: row, row-elman), inferred from its symbols unless -r says; every
other form and every reading of an ambiguous formula (a time index, σ'(·), a vector scaling
a matrix without diag) is judged too, and those that hold are listed.

The formula is plain text, LaTeX or code: W^T, W.T, Wᵀ, W^\\top; diag(...), np.diag, \\text{diag};
σ/sigma/f, σ'/\\sigma^{\\prime}/\\dot\\sigma, tanh, sigmoid, relu, sech; products by juxtaposition,
*, @, \\cdot, np.dot; ⊙/\\odot; sums; \\mathbf{...}, \\left( ... \\right); W_{hh}, Whh, x_{t-1},
hs[t]; \\prod; a derivative on the left, \\frac{\\partial h_t}{\\partial h_{t-1}} = …; a gradient
(δ_t, dh) the factor multiplies is dropped. The whole list: docs/check.md, "Accepted syntax".

examples:
  python -m symbptt check "W^T diag(sigma'(x))"
  python -m symbptt check 'W_{rec}^T \\operatorname{diag}(\\sigma'"'"'(x_{i-1}))' --format json
  python -m symbptt check "W D" --define "D=diag(sigma'(x))" --expect numerator
  python -m symbptt check "W^T diag(1 - (h^{(t+1)})^2)" --activation tanh -o check.md

exit status: 0 when the report was written (with --expect: and the formula holds in that
layout), 1 when --expect's layout is refuted, 2 on bad input
"""


BPTT_HELP = """\
Carry the one-step Jacobian through time: ∂x_t/∂x_k as the product of one-step Jacobians
(proved by induction, checked by differentiating the composed recurrence for t − k = 1, 2, 3),
the backward recursion δ_{t-1} = g_{t-1} + J_tᵀ δ_t with ∂E/∂W (checked against the loss's own
derivatives and finite differences), and the vanishing/exploding bound (γλ₁)^{t−k} (checked on
trajectories), with a figure of ‖∂x_t/∂x_k‖₂ against t − k.

examples:
  python -m symbptt bptt                                  Markdown, tanh, Pascanu's form
  python -m symbptt bptt -r elman -o bptt.md --plot       with bptt-figure.svg and .pdf
  python -m symbptt bptt -a sigmoid --format latex --plot -o notes/bptt.tex
"""


LINT_HELP = """\
Find the claims about a recurrent Jacobian in course notes (LaTeX, Markdown, Quarto, MyST,
notebooks) and judge each with check's engine: equations with ∂h_t/∂h_{t-1} (or ∇, ∂h_t/∂h_k
= ∏ …) on one side, and backward recursions δ_{t-1} = … δ_t or ∂L/∂h_t = … ∂L/∂h_{t+1}.
Each claim is judged against the recurrence and layout the document declares: in a comment
(% symbptt: recurrence=elman layout=denominator, or <!-- symbptt: … --> in Markdown), in
[lint] of symbptt.toml / [tool.symbptt.lint] of pyproject.toml, or with the options below.

codes (docs/lint.md has the details):
  SB101 error    holds in neither layout        SB201 info     formula not read, not judged
  SB102 error    holds only in the other layout SB301 error    file cannot be read
  SB103 warning  right only with σ' at a_t      SB302 warning  math never closed
  SB104 warning  claims in different layouts    SB303 error    bad symbptt: comment
  SB105 error    gradient between the factors   SB202 warning  likely typo (j_{j-1}: h_{j-1})
A comment `symbptt: ignore[SB101]` (or `ignore`) silences the formula on its line, else the next.

examples:
  symbptt lint notes/ chapter3.tex rnn.md lecture.ipynb
  symbptt lint --layout denominator --recurrence elman notes/
  symbptt lint --format github notes/          annotations in a pull request

exit status: 0 when nothing but info was found, 1 with an error or warning finding, 2 on bad
usage (a path that does not exist, a bad config file)
"""


DEBUG_HELP = "on an internal error, show the traceback (also SYMBPTT_DEBUG=1)"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see --help)\n")


class _EmbeddedParser(_Parser):
    """The same parser for embedders (the Sphinx directive): a usage error raises InputError,
    and --help or --version, which would print and exit, are refused."""

    def error(self, message):
        raise InputError(f"{self.prog}: {_one_line(message)}")

    def exit(self, status=0, message=None):
        raise InputError(f"{self.prog}: --help and --version print instead of reporting")

    def print_help(self, file=None):
        pass

    def print_usage(self, file=None):
        pass

    def _print_message(self, message, file=None):
        pass


def _output_options(parser, formats: tuple[str, ...], default: str) -> None:
    """--format, --output and --template-dir, which every report command takes."""
    parser.add_argument("--format", "-f", choices=list(formats), default=None,
                        help=f"report format (default: from the -o suffix, else {default})")
    parser.add_argument("--output", "-o", metavar="PATH",
                        help="write the report to PATH instead of stdout: a file is replaced "
                             "atomically (a link at its target), a device or FIFO written to")
    parser.add_argument("--template-dir", metavar="DIR",
                        help="folder of templates overriding the built-in ones by name")


def _notation_options(parser) -> None:
    group = parser.add_argument_group(
        "notation", "how symbols print; the same keys as [tool.symbptt] in pyproject.toml or "
                    "symbptt.toml, found from the current folder upwards (options win)")
    group.add_argument("--notation", "-N", action="append", default=[], metavar="KEY=VALUE",
                       help="state, weight, input-weight, input, bias (names such as h, W_hh), "
                            "time (a letter), bold (true/false), transpose (top, T, intercal), "
                            "diag (a word); repeatable")
    group.add_argument("--config", metavar="FILE", help="read notation from FILE instead")
    group.add_argument("--no-config", action="store_true", help="ignore config files")


def _cell_options(parser) -> None:
    """--cell and --cell-file, a cell typed as equations (derive and bptt)."""
    parser.add_argument("--cell", action="append", metavar="EQUATION",
                        help="one equation of your own cell, such as 'h_t = tanh(W h_{t-1} + U x_t + b)' "
                             "(repeat for several; plain text or LaTeX; ⊙ or * for the entrywise product)")
    parser.add_argument("--cell-file", metavar="PATH",
                        help="your cell's equations, one a line (lines starting with # are skipped)")


def _notation(args):
    from .config import notation

    return notation(args.notation, config=args.config, use_config=not args.no_config)[0]


def _parser(parser_class: type[_Parser] = _Parser) -> argparse.ArgumentParser:
    parser = parser_class(
        prog="symbptt",
        description="Symbolic derivations of recurrent-network Jacobians, with proofs.",
        epilog="Run 'symbptt COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"symbptt {__version__}")
    parser.add_argument("--debug", action="store_true", default=False, help=DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=parser_class)
    commands.required = True

    d = commands.add_parser(
        "derive", help="derive the one-step Jacobian and print its proof",
        description=DERIVE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--activation", "-a", choices=list(ACTIVATIONS), default=None,
                   help="the elementwise activation σ of the RNN forms (default: sigma, a generic "
                        "function); a cell's equations fix its own")
    d.add_argument("--recurrence", "-r", default=DEFAULT_FORM, metavar="FORM|CELL",
                   help="pascanu: x_t = W σ(x_{t-1}) + W_in u_t + b (default); elman: "
                        "x_t = σ(W x_{t-1} + W_in u_t + b); row: x_tᵀ = σ(x_{t-1})ᵀ W + …; "
                        "row-elman: x_tᵀ = σ(x_{t-1}ᵀ W + u_tᵀ W_inᵀ + bᵀ); the gated cells "
                        "gru (Cho et al.), gru-torch (PyTorch's GRUCell), gru-chung (Chung et al.), "
                        "lstm (PyTorch's LSTMCell), lstm-peephole (Greff et al.), whose activations "
                        "are their own (-a does not apply); or a cell of the config file ([cells.NAME])")
    _cell_options(d)
    d.add_argument("--dim", "-n", type=int, default=2, metavar="N",
                   help=f"size n of the explicit expansion, 1..{MAX_DIM} (default: 2)")
    d.add_argument("--inputs", "-m", type=int, default=None, metavar="M",
                   help="input size m of the expansion (default: N+1, so W_in is not square)")
    d.add_argument("--symbolic", action="store_true",
                   help="symbolic n only: skip the explicit expansion and the numeric check")
    d.add_argument("--layout", "-l", choices=["numerator", "denominator", "both"],
                   default="both", help="which layout(s) to state the result in (default: both)")
    _output_options(d, DERIVE_FORMATS, "markdown")
    d.add_argument("--pdf", action="store_true",
                   help="with --format latex and -o FILE.tex, also build FILE.pdf "
                        "(needs latexmk or pdflatex)")
    d.add_argument("--seed", type=int, default=0,
                   help="seed of the numeric check's random values (default: 0)")
    _notation_options(d)
    d.set_defaults(run=_derive)

    c = commands.add_parser(
        "check", help="judge a published formula for ∂x_t/∂x_{t-1}, in each layout",
        description=CHECK_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("formula", help="the formula, in plain text or LaTeX (quote it for the shell)")
    c.add_argument("--activation", "-a", choices=list(ACTIVATIONS), default=None,
                   help="the activation σ stands for (default: the one the formula names, "
                        "tanh/sigmoid/relu, else a generic σ)")
    c.add_argument("--recurrence", "-r", default=None, metavar="FORM|CELL",
                   help="the recurrence the main verdict is about (default: the one the formula's "
                        "symbols imply: σ' at the previous state → pascanu, at a_t or written "
                        "through the current state → elman; else pascanu); the others are readings. "
                        "A gated cell (gru, gru-torch, gru-chung, lstm, lstm-peephole) or a cell of "
                        "the config file ([cells.NAME]) judges the formula as a block of that cell's "
                        "Jacobian, named on its left side (∂c_t/∂c_{t-1} = …) or by --block")
    c.add_argument("--cell", action="append", metavar="EQUATION",
                   help="judge against your own cell: one equation (repeat), as for derive --cell")
    c.add_argument("--cell-file", metavar="PATH", help="your cell's equations, one a line")
    c.add_argument("--block", metavar="V,S",
                   help="the block of a cell's Jacobian, dV_t/dS_{t-1}, when the formula has no "
                        "left side, e.g. c,c (default: the first state by itself)")
    c.add_argument("--expect", choices=["numerator", "denominator"],
                   help="exit 1 unless the formula holds in this layout (for CI of course notes)")
    _output_options(c, CHECK_FORMATS, "text")
    c.add_argument("--recurrent", action="append", default=[], metavar="NAME",
                   help="another name for the recurrent matrix W (repeatable), e.g. A or W_rec")
    c.add_argument("--state", metavar="NAME",
                   help="the name of the state vector, a letter or a word such as net "
                        "(default: the derivative's on the left, else h if present, else x)")
    c.add_argument("--define", action="append", default=[], metavar="NAME=FORMULA",
                   help="define a name used in the formula, e.g. --define \"D=diag(sigma'(x))\"")
    _notation_options(c)
    c.set_defaults(run=_check)

    b = commands.add_parser(
        "bptt", help="beyond one step: ∂x_t/∂x_k, the backward recursion, the gradient bound",
        description=BPTT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    b.add_argument("--activation", "-a", choices=[a for a in ACTIVATIONS if a != "sigma"],
                   default=None, help="the activation of the RNN forms (needs a known sup|σ'|; "
                                      "default: tanh); a cell's equations fix its own")
    b.add_argument("--recurrence", "-r", default=DEFAULT_FORM, metavar="FORM|CELL",
                   help=f"the form of the recurrence: {', '.join(FORMS)} (default: pascanu), or a "
                        f"gated cell: {', '.join(CELL_KEYS)}, or a cell of the config file "
                        "([cells.NAME]) (its blocks, backward recursion and bounds)")
    _cell_options(b)
    _output_options(b, DERIVE_FORMATS, "markdown")
    b.add_argument("--plot", action="store_true",
                   help="with -o, also write PATH-figure.svg and .pdf (the norm-vs-steps figure) next "
                        "to PATH and embed it (Markdown the SVG, LaTeX the PDF)")
    _notation_options(b)
    b.set_defaults(run=_bptt)

    g = commands.add_parser(
        "gallery", help="regenerate the report gallery (reports/)",
        description="Write the example reports (one per activation, the default in every "
                    "format, and a denominator-only one) into DIR.",
    )
    g.add_argument("folder", nargs="?", default="reports", metavar="DIR",
                   help="where to write (default: reports)")
    g.add_argument("--example", default="examples/course-notes", metavar="DIR",
                   help="also regenerate the course-notes example's embedded files in DIR, "
                        "when it has a symbptt.toml (default: examples/course-notes)")
    g.set_defaults(run=_gallery)

    lint = commands.add_parser(
        "lint", help="check every Jacobian claim in course notes (.tex, .md, .qmd, .ipynb)",
        description=LINT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lint.add_argument("paths", nargs="+", metavar="PATH",
                      help="files or folders (walked in sorted order, hidden and build folders skipped)")
    lint.add_argument("--format", "-f", choices=["concise", "json", "github", "sarif"],
                      default="concise", help="concise (path:line:col: CODE message; default), json, "
                                              "github (workflow annotations) or sarif (code scanning)")
    lint.add_argument("--show-proof", action="store_true",
                      help="add check's report (counterexample, readings) to each finding")
    lint.add_argument("--recurrence", "-r", choices=[*FORMS, *CELL_KEYS], default=None,
                      help="the notes' recurrence (an RNN form or a gated cell: gru, lstm, …); wins over "
                           "the config file, a document's own comment wins over it")
    lint.add_argument("--layout", "-l", choices=["numerator", "denominator"], default=None,
                      help="the notes' layout; wins over the config file, a document's own comment wins over it")
    lint.add_argument("--activation", "-a", choices=list(ACTIVATIONS), default=None,
                      help="what σ stands for; wins over the config file, a document's own comment wins over it")
    lint.add_argument("--config", metavar="FILE", help="read [lint] from FILE instead")
    lint.add_argument("--no-config", action="store_true", help="ignore config files")
    lint.set_defaults(run=_lint)

    a = commands.add_parser("activations", help="list the activations and their derivatives")
    a.set_defaults(run=_activations)
    for command in commands.choices.values():
        # After the command too; SUPPRESS keeps a --debug given before it.
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help=DEBUG_HELP)
    return parser


def _format_for(args, offered: tuple[str, ...], default: str) -> str:
    if args.format:
        return args.format
    if args.output:
        suffix = Path(args.output).suffix.lower()
        if suffix not in SUFFIX_FORMATS or SUFFIX_FORMATS[suffix] not in offered:
            raise InputError(f"cannot tell the format from {args.output!r}; "
                             f"add --format ({', '.join(offered)}) or use .md, .tex, .json")
        return SUFFIX_FORMATS[suffix]
    return default


def _check_template_dir(args) -> None:
    if args.template_dir and not Path(args.template_dir).is_dir():
        raise InputError(f"--template-dir {args.template_dir!r} is not a folder")


def _stdout(text: str) -> None:
    """The report on standard output, as UTF-8 whatever the locale (as files are)."""
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise OutputError("standard output is closed; write the report with -o PATH")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
    sys.stdout.flush()  # a closed pipe fails here, inside main(), not at interpreter exit


def _emit(args, text: str, outputs=None) -> None:
    """The report to stdout, or to -o PATH (see `output`); staged in `outputs` when given."""
    from .output import write_output

    if not args.output:
        _stdout(text)
    elif outputs is not None:
        outputs.add(args.output, text)
    else:
        write_output(args.output, text)


def _derive(args) -> int:
    from .output import Outputs, build_pdf, latex_command

    fmt = _format_for(args, DERIVE_FORMATS, "markdown")
    if args.pdf and (fmt != "latex" or not args.output):
        raise InputError("--pdf needs --format latex and -o FILE.tex")
    if args.pdf:
        latex_command()  # no TeX: say so before any work
        Outputs.check(Path(args.output).with_suffix(".pdf"))
    if args.output:
        Outputs.check(args.output)
    _check_template_dir(args)
    notation = _notation(args)  # validated before any work is done
    derivation = _derivation(args, progress=_progress(args))
    text = render_report(args, derivation, fmt, notation)
    if not args.pdf:
        _emit(args, text)
        return 0
    # The .tex and the .pdf appear together, once both are built, or neither does.
    pdf = Path(args.output).with_suffix(".pdf")
    with Outputs() as outputs:
        outputs.add(args.output, text)
        outputs.add(pdf, build_pdf(text, args.output))
    print(f"wrote {pdf}", file=sys.stderr)
    return 0


def _derivation(args, progress=None):
    """`derive()` for parsed `derive` arguments, validated as the command validates them (a
    gated cell: `derive_cell()`, its own engine)."""
    if args.dim < 1:
        raise InputError(f"--dim must be a whole number from 1 to {MAX_DIM}, got {args.dim}")
    dim = None if args.symbolic else args.dim
    cell = resolve_cell(args)
    if cell is not None:
        _refuse_form_options(args, ("--activation",))
        from .cell_derivation import derive_cell
        return derive_cell(cell, dim=dim, layout=args.layout, inputs=args.inputs, seed=args.seed)
    return derive(args.activation or "sigma", dim=dim, layout=args.layout, inputs=args.inputs,
                  seed=args.seed, progress=progress, recurrence=args.recurrence)


#: Largest --cell-file accepted, in bytes.
MAX_CELL_FILE = 20_000


def _typed_cell(args):
    """The cell typed with --cell / --cell-file (parsed, never evaluated), or None."""
    equations = list(getattr(args, "cell", None) or [])
    path = getattr(args, "cell_file", None)
    if path:
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_CELL_FILE + 1)
        except OSError as exc:
            raise InputError(f"cannot read --cell-file {path}: {exc.strerror}") from None
        if len(data) > MAX_CELL_FILE:
            raise InputError(f"--cell-file {path} is larger than {MAX_CELL_FILE:,} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"--cell-file {path} is not UTF-8 (byte {exc.start + 1})") from None
        equations += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not equations:
        return None
    if args.recurrence not in (DEFAULT_FORM, None):
        raise InputError("--cell gives the cell's equations: leave out --recurrence")
    from .cell_parse import parse_cell
    return parse_cell(equations)


def resolve_cell(args, start: str | Path | None = None):
    """The cell parsed arguments select, or None for an RNN form: a `Cell` typed with --cell /
    --cell-file, the key of a library cell (`cells.CELLS`), or a `Cell` of the config file
    (`config.cell`: -r NAME with a [cells.NAME] table). -r with a name that is none of these
    is an `InputError` listing the forms, the library cells and the config file's cells.

    The config file is --config's, else none with --no-config, else the one found from
    `start` (default: `args.config_start`, which `result()` sets, else the current folder).
    Resolved once: the answer is kept on `args`.
    """
    if "_cell" in vars(args):
        return args._cell
    from .config import cell, cell_names

    start = start or getattr(args, "config_start", ".")
    options = dict(config=getattr(args, "config", None), use_config=not getattr(args, "no_config", False),
                   start=start)
    path, names = cell_names(**options)  # a config cell named like a library cell is refused here
    found = _typed_cell(args)
    if found is None and args.recurrence in CELL_KEYS:
        found = args.recurrence
    elif found is None and args.recurrence is not None and args.recurrence not in FORMS:
        found = cell(args.recurrence, **options)
        if found is None:
            where = (f"the cells of {path}: {', '.join(names)}" if names else
                     f"no [cells.NAME] in {path}" if path else "no config file with [cells.NAME]")
            raise InputError(f"unknown recurrence {args.recurrence!r:.40} for -r: the forms are "
                             f"{', '.join(FORMS)}; the library cells {', '.join(CELL_KEYS)}; {where}")
    args._cell = found
    return found


def _is_cell(args) -> bool:
    return resolve_cell(args) is not None


def _refuse_cell_plot(args) -> None:
    if args.plot and _is_cell(args):
        raise InputError("--plot draws the (γλ₁)^t curves of the RNN forms (-r pascanu, elman, row, "
                         "row-elman); a cell, gated or typed, has no single γλ₁: its report gives a "
                         "bound per block instead")


#: bptt's activation for the RNN forms when -a is not given.
BPTT_ACTIVATION = "tanh"


def _refuse_form_options(args, options: tuple[str, ...]) -> None:
    """A cell (gated, typed or of the config file) fixes its names and activations by its
    equations: any of `options` (long flags of the RNN forms) given explicitly with it is an
    `InputError` naming the first, rather than silently ignored."""
    given = [option for option in options if getattr(args, option[2:].replace("-", "_"))]
    if given:
        raise InputError(f"{given[0]} applies to the RNN forms: a cell's names and activations "
                         "are those of its equations")


def _bptt_result(args):
    """`bptt()` for parsed `bptt` arguments (a gated, typed or config cell: `cell_bptt()`)."""
    _refuse_cell_plot(args)
    cell = resolve_cell(args)
    if cell is not None:
        _refuse_form_options(args, ("--activation",))
        from .cell_bptt import cell_bptt
        return cell_bptt(cell)
    from .bptt import bptt

    return bptt(args.activation or BPTT_ACTIVATION, args.recurrence)


def render_report(args, result, fmt: str, notation, figure: str | None = None) -> str:
    """The report of a command's `result` (from `result()`) in `fmt`, as the command prints
    it; `figure` is the name a bptt report embeds its figure by."""
    if args.command == "check":
        from .render import render_cell_check, render_check
        show = render_cell_check if _is_cell(args) else render_check
        return show(result, fmt, notation=notation, template_dir=args.template_dir)
    if _is_cell(args):  # a gated or typed cell: its own report
        from .render.cell_report import render_cell, render_cell_bptt
        if args.command == "bptt":
            return render_cell_bptt(result, fmt, notation, args.template_dir)
        return render_cell(result, fmt, notation=notation, template_dir=args.template_dir)
    if args.command == "bptt":
        from .render.bptt_report import render_bptt
        return render_bptt(result, fmt, notation, args.template_dir, figure=figure)
    return render(result, fmt, notation=notation, template_dir=args.template_dir)


def _bptt(args) -> int:
    from .output import Outputs
    from .render.bptt_report import figure_name

    fmt = _format_for(args, DERIVE_FORMATS, "markdown")
    _refuse_cell_plot(args)
    if args.plot and not args.output:
        raise InputError("--plot needs -o PATH: the figure is written next to the report")
    _check_template_dir(args)
    notation = _notation(args)
    figure = None
    if args.output:
        Outputs.check(args.output)
    if args.plot:
        from .plot import SUFFIXES

        # Not PATH's own stem: compiling PATH.tex writes PATH.pdf, which would overwrite it.
        stem = Path(args.output).with_name(Path(args.output).stem + "-figure")
        figure = figure_name(stem.name)  # a bad name fails before any work or writing
        for suffix in SUFFIXES:
            Outputs.check(stem.with_suffix(suffix))
    result = _bptt_result(args)
    if figure is None:
        _emit(args, render_report(args, result, fmt, notation))
        return 0
    from .plot import figures

    # The figures and the report appear together, once all are ready, or none does.
    with Outputs() as outputs:
        for suffix, data in figures(result, notation.state, notation.time).items():
            outputs.add(stem.with_suffix(suffix), data)
        _emit(args, render_report(args, result, fmt, notation, figure=figure), outputs)
    return 0


#: From this --dim on, a terminal sees the expansion's progress.
PROGRESS_FROM = 64


def _progress(args):
    """A progress callback writing to stderr, when it is a terminal and the work is large."""
    if args.symbolic or args.dim < PROGRESS_FROM or not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\rverified {done:,} / {total:,} entries", end=end, file=sys.stderr, flush=True)
    return report


def _check(args) -> int:
    fmt = _format_for(args, CHECK_FORMATS, "text")
    _check_template_dir(args)
    roles = _roles(args)
    notation = _notation(args)
    result = _check_result(args, roles)
    _emit(args, render_report(args, result, fmt, notation))
    if args.expect and not result.verdict(args.expect).holds:
        return 1
    return 0


def _roles(args):
    """The names' roles from parsed `check` arguments (--recurrent, --state, --define)."""
    from .claim import RECURRENT, STATE_LETTERS, TIME_LETTERS, Roles, define_key
    from .grammar import parse

    # --recurrent names are read as the formula's names are, as --define's: W_recurrent, W_{hidden}
    recurrent = tuple(define_key(name) for name in args.recurrent)
    if args.state and not re.fullmatch(r"[a-z][A-Za-z0-9]{0,11}", args.state):
        raise InputError(f"--state takes a name such as h, s or net (a lower-case letter, then "
                         f"letters or digits), got {args.state!r}")
    if args.state in TIME_LETTERS:  # the time index, which a state's subscript needs
        raise InputError(f"--state {args.state}: {args.state} is a time index (h_{args.state}); name the state otherwise")
    # One name in two roles: the recurrent matrix is a matrix, the state a vector.
    both = next((name for name in recurrent if name == args.state or name in STATE_LETTERS and not args.state), None)
    if both:
        raise InputError(f"--recurrent {both}: {both} is {'--state' if both == args.state else 'a state letter'} "
                         "too; a name is the recurrent matrix or the state, not both")
    defines, given = [], {}
    for item in args.define:
        name, equals, formula = item.partition("=")
        if not equals:
            raise InputError(f"--define needs NAME=FORMULA, got {item!r}")
        key = define_key(name)
        if key in given:  # the last would silently win
            raise InputError(f"--define gives {name} twice ({given[key]!r} and {item!r}): define each name once")
        given[key] = item
        if not formula.strip():  # parse would say "the formula is empty", meaning the one checked
            raise InputError(f"--define {name}= gives {name} an empty definition: write --define "
                             f"{name}=FORMULA, such as {name}=diag(sigma'(x))")
        defines.append((key, parse(formula)))
    return Roles(recurrent=RECURRENT + recurrent,
                 state=(args.state,) if args.state else STATE_LETTERS, defines=tuple(defines))


def _check_result(args, roles=None):
    """`check()` for parsed `check` arguments (a gated or typed cell: `check_cell()`)."""
    cell = resolve_cell(args)
    if cell is not None:
        _refuse_form_options(args, ("--activation", "--recurrent", "--state", "--define"))
        from .cell_check import check_cell
        return check_cell(args.formula, cell, _block(args.block))
    if args.block:
        raise InputError("--block names a block of a cell's Jacobian: give -r CELL or --cell")
    from .check import check

    roles = _roles(args) if roles is None else roles
    return check(args.formula, activation=args.activation, roles=roles, recurrence=args.recurrence)


def _block(text: str | None) -> tuple[str, str] | None:
    """--block V,S as (V, S) letters, or None."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,11}", p) for p in parts):
        raise InputError(f"--block takes two names, V,S (the block dV_t/dS_{{t-1}}), such as c,c; got {text!r}")
    return parts[0], parts[1]


#: The commands an embedder can run for a result, and the engine call of each.
RESULTS = {"derive": _derivation, "check": _check_result, "bptt": _bptt_result}


def parse_embedded(argv: list[str]) -> argparse.Namespace:
    """The command line's own parsing, for an embedder such as the Sphinx directive: the same
    options and checks, but a usage error raises `InputError` instead of exiting, and only the
    commands that produce a report (derive, check, bptt) are accepted."""
    args = _parser(_EmbeddedParser).parse_args(argv)
    if args.command not in RESULTS:
        raise InputError(f"{args.command!r} writes no report: use derive, check or bptt")
    _check_text(args)
    return args


def result(args, notation_start: str | Path = "."):
    """(the engine's result, the notation) for arguments from `parse_embedded`; writes nothing.

    The notation's config file is found from `notation_start` (the CLI: the current folder).
    """
    from .config import notation

    _check_template_dir(args)
    settings = notation(args.notation, config=args.config, use_config=not args.no_config,
                        start=notation_start)[0]
    args.config_start = notation_start  # -r NAME finds a config cell where the notation is found
    return RESULTS[args.command](args), settings


def _lint(args) -> int:
    from .config import find_config, lint_table
    from .lint import Declaration, Linter, LintConfig, expand, lint_config
    from .render.lint_report import render_lint

    if args.config and not Path(args.config).is_file():
        raise InputError(f"--config {args.config!r} is not a file")
    path = Path(args.config) if args.config else (None if args.no_config else find_config())
    config = lint_config(lint_table(path), path) if path else LintConfig()
    expand(args.paths)  # every path exists and is of a known kind, before any output
    linter = Linter(config, Declaration(args.recurrence, args.layout, args.activation),
                    show_proof=args.show_proof)
    report = linter.lint_paths(args.paths)
    _stdout(render_lint(report.findings, args.format))
    if args.format == "concise" and sys.stderr is not None:
        counts = {s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")}
        plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"
        print(f"symbptt lint: {plural(report.claims, 'claim')} in {plural(report.files, 'file')}; "
              + ", ".join(plural(n, s) for s, n in counts.items()), file=sys.stderr)
    return 1 if report.failed else 0


def _gallery(args) -> int:
    from .gallery import build, build_example
    from .output import Outputs

    with Outputs() as outputs:  # the reports and the example's files together, or none
        paths = build(args.folder, outputs)
        if (Path(args.example) / "symbptt.toml").is_file():
            paths += build_example(args.example, outputs)
    _stdout("".join(f"{path}\n" for path in paths))
    return 0


def _activations(args) -> int:
    for a in ACTIVATIONS.values():
        gamma = "unknown" if a.sup_derivative is None else str(a.sup_derivative)
        print(f"{a.name:10} {a.title}; sup|σ'| = {gamma}")
    return 0


#: Fields holding text that reaches a report (paths are not among them: a file name may be
#: any bytes).
TEXT_ARGUMENTS = ("formula", "define", "notation", "recurrent", "state", "cell", "recurrence")


def _check_text(args) -> None:
    """Refuse text arguments that are not valid UTF-8 (undecodable bytes arrive as lone
    surrogates, which no report can encode)."""
    for field in TEXT_ARGUMENTS:
        value = getattr(args, field, None)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    option = field if field == "formula" else "--" + field
                    raise InputError(f"{option} is not valid UTF-8 text: {ascii(item)}") from None


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "(no message)"


def _say(message: str) -> None:
    """One line on stderr, if there is a stderr (it may have been closed: `2>&-`)."""
    if sys.stderr is not None:
        try:
            print(f"symbptt: {_one_line(message)}", file=sys.stderr, flush=True)
        except OSError:
            pass


#: Exit statuses beyond 0, 1 (check --expect refuted) and 2 (bad input or output).
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as the shell reports Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as if the default SIGPIPE action had ended us
EXIT_BUG = 70  # EX_SOFTWARE (sysexits.h): an internal error


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status.

    The one error boundary: 0 success (check: 1 when --expect's layout is refuted); 2 for a
    `SymbpttError` or an `OSError` (one line, nothing written); 130 on Ctrl-C; 141 when the
    reader of stdout went away (no message); 70 for anything else, which is a bug: one line
    asking for a report, the traceback with --debug or SYMBPTT_DEBUG=1.
    """
    debug = os.environ.get("SYMBPTT_DEBUG") == "1"
    try:
        args = _parser().parse_args(argv)
        debug = debug or args.debug
        _check_text(args)
        return args.run(args)
    except SymbpttError as exc:
        _say(f"error: {exc}")
        return 2
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours, and nothing more to say. Later
        # flushes of stdout (at exit) go to /dev/null instead of failing again.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):
            pass
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"error: {where}{exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        _say(f"internal error ({type(exc).__name__}: {str(exc)[:300]}). This is a bug in symbptt: please "
             "report it with the command you ran"
             + ("" if debug else "; --debug or SYMBPTT_DEBUG=1 shows the traceback"))
        if debug and sys.stderr is not None:
            traceback.print_exc()
        return EXIT_BUG


def console() -> None:
    """The `symbptt` command and `python -m symbptt`: `main()`, then exit with its status.

    The process is about to end, so the garbage collector is frozen first: the final full
    collection over SymPy's hundreds of thousands of objects would otherwise take a fifth
    of the run, to free memory the operating system takes back anyway. Output is already
    written and closed by then. (Only here: `main()` itself stays a plain function.)
    """
    status = main()
    gc.freeze()
    sys.exit(status)
