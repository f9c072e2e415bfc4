"""The one printer: SymPy objects → LaTeX that reads like course notes.

`ProofPrinter` overrides only the nodes that must look different from SymPy's defaults:
diag(σ'(x_{t-1})) instead of ``\\operatorname{DiagMatrix}(d ↦ …)``, 1-based entries such as
W_{12} and [x_{t-1}]_2 instead of ``{x}_{0,0}``, σ' for the derivative of the generic σ,
∂y/∂x for numerator-layout Jacobians and (∂y/∂x)_den for denominator ones. Roles print
through `Notation`, the only place that knows their LaTeX.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from .errors import InputError
from .layout import Layout

_ENTRY = re.compile(r"^(\w+[~^-]?(?:_\w+)?(?:@[\w+-]+)?)\[(\d+)(?:,(\d+))?\]$")  # W[1,2], h@t-1[2]
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega",
    # capitals with a LaTeX command of their own (A, B, E, … are Latin letters in LaTeX)
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}
#: A Greek name in plain text: delta → δ, Gamma → Γ (Unicode spells lambda LAMDA).
_GREEK_PLAIN = {name: unicodedata.lookup("GREEK %s LETTER %s" % ("CAPITAL" if name[0].isupper() else "SMALL",
                                                                 name.upper().replace("LAMBDA", "LAMDA")))
                for name in _GREEK}


#: Matrix symbols that are the state (or stand for it): a sum lists their terms first.
_STATE_ROLES = ("x_prev", "x_t", "a_t", "z", "x@")


def _factor_rank(factor) -> int:
    """Where a factor stands in a product as a person writes it: number, entries and
    symbols, function values, then parenthesised sums: W_12 σ(x)(1 − σ(x)), not SymPy's
    (1 − σ(x)) σ(x) W_12."""
    if factor.is_Number:
        return 0
    if factor.is_Add:
        return 3
    if factor.is_Symbol or isinstance(factor, sp.Indexed):
        return 1
    return 2


def _term_rank(term) -> tuple[int, ...]:
    """Where a term stands in a matrix sum as a person writes it: terms in the state first,
    then other products, then single symbols: W σ(x_{t-1}) + W_in u_t + b, whatever order
    SymPy's canonical sort gave the arguments."""
    in_state = _mentions_state(term)
    negative = isinstance(term, sp.MatMul) and term.args[0].is_Number and term.args[0].is_negative
    # The ones vector leads and subtracted terms follow: 1 − z_t, h_{t-1} − n_t.
    return (0 if isinstance(term, sp.OneMatrix) else 1, 1 if negative else 0,
            0 if in_state else 1, 1 if isinstance(term, (sp.MatrixSymbol, sp.Transpose)) else 0)


@lru_cache(maxsize=4096)  # asked of the same terms by every sort of every formula
def _mentions_state(expr) -> bool:
    names = [str(a.name) for a in expr.atoms(sp.Symbol, sp.MatrixSymbol)]
    names += [str(a.base.label) for a in expr.atoms(sp.Indexed)]
    return any(name.startswith(_STATE_ROLES) for name in names)


def _scalar_rank(term, leading: bool = False) -> int:
    """Where a term stands in a scalar sum: terms in the state, other products and function
    values, powers and quotients, single symbols, numbers (first when `leading`: before
    terms that are all subtracted): W_11 [x]_1 + [W_in]_11 [u]_1 + b_1, t − 1,
    1 − tanh²(x), sin(s) + s²/5."""
    if term.is_Number:
        return 0 if leading else 5
    if _mentions_state(term):
        return 1
    core = -term if term.could_extract_minus_sign() else term
    if core.is_Symbol or isinstance(core, sp.Indexed):
        return 4
    if core.is_Pow or (core.is_Mul and _is_fraction(core)):
        return 3
    return 2


def ordered_terms(expr) -> list:
    """The terms of a MatAdd in the order `_term_rank` gives (stable: ties keep SymPy's)."""
    return sorted(expr.args, key=_term_rank)


def ordered_factors(expr) -> list:
    """The factors of a Mul in the order `_factor_rank` gives (stable)."""
    return sorted(expr.as_ordered_factors(), key=_factor_rank)


def signed_factors(expr) -> tuple[bool, list]:
    """(negative, factors): a Mul's ordered factors with a negative number's sign taken out
    (and a remaining 1 dropped), so that both printers write -W σ rather than -1·W σ."""
    factors = ordered_factors(expr)
    if factors[0].is_Number and factors[0].is_negative:
        factors[0] = -factors[0]
        return True, factors[1:] if factors[0] == 1 else factors
    return False, factors


def is_sum(expr) -> bool:
    """Whether `expr` prints as a sum or a product of matrices, which a ⊙ factor brackets:
    1 − z_t, W x, an elementwise 1 − tanh²(c_t)."""
    if isinstance(expr, ElementwiseApplyFunction):
        return isinstance(expr.function.expr, sp.Add)
    return isinstance(expr, (sp.MatAdd, sp.MatMul))


def is_compound_factor(expr) -> bool:
    """Whether `expr`, a factor of a matrix product, needs parentheses though SymPy's
    precedence says not: an entrywise sum or product such as 1 − x_t² or x_t (1 − x_t),
    which prints bare (an ElementwiseApplyFunction is an atom to SymPy), so that
    Wᵀ (1 − x_t²) would print as Wᵀ 1 − x_t², another formula."""
    return isinstance(expr, ElementwiseApplyFunction) and isinstance(expr.function.expr, (sp.Add, sp.Mul))


def _is_fraction(expr) -> bool:
    return any((f.is_Rational and not f.is_Integer) or (f.is_Pow and f.exp.is_negative) for f in expr.args)


class Tex(str):
    """LaTeX produced by the printer or a template: trusted, never escaped again."""


def identifier_latex(name: str, time: str = "") -> str:
    """LaTeX for an identifier: ``W`` → W, ``W_in`` → W_{\\mathrm{in}}, ``h_t`` → h_{t}.

    A suffix of several letters is a label (upright); a single letter or digits an index.
    A `time` index joins the name's own subscript, ``W_hh`` at t → W_{\\mathrm{hh},t}: one
    subscript, never LaTeX's "double subscript" error.
    """
    base, _, suffix = name.partition("_")
    accent = ACCENTS.get(base[-1:]) if len(base) > 1 else None  # h~: \tilde{h}
    base = base[:-1] if accent else base
    head = "\\" + base if base in _GREEK else base
    head = r"%s{%s}" % (accent, head) if accent else head
    parts = [suffix if len(suffix) == 1 or suffix.isdigit() else r"\mathrm{%s}" % suffix] if suffix else []
    parts += [time] if time else []
    return "%s_{%s}" % (head, ",".join(parts)) if parts else head


#: A name's accent mark (`grammar.Name.accent`) → its LaTeX command and combining character.
ACCENTS = {"~": r"\tilde", "^": r"\hat", "-": r"\bar"}
PLAIN_ACCENTS = {"~": "\u0303", "^": "\u0302", "-": "\u0304"}

#: A name the user gives a role: a letter or Greek name, an optional subscript label.
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]{0,11}(_[A-Za-z0-9]{1,12})?")  # fullmatch: no trailing \n
#: Roles that are scalars (the loss E and its terms E_t): never bold.
SCALARS = {"E"}
#: Transpose marks offered, by key.
TRANSPOSES = {"top": r"^{\top}", "T": r"^{T}", "intercal": r"^{\intercal}"}


#: The RNN forms' role keys of a `Notation`: names of the model's quantities, which a cell's
#: own equations name themselves (`Notation.for_cells`).
ROLES = ("state", "weight", "input_weight", "input", "bias")
#: A role's name in messages.
ROLE_WORDS = {"state": "state", "weight": "recurrent weight", "input_weight": "input weight", "input": "input",
              "bias": "bias", "pre_activation": "pre-activation"}
#: Names a role left to its default takes, in order, where a formula's own names took the
#: default (`Notation.adopting`): the state x where the formula's input is x.
ALTERNATIVES = {"state": ("h", "s", "y"), "weight": ("W_rec", "V", "A"), "input_weight": ("U", "W_x", "B"),
                "input": ("x", "v", "e"), "bias": ("c", "b_0", "beta"), "pre_activation": ("z", "v", "n")}


@dataclass(frozen=True)
class Notation:
    """How the recurrence's roles are written. Defaults follow Pascanu et al.

    Every field is validated on construction (InputError naming what is accepted), so a
    name can never carry LaTeX of its own: it is mapped to LaTeX here and nowhere else.

    Attributes:
        state: the state vector (x → x_t, x_{t-1}); an identifier such as x, h, s.
        weight: the recurrent matrix (W, W_rec, W_hh, ...).
        input_weight: the input matrix (W_in, U, ...).
        input: the input vector (u → u_t).
        bias: the bias vector (b).
        time: the time index, one lower-case letter (t, i, j).
        bold: print vectors and matrices in bold.
        transpose: the transpose mark: "top" (^⊤), "T" or "intercal".
        diag: the name of the diag operator, letters only (printed upright).
        pre_activation: the step's pre-activation (a → a_t); an identifier such as a, z.
    """

    state: str = "x"
    weight: str = "W"
    input_weight: str = "W_in"
    input: str = "u"
    bias: str = "b"
    time: str = "t"
    bold: bool = True
    transpose: str = "top"
    diag: str = "diag"
    pre_activation: str = "a"
    #: The fields the user set (a config file, --notation), which a formula's own names never
    #: replace (`adopting`); not a setting itself.
    given: frozenset = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self):
        for field in ("state", "weight", "input_weight", "input", "bias", "pre_activation"):
            value = getattr(self, field)
            if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
                raise InputError(
                    f"notation {field.replace('_', '-')} must be a name such as W, W_rec or h "
                    f"(a letter or Greek name, then an optional _label), got {value!r}")
        if not isinstance(self.time, str) or not re.fullmatch(r"[a-z]", self.time):
            raise InputError(f"notation time must be one lower-case letter such as t, i or j, got {self.time!r}")
        if not isinstance(self.bold, bool):
            raise InputError(f"notation bold must be true or false, got {self.bold!r}")
        if self.transpose not in TRANSPOSES:
            raise InputError(f"notation transpose must be one of {', '.join(TRANSPOSES)}, got {self.transpose!r}")
        if not isinstance(self.diag, str) or not re.fullmatch(r"[A-Za-z]{1,12}", self.diag):
            raise InputError(f"notation diag must be letters only, such as diag or Diag, got {self.diag!r}")
        if "pre_activation" not in self.given and self.pre_activation in {getattr(self, f) for f in ROLES}:
            # state = "a" (deeplearning.ai): the pre-activation, left to its default, moves to a free
            # letter, as it does for a formula whose state is a (`adopting`).
            roles = {getattr(self, f) for f in ROLES} | {"delta"}
            object.__setattr__(self, "pre_activation",
                               next(n for n in ALTERNATIVES["pre_activation"] if n not in roles))
        seen: dict[str, str] = {"delta": "delta"}  # δ_t, the backward vector, keeps its letter
        for field in (*ROLES, "pre_activation"):
            value = getattr(self, field)
            if value in seen:
                other = seen[value]
                pair = (f"notation {field.replace('_', '-')} and the backward vector delta" if other == "delta"
                        else f"notation {other} and {field.replace('_', '-')}")
                raise InputError(
                    f"{pair} are both named {value!r}: "
                    f"two roles printed alike would make every equation ambiguous; give them different names")
            seen[value] = field.replace("_", "-")

    def for_cells(self) -> "Notation":
        """The notation for a gated or typed cell's reports: the cell's equations name its own
        state, input, weights and biases (h_t, x_t, W_f, U, b), so the RNN forms' role keys
        (state, weight, input-weight, input, bias) do not apply to them -- `state = "h"`
        would otherwise print the cell's input x_t as h_t. The typographic keys (time, bold,
        transpose, diag) and the pre-activation's letter still apply."""
        default = Notation()
        reset = {role: getattr(default, role) for role in ROLES}
        if self.pre_activation in reset.values():
            reset["pre_activation"] = default.pre_activation
        return replace(self, **reset)

    def adopting(self, names, pre_activation: str = "") -> "Notation":
        """This notation with a formula's own names for the roles it names, so that a report
        speaks the user's notation: `names` holds (field, name) pairs (`claim.Translation.names`:
        (state, h), (weight, W_hh)); a pair of another key (activated, s: a letter read only as the
        state's activation) reserves its name, which no role then takes. `pre_activation` is the
        letter the formula gives the step's pre-activation ("" when it gives none).

        A field the user set (`given`, or any value other than the default) is kept: explicit
        notation wins, role by role. A name that is no identifier, or is already taken, is
        not adopted; a role left to its default moves to its first free `ALTERNATIVES` where
        another role took the default's name, so two roles never share one.
        """
        default = Notation()
        keys = (*ROLES, "pre_activation")
        settings = {f: getattr(self, f) for f in keys
                    if f in self.given or getattr(self, f) != getattr(default, f)}
        taken = set(settings.values()) | {"delta"}
        own = dict(names)
        if pre_activation:
            own["pre_activation"] = pre_activation
        for field in (f for f in keys if f in self.given):  # -N input-weight=W_hh, the formula's W_hh recurrent
            clash = next((key for key, name in own.items() if key in keys and key not in self.given
                          and key != field and name == getattr(self, field)), None)
            if clash:
                raise InputError(
                    f"notation {field.replace('_', '-')} is {getattr(self, field)!r}, but the formula uses "
                    f"{own[clash]} as the {ROLE_WORDS[clash]}: one name would print two roles; name the "
                    f"{ROLE_WORDS[field]} otherwise, or set {clash.replace('_', '-')} too")
        for key, name in own.items():
            if key in keys and key not in settings and name not in taken and IDENTIFIER.fullmatch(name):
                settings[key] = name
                taken.add(name)
            elif key not in keys:  # a letter the formula uses in no role of ours ("activated")
                taken.add(name)
        for key in keys:
            if key not in settings:
                first = getattr(default, key)
                numbered = (f"{first.split('_')[0]}{k}" for k in itertools.count(2))
                settings[key] = next(n for n in itertools.chain((first, *ALTERNATIVES[key]), numbered)
                                     if n not in taken)
                taken.add(settings[key])
        return replace(self, **settings)

    @property
    def transpose_latex(self) -> str:
        return TRANSPOSES[self.transpose]

    @property
    def diag_latex(self) -> str:
        return r"\operatorname{%s}" % self.diag

    def _bold(self, latex: str) -> str:
        if not self.bold:
            return latex
        head, sep, tail = latex.partition("_")
        command = r"\boldsymbol" if head.startswith("\\") else r"\mathbf"
        return r"%s{%s}%s%s" % (command, head, sep, tail)

    def _names(self) -> dict[str, tuple[str, str]]:
        """Role → (identifier, time subscript or '')."""
        t = self.time
        return {"x_t": (self.state, t), "x_prev": (self.state, f"{t}-1"), "W": (self.weight, ""),
                "W_in": (self.input_weight, ""), "u_t": (self.input, t), "b": (self.bias, ""),
                "a_t": (self.pre_activation, t), "delta_t": ("delta", t), "delta_prev": ("delta", f"{t}-1")}

    def _timed(self, role: str) -> tuple[str, str]:
        """A time-indexed role "x@t-1" as (identifier, time): the state letter and time
        index follow the notation, and so does the pre-activation's letter; J, δ and g keep
        their letters."""
        base, _, time = role.partition("@")
        if time[:1] == "t":
            time = self.time + time[1:]
        return {"x": self.state, "a": self.pre_activation}.get(base, base), time

    def role(self, role: str, bold: bool = True) -> str:
        """LaTeX of a role of the recurrence ("x_t", "x_prev", "W", "x@k+1", ...)."""
        if role == "cdots":
            return r"\cdots"
        if role.startswith("dE/d"):
            return r"\frac{\partial E}{\partial %s}" % self.role(role[4:], bold)
        if role == "dE_dW":
            return r"\frac{\partial E}{\partial %s}" % self.role("W", bold)
        name, time = self._timed(role) if "@" in role else self._names().get(role, (role, ""))
        plain = identifier_latex(name, time)
        return self._bold(plain) if bold and name not in SCALARS else plain

    def plain_role(self, role: str) -> str:
        """Plain text of a role, for terminals: x_{t-1}, W_hh, u_t, δ_t."""
        if role == "cdots":
            return "⋯"
        if role.startswith("dE/d"):
            return "∂E/∂" + self.plain_role(role[4:])
        if role == "dE_dW":
            return "∂E/∂" + self.weight
        name, time = self._timed(role) if "@" in role else self._names().get(role, (role, ""))
        base, sep, rest = name.partition("_")
        base = _GREEK_PLAIN.get(base, base)  # delta → δ, Gamma → Γ
        if len(base) > 1 and base[-1] in PLAIN_ACCENTS:  # h~ → h̃
            base = base[:-1] + PLAIN_ACCENTS[base[-1]]
        if rest and time:  # one subscript, as in LaTeX: Γ_f at t is Γ_{f,t}, not Γ_f_t
            return f"{base}_{{{rest},{time}}}"
        name = base + sep + rest
        return name + ("" if not time else f"_{time}" if len(time) == 1 else f"_{{{time}}}")

    def entry(self, role: str, indices) -> str:
        """Entry of a role with 1-based indices: W_{12}, [x_{t-1}]_{2}, [W_{in}]_{i,l}."""
        base = self.role(role, bold=False)
        parts = [str(i) for i in indices]
        sep = "" if all(len(p) == 1 for p in parts) else ","
        sub = sep.join(parts)
        return "[%s]_{%s}" % (base, sub) if "_" in base else "%s_{%s}" % (base, sub)


class ProofPrinter(LatexPrinter):
    """LatexPrinter for proofs; settings: those of LatexPrinter plus ``notation``."""

    printmethod = "_latex"
    _default_settings = {
        **LatexPrinter._default_settings,
        "notation": Notation(),
        "mat_str": "bmatrix",
        "mat_delim": "",
    }

    def __init__(self, settings=None):
        super().__init__(settings)
        self._arguments: dict[sp.Symbol, str] = {}
        self._printed: dict = {}

    @property
    def notation(self) -> Notation:
        return self._settings["notation"]

    def _print(self, expr, **kwargs) -> str:
        # A report's formulas share subtrees (a gate's diag(...) in every block): each is
        # printed once per printer. A node's LaTeX depends on the node and the settings only
        # (a bound argument is a fresh Dummy: its own key); keyword arguments are not memoised.
        if kwargs or not isinstance(expr, sp.Basic):
            return super()._print(expr, **kwargs)
        key = (type(expr), expr)
        if key not in self._printed:
            self._printed[key] = super()._print(expr)
        return self._printed[key]

    # roles, entries and bound arguments ------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        if expr in self._arguments:
            return self._arguments[expr]
        match = _ENTRY.match(expr.name)
        if match:
            role, *indices = match.groups()
            return self.notation.entry(role, [i for i in indices if i is not None])
        return super()._print_Symbol(expr, style)

    def _print_MatrixSymbol(self, expr, style="plain"):
        return self.notation.role(expr.name)

    def _print_Indexed(self, expr):
        return self.notation.entry(expr.base.label.name, [self._print(i) for i in expr.indices])

    def _print_Lambda_at(self, function, argument: str) -> str:
        """The body of a one-argument Lambda with its variable printed as `argument`."""
        (var,) = function.variables
        placeholder = sp.Dummy("arg")
        self._arguments[placeholder] = argument
        try:
            return self._print(function.expr.xreplace({var: placeholder}))
        finally:
            del self._arguments[placeholder]

    # matrix-level nodes ---------------------------------------------------------------
    def _print_ElementwiseApplyFunction(self, expr):
        return self._print_Lambda_at(expr.function, self._print(expr.expr))

    def _print_DiagMatrix(self, expr):
        return r"%s\left(%s\right)" % (self.notation.diag_latex, self._print(expr.args[0]))

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        if not isinstance(expr.arg, sp.MatrixSymbol):
            inner = r"\left(%s\right)" % inner
        return inner + self.notation.transpose_latex

    def _print_MatMul(self, expr):
        # LatexPrinter (and its precedence of a MatMul) asks could_extract_minus_sign(), which
        # negates the product and doit()s it, loading SymPy's assumptions system: a tenth of
        # a second at start-up. A sign can only be a leading numeric factor: look there.
        args = list(expr.args)
        sign = ""
        if args[0].is_Number and args[0].is_negative:
            sign, args[0] = "- ", -args[0]
            if args[0] == 1:
                args = args[1:]
        return sign + " ".join(
            self._print(a) if k == 0 and a.is_Rational else  # a leading scalar: 1/5 W, not (1/5) W
            r"\left(%s\right)" % self._print(a) if isinstance(a, sp.MatMul) or is_compound_factor(a) else
            self._print(a) if isinstance(a, sp.Mul) or (isinstance(a, sp.HadamardProduct) and len(args) == 1) else
            self.parenthesize(a, PRECEDENCE["Mul"], False) for k, a in enumerate(args))

    def _ordered(self, expr, order=None) -> list:
        # SymPy's order, then stably: numbers, terms in the state, products, symbols.
        terms = self._as_ordered_terms(expr, order=order)
        leading = (any(t.is_Number and t.is_positive for t in terms)
                   and all(t.is_Number or t.could_extract_minus_sign() for t in terms))
        return sorted(terms, key=lambda t: _scalar_rank(t, leading))

    def _print_Add(self, expr, order=None):
        return super()._print_Add(sp.Add(*self._ordered(expr, order), evaluate=False), order="none")

    def add_terms(self, expr) -> list[str]:
        """The terms of a sum as `_print_Add` prints them, each after the first with its
        sign ("+ t", "- t"): where a long sum may break across lines."""
        out = []
        for k, term in enumerate(self._ordered(expr)):
            sign = "+ "
            if term.could_extract_minus_sign():
                sign, term = "- ", -term
            text = self._print(term)
            if self._needs_add_brackets(term):
                text = r"\left(%s\right)" % text
            out.append(text if k == 0 and sign == "+ " else (sign + text if k else "-" + text))
        return out

    def _print_MatPow(self, expr):
        # diag(x_t)^{2} and W^{2} bare; (W^{\top})^{2}, (W + V)^{2} bracketed.
        base = self._print(expr.base)
        if not isinstance(expr.base, (sp.MatrixSymbol, sp.DiagMatrix)):
            base = r"\left(%s\right)" % base
        return r"%s^{%s}" % (base, self._print(expr.exp))

    def _print_MatAdd(self, expr):
        out = []
        for k, term in enumerate(ordered_terms(expr)):
            text = self._print(term)
            if k and text.startswith("- "):
                out.append(" - " + text[2:])
            else:
                out.append((" + " if k else "") + text)
        return "".join(out)

    def _print_Mul(self, expr):
        if not isinstance(expr, sp.Mul) or _is_fraction(expr):
            return super()._print_Mul(expr)
        negative, factors = signed_factors(expr)
        sign = "- " if negative else ""
        parts = []
        for k, f in enumerate(factors):
            text = self._print(f)
            if self._needs_mul_brackets(f, first=k == 0, last=k == len(factors) - 1):
                text = r"\left(%s\right)" % text
            parts.append(text)
        return sign + " ".join(parts)

    def _print_Float(self, expr):
        # A value that happens to be whole prints as one: ‖I_n‖₂ = 1, not 1.0.
        return str(int(expr)) if float(expr).is_integer() else super()._print_Float(expr)

    def _print_Identity(self, expr):
        return r"I_{%s}" % self._print(expr.rows)

    def _print_OneMatrix(self, expr):
        return "1"

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(r"\left(%s\right)" % self._print(a) if is_sum(a) else self._print(a)
                                for a in expr.args)

    def _print_TotalJacobian(self, expr):
        core = r"\frac{d %s}{d %s}" % (self._print(expr.f), self._print(expr.x))
        return r"\left(%s\right)_{\!\mathrm{den}}" % core if expr.layout is Layout.DENOMINATOR else core

    def _print_ZeroMatrix(self, expr):
        return r"0"

    def _print_Jacobian(self, expr):
        f, x = expr.f, expr.x
        wrt = r"\partial %s" % self._print(x)
        if isinstance(f, sp.MatrixSymbol):
            core = r"\frac{\partial %s}{%s}" % (self._print(f), wrt)
        elif isinstance(f, ElementwiseApplyFunction):
            core = r"\frac{\partial\, %s}{%s}" % (self._print(f), wrt)
        else:
            core = r"\frac{\partial}{%s}\left(%s\right)" % (wrt, self._print(f))
        if expr.layout is Layout.DENOMINATOR:
            return r"\left(%s\right)_{\!\mathrm{den}}" % core
        return core

    # scalar nodes -----------------------------------------------------------------------
    def _print_Derivative(self, expr):
        (var, count), = expr.variable_count if len(expr.variable_count) == 1 else ((None, 0),)
        f = expr.expr
        if var is None or count != 1:
            return super()._print_Derivative(expr)
        if isinstance(f, (sp.Symbol, sp.Indexed, sp.Function)):
            return r"\frac{\partial %s}{\partial %s}" % (self._print(f), self._print(var))
        return r"\frac{\partial}{\partial %s}\left(%s\right)" % (self._print(var), self._print(f))

    def _print_Heaviside(self, expr, exp=None):
        body = r"H\left(%s\right)" % self._print(expr.args[0])
        return body if exp is None else r"%s^{%s}" % (body, exp)

    def _print_Norm2(self, expr):
        return r"\left\|%s\right\|_{2}" % self._print(expr.args[0])

    def _print_Shape(self, expr):
        return r"%s \times %s" % (self._print(expr.rows), self._print(expr.cols))

    def _print_TimeSum(self, expr):
        return r"\sum_{%s} %s" % (self.notation.time, self._print(expr.args[0]))

    def _print_MatrixBase(self, expr):
        # A row that starts with "[" (an entry such as [W_hh]_{21}) right after the row
        # break "\\" would be read by LaTeX as "\\[<length>]": keep them apart.
        return super()._print_MatrixBase(expr).replace("\\\\[", "\\\\{}[")

    def _print_Entry(self, expr):
        A, r, c = expr.args
        return r"\left[%s\right]_{%s%s}" % (self._print(A), self._print(r), self._print(c))


def latex(expr, notation: Notation | None = None) -> Tex:
    """LaTeX of a SymPy object, printed by `ProofPrinter` with `notation`."""
    return Tex(ProofPrinter({"notation": notation or Notation()}).doprint(expr))


class PlainPrinter(StrPrinter):
    """Plain Unicode text for terminals: Wᵀ diag(σ'(x_{t-1})), W_12, [x_{t-1}]_2."""

    _default_settings = {**StrPrinter._default_settings, "notation": Notation()}

    def __init__(self, settings=None):
        super().__init__(settings)
        self._arguments: dict[sp.Symbol, str] = {}

    def _role(self, name: str) -> str:
        return self._settings["notation"].plain_role(name)

    def _print_Symbol(self, expr):
        if expr in self._arguments:
            return self._arguments[expr]
        match = _ENTRY.match(expr.name)
        if not match:
            return super()._print_Symbol(expr)
        role, *indices = match.groups()
        sub = "".join(i for i in indices if i is not None)
        base = self._role(role)
        return f"[{base}]_{sub}" if "_" in base else f"{base}_{sub}"

    def _print_Dummy(self, expr):
        return self._arguments.get(expr) or super()._print_Dummy(expr)

    def _print_MatrixSymbol(self, expr):
        return self._role(expr.name)

    def _print_MatrixBase(self, expr):
        rows = [", ".join(self._print(e) for e in expr.row(r)) for r in range(expr.rows)]
        return "[" + "; ".join(rows) + "]"

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        return (inner if isinstance(expr.arg, sp.MatrixSymbol) else f"({inner})") + "ᵀ"

    def _print_MatMul(self, expr):
        args, sign = list(expr.args), ""
        if args[0].is_Number and args[0].is_negative:  # -z, not (-1) z
            sign, args[0] = "-", -args[0]
            args = args[1:] if args[0] == 1 else args
        return sign + " ".join(self._print(a) if isinstance(a, sp.HadamardProduct) and len(args) == 1
                               else f"({self._print(a)})" if is_compound_factor(a)
                               else self._print(a) if isinstance(a, sp.MatPow)
                               else self.parenthesize(a, 60) for a in args)

    def _print_Mul(self, expr):
        # A product reads W_12·σ'(x_2), not code's W_12*σ'(x_2); quotients keep StrPrinter's a/b.
        if _is_fraction(expr):
            return super()._print_Mul(expr)
        negative, factors = signed_factors(expr)
        return ("-" if negative else "") + "·".join(self.parenthesize(f, PRECEDENCE["Mul"], strict=False) for f in factors)

    def _print_DiagMatrix(self, expr):
        return f"{self._settings['notation'].diag}({self._print(expr.args[0])})"

    def _print_MatPow(self, expr):
        # diag(x_t)², W³ bare; (Wᵀ)², (W + V)² bracketed, as the LaTeX printer writes them.
        base = self._print(expr.base)
        if not isinstance(expr.base, (sp.MatrixSymbol, sp.DiagMatrix)):
            base = f"({base})"
        exp = expr.exp
        return base + ("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(exp)] if exp.is_Integer and 2 <= exp <= 9 else f"^{self._print(exp)}")

    def _print_MatAdd(self, expr):
        out = []
        for k, term in enumerate(ordered_terms(expr)):
            text = self._print(term)
            out.append((" - " + text[1:] if text.startswith("-") else " + " + text) if k else text)
        return "".join(out)

    def _print_Float(self, expr):
        return str(int(expr)) if float(expr).is_integer() else super()._print_Float(expr)

    def _print_Identity(self, expr):
        return "I"

    def _print_OneMatrix(self, expr):
        return "1"

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(f"({self._print(a)})" if is_sum(a) else self._print(a) for a in expr.args)

    def _print_TotalJacobian(self, expr):
        core = f"d{self._print(expr.f)}/d{self._print(expr.x)}"
        return f"({core})_den" if expr.layout is Layout.DENOMINATOR else core

    def _print_ElementwiseApplyFunction(self, expr):
        (var,) = expr.function.variables
        placeholder = sp.Dummy("arg")
        self._arguments[placeholder] = self._print(expr.expr)
        try:
            return self._print(expr.function.expr.xreplace({var: placeholder}))
        finally:
            del self._arguments[placeholder]

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer and 2 <= expr.exp <= 9:
            return self.parenthesize(expr.base, 60) + "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(expr.exp)]
        return super()._print_Pow(expr, rational)

    def _print_Jacobian(self, expr):
        core = f"∂{self._print(expr.f)}/∂{self._print(expr.x)}"
        return f"({core})_den" if expr.layout is Layout.DENOMINATOR else core

    def _print_Norm2(self, expr):
        return f"‖{self._print(expr.args[0])}‖₂"

    def _print_Shape(self, expr):
        return f"{self._print(expr.rows)}×{self._print(expr.cols)}"

    def _print_TimeSum(self, expr):
        return f"Σ_{self._settings['notation'].time} {self._print(expr.args[0])}"

    def _print_Equality(self, expr):
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Function(self, expr):
        name = _PLAIN_FUNCTIONS.get(type(expr).__name__)
        if name is None:
            return super()._print_Function(expr)
        return f"{name}({self._print(expr.args[0])})"

    _print_Heaviside = _print_Function


#: Plain names of the activation table's functions (and H, ReLU's derivative).
_PLAIN_FUNCTIONS = {"sigma": "σ", "sigma_prime": "σ'", "logistic": "sigmoid", "relu": "ReLU",
                    "Heaviside": "H"}


def plain(expr, notation: Notation | None = None) -> str:
    """`expr` as plain Unicode text (see `PlainPrinter`)."""
    return PlainPrinter({"notation": notation or Notation()}).doprint(expr)
