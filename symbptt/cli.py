"""The command line: parse, dispatch, report errors in one line. No mathematics here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .activations import ACTIVATIONS
from .derivation import MAX_DIM, derive
from .errors import InputError, SymbpttError
from .render import FORMATS, render

SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".json": "json"}

DERIVE_HELP = f"""\
Derive ∂x_t/∂x_{{t-1}} for x_t = W σ(x_{{t-1}}) + W_in u_t + b three independent ways
(matrix level for every n, index notation for every n, explicit expansion at n = DIM),
in numerator and/or denominator layout, and print the step-by-step proof.

examples:
  python -m symbptt derive                              Markdown proof, generic σ, 2×2
  python -m symbptt derive --activation tanh --dim 3    tanh, explicit 3×3 expansion
  python -m symbptt derive --layout denominator -o proof.md
  python -m symbptt derive --format latex --pdf -o proof.tex    LaTeX and its PDF
  python -m symbptt derive --format latex-fragment -o jac.tex   for \\input in notes
  python -m symbptt derive --format json | jq .layouts.numerator.closed_form

exit status: 0 on success, 2 on bad input or an output that cannot be written
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symbptt",
        description="Symbolic derivations of recurrent-network Jacobians, with proofs.",
        epilog="Run 'symbptt COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"symbptt {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    d = commands.add_parser(
        "derive", help="derive the one-step Jacobian and print its proof",
        description=DERIVE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--activation", "-a", choices=list(ACTIVATIONS), default="sigma",
                   help="the elementwise activation σ (default: sigma, a generic function)")
    d.add_argument("--dim", "-n", type=int, default=2, metavar="N",
                   help=f"size n of the explicit expansion, 1..{MAX_DIM} (default: 2)")
    d.add_argument("--inputs", "-m", type=int, default=None, metavar="M",
                   help="input size m of the expansion (default: N+1, so W_in is not square)")
    d.add_argument("--symbolic", action="store_true",
                   help="symbolic n only: skip the explicit expansion and the numeric check")
    d.add_argument("--layout", "-l", choices=["numerator", "denominator", "both"],
                   default="both", help="which layout(s) to state the result in (default: both)")
    d.add_argument("--format", "-f", choices=list(FORMATS), default=None,
                   help="report format (default: from the -o suffix, else markdown)")
    d.add_argument("--output", "-o", metavar="PATH",
                   help="write the report to PATH (replaced atomically) instead of stdout")
    d.add_argument("--pdf", action="store_true",
                   help="with --format latex and -o FILE.tex, also build FILE.pdf "
                        "(needs latexmk or pdflatex)")
    d.add_argument("--seed", type=int, default=0,
                   help="seed of the numeric check's random values (default: 0)")
    d.add_argument("--template-dir", metavar="DIR",
                   help="folder of templates overriding the built-in ones by name")
    d.set_defaults(run=_derive)

    g = commands.add_parser(
        "gallery", help="regenerate the report gallery (reports/)",
        description="Write the example reports (one per activation, the default in every "
                    "format, and a denominator-only one) into DIR.",
    )
    g.add_argument("folder", nargs="?", default="reports", metavar="DIR",
                   help="where to write (default: reports)")
    g.set_defaults(run=_gallery)

    a = commands.add_parser("activations", help="list the activations and their derivatives")
    a.set_defaults(run=_activations)
    return parser


def _format_for(args) -> str:
    if args.format:
        return args.format
    if args.output:
        suffix = Path(args.output).suffix.lower()
        if suffix not in SUFFIX_FORMATS:
            raise InputError(f"cannot tell the format from {args.output!r}; "
                             f"add --format ({', '.join(FORMATS)}) or use .md, .tex, .json")
        return SUFFIX_FORMATS[suffix]
    return "markdown"


def _derive(args) -> int:
    from .output import build_pdf, write_atomic

    fmt = _format_for(args)
    if args.pdf and (fmt != "latex" or not args.output):
        raise InputError("--pdf needs --format latex and -o FILE.tex")
    if args.template_dir and not Path(args.template_dir).is_dir():
        raise InputError(f"--template-dir {args.template_dir!r} is not a folder")
    if args.dim < 1:
        raise InputError(f"--dim must be a whole number from 1 to {MAX_DIM}, got {args.dim}")
    derivation = derive(args.activation, dim=None if args.symbolic else args.dim,
                        layout=args.layout, inputs=args.inputs, seed=args.seed)
    text = render(derivation, fmt, template_dir=args.template_dir)
    if not args.output:
        sys.stdout.write(text)
        return 0
    path = write_atomic(args.output, text)
    if args.pdf:
        print(f"wrote {build_pdf(path)}", file=sys.stderr)
    return 0


def _gallery(args) -> int:
    from .gallery import build

    for path in build(args.folder):
        print(path)
    return 0


def _activations(args) -> int:
    for a in ACTIVATIONS.values():
        gamma = "unknown" if a.sup_derivative is None else str(a.sup_derivative)
        print(f"{a.name:10} {a.title}; sup|σ'| = {gamma}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 success, 2 bad input or output error)."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except SymbpttError as exc:
        print(f"symbptt: error: {exc}", file=sys.stderr)
        return 2
