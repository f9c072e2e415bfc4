"""The output formats: each one's template pattern, file suffix and one-pass escaping."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError

_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
# Inline prose only: characters that start emphasis, code, links, HTML, math or tables.
_MARKDOWN_ESCAPES = {c: "\\" + c for c in "\\`*_{}[]<>#|$~"}


@dataclass(frozen=True)
class Format:
    """One output format: its template pattern (None for JSON), file suffix and escaper.

    The pattern's ``{kind}`` is the report kind: ``report`` (derive), ``check`` or ``bptt``.
    """

    name: str
    template: str | None
    suffix: str
    escapes: dict

    def escape(self, text: str) -> str:
        """Escape `text` in one pass over its characters (never chained replaces)."""
        return "".join(self.escapes.get(c, c) for c in text)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("markdown", "{kind}.md.j2", ".md", _MARKDOWN_ESCAPES),
        Format("latex", "{kind}.tex.j2", ".tex", _LATEX_ESCAPES),
        Format("latex-fragment", "{kind}-fragment.tex.j2", ".tex", _LATEX_ESCAPES),
        Format("json", None, ".json", {}),
        Format("text", "{kind}.txt.j2", ".txt", {}),
    )
}
#: The formats each command offers.
DERIVE_FORMATS = ("markdown", "latex", "latex-fragment", "json")
CHECK_FORMATS = ("text", "markdown", "latex", "latex-fragment", "json")


def get_format(name: str, offered: tuple[str, ...] = DERIVE_FORMATS) -> Format:
    if name not in offered:
        raise InputError(f"unknown format {name!r}; choose one of: {', '.join(offered)}")
    return FORMATS[name]
