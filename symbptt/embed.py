"""Reports inside other builds (Sphinx, mystmd): the command line's argument string in, the
Markdown report (and its figure) out, cached by content hash; a view, like `cli`.

One argument string everywhere: `derive -a tanh --layout numerator`, `check 'W^T D' --define
…`, `bptt -r elman --plot` is parsed by the CLI's own parser (`cli.parse_embedded`), computed by
the engine and printed by `render`, exactly as the command prints it to a ``.md`` file. Each
builder turns the Markdown into its own nodes (math stays math) through `markdown_tree`.

Options that write files (``-o``, ``--pdf``) or pick another format are refused: the page is
the output. ``--expect LAYOUT`` makes a refuted formula an error, so a course's build fails
when a formula in its notes is wrong. Results are cached under a key made of the argument
string, the notation in force, the templates of ``--template-dir`` and symbptt's version; a
cache is a folder the builder owns (Sphinx's doctree folder, or the user's cache folder).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import InputError

#: Options that write files or choose another output: refused, the page is the output.
REFUSED = {"-o": "-o", "--output": "-o", "--pdf": "--pdf", "-f": "--format", "--format": "--format"}


@dataclass(frozen=True)
class Embedded:
    """A report for a page: its Markdown, its figure (SVG bytes, or None) and the file name
    the Markdown gives that figure, the failed ``--expect`` (a sentence, or None), and the
    same figure as PDF (for builders that take no SVG, such as LaTeX)."""

    markdown: str
    figure: bytes | None = None
    figure_name: str | None = None
    expect_failed: str | None = None
    figure_pdf: bytes | None = None


def split(arguments: str) -> list[str]:
    """The argument string as the shell would split it (quotes, backslashes), never evaluated."""
    try:
        argv = shlex.split(arguments)
    except ValueError as exc:  # an unclosed quote
        raise InputError(f"cannot split the arguments: {exc}") from None
    if not argv:
        raise InputError("no command: write derive, check or bptt and its options")
    for word in argv:
        option = word.split("=", 1)[0]
        if option in REFUSED:
            raise InputError(f"{REFUSED[option]} is not for a page (the page is the output): "
                             "remove it")
    return argv


def _templates_digest(folder: str | None) -> str:
    if not folder or not Path(folder).is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).glob("*.j2")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def report(arguments: str, start: str | Path = ".", cache: str | Path | None = None) -> Embedded:
    """The report the argument string asks for, in Markdown, as `Embedded`.

    `start` is where the notation's config file is looked for (and where ``--config`` and
    ``--template-dir`` are relative to): the page's folder. `cache` is a folder for results;
    None computes every time. Bad arguments raise `InputError` with the CLI's message.
    """
    from .cli import parse_embedded

    argv = split(arguments)
    start = Path(start)
    args = parse_embedded(argv)
    for field in ("config", "template_dir"):
        value = getattr(args, field, None)
        if value and not Path(value).is_absolute():
            setattr(args, field, str(start / value))
    return _cached_or(args, start, arguments, cache)


def _key(args, notation, arguments: str) -> str:
    material = json.dumps([arguments, __version__, repr(notation),
                           _templates_digest(args.template_dir)])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _cached_or(args, start: Path, arguments: str, cache):
    from .cli import result
    from .config import notation as find_notation

    notation = find_notation(args.notation, config=args.config, use_config=not args.no_config,
                             start=start)[0]
    key = _key(args, notation, arguments)
    path = Path(cache) / f"{key}.json" if cache else None
    if path is not None and path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            figure, pdf = (base64.b64decode(stored[k]) if stored[k] else None
                           for k in ("figure", "figure_pdf"))
            return Embedded(stored["markdown"], figure, stored["figure_name"],
                            stored["expect_failed"], pdf)
        except (ValueError, KeyError, OSError):  # an entry of an older version lacks figure_pdf
            pass  # a damaged entry is computed again
    computed, notation = result(args, notation_start=start)
    embedded = _render(args, computed, notation, key)
    if path is not None:
        _store(path, embedded)
    return embedded


def _render(args, computed, notation, key: str) -> Embedded:
    from .cli import render_report

    failed = figure = None
    drawn = {}
    if args.command == "check" and args.expect and not computed.verdict(args.expect).holds:
        failed = (f"--expect {args.expect}: the formula does not hold in {args.expect} "
                  f"layout ({computed.verdict(args.expect).status})")
    if args.command == "bptt" and args.plot:
        from .plot import figures

        figure = f"symbptt-{key[:16]}-figure"
        drawn = figures(computed)
    markdown = render_report(args, computed, "markdown", notation, figure=figure)
    return Embedded(markdown, drawn.get(".svg"), None if figure is None else figure + ".svg", failed,
                    drawn.get(".pdf"))


def _store(path: Path, embedded: Embedded) -> None:
    """Write the cache entry atomically (a parallel build may read it meanwhile)."""
    data = json.dumps({
        "markdown": embedded.markdown, "figure_name": embedded.figure_name,
        **{key: base64.b64encode(data).decode() if data else None
           for key, data in (("figure", embedded.figure), ("figure_pdf", embedded.figure_pdf))},
        "expect_failed": embedded.expect_failed,
    })
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # no cache: the next build computes again


def user_cache() -> Path:
    """The user's cache folder for embedded reports ($XDG_CACHE_HOME/symbptt/embed, else
    ~/.cache/symbptt/embed): a folder of its own, beside any other cache of symbptt's."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "symbptt" / "embed"


def markdown_tree(markdown: str):
    """The report's Markdown as markdown-it's syntax tree, math spans as math nodes (the
    parser and plugins MkDocs and Jupyter use: CommonMark, tables, dollarmath)."""
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    parser = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin, double_inline=True)
    return SyntaxTreeNode(parser.parse(markdown))
