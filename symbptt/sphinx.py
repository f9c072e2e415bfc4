"""A Sphinx extension: the ``symbptt`` directive puts a report into a page, math as math.

In reStructuredText::

    .. symbptt:: derive -a tanh --layout numerator

and in MyST Markdown (myst-parser)::

    ```{symbptt} check "W^T diag(sigma'(x))" --expect denominator
    ```

The argument is the command line's, parsed by its own parser (`symbptt.embed`); the report
is the Markdown the command writes, turned into docutils nodes here: display math becomes
``math_block`` and inline math ``math`` nodes, so Sphinx's MathJax (or KaTeX, or LaTeX)
renders them; headings become rubrics, so a report never adds sections to the page's table
of contents. ``bptt --plot`` adds its figure. Results are cached by content hash in the
build's doctree folder. A bad argument string, or ``--expect`` refuted, is a warning with the
page and line (``sphinx-build -W`` fails on it) and a visible error in the page.

Add ``"symbptt.sphinx"`` to ``extensions`` in ``conf.py``. Needs myst-parser only for
Markdown pages; the Markdown of reports is read with markdown-it-py (a myst-parser
dependency).
"""

from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import __version__
from .errors import SymbpttError

logger = logging.getLogger(__name__)

#: The cache's folder inside Sphinx's doctree folder (owned by this build, never shared).
CACHE_FOLDER = "symbptt"


class SymbpttDirective(SphinxDirective):
    """``.. symbptt:: COMMAND [OPTIONS]``: the report of ``symbptt COMMAND [OPTIONS]``.

    The argument may continue in the directive's body (its lines are joined with spaces),
    for long ``check`` formulas.
    """

    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        arguments = " ".join([self.arguments[0], *(line.strip() for line in self.content)]).strip()
        source = Path(self.env.doc2path(self.env.docname))
        cache = Path(self.env.app.doctreedir) / CACHE_FOLDER
        from .embed import report

        try:
            embedded = report(arguments, start=source.parent, cache=cache)
        except SymbpttError as exc:
            return self._error(f"symbptt {arguments}: {exc}")
        figures = {}
        if embedded.figure is not None:
            # Both files, and the image as NAME.*: Sphinx picks the SVG for HTML, the PDF for LaTeX.
            path = cache / embedded.figure_name
            for data, file in ((embedded.figure, path), (embedded.figure_pdf, path.with_suffix(".pdf"))):
                if not file.is_file() or file.read_bytes() != data:
                    _write(file, data)
                self.env.note_dependency(str(file))
            figures[embedded.figure_name] = Path(os.path.relpath(path, source.parent)).with_suffix(".*").as_posix()
        container = nodes.container(classes=["symbptt"])
        container += Converter(self.env.docname, figures).children(_tree(embedded.markdown))
        result: list[nodes.Node] = [container]
        if embedded.expect_failed:
            result += self._error(f"symbptt {arguments}: {embedded.expect_failed}")
        return result

    def _error(self, message: str) -> list[nodes.Node]:
        """A warning naming the page and line (-W makes it fatal), and the error in the page."""
        logger.warning(message, location=self.get_location(), type="symbptt", subtype="error")
        return [nodes.literal_block(message, message, classes=["symbptt-error"])]


def _tree(markdown: str):
    from .embed import markdown_tree

    return markdown_tree(markdown)


def _write(path: Path, data: bytes) -> None:
    """Atomically: a parallel build may read the figure meanwhile."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _blank(words: list[nodes.Node]) -> bool:
    """Only line breaks and spaces: what is left of a paragraph around its display math."""
    return all(isinstance(w, (nodes.Text, nodes.raw)) and not w.astext().strip() for w in words)


class Converter:
    """markdown-it's syntax tree of a report → docutils nodes. Prints nothing of its own:
    every formula is the report's LaTeX, every word the report's text."""

    def __init__(self, docname: str, figures: dict[str, str]):
        self.docname, self.figures = docname, figures

    def children(self, node) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for child in node.children:
            out.extend(self.convert(child))
        return out

    def convert(self, node) -> list[nodes.Node]:
        method = getattr(self, "_" + node.type, None)
        if method is None:
            raise SymbpttError(f"a report's Markdown has a {node.type!r} node the directive "
                               "cannot place (a bug: please report it)")
        return method(node)

    # Blocks
    def _heading(self, node):
        return [nodes.rubric("", "", *self.children(node), classes=[f"symbptt-{node.tag}"])]

    def _paragraph(self, node):
        """A paragraph; display math written inside it (``$$…$$`` with no blank line around)
        becomes a display block between the paragraph's parts."""
        out, words = [], []
        for child in (c for inline in node.children for c in inline.children):
            if child.type != "math_inline_double":
                words.extend(self.convert(child))
                continue
            if not _blank(words):
                out.append(nodes.paragraph("", "", *words))
            words = []
            out.extend(self._math_block(child))
        if not _blank(words):
            out.append(nodes.paragraph("", "", *words))
        return out

    def _inline(self, node):
        return self.children(node)

    def _blockquote(self, node):
        return [nodes.block_quote("", *self.children(node))]

    def _bullet_list(self, node):
        return [nodes.bullet_list("", *self.children(node), bullet="-")]

    def _ordered_list(self, node):
        start = int(node.attrs.get("start", 1) or 1)
        listing = nodes.enumerated_list("", *self.children(node), enumtype="arabic",
                                        prefix="", suffix=".")
        if start != 1:
            listing["start"] = start
        return [listing]

    def _list_item(self, node):
        return [nodes.list_item("", *self.children(node))]

    def _math_block(self, node):
        latex = node.content.strip()
        return [nodes.math_block(latex, latex, docname=self.docname, number=None, label=None,
                                 nowrap=False)]

    def _fence(self, node):
        return [nodes.literal_block(node.content, node.content)]

    _code_block = _fence

    def _hr(self, node):
        return []  # a transition cannot stand inside a directive's container

    def _table(self, node):
        rows = [row for part in node.children for row in part.children]
        columns = max(len(row.children) for row in rows)
        group = nodes.tgroup(cols=columns)
        group += [nodes.colspec(colwidth=1) for _ in range(columns)]
        for part in node.children:
            section = nodes.thead() if part.type == "thead" else nodes.tbody()
            for row in part.children:
                line = nodes.row()
                for cell in row.children:
                    line += nodes.entry("", nodes.paragraph("", "", *self.children(cell)))
                section += line
            group += section
        return [nodes.table("", group)]

    # Inline
    def _text(self, node):
        return [nodes.Text(node.content)]

    def _softbreak(self, node):
        return [nodes.Text("\n")]

    def _hardbreak(self, node):
        return [nodes.raw("", "<br />", format="html"), nodes.Text("\n")]

    def _strong(self, node):
        return [nodes.strong("", "", *self.children(node))]

    def _em(self, node):
        return [nodes.emphasis("", "", *self.children(node))]

    def _code_inline(self, node):
        return [nodes.literal(node.content, node.content)]

    def _math_inline(self, node):
        return [nodes.math(node.content, node.content)]


    def _link(self, node):
        return [nodes.reference("", "", *self.children(node), refuri=node.attrs["href"])]

    def _image(self, node):
        src = node.attrs["src"]
        alt = "".join(child.content for child in node.children) or node.attrs.get("alt", "")
        if src not in self.figures:
            raise SymbpttError(f"a report refers to an image it did not make: {src!r}")
        return [nodes.image(uri=self.figures[src], alt=alt)]


def setup(app):
    """Register the directive; results are cached per build, so parallel reads are safe."""
    app.add_directive("symbptt", SymbpttDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
