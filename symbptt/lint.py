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
             layout the document declares; the verdicts become `Finding`s with stable codes

Nothing in a document is evaluated: math is cut out as text and parsed by `check`'s grammar.
Presentation (concise, JSON, GitHub, SARIF) lives in `render.lint_report`; the command line
in `cli`.
"""

from __future__ import annotations

import bisect
import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from pathlib import Path
from typing import Callable

from .errors import InputError, SymbpttError

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
    Rule("SB201", "info", "unreadable-formula",
         "a formula that looks like a claim could not be read; it is not judged"),
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
    from .activations import ACTIVATIONS
    from .model import FORMS

    allowed = {"recurrence": tuple(FORMS), "layout": LAYOUTS, "activation": tuple(ACTIVATIONS)}
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


# --- reading files -------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A document's text, and where each of its characters is in the file (line, column)."""

    text: str
    where: Callable[[int], tuple[int, int]]


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]


def _locator(text: str) -> Callable[[int], tuple[int, int]]:
    starts = _line_starts(text)

    def where(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1
    return where


class FileProblem(Exception):
    """A file that cannot be linted; `line`, `column` where known."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.line, self.column = line, column


def _decode(data: bytes) -> str:
    if b"\0" in data:
        raise FileProblem("a binary file (it contains NUL bytes), not notes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise FileProblem(f"not valid UTF-8 (byte 0x{data[exc.start]:02X})", line, column) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_texts(path: Path, kind: str) -> list[Text]:
    """The texts to search: the file, or a notebook's Markdown cells in order."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FileProblem(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise FileProblem(f"larger than {MAX_BYTES // (1024 * 1024)} MiB; notes are not")
    text = _decode(data)
    if kind != "notebook":
        return [Text(text, _locator(text))]
    return _notebook_cells(text)


class _Str(str):
    """A JSON string value and the offset of its opening quote in the file."""

    start: int


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
MAX_DEPTH = 64


def _json_value(s: str, i: int, depth: int):
    """A JSON value at s[i:], with string values as `_Str`; (value, end). `s` is valid JSON."""
    if depth > MAX_DEPTH:
        raise FileProblem(f"a notebook nested more than {MAX_DEPTH} levels deep")
    i = _WS.match(s, i).end()
    c = s[i:i + 1]
    if c == '"':
        value, end = scanstring(s, i + 1, True)
        out = _Str(value)
        out.start = i
        return out, end
    if c in "{[":
        close, items, i = "}" if c == "{" else "]", [], i + 1
        while True:
            i = _WS.match(s, i).end()
            if s[i] == close:
                return (dict(items) if c == "{" else items), i + 1
            if c == "{":
                key, i = _json_value(s, i, depth + 1)
                i = _WS.match(s, i).end() + 1  # the ':'
                value, i = _json_value(s, i, depth + 1)
                items.append((str(key), value))
            else:
                value, i = _json_value(s, i, depth + 1)
                items.append(value)
            i = _WS.match(s, i).end()
            if s[i] == ",":
                i += 1
    for word, value in (("true", True), ("false", False), ("null", None)):
        if s.startswith(word, i):
            return value, i + len(word)
    return None, _NUMBER.match(s, i).end()


def _raw_offsets(raw: str, quote: int, length: int) -> list[int]:
    """For each character of the string literal at `quote`, its offset in `raw` (and the end)."""
    out, j = [], quote + 1
    while len(out) < length:
        out.append(j)
        if raw[j] != "\\":
            j += 1
        elif raw[j + 1] != "u":
            j += 2
        elif 0xD800 <= int(raw[j + 2:j + 6], 16) < 0xDC00 and raw[j + 6:j + 8] == "\\u":
            j += 12  # a surrogate pair is one character
        else:
            j += 6
    return out + [j]


def _notebook_cells(raw: str) -> list[Text]:
    try:
        json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"a notebook that is not JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise FileProblem("a notebook nested too deeply") from None
    notebook, _ = _json_value(raw, 0, 0)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise FileProblem("a JSON file without a notebook's list of cells")
    where = _locator(raw)
    texts = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", [])
        pieces = [source] if isinstance(source, str) else source
        if not isinstance(pieces, list) or not all(isinstance(p, _Str) for p in pieces):
            raise FileProblem("a Markdown cell whose source is not text")
        offsets = []
        for piece in pieces:
            offsets.extend(_raw_offsets(raw, piece.start, len(piece))[:-1])
        end = (_raw_offsets(raw, pieces[-1].start, len(pieces[-1]))[-1]) if pieces else 0
        offsets.append(end)
        texts.append(Text("".join(pieces), lambda k, o=offsets: where(o[min(k, len(o) - 1)])))
    return texts


# --- math spans and comments ---------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A math span: its body's [start, end) in the text."""

    start: int
    end: int
    opened: int  # where its delimiter starts


@dataclass(frozen=True)
class Directive:
    """A `symbptt:` comment at `offset`: a declaration, codes to ignore (() = all), or an error."""

    offset: int
    values: dict
    ignore: tuple | None = None
    problem: str | None = None


@dataclass
class _Scan:
    spans: list = field(default_factory=list)
    directives: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # (offset, message) of unterminated math


_DIRECTIVE = re.compile(r"symbptt:\s*(.*)", re.S)
_TOKEN = re.compile(r"([A-Za-z-]+)(?:\[([^\]]*)\]|=(\S+))?")


def _directive(offset: int, body: str) -> Directive | None:
    """A `symbptt: key=value … ignore[CODE,…]` comment, parsed (never evaluated)."""
    match = _DIRECTIVE.search(body)
    if not match:
        return None
    values, ignore, rest = {}, None, match.group(1).strip()
    for token in rest.split():
        t = _TOKEN.fullmatch(token)
        if t and t.group(1) == "ignore" and t.group(3) is None:
            codes = tuple(c.strip() for c in (t.group(2) or "").split(",") if c.strip())
            unknown = [c for c in codes if c not in RULES]
            if unknown:
                return Directive(offset, {}, problem=f"unknown code {unknown[0]!r:.20} in ignore[…]")
            ignore = codes
        elif t and t.group(3) is not None:
            values[t.group(1)] = t.group(3)
        else:
            return Directive(offset, {}, problem=f"cannot read {token!r:.40}: write key=value "
                             "(recurrence, layout, activation) or ignore[CODE]")
    return Directive(offset, values, ignore)


#: Display environments whose body is math, in LaTeX and in Markdown (MathJax/KaTeX).
MATH_ENVS = ("equation", "align", "gather", "multline", "eqnarray", "flalign", "alignat",
             "displaymath", "math", "dmath", "split", "aligned")
_ENV = re.compile(r"\\begin\s*\{((?:%s)\*?)\}" % "|".join(MATH_ENVS))
_VERBATIM = re.compile(r"\\begin\s*\{(verbatim|Verbatim|lstlisting|minted|comment)\*?\}")


def _find_close(text: str, token: str, start: int, stop: int | None = None) -> int:
    """Where `token` closes after `start`, skipping escaped characters; -1 if it does not."""
    stop = len(text) if stop is None else stop
    i = start
    while i < stop:
        j = text.find(token, i, stop)
        if j < 0:
            return -1
        if token.startswith("$") and _escaped(text, j):
            i = j + 1
            continue
        return j
    return -1


def _escaped(text: str, i: int) -> bool:
    backslashes = 0
    while i - backslashes - 1 >= 0 and text[i - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _display(text: str, i: int, scan: _Scan, open_: str, close: str) -> int:
    """A display span from `open_` at i; its end (or the text's end, unterminated)."""
    j = _find_close(text, close, i + len(open_))
    if j < 0:
        scan.problems.append((i, f"{open_} is never closed"))
        return len(text)
    scan.spans.append(Span(i + len(open_), j, i))
    return j + len(close)


def _environment(text: str, i: int, match, scan: _Scan) -> int:
    name = match.group(1)
    end = re.compile(r"\\end\s*\{%s\}" % re.escape(name)).search(text, match.end())
    if not end:
        scan.problems.append((i, f"\\begin{{{name}}} is never closed"))
        return len(text)
    scan.spans.append(Span(match.end(), end.start(), i))
    return end.end()


def _masked_latex(text: str, scan: _Scan) -> str:
    """The text with comments and verbatim blanked out (same length); directives collected."""
    out = list(text)
    for m in re.finditer(r"(?<!\\)((?:\\\\)*)%[^\n]*", text):
        start = m.start() + len(m.group(1))
        directive = _directive(start, m.group(0)[len(m.group(1)) + 1:])
        if directive:
            scan.directives.append(directive)
        out[start:m.end()] = " " * (m.end() - start)
    masked = "".join(out)
    for m in _VERBATIM.finditer(masked):
        end = masked.find(f"\\end{{{m.group(1)}", m.end())
        stop = len(masked) if end < 0 else end
        out[m.start():stop] = " " * (stop - m.start())
    masked = "".join(out)
    return re.sub(r"\\verb\*?([^A-Za-z\s])(.*?)\1", lambda m: " " * len(m.group(0)), masked)


def scan_latex(text: str) -> _Scan:
    """Math spans and directives of a LaTeX file."""
    scan = _Scan()
    masked = _masked_latex(text, scan)
    i, n = 0, len(masked)
    while i < n:
        c = masked[i]
        if c == "\\" and i + 1 < n:
            nxt = masked[i + 1]
            if nxt in "[(":
                i = _display(masked, i, scan, "\\" + nxt, "\\]" if nxt == "[" else "\\)")
                continue
            env = _ENV.match(masked, i)
            if env:
                i = _environment(masked, i, env, scan)
                continue
            i += 2
            continue
        if c == "$":
            if masked.startswith("$$", i):
                i = _display(masked, i, scan, "$$", "$$")
            else:
                i = _display(masked, i, scan, "$", "$")
            continue
        i += 1
    return scan


_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[ \t]*([^\n]*)$", re.M)
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_LOOKS_MATH = re.compile(r"\\[A-Za-z]|[_^{]")


def _inline_dollar(text: str, i: int, scan: _Scan) -> int:
    """Pandoc's rule: `$` then no space; the closing `$` has no space before it and no digit
    after it, in the same paragraph. Unclosed, a `$` is a dollar sign, unless math follows."""
    paragraph = text.find("\n\n", i)
    stop = len(text) if paragraph < 0 else paragraph
    if i + 1 >= len(text) or text[i + 1].isspace():
        return i + 1
    j = i + 1
    while True:
        j = _find_close(text, "$", j, stop)
        if j < 0:
            line_end = text.find("\n", i)
            rest = text[i + 1:len(text) if line_end < 0 else line_end]
            if _LOOKS_MATH.search(rest):
                scan.problems.append((i, "$ is never closed in its paragraph"))
            return i + 1
        if not text[j - 1].isspace() and not text[j + 1:j + 2].isdigit():
            scan.spans.append(Span(i + 1, j, i))
            return j + 1
        j += 1


def scan_markdown(text: str) -> _Scan:
    """Math spans and directives of Markdown (CommonMark with $-math, Quarto, MyST)."""
    scan = _Scan()
    out = list(text)
    for m in _COMMENT.finditer(text):  # comments hold directives, never math
        directive = _directive(m.start(), m.group(1))
        if directive:
            scan.directives.append(directive)
        out[m.start():m.end()] = " " * (m.end() - m.start())
    # Fenced code blocks are not searched, except MyST's ```{math} blocks, which are math.
    fences = list(_FENCE.finditer("".join(out)))
    k = 0
    while k < len(fences):
        opening = fences[k]
        marker, info = opening.group(1), opening.group(2).strip()
        close = next((f for f in fences[k + 1:] if f.group(1)[0] == marker[0]
                      and len(f.group(1)) >= len(marker) and not f.group(2).strip()), None)
        stop = close.start() if close else len(text)
        if info.startswith("{math}"):
            body = opening.end() + 1
            scan.spans.append(Span(min(body, stop), stop, opening.start()))
        out[opening.start():(close.end() if close else len(text))] = \
            " " * ((close.end() if close else len(text)) - opening.start())
        k = fences.index(close) + 1 if close else len(fences)
    # Code spans next: a `$` inside one is code, unless the span is math itself ({math}`…`
    # in MyST, $`…`$ on GitHub).
    masked = "".join(out)
    for m in re.finditer(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", masked, re.S):
        if "\n\n" in m.group(2):
            continue
        role = masked[max(0, m.start() - 6):m.start()] == "{math}"
        dollar = m.start() > 0 and masked[m.start() - 1] == "$" and masked[m.end():m.end() + 1] == "$"
        if role or dollar:
            scan.spans.append(Span(m.start(2), m.end(2), m.start()))
        start, end = m.start() - dollar, m.end() + dollar
        out[start:end] = " " * (end - start)
    masked = "".join(out)
    i, n = 0, len(masked)
    while i < n:
        c = masked[i]
        if c == "\\" and i + 1 < n:
            if masked[i + 1] in "[(":
                i = _display(masked, i, scan, "\\" + masked[i + 1], "\\]" if masked[i + 1] == "[" else "\\)")
                continue
            env = _ENV.match(masked, i)
            if env:
                i = _environment(masked, i, env, scan)
                continue
            i += 2
            continue
        if c == "$":
            if masked.startswith("$$", i):
                i = _display(masked, i, scan, "$$", "$$")
            else:
                i = _inline_dollar(masked, i, scan)
            continue
        i += 1
    return scan


# --- claims --------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A formula to judge: `formula` as check takes it, `offset` where its matrix starts.

    `expect` is the layout the claim must hold in because of its gradient's side (a backward
    factor: on the left of a column gradient, denominator; on the right of a row one,
    numerator), or None: then the document's declared layout applies.
    """

    offset: int
    formula: str
    expect: str | None = None
    backward: bool = False
    because: str = ""  # why `expect`, when not the gradient's side
    unread: str | None = None  # a claim found but not judged, and why


#: LaTeX that carries no mathematics of a claim: blanked out, so offsets keep their place.
_NOISE = re.compile(
    r"\\(?:label|tag\*?|eqref|ref|hspace|vspace)\s*\{[^{}]*\}|\\(?:nonumber|notag|displaystyle|"
    r"textstyle|limits|qquad|quad|Big|big|bigg|Bigg)(?![A-Za-z])(?!\s*[(\[)\]|])|"
    r"\\(?:begin|end)\s*\{[A-Za-z*]+\}(?:\{[^{}]*\})?|&|\\underbrace|\\overbrace")
_RELATIONS = re.compile(r"(?<![<>!:\\])=|\\approx(?![A-Za-z])|\\(?:le|leq|ge|geq|ne|neq|propto|sim|"
                        r"equiv|coloneqq|triangleq|to|rightarrow|Rightarrow|in)(?![A-Za-z])|[<>≈≤≥≠]")
_OPEN, _CLOSE = "{([", "})]"

_BASE = r"(?:\\(?:mathbf|boldsymbol|bm|vec|mathrm|text|textbf|mathit|hat|bar|tilde)\s*\{\s*)?" \
        r"(\\?[A-Za-z]+)"
#: ∂A/∂B as a fraction, ∂A/∂B with a slash, or ∇_B A (A's and B's text captured).
_GROUP = r"\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
_DERIVATIVE = re.compile(
    r"\\[dt]?frac\s*" + r"\{\s*(?:\\partial|∂|d)\s*((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
    r"\s*\{\s*(?:\\partial|∂|d)\s*((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
    r"|(?:\\partial|∂)\s*(\S+?)\s*/\s*(?:\\partial|∂)\s*([^\s=]+)"
    r"|\\nabla\s*_\s*" + _GROUP + r"\s*((?:\\[A-Za-z]+\s*\{[^{}]*\}|\\?[A-Za-z])(?:_\{[^{}]*\}|_[A-Za-z0-9])?)")
_DELTA = re.compile(r"(?:\\(?:boldsymbol|mathbf|bm)\s*\{\s*)?(?:\\delta|δ)\s*\}?"
                    r"(?:\s*[_^]\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|[A-Za-z0-9]))*")
_LOSS = re.compile(r"\\mathcal\s*\{?\s*[LEJ]|\\ell|ℓ|[LEJC]|\\mathscr\s*\{?\s*[LE]|l(?![A-Za-z])")


def _base(text: str) -> str | None:
    """The name a derivative is of or by: h for \\mathbf{h}_{t-1}, x for x^{(t)}."""
    m = re.match(r"\s*" + _BASE, text)
    return m.group(1) if m else None


def _index(text: str) -> str:
    """The time index of h_{t-1}, h^{(t)}, \\mathbf{h}_t: the rest after the base name."""
    m = re.match(r"\s*" + _BASE + r"\s*\}?(.*)$", text, re.S)
    rest = m.group(2) if m else text
    return re.sub(r"[\s{}()^_]|\\left|\\right", "", rest)


def _step(index: str) -> tuple[str, int] | None:
    """t-1 → ("t", -1), (t) → ("t", 0), k+1 → ("k", 1); None for anything else."""
    m = re.fullmatch(r"([A-Za-z])?([+\-−]\d+)?", index.replace("−", "-"))
    if not m or not (m.group(1) or m.group(2)):
        return None
    return m.group(1) or "", int(m.group(2) or 0)


@dataclass(frozen=True)
class _Derivative:
    start: int
    end: int
    num: str
    den: str

    @property
    def jacobian(self) -> bool:
        """∂(state)/∂(state): the same name at two different steps."""
        a, b = _base(self.num), _base(self.den)
        return a is not None and a == b and _index(self.num) != _index(self.den)

    @property
    def one_step(self) -> bool:
        """Whether the two time indices are one step apart: t and t-1, k+1 and k."""
        a, b = _step(_index(self.num)), _step(_index(self.den))
        return a is not None and b is not None and a[0] == b[0] and a[1] - b[1] == 1

    @property
    def gradient(self) -> bool:
        """∂(loss)/∂(state): a gradient vector."""
        return bool(_LOSS.match(self.num.strip())) and _base(self.den) not in (None, _base(self.num))


def _frac(d: _Derivative) -> str:
    return f"\\frac{{\\partial {d.num}}}{{\\partial {d.den}}}"


def _derivatives(text: str) -> list[_Derivative]:
    out = []
    for m in _DERIVATIVE.finditer(text):
        if m.group(1) is not None:
            num, den = m.group(1), m.group(2)
        elif m.group(3) is not None:
            num, den = m.group(3), m.group(4)
        else:
            den, num = m.group(5), m.group(6)
        out.append(_Derivative(m.start(), m.end(), num.strip(), den.strip()))
    return out


def _split_top(text: str, pattern: re.Pattern) -> list[tuple[int, int, str]]:
    """Pieces of `text` between matches of `pattern` at brace depth 0: (start, end, separator
    before the piece)."""
    depth, pieces, start, sep = 0, [], 0, ""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text.startswith(("\\{", "\\}"), i):
            i += 2
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            m = pattern.match(text, i)
            if m and m.end() > i:
                pieces.append((start, i, sep))
                start, sep, i = m.end(), m.group(0), m.end()
                continue
        i += 1
    pieces.append((start, len(text), sep))
    return pieces


_TERMS = re.compile(r"(?<![\^_{(\[])\s*[+\-−]\s*")


def _strip_gradient(text: str) -> tuple[str, str | None]:
    """The matrix of `M g` or `g M` with g a gradient (δ_t, ∂L/∂h_t, ∇_{h_t} L), and the side
    the gradient is on ("right": a column gradient, "left": a row one); None: no gradient."""
    body = text.strip()
    grads = [d for d in _derivatives(body) if d.gradient]
    deltas = list(_DELTA.finditer(body))
    spans = [(d.start, d.end) for d in grads] + [(m.start(), m.end()) for m in deltas if m.group(0)]
    if len(spans) != 1:
        return body, None
    start, end = spans[0]
    space = r"(?:\s|\\[,;:! ]|~)*"
    times = space + r"(?:\\cdot|\\times|\*|·)?" + space  # the product sign between factor and gradient
    if not body[end:].strip(" .,;") and body[:start].strip():
        return re.sub(times + "$", "", body[:start]), "right"
    if not body[:start].strip():
        return re.sub("^" + times, "", body[end:]), "left"
    return body[:start] + r" \delta " + body[end:], "inside"


def _state_gradient(text: str) -> tuple[str, str] | None:
    """(state name, step) when `text` is a gradient at one step: ∂L/∂h_t, δ_{t-1}, δ^{(t)}."""
    text = text.strip()
    d = _derivatives(text)
    if len(d) == 1 and d[0].gradient and d[0].start == 0 and not text[d[0].end:].strip():
        return _base(d[0].den) or "", _index(d[0].den)
    m = _DELTA.fullmatch(text)
    if m:
        return "", _index(re.sub(r"^.*?(\\delta|δ)\s*\}?", "x", text))
    return None


def claims(body: str, offset: int) -> list[Claim]:
    """The claims in one math span (text `body` starting at `offset` in the document)."""
    clean = _NOISE.sub(lambda m: " " * len(m.group(0)), body)
    chains: list[list[tuple[int, int]]] = []
    for row_start, row_end, _ in _split_top(clean, re.compile(r"\\\\(?:\[[^\]]*\])?")):
        row = clean[row_start:row_end]
        pieces = [(row_start + s, row_start + e, sep) for s, e, sep in _split_top(row, _RELATIONS)]
        continues = chains and not row[:pieces[0][1] - row_start].strip() and len(pieces) > 1
        sides: list[tuple[int, int, str]] = []
        if continues:
            sides = chains[-1]
            pieces = pieces[1:]
        sides = list(sides) + pieces
        if continues:
            chains[-1] = sides
        else:
            chains.append(sides)
    found = []
    for sides in chains:
        found.extend(_chain_claims(clean, sides, offset))
    return found


#: What may stand between two inline math spans of one claim: nothing, or a word or sign of
#: equality ("$∂h_t/∂h_{t-1}$ is $W^T D$"). Anything else ("and", ",", "+") keeps them apart.
_CONNECTOR = re.compile(r"[ \t\u00a0]*(?:(=|is|equals|is equal to)[ \t\u00a0]*)?")


def _inline_bounds(text: str, span: Span) -> tuple[int, int] | None:
    """Where an inline span's delimiters start and end ($…$, $`…`$, \\(…\\)); None: display."""
    if text.startswith("`", span.opened) and text[span.opened - 1:span.opened] == "$":
        close = span.end
        while text.startswith("`", close):
            close += 1
        return span.opened - 1, close + text.startswith("$", close)
    if text.startswith("$", span.opened) and not text.startswith("$$", span.opened):
        return span.opened, span.end + 1
    if text.startswith("\\(", span.opened):
        return span.opened, span.end + 2
    return None


def span_claims(text: str, spans: list[Span]) -> list[tuple[Span, Claim]]:
    """The claims of a text's math spans, each with the span it starts in.

    A claim written across inline spans of one line, joined by nothing or by "=", "is",
    "equals" only ($∂h_t/∂h_{t-1}$ = $W^T$ $diag(…)$), is read as one formula, but only where no
    span of the run holds a claim of its own: a complete claim is never extended by what
    follows it."""
    spans = sorted(spans, key=lambda s: s.start)
    runs: list[list[Span]] = []
    previous = None  # (span, where its closing delimiter ends) of the last inline span
    for span in spans:
        bounds = _inline_bounds(text, span)
        if previous and bounds and _CONNECTOR.fullmatch(text, previous[1], bounds[0]):
            runs[-1].append(span)
        else:
            runs.append([span])
        previous = (span, bounds[1]) if bounds else None
    out = []
    for run in runs:
        own = [[(span, c) for c in claims(text[span.start:span.end], span.start)] for span in run]
        if len(run) == 1 or any(own):
            out.extend(pair for pairs in own for pair in pairs)
            continue
        body, starts, origins = "", [], []  # the joined formula; its pieces' places in `text`
        for k, span in enumerate(run):
            if k:
                gap = _CONNECTOR.fullmatch(text, _inline_bounds(text, run[k - 1])[1],
                                           _inline_bounds(text, span)[0])
                body += " = " if gap.group(1) else " "
            starts.append(len(body))
            origins.append(span.start)
            body += text[span.start:span.end]
        for c in claims(body, 0):
            k = bisect.bisect_right(starts, c.offset) - 1
            at = origins[k] + min(c.offset - starts[k], run[k].end - run[k].start)
            out.append((run[k], Claim(at, c.formula, c.expect, c.backward, c.because, c.unread)))
    return out


def _text_at(clean: str, start: int, end: int) -> tuple[int, str]:
    text = clean[start:end]
    lead = len(text) - len(text.lstrip())
    return start + lead, text.strip().rstrip(".,;").strip()


def _chain_claims(clean: str, sides, offset: int) -> list[Claim]:
    out = []
    anchor = None  # (kind, text): "jacobian" with the derivative, or "gradient" with (name, step)
    step = None  # the one-step derivative a product over steps multiplies, once one is written
    span = None  # the derivative over several steps (∂h_t/∂h_{t-k}), once one is written
    for k, (start, end, sep) in enumerate(sides):
        if k and sep != "=":
            anchor = None  # ≤, ≈ … : what follows is not claimed equal
        at, text = _text_at(clean, start, end)
        if not text:
            continue
        ds = _derivatives(text)
        jac = [d for d in ds if d.jacobian]
        step = next((_frac(d) for d in jac if d.one_step), step)
        span = next((d for d in jac if not d.one_step), span)
        has_partial = bool(re.search(r"\\partial|∂|\\nabla", text))
        if anchor is None or has_partial and anchor[0] != "gradient":
            if jac and (len(ds) == 1 or "\\prod" in text or "∏" in text):
                one = step if step and len(ds) > 1 else (_frac(jac[0]) if jac[0].one_step else None)
                anchor = ("jacobian", one or _frac(jac[0]), one is not None)
                continue
            grad = _state_gradient(text)
            if grad is not None:
                anchor = ("gradient", grad)
                continue
            if anchor is None:
                continue
        if anchor[0] == "jacobian":
            if any(d.jacobian for d in ds):
                continue  # a restatement of the chain rule
            matrix, side = _strip_gradient(text)
            if re.search(r"\\partial|∂|\\nabla|\\sum|∑", matrix):
                continue
            written = _written_product(matrix, span) if side is None else None
            if written is not None:
                formula, expect, because, unread = written
                out.append(Claim(offset + at, formula, expect, because=because, unread=unread))
                continue
            expect = _EXPECT.get(side)
            # ∂h_t/∂h_k = ∏_i J_i: the product's own index fixes the steps of its factor, which
            # check reads without a derivative on the left (one over t − k steps has no index i).
            product = not anchor[2] and re.search(r"\\prod|∏", matrix)
            formula = matrix if product else f"{anchor[1]} = {matrix}"
            out.append(Claim(offset + at, formula, expect, side is not None))
        else:
            name, when = anchor[1]
            for t_start, t_end, sign in _split_top(text, _TERMS):
                t_at, term = _text_at(text, t_start, t_end)
                inner = _state_gradient_in(term)
                if inner is None or inner[1] == when or name and inner[0] and inner[0] != name:
                    continue  # not the gradient of the same state at another step (∂L/∂o_t)
                matrix, side = _strip_gradient(term)
                if side is None or re.search(r"\\partial|∂|\\nabla|\\sum|∑", matrix):
                    continue
                if sign.strip() in ("-", "−"):
                    matrix = f"-{matrix}"
                # The derivative the factor stands for fixes which state is the current one.
                state = name or inner[0] or _guess_state(matrix)
                lhs = ""
                if step and re.search(r"\\prod|∏", matrix):
                    lhs = f"{step} = "
                elif state and inner[1] and when:
                    lhs = f"\\frac{{\\partial {state}_{{{inner[1]}}}}}{{\\partial {state}_{{{when}}}}} = "
                expect = _EXPECT[side]
                out.append(Claim(offset + at + t_at, lhs + matrix, expect, True))
    return out


_ELLIPSIS = re.compile(r"\\[cl]?dots(?![A-Za-z])|⋯|…|\.{2,}")
_PRODUCT_SIGNS = re.compile(r"\s*(?:\*|\\cdot(?![A-Za-z])|\\times(?![A-Za-z])|·|\\[cl]?dots(?![A-Za-z])|⋯|…|\.{2,})\s*")
#: A time index written in a factor: (t), (t-k+1), _{t-1}, _t, ^{(t)}.
_TIME = re.compile(r"(?:\(|_\{\(?|\^\{\()\s*([A-Za-z](?:\s*[+\-−]\s*(?:\d+|[A-Za-z]))*)\s*(?=\)|\})"
                   r"|_([A-Za-z])(?![A-Za-z])")


def _time_key(index: str) -> str:
    return re.sub(r"\s", "", index).replace("−", "-")


def _time_mark(m: re.Match) -> str:
    """A time index replaced by #, h_t and h_{t-1} alike (h_{#})."""
    return "_{#}" if m.group(2) else m.group(0)[:m.start(1) - m.start()] + "#"


def _before(index: str) -> str:
    """The step before `index`: t → t-1, k+1 → k, t-k+1 → t-k."""
    m = re.fullmatch(r"(.*?)([+-]\d+)?", index)
    rest, shift = m.group(1), int(m.group(2) or 0) - 1
    return rest + (f"{shift:+d}" if shift else "")


def _written_product(matrix: str, span: "_Derivative | None"):
    """(formula, expect, because, unread) for a product written out factor by factor with an
    ellipsis (J_t J_{t-1} ⋯ as A(t) * A(t-1) * .. * A(t-k+1)) on the right of ∂h_t/∂h_{t-k};
    None when `matrix` is no such product.

    The same factor at every step is judged once, as the Jacobian at its first step, and the
    order fixes the layout: the latest step first is numerator layout, last is denominator.
    Factors that differ from step to step (σ'(t) ⋯ σ'(t-k+1) W^k) are no one-step claim check
    could judge: the claim is reported, not judged."""
    if span is None or not _ELLIPSIS.search(matrix):
        return None
    pieces = [matrix[s:e].strip() for s, e, _ in _split_top(matrix, _PRODUCT_SIGNS)]
    factors = [p for p in pieces if p]
    if len(factors) < 2:
        return None
    steps, shapes = [], set()
    for f in factors:
        times = {_time_key(m.group(1) or m.group(2)) for m in _TIME.finditer(f)}
        steps.append(times.pop() if len(times) == 1 else None)
        shapes.add(_TIME.sub(_time_mark, f))
    last = _time_key(_index(span.num))
    if len(shapes) == 1 and None not in steps and len(set(steps)) == len(steps) and last in (steps[0], steps[-1]):
        now = steps[0]
        state = _base(span.num)
        lhs = f"\\frac{{\\partial {state}_{{{now}}}}}{{\\partial {state}_{{{_before(now)}}}}}"
        layout = "numerator" if steps[0] == last else "denominator"
        because = (f"the product is written with its {'latest' if layout == 'numerator' else 'earliest'} "
                   f"step first, so its factor must be the {layout}-layout Jacobian")
        return f"{lhs} = {factors[0]}", layout, because, None
    return (f"{_frac(span)} = {matrix}", None, "",
            "a product written out factor by factor whose factors are not one factor repeated at "
            "each step (nor in an order of steps): no one-step Jacobian to judge")


#: The layout a backward factor must hold in, by its gradient's side; "gradient": check reads the side.
_EXPECT = {"right": "denominator", "left": "numerator", "inside": "gradient"}


def _state_gradient_in(term: str) -> tuple[str, str] | None:
    """The gradient a term multiplies, as (state name, step), if it has exactly one."""
    grads = [d for d in _derivatives(term) if d.gradient]
    deltas = [m for m in _DELTA.finditer(term) if m.group(0)]
    if len(grads) + len(deltas) != 1:
        return None
    if grads:
        return _base(grads[0].den) or "", _index(grads[0].den)
    return "", _index(re.sub(r"^.*?(\\delta|δ)\s*\}?", "x", deltas[0].group(0)))


def _guess_state(matrix: str) -> str:
    """The state letter a backward factor writes (h, x or s with a time index), if any."""
    m = re.search(r"(?:\\mathbf\{|\\boldsymbol\{)?\b([hxs])\}?\s*(?:_|\^\s*\{?\()", matrix)
    return m.group(1) if m else ""


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
        for span, claim in span_claims(text.text, scan.spans):
            decl = _declared_at(directives, span.opened, carried).over(base)
            report.claims += 1
            codes = ignores.get(span.opened)
            muted = lambda code: code in decl.ignore or codes is not None and (not codes or code in codes)
            seen = len(layouts)
            out.extend(f for f in self._judge(path, text, claim, decl, layouts, report) if not muted(f.code))
            # SB104 is found once the whole file is judged: the claim's ignore comment goes with it
            layouts[seen:] = [(*entry, muted("SB104")) for entry in layouts[seen:]]
        carried.update(v for d in directives if not d.problem for v in d.values.items())
        return out

    def _check(self, formula: str, decl: Declaration):
        """`check` on a formula, once per (formula, recurrence, activation) in this run."""
        from .check import check

        key = (formula, decl.recurrence, decl.activation)
        if key not in self._judged:
            try:
                self._judged[key] = check(formula, activation=decl.activation, recurrence=decl.recurrence)
            except SymbpttError as exc:
                self._judged[key] = exc
            except RecursionError:  # a pathological formula: not readable, never a crash
                self._judged[key] = InputError("the formula is nested too deeply to read")
        return self._judged[key]

    def _judge(self, path, text: Text, claim: Claim, decl: Declaration, layouts, report) -> list[Finding]:
        line, column = text.where(claim.offset)
        result = None if claim.unread else self._check(claim.formula, decl)
        where = dict(path=path, line=line, column=column, formula=claim.formula)
        if claim.unread:
            return [Finding(code="SB201", message=f"not judged: {claim.unread}", **where)]
        if isinstance(result, Exception):
            return [Finding(code="SB201", message=f"not judged: {_one_line(str(result))}", **where)]
        report.judged += 1
        holds = {l for l in LAYOUTS if result.verdict(l).holds}
        proof = _proof(result) if self.show_proof else None
        expect = claim.expect or decl.layout
        if expect == "gradient":  # the gradient inside the formula: check saw which side it is on
            expect = "numerator" if result.reading.rows else "denominator"
        what = "backward factor" if claim.backward else "Jacobian"
        form = _form_title(result)
        if not holds:
            shifted = [v for v in result.readings if v.form == result.form.key and v.binding == "pre-activation"]
            if shifted:
                return [Finding(code="SB103", proof=proof, message=(
                    f"right only with σ' at the step's pre-activation a_t, not where it is written: "
                    f"then it is the {shifted[0].layout.value} Jacobian of {form}"), **where)]
            return [Finding(code="SB101", proof=proof, message=(
                f"the {what} holds in neither layout of {form}{_elsewhere(result)}"), **where)]
        if expect and expect not in holds:
            (other,) = holds
            why = (claim.because or
                   f"the gradient is a {'column on the right' if expect == 'denominator' else 'row on the left'}, "
                   f"so the factor must be the {expect}-layout Jacobian" if claim.expect
                   else f"the document declares {expect} layout")
            return [Finding(code="SB102", proof=proof, message=(
                f"the {what} is the {other}-layout Jacobian of {form}, but {why}"), **where)]
        if not claim.expect and not decl.layout and len(holds) == 1:
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


def _shown(path: str) -> str:
    """A path as findings print it: a file name's undecodable bytes as \\x escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _form_title(result) -> str:
    from .model import FORMS

    return f"{FORMS[result.form.key].title} ({result.form.key})"


def _elsewhere(result) -> str:
    """Where else the claim holds, as a hint: another form, or σ' at another point."""
    from .model import FORMS

    for v in result.readings:
        if v.binding == "as-written" and v.form != result.form.key:
            return (f"; it is the {v.layout.value}-layout Jacobian of {FORMS[v.form].title}: "
                    f"declare recurrence={v.form} if the notes use it")
    return ""


def _proof(result) -> str:
    from .render import render_check

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
