"""The figure of `bptt --plot`, as SVG and PDF: valid for real readers (poppler, Chromium),
showing the engine's numbers where the axes say, and laid out without overlaps."""

from __future__ import annotations

import functools
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, strategies as st

from symbptt.bptt import bptt
from symbptt.plot import COLOURS, MAX_LABELS, PAGE_WIDTH, TICK, TICK_LENGTH, drawing, figures
from symbptt.vector import Line, Text, width

from .conftest import require_tool
from .test_docs import CHROMIUM

SVG = "{http://www.w3.org/2000/svg}"
#: Half a pixel at 96 dpi, in points: how far a drawn point may be from where it belongs.
HALF_PIXEL = 0.5 * 72 / 96
CASES = [("tanh", "pascanu"), ("tanh", "row"), ("sigmoid", "row")]  # sigmoid: 26 decades, thinned


@functools.lru_cache(maxsize=None)
def result(activation, form):
    return bptt(activation, form)


def _poppler(*names):
    for name in names:
        require_tool(name, shutil.which(name) is not None, "apt-get install poppler-utils")


def _pixels(pdf: Path, dpi: int = 100) -> list[tuple[int, int, int]]:
    """The PDF's first page as RGB pixels, rendered by pdftoppm (PPM: a header, then bytes)."""
    _poppler("pdftoppm")
    ppm = subprocess.run(["pdftoppm", "-r", str(dpi), "-singlefile", str(pdf)], capture_output=True,
                         check=True).stdout
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", ppm)
    data = ppm[header.end():]
    return [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]


def _shows_the_curves(pixels) -> None:
    """Not blank, and each curve's colour drawn (to within antialiasing)."""
    ink = sum(1 for p in pixels if p != (255, 255, 255))
    assert ink > 0.02 * len(pixels)
    for colour in COLOURS:
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        near = sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, rgb)) < 40)
        assert near > 100, colour


@pytest.mark.tools
@pytest.mark.parametrize("activation, form", CASES[:2])
def test_the_pdf_is_read_and_rendered_by_poppler(tmp_path, activation, form):
    _poppler("pdfinfo", "pdffonts")
    path = tmp_path / "f.pdf"
    path.write_bytes(figures(result(activation, form))[".pdf"])
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert info.stderr == ""  # poppler repairs a broken file, but says so
    page, _ = drawing(result(activation, form))
    assert f"Page size:       {PAGE_WIDTH:g} x {page.height:g} pts" in info.stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = {line.split()[0]: line.split() for line in fonts.splitlines()[2:]}
    assert sorted(rows) == ["Helvetica", "Symbol"] and all(r[-5] == "no" for r in rows.values())  # not embedded
    _shows_the_curves(_pixels(path))


def test_the_pdf_cross_reference_table_points_at_its_objects():
    data = figures(result("tanh", "pascanu"))[".pdf"]
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))
    assert data[start:].startswith(b"xref\n0 ")
    count = int(data[start:].split(b"\n")[1].split()[1])
    offsets = re.findall(rb"(\d{10}) 00000 n \n", data[start:])
    assert len(offsets) == count - 1
    for number, offset in enumerate(offsets, 1):
        assert data[int(offset):].startswith(b"%d 0 obj\n" % number)
    stream = re.search(rb"/Length (\d+) >>\nstream\n", data)
    assert data[stream.end() + int(stream.group(1)):].startswith(b"\nendstream")


@pytest.mark.tools
def test_the_svg_is_rendered_by_chromium(tmp_path):
    require_tool("chromium", Path(CHROMIUM).is_file(), "apt-get install chromium")
    svg = tmp_path / "f.svg"
    svg.write_bytes(figures(result("tanh", "row"))[".svg"])
    printed = tmp_path / "printed.pdf"  # printed to PDF by the browser, so poppler can read the pixels
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={printed}", svg.as_uri()],
                   capture_output=True, timeout=120, check=True)
    _shows_the_curves(_pixels(printed))


def _svg(data: bytes):
    """(lines, texts) of the SVG: lines as (colour, width, opacity, points), texts as
    (x, y, anchor, text)."""
    root = ET.fromstring(data)
    lines = [(e.get("stroke"), float(e.get("stroke-width")), float(e.get("stroke-opacity", 1)),
              [tuple(map(float, p.split(","))) for p in e.get("points").split()])
             for e in root.iter() if e.tag in (SVG + "polyline", SVG + "polygon")]
    texts = [(float(e.get("x")), float(e.get("y")), e.get("text-anchor"), "".join(e.itertext()))
             for e in root.iter(SVG + "text")]
    return lines, texts


def _fit(pairs):
    """The straight line (a, b) with position = a + b × value through the (value, position)
    pairs, after checking every pair lies on it."""
    (v0, p0), (v1, p1) = pairs[0], pairs[-1]
    b = (p1 - p0) / (v1 - v0)
    assert all(abs(p0 + b * (v - v0) - p) < 0.02 for v, p in pairs)
    return p0 - b * v0, b


@pytest.mark.parametrize("activation, form", CASES)
def test_the_svg_shows_each_value_where_the_axes_say(activation, form):
    """The axes as their labels state them (a tick mark per label), then every curve point
    read back through them: log10 of the engine's value, to within half a pixel."""
    b = result(activation, form)
    lines, texts = _svg(figures(b)[".svg"])
    marks = [pts for colour, _, _, pts in lines if colour == "#000000" and len(pts) == 2]
    y_marks = sorted(p[0][1] for p in marks if p[0][1] == p[1][1])
    x_marks = sorted(p[0][0] for p in marks if p[0][0] == p[1][0])
    y_labels = sorted((y, int(s[2:].replace("−", "-"))) for _, y, a, s in texts if a == "end")
    x_labels = sorted((x, int(s)) for x, _, a, s in texts if a == "middle" and s.isdigit())
    assert len(y_marks) == len(y_labels) >= 3 and len(x_marks) == len(x_labels) >= 3
    assert all(abs(y - mark - 0.35 * TICK) < 0.02 for (y, _), mark in zip(y_labels, y_marks))
    ya, yb = _fit([(k, mark) for (_, k), mark in zip(y_labels, y_marks)])
    xa, xb = _fit([(t, mark) for (_, t), mark in zip(x_labels, x_marks)])
    assert yb < 0 < xb  # up the page, to the right
    for style, line_width in (("norms", 1.6), ("bounds", 6.0)):
        drawn = [pts for colour, w, _, pts in lines if w == line_width and len(pts) > 2]
        assert len(drawn) == len(b.curves)
        for curve, points in zip(b.curves, drawn):
            values = getattr(curve, style)
            assert len(points) == len(values)
            for t, (value, (x, y)) in enumerate(zip(values, points), 1):
                assert abs(x - (xa + xb * t)) < HALF_PIXEL
                assert abs(y - (ya + yb * math.log10(value))) < HALF_PIXEL


def test_curve_colours_and_styles():
    lines, _ = _svg(figures(result("tanh", "pascanu"))[".svg"])
    curves = [(colour, w, opacity) for colour, w, opacity, pts in lines if len(pts) > 2 and colour != "#000000"]
    assert curves == [(c, 6.0, 0.25) for c in COLOURS] + [(c, 1.6, 1.0) for c in COLOURS]


# The layout for any data: hypothesis draws curves across up to 300 decades, with zeros and
# infinities (a log axis breaks the line there).

value = st.one_of(st.floats(1e-300, 1e300), st.sampled_from([0.0, math.inf]))


@st.composite
def fake_bptt(draw):
    steps = draw(st.integers(2, 200))
    curve = lambda scale: SimpleNamespace(  # noqa: E731
        scale=scale, norms=tuple(draw(st.lists(value, min_size=steps, max_size=steps))),
        bounds=tuple(draw(st.lists(st.floats(1e-300, 1e300), min_size=steps, max_size=steps))))
    return SimpleNamespace(curves=tuple(curve(s) for s in (0.9, 1.0, 1.1)), derivation=SimpleNamespace(
        activation=SimpleNamespace(name="identity"), recurrence=SimpleNamespace(form="row-elman")))


def _box(item: Text):
    """(left, right) of a horizontal text by Helvetica's widths."""
    w = width(item.runs)
    left = item.x - w * {"start": 0, "middle": 0.5, "end": 1}[item.anchor]
    return left, left + w


@given(fake_bptt())
def test_layout_for_any_data(b):
    page, axes = drawing(b)
    curves = [i for i in page.items if isinstance(i, Line) and len(i.points) > 2 and not i.closed]
    for line in curves:
        assert all(axes.left < x < axes.right and axes.top < y < axes.bottom for x, y in line.points)
    for item in page.items:
        if isinstance(item, Line):
            assert all(0 <= x <= page.width and 0 <= y <= page.height for x, y in item.points)
        elif item.angle == 0:
            left, right = _box(item)
            assert 0 <= left and right <= page.width and 0 < item.y <= page.height
    texts = [i for i in page.items if isinstance(i, Text)]
    y_labels = sorted((i for i in texts if i.anchor == "end"), key=lambda i: i.y)
    exponents = [int(i.runs[1].text.replace("−", "-")) for i in y_labels]
    assert 2 <= len(y_labels) <= MAX_LABELS and exponents == sorted(exponents, reverse=True)
    assert all(b.y - a.y > TICK for a, b in zip(y_labels, y_labels[1:]))  # a line of text apart
    assert all(_box(i)[1] <= axes.left - TICK_LENGTH for i in y_labels)
    x_labels = [i for i in texts if i.anchor == "middle" and i.runs[0].text.isdigit()]
    assert 2 <= len(x_labels) <= MAX_LABELS
    assert all(_box(a)[1] + TICK < _box(b)[0] for a, b in zip(x_labels, x_labels[1:]))


def test_embedded_figure_round_trips_through_the_cache(tmp_path):
    from symbptt.embed import report

    first = report("bptt -r row --plot", start=tmp_path, cache=tmp_path / "cache")
    again = report("bptt -r row --plot", start=tmp_path, cache=tmp_path / "cache")
    assert first == again and first.figure_name.endswith("-figure.svg")
    assert f"( {first.figure_name} )" in first.markdown
    assert first.figure.startswith(b"<?xml") and first.figure_pdf.startswith(b"%PDF-1.4")


def test_the_legend_speaks_the_reports_notation(tmp_path, capsys):
    """With -N state=h -N input=x (CS224n, d2l), the legend said ‖∂x_t/∂x_k‖₂, x being the
    input there; it names the report's state and step now, in the SVG the report embeds."""
    from .conftest import run_cli

    out = tmp_path / "b.md"
    code, _, err = run_cli(capsys, "bptt", "-r", "elman", "-N", "state=h", "-N", "input=x", "-N", "time=s",
                           "--no-config", "-o", str(out), "--plot")
    assert code == 0, err
    svg = (tmp_path / "b-figure.svg").read_text(encoding="utf-8")
    texts = ["".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    legend = [t for t in texts if t.startswith("γλ")]
    assert legend and all("‖∂hs/∂hk‖2" in t for t in legend), legend
    assert not any("∂x" in t for t in texts) and any(t.startswith("s − k") for t in texts)
