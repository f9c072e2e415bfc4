"""Reading notes for `lint`: bytes → text (a notebook's Markdown cells), each character with its
line and column in the file; then the math spans and the `symbptt:` comments in the text."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from pathlib import Path
from typing import Callable

from .codes import MAX_BYTES, RULES

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
    """What a scan of one file found: math spans, directives, unterminated math."""

    spans: list = field(default_factory=list)
    directives: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # (offset, message) of unterminated math


_DIRECTIVE = re.compile(r"symbptt:\s*(.*)", re.S)
_TOKEN = re.compile(r"([A-Za-z-]+)(?:\[([^\]]*)\]|=(\S+))?")


def _directive(offset: int, body: str) -> Directive | None:
    """A `symbptt: key=value … ignore[CODE,…]  -- remark` comment, parsed (never evaluated);
    the remark after a ` -- ` (why a finding is ignored) is skipped."""
    match = _DIRECTIVE.search(body)
    if not match:
        return None
    values, ignore, rest = {}, None, match.group(1).strip()
    # A remark after " -- " (the reason for an ignore, as the docs show) is not read.
    rest = re.split(r"(?:^|\s)--(?:\s|$)", rest, maxsplit=1)[0]
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
