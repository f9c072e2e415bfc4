"""`lint`'s vocabulary: the codes, findings and declarations the other modules share.

Imports run one way: `codes` ← `scan` (files → text → math spans) ← `claims` (math → claims)
← the package itself (judging, files and configuration).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError

# --- codes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A finding's stable code, its default severity, a short name and what it means."""

    code: str
    severity: str  # error | warning | info
    name: str
    summary: str


#: Every code `lint` reports. Codes are stable: a code's meaning never changes, new ones are added.
RULES: dict[str, Rule] = {r.code: r for r in (
    Rule("SB101", "error", "neither-layout",
         "the claim is the Jacobian in neither layout of the recurrence (nor its backward factor)"),
    Rule("SB102", "error", "other-layout",
         "the claim holds only in the layout the document does not use: the declared layout, or, "
         "for a backward factor, the one its gradient's side implies"),
    Rule("SB103", "warning", "derivative-point",
         "the claim holds only with σ' taken at the step's pre-activation a_t, not where it is written"),
    Rule("SB104", "warning", "mixed-layouts",
         "no layout is declared, and the file's claims hold in different layouts"),
    Rule("SB105", "error", "gradient-between-factors",
         "the gradient a backward factor multiplies is printed between the factors of the matrix "
         "(W^T (∇L) diag(…)), where no matrix–vector product puts it; the factors themselves are right"),
    Rule("SB201", "info", "unreadable-formula",
         "a formula that looks like a claim could not be read; it is not judged"),
    Rule("SB202", "warning", "likely-typo",
         "a name that is no value at any step (the step index with a time subscript, j_{j-1}): read "
         "as the state, the claim holds; the name is likely a typo"),
    Rule("SB301", "error", "unreadable-file",
         "the file cannot be linted: binary, not UTF-8, unreadable, or a notebook that is not JSON"),
    Rule("SB302", "warning", "unterminated-math",
         "math opened ($, $$, \\[, \\begin{…}) and never closed; after a display, the rest of the file is not searched"),
    Rule("SB303", "error", "bad-directive",
         "a `symbptt:` comment with an unknown key or value"),
)}
SEVERITIES = ("error", "warning", "info")
#: Severities that make `lint` fail (exit status 1); info never does.
FAILING = ("error", "warning")

LAYOUTS = ("numerator", "denominator")
#: Documents by suffix: how their math is found.
SUFFIXES = {".tex": "latex", ".ltx": "latex", ".md": "markdown", ".markdown": "markdown",
            ".qmd": "markdown", ".rmd": "markdown", ".myst": "markdown", ".ipynb": "notebook"}
#: Folders never walked into (besides hidden ones): build output and environments.
SKIP_DIRS = frozenset({"_build", "build", "_site", "site", "_freeze", "dist", "node_modules",
                       "__pycache__", "venv", "env", "_book", "_output"})
#: Largest file read, in bytes: notes are small, and this bounds the work.
MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    """One finding: where (1-based line and column, in characters), which code, and why."""

    path: str
    line: int
    column: int
    code: str
    message: str
    severity: str = ""
    formula: str | None = None  # the text judged, as passed to check
    proof: str | None = None  # with --show-proof: the check report

    def __post_init__(self):
        if not self.severity:
            object.__setattr__(self, "severity", RULES[self.code].severity)

    def sort_key(self):
        return (self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class Declaration:
    """What a document says about its notation: None where it says nothing."""

    recurrence: str | None = None
    layout: str | None = None
    activation: str | None = None
    ignore: frozenset = frozenset()  # codes switched off

    def over(self, base: "Declaration") -> "Declaration":
        """This declaration, with `base` filling what it leaves open."""
        return Declaration(self.recurrence or base.recurrence, self.layout or base.layout,
                           self.activation or base.activation, self.ignore | base.ignore)


def declaration(values: dict, where: str) -> Declaration:
    """A Declaration from key → value pairs (a config table or a comment), validated."""
    from ..activations import ACTIVATIONS
    from ..cells import CELLS
    from ..model import FORMS

    allowed = {"recurrence": (*FORMS, *CELLS), "layout": LAYOUTS, "activation": tuple(ACTIVATIONS)}
    out = {}
    for key, value in values.items():
        if key == "ignore":
            codes = value if isinstance(value, (list, tuple)) else [value]
            unknown = [c for c in codes if c not in RULES]
            if unknown or not all(isinstance(c, str) for c in codes):
                raise InputError(f"{where}: ignore takes codes such as SB104, got {unknown or codes!r:.60}")
            out["ignore"] = frozenset(codes)
        elif key in allowed:
            if value not in allowed[key]:
                raise InputError(f"{where}: {key} must be one of {', '.join(allowed[key])}, got {value!r:.40}")
            out[key] = value
        else:
            raise InputError(f"{where}: unknown key {key!r:.40}; the keys are recurrence, layout, "
                             "activation, ignore")
    return Declaration(**out)
