"""The formula grammar of `check`: plain text and LaTeX, parsed by lark into a small AST.

User text is never evaluated: it is tokenised and parsed by the grammar below, and only
the AST (names, numbers, operators) goes further. Accepted, among others::

    W^T diag(sigma'(x))        W.T @ diag(sigma'(x))       diag(1 - tanh(x)^2) W^T
    W_{rec}^\\top \\operatorname{diag}\\left(\\sigma'(x_{i-1})\\right)
    \\mathbf{W}^\\intercal \\mathrm{diag}[f'(h_{j-1})]         \\prod_{t \\ge i > k} W^T diag(σ'(x_{i-1}))
    \\frac{\\partial x_t}{\\partial x_{t-1}} = W \\cdot \\operatorname{diag}(\\sigma'(x_{t-1}))
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import marshal
import re
import sys
import unicodedata
from dataclasses import dataclass

import lark

from . import cache
from .errors import InputError

#: Longest formula accepted, in characters.
MAX_LENGTH = 400
#: Largest integer exponent accepted (x^2 yes, x^99999 no).
MAX_EXPONENT = 8

GRAMMAR = r"""
?start: claim
claim: (lhs EQUALS)? sum
?lhs: fraction
    | NABLA postfix "}" postfix -> nabla

fraction: FRAC "{" PARTIAL postfix "}" "{" PARTIAL postfix "}"
        | PARTIAL postfix SLASH PARTIAL postfix
        | LPAR PARTIAL postfix SLASH PARTIAL postfix RPAR

?sum: product
    | sum PLUS product    -> add
    | sum MINUS product   -> sub
?product: unary
    | product postfix       -> matmul
    | product MUL unary     -> matmul
    | product HADAMARD unary -> hadamard
?unary: postfix
    | MINUS unary -> neg
?postfix: atom
    | postfix TRANSPOSE        -> transpose
    | postfix PRIME            -> transpose
    | postfix SUBSCRIPT        -> subscript
    | postfix TIMESUP          -> timesup
    | postfix LABELT           -> labelled_transpose
    | postfix POWER exponent   -> power
    | postfix SUPDIGIT         -> power
    | postfix STEPS            -> steps
    | postfix METHOD sum RPAR  -> method
    | postfix COLUMN           -> column
    | postfix ROWARRAY         -> row_array
?atom: LPAR sum RPAR
     | "{" sum "}"
     | WRAP sum "}"            -> wrapped
     | NAME                    -> name
     | ACCENT NAME             -> accented
     | NUMBER                  -> number
     | PROD unary              -> prod
     | PAIR sum COMMA sum RPAR -> pair
     | TRANSPOSECALL sum RPAR  -> transpose_call
     | MACRO                   -> macro
     | GREEK                   -> greek
     | fraction
     | call
call: func SUBSCRIPT? PRIME? (POWER exponent | SUPDIGIT)? argument
    | DOT func (POWER exponent)? argument -> dotcall
    | CODEPRIME sum RPAR -> codeprime
    | SQUARE sum RPAR -> square
func: FUNC | WRAP FUNC "}" | "{" FUNC "}"
argument: LPAR sum RPAR | "{" LPAR sum RPAR "}" | LPAR PLACEHOLDER RPAR
exponent: NUMBER | "{" NUMBER "}"

FUNC.3: /\\(?:operatorname|mathrm|text|textrm|mathit|textit|mathsf|textsf|rm)\s*\{\s*(?:[A-Z]\s*(?=diag))?(?:diag|Diag|tanh|sigmoid|sigm|sgm|relu|ReLU|sech)\s*\}/
      | /\\(?:sigma|tanh|phi|varphi|sech)(?![A-Za-z])/
      | /(?:np\.|numpy\.|torch\.|jnp\.)?(?:diag|Diag|tanh|sigmoid|sigm|sgm|relu|ReLU|sech|sigma|phi)(?![A-Za-z0-9_])/
      | /(?:f|g)(?=\s*\}?\s*(?:\(|'|′|’|\\left|\\prime|\\[bB]igg?l?|\^(?!\s*\{?\s*[(<⟨]|\s*\{?\s*\\langle)))/
      | "σ" | "φ"
      | /H(?=\(|\\left\s*\()/
DOT.4: /\\dot(?![A-Za-z])/
CODEPRIME.4: /(?:[A-Za-z_][A-Za-z0-9_]*\s*\.\s*)*(?:grad|gradient|deriv|derivative|prime)\s*\(/
           | /(?:d(?:tanh|sigmoid|sigma|relu)|(?:tanh|sigmoid|sigma|relu)_?(?:prime|deriv|derivative|grad))\s*\(/
SUPDIGIT.4: /[⁰¹²³⁴⁵⁶⁷⁸⁹]+/
SQUARE.4: /(?:np\.|numpy\.|torch\.|jnp\.)?square\s*\(/
METHOD.4: /\.\s*(?:dot|matmul|mm)\s*\(/
STEPS.5: /\^\s*\{\s*[A-Za-z]\s*[+\-−]\s*[A-Za-z0-9]{1,3}\s*\}/
       | /\^\s*(\{\s*[a-z]\s*\}|[a-z])(?![A-Za-z0-9])/
MACRO.4: /\\(?:[MV][A-Za-z]|m[A-Z]|v[a-z])(?![A-Za-z])/
GREEK.4: /(\\delta(?![A-Za-z])|δ)(\s*\d{1,2}(?![\d.]))?/
NABLA.4: /\\nabla\s*_\s*\{/
SELF.5: /(?<![A-Za-z0-9_])self\s*\./
PAIR.4: /(?:np\.|numpy\.|torch\.|jnp\.)?(?:dot|matmul|mm|multiply)\s*\(/ | /torch\.mul\s*\(/
TRANSPOSE.4: /\^\s*\{?\s*(?:\\[!,;]\s*|\\mkern-?[\d.]+mu\s*)*(?:T|\\top|\\intercal|\\mathsf\s*\{\s*T\s*\}|\\mathrm\s*\{\s*T\s*\}|\\text\s*\{\s*T\s*\}|\\textsf\s*\{\s*T\s*\}|\\mathbf\s*\{\s*T\s*\}|\\mathsf\s+T|\\rm\s+T|\\sf\s+T|⊤|ᵀ)\s*\}?(?![A-Za-z])/
           | /\.T(?![A-Za-z0-9])/ | "ᵀ" | "⊤"
           | /\.\s*(?:t|transpose)\s*\(\s*\)/ | /\.mT(?![A-Za-z0-9_])/
TRANSPOSECALL.4: /(?:np\.|numpy\.|torch\.|jnp\.)(?:transpose|t)\s*\(/
COLUMN.5: /\[\s*:\s*,\s*(?:None|(?:np|numpy|jnp)\.newaxis)\s*\]/ | /\.\s*reshape\s*\(\s*\(?\s*-\s*1\s*,\s*1\s*\)?\s*\)/
        | /\.\s*unsqueeze\s*\(\s*(?:-\s*)?1\s*\)/
ROWARRAY.5: /\[\s*(?:None|(?:np|numpy|jnp)\.newaxis)\s*,\s*:\s*\]/ | /\.\s*reshape\s*\(\s*\(?\s*1\s*,\s*-\s*1\s*\)?\s*\)/
          | /\.\s*unsqueeze\s*\(\s*0\s*\)/
PRIME.4: "'" | "′" | "’" | /\^\s*\{?\s*(?:\\prime|'|′)\s*\}?/
TIMESUP.4: /\^\s*\{?\s*(?:\\left\s*)?(?:\(|\\langle|<|⟨)[^(){}<>⟨⟩]{1,20}?(?:\\right\s*)?(?:\)|\\rangle|>|⟩)\s*\}?/ | /\^\s*\{\s*[A-Za-z]{2,8}\s*\}/
LABELT.5: /\^\s*\{\s*\(?[A-Za-z]{1,10}\)?\s*,?\s*(?:\\top|T|\\intercal|⊤|\\mathsf\s*\{\s*T\s*\})\s*\}/
POWER.3: "**" | "^"
SUBSCRIPT: /_\s*(\\(?:text|textrm|mathrm|mathit|mathbf|rm)\s*\{[^{}]{1,20}\}|\{(?:[^{}]|\{[^{}]*\}){1,40}\}|\([^()]{1,20}\)|[A-Za-z0-9]+|\\[A-Za-z]+)/
         | /[ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ₀₁₂₃₄₅₆₇₈₉₊₋₍₎]+/
         | /(?<=[A-Za-z])(?<!diag)(?<!Diag)\[\s*(?::\s*,\s*)?[A-Za-z_][A-Za-z0-9_]{0,15}\s*(?:[+\-−]\s*\d{1,3}\s*)?\]/
ACCENT.4: /\\(?:tilde|hat|bar|widetilde|widehat)\s+(?=[A-Za-z])/
WRAP.3: /\\(mathbf|boldsymbol|bm|pmb|mathrm|mathit|vec|mathsf|bar|hat|tilde|widetilde|widehat|overline|operatorname|text|textrm|textbf|mathbfit|bf)\s*\{/
PROD.3: /\\prod\s*(\\limits\s*)?(_\s*(\{(?:[^{}]|\{[^{}]*\}){0,40}\}|[^\s{}\\]))?\s*(\^\s*(\{(?:[^{}]|\{[^{}]*\}){0,40}\}|[^\s{}\\]))?/ | /∏(_(\{[^{}]{0,40}\}|[^\s{}]))?(\^(\{[^{}]{0,40}\}|[^\s{}]))?/
FRAC.3: /\\[dt]?frac(?![A-Za-z])/
PARTIAL.3: "\\partial" | "∂" | /\\mathrm\s*\{\s*d\s*\}/ | /d(?=\s+[A-Za-z\\])/
         | /d(?=[A-Za-z]_(?:\{[^{}]{1,12}\}|[A-Za-z0-9]{1,3})\s*\/)/ | /(?<=\/)d(?=[A-Za-z]_)/ | /(?<=\/ )d(?=[A-Za-z]_)/
         | /d(?=[A-Za-z]\s*\/\s*d[A-Za-z\\])/
         | /d(?=\\(?:mathbf|boldsymbol|bm)\s*\{\s*[A-Za-z]\s*\}\s*_(?:\{[^{}]{1,12}\}|[A-Za-z0-9]{1,3})\s*\/)/
         | /(?:(?<=\/)|(?<=\/ ))d(?=\\(?:mathbf|boldsymbol|bm)\s*\{\s*[A-Za-z]\s*\}\s*_)/
PLACEHOLDER.5: /(?:(?<=[(\[{])|(?<=[(\[{]\s)|(?<=\\lbrack)|(?<=\\lparen))(?:\\cdot|\\bullet|\\cdotp|\.|·|•|∙|⋅|\\,|\\ )+(?=\s*(?:\\right|\\[bB]igg?r?)?\s*[)\]])/
NAME: /[A-Za-z][A-Za-z0-9]*/ | /\\Gamma(?![A-Za-z])/ | "Γ"
NUMBER: /\d{1,6}(\.\d{1,6})?/
LPAR: /\\left\s*(?:[(\[]|\\\{|\\lbrack|\\lparen)|\\[bB]igg?l?\s*(?:[(\[]|\\\{)|[(\[]|\\\{/
RPAR: /\\right\s*(?:[)\]]|\\\}|\\rbrack|\\rparen)|\\[bB]igg?r?\s*(?:[)\]]|\\\})|[)\]]|\\\}/
MUL.2: "*" | "@" | /\\cdot(?![A-Za-z])/ | "·" | "⋅" | /\\times(?![A-Za-z])/ | "×" | /\\ast(?![A-Za-z])/ | "∗"
HADAMARD.3: /\\odot(?![A-Za-z])/ | "⊙" | /\\circ(?![A-Za-z])/ | "∘" | ".*" | /\\otimes(?![A-Za-z])/ | "⊗"
PLUS: "+"
MINUS: "-" | "−" | "–"
EQUALS: "="
SLASH: "/"
COMMA: ","
SPACE: /\s+/ | /\\(mathbf|boldsymbol|bm|pmb|mathrm|mathit|vec|bf|rm)\s+(?=[A-Za-z\\])/ | /\\[,;:! >]/ | /\\q?quad(?![A-Za-z])/ | "~" | /\\[mt]?kern-?[\d.]+(mu|em|pt)/ | /\\(displaystyle|textstyle)(?![A-Za-z])/ | /\\(left|right)\./
%ignore SPACE
%ignore SELF
"""

#: The basic lexer: one scanner for every terminal, its regular expression compiled once
#: per process. lark's default, the contextual lexer, compiles one per parser state a
#: formula reaches, 20–50 ms for each formula of a new shape (most of `check`'s parse). The
#: terminals above are told apart by their priorities and lookarounds alone, so the lexer
#: needs no context: both give the same trees (tests/test_spellings.py compares them).
_OPTIONS = dict(parser="lalr", lexer="basic", propagate_positions=True, maybe_placeholders=False)


@functools.cache
def _parser() -> lark.Lark:
    """The LALR parser, built once per process. Building its tables takes longer than
    importing lark, so they are kept in the user's cache (`cache`), keyed by the grammar,
    the options, lark's and Python's versions, as marshal data: plain values, no code, and
    only bytes whose checksum matches are loaded (by lark's `_load_from_dict`, which its
    own cache and standalone parsers use; lark is pinned below 2). Anything unusable is
    built again."""
    settings = (GRAMMAR, sorted(_OPTIONS.items()), lark.__version__, marshal.version, sys.version)
    key = hashlib.sha256(repr(settings).encode()).hexdigest()
    payload = cache.get("grammar.marshal", key)
    if payload is not None:
        try:
            data = marshal.loads(payload)
            return lark.Lark._load_from_dict(data["data"], data["memo"])
        except Exception:  # from an incompatible lark or Python: build the tables again
            pass
    parser = lark.Lark(GRAMMAR, **_OPTIONS)
    try:
        data, memo = parser.memo_serialize([lark.lexer.TerminalDef, lark.grammar.Rule])
        cache.put("grammar.marshal", key, marshal.dumps({"data": data, "memo": memo}))
    except (ValueError, TypeError, AttributeError):  # not marshallable: nothing cached
        pass
    return parser


# --- the AST -------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """A node of a parsed formula, with where it starts in the input."""

    pos: int  # 0-based character offset in the input, for error messages


@dataclass(frozen=True)
class Name(Node):
    """A name as written: its letter, subscript, time index, accent and time bracket."""

    letter: str  # the base name: a letter (h, W) or a code identifier (Whh, hs, net)
    sub: str = ""
    time: str = ""  # a time index given as a superscript, h^{(t+1)}, or a code index, hs[t]
    #: An accent over the letter: "~" (\\tilde), "^" (\\hat) or "-" (\\bar): \\tilde h_t, the
    #: GRU's candidate, is not h_t. `check`'s RNN readings ignore it; a cell's names keep it.
    accent: str = ""
    #: The time superscript's bracket: "(" (Goodfellow's h^{(t)}), "⟨" (deeplearning.ai's a^⟨t⟩,
    #: also written ^{<t>}, ^{\\langle t \\rangle}) or "" (a subscript or code index). It tells
    #: the notation: deeplearning.ai's a is the hidden state, Goodfellow's a the pre-activation.
    bracket: str = ""


@dataclass(frozen=True)
class Number(Node):
    """A number as written (0, 1, 1/2), and a zero's or a one's size annotation."""

    text: str
    #: A zero's or a one's size annotation as written: 0_{n×n} → ("n", "n"), \mathbf{0}_n →
    #: ("n",), the ones vector 1_n → ("n",). Its meaning (a block's shape, a vector's length)
    #: is the reader's to judge (`claim.sized_number`).
    size: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placeholder(Node):
    """The argument of σ'(·): "at the point the recurrence implies"."""


@dataclass(frozen=True)
class Call(Node):
    """A function applied to one argument: diag(v), tanh'(a), σ²(x)."""

    func: str  # normalised: diag, tanh, sigmoid, relu, sech, or "sigma" for σ, φ, f, g
    prime: bool
    power: int | None
    arg: Node
    word: str = ""  # as written, without its wrapper: sigma, phi, f, σ, tanh, …


@dataclass(frozen=True)
class Unary(Node):
    """A transpose, a negation or a product over steps of one operand."""

    op: str  # transpose, neg, prod
    arg: Node


@dataclass(frozen=True)
class Binary(Node):
    """Two operands and their operator; a power's right operand is its integer exponent."""

    op: str  # add, sub, matmul, times (written *), hadamard, power
    left: Node
    right: Node | int
    #: the function of an entrywise product that broadcasts as numpy's * does (np.multiply,
    #: torch.mul): a vector beside a matrix is then read as * reads it; "" for an operator
    broadcast: str = ""


@dataclass(frozen=True)
class Fraction(Node):
    """∂num/∂den: on the left of '=', the derivative claimed; on the right, a Jacobian."""

    num: Node
    den: Node


@dataclass(frozen=True)
class Claim(Node):
    """A whole formula: its right-hand side, the derivative written before "=", if any."""

    expr: Node
    #: The derivative written before "=", as (numerator, denominator): ∂h_t/∂h_{t-1}.
    lhs: tuple[Name, Name] | None = None
    #: Closing parentheses the formula lacked, added at its end.
    closed: int = 0
    #: An equation number pasted from a PDF after the formula, "(10.21)", read as such and
    #: dropped (`EQUATION_NUMBER`); "" when there is none.
    equation_number: str = ""


#: A numeric index right after a name, as code indexes arrays (hs[0], hs[-1]): a fixed step.
_FIXED_INDEX = re.compile(r"(?<=[A-Za-z0-9_])\[\s*[+\-−]?\s*\d+\s*\]")
#: A parenthesised number at the very end, after spacing, such as "    (10.21)" or
#: "\qquad (9.7.3)": the equation number a PDF prints beside the display. A number that
#: starts with 0 (0.5) is a scalar, and one that is not last ((3) W) a factor.
EQUATION_NUMBER = re.compile(r"(?:\s|\\q?quad|\\[,;:]|~)+\(\s*([1-9]\d*(?:\.\d+)*[a-z]?)\s*\)\s*$")


_FUNCS = {"diag": "diag", "Diag": "diag", "tanh": "tanh", "sigmoid": "sigmoid", "sigm": "sigmoid",
          "sgm": "sigmoid", "relu": "relu", "ReLU": "relu", "sech": "sech", "sigma": "sigma",
          "phi": "sigma", "varphi": "sigma", "f": "sigma", "g": "sigma", "σ": "sigma", "φ": "sigma"}
#: A function token without its wrapper (\operatorname{…}, \…, np.…).
_FUNC_WORD = re.compile(r"(?:\\[A-Za-z]+\s*\{\s*|\\|(?:np|numpy|torch|jnp)\.)?(\w+|σ|φ)\s*\}?")
#: Accent commands kept on a name (see `Name.accent`).
_ACCENTS = {"tilde": "~", "widetilde": "~", "hat": "^", "widehat": "^", "bar": "-", "overline": "-"}
_PAIRS = {"dot": "matmul", "matmul": "matmul", "mm": "matmul", "multiply": "hadamard", "mul": "hadamard"}


def clean_index(text: str) -> str:
    """A subscript or time index without braces, brackets, wrappers and spaces."""
    text = re.sub(r"\\(textrm|textbf|textit|text|mathrm|mathit|mathbf|boldsymbol|operatorname|left|"
                  r"right|langle|rangle|rm)\s*", "", text)
    return re.sub(r"[\s{}()\[\]<>⟨⟩]", "", text).replace("−", "-").replace("–", "-")


def _check_exponent(value, pos: int, written: str | None = None) -> int:
    """`value` as a power from 0 to MAX_EXPONENT; a power is bounded as a value, not as digits."""
    if float(value) != int(float(value)) or not 0 <= float(value) <= MAX_EXPONENT:
        what = f"exponent {written}" if written else f"the power {value}"
        raise InputError(f"{what} at position {pos + 1}: only whole powers from 0 to "
                         f"{MAX_EXPONENT} are accepted")
    return int(float(value))


# --- Unicode as PDFs and Wikipedia paste it ---------------------------------------------
# The one place where characters outside ASCII LaTeX are read. Spaces (U+00A0, U+2009, …) are
# the grammar's SPACE (\s matches them); ᵀ, ⊤, ′, ·, ×, ⊙, σ, ∂ are tokens of their own;
# a run of subscripts is one SUBSCRIPT and a run of superscript digits one power (below, in
# the transformer); the Mathematical Alphanumeric Symbols are their plain letters (`plain`).
# NFKC is applied to single characters only: on the whole formula it would turn Wᵀ into the
# name WT, h² into h2 and xₜ into xt.

#: Subscript letters, digits and signs: xₜ₋₁ is x_{t-1}, W_hh may be Wₕₕ (NFKC gives each's letter).
SUBSCRIPTS = "ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ₀₁₂₃₄₅₆₇₈₉₊₋₍₎"
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def _superscript(token) -> int:
    """A run of superscript digits as an exponent: h² is h^2, W¹⁰ is refused as W^10 is."""
    value = int("".join(str(_SUPERSCRIPT_DIGITS.index(c)) for c in str(token)))
    return _check_exponent(value, token.start_pos, str(token))


@functools.cache
def _plain_table() -> dict[int, str]:
    """Bold, italic, sans, script, … letters and digits (U+1D400–U+1D7FF: 𝐖 𝑊 𝑾 𝒉 𝛔 𝟎) and the
    italic h (ℎ, U+210E, which fills that block's gap) → their plain character. One character
    for one, so positions in messages stay those of the formula as typed."""
    table = {}
    for code in [*range(0x1D400, 0x1D800), 0x210E]:
        plain = unicodedata.normalize("NFKC", chr(code))
        if len(plain) == 1 and plain != chr(code):
            table[code] = plain
    return table


def plain(text: str) -> str:
    """`text` with its mathematical alphanumeric letters made plain, character for character."""
    return text.translate(_plain_table())


class _ToAst(lark.Transformer):
    def closed(self, items):
        claim, count = items
        return Claim(claim.pos, claim.expr, claim.lhs, count)

    def claim(self, items):
        if len(items) == 3:
            lhs, _, expr = items
            names = (lhs.num, lhs.den)
            if not all(isinstance(n, Name) for n in names):
                raise InputError(f"the derivative at position {lhs.pos + 1} must be of one "
                                 "state by another, such as \\frac{\\partial h_t}{\\partial h_{t-1}}")
            return Claim(lhs.pos, expr, lhs=names)
        return Claim(items[0].pos, items[0])

    def fraction(self, items):
        num, den = [i for i in items if isinstance(i, Node)]
        return Fraction(num.pos, num, den)

    def nabla(self, items):  # ∇_{h_{t-1}} h_t: the derivative of h_t by h_{t-1}
        token, den, num = items
        return Fraction(token.start_pos, num, den)

    def steps(self, items):  # (Wᵀ)^{T-i}, W^k: a product over steps of one factor
        base, token = items
        if re.fullmatch(r"\^\s*\{?\s*t\s*\}?", str(token)):  # W^t: t steps, or a lower-case transpose
            return Unary(token.start_pos, "power-t", base)
        return Unary(token.start_pos, "steps", base)

    def square(self, items):  # code: np.square(x)
        token, arg, _ = items
        return Binary(arg.pos, "power", arg, 2)

    def method(self, items):  # code: A.dot(B)
        left, token, right, _ = items
        return Binary(left.pos, "matmul", left, right)

    def greek(self, items):  # δ, the backward pass's gradient; δ4 a name of its own
        digits = re.search(r"\d+$", str(items[0]))
        return Name(items[0].start_pos, "delta", digits.group(0) if digits else "")

    def macro(self, items):  # the Deep Learning book's \mW, \vh (its translation's \MW, \Vh): bold W, h
        return Name(items[0].start_pos, str(items[0])[-1])

    def add(self, items):
        return Binary(items[0].pos, "add", items[0], items[2])

    def sub(self, items):
        return Binary(items[0].pos, "sub", items[0], items[2])

    def matmul(self, items):
        # "*" multiplies matrices, but scales a matrix by a vector elementwise, as in code
        times = len(items) == 3 and str(items[1]) in ("*", "∗")
        return Binary(items[0].pos, "times" if times else "matmul", items[0], items[-1])

    def hadamard(self, items):
        return Binary(items[0].pos, "hadamard", items[0], items[2])

    def pair(self, items):
        token, left, _, right, _ = items
        word = re.search(r"(dot|matmul|mm|multiply|mul)", str(token)).group(1)
        op = _PAIRS[word]
        broadcast = re.sub(r"\s*\($", "", str(token)) if op == "hadamard" else ""
        return Binary(token.start_pos, op, left, right, broadcast)

    def neg(self, items):
        return Unary(items[0].start_pos, "neg", items[1])

    def transpose(self, items):
        return Unary(items[0].pos, "transpose", items[0])

    def transpose_call(self, items):  # code: np.transpose(W), torch.t(W)
        token, arg, _ = items
        return Unary(token.start_pos, "transpose", arg)

    def column(self, items):  # code: v[:, None], v.reshape(-1, 1), v.unsqueeze(1): an (n, 1) array
        base, _ = items
        return Unary(base.pos, "column", base)

    def row_array(self, items):  # code: v[None, :], v.reshape(1, -1), v.unsqueeze(0): a (1, n) array
        base, _ = items
        return Unary(base.pos, "row", base)

    def subscript(self, items):
        base, token = items
        if token[0] in SUBSCRIPTS:  # xₜ₋₁: a run of Unicode subscripts is one subscript, x_{t-1}
            token = token.update(value="_{%s}" % unicodedata.normalize("NFKC", str(token)))
        if isinstance(base, Number) and not base.size and float(base.text) in (0, 1) and not token.startswith("["):
            # 0_{n×n}, \mathbf{0}_n, the ones vector 1_n: a size, read where a block or vector is meant
            size, index = zero_size(token[1:]), clean_index(token[1:])
            zero = float(base.text) == 0
            what = "a zero matrix" if zero else "the ones vector"
            if TIME_INDEX.fullmatch(index):  # 0_t, 1_{t-1}: a time index where a size stands
                raise InputError(f"the subscript of {base.text} at position {token.start_pos + 1} is not a size: "
                                 f"{index} is a time index, and {what} has no time step; write {base.text} or "
                                 + ("0_{n\\times n}" if zero else "1_n"))
            if size is None:
                raise InputError(f"the subscript of {base.text} at position {token.start_pos + 1} is not a size: "
                                 + ("a zero matrix's is n×n or n, as in 0_{n\\times n}" if zero else
                                    "the ones vector 1_n has the state's size n; write 1 or 1_n"))
            return Number(base.pos, base.text, size)
        if isinstance(base, Name) and base.sub and re.fullmatch(r"_[A-Za-z0-9]+", str(token)) \
                and re.fullmatch(r"[A-Za-z0-9]+", base.sub):  # code: grad_wrt_state
            return Name(base.pos, base.letter, f"{base.sub}_{token[1:]}", base.time, base.accent, base.bracket)
        if isinstance(base, Unary) and base.op == "transpose" and isinstance(base.arg, Name) \
                and not base.arg.sub and not token.startswith("["):
            # W^\top_{hh}, W^T_{rec}: TeX reads ^a_b as _b^a, so the subscript is the name's
            return Unary(base.pos, "transpose", self.subscript([base.arg, token]))
        if isinstance(base, Unary) and base.op == "transpose" and isinstance(base.arg, Name):
            raise InputError(f"a subscript at position {token.start_pos + 1} follows a transpose whose "
                             "name has a subscript already; write the name's subscript once, as in W_{hh}^T")
        if not isinstance(base, Name) or (base.sub and not token.startswith("[")):
            raise InputError(f"a subscript at position {token.start_pos + 1} needs a letter before it")
        if token.startswith("["):  # code: hs[t], hs[t-1], x[:, t-1]
            return Name(base.pos, base.letter, base.sub, clean_index(token).lstrip(":,"), base.accent)
        return Name(base.pos, base.letter, clean_index(token[1:].lstrip()), base.time, base.accent, base.bracket)

    def timesup(self, items):
        base, token = items
        if not isinstance(base, Name):  # (W^{ll})^{(t-1)}: a shared weight's time label
            return base
        index = clean_index(token.lstrip("^ "))
        if not TIME.fullmatch(index) and not base.sub:  # a label: W^{(rec)}, W^{hh}
            return Name(base.pos, base.letter, index, base.time, base.accent, base.bracket)
        bracket = "⟨" if re.search(r"\\langle|<|⟨", token) else "(" if "(" in token else ""
        return Name(base.pos, base.letter, base.sub, index, base.accent, bracket)

    def labelled_transpose(self, items):  # W^{(rec)\top}: a label and a transpose
        base, token = items
        label = re.match(r"\^\s*\{\s*\(?([A-Za-z]+)", str(token)).group(1)
        named = self.timesup([base, lark.Token("TIMESUP", "^{(%s)}" % label, token.start_pos)])
        return Unary(base.pos, "transpose", named)

    def power(self, items):
        if len(items) == 2:  # x², tanh³
            base, token = items
            items = [base, token, _superscript(token)]
        base, token, exponent = items
        if isinstance(base, Binary) and base.op == "power":  # (x^2)^3 is x^6: bounded as a value
            exponent = _check_exponent(base.right * exponent, base.pos)
            base = base.left
        return Binary(token.start_pos, "power", base, exponent)  # where the power is, for messages

    def exponent(self, items):
        return _check_exponent(str(items[0]), items[0].start_pos, str(items[0]))

    def wrapped(self, items):
        accent = _ACCENTS.get(re.sub(r"\W", "", str(items[0])))
        if accent and isinstance(items[1], Name) and not items[1].accent:  # \tilde{h}_t, \tilde{h_t}
            return dataclasses.replace(items[1], accent=accent)
        return items[1]

    def name(self, items):  # Γ (deeplearning.ai's gates, Γ_f) is the name Gamma, as SymPy prints it
        text = str(items[0])
        return Name(items[0].start_pos, "Gamma" if text in ("\\Gamma", "Γ") else text)

    def accented(self, items):  # \tilde h_t: the accent without braces
        return self.wrapped([items[0], self.name(items[1:])])

    def number(self, items):
        return Number(items[0].start_pos, str(items[0]))

    def prod(self, items):
        return Unary(items[0].start_pos, "prod", items[1])

    def atom(self, items):
        return items[1]

    def argument(self, items):
        for i in items:
            if isinstance(i, Node):
                return i
            if isinstance(i, lark.Token) and i.type == "PLACEHOLDER":
                return Placeholder(i.start_pos)
        raise AssertionError("an argument without a value")  # the grammar never builds one

    def func(self, items):
        return next(i for i in items if isinstance(i, lark.Token) and i.type == "FUNC")

    def _call(self, token, items, prime):
        items = [i for i in items if not (isinstance(i, lark.Token) and i.type == "SUBSCRIPT")]  # σ_l
        digit = next((i for i in items if isinstance(i, lark.Token) and i.type == "SUPDIGIT"), None)
        if digit is not None:
            items = [i for i in items if i is not digit] + [_superscript(digit)]
            items.append(items.pop(-2))  # the argument stays last
        fused = re.search(r"\{\s*([A-Z])\s*diag", str(token))  # \operatorname{Wdiag}: W diag
        word = _FUNC_WORD.fullmatch(re.sub(r"\{\s*[A-Z]\s*(?=diag)", "{", str(token).strip())).group(1)
        power = next((i for i in items if isinstance(i, int) and not isinstance(i, bool)), None)
        if word == "H":  # H(s), the Heaviside step: ReLU's derivative, as the report prints it
            if prime:
                raise InputError(f"H at position {token.start_pos + 1} is the Heaviside step, ReLU's "
                                 "derivative, and takes no prime: write H(a_t) or relu'(a_t)")
            return Call(token.start_pos, "relu", True, power, items[-1], word)
        call = Call(token.start_pos, _FUNCS[word], prime, power, items[-1], word)
        if fused:
            return Binary(token.start_pos, "matmul", Name(token.start_pos, fused.group(1)), call)
        return call

    def call(self, items):
        prime = any(isinstance(i, lark.Token) and i.type == "PRIME" for i in items)
        return self._call(items[0], items, prime)

    def dotcall(self, items):  # \dot\sigma(x): Newton's dot for the derivative
        return self._call(items[1], items[1:], True)

    def codeprime(self, items):  # code: act_fn.grad(x), dtanh(x), sigmoid_prime(x)
        token, arg, _ = items
        word = re.search(r"(tanh|sigmoid|relu)", str(token))
        return Call(token.start_pos, word.group(1) if word else "sigma", True, None, arg)


#: A size annotation: one or two dimensions, each a letter or a number (n, n×n, n,n, 3×3).
_SIZE = re.compile(r"([A-Za-z]|\d{1,4})(?:(?:\\times|×|,)([A-Za-z]|\d{1,4}))?")


def zero_size(text: str) -> tuple[str, ...] | None:
    """The dimensions a zero's subscript gives (`{n \\times n}` → ("n", "n")), or None if it
    gives none (0_t)."""
    match = _SIZE.fullmatch(clean_index(text))
    return tuple(d for d in match.groups() if d) if match else None


#: A time index written where a size could stand (0_t, \mathbf{0}_{t-1}): t, i, j or k and an offset.
TIME_INDEX = re.compile(r"[tijk](?:[+-]\d{1,3})?")


#: A time index: a letter or a step number, and an offset (t, t-1, k+1, 0, 4). Anything else
#: written where a time index could stand, such as W^{(rec)}, is a label.
TIME = re.compile(r"([a-z]|\d{1,4})?([+-]\d+)?")


_EXPECTED = {
    "NAME": "a letter", "NUMBER": "a number", "LPAR": "'('", "RPAR": "')'", "FUNC": "a function",
    "WRAP": r"\mathbf{…}", "PROD": r"\prod", "MINUS": "'-'", "PLUS": "'+'", "MUL": "'*'",
    "HADAMARD": "'⊙'", "TRANSPOSE": "^T", "LBRACE": "'{'", "RBRACE": "'}'", "PRIME": "a prime (')",
    "POWER": "'^'", "SUBSCRIPT": "a subscript", "PARTIAL": r"\partial", "EQUALS": "'='",
    "$END": "the end", "SLASH": "'/'", "TIMESUP": "a time index", "COLUMN": "[:, None]",
    "ROWARRAY": "[None, :]", "TRANSPOSECALL": "np.transpose(",
}


def parse(text: str, max_length: int = MAX_LENGTH) -> Claim:
    """Parse a formula into a `Claim`; raises InputError with the position on bad input."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("the formula is empty; give one such as \"W^T diag(sigma'(x))\"")
    if len(text) > max_length:
        raise InputError(f"the formula has {len(text)} characters; at most {max_length} are accepted")
    if any(ord(c) < 32 and c not in "\t\n\r" or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        bad = next(c for c in text if ord(c) < 32 and c not in "\t\n\r" or 0xD800 <= ord(c) <= 0xDFFF)
        raise InputError(f"the formula contains the control or invalid character U+{ord(bad):04X} "
                         f"at position {text.index(bad) + 1}")
    fixed = _FIXED_INDEX.search(text)
    if fixed:  # min-char-rnn's hs[0], hs[-1]: read as a bracketed factor, it would be a product
        index = "".join(fixed.group(0).split())
        raise InputError(f"the index {index} at position {fixed.start() + 1} "
                         "picks one fixed step of an array; a one-step Jacobian is at steps t and t-1: "
                         "index by t, as hs[t] and hs[t-1]")
    number = EQUATION_NUMBER.search(text)
    if number and text[:number.start()].strip():  # only the last one: W (2) (3) keeps its factor 2
        typed = text[:number.start()]
        return dataclasses.replace(_parse_formula(plain(typed), typed), equation_number=number.group(1))
    return _parse_formula(plain(text), text)


def _parse_formula(text: str, typed: str | None = None) -> Claim:
    """`parse` after its checks of the text as a whole, and its equation number taken off;
    `typed`, the formula as typed (the same length as `text`), is what messages show."""
    typed = text if typed is None else typed
    try:
        try:
            tree = _parse_closing(text)
        except lark.exceptions.UnexpectedInput:
            unclosed = _unclosed_brace(text)
            if unclosed is None:
                raise
            # `\frac{\partial h_t}{\partial h_{t-1} = …`: whatever token the parser meets
            # next, the cause is the brace, and the hint for that token would mislead.
            raise InputError(f"the '{{' at position {unclosed + 1} is never closed, in: {_shown(typed)}") from None
        return _ToAst().transform(tree)
    except lark.exceptions.VisitError as exc:
        if isinstance(exc.orig_exc, InputError):
            raise exc.orig_exc from None
        raise
    except lark.exceptions.UnexpectedCharacters as exc:
        raise InputError(f"{_unexpected(typed, exc.pos_in_stream)}; {_hint(text, exc.pos_in_stream)}") from None
    except lark.exceptions.UnexpectedEOF as exc:
        raise InputError(f"the formula ends too early; expected {_expected(exc.expected)} "
                         f"in: {_shown(typed)}") from None
    except lark.exceptions.UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise InputError(f"the formula ends too early; expected {_expected(exc.expected)} "
                             f"in: {_shown(typed)}") from None
        command = re.match(r"\\([A-Za-z]+)", str(exc.token))
        if exc.token.type == "EQUALS" and _TRANSPOSED_LHS.match(text[:exc.token.start_pos]):
            return _transposed_claim(text, exc.token.start_pos, typed)
        if exc.token.type == "EQUALS":  # dh_prev = W.T @ …: an assignment
            raise InputError(f"{_unexpected(typed, exc.token.start_pos)}; an assignment or equation: paste "
                             "only its right-hand side (a derivative ∂h_t/∂h_{t-1} = … may stand "
                             "on the left)") from None
        if set(exc.expected) == {"PARTIAL"}:  # \frac{1}{2}: a fraction, not a derivative
            raise InputError(f"{_unexpected(typed, exc.token.start_pos)}; {_COMMANDS['frac']}") from None
        if command and command.group(1) in _COMMANDS:
            raise InputError(f"{_unexpected(typed, exc.token.start_pos)}; "
                             f"{_COMMANDS[command.group(1)]}") from None
        raise InputError(f"{_unexpected(typed, exc.token.start_pos)}; expected "
                         f"{_expected(exc.expected)}{_token_hint(exc.token)}") from None


#: A transposed derivative on the left of '=': (∂h_t/∂h_{t-1})^T, \left(\frac{…}{…}\right)^\top, ∂h_t/∂h_{t-1}ᵀ.
_TRANSPOSED_LHS = re.compile(
    r"\s*(?P<open>(?:\\left\s*|\\[bB]igg?l?\s*)?[(\[])?(?P<d>[^=]*?(?:\\partial|∂|\\nabla|/)[^=]*?)"
    r"(?P<close>(?:\\right\s*|\\[bB]igg?r?\s*)?[)\]])?\s*(?P<t>\^\s*\{?\s*(?:T|\\top|\\intercal|"
    r"\\(?:mathsf|mathrm|text|textsf)\s*\{\s*T\s*\})\s*\}?|ᵀ|⊤|\.T)\s*$")


def _transposed_claim(text: str, equals: int, typed: str) -> Claim:
    """`(∂h_t/∂h_{t-1})^T = M`, which claims ∂h_t/∂h_{t-1} = Mᵀ: parsed as that, positions kept
    (the brackets and the transpose on the left are read as spaces)."""
    m = _TRANSPOSED_LHS.match(text[:equals])
    blank = list(text)
    for group in ("open", "close", "t"):
        if m.group(group):
            blank[m.start(group):m.end(group)] = " " * (m.end(group) - m.start(group))
    hint = ("a transposed derivative on the left, (∂h_t/∂h_{t-1})^T = M, is read as ∂h_t/∂h_{t-1} = (M)^T; "
            "write it so, or give the derivative itself")
    if bool(m.group("open")) != bool(m.group("close")):
        raise InputError(f"{_unexpected(typed, equals)}; {hint}")
    try:
        claim = _parse_formula("".join(blank))
    except InputError:
        raise InputError(f"{_unexpected(typed, equals)}; {hint}") from None
    if claim.lhs is None:
        raise InputError(f"{_unexpected(typed, equals)}; {hint}")
    return dataclasses.replace(claim, expr=Unary(claim.expr.pos, "transpose", claim.expr))


def _parse_closing(text: str):
    """The parse tree; a formula that only lacks closing parentheses at its end gets them."""
    try:
        return _parser().parse(text)
    except (lark.exceptions.UnexpectedEOF, lark.exceptions.UnexpectedToken) as exc:
        token = getattr(exc, "token", None)
        if token is not None and token.type != "$END" or "RPAR" not in exc.expected:
            raise
        opened = len(re.findall(r"[(\[]", text)) - len(re.findall(r"[)\]]", text))
        if opened < 1:  # at any depth: the formula's length (MAX_LENGTH) bounds it
            raise
        try:
            tree = _parser().parse(text + ")" * opened)
        except lark.exceptions.LarkError:
            raise exc from None
        return lark.Tree("closed", [tree, opened])


def _unclosed_brace(text: str) -> int | None:
    """The offset of the first `{` that no `}` closes (`\\{` and `\\}` are brackets), or None."""
    opened = []
    for m in re.finditer(r"\\[{}]|[{}]", text):
        if m.group(0) == "{":
            opened.append(m.start())
        elif m.group(0) == "}" and opened:
            opened.pop()
    return opened[0] if opened else None


def _shown(text: str) -> str:
    """The formula as typed, on one line (never repr: backslashes stay single)."""
    return " ".join(text.split())


def _unexpected(text: str, pos: int) -> str:
    word = re.match(r"\\[A-Za-z]+|.", text[pos:], re.S).group(0)
    return f"unexpected '{word}' at position {pos + 1} of: {_shown(text)}"


#: LaTeX commands outside the language, with what to write instead.
_COMMANDS = {
    "frac": r"\frac is only accepted for a derivative (\frac{\partial h_t}{\partial h_{t-1}} = … on the left, "
            r"\frac{\partial \sigma(h)}{\partial h} on the right); a fraction on the right-hand side is not supported",
    "sum": r"\sum on the right-hand side is not supported: write the matrix it sums to",
    "nabla": r"\nabla on the right-hand side is not supported: write only the Jacobian or backward factor",
    "Delta": r"write only the matrix factor",
    "mathbb": r"\mathbb is not supported; write the name without it",
    "diag": r"did you mean \operatorname{diag}?",
    "Diag": r"did you mean \operatorname{diag}?",
    "cosh": r"write \operatorname{sech}^2 or 1 - \tanh^2 for the derivative of tanh",
    "exp": r"\exp is not supported: write the activation by name (\sigma, \tanh)",
    "sqrt": r"\sqrt is not supported",
    "partial": r"a derivative is only accepted on the left of '='",
}


def _hint(text: str, pos: int) -> str:
    rest = text[pos:]
    command = re.match(r"\\([A-Za-z]+)", rest)
    if command:
        return _COMMANDS.get(command.group(1),
                             f"\\{command.group(1)} is not part of the formula language (see docs/check.md, accepted syntax)")
    if rest[:1] == "_":
        return "a subscript needs a letter before it"
    if rest[:1] == "&":
        return "write one formula, without alignment (&)"
    return "only names, numbers, functions (diag, tanh, sigma, …) and operators are accepted"


def _token_hint(token) -> str:
    if token.type == "NAME" and len(token) > 1:
        return (f" (a multi-letter name such as {token} is read as one name only where it has a "
                f"role: write --state {token} for a multi-letter state, or --define {token}=…)")
    return ""


def _expected(terminals) -> str:
    names = sorted({_EXPECTED.get(t, t.lower()) for t in terminals if t != "SPACE"})
    return ", ".join(names[:8]) if names else "more input"
