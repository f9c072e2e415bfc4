"""Proof steps as data: SymPy objects plus the rule that justifies them, no LaTeX.

A `Step` claims ``lhs = rhs``; a `Route` is an ordered list of steps ending in a result.
Prose that mentions mathematics holds it as SymPy objects in named slots (`Prose`), so the
one printer renders every formula, in text and in displays alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .layout import Layout

#: Rule key → how a report names it. A step's rule must be one of these.
RULES: dict[str, str] = {
    "definition": "definition",
    "recurrence": "substitute the recurrence",
    "component": "the recurrence, row i",
    "sum": "sum rule (linearity)",
    "constant": "independent of the variable",
    "chain": "chain rule",
    "linear": "derivative of a linear map",
    "scalar": "a scalar factor stays outside the derivative",
    "hadamard": "product rule for the Hadamard product: ∂(a ⊙ b)/∂x = diag(b) ∂a/∂x + diag(a) ∂b/∂x",
    "gate-output": "the derivative of the activation, written through the gate's own value",
    "total": "chain rule through every quantity the left side depends on",
    "index-chain": "chain rule for entries: sum over every name and entry the left side depends on, then sift",
    "collect": "collect the terms with the same right factor",
    "identity": "derivative of the variable itself",
    "elementwise": "derivative of an elementwise function",
    "assemble": "collect the terms",
    "differentiate": "linearity of differentiation, termwise",
    "partials": "partial derivatives of the terms",
    "sifting": "sifting property of the Kronecker delta",
    "entry": "entry (i, j) of a matrix product with a diagonal matrix",
    "conclusion": "equal entries for all i, j",
    "substitute": "substitute the numerator-layout result",
    "transpose-sum": "substitute the numerator-layout result: the transpose of a sum is the sum of the transposes",
    "transpose": "denominator layout is the transpose of numerator layout",
    "transpose-product": "the transpose of a product reverses its factors",
    "base": "base case, t − k = 1",
    "induction": "induction hypothesis for t − 1",
    "one-step": "the one-step Jacobian, derived above",
    "loss-chain": "chain rule: E depends on x_{t-1} directly and through x_t",
    "gradient-W": "W enters every step: sum the steps' contributions",
    "submultiplicative": "a norm of a product is at most the product of the norms",
    "transpose-norm": "a matrix and its transpose have the same singular values",
    "diag-norm": "the 2-norm of a diagonal matrix is its largest entry in absolute value",
    "diagonal": "a diagonal matrix is its own transpose, and the transpose of a transpose is the matrix",
}


#: How engine results display themselves (Jupyter's _repr_*_, to_markdown …): filled by
#: symbptt.render when it is imported (as `import symbptt` does), since the engine never
#: imports the renderer. Name → function.
DISPLAY: dict = {}


class Reported:
    """A result's report in each format, written by the renderer registered in DISPLAY under
    the class's `report` (the engine never imports the renderer)."""

    report = ""  # the DISPLAY key: "check", "cell-check"

    def to_markdown(self, notation=None) -> str:
        """The Markdown report."""
        return DISPLAY[self.report](self, "markdown", notation)

    def to_latex(self, fragment: bool = True, notation=None) -> str:
        """The LaTeX report: an \\input-able fragment, or a standalone document."""
        return DISPLAY[self.report](self, "latex-fragment" if fragment else "latex", notation)

    def to_text(self, notation=None) -> str:
        """The plain-text report, as the command line prints it."""
        return DISPLAY[self.report](self, "text", notation)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


@dataclass(frozen=True)
class Prose:
    """Text with named math slots: ``Prose("because {D} is diagonal", D=expr)``.

    A slot holding a `str` is the user's own text (a name as typed), shown verbatim as code.
    """

    text: str
    math: tuple[tuple[str, sp.Basic | str], ...] = ()

    @classmethod
    def of(cls, text: str, **math: sp.Basic | str) -> "Prose":
        return cls(text, tuple(sorted(math.items())))


@dataclass(frozen=True)
class Step:
    """One claim ``lhs = rhs``, justified by `rule`.

    `where` holds bindings the step uses, such as ``(z, σ(x_{t-1}))`` for a chain rule:
    a Jacobian with respect to z on the right is evaluated at z = σ(x_{t-1}).
    """

    rule: str
    lhs: sp.Basic
    rhs: sp.Basic
    note: Prose | None = None
    where: tuple[tuple[sp.Basic, sp.Basic], ...] = ()
    relation: str = "="  # or "<=" for the steps of a bound

    def __post_init__(self):
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}")
        if not (self.lhs.is_Matrix and self.rhs.is_Matrix):
            return
        shape_l, shape_r = self.lhs.shape, self.rhs.shape
        if shape_l != shape_r:
            # A rule that changes the shape is wrong where it is, not three steps later.
            raise AssertionError(f"{self.rule}: lhs {shape_l} but rhs {shape_r}")


@dataclass(frozen=True)
class Route:
    """One independent derivation: its steps and the result it ends in.

    `result` is a matrix expression in `layout` (for the index route: the entry formula,
    and `result` the matrix it identifies).
    """

    key: str
    title: str
    layout: Layout
    steps: tuple[Step, ...]
    result: sp.Basic
    summary: Prose | None = None


@cache  # a constant, built when first asked (it needs model)
def _titles() -> dict[str, "Prose"]:
    from .model import N
    x = lambda time: sp.MatrixSymbol(f"x@{time}", N, 1)
    t = sp.Symbol("t")
    return {
        "base": Prose.of("base case, {c}", c=sp.Eq(sp.Symbol("t-k"), 1, evaluate=False)),
        "induction": Prose.of("induction hypothesis for {t}", t=t - 1),
        "loss-chain": Prose.of("chain rule: {E} depends on {x} directly and through {xt}",
                               E=sp.Symbol("E"), x=x("t-1"), xt=x("t")),
        "gradient-W": Prose.of("{W} enters every step: sum the steps' contributions",
                               W=sp.MatrixSymbol("W", N, N)),
    }


def rule_title(rule: str) -> Prose:
    """How a report names `rule`: RULES' text, with its mathematics as math slots."""
    return _titles().get(rule) or Prose(RULES[rule])


@dataclass(frozen=True)
class Fact:
    """A relation ``lhs relation rhs`` the engine states, with how it was verified.

    `relation` is "=" or "<="; `method` says how the engine checked it (explicitly at
    which n, numerically at which instance, from which table).
    """

    lhs: sp.Basic
    rhs: sp.Basic
    method: str
    relation: str = "="
    ok: bool = True


class Shape(sp.Expr):
    """The size rows × cols of a matrix, for prose: ``Shape(n, m)`` prints n×m."""

    @property
    def rows(self):
        return self.args[0]

    @property
    def cols(self):
        return self.args[1]
