"""Two writers of one drawing, SVG and PDF, both vector and dependency-free.

A drawing is a `Drawing`: a page size and a list of `Line` and `Text` primitives in page
coordinates, in points (1/72 in), origin at the top left, y pointing down (SVG's
convention; the PDF writer flips y). The writers add no content of their own: they only
encode. Output is deterministic: fixed number formatting, no dates, ids or producer tags.

Why hand-written: a line chart in two vector formats is about 200 lines here, while every
library that writes PDF costs at least 0.4× `import sympy` to import (docs/speed.md).

Text: the SVG keeps Unicode and lets the viewer lay it out (text-anchor). The PDF uses the
base-14 fonts, never embedded: Helvetica (WinAnsiEncoding) for printable ASCII and Symbol
for the few glyphs in `SYMBOL`; any other character is written as "?" (use none).
"""

from __future__ import annotations

from dataclasses import dataclass

FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class Run:
    """A piece of text at `size` points, its baseline raised by `rise` points (negative: a
    subscript)."""
    text: str
    size: float
    rise: float = 0.0


@dataclass(frozen=True)
class Text:
    """Runs set one after another from the baseline point (x, y); `anchor` is which end (or
    the middle) lies at that point; `angle` is 0 or 90 (degrees, counter-clockwise)."""
    x: float
    y: float
    runs: tuple[Run, ...]
    anchor: str = "start"  # start, middle or end, as SVG's text-anchor
    angle: int = 0


@dataclass(frozen=True)
class Line:
    """A polyline (a polygon when `closed`), `width` in points, `colour` as #rrggbb."""
    points: tuple[tuple[float, float], ...]
    colour: str
    width: float
    opacity: float = 1.0
    closed: bool = False


@dataclass(frozen=True)
class Drawing:
    """A figure: its size in points and its lines and texts, in drawing order."""

    width: float
    height: float
    items: tuple[Line | Text, ...]


# Advance widths in 1/1000 em from Adobe's Core14 AFM metrics (Helvetica.afm and Symbol.afm,
# 1997), Helvetica's for codes 32–126 in WinAnsiEncoding (39 is quotesingle, 96 grave).
HELVETICA = dict(zip(map(chr, range(32, 127)), (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)))
#: Symbol-font glyphs: character → (codes in the Symbol font, width). ‖ is two bars.
SYMBOL = {"γ": (b"g", 411), "λ": (b"l", 549), "∂": (b"\xb6", 494), "−": (b"-", 549),
          "‖": (b"||", 400)}


def _font(char: str) -> tuple[str, bytes, int]:
    """(PDF font resource, codes, width in 1/1000 em) of one character."""
    if char in SYMBOL:
        return ("F2", *SYMBOL[char])
    if char not in HELVETICA:
        char = "?"
    return "F1", char.encode("ascii"), HELVETICA[char]


def width(runs: tuple[Run, ...]) -> float:
    """The advance of `runs` in points, in Helvetica and Symbol (the PDF's fonts)."""
    return sum(_font(c)[2] * run.size / 1000 for run in runs for c in run.text)


def _num(v: float, digits: int = 2) -> str:
    """`v` to `digits` decimals, without trailing zeros: 0.01 pt is far below a pixel."""
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def svg(drawing: Drawing) -> bytes:
    """The drawing as an SVG document; its size in points (width/height in pt, viewBox 1:1)."""
    w, h = _num(drawing.width), _num(drawing.height)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" '
           f'viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}">']
    for item in drawing.items:
        if isinstance(item, Line):
            points = " ".join(f"{_num(x)},{_num(y)}" for x, y in item.points)
            opacity = "" if item.opacity == 1 else f' stroke-opacity="{_num(item.opacity)}"'
            out.append(f'<{"polygon" if item.closed else "polyline"} points="{points}" fill="none" '
                       f'stroke="{item.colour}" stroke-width="{_num(item.width)}"{opacity} '
                       'stroke-linejoin="round"/>')
        else:
            x, y = _num(item.x), _num(item.y)
            turn = f' transform="rotate({-item.angle} {x} {y})"' if item.angle else ""
            spans, rise = [], 0.0
            for run in item.runs:  # dy moves this run and all after it: shift by the difference
                dy = f' dy="{_num(rise - run.rise)}"' if run.rise != rise else ""
                spans.append(f'<tspan font-size="{_num(run.size)}"{dy}>{_escape(run.text)}</tspan>')
                rise = run.rise
            out.append(f'<text x="{x}" y="{y}" text-anchor="{item.anchor}"{turn} '
                       f'xml:space="preserve">{"".join(spans)}</text>')
    out.append("</svg>\n")
    return "\n".join(out).encode("utf-8")


def _pdf_string(codes: bytes) -> str:
    """A PDF literal string, ASCII only: ( ) \\ escaped, other bytes as octal."""
    return "(" + "".join(chr(b) if 32 <= b < 127 and b not in b"()\\" else
                         ("\\" + chr(b) if b in b"()\\" else f"\\{b:03o}") for b in codes) + ")"


def _rgb(colour: str) -> str:
    return " ".join(_num(int(colour[i:i + 2], 16) / 255, 3) for i in (1, 3, 5))  # exact to 1/255


def _pdf_text(item: Text, height: float) -> list[str]:
    """BT…ET for one Text: the anchor offset from the Helvetica/Symbol widths, then each
    run's pieces by font, with the run's size (Tf) and rise (Ts)."""
    cos, sin = (1, 0) if item.angle == 0 else (0, 1)
    shift = width(item.runs) * {"start": 0, "middle": 0.5, "end": 1}[item.anchor]
    x, y = item.x - shift * cos, height - item.y - shift * sin
    ops = [f"BT {cos} {sin} {-sin} {cos} {_num(x)} {_num(y)} Tm"]
    for run in item.runs:
        pieces: list[list] = []
        for char in run.text:
            font, codes, _ = _font(char)
            if pieces and pieces[-1][0] == font:
                pieces[-1][1] += codes
            else:
                pieces.append([font, codes])
        for font, codes in pieces:
            ops.append(f"/{font} {_num(run.size)} Tf {_num(run.rise)} Ts {_pdf_string(codes)} Tj")
    return ops + ["ET"]


def pdf(drawing: Drawing) -> bytes:
    """The drawing as a one-page PDF 1.4 of its size: an uncompressed content stream (so no
    zlib version can change the bytes), base-14 fonts by name, opacity by ExtGState /CA."""
    opacities = sorted({item.opacity for item in drawing.items if isinstance(item, Line)} - {1})
    states = {a: f"A{i}" for i, a in enumerate(opacities)}
    ops = ["1 j"]  # round joins
    for item in drawing.items:
        if isinstance(item, Text):
            ops += _pdf_text(item, drawing.height)  # filled in the default black
            continue
        path = " ".join(f"{_num(x)} {_num(drawing.height - y)} {'l' if i else 'm'}"
                        for i, (x, y) in enumerate(item.points))
        state = f"/{states[item.opacity]} gs " if item.opacity != 1 else ""
        ops.append(f"q {state}{_rgb(item.colour)} RG {_num(item.width)} w {path} {'s' if item.closed else 'S'} Q")
    content = "\n".join(ops).encode("ascii")
    gs = "".join(f"/{name} << /Type /ExtGState /CA {_num(a)} >> " for a, name in states.items())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_num(drawing.width)} {_num(drawing.height)}] "
         f"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> /ExtGState << {gs}>> >> "
         "/Contents 6 0 R >>").encode("ascii"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # a binary comment: transfer as binary
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
