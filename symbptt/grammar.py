"""The formula grammar of `check`: plain text and LaTeX, parsed by lark into a small AST.

User text is never evaluated: it is tokenised and parsed by the grammar below, and only
the AST (names, numbers, operators) goes further. Accepted, among others::

    W^T diag(sigma'(x))        W.T @ diag(sigma'(x))       diag(1 - tanh(x)^2) W^T
    W_{rec}^\\top \\operatorname{diag}\\left(\\sigma'(x_{i-1})\\right)
    \\mathbf{W}^\\intercal \\mathrm{diag}[f'(h_{j-1})]         \\prod_{t \\ge i > k} W^T diag(σ'(x_{i-1}))
    \\frac{\\partial x_t}{\\partial x_{t-1}} = W \\cdot \\operatorname{diag}(\\sigma'(x_{t-1}))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lark

from .errors import InputError

#: Longest formula accepted, in characters.
MAX_LENGTH = 400
#: Largest integer exponent accepted (x^2 yes, x^99999 no).
MAX_EXPONENT = 8

GRAMMAR = r"""
?start: claim
claim: (derivative EQUALS)? sum

derivative: FRAC "{" PARTIAL postfix "}" "{" PARTIAL postfix "}"
          | PARTIAL postfix SLASH PARTIAL postfix

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
    | postfix POWER exponent   -> power
?atom: LPAR sum RPAR
     | "{" sum "}"
     | WRAP sum "}"            -> wrapped
     | NAME                    -> name
     | NUMBER                  -> number
     | PROD unary              -> prod
     | call
call: func PRIME? (POWER exponent)? argument
func: FUNC | WRAP FUNC "}"
argument: LPAR sum RPAR | "{" LPAR sum RPAR "}"
exponent: NUMBER | "{" NUMBER "}"

FUNC.3: /\\operatorname\{(diag|tanh|sigmoid|sigm|relu|ReLU)\}/
      | /\\mathrm\{(diag|tanh|sigmoid|sigm|relu|ReLU)\}/
      | /\\(sigma|tanh|phi|varphi)(?![A-Za-z])/
      | /(diag|tanh|sigmoid|sigm|relu|ReLU|sigma|phi|f|g)(?![A-Za-z0-9])/
      | "σ" | "φ"
TRANSPOSE.4: /\^\{?(T|\\top|\\intercal|\\mathsf\{T\}|\\mathrm\{T\}|\\mathsf T|⊤)\}?(?![A-Za-z])/ | /\.T(?![A-Za-z0-9])/ | "ᵀ"
PRIME.4: "'" | "′" | /\^\{?\\prime\}?/
TIMESUP.4: /\^\{?\([^()]{1,20}\)\}?/
POWER: "^" | "**"
SUBSCRIPT: /_(\{(?:[^{}]|\{[^{}]*\}){1,40}\}|\([^()]{1,20}\)|[A-Za-z0-9]+)/
WRAP.3: /\\(mathbf|boldsymbol|bm|mathrm|mathit|vec|mathsf|bar|hat|operatorname)\{/
PROD.3: /\\prod(_(\{[^{}]{0,40}\}|[^\s{}\\]))?(\^(\{[^{}]{0,40}\}|[^\s{}\\]))?/ | /∏(_(\{[^{}]{0,40}\}|[^\s{}]))?(\^(\{[^{}]{0,40}\}|[^\s{}]))?/
FRAC.3: "\\frac"
PARTIAL.3: "\\partial" | "∂"
NAME: /[A-Za-z]/
NUMBER: /\d{1,6}(\.\d{1,6})?/
LPAR: /\\left\s*[(\[]|\\[bB]igg?l?\s*[(\[]|[(\[]/
RPAR: /\\right\s*[)\]]|\\[bB]igg?r?\s*[)\]]|[)\]]/
MUL.2: "*" | "@" | /\\cdot(?![A-Za-z])/ | "·" | /\\times(?![A-Za-z])/
HADAMARD.3: /\\odot(?![A-Za-z])/ | "⊙" | /\\circ(?![A-Za-z])/ | "∘" | ".*"
PLUS: "+"
MINUS: "-" | "−"
EQUALS: "="
SLASH: "/"
SPACE: /\s+/ | /\\[,;:! ]/ | /\\q?quad(?![A-Za-z])/ | "~"
%ignore SPACE
"""

_PARSER = lark.Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


# --- the AST -------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    pos: int  # 0-based character offset in the input, for error messages


@dataclass(frozen=True)
class Name(Node):
    letter: str
    sub: str = ""
    time: str = ""  # a time index given as a superscript, h^{(t+1)}


@dataclass(frozen=True)
class Number(Node):
    text: str


@dataclass(frozen=True)
class Call(Node):
    func: str  # normalised: diag, tanh, sigmoid, relu, or "sigma" for σ, φ, f, g
    prime: bool
    power: int | None
    arg: Node


@dataclass(frozen=True)
class Unary(Node):
    op: str  # transpose, neg, prod
    arg: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # add, sub, matmul, hadamard, power
    left: Node
    right: Node | int


@dataclass(frozen=True)
class Claim(Node):
    expr: Node
    lhs: str = ""  # the derivative written before "=", if any


_FUNCS = {"diag": "diag", "tanh": "tanh", "sigmoid": "sigmoid", "sigm": "sigmoid",
          "relu": "relu", "ReLU": "relu", "sigma": "sigma", "phi": "sigma", "varphi": "sigma",
          "f": "sigma", "g": "sigma", "σ": "sigma", "φ": "sigma"}
_FUNC_WORD = re.compile(r"(diag|tanh|sigmoid|sigma|sigm|relu|ReLU|varphi|phi|f|g|σ|φ)")


def clean_index(text: str) -> str:
    """A subscript or time index without braces, parentheses, wrappers and spaces."""
    text = re.sub(r"\\(mathrm|text|mathit|operatorname)\s*", "", text)
    return re.sub(r"[\s{}()]", "", text)


class _ToAst(lark.Transformer):
    def claim(self, items):
        if len(items) == 3:
            lhs, _, expr = items
            return Claim(lhs.pos, expr, lhs=lhs.letter)
        return Claim(items[0].pos, items[0])

    def derivative(self, items):
        names = [i for i in items if isinstance(i, Node)]
        text = "∂%s/∂%s" % tuple(_describe(n) for n in names)
        return Name(names[0].pos, text)

    def add(self, items):
        return Binary(items[0].pos, "add", items[0], items[2])

    def sub(self, items):
        return Binary(items[0].pos, "sub", items[0], items[2])

    def matmul(self, items):
        return Binary(items[0].pos, "matmul", items[0], items[-1])

    def hadamard(self, items):
        return Binary(items[0].pos, "hadamard", items[0], items[2])

    def neg(self, items):
        return Unary(items[0].start_pos, "neg", items[1])

    def transpose(self, items):
        return Unary(items[0].pos, "transpose", items[0])

    def subscript(self, items):
        base, token = items
        if not isinstance(base, Name) or base.sub:
            raise InputError(f"a subscript at position {token.start_pos + 1} needs a letter before it")
        return Name(base.pos, base.letter, clean_index(token[1:]), base.time)

    def timesup(self, items):
        base, token = items
        if not isinstance(base, Name):
            raise InputError(f"a time index at position {token.start_pos + 1} needs a name before it")
        return Name(base.pos, base.letter, base.sub, clean_index(token[1:]))

    def power(self, items):
        base, _, exponent = items
        return Binary(base.pos, "power", base, exponent)

    def exponent(self, items):
        token = items[0]
        value = float(token)
        if value != int(value) or not 0 <= value <= MAX_EXPONENT:
            raise InputError(f"exponent {token} at position {token.start_pos + 1}: only whole "
                             f"powers from 0 to {MAX_EXPONENT} are accepted")
        return int(value)

    def wrapped(self, items):
        return items[1]

    def name(self, items):
        return Name(items[0].start_pos, str(items[0]))

    def number(self, items):
        return Number(items[0].start_pos, str(items[0]))

    def prod(self, items):
        return Unary(items[0].start_pos, "prod", items[1])

    def atom(self, items):
        return items[1]

    def argument(self, items):
        return next(i for i in items if isinstance(i, Node))

    def func(self, items):
        return next(i for i in items if i.type == "FUNC")

    def call(self, items):
        token = items[0]
        func = _FUNCS[_FUNC_WORD.search(str(token)).group(1)]
        prime = any(isinstance(i, lark.Token) and i.type == "PRIME" for i in items)
        power = next((i for i in items if isinstance(i, int) and not isinstance(i, bool)), None)
        return Call(token.start_pos, func, prime, power, items[-1])


def _describe(node: Node) -> str:
    if isinstance(node, Name):
        return node.letter + (f"_{{{node.sub}}}" if node.sub else "")
    return "?"


_EXPECTED = {
    "NAME": "a letter", "NUMBER": "a number", "LPAR": "'('", "RPAR": "')'", "FUNC": "a function",
    "WRAP": r"\mathbf{…}", "PROD": r"\prod", "MINUS": "'-'", "PLUS": "'+'", "MUL": "'*'",
    "HADAMARD": "'⊙'", "TRANSPOSE": "^T", "LBRACE": "'{'", "RBRACE": "'}'", "PRIME": "a prime (')",
    "POWER": "'^'", "SUBSCRIPT": "a subscript", "PARTIAL": r"\partial", "EQUALS": "'='",
    "$END": "the end", "SLASH": "'/'", "TIMESUP": "a time index",
}


def parse(text: str) -> Claim:
    """Parse a formula into a `Claim`; raises InputError with the position on bad input."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("the formula is empty; give one such as \"W^T diag(sigma'(x))\"")
    if len(text) > MAX_LENGTH:
        raise InputError(f"the formula has {len(text)} characters; at most {MAX_LENGTH} are accepted")
    try:
        return _ToAst().transform(_PARSER.parse(text))
    except lark.exceptions.VisitError as exc:
        if isinstance(exc.orig_exc, InputError):
            raise exc.orig_exc from None
        raise
    except lark.exceptions.UnexpectedCharacters as exc:
        raise InputError(
            f"unexpected character {text[exc.pos_in_stream]!r} at position {exc.pos_in_stream + 1}"
            f" of {text!r}; {_hint(text[exc.pos_in_stream:])}") from None
    except lark.exceptions.UnexpectedEOF as exc:
        raise InputError(f"the formula {text!r} ends too early; expected "
                         f"{_expected(exc.expected)}") from None
    except lark.exceptions.UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise InputError(f"the formula {text!r} ends too early; expected "
                             f"{_expected(exc.expected)}") from None
        raise InputError(f"unexpected {str(exc.token)!r} at position {exc.token.start_pos + 1} "
                         f"of {text!r}; expected {_expected(exc.expected)}") from None


def _hint(rest: str) -> str:
    if rest.startswith("\\"):
        return "that LaTeX command is not part of the formula language (see README: check)"
    if rest[:1] in "_":
        return "a subscript needs a letter before it"
    return "only names, numbers, functions (diag, tanh, sigma, …) and operators are accepted"


def _expected(terminals) -> str:
    names = sorted({_EXPECTED.get(t, t.lower()) for t in terminals if t != "SPACE"})
    return ", ".join(names[:8]) if names else "more input"
