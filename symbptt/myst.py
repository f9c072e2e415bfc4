"""A mystmd (Jupyter Book 2) executable plugin: the ``symbptt`` directive, as in Sphinx.

mystmd runs a plugin as a program: with no argument it prints the plugin's specification,
with ``--directive symbptt`` it reads the directive (JSON) on stdin and prints the nodes
(MyST's AST, JSON) that replace it. The argument string is the command line's
(`symbptt.embed`); the Markdown report becomes MyST nodes here (math as ``math`` and
``inlineMath``, headings as bold paragraphs so a report adds nothing to the page's outline).
A bad argument string or a refuted ``--expect`` is one line on stderr and exit status 2,
which mystmd reports as an error of the page (``myst build --strict`` fails on it).

In ``myst.yml``::

    project:
      plugins:
        - type: executable
          path: symbptt_plugin.py

where ``symbptt_plugin.py`` is an executable file holding
``#!/usr/bin/env python3`` and ``from symbptt.myst import main; main()``
(see ``examples/mystmd/``). Results are cached in the user's cache folder.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys

from .errors import SymbpttError

PLUGIN = {
    "name": "symbptt",
    "directives": [{
        "name": "symbptt",
        "doc": "A symbptt report: derive, check or bptt with the command line's options.",
        "arg": {"type": "string", "doc": "the command line, e.g. derive -a tanh --layout numerator",
                "required": True},
        "body": {"type": "string", "doc": "more of the command line (joined with spaces)"},
    }],
}


def nodes(arguments: str) -> list[dict]:
    """The MyST nodes of the report the argument string asks for; raises `SymbpttError`."""
    from .embed import markdown_tree, report, user_cache

    embedded = report(arguments, cache=user_cache())
    if embedded.expect_failed:
        raise SymbpttError(embedded.expect_failed)
    figures = {}
    if embedded.figure is not None:
        figures[embedded.figure_name] = ("data:image/svg+xml;base64,"
                                         + base64.b64encode(embedded.figure).decode())
    return _Converter(figures).children(markdown_tree(embedded.markdown))


class _Converter:
    """markdown-it's syntax tree of a report → MyST AST (mdast) nodes; prints nothing of its own."""

    def __init__(self, figures: dict[str, str]):
        self.figures = figures

    def children(self, node) -> list[dict]:
        out: list[dict] = []
        for child in node.children:
            out.extend(self.convert(child))
        return out

    def convert(self, node) -> list[dict]:
        method = getattr(self, "_" + node.type, None)
        if method is None:
            raise SymbpttError(f"a report's Markdown has a {node.type!r} node the plugin cannot "
                               "place (a bug: please report it)")
        return method(node)

    def _heading(self, node):
        return [{"type": "paragraph", "children": [{"type": "strong", "children": self.children(node)}]}]

    def _paragraph(self, node):
        """A paragraph; display math written inside it (``$$…$$`` with no blank line around)
        becomes a display block between the paragraph's parts."""
        out, words = [], []
        for child in (c for inline in node.children for c in inline.children):
            if child.type != "math_inline_double":
                words.extend(self.convert(child))
                continue
            if not _blank(words):
                out.append({"type": "paragraph", "children": words})
            words = []
            out.extend(self._math_block(child))
        if not _blank(words):
            out.append({"type": "paragraph", "children": words})
        return out

    def _inline(self, node):
        return self.children(node)

    def _blockquote(self, node):
        return [{"type": "blockquote", "children": self.children(node)}]

    def _bullet_list(self, node):
        return [{"type": "list", "ordered": False, "spread": False, "children": self.children(node)}]

    def _ordered_list(self, node):
        return [{"type": "list", "ordered": True, "start": int(node.attrs.get("start", 1) or 1),
                 "spread": False, "children": self.children(node)}]

    def _list_item(self, node):
        return [{"type": "listItem", "spread": False, "children": self.children(node)}]

    def _math_block(self, node):
        return [{"type": "math", "value": node.content.strip()}]

    def _fence(self, node):
        return [{"type": "code", "value": node.content.rstrip("\n")}]

    _code_block = _fence

    def _hr(self, node):
        return [{"type": "thematicBreak"}]

    def _table(self, node):
        rows = []
        for part in node.children:
            for row in part.children:
                rows.append({"type": "tableRow", "children": [
                    {"type": "tableCell", **({"header": True} if part.type == "thead" else {}),
                     "children": self.children(cell)} for cell in row.children]})
        return [{"type": "table", "children": rows}]

    def _text(self, node):
        return [{"type": "text", "value": node.content}]

    def _softbreak(self, node):
        return [{"type": "text", "value": "\n"}]

    def _hardbreak(self, node):
        return [{"type": "break"}]

    def _strong(self, node):
        return [{"type": "strong", "children": self.children(node)}]

    def _em(self, node):
        return [{"type": "emphasis", "children": self.children(node)}]

    def _code_inline(self, node):
        return [{"type": "inlineCode", "value": node.content}]

    def _math_inline(self, node):
        return [{"type": "inlineMath", "value": node.content}]

    def _link(self, node):
        return [{"type": "link", "url": node.attrs["href"], "children": self.children(node)}]

    def _image(self, node):
        src = node.attrs["src"]
        if src not in self.figures:
            raise SymbpttError(f"a report refers to an image it did not make: {src!r}")
        alt = "".join(child.content for child in node.children)
        return [{"type": "image", "url": self.figures[src], "alt": alt}]


def _blank(words: list[dict]) -> bool:
    """Only line breaks and spaces: what is left of a paragraph around its display math."""
    return all(w["type"] == "break" or (w["type"] == "text" and not w["value"].strip())
               for w in words)


def main(argv: list[str] | None = None) -> None:
    """The plugin's command line, as mystmd calls it (see the module's docstring)."""
    parser = argparse.ArgumentParser(prog="symbptt-myst-plugin")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--directive")
    group.add_argument("--role")
    group.add_argument("--transform")
    args = parser.parse_args(argv)
    if args.role or args.transform:
        sys.exit(f"symbptt: the plugin has no role or transform ({args.role or args.transform})")
    if not args.directive:
        json.dump(PLUGIN, sys.stdout)
        return
    data = json.load(sys.stdin)
    arguments = " ".join(part for part in (data.get("arg") or "", data.get("body") or "") if part)
    arguments = " ".join(arguments.split("\n"))
    try:
        result = nodes(arguments)
    except SymbpttError as exc:
        line = ((data.get("node") or {}).get("position") or {}).get("start", {}).get("line")
        where = f"line {line}: " if line else ""
        print(f"{where}symbptt {arguments}: {' '.join(str(exc).split())}", file=sys.stderr)
        sys.exit(2)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
