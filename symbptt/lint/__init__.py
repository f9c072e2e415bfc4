"""`lint`: find the recurrent-Jacobian claims in course notes and judge each with `check`.

The pipeline, one file at a time, all in one process:

    read     bytes → text (LaTeX, Markdown/Quarto/MyST) or the Markdown cells of a notebook,
             each character keeping its line and column in the file
    math     the math spans ($…$, $$…$$, \\[…\\], \\(…\\), equation/align/… environments,
             MyST's {math}), and the `symbptt:` comments (declarations, ignores)
    claims   in each span, equations whose chain of `=` holds a derivative of the state by
             the state (∂h_t/∂h_{t-1}, ∂h_t/∂h_k = ∏ …) or a backward recursion
             (δ_{t-1} = … δ_t, ∂L/∂h_t = … ∂L/∂h_{t+1}); the matrix on the other side
    judge    `check.check` on "derivative = matrix", under the recurrence, activation and
             layout the document declares (a product written out whose factors differ from
             step to step: `two_steps`, at two steps); the verdicts become `Finding`s with
             stable codes

Nothing in a document is evaluated: math is cut out as text and parsed by `check`'s grammar.
Presentation (concise, JSON, GitHub, SARIF) lives in `render.lint_report`; the command line
in `cli`.

Modules by job, imports one way: `codes` (codes, findings, declarations) ← `scan` (read and
math) ← `claims` ← this package (judging, files and configuration), which re-exports the names
the rest of symbptt uses.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, SymbpttError, UnknownNameError
from .claims import Claim, claims, span_claims
from .codes import (FAILING, LAYOUTS, MAX_BYTES, RULES, SEVERITIES, SKIP_DIRS, SUFFIXES, Declaration,
                    Finding, Rule, declaration)
from .scan import Directive, FileProblem, Span, Text, _Scan, read_texts, scan_latex, scan_markdown

__all__ = ["FAILING", "LAYOUTS", "MAX_BYTES", "RULES", "SEVERITIES", "SKIP_DIRS", "SUFFIXES", "Claim",
           "Declaration", "Directive", "FileProblem", "Finding", "LintConfig", "Linter", "Report", "Rule",
           "Span", "Text", "claims", "declaration", "expand", "lint_config", "read_texts", "scan_latex",
           "scan_markdown", "span_claims"]


# --- judging -------------------------------------------------------------------------


@dataclass
class Report:
    """Everything one run found: findings (sorted per file, files in order) and counts."""

    findings: list = field(default_factory=list)
    files: int = 0
    claims: int = 0
    judged: int = 0  # claims check could read

    @property
    def failed(self) -> bool:
        return any(f.severity in FAILING for f in self.findings)


class Linter:
    """Lints files against the declarations of a config and the command line, in one process.

    Judgements are memoised by (formula, recurrence, activation): a chapter repeating a
    formula pays for it once.
    """

    def __init__(self, config: "LintConfig | None" = None, override: Declaration = Declaration(),
                 show_proof: bool = False):
        self.config = config or LintConfig()
        self.override = override
        self.show_proof = show_proof
        self._judged: dict = {}

    def lint_paths(self, paths: list[str]) -> Report:
        """Every file under `paths` (folders walked in sorted order), as a Report."""
        report = Report()
        for path in expand(paths):
            report.files += 1
            report.findings.extend(self.lint_file(path, report))
        return report

    def lint_file(self, path: str, report: Report | None = None) -> list[Finding]:
        report = report if report is not None else Report()
        kind = SUFFIXES.get(Path(path).suffix.lower(), "markdown")
        base = self.override.over(self.config.for_path(path))
        try:
            texts = read_texts(Path(path), kind)
        except FileProblem as exc:
            return [Finding(_shown(path), exc.line, exc.column, "SB301", f"{exc}")]
        path = _shown(path)
        findings: list[Finding] = []
        carried: dict = {}  # declarations of a notebook's earlier cells, which hold in later ones
        layouts: list = []  # (finding location, layout it holds in, …) of undeclared Jacobian claims
        for text in texts:
            findings.extend(self._lint_text(path, kind, text, base, carried, layouts, report))
        findings.extend(self._mixed(path, layouts, base))
        return sorted(findings, key=Finding.sort_key)

    def _lint_text(self, path, kind, text: Text, base, carried: dict, layouts, report) -> list[Finding]:
        scan = scan_latex(text.text) if kind == "latex" else scan_markdown(text.text)
        out = []
        for offset, message in scan.problems:
            out.append(Finding(path, *text.where(offset), "SB302", message))
        directives = sorted(scan.directives, key=lambda d: d.offset)
        for d in directives:
            if d.problem is None and d.values:
                try:
                    declaration(d.values, "symbptt comment")
                except InputError as exc:
                    object.__setattr__(d, "problem", str(exc).removeprefix("symbptt comment: "))
            if d.problem:
                out.append(Finding(path, *text.where(d.offset), "SB303", f"symbptt comment: {d.problem}"))
        ignores = _ignores(text, scan, directives)
        cells = _library_cells()
        cell_at = lambda opened: cells.get(_declared_at(directives, opened, carried).over(base).recurrence)  # noqa: E731
        for run, claim in span_claims(text.text, scan.spans, cell_at):
            decl = _declared_at(directives, run[0].opened, carried).over(base)
            report.claims += 1
            # an ignore comment at any span of a claim written across spans covers the claim
            muting = [ignores[s.opened] for s in run if s.opened in ignores]
            codes = None if not muting else () if () in muting else tuple(c for m in muting for c in m)
            muted = lambda code: code in decl.ignore or codes is not None and (not codes or code in codes)
            seen = len(layouts)
            out.extend(f for f in self._judge(path, text, claim, decl, layouts, report) if not muted(f.code))
            # SB104 is found once the whole file is judged: the claim's ignore comment goes with it
            layouts[seen:] = [(*entry, muted("SB104")) for entry in layouts[seen:]]
        carried.update(v for d in directives if not d.problem for v in d.values.items())
        return out

    def _check(self, formula: str, decl: Declaration):
        """`check` on a formula, once per (formula, recurrence, activation) in this run."""
        from ..check import check

        key = (formula, decl.recurrence, decl.activation)
        if key not in self._judged:
            try:
                if decl.recurrence in _library_cells():  # a gated cell: the claim is one of its blocks
                    from ..cell_check import check_cell
                    self._judged[key] = check_cell(formula, decl.recurrence)
                else:
                    self._judged[key] = check(formula, activation=decl.activation, recurrence=decl.recurrence)
            except SymbpttError as exc:
                self._judged[key] = exc
            except RecursionError:  # a pathological formula: not readable, never a crash
                self._judged[key] = InputError("the formula is nested too deeply to read")
        return self._judged[key]

    def _judge(self, path, text: Text, claim: Claim, decl: Declaration, layouts, report) -> list[Finding]:
        line, column = text.where(claim.offset)
        where = dict(path=path, line=line, column=column, formula=claim.formula)
        if claim.unread:
            return [Finding(code="SB201", message=f"not judged: {claim.unread}", **where)]
        if claim.product:
            return self._judge_product(claim, decl, where, report, layouts)
        if claim.cross and decl.recurrence not in _library_cells():
            return [Finding(code="SB201", message=(
                f"not judged: a block between two of a gated cell's names; {_declare_hint()} to judge it"), **where)]
        result = self._check(claim.formula, decl)
        typo = ""
        if claim.typo:
            written, read = claim.typo
            typo = f"{written} is no value at any step (its letter is the step index): read as {read}, a likely typo; "
        if claim.transposed:
            typo = f"{typo}the derivative on the left is transposed, so the right side's transpose is judged: "
        if isinstance(result, UnknownNameError):  # check's advice is its options; lint's is a declaration
            return [Finding(code="SB201", message=(
                f"not judged: {typo}unknown name {result.name!r}: an RNN's claims use W (W_rec, W_hh), x or h; "
                f"for a gated cell's names, {_declare_hint()}"), **where)]
        if isinstance(result, Exception):
            return [Finding(code="SB201", message=f"not judged: {typo}{_one_line(str(result))}", **where)]
        report.judged += 1
        if decl.recurrence in _library_cells():  # a gated cell's block, judged by check_cell
            return self._judge_cell(claim, decl, result, where, layouts)
        holds = {l for l in LAYOUTS if result.verdict(l).holds}
        proof = _proof(result) if self.show_proof else None
        expect = claim.expect or decl.layout
        if expect == "gradient":  # the gradient inside the formula: check saw which side it is on
            expect = "numerator" if result.reading.rows else "denominator"
        what = "backward factor" if claim.backward else "Jacobian"
        form = _form_title(result)
        misplaced = ""
        if claim.between:
            misplaced = (f"; and the gradient {claim.between} stands between its factors, where no "
                         "matrix–vector product puts it")
            if holds:
                layout = "denominator" if "denominator" in holds else "numerator"
                side = "right, as a column" if layout == "denominator" else "left, as a row"
                return [Finding(code="SB105", proof=proof, message=(
                    f"{typo}the gradient {claim.between} stands between the factors of the matrix that "
                    f"multiplies it, where no matrix–vector product puts it; without it, the factors are "
                    f"the {layout}-layout Jacobian of {form}: the gradient belongs on the {side}"), **where)]
        if not holds:
            shifted = [v for v in result.readings if v.form == result.form.key and v.binding == "pre-activation"]
            fitting = [v for v in shifted if not expect or v.layout.value == expect]
            if fitting:
                return [Finding(code="SB103", proof=proof, message=(
                    f"{typo}right only with σ' at the step's pre-activation a_t, not where it is written: "
                    f"then it is the {fitting[0].layout.value} Jacobian of {form}{misplaced}"), **where)]
            hint = _elsewhere(result)
            if shifted:
                why = claim.because or (f"the document declares {expect} layout" if not claim.expect else
                                        f"its gradient needs the {expect}-layout Jacobian")
                hint = (f"; with σ' at the step's pre-activation a_t it would be the "
                        f"{shifted[0].layout.value}-layout Jacobian, but {why}")
            return [Finding(code="SB101", proof=proof, message=(
                f"{typo}the {what} holds in neither layout of {form}{hint}{misplaced}"), **where)]
        if expect and expect not in holds:
            (other,) = holds
            why = (claim.because or
                   f"the gradient is a {'column on the right' if expect == 'denominator' else 'row on the left'}, "
                   f"so the factor must be the {expect}-layout Jacobian" if claim.expect
                   else f"the document declares {expect} layout")
            return [Finding(code="SB102", proof=proof, message=(
                f"{typo}the {what} is the {other}-layout Jacobian of {form}, but {why}"), **where)]
        if claim.typo:
            return [Finding(code="SB202", proof=proof, message=(
                f"{claim.typo[0]} is no value at any step (its letter is the step index): likely a typo "
                f"for {claim.typo[1]}, with which the {what} is the "
                f"{' and '.join(sorted(holds))}-layout Jacobian of {form}"), **where)]
        if not claim.expect and not decl.layout and len(holds) == 1:
            layouts.append((where, next(iter(holds)), form, proof))
        return []

    def _judge_cell(self, claim: Claim, decl: Declaration, result, where: dict, layouts) -> list[Finding]:
        """A claim about a block of a gated cell (recurrence=gru, lstm, …): SB101 with the
        reading that would make it right (a variant, c alone as the state, σ' at a gate's
        pre-activation), SB102 in the other layout."""
        from ..render import render_cell_check

        holds = {l for l in LAYOUTS if result.verdict(l).holds}
        proof = render_cell_check(result, "text").rstrip() if self.show_proof else None
        expect = None if claim.expect == "gradient" else claim.expect or decl.layout
        form = f"{result.cell.title} ({result.cell.key})"
        block = f"block d{result.target.v.name.split('@')[0]}_t/d{result.target.s.name.split('@')[0]}_{{t-1}}"
        if not holds:
            hint = ""
            for v in result.readings:
                if v.target.cell is not result.cell:
                    hint = (f"; it is the {v.layout.value}-layout {block} of {v.target.cell.title}: declare "
                            f"recurrence={v.target.cell.key} if the notes use it")
                elif v.target.through:
                    hint = (f"; it is the {v.layout.value}-layout derivative with "
                            f"{result.target.s.name.split('@')[0]} alone as the state (the other state "
                            "written through it): say so, or give the block")
                elif v.reading.at_pre_activation:
                    hint = f"; it is the {v.layout.value}-layout block with σ' at a gate's pre-activation, not at the gate"
                if hint:
                    break
            return [Finding(code="SB101", proof=proof, message=(
                f"the {block} holds in neither layout of {form}{hint}"), **where)]
        if expect and expect not in holds:
            (other,) = holds
            return [Finding(code="SB102", proof=proof, message=(
                f"the {block} is the {other}-layout one of {form}, but "
                f"{claim.because or f'the document declares {expect} layout'}"),
                **where)]
        if not claim.expect and not decl.layout and len(holds) == 1:
            layouts.append((where, next(iter(holds)), form, proof))
        return []

    def _judge_product(self, claim: Claim, decl: Declaration, where: dict, report, layouts) -> list[Finding]:
        """A product over steps written out, judged at two steps against ∂h_t/∂h_{t-2}."""
        from ..model import FORMS
        from ..two_steps import judge_two_steps

        factors, state, shown = claim.product
        key = ("two-steps", factors, state, decl.recurrence, decl.activation)
        if key not in self._judged:
            try:
                self._judged[key] = judge_two_steps(factors, state, decl.activation, decl.recurrence)
            except SymbpttError as exc:
                self._judged[key] = exc
            except RecursionError:
                self._judged[key] = InputError("the formula is nested too deeply to read")
        result = self._judged[key]
        if isinstance(result, Exception):
            return [Finding(code="SB201", message=(
                f"not judged: the product at two steps, {shown}: {_one_line(str(result))}"), **where)]
        report.judged += 1
        form = f"{FORMS[result.form].title} ({result.form})"
        at_two = f"at two steps (∂{state}_t/∂{state}_{{t-2}}) the product reads {shown}"
        proof = None
        if result.counterexample and self.show_proof:
            n, i, j, a, b = result.counterexample
            proof = (f"at n = {n}, entry ({i}, {j}) at random values: the product {a:.6g}, the Jacobian "
                     f"∂{state}_t/∂{state}_{{t-2}} differentiated {b:.6g} (numerator layout)")
        holds = {l.value for l in result.holds}
        if not holds and decl.recurrence is None:  # judged in every form: it holds in none
            form = f"any form of the recurrence ({', '.join(FORMS)})"
        if not holds:
            hint = ""
            if result.elsewhere:
                other, layout = result.elsewhere[0]
                hint = (f"; it is the {layout.value}-layout one of {FORMS[other].title}: declare "
                        f"recurrence={other} if the notes use it")
            if result.would_hold_if == "diagonal":
                hint = ("; it would hold only if W commuted with the diagonal matrices: its factors "
                        "are in the wrong order") + hint
            elif result.would_hold_if == "symmetric":
                hint = "; it would hold only if W were symmetric: its transposes are wrong" + hint
            return [Finding(code="SB101", proof=proof, message=(
                f"{at_two}, which is ∂{state}_t/∂{state}_{{t-2}} in neither layout of {form}: that is "
                f"J_t J_{{t-1}} in numerator layout, J_{{t-1}}ᵀ J_tᵀ in denominator, one one-step "
                f"Jacobian per step in the order of the steps{hint}"), **where)]
        if decl.layout and decl.layout not in holds:
            (other,) = holds
            return [Finding(code="SB102", proof=proof, message=(
                f"{at_two}, the {other}-layout ∂{state}_t/∂{state}_{{t-2}} of {form}, but the document "
                f"declares {decl.layout} layout"), **where)]
        if not decl.layout and len(holds) == 1:
            layouts.append((where, next(iter(holds)), form, proof))
        return []

    def _mixed(self, path: str, layouts, base: Declaration) -> list[Finding]:
        """SB104 for undeclared claims in the minority layout (the first claim's, on a tie)."""
        if "SB104" in base.ignore or len({l for _, l, _, _, _ in layouts}) < 2:
            return []
        counts = {l: sum(1 for _, x, _, _, _ in layouts if x == l) for l in LAYOUTS}
        first = layouts[0][1]
        usual = max(LAYOUTS, key=lambda l: (counts[l], l == first))
        other = next(w for w, l, _, _, _ in layouts if l == usual)
        return [Finding(code="SB104", proof=proof, message=(
                    f"this Jacobian is in {l} layout ({form}), but the claim at line {other['line']} "
                    f"is in {usual} layout; declare the layout (layout=…) and make them agree"), **w)
                for w, l, form, proof, muted in layouts if l != usual and not muted]


def _library_cells():
    """The library cells a document may declare (recurrence=lstm), by key: their claims are blocks."""
    from ..cells import CELLS

    return CELLS


def _declare_hint() -> str:
    """How to declare a gated cell, with the keys a declaration takes."""
    return f"declare the cell, such as recurrence=lstm (one of {', '.join(_library_cells())})"


def _shown(path: str) -> str:
    """A path as findings print it: a file name's undecodable bytes as \\x escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _form_title(result) -> str:
    from ..model import FORMS

    return f"{FORMS[result.form.key].title} ({result.form.key})"


def _elsewhere(result) -> str:
    """Where else the claim holds, as a hint: another form, or σ' at another point."""
    from ..model import FORMS

    for v in result.readings:
        if v.binding == "as-written" and v.form != result.form.key:
            return (f"; it is the {v.layout.value}-layout Jacobian of {FORMS[v.form].title}: "
                    f"declare recurrence={v.form} if the notes use it")
    return ""


def _proof(result) -> str:
    from ..render import render_check

    return render_check(result, "text").rstrip()


def _declared_at(directives: list[Directive], offset: int, carried: dict) -> Declaration:
    """The declaration in force at `offset`: the comments before it (after those `carried`
    from earlier cells), later keys winning."""
    values: dict = dict(carried)
    for d in directives:
        if d.offset < offset and d.values and not d.problem:
            values.update(d.values)
    return declaration(values, "symbptt comment") if values else Declaration()


def _ignores(text: Text, scan: _Scan, directives: list[Directive]) -> dict:
    """Span start → codes to ignore there (() for all): an ignore comment covers the formula
    on its own line, else the next formula after it."""
    out: dict = {}
    spans = sorted(scan.spans, key=lambda s: s.opened)
    for d in directives:
        if d.ignore is None or d.problem:
            continue
        line = text.where(d.offset)[0]
        same = [s for s in spans if line in (text.where(s.opened)[0], text.where(max(s.start, s.end - 1))[0])
                and s.opened < d.offset]
        target = same[-1] if same else next((s for s in spans if s.opened > d.offset), None)
        if target is not None:
            previous = out.get(target.opened)
            out[target.opened] = () if previous == () or not d.ignore else tuple(previous or ()) + d.ignore
    return out


# --- files and configuration ---------------------------------------------------------


def expand(paths: list[str]) -> list[str]:
    """The files to lint: files as given, folders walked in sorted order (hidden and build
    folders skipped, only known suffixes); each file once. Raises InputError for a path that
    does not exist or a file whose kind is unknown."""
    out, seen = [], set()
    for given in paths:
        if not os.path.exists(given):
            raise InputError(f"{given!r}: no such file or folder")
        if os.path.isdir(given):
            found = list(_walk(given))
        elif Path(given).suffix.lower() in SUFFIXES:
            found = [given]
        else:
            raise InputError(f"{given!r}: cannot tell its kind; lint reads "
                             f"{', '.join(sorted(SUFFIXES))}")
        for path in found:
            key = os.path.normcase(os.path.abspath(path))
            if key not in seen:
                seen.add(key)
                out.append(path)
    return out


def _walk(folder: str):
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"{folder!r}: {exc.strerror or exc}") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in SKIP_DIRS:
                yield from _walk(os.path.normpath(os.path.join(folder, entry.name)))
        elif entry.is_file() and Path(entry.name).suffix.lower() in SUFFIXES:
            yield os.path.normpath(os.path.join(folder, entry.name))


@dataclass(frozen=True)
class LintConfig:
    """The [lint] table of a config file: a declaration for all files, and per path.

    ``paths`` maps a pattern (a file or folder relative to the config file's folder, or a
    glob) to a declaration; more specific (longer) patterns win over shorter ones.
    """

    root: Path | None = None
    default: Declaration = Declaration()
    paths: tuple = ()  # ((pattern, Declaration), ...)

    def for_path(self, path: str) -> Declaration:
        decl = self.default
        if self.root is None:
            return decl
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return decl
        for pattern, own in sorted(self.paths, key=lambda p: len(p[0])):
            stem = pattern.rstrip("/")
            if rel == stem or rel.startswith(stem + "/") or fnmatch.fnmatchcase(rel, pattern):
                decl = own.over(decl)
        return decl


def lint_config(table: dict, path: Path) -> LintConfig:
    """A LintConfig from a config file's [lint] table (validated; InputError names the file)."""
    if not isinstance(table, dict):
        raise InputError(f"{path}: [lint] must be a table")
    own = {k: v for k, v in table.items() if k != "paths"}
    paths = table.get("paths", {})
    if not isinstance(paths, dict) or not all(isinstance(v, dict) for v in paths.values()):
        raise InputError(f"{path}: [lint.paths] maps a file, folder or glob to a table, such as "
                         "[lint.paths.\"notes/rnn.md\"]")
    return LintConfig(path.parent, declaration(own, f"{path}: [lint]"),
                      tuple((p, declaration(v, f"{path}: [lint.paths.{p!r}]")) for p, v in sorted(paths.items())))
