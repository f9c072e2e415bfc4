"""Finding claims in math for `lint`: equations about ∂(state at t)/∂(state at t−1), products
over steps and backward recursions, as formulas for `check` (never evaluated), and claims
written across inline spans of one line."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, replace

from .scan import Span

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
    typo: tuple | None = None  # (as written, as read): a name that cannot be there, read as the state
    between: str | None = None  # the gradient printed between the factors of `formula`'s matrix
    product: tuple | None = None  # (factors ((text, step), …), state, the product at two steps as text)
    cross: bool = False  # a block ∂v_t/∂s_{t-1} between two of a gated cell's names
    transposed: bool = False  # the derivative on the left is transposed: `formula` is its right side transposed


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
    r"|(?:\\partial|∂)\s*(\S+?)\s*/\s*(?:\\partial|∂)\s*((?:[^\s=()\[\]]|\([^\s=()]*\)|\[[^\s=\[\]]*\])+)"
    r"|\\nabla\s*_\s*" + _GROUP + r"\s*((?:\\[A-Za-z]+\s*\{[^{}]*\}|\\?[A-Za-z])(?:_\{[^{}]*\}|_[A-Za-z0-9])?)")
_DELTA = re.compile(r"(?:\\(?:boldsymbol|mathbf|bm)\s*\{\s*)?(?:\\delta|δ)\s*\}?"
                    r"(?:\s*[_^]\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|[A-Za-z0-9]))*")
_LOSS = re.compile(r"\\mathcal\s*\{?\s*[LEJ]|\\ell|ℓ|[LEJC]|\\mathscr\s*\{?\s*[LE]|l(?![A-Za-z])")


#: A gate named as deeplearning.ai's course does, Γ_f: its subscript is part of its name.
_GAMMA = re.compile(r"\s*(?:\\Gamma(?![A-Za-z])|Γ)\s*_\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z]))")


def _base(text: str) -> str | None:
    """The name a derivative is of or by: h for \\mathbf{h}_{t-1}, x for x^{(t)}, Gamma_f
    for \\Gamma_f^{\\langle t \\rangle} (a cell's alias, `Cell.aliases`)."""
    g = _GAMMA.match(text)
    if g:
        return f"Gamma_{g.group(1) or g.group(2)}"
    m = re.match(r"\s*" + _BASE, text)
    return m.group(1) if m else None


def _index(text: str) -> str:
    """The time index of h_{t-1}, h^{(t)}, \\mathbf{h}_t, h^{\\langle t-1 \\rangle},
    \\Gamma_f^{\\langle t \\rangle}: the rest after the base name."""
    g = _GAMMA.match(text)
    m = re.match(r"\s*" + _BASE + r"\s*\}?(.*)$", text, re.S)
    rest = text[g.end():] if g else m.group(2) if m else text
    return re.sub(r"[\s{}()^_<>⟨⟩]|\\left|\\right|\\[lr]angle(?![A-Za-z])", "", rest)


def _step(index: str) -> tuple[str, int] | None:
    """t-1 → ("t", -1), (t) → ("t", 0), k+1 → ("k", 1); None for anything else."""
    m = re.fullmatch(r"([A-Za-z])?([+\-−]\d+)?", index.replace("−", "-"))
    if not m or not (m.group(1) or m.group(2)):
        return None
    return m.group(1) or "", int(m.group(2) or 0)


@dataclass(frozen=True)
class _Derivative:
    """A derivative claim's span in the math text, its numerator and denominator."""

    start: int
    end: int
    num: str
    den: str
    extra: frozenset = frozenset()  # the declared cell's other names of its states (a for h)

    @property
    def jacobian(self) -> bool:
        """∂(state)/∂(state): the same name at two different steps."""
        a, b = _base(self.num), _base(self.den)
        return a is not None and a == b and _index(self.num) != _index(self.den)

    @property
    def block(self) -> bool:
        """∂v_t/∂s_{t-1} for two different names of a gated cell (∂h_t/∂c_{t-1}, ∂f_t/∂h_{t-1}):
        a block of that cell's Jacobian, judged where the document declares the cell. Other
        pairs (an RNN's ∂a_t/∂h_{t-1}) are steps of the chain rule, not claims."""
        a, b = _base(self.num), _base(self.den)
        # ∂f/∂h_{t-1}, ∂Γ_f/∂h_{t-1}: a name without a time index is at t, as `check` reads it
        untimed = _index(self.num) == "" and (_step(_index(self.den)) or ("", 0))[1] == -1
        return (a is not None and b is not None and a != b and (self.one_step or untimed) and not self.gradient
                and {a, b} <= _cell_names() | self.extra)

    @property
    def one_step(self) -> bool:
        """Whether the two time indices are one step apart: t and t-1, k+1 and k."""
        a, b = _step(_index(self.num)), _step(_index(self.den))
        return a is not None and b is not None and a[0] == b[0] and a[1] - b[1] == 1

    @property
    def gradient(self) -> bool:
        """∂(loss)/∂(state): a gradient vector."""
        return bool(_LOSS.match(self.num.strip())) and _base(self.den) not in (None, _base(self.num))


@functools.cache
def _cell_names() -> frozenset:
    """The names the library's gated cells define: h, c and their gates (f, i, o, g, z, r, n),
    and the gates' other names (Gamma_f, Gamma_u, …: `Cell.aliases`)."""
    from ..cells import CELLS

    return frozenset().union(*(_names_of(cell) - _state_aliases(cell) for cell in CELLS.values()))


def _state_aliases(cell) -> frozenset:
    """A declared cell's other names of its states (deeplearning.ai's a for h): names only where
    the cell is declared, since in an RNN's notes ∂a_t/∂h_{t-1} is a step of the chain rule."""
    return frozenset(alias for alias, target in cell.aliases if target in cell.states) if cell else frozenset()


def _names_of(cell) -> frozenset:
    """Every name a formula may give one of `cell`'s quantities."""
    return frozenset({lhs.name.split("@")[0] for lhs, _ in cell.equations} | set(cell.states)
                     | {alias for alias, _ in cell.aliases})


def _unread_why(d: "_Derivative", cell) -> str:
    """Why a derivative claimed equal to a matrix, under a declared gated cell, is not judged."""
    from ..cell_claim import gamma_names, shown_label

    a, b = _base(d.num), _base(d.den)
    shown = lambda n: shown_label(n.lstrip("\\"))  # noqa: E731
    if a is None or b is None:
        return f"the derivative {_frac(d)} names no quantity lint reads"
    unknown = [n for n in dict.fromkeys((a, b)) if n not in _names_of(cell)]
    if unknown and all(n.startswith("Gamma_") for n in unknown):
        return f"{' and '.join(map(shown, unknown))} is not a gate of {cell.key} ({gamma_names(cell)})"
    if unknown:
        return (f"{' and '.join(map(shown, unknown))} {'is' if len(unknown) == 1 else 'are'} no name of "
                f"{cell.key} (its states {', '.join(cell.states)}, its gates and their Γ names)")
    return (f"the derivative of {shown(a)} by {shown(b)} is no block ∂v_t/∂s_{{t-1}} of {cell.key} by a previous "
            f"state ({', '.join(s + '_{t-1}' for s in cell.states)}): lint judges those only")


def _frac(d: _Derivative) -> str:
    return f"\\frac{{\\partial {d.num}}}{{\\partial {d.den}}}"


def _derivatives(text: str, extra: frozenset = frozenset()) -> list[_Derivative]:
    out = []
    for m in _DERIVATIVE.finditer(text):
        if m.group(1) is not None:
            num, den = m.group(1), m.group(2)
        elif m.group(3) is not None:
            num, den = m.group(3), m.group(4)
        else:
            den, num = m.group(5), m.group(6)
        out.append(_Derivative(m.start(), m.end(), num.strip(), den.strip(), extra))
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


def claims(body: str, offset: int, cell=None) -> list[Claim]:
    """The claims in one math span (text `body` starting at `offset` in the document); `cell`:
    the gated cell the document declares there, if any."""
    return [replace(c, offset=c.offset + offset) if offset else c for c in _claims(body, cell)]


@functools.lru_cache(maxsize=1024)
def _claims(body: str, cell) -> tuple[Claim, ...]:
    """`claims` at offset 0, kept per span text: notes repeat their formulas (a file with the
    same display 10,000 times spent most of its time here, not in `check`)."""
    # A matrix written entry by entry is one placeholder of the same length: its rows (\\\\) and
    # columns (&) are not the formula's. One of derivatives (∂h_{t,i}/∂h_{t-1,j}) stays: it
    # restates the chain rule, never a claim.
    body = _EXPLICIT.sub(lambda m: m.group(0) if re.search(r"\\partial|∂|\\nabla", m.group(0)) else
                         _ENTRYWISE + " " * (len(m.group(0)) - len(_ENTRYWISE)), body)
    clean = _NOISE.sub(lambda m: " " * len(m.group(0)), body)
    rows = _split_top(clean, re.compile(r"\\\\(?:\[[^\]]*\])?"))
    # The row breaks as spaces (same length): a side written over several rows is one text.
    joined = list(clean)
    for (_, end, _), (start, _, _) in zip(rows, rows[1:]):
        joined[end:start] = " " * (start - end)
    joined = "".join(joined)
    chains: list[list[tuple[int, int]]] = []
    for row_start, row_end, _ in rows:
        row = clean[row_start:row_end]
        pieces = [(row_start + s, row_start + e, sep) for s, e, sep in _split_top(row, _RELATIONS)]
        starts_with_relation = not row[:pieces[0][1] - row_start].strip() and len(pieces) > 1
        if chains and len(pieces) == 1 and row.strip():  # "&\quad + …": the last side goes on
            last_start, _, sep = chains[-1][-1]
            chains[-1][-1] = (last_start, row_end, sep)
            continue
        sides: list[tuple[int, int, str]] = []
        if chains and starts_with_relation:
            sides = chains[-1]
            pieces = pieces[1:]
        sides = list(sides) + pieces
        if chains and starts_with_relation:
            chains[-1] = sides
        else:
            chains.append(sides)
    found = []
    for sides in chains:
        found.extend(_chain_claims(joined, sides, 0, cell))
    return tuple(found)


#: A matrix written entry by entry (\\begin{bmatrix}…\\end{bmatrix}), and what stands for it.
_EXPLICIT = re.compile(r"\\begin\s*\{([pbBvV]?matrix|array|smallmatrix)\*?\}.*?\\end\s*\{\1\*?\}", re.S)
_ENTRYWISE = "\\ENTRYWISE"

#: Around a derivative on the left, what makes it a statement about another matrix: its
#: transpose ((∂h_t/∂h_{t-1})^T), or the layout it is in (symbptt's own report notation,
#: (∂h_t/∂h_{t-1})_{\!\mathrm{den}}); a norm, absolute value, determinant or trace makes it a number.
_TRANSPOSE_MARK = re.compile(r"\^\s*\{?\s*(?:T|\\top|\\intercal|\\(?:mathsf|mathrm|text|textsf)\s*\{\s*T\s*\}|⊤|ᵀ)"
                             r"\s*\}?(?![A-Za-z])|ᵀ|⊤")
_LAYOUT_MARK = re.compile(r"_\s*\{?\s*(?:\\[!,;]\s*)*(?:\\(?:mathrm|text|textrm|textsf|mathsf|rm)\s*\{\s*(den|num)\s*\}"
                          r"|(den|num)(?![A-Za-z]))\s*\}?")
_OPENING = re.compile(r"(?:\\left\s*|\\[bB]igg?l?\s*)?[(\[]\s*$")
_CLOSING = re.compile(r"\s*(?:\\right\s*|\\[bB]igg?r?\s*)?[)\]]")
_ENTRY = re.compile(r"\s*_\s*(?:\{\s*\d+\s*(?:,\s*\d+\s*)?\}|\d\d?)\s*$")
_SCALAR = re.compile(r"(?:\\left\s*)?(?:\\\||\\[lr]?Vert|\\[lr]?vert|‖|\|)|\\det(?![A-Za-z])|"
                     r"\\(?:operatorname|mathrm|text)\s*\{\s*(?:tr|det|Tr|trace)\s*\}|\\rho(?![A-Za-z])")


def _marks(text: str, d: "_Derivative") -> tuple[bool, str | None] | None:
    """How a side holding derivative `d` states it: (transposed, layout marked or None); None
    when the side is a number made of it (a norm, |…|, det, tr, an entry [J]_{12}: no claim
    about the matrix).
    A side with anything else around the derivative is read as before: (False, None)."""
    before, after = text[:d.start], text[d.end:]
    if _SCALAR.search(before):
        return None
    opened = _OPENING.search(before)
    if opened:
        closed = _CLOSING.match(after)
        if not closed or before[:opened.start()].strip():
            return False, None
        after = after[closed.end():]
        if _ENTRY.match(after):  # [∂h_t/∂c_{t-1}]_{12} = 0: one entry, a number
            return None
    elif before.strip():
        return False, None
    transposed, layout = False, None
    while after.strip():
        t, l = _TRANSPOSE_MARK.match(after.lstrip()), _LAYOUT_MARK.match(after.lstrip())
        if t and not transposed:
            transposed, after = True, after.lstrip()[t.end():]
        elif l and layout is None:
            layout, after = "denominator" if "den" in (l.group(1) or l.group(2)) else "numerator", after.lstrip()[l.end():]
        else:
            return False, None
    return transposed, layout


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


def span_claims(text: str, spans: list[Span], cell_at=None) -> list[tuple[tuple[Span, ...], Claim]]:
    """The claims of a text's math spans, each with the spans it is written in.

    A claim written across inline spans of one line, joined by nothing or by "=", "is",
    "equals" only ($∂h_t/∂h_{t-1}$ = $W^T$ $diag(…)$), is read as one formula, but only where no
    span of the run holds a claim of its own: a complete claim is never extended by what
    follows it. `cell_at(opened)`: the gated cell declared where a span opens, or None."""
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
        cell = cell_at(run[0].opened) if cell_at else None
        own = [[(span, c) for c in claims(text[span.start:span.end], span.start, cell)] for span in run]
        if len(run) == 1 or any(own):
            out.extend(((span,), c) for pairs in own for span, c in pairs)
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
        for c in claims(body, 0, cell):
            k = bisect.bisect_right(starts, c.offset) - 1
            at = origins[k] + min(c.offset - starts[k], run[k].end - run[k].start)
            out.append((tuple(run), replace(c, offset=at)))
    return out


def _text_at(clean: str, start: int, end: int) -> tuple[int, str]:
    text = clean[start:end]
    lead = len(text) - len(text.lstrip())
    return start + lead, text.strip().rstrip(".,;").strip()


def _chain_claims(clean: str, sides, offset: int, cell=None) -> list[Claim]:
    out = []
    extra = _state_aliases(cell)
    anchor = None  # (kind, text): "jacobian" with the derivative, or "gradient" with (name, step)
    step = None  # the one-step derivative a product over steps multiplies, once one is written
    span = None  # the derivative over several steps (∂h_t/∂h_{t-k}), once one is written
    for k, (start, end, sep) in enumerate(sides):
        if k and sep != "=":
            anchor = None  # ≤, ≈ … : what follows is not claimed equal
        at, text = _text_at(clean, start, end)
        if not text:
            continue
        ds = _derivatives(text, extra)
        jac = [d for d in ds if d.jacobian or d.block]
        step = next((_frac(d) for d in jac if d.one_step), step)
        span = next((d for d in jac if not d.one_step), span)
        has_partial = bool(re.search(r"\\partial|∂|\\nabla", text))
        if anchor is None or has_partial and anchor[0] != "gradient":
            if jac and (len(ds) == 1 or "\\prod" in text or "∏" in text):
                one = step if step and len(ds) > 1 else (_frac(jac[0]) if jac[0].one_step else None)
                marks = _marks(text, jac[0]) if len(ds) == 1 else (False, None)
                if marks is None:  # ‖∂h_t/∂h_{t-1}‖ = 0.84: a number, no claim about the Jacobian
                    anchor = None
                    continue
                anchor = ("jacobian", one or _frac(jac[0]), one is not None, jac[0].block, marks)
                continue
            grad = _state_gradient(text)
            if grad is not None:
                anchor = ("gradient", grad)
                continue
            if cell is not None and len(ds) == 1 and not ds[0].gradient:
                # under a declared gated cell, a derivative claimed equal to something is a claim:
                # judged when it is a block, else said not judged (SB201), never dropped
                anchor = ("unread", ds[0])
                continue
            if anchor is None:
                continue
        if anchor[0] == "unread":
            if not has_partial:
                out.append(Claim(offset + at, f"{_frac(anchor[1])} = {text}", unread=_unread_why(anchor[1], cell)))
                anchor = None
            continue
        if anchor[0] == "jacobian":
            if any(d.jacobian or d.block for d in ds):
                continue  # a restatement of the chain rule
            matrix, side = _strip_gradient(text)
            if re.search(r"\\partial|∂|\\nabla|\\sum|∑", matrix):
                continue
            transposed, marked = anchor[4]
            if _ENTRYWISE in matrix:
                out.append(Claim(offset + at, f"{anchor[1]} = {text}", unread=(
                    "a matrix written entry by entry (\\begin{bmatrix}…); lint judges matrix expressions "
                    "(W^\\top \\operatorname{diag}(…)), not entries")))
                continue
            written = _written_product(matrix, span) if side is None else None
            if written is not None and (transposed or marked):
                if written.get("expect") and not marked:  # the transpose of a product swaps its layout
                    other = "denominator" if written["expect"] == "numerator" else "numerator"
                    written.update(expect=other, because=(f"{written['because']}; transposed on the left, "
                                                          f"it is right in {other} layout"))
                else:
                    written = dict(formula=written["formula"], unread=(
                        "a product over steps with a transposed or layout-marked derivative on the left; "
                        "write it for the derivative itself"))
            if written is not None:
                out.append(Claim(offset + at, **written))
                continue
            between = _between(text) if side == "inside" else None
            if between is not None:
                matrix, side = between[0], None
            expect = _EXPECT.get(side)
            # ∂h_t/∂h_k = ∏_i J_i: the product's own index fixes the steps of its factor, which
            # check reads without a derivative on the left (one over t − k steps has no index i).
            product = not anchor[2] and re.search(r"\\prod|∏", matrix)
            matrix, typo = _typo(matrix, anchor[1])
            because = ""
            if marked and expect is None:  # (∂h_t/∂h_{t-1})_den = …: the claim states its layout
                expect, because = marked, f"the claim is marked as the {marked}-layout Jacobian"
            if transposed and product:
                out.append(Claim(offset + at, matrix, unread=(
                    "a product over steps with a transposed derivative on the left; write it for the "
                    "derivative itself")))
                continue
            if transposed:  # Jᵀ = M says J = Mᵀ
                matrix = f"\\left({matrix}\\right)^\\top"
            formula = matrix if product else f"{anchor[1]} = {matrix}"
            out.append(Claim(offset + at, formula, expect, side is not None or between is not None,
                             because=because, typo=typo, between=between and between[1], cross=anchor[3],
                             transposed=transposed))
        else:
            name, when = anchor[1]
            for t_start, t_end, sign in _split_top(text, _TERMS):
                t_at, term = _text_at(text, t_start, t_end)
                inner = _state_gradient_in(term)
                if inner is None or inner[1] == when or name and inner[0] and inner[0] != name:
                    continue  # not the gradient of the same state at another step (∂L/∂o_t)
                matrix, side = _strip_gradient(term)
                between = _between(term) if side == "inside" else None
                if between is not None:  # W^T (∇L) diag(…): judged without it, reported as misplaced
                    matrix = between[0]
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
                expect = None if between else _EXPECT[side]
                matrix, typo = _typo(matrix, lhs)
                out.append(Claim(offset + at + t_at, lhs + matrix, expect, True, typo=typo,
                                 between=between and between[1]))
    return out


_GROUP_OPEN = re.compile(r"(?:\\left|\\[Bb]igg?l?)?\s*\($")
_GROUP_CLOSE = re.compile(r"\s*(?:\\right|\\[Bb]igg?r?)?\s*\)")
#: What may follow a gradient for it to stand between two factors: a factor, not ⊙, +, ….
_NOT_A_FACTOR = re.compile(r"\s*(?:\\odot|⊙|\\circ|∘|\\otimes|\*|\+|-|−|=|$)")


def _depth(text: str) -> int:
    text = text.replace("\\{", "").replace("\\}", "")
    return sum(text.count(c) for c in _OPEN) - sum(text.count(c) for c in _CLOSE)


def _between(text: str) -> tuple[str, str] | None:
    """(the matrix without its gradient, the gradient as written) when a gradient stands
    between two factors of a product, as in W^T (∇_{h^{(t+1)}} L) diag(1 − (h^{(t+1)})²):
    a matrix times a column times a matrix is no matrix–vector product. None otherwise (the
    gradient at an end, or inside a group of its own: W^T (δ_t ⊙ σ'(a_t)))."""
    body = text.strip()
    grads = [(d.start, d.end) for d in _derivatives(body) if d.gradient]
    grads += [(m.start(), m.end()) for m in _DELTA.finditer(body) if m.group(0)]
    if len(grads) != 1:
        return None
    start, end = grads[0]
    left, right = body[:start].rstrip(), body[end:]
    opened, closed = _GROUP_OPEN.search(left), _GROUP_CLOSE.match(right)
    if opened and closed:
        left, right = left[:opened.start()], right[closed.end():]
    space = r"(?:\s|\\[,;:! ]|~)*"
    times = space + r"(?:\\cdot|\\times|·)?" + space
    left, right = re.sub(times + "$", "", left), re.sub("^" + times, "", right)
    if not left.strip() or not right.strip(" .,;") or _NOT_A_FACTOR.match(right) or _depth(left):
        return None
    return f"{left.strip()} {right.strip()}", body[start:end].strip()


def _typo(matrix: str, lhs: str) -> tuple[str, tuple | None]:
    """`matrix` with a name that cannot be there read as the state, and (as written, as
    read); None when there is none. The step index itself with a time subscript (j_{j-1}
    where the claim is ∂h_j/∂h_{j-1}) is no value at any step: read as h_{j-1}."""
    ds = [d for d in _derivatives(lhs) if d.jacobian]
    if not ds:
        return matrix, None
    state, now = _base(ds[0].num), _step(_index(ds[0].num))
    if not state or not now or not now[0] or now[0] == state.lstrip("\\"):
        return matrix, None
    letter = now[0]
    pattern = re.compile(r"(?<![A-Za-z\\])" + letter + r"(\s*_\s*(?:\{([^{}]*)\}|([A-Za-z0-9])))")
    for m in pattern.finditer(matrix):
        index = _step(_index("x" + m.group(1)))
        if index is not None and index[0] == letter:
            written = matrix[m.start():m.end()]
            read = state + m.group(1)
            fixed = matrix[:m.start()] + read + matrix[m.end():]
            return fixed, (written.strip(), read.strip())
    return matrix, None


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


def _written_product(matrix: str, span: "_Derivative | None") -> dict | None:
    """The Claim fields (formula, expect, because; product or unread) for a product written
    out factor by factor with an ellipsis (J_t J_{t-1} ⋯ as A(t) * A(t-1) * .. * A(t-k+1)) on
    the right of ∂h_t/∂h_{t-k}; None when `matrix` is no such product.

    The same factor at every step is judged once, as the Jacobian at its first step, and the
    order fixes the layout: the latest step first is numerator layout, last is denominator.
    Factors that differ from step to step (σ'(t) ⋯ σ'(t-k+1) W^k) are judged as the product
    at two steps (k = 2, where the ellipsis closes: σ'(t) σ'(t-1) W²) against ∂h_t/∂h_{t-2};
    a product that has no such instance is reported, not judged."""
    if span is None or not _ELLIPSIS.search(matrix):
        return None
    items = []  # factors, and None where an ellipsis stands
    for s, e, sep in _split_top(matrix, _PRODUCT_SIGNS):
        if _ELLIPSIS.search(sep):
            items.append(None)
        if matrix[s:e].strip():
            items.append(matrix[s:e].strip())
    factors = [p for p in items if p is not None]
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
        return dict(formula=f"{lhs} = {factors[0]}", expect=layout, because=because)
    formula = f"{_frac(span)} = {matrix}"
    two = _at_two_steps(items, span)
    if two is None:
        return dict(formula=formula, unread=(
            "a product written out factor by factor whose factors are not one factor repeated at "
            "each step, and that has no instance over two steps to judge"))
    return dict(formula=formula, product=two)


def _linear(index: str) -> dict | None:
    """t-k+1 → {"t": 1, "k": -1, "": 1}; None for anything that is not a sum of letters and
    whole numbers."""
    text = _time_key(index)
    if not re.fullmatch(r"(?:[+-]?(?:\d+|[A-Za-z]))+", text):
        return None
    out: dict = {}
    for sign, term in re.findall(r"([+-]?)(\d+|[A-Za-z])", text):
        key, value = ("", int(term)) if term.isdigit() else (term, 1)
        out[key] = out.get(key, 0) + (-value if sign == "-" else value)
    return {k: v for k, v in out.items() if v or k == ""}


def _at_two_steps(items: list, span: "_Derivative"):
    """(factors ((text, step), …), state, the product at two steps as written) for a product
    over the steps of ∂h_t/∂h_{t-k} written out (`items`: factors, None for an ellipsis), at
    the k that makes it two steps, or None when it has no such instance.

    Each factor's time indices are moved to the step it sits at (σ'(t-1) is σ' at step t-1:
    σ'(t) read at step t−1; step None: a factor of no step, as W_hh^k, whose k is fixed too)."""
    now, then = _linear(_index(span.num)), _linear(_index(span.den))
    state = _base(span.num)
    if now is None or then is None or not state or [k for k in now if k] == [] or len(now) > 2:
        return None
    t = next(k for k in now if k)
    if now[t] != 1:
        return None
    diff = {k: now.get(k, 0) - then.get(k, 0) for k in {*now, *then}}
    unknown = [k for k, v in diff.items() if k and k != t and v]
    if len(unknown) > 1 or unknown and abs(diff[unknown[0]]) != 1:
        return None
    value: dict = {}  # the unknown letter as a sum over t and a number
    if unknown:
        u, c = unknown[0], diff[unknown[0]]
        value = {k: -v * c for k, v in diff.items() if k != u}
        value[""] = (2 - diff.get("", 0)) * c
    elif diff.get("", 0) != 2 or diff.get(t, 0):
        return None

    def offset(text: str) -> int | None:
        """The step of a time index, relative to t: t-k+1 at k = 2 → −1."""
        terms = _linear(text)
        if terms is None:
            return None
        total = {"": 0, t: 0}
        for k, v in terms.items():
            for k2, v2 in (value.items() if unknown and k == unknown[0] else ((k, 1),)):
                if k2 not in total:
                    return None
                total[k2] += v * v2
        return total[""] if total[t] == 1 else None

    def exponent(text: str) -> int | None:
        terms = _linear(text)
        if terms is None or not unknown or unknown[0] not in terms:
            return None
        total = {"": 0, t: 0}
        for k, v in terms.items():
            for k2, v2 in (value.items() if k == unknown[0] else ((k, 1),)):
                if k2 not in total:
                    return None
                total[k2] += v * v2
        return total[""] if total[t] == 0 and total[""] >= 0 else None

    placed = []  # (text at two steps, step relative to t or None)
    for item in items:
        if item is None:
            placed.append(None)
            continue
        offsets = [offset(m.group(1) or m.group(2)) for m in _TIME.finditer(item)]
        if None in offsets:
            return None
        text = _retime(item, lambda index: _shown_index(t, offset(index)))
        text = re.sub(r"\^\s*(?:\{([^{}()]*)\}|([A-Za-z]))",
                      lambda m: f"^{{{exponent(m.group(1) or m.group(2))}}}"
                      if exponent(m.group(1) or m.group(2)) is not None else m.group(0), text)
        placed.append((text, offsets))
    # An ellipsis repeats the block of factors before it down to the block after it (the
    # same factors, a step apart or more): at k = 2 it closes where the two blocks are the
    # same step (A(t-1) ⋯ A(t-k+1): one block), or stands for nothing where they are a step apart.
    for k, item in enumerate(placed):
        if item is not None:
            continue
        for p in range(1, len(placed)):
            before, after = placed[max(0, k - p):k], placed[k + 1:k + 1 + p]
            if len(before) < p or len(after) < p or any(x is None or x == "same" for x in before + after):
                return None
            if all(_TIME.sub(_time_mark, a[0]) == _TIME.sub(_time_mark, b[0]) for a, b in zip(before, after)) \
                    and any(a[1] for a in before):
                break
        else:
            return None
        apart = {x - y for a, b in zip(before, after) for x, y in zip(a[1], b[1])}
        if apart == {0}:
            placed[k + 1:k + 1 + p] = ["same"] * p
        elif apart != {1}:
            return None
    out = [item for item in placed if item is not None and item != "same"]
    factors = []
    for text, offsets in out:
        if not offsets:
            factors.append((text, None))
            continue
        at = max(min(max(offsets), 0), -1)  # the step the factor is read at: t or t-1
        if any(o - at not in (0, -1) for o in offsets):
            return None
        shifted = _retime(text, lambda index, at=at: _shown_index(t, _linear(index).get("", 0) - at))
        factors.append((shifted, at))
    if not any(step is not None for _, step in factors):
        return None
    return tuple(factors), state, " ".join(text for text, _ in out)


def _shown_index(t: str, offset: int | None) -> str:
    if offset is None:
        raise ValueError
    return t if offset == 0 else f"{t}{offset:+d}"


def _retime(text: str, new) -> str:
    """`text` with each time index replaced by new(index)."""
    out, last = [], 0
    for m in _TIME.finditer(text):
        group = 1 if m.group(1) is not None else 2
        index = new(m.group(group))
        out.append(text[last:m.start(group)])
        out.append(index if group == 1 or len(index) == 1 else f"{{{index}}}")
        last = m.end(group)
    return "".join(out) + text[last:]


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
