"""Reports: a derivation, a check or a BPTT result → Markdown, standalone LaTeX, a LaTeX
fragment, plain text (check) or JSON.

    formats        the output formats and their one-pass escaping
    templates      the Jinja environment (LaTeX-safe delimiters, user overrides, cache)
    view           what every view shares: formulas printed once, text escaped, equations
    derive_report  check_report  bptt_report   one view and one JSON writer per command

All mathematics is printed here, once, by `printing.ProofPrinter` (`PlainPrinter` for text);
templates only place it. Every other string reaching a template is escaped for its format in
one pass (Jinja's ``finalize``), so text can never inject markup; `Tex` values pass through
untouched.
"""

from .bptt_report import bptt_json, render_bptt
from .cell_check_report import cell_check_json, render_cell_check
from .check_report import check_json, render_check
from .derive_report import render, to_json
from .formats import CHECK_FORMATS, DERIVE_FORMATS, FORMATS, Format, get_format
from .templates import environment, template_dir
from .view import SHOW_MAX, SPLIT_AT

__all__ = [
    "CHECK_FORMATS", "DERIVE_FORMATS", "FORMATS", "Format", "SHOW_MAX", "SPLIT_AT", "bptt_json",
    "cell_check_json", "check_json", "environment", "get_format", "render", "render_bptt", "render_cell_check", "render_check",
    "template_dir", "to_json",
]
