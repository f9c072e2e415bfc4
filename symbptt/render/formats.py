"""The output formats: each one's template pattern, file suffix and one-pass escaping."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError

_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
# Characters pasted from PDFs and used in prose, as pdflatex (utf8, T1-free) can print them;
# anything else outside ASCII is shown by its code point rather than breaking the build.
_LATEX_UNICODE = {
    "σ": r"$\sigma$", "φ": r"$\phi$", "δ": r"$\delta$", "γ": r"$\gamma$", "λ": r"$\lambda$",
    "∂": r"$\partial$", "∇": r"$\nabla$", "⊙": r"$\odot$", "∘": r"$\circ$", "⊗": r"$\otimes$",
    "ᵀ": r"$^{\mathsf{T}}$", "⊤": r"$^{\top}$", "′": "'", "’": "'", "‘": "`", "“": "``", "”": "''",
    "−": "-{}", "–": "--", "—": "---", "-": "-{}", "·": r"$\cdot$", "⋅": r"$\cdot$", "×": r"$\times$",
    "↦": r"$\mapsto$", "→": r"$\to$", "²": r"$^2$", "³": r"$^3$", "∏": r"$\prod$", "∑": r"$\sum$",
    "≤": r"$\le$", "≥": r"$\ge$", "‖": r"$\|$", "…": r"\dots{}", "•": r"$\bullet$",
    "∙": r"$\bullet$", "∗": r"$\ast$", "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,",
    # σ' as one token: the prime inside the math ($\sigma$' set the prime in text)
    "σ'": r"$\sigma'$", "σ′": r"$\sigma'$",
}
#: What `Format.escape` maps as a unit: σ' (see _LATEX_UNICODE), else one character.
_TOKENS = re.compile(r"σ['′]|.", re.S)
# In \texttt, the ASCII characters that LaTeX's OT1 encoding takes from another font (OMS, OML:
# "Font shape OMS/cmtt/m/n undefined") or draws as a rule (\_): typewriter fonts have them in
# their ASCII slots in OT1 and T1 alike, so each is its own character; the {} ends the number
# without eating a following space.
_TT_ESCAPES = {c: "\\char`\\%s{}" % c for c in "\\{}<>|_^~"}
# Inline prose only: characters that start emphasis, code, links, HTML, math or tables.
_MARKDOWN_ESCAPES = {c: "\\" + c for c in "\\`*_{}[]<>#|$~"}


class _LatexEscapes(dict):
    """LaTeX specials and known Unicode mapped; any other non-ASCII character by code point."""

    def __missing__(self, c: str) -> str:
        if c.isascii() or (c.isalpha() and ord(c) < 0x180):  # Latin letters: utf8 inputenc has them
            return c
        return r"\textless{}U+%04X\textgreater{}" % ord(c)

    def get(self, c, default=None):
        return self[c]


_LATEX = _LatexEscapes({**_LATEX_ESCAPES, **_LATEX_UNICODE})
#: User text in \texttt: as prose, but with the typewriter font's own ASCII characters.
LATEX_TT = _LatexEscapes({**_LATEX_ESCAPES, **_LATEX_UNICODE, **_TT_ESCAPES})


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
        return "".join(self.escapes.get(c, c) for c in _TOKENS.findall(text))


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("markdown", "{kind}.md.j2", ".md", _MARKDOWN_ESCAPES),
        Format("latex", "{kind}.tex.j2", ".tex", _LATEX),
        Format("latex-fragment", "{kind}-fragment.tex.j2", ".tex", _LATEX),
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
