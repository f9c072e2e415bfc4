"""From a parsed formula to matrix expressions over the recurrence's own symbols: its readings.

Names take roles by sensible defaults: W, W_rec, W_hh, Whh, … → the recurrent matrix; U, W_in,
W_x, W_xh, Wxh, … → the input matrix; x, h, s (and code's hs) → the state (h is the state and
x the input when both appear, as in Elman-style notes); u → the input; b → the bias; I → the
identity; a, z, net → the step's pre-activation a_t = W x_{t-1} + W_in u_t + b, except in
deeplearning.ai's notation (W_aa, a^⟨t⟩), where a is the hidden state and x the input.

Where a reader could mean two things, the formula has several readings, each a matrix
expression with the choices that led to it (`Choice`):

* time: a state with one time index (h_t, h^{(t)}, or none) is the previous or the current
  state, unless a derivative on the left (∂h_t/∂h_{t-1} = …), two indices, or the index's
  offset (h_{t-1} previous, h^{(t+1)} current) fixes it;
* point: σ'(·) with a placeholder argument is taken at the previous state, at the step-t
  pre-activation, or at the current state;
* scaling: a vector multiplied into a matrix without diag, v ⊙ M or σ'(a) * M, scales its
  rows (diag(v) M) or its columns (M diag(v)).

Nothing is evaluated: the AST is walked, and the cost of what a formula expands to is bounded
before any work (`MAX_TERMS`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .activations import ACTIVATIONS, Activation
from .errors import InputError, UnknownNameError, UnsupportedError
from .grammar import MAX_EXPONENT, TIME as _TIME, Binary, Call, Claim, Fraction, Name, Node, Number, Placeholder, Unary, zero_size
from .layout import Jacobian
from .model import ARG, Recurrence, elementwise
from .steps import Prose

RECURRENT = ("W", "W_rec", "W_hh", "W_h", "W_r", "W_R", "Whh", "W_ss", "W_aa", "Waa", "W_s", "W_hr", "w")
INPUT_WEIGHT = ("U", "W_in", "W_x", "W_xh", "W_ih", "W_i", "W_hx", "Wxh", "W_ax", "Wax", "W_I",
                "W_xs", "W_sx", "U_h", "W_e")  # W_e: CS224n's, of the word embedding e^{(t)}
#: Letters of the input at a time step besides u and the state letters the state leaves free:
#: CS224n's embedding e^{(t)}.
INPUT_LETTERS = ("u", "e")
STATE_LETTERS = ("x", "h", "s")
#: Code spellings of a letter: hs[t] is h_t in Karpathy's min-char-rnn.
ALIASES = {"hs": "h", "xs": "x", "Zs": "z", "zs": "z", "As": "a"}
#: Time words of code: h_next, next_h, h_prev, prev_h.
CODE_TIMES = {"next": "+1", "new": "+1", "prev": "-1", "old": "-1", "last": "-1"}
#: The gated cells' letters for their gates and cell state (f_t, i_t, o_t, g_t, r_t, c_t):
#: never an RNN's state by elimination.
GATE_LETTERS = ("f", "i", "o", "g", "r", "c")
#: Names of the step's pre-activation, when they are not the state.
PRE_ACTIVATION = ("a", "z", "net")
#: Names of the gradient a backward factor multiplies (δ_t, dh, dh_next, grad_wrt_state, …):
#: the factor is what remains when it is dropped.
GRADIENT = re.compile(r"delta|d[a-z]{1,2}(next|prev|raw)?|dnext\w*|dprev\w*|grad\w*|dout|dL\w*")
#: Letters that name a time step, as in σ'(t): "σ' at step t".
TIME_LETTERS = ("t", "i", "j", "k")
#: At most this many readings are judged.
MAX_READINGS = 24
#: Budget on the cost of a formula: terms of one entry of its expansion at n = 4.
MAX_TERMS = 4096
#: Deepest chain of --define names.
MAX_DEFINE_DEPTH = 16
#: Code's time indices: hs[t], s[bptt_step-1].
_CODE_TIME = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,15})?([+-]\d+)?")


@dataclass(frozen=True)
class Roles:
    """Which names play which role; options of `check` extend the defaults."""

    recurrent: tuple[str, ...] = RECURRENT
    input_weight: tuple[str, ...] = INPUT_WEIGHT
    state: tuple[str, ...] = STATE_LETTERS
    defines: tuple[tuple[str, Claim], ...] = ()


#: The key (before "@pos") of the choice how code's `v * M` broadcasts; its option "rows"
#: assumes a column array (n, 1), which the formula does not say.
BROADCAST = "broadcast"


def assumes_shape(choices) -> bool:
    """The reading assumes a column array (n, 1) that the formula does not write."""
    return any(c.key.split("@")[0] == BROADCAST and c.option == "rows" for c in choices)


@dataclass(frozen=True)
class Choice:
    """One decision a reading makes: `key` (time, point@pos, scaling@pos) and its `option`."""

    key: str
    option: str
    text: Prose  # the decision as a sentence fragment, for the report


@dataclass(frozen=True)
class Translation:
    """One reading of the claim as an n×n matrix expression, and how its names were read."""

    expr: sp.MatrixExpr
    multi_step: bool
    notes: tuple[Prose, ...] = ()
    choices: tuple[Choice, ...] = ()
    rows: bool = False  # written for row vectors: a row gradient on the left (dh @ W.T)
    state: str = "x"  # the letter read as the state (h, s, a in deeplearning.ai's a^⟨t⟩)
    #: The letter the formula's notation gives the model's pre-activation: the one it writes
    #: (z in σ'(z^⟨t⟩)), else z where its a is the state (deeplearning.ai's), else "" (no say).
    pre_activation: str = ""
    #: The formula's own name of each role it read, as (`printing.Notation` field, name) pairs:
    #: (state, h), (weight, W_hh), (input, x); a report prints the roles with them.
    names: tuple[tuple[str, str], ...] = ()


@dataclass
class _Vec:
    """An n-vector: `body` (an expression in ARG) applied entrywise to `base`."""

    base: sp.MatrixExpr
    body: sp.Expr = ARG
    #: Code's array shape, where the formula writes one: "column" (n, 1), as v[:, None],
    #: v.reshape(-1, 1), v.unsqueeze(1) make it; "row" (1, n), as v[None, :]; "" a 1-D array
    #: (n,) or a vector of the mathematics.
    shape: str = ""

    def matrix(self) -> sp.MatrixExpr:
        if self.body == ARG:
            return self.base
        return ElementwiseApplyFunction(sp.Lambda(ARG, self.body), self.base)


@dataclass
class _Grad:
    """A gradient vector g times a matrix: `factor` applied to g, g on the `side` it sits."""

    factor: sp.MatrixExpr | None  # None: g alone so far
    side: str | None  # "right": factor · g (a column gradient); "left": g · factor (a row one)
    name: str  # as the formula writes it

    def times(self, matrix, side: str, node: Node) -> "_Grad":
        """matrix · (F g) for side "right", (g F) · matrix for side "left"."""
        if self.side not in (None, side):
            raise InputError(f"the product at position {node.pos + 1} multiplies the gradient "
                             f"{self.name} from both sides")
        if self.factor is None:
            return _Grad(matrix, side, self.name)
        return _Grad(_mul(matrix, self.factor) if side == "right" else _mul(self.factor, matrix),
                     side, self.name)

    def scaled(self, vec: "_Vec") -> "_Grad":
        """(F g) ⊙ v = diag(v) F g;  (g F) ⊙ v = g F diag(v)."""
        d = sp.DiagMatrix(vec.matrix())
        if self.factor is None:
            return _Grad(d, None, self.name)
        return _Grad(_mul(self.factor, d) if self.side == "left" else _mul(d, self.factor),
                     self.side, self.name)


@dataclass
class _Scaled:
    """Scalar notes' w times vectors (w h_t (1 − h_t), h_t w (1 − h_t)): scalars commute there,
    so the matrix scales the entrywise product of all the vectors; the rows-or-columns choice
    is made once the product is complete, so its text shows every factor that is judged."""

    matrix: sp.MatrixExpr
    vecs: tuple  # _Vec factors, combined into one where they share a base
    node: Binary  # the product that met w first: its position keys the choice
    vec_first: bool

    def times(self, vec: "_Vec") -> "_Scaled":
        *head, last = self.vecs
        try:
            vecs = (*head, _combine(last, vec, sp.Mul, self.node))
        except UnsupportedError:  # σ'(a_t) h_{t-1}: two vectors, two diagonals
            vecs = (*self.vecs, vec)
        return _Scaled(self.matrix, vecs, self.node, self.vec_first)


@dataclass
class _Context:
    """What one reading of a formula knows while it is translated: the model, the roles,
    the choices fixed for this reading, and what was met and noted on the way."""

    rec: Recurrence
    roles: Roles
    state: str
    times: dict  # time index text → "x_prev" | "x_t"; an index missing here is a choice
    fixed: dict  # choice key → option, for this reading
    met: dict = field(default_factory=dict)  # choice key → (options, texts) met on the way
    notes: list = field(default_factory=list)
    defining: tuple = ()
    multi_step: bool = False
    in_activation: int = 0  # > 0 while evaluating the argument of σ or σ'
    keys: frozenset = frozenset()  # every name's key in the formula
    rows: bool = False  # a row gradient multiplies the factor from the left
    said: set = field(default_factory=set)  # names whose reading a note already states
    spelled: dict = field(default_factory=dict)  # time index → the state's code spelling there
    lhs_steps: bool = False  # the derivative on the left spans several steps (∂h_t/∂h_0)
    claim_lhs: bool = False  # a derivative is written on the left (one step unless lhs_steps)
    pre_activation: str = ""  # the letter of a name read as the pre-activation (z_t, net_t)
    state_reads: dict = field(default_factory=dict)  # time index → how the state there was read
    names: dict = field(default_factory=dict)  # Notation field → the formula's first name for it

    @property
    def activation(self) -> Activation:
        return self.rec.activation

    def choose(self, key: str, options: tuple[str, ...], texts: tuple[Prose, ...]) -> str:
        self.met.setdefault(key, (options, texts))
        return self.fixed.get(key, options[0])


def _canonical(name: Name) -> Name:
    """Code's spellings as math's: hs[t] → h_t, h_next and next_h → h_{+1}, h_prev → h_{-1}."""
    letter, sub, time = ALIASES.get(name.letter, name.letter), name.sub, name.time
    if letter in CODE_TIMES and sub and not time:  # next_h
        letter, sub, time = ALIASES.get(sub, sub), "", CODE_TIMES[letter]
    elif sub in CODE_TIMES and not time:  # h_next
        sub, time = "", CODE_TIMES[sub]
    return Name(name.pos, letter, sub, time, bracket=name.bracket)


def _written(name: Name) -> str | None:
    """A code spelling with a time word as the formula writes it (next_h, a_next), else None:
    notes show it so, not as the h_{+1} it is read as."""
    if name.time:
        return None
    if (name.letter in CODE_TIMES and name.sub) or name.sub in CODE_TIMES:
        return f"{name.letter}_{name.sub}"
    return None


def _key(name: Name) -> str:
    name = _canonical(name)
    return name.letter + ("_" + name.sub if name.sub else "")


def _walk(node: Node):
    """Every node of the AST, depth first."""
    yield node
    for child in (getattr(node, "arg", None), getattr(node, "left", None),
                  getattr(node, "right", None), getattr(node, "expr", None),
                  getattr(node, "num", None), getattr(node, "den", None)):
        if isinstance(child, Node):
            yield from _walk(child)


def _names(node: Node):
    return (_canonical(n) for n in _walk(node) if isinstance(n, Name))


def _calls(node: Node):
    return (n for n in _walk(node) if isinstance(n, Call))


def _time_of(name: Name) -> str | None:
    """The time index of a state name ('' for none), or None when `sub` is a label."""
    if name.time:
        return name.time.replace(" ", "") if _CODE_TIME.fullmatch(name.time.replace(" ", "")) else None
    return name.sub if _TIME.fullmatch(name.sub) else None


def _offset(index: str) -> int:
    match = _CODE_TIME.fullmatch(index) or _TIME.fullmatch(index)
    return int(match.group(2)) if match and match.group(2) else 0


def infer_activation(claim: Claim, given: str | None, roles: Roles = Roles()) -> Activation:
    """The activation named by `given`, else the one the formula and its --define names use
    (tanh, …; `dtanh=(1 - np.tanh(z)**2) * da` names tanh), else σ."""
    if given:
        if given not in ACTIVATIONS:
            raise InputError(f"unknown activation {given!r}; choose one of: {', '.join(ACTIVATIONS)}")
        return ACTIVATIONS[given]
    calls = [c for node in (claim, *(d for _, d in roles.defines)) for c in _calls(node)]
    used = {"tanh" if c.func == "sech" else c.func for c in calls}
    used = sorted(used & {"tanh", "sigmoid", "relu"})
    if len(used) > 1:
        raise InputError(f"the formula mixes activations ({', '.join(used)}); give --activation")
    return ACTIVATIONS[used[0] if used else "sigma"]


def _all_names(claim: Claim, roles: Roles) -> list[Name]:
    names = list(_names(claim)) + [n for _, d in roles.defines for n in _names(d)]
    return names + [_canonical(n) for n in claim.lhs or ()]


def _state_letter(claim: Claim, roles: Roles) -> str:
    if claim.lhs:
        return _canonical(claim.lhs[0]).letter
    weights = roles.recurrent + roles.input_weight
    names = [n for n in _all_names(claim, roles) if _key(n) not in weights]
    letters = {n.letter for n in names}
    # In deeplearning.ai's notation a is the hidden state, not a pre-activation, and x the input
    # (W_ax x^⟨t⟩): see _ng_state.
    ng = "a" in letters and bool(_ng_state(claim, roles))
    candidates = [l for l in letters if not (ng and l == "x")]
    present = [l for l in ("h", "x", "s") if l in candidates and l in roles.state]
    # Of two state letters, the one written at an earlier step is the state, the other the
    # input: WildML's tanh(U x_t + W s_{t-1}) has its state s.
    earlier = {n.letter for n in names if n.letter in present and _time_of(n) and _offset(_time_of(n)) < 0}
    state = earlier.pop() if len(present) > 1 and len(earlier) == 1 else next(iter(present), None)
    state = state or next((l for l in roles.state if l in candidates), None)
    # A pre-activation name at another step than t (net_{t-1}, Ng's a_next) is the state.
    shifted = next((n.letter for n in names if n.letter in PRE_ACTIVATION and _time_of(n)
                    and _offset(_time_of(n)) != 0), None)
    if ng:
        shifted = shifted or "a"
    # Else the one other name with a time index, such as s_t or z_{t-1}; a gate's letter (f_t
    # in diag(f_t), an LSTM's ∂c_t/∂c_{t-1}) is no RNN's state: that asks for the cell.
    others = ("u", "b", "I") + PRE_ACTIVATION + STATE_LETTERS + GATE_LETTERS
    timed = sorted({n.letter for n in names if _time_of(n) and n.letter not in others
                    and n.letter[0].islower() and not GRADIENT.fullmatch(n.letter)})
    return state or shifted or (timed[0] if len(timed) == 1 else roles.state[0])


def _ng_state(claim: Claim, roles: Roles) -> str:
    """Why the formula's notation is deeplearning.ai's, whose a is the hidden state, or "".

    Ng's course names the state a^⟨t⟩, with angle brackets, and the recurrent weight after it,
    W_aa; Goodfellow's a^{(t)}, in parentheses, is the pre-activation of h^{(t)} = tanh(a^{(t)}).
    """
    names = _all_names(claim, roles)
    if any(_key(n) in ("W_aa", "Waa") for n in names):
        return "with W_aa"
    if any(n.letter == "a" and n.bracket == "⟨" for n in names):
        return "with a's time in angle brackets"
    return ""


def _times(claim: Claim, state: str, roles: Roles) -> dict:
    """Time index → "x_prev" | "x_t", for the indices that are not ambiguous.

    Its messages name the state as the formula writes it (h_next, h_{t-1}, h): code's
    indices alone read as a count or a position (h_next's is "+1")."""
    names = [n for n in _all_names(claim, roles) if n.letter == state]
    spelled = _spellings(claim, roles, state)

    def shown(index: str) -> str:
        return spelled.get(index) or _shown(state, index)

    indices = sorted({_time_of(n) for n in names if _time_of(n) is not None},
                     key=lambda i: (_offset(i), i))
    if claim.lhs:
        current, previous = (_time_of(_canonical(n)) for n in claim.lhs)
        if current is None or previous is None or current == previous:
            raise InputError("the derivative on the left must be of the state at one step by the "
                             "state at the step before, such as ∂h_t/∂h_{t-1}")
        if _later(previous, current):  # ∂h_{t-1}/∂h_t: an earlier state by a later one
            raise InputError(_backwards(state, current, previous))
        extra = [i for i in indices if i not in (current, previous)]
        if not extra:
            return {current: "x_t", previous: "x_prev"}
        if _one_step(current, previous):
            raise InputError(f"the state {state} appears as {shown(extra[0])}, which is neither "
                             f"{shown(current)} nor {shown(previous)} of the derivative on the left")
        # ∂x_t/∂x_k = ∏_{t ≥ i > k} Wᵀ diag(σ'(x_{i-1})) (Pascanu et al., eqs. 3 and 5): the
        # factor's indices are the product's own, read as a one-step factor's below.
        indices = extra
    if len(indices) > 2:
        raise InputError(f"the state {state} appears at {len(indices)} time steps "
                         f"({', '.join(map(shown, indices))}); a one-step factor uses at most two")
    if len(indices) == 2:
        if _offset(indices[0]) == _offset(indices[1]):
            raise InputError(f"the state {state} appears as {shown(indices[0])} and {shown(indices[1])}, "
                             "and nothing says which is the previous step: write the derivative on "
                             "the left, such as ∂h_t/∂h_{t-1} = …")
        return {indices[0]: "x_prev", indices[1]: "x_t"}
    if indices and _offset(indices[0]) < 0:
        return {indices[0]: "x_prev"}
    if indices and _offset(indices[0]) > 0:
        return {indices[0]: "x_t"}
    return {}  # one plain index (h_t, h^{(t)}) or none: previous or current, both are read


def readings(claim: Claim, rec: Recurrence, roles: Roles = Roles()) -> tuple[Translation, ...]:
    """Every reading of the claim over `rec`'s symbols, the first with the default choices."""
    state = _state_letter(claim, roles)
    times = _times(claim, state, roles)
    first, met = _translate(claim, rec, roles, state, times, {})
    keys = list(met)
    result = [first]
    # At most MAX_READINGS translations, duplicates included: the work is bounded, not the yield.
    others = itertools.islice(itertools.product(*(met[k][0] for k in keys)), 1, MAX_READINGS)
    for options in others:  # the first combination is the first reading
        t, _ = _translate(claim, rec, roles, state, times, dict(zip(keys, options)))
        if all(t.expr != r.expr for r in result):
            result.append(t)
    return tuple(result)


def translate(claim: Claim, rec: Recurrence, roles: Roles = Roles()) -> Translation:
    """The claim's first reading as an n×n matrix expression over `rec`'s symbols."""
    return readings(claim, rec, roles)[0]


def _translate(claim, rec, roles, state, times, fixed):
    ctx = _Context(rec, roles, state, times, fixed,
                   keys=frozenset(_key(n) for n in _all_names(claim, roles)),
                   spelled=_spellings(claim, roles, state),
                   lhs_steps=bool(claim.lhs) and not _one_step(*(_time_of(_canonical(n)) for n in claim.lhs)),
                   claim_lhs=bool(claim.lhs))
    if claim.equation_number:
        ctx.notes.append(Prose.of(f"({claim.equation_number}) at the end read as an equation number "
                                  "and left out (a number that scales the formula goes before it)"))
    if claim.closed:
        ctx.notes.append(Prose.of(f"its parentheses are unbalanced: {claim.closed} closing "
                                  f"parenthes{'i' if claim.closed == 1 else 'e'}s added at the end"))
    ng = _ng_state(claim, roles)  # deeplearning.ai's notation: its a is the state, never a_t
    if state not in STATE_LETTERS and state not in roles.state:
        ctx.notes.append(Prose.of("{name} is read as the state" + (
            f": deeplearning.ai's notation, {ng}, names the hidden state a" if ng and state == "a" else ""),
            name=state))
    time_notes = {index: _time_note(ctx.spelled.get(index) or _shown(state, index), role, rec)
                  for index, role in times.items()}
    ctx.notes.extend(time_notes.values())
    if ctx.lhs_steps:
        ctx.multi_step = True  # ∂h_t/∂h_0 = W^t: its single-step factor is judged
    value = _eval(claim.expr, ctx)
    # Where this reading takes the state at an index as its activation everywhere (s_{t-1} as
    # tanh(x_{t-1})), its choice says so: the note that it is the state itself would contradict it.
    ctx.notes = [note for note in ctx.notes if not any(
        note == time_notes.get(index) for index, reads in ctx.state_reads.items() if reads == {"activated"})]
    value = _as_factor(value, claim.expr, ctx)
    if value.shape != (rec.n, rec.n):
        hint = ("; U, W_in, W_x and W_xh are read as the input matrix, n×m"
                if any(k in ctx.roles.input_weight for k in ctx.keys) else "")
        raise InputError(f"the formula has shape {_shape(value)}, not n×n as a one-step Jacobian is{hint}")
    _check_cost(value)
    choices = tuple(Choice(k, ctx.fixed.get(k, opts[0]), texts[opts.index(ctx.fixed.get(k, opts[0]))])
                    for k, (opts, texts) in ctx.met.items())
    # A note is said once, however often its cause is met (σ(w h + u x) twice in h_t(1 − h_t)).
    notes = tuple(dict.fromkeys(ctx.notes))
    # The report must not call the pre-activation a_t where the formula's a is the state.
    pre_activation = ctx.pre_activation or (next(l for l in ("z", "v") if l != state) if state == "a" or ng else "")
    # A state read only as its activation (s_{t-1} as tanh(x_{t-1})) is not the report's state:
    # naming x by it would print "s_{t-1} read as tanh(s_{t-1})"; its letter is taken all the
    # same, so that x_{t-1} read so does not print as tanh(x_{t-1}) either (`Notation.adopting`).
    as_state = not ctx.state_reads or any(reads != {"activated"} for reads in ctx.state_reads.values())
    names = tuple({**({"state": state} if as_state else {"activated": state}), **ctx.names}.items())
    return Translation(value, ctx.multi_step, notes, choices, ctx.rows, state, pre_activation, names), ctx.met


def _later(a: str, b: str) -> bool:
    """Whether time index `a` is a later step than `b` of the same index (t than t-1, t+1 than t)."""
    x, y = (_CODE_TIME.fullmatch(i or "") for i in (a, b))
    return bool(x and y) and x.group(1) == y.group(1) and _offset(a) > _offset(b)


def _backwards(state: str, current: str, previous: str) -> str:
    """The message for a derivative on the left of an earlier state by a later one."""
    def at(index: str) -> str:
        return f"{state}_{index}" if len(index) == 1 else f"{state}_{{{index}}}"

    def shifted(index: str, by: int) -> str:
        match = _CODE_TIME.fullmatch(index)
        offset = _offset(index) + by
        return match.group(1) + (f"{offset:+d}" if offset else "")

    one_step = _later(previous, current) and _offset(previous) - _offset(current) == 1
    swapped = f"∂{at(previous)}/∂{at(current)}"
    hint = f"write {swapped}" if not one_step else (
        f"write {swapped}" + (f" (or ∂{at(shifted(previous, 1))}/∂{at(previous)})"
                              if _offset(current) < 0 else ""))
    return (f"the derivative on the left is of an earlier state by a later one: "
            f"∂{at(current)}/∂{at(previous)} is 0 in a forward recurrence; {hint}")


def _one_step(current: str | None, previous: str | None) -> bool:
    """Whether two time indices are one step apart (t and t-1, k+1 and k)."""
    a, b = (_CODE_TIME.fullmatch(i or "") for i in (current, previous))
    return bool(a and b) and a.group(1) == b.group(1) and _offset(current) - _offset(previous) == 1


def define_key(text: str) -> str:
    """The key of a --define name, parsed as the formula's names are: a_{t}, \\delta_l^{(t)}, dhraw."""
    from .grammar import parse
    try:
        node = parse(text).expr if text.strip() == text and "\n" not in text else None
    except InputError:
        node = None
    if not isinstance(node, Name):
        raise InputError(f"{text!r} is not a name: use a letter or a word with an optional "
                         "subscript, such as A, D, dhraw, a_{t} or W_rec")
    return _key(node)


def _time_note(shown: str, role: str, rec: Recurrence) -> Prose:
    which = "current" if role == "x_t" else "previous"
    return Prose.of(f"{{name}} is read as the {which} state {{role}}", name=shown,
                    role=rec.x_t if role == "x_t" else rec.x_prev)


def _spellings(claim: Claim, roles: Roles, state: str) -> dict:
    """Time index → the code spelling the formula gives the state there (next_h for "+1")."""
    raw = [n for n in _walk(claim.expr) if isinstance(n, Name)]
    raw += [n for _, d in roles.defines for n in _walk(d.expr) if isinstance(n, Name)]
    raw += list(claim.lhs or ())
    out = {}
    for name in raw:
        canonical = _canonical(name)
        if canonical.letter == state and _written(name) and _time_of(canonical) is not None:
            out.setdefault(_time_of(canonical), _written(name))
    return out


def _shown(state: str, index: str) -> str:
    """A state as the formula's reader would write it: h_{t-1}."""
    return f"{state}_{{{index}}}" if len(index) > 1 else f"{state}_{index}" if index else state


def _shape(value) -> str:
    rows, cols = value.shape
    return f"{rows}×{cols}"


def _as_factor(value, node: Node, ctx: _Context):
    """The claim as a matrix: M v, where a Jacobian is expected, is read as M diag(v); the
    gradient a backward step multiplies (M δ_t, dh Wᵀ) is dropped, leaving M."""
    if isinstance(value, _Grad):
        if value.factor is None:
            raise InputError("the formula is only the gradient vector; write the factor that multiplies it")
        where = "the row gradient on its left" if value.side == "left" else "the gradient on its right"
        ctx.notes.append(Prose.of(f"the gradient {{g}} is dropped: the backward factor is the matrix "
                                  f"applied to it, here with {where}", g=value.name))
        if value.name.endswith("raw"):  # min-char-rnn's dhraw = (1 - hs[t] * hs[t]) * dh
            rec = ctx.rec
            ctx.notes.append(Prose.of(
                "{g}, as min-char-rnn names it, is the gradient at the pre-activation, (1 - hs[t] * hs[t]) * dh "
                "in its code: applied to it, the matrix is the factor of {da}, not of {dx}; "
                f"--define \"{value.name}=(1 - hs[t] * hs[t]) * dh\" judges the whole step",
                g=value.name, da=Jacobian(rec.a_t, rec.x_prev), dx=Jacobian(rec.x_t, rec.x_prev)))
        return value.factor
    if isinstance(value, _Vec) and isinstance(value.base, sp.MatMul) and value.body == ARG:
        *head, last = value.base.args
        if last.shape == (ctx.rec.n, 1) and head:
            factor = _mul(*head, sp.DiagMatrix(last))
            ctx.notes.append(Prose.of("a matrix applied to a vector, where a Jacobian is expected, "
                                      "is read as the backward factor {m}, which maps a gradient "
                                      "g to {m} g", m=factor))
            return factor
    if not isinstance(value, _Vec) and not getattr(value, "is_Matrix", False) and value == 0:
        return sp.ZeroMatrix(ctx.rec.n, ctx.rec.n)  # a Jacobian claimed zero: judged like any other
    if isinstance(value, _Vec):  # σ'(x_{t-1}) alone: the diagonal is meant, or a factor is missing
        raise InputError("the formula is a vector, not a matrix; a one-step Jacobian is an n×n matrix "
                         "(for the diagonal matrix of the vector's entries write diag(…) around it)")
    if not getattr(value, "is_Matrix", False):
        raise InputError("the formula is a number or a constant vector (1_n), not a matrix; "
                         "a one-step Jacobian is an n×n matrix")
    return value


def zero_name(name: Name) -> tuple[str, ...] | None:
    """The size of the zero matrix a name spells (O → (), O_{n×n} → ("n", "n"), O_m → ("m",)),
    or None: O_t, O_1 and O_k are labels (an output gate, a layer), not sizes."""
    if name.letter != "O" or name.time:
        return None
    size = zero_size(name.sub) if name.sub else ()
    return size if size is not None and (len(size) != 1 or size[0] in ("n", "m")) else None


def sized_zero(size: tuple[str, ...], n, pos: int) -> sp.ZeroMatrix:
    """The n×n zero matrix that a zero with a size annotation (0_{n×n}, \\mathbf{0}_n, O_n)
    stands for, where an n×n block or Jacobian is meant.

    n×n is that matrix. A single size n is read as it too: the side of a square, as I_n is
    the n×n identity; meant as the zero vector of ℝⁿ, its diagonal matrix (how a vector
    standing for a block is read, ∂c_t/∂c_{t-1} = f_t as diag(f_t)) is the same zero, so the
    two readings cannot give different verdicts. Any other size (n×m, m, d×d, 3×3)
    contradicts the block's, n×n for every n in symbptt's names (n the state's size, m the
    input's): an InputError, not a verdict, since the n×n zero judged in its place would be a
    claim that was not written.
    """
    if size in ((), ("n",), ("n", "n")):
        return sp.ZeroMatrix(n, n)
    raise InputError(f"the zero at position {pos + 1} has size {'×'.join(size)}, but the block "
                     "is n×n (n the state's size, m the input's): write 0, 0_{n\\times n} or 0_n")


def sized_number(node: Number, n):
    """A number with its size annotation where a block or a vector is meant: a sized zero
    (0_{n×n}, \\mathbf{0}_n) is the n×n zero (`sized_zero`); the ones vector 1_n,
    \\mathbf{1}_n, is the number 1, which entrywise expressions (1_n − h_t²) broadcast to
    the ones vector as they do 1. Its size must be the state's, n."""
    if sp.Rational(node.text) == 0:
        return sized_zero(node.size, n, node.pos)
    if node.size != ("n",):
        raise InputError(f"the ones vector at position {node.pos + 1} has size {'×'.join(node.size)}, "
                         "but the state's is n: write 1 or 1_n")
    return sp.Integer(1)


def _mul(*factors) -> sp.MatMul:
    """The product of matrix expressions, flat ((A B) C is printed A B C), shapes checked."""
    flat = []
    for f in factors:
        flat.extend(f.args if isinstance(f, sp.MatMul) else (f,))
    matrices = [f for f in flat if getattr(f, "is_Matrix", False)]
    for a, b in zip(matrices, matrices[1:]):
        if a.shape[1] != b.shape[0]:
            raise InputError(f"the formula multiplies shapes {_shape(a)} and {_shape(b)}")
    return sp.MatMul(*flat)


# --- cost ----------------------------------------------------------------------------
def _terms(expr) -> int:
    """An upper estimate of the terms in one entry of `expr` expanded at n = 4."""
    n = 4
    if isinstance(expr, (sp.MatrixSymbol, sp.Identity, sp.ZeroMatrix)):
        return 1
    if isinstance(expr, sp.DiagMatrix):
        return _terms(expr.args[0])
    if isinstance(expr, ElementwiseApplyFunction):
        return _terms(expr.expr) * max(1, sp.count_ops(expr.function.expr) + 1)
    if isinstance(expr, sp.Transpose):
        return _terms(expr.arg)
    if isinstance(expr, sp.MatMul):
        total = 1
        for k, arg in enumerate(a for a in expr.args if a.is_Matrix):
            total *= _terms(arg) * (1 if k == 0 or isinstance(arg, (sp.DiagMatrix, sp.Identity)) else n)
            if total > MAX_TERMS:
                return total
        return total
    if isinstance(expr, sp.MatAdd):
        return sum(_terms(a) for a in expr.args)
    if isinstance(expr, sp.MatPow) and expr.exp.is_Integer and expr.exp >= 1:  # diag(h)²: diag(h) diag(h)
        return _terms(sp.MatMul(*[expr.base] * min(int(expr.exp), 64)))
    if isinstance(expr, sp.HadamardProduct):
        total = 1
        for arg in expr.args:
            total *= _terms(arg)
        return total
    return sum(_terms(a) for a in expr.args if getattr(a, "is_Matrix", False)) or 1


def _check_cost(expr) -> None:
    terms = _terms(expr)
    if terms > MAX_TERMS:
        raise InputError(f"the formula is too large to judge: an entry expands to about {terms:,} "
                         f"terms at n = 4 (at most {MAX_TERMS:,}); a one-step factor is a product "
                         "of a few matrices")


# --- evaluation ----------------------------------------------------------------------
def _role(name: Name, ctx: _Context):
    written, name = _written(name), _canonical(name)  # (next_h as the formula writes it)
    key, rec = _key(name), ctx.rec
    defines = dict(ctx.roles.defines)
    if key in defines:
        if key in ctx.defining:
            raise InputError(f"{key} is defined in terms of itself")
        if len(ctx.defining) >= MAX_DEFINE_DEPTH:
            raise InputError(f"the --define names nest more than {MAX_DEFINE_DEPTH} deep")
        ctx.defining += (key,)
        try:
            return _eval(defines[key].expr, ctx)
        finally:
            ctx.defining = ctx.defining[:-1]
    if key in ctx.roles.recurrent:
        ctx.names.setdefault("weight", _math_name(key))
        return _said(ctx, key, "W", rec.W, "the recurrent matrix")
    if key in ctx.roles.input_weight:
        ctx.names.setdefault("input_weight", _math_name(key))
        return _said(ctx, key, "W_in", rec.W_in, "the input weight")
    if key == "I":
        return sp.Identity(rec.n)
    letter = name.letter
    if letter == ctx.state and _time_of(name) is not None:
        return _state(name, ctx)
    if letter in PRE_ACTIVATION and letter != ctx.state and _time_of(name) is not None:
        ctx.pre_activation = ctx.pre_activation or letter
        return _Vec(rec.a_t)
    if letter in ("u",) + tuple(l for l in STATE_LETTERS if l != ctx.state) or (
            letter in INPUT_LETTERS and _time_of(name) is not None and not name.accent):
        if not name.accent and _time_of(name) is not None:  # x_t, x^⟨t⟩, x: not a labelled x_in
            ctx.names.setdefault("input", letter)
        return _Vec(_said(ctx, key, "u", rec.u, "the input", _display(name)))
    if letter == "b":
        if not name.time and not name.accent:
            ctx.names.setdefault("bias", _math_name(key))
        return _Vec(rec.b)  # b, b_h, b_1: the bias
    if GRADIENT.fullmatch(letter):
        return _Grad(None, None, written or key)  # da_next as written, not da
    if len(name.letter) > 1 and not name.sub and not name.time:
        code = f"{name.letter[0]}_{name.letter[1:]}"  # code's Whh, Wxh are W_hh, W_xh
        if code in ctx.roles.recurrent:
            ctx.names.setdefault("weight", _math_name(key))
            return rec.W
        if code in ctx.roles.input_weight:
            ctx.names.setdefault("input_weight", _math_name(key))
            return rec.W_in
        if code == f"b_{ctx.state}":  # code's bias named after the state: Karpathy's bh, Ng's ba
            ctx.names.setdefault("bias", _math_name(key))
            return _Vec(rec.b)
    if len(name.letter) > 1:
        return _split(name, ctx)
    if name.letter == "W" and name.sub and not any(
            k.startswith("W") and k in ctx.roles.recurrent for k in ctx.keys if k != key):
        ctx.notes.append(Prose.of("{name} is read as the recurrent matrix {W}", name=key, W=rec.W))
        ctx.names.setdefault("weight", _math_name(key))
        return rec.W
    size = zero_name(name)
    if size is not None:  # O, O_{n×n}: the zero matrix, where no role above took O (--define O=…, --recurrent O)
        return sized_zero(size, rec.n, name.pos)
    if key in TIME_LETTERS:
        raise InputError(f"'{key}' at position {name.pos + 1} looks like a time index that lost its "
                         "subscript (text copied from a PDF?): write it as a subscript, x_{t-1}")
    gate = (f"; {key} names a gated cell's gate or cell state: give the cell, -r lstm (or gru, gru-torch, "
            "gru-chung, lstm-peephole)") if name.letter in GATE_LETTERS and _time_of(name) is not None else ""
    raise UnknownNameError(
        f"unknown name {key!r} at position {name.pos + 1}: use W (or W_rec, W_hh) for the "
        f"recurrent matrix, x or h for the state, or --define {key}=… / --recurrent / --state{gate}", key)


def _math_name(key: str) -> str:
    """A weight's or bias's name as math writes it, for the report's notation: code's Whh,
    Wxh, bh as W_hh, W_xh, b_h; any other name as it is."""
    if "_" not in key and len(key) > 1 and key[0] in "WUb" and key[1:].islower():
        return f"{key[0]}_{key[1:]}"
    return key


def _said(ctx: _Context, key: str, usual: str, value, what: str = "", shown: str = ""):
    """`value`, with a note the first time a name stands for a symbol of another name; the
    note shows the name as the formula writes it (x_{t-1}, not the key x_t-1)."""
    if key.split("_")[0] != usual.split("_")[0] and key not in ctx.said:
        ctx.said.add(key)
        ctx.notes.append(Prose.of(f"{{name}} is read as {what + ' ' if what else ''}{{symbol}}",
                                  name=shown or key, symbol=value))
    return value


def _state(name: Name, ctx: _Context):
    """The previous or the current state, by the time index or by this reading's choice.

    Outside σ, a state its index makes the previous one may also be, in a tanh or sigmoid
    network, its activated value σ(x_{t-1}) (code's s[t-1] = tanh(z[t-1])): a reading of its own.
    """
    rec, index = ctx.rec, _time_of(name)
    shown = ctx.spelled.get(index) or _shown(ctx.state, index)
    fixed = index in ctx.times
    if fixed:
        role = ctx.times[index]
    else:
        role = ctx.choose("time", ("x_prev", "x_t"),
                          (Prose.of("{name} read as the previous state {x}", name=shown, x=rec.x_prev),
                           Prose.of("{name} read as the current state {x}", name=shown, x=rec.x_t)))
    if role == "x_t":
        return _Vec(rec.x_t)
    # After ∂h_t/∂h_{t-1} on the left, h is the variable itself at both steps: h_{t-1} is the
    # previous state, never also its activation (that read W diag(1 - h_{t-1}²) as proved).
    if not fixed or ctx.in_activation or ctx.claim_lhs or ctx.activation.name not in ("tanh", "sigmoid"):
        return _Vec(rec.x_prev)
    activated = elementwise(ctx.activation, rec.x_prev)
    how = ctx.choose(f"activated@{name.pos}", ("state", "activated"), (
        Prose.of("{name} read as the previous state {x}", name=shown, x=rec.x_prev),
        Prose.of("{name} read as the previous state's activation {s}", name=shown, s=activated)))
    ctx.state_reads.setdefault(index, set()).add(how)
    return _Vec(rec.x_prev) if how == "state" else _Vec(rec.x_prev, ctx.activation.apply(ARG))


def _one_factor_repeated(node: Unary, ctx: _Context) -> None:
    """A power over steps, (F)^{t-k}, repeats one factor F. With the state at a fixed step in
    it, (Wᵀ diag(1 - h_t²))^{t-k}, every factor holds h_t, while ∂h_t/∂h_k = J_t ⋯ J_{k+1}
    has each step's own state: wrong from two steps on, so its one factor is not judged as if
    it were the product's (∏_{i=k+1}^{t} with h_i, or W^{t-k} with no state, are)."""
    fixed = next((n for n in _names(node.arg) if _canonical(n).letter == ctx.state and _time_of(n) is not None), None)
    if fixed is not None:
        raise InputError(
            f"the power at position {node.pos + 1} repeats one factor with {_display(fixed)}, the state at "
            "one fixed step, at every step; a product over steps has each step's own state "
            "(J_t J_{t-1} ⋯ J_{k+1}), so this holds for one step only: write the product with "
            "the step's index, \\prod_{i=k+1}^{t} with h_i, or check the one-step factor alone")


def _split(name: Name, ctx: _Context):
    """A run of letters in LaTeX, such as Wh, is a product of one-letter names."""
    last = len(name.letter) - 1
    try:  # a subscript belongs to the last letter: Wh_{t-1} is W h_{t-1}
        factors = [_role(Name(name.pos + k, c, name.sub if k == last else "",
                              name.time if k == last else ""), ctx)
                   for k, c in enumerate(name.letter)]
    except InputError:
        raise UnknownNameError(
            f"unknown name {name.letter!r} at position {name.pos + 1}: write --state {name.letter} "
            f"for a multi-letter state, --recurrent {name.letter} for the recurrent matrix, or "
            f"--define {name.letter}=…", name.letter) from None
    value = factors[0]
    for k, factor in enumerate(factors[1:], 1):
        value = _binary(Binary(name.pos + k, "matmul", name, name), value, factor, ctx)
    return value


def _eval(node: Node, ctx: _Context):
    """The value of `node`, with scalar notes' w v1 v2 … settled into a matrix."""
    return _settled(_value(node, ctx), ctx)


def _settled(value, ctx: _Context):
    if isinstance(value, _Scaled):
        d = _mul(*(sp.DiagMatrix(v.matrix()) for v in value.vecs))
        return _scaling(d, value.matrix, value.vec_first, value.node, ctx)
    return value


def _value(node: Node, ctx: _Context):
    """The value of `node`; a product with scalar notes' w may still be a `_Scaled`."""
    if isinstance(node, Name):
        return _role(node, ctx)
    if isinstance(node, Number):
        return sized_number(node, ctx.rec.n) if node.size else sp.Rational(node.text)
    if isinstance(node, Placeholder):
        key = f"point@{node.pos}"
        rec = ctx.rec
        point = ctx.choose(key, ("x_prev", "a_t", "x_t"),
                           tuple(Prose.of(f"the placeholder argument read as {what} {{p}}", p=p)
                                 for what, p in (("the previous state", rec.x_prev),
                                                 ("the step-t pre-activation", rec.a_t),
                                                 ("the current state", rec.x_t))))
        return _Vec(getattr(ctx.rec, point))
    if isinstance(node, Call):
        return _call(node, ctx)
    if isinstance(node, Fraction):
        return _jacobian_of(node, ctx)
    if isinstance(node, Unary):
        if node.op == "power-t":  # W^t: a product over t steps, or a transpose written lower-case
            if ctx.lhs_steps:  # ∂h_t/∂h_0 = W^t: t steps
                how = "steps"
            elif ctx.multi_step or ctx.claim_lhs:  # inside ∏, or after ∂h_t/∂h_{t-1}: no power over steps
                how = "transpose"
            else:
                how = ctx.choose(f"power-t@{node.pos}", ("steps", "transpose"), (
                    Prose.of("the superscript t read as a product over t steps"),
                    Prose.of("the superscript t read as a transpose")))
            if how == "transpose":
                ctx.notes.append(Prose.of("the lower-case superscript t is read as a transpose"))
            node = Unary(node.pos, "steps" if how == "steps" else "transpose", node.arg)
        if node.op == "steps":
            _one_factor_repeated(node, ctx)
        if node.op in ("prod", "steps"):
            ctx.multi_step = True
            return _value(node.arg, ctx)
        value = _eval(node.arg, ctx)
        if node.op in ("column", "row"):  # v[:, None], v[None, :]: the shape that decides how * broadcasts
            if not isinstance(value, _Vec) or value.shape:
                raise InputError(f"the reshape at position {node.pos + 1} applies to "
                                 f"{'an array reshaped already' if isinstance(value, _Vec) else 'no vector'}: "
                                 "write it after a vector, as in (1 - h**2)[:, None] * W")
            return replace(value, shape=node.op)
        if isinstance(value, _Grad):
            raise InputError(f"the {node.op} at position {node.pos + 1} applies to the gradient; "
                             "write the backward factor alone")
        if node.op == "neg":
            return _scale(value, -1)
        if isinstance(value, _Vec) and value.shape:  # v[:, None].T is v[None, :]
            return replace(value, shape="row" if value.shape == "column" else "column")
        if isinstance(value, _Vec):  # a row vector, as in σ(x)ᵀ W
            return sp.Transpose(value.matrix())
        if isinstance(value, sp.Basic) and value.is_Matrix:
            return sp.Transpose(value)
        raise InputError(f"the transpose at position {node.pos + 1} needs a matrix or vector")
    if isinstance(node, Binary):
        if node.op == "power":
            return _power(_eval(node.left, ctx), node.right, node)
        if node.op in ("add", "sub"):
            return _binary(node, _eval(node.left, ctx), _eval(node.right, ctx), ctx)
        return _binary(node, _value(node.left, ctx), _value(node.right, ctx), ctx)
    raise UnsupportedError(f"no meaning for {type(node).__name__}")


def _jacobian_of(node: Fraction, ctx: _Context):
    """∂σ(v)/∂v on the right-hand side: the Jacobian diag(σ'(v)) of an elementwise σ."""
    num = node.num
    if isinstance(num, Call) and num.func != "diag" and not num.prime and not num.power \
            and _same(num.arg, node.den):
        return sp.DiagMatrix(_call(Call(num.pos, num.func, True, None, node.den), ctx).matrix())
    raise UnsupportedError(f"the derivative at position {node.pos + 1} is not supported on the "
                           "right-hand side, except ∂σ(v)/∂v; write the matrix it stands for")


def _same(a: Node, b: Node) -> bool:
    """The same name, whatever the case of its letter (PDF text: H_{j-1} for h_{j-1})."""
    return isinstance(a, Name) and isinstance(b, Name) and \
        (a.letter.lower(), a.sub, a.time) == (b.letter.lower(), b.sub, b.time)


def _call(node: Call, ctx: _Context):
    if node.func not in ("diag", "sech") and isinstance(node.arg, Name) and node.arg.letter in TIME_LETTERS \
            and not node.arg.sub and not node.arg.time and node.prime:
        node = Call(node.pos, node.func, node.prime, node.power, Placeholder(node.arg.pos))  # σ'(t)
    ctx.in_activation += node.func != "diag"
    try:
        arg = _eval(node.arg, ctx)
    finally:
        ctx.in_activation -= node.func != "diag"
    if isinstance(arg, _Vec) and arg.shape:  # np.diag of an (n, 1) array is its one diagonal entry
        raise InputError(f"the function at position {node.pos + 1} applies to an array reshaped to "
                         f"{_ARRAY[arg.shape]}: reshape its result instead, as in (1 - h**2)[:, None]")
    if node.func == "diag":
        if node.prime or node.power:
            raise InputError(f"diag at position {node.pos + 1} takes no prime or power")
        if isinstance(arg, sp.DiagMatrix):  # diag[∂σ(h)/∂h]: already diagonal
            return arg
        if isinstance(arg, sp.Basic) and arg.is_number:  # diag(1_n), diag(1): the ones vector's is I
            return sp.Identity(ctx.rec.n) if arg == 1 else _scale(sp.Identity(ctx.rec.n), arg)
        vec = _as_vec(arg, node)
        return sp.Identity(ctx.rec.n) if vec.body == 1 else sp.DiagMatrix(vec.matrix())
    vec = _as_vec(arg, node)
    if node.func == "sech":  # sech² = tanh'
        if node.prime:
            raise InputError(f"sech' at position {node.pos + 1} is not supported")
        body = sp.sech(vec.body)
    else:
        activation = ctx.activation if node.func == "sigma" else ACTIVATIONS[node.func]
        if node.func != "sigma" and activation is not ctx.activation:
            what = "H, the Heaviside step (ReLU's derivative)," if node.word == "H" else node.func
            raise InputError(f"{what} at position {node.pos + 1} differs from the activation "
                             f"{ctx.activation.name}; give --activation {node.func}")
        if node.word == "H":
            ctx.notes.append(Prose.of("H is the Heaviside step, ReLU's derivative: H(s) = 1 for s > 0, "
                                      "else 0 (H(0) = 0)"))
        if node.prime and vec.body != ARG:
            raise UnsupportedError("σ' of an expression other than a vector is not supported")
        vec = _Vec(_completed(vec.base, ctx, "σ'" if node.prime else "σ"), vec.body)
        body = activation.derivative(vec.body) if node.prime else activation.apply(vec.body)
    return _Vec(vec.base, body ** node.power if node.power else body)


def _completed(base, ctx: _Context, func: str = "σ'"):
    """W x_{t-1} + W_in u_t without b (or without the input) is the step's pre-activation of a
    network without them: completed to W x_{t-1} + W_in u_t + b, with a note."""
    rec = ctx.rec
    terms = base.args if isinstance(base, sp.MatAdd) else (base,)
    wx, full = _mul(rec.W, rec.x_prev), (_mul(rec.W, rec.x_prev), _mul(rec.W_in, rec.u), rec.b)
    if wx not in terms or not all(t in full for t in terms) or len(set(terms)) == 3:
        return base
    missing = [(name, t) for name, t in zip(("", "the input term", "the bias"), full) if t not in terms]
    # What is judged is σ' at the full a_t (the read-as line prints it so): say that, once.
    slots = {f"m{k}": t for k, (_, t) in enumerate(missing)}
    ctx.notes.append(Prose.of(
        f"{func} is taken at the step's pre-activation written without {' and '.join(n for n, _ in missing)}: "
        f"{' and '.join('{%s}' % k for k in slots)} {'is' if len(slots) == 1 else 'are'} added, and the "
        f"formula is judged with {func} at {{a}}", a=sp.Eq(rec.a_t, sp.MatAdd(*full), evaluate=False), **slots))
    return sp.MatAdd(*full)


def _as_vec(value, node: Node) -> _Vec:
    if isinstance(value, _Vec):
        return value
    if isinstance(value, sp.Basic) and value.is_Matrix and value.shape[1] == 1:
        return _Vec(value)
    raise InputError(f"the function at position {node.pos + 1} applies to a vector, not a matrix")


def _is_zero(value) -> bool:
    """A zero matrix, also a scaled one (−0_{n×n} is read as the product −1 · 0)."""
    return isinstance(value, sp.ZeroMatrix) or isinstance(value, sp.MatMul) and any(
        isinstance(f, sp.ZeroMatrix) for f in value.args)


def _scale(value, factor):
    if isinstance(value, _Vec):
        return replace(value, body=factor * value.body)
    return factor * value


def _power(value, exponent: int, node: Node):
    if isinstance(value, _Vec):
        return replace(value, body=value.body ** exponent)
    if isinstance(value, sp.Basic) and not value.is_Matrix:
        return value ** exponent
    if exponent == 1:
        return value
    if not isinstance(value, sp.Basic):  # a gradient (δ_t², dh**2): no matrix to multiply
        raise InputError(f"the power {exponent} at position {node.pos + 1} applies to a gradient, "
                         "which the factor multiplies; a power belongs to a matrix or an entrywise function")
    if value.shape[0] != value.shape[1]:
        raise InputError(f"the power {exponent} at position {node.pos + 1} applies to a matrix of size "
                         f"{_shape(value)}: only a square matrix takes a power (W² is W W)")
    if exponent == 0:  # W⁰ = I, but no one-step factor is written so: more likely a slip
        raise InputError(f"the power 0 at position {node.pos + 1} applies to a matrix: a matrix takes a "
                         f"whole power from 1 to {MAX_EXPONENT} (W² is W W); for the identity write I")
    return _mul(*[value] * exponent)  # W²: a square matrix times itself


def _combine(a: _Vec, b: _Vec, op, node: Node) -> _Vec:
    if a.base == b.base:
        return _Vec(a.base, op(a.body, b.body))
    if a.body == ARG and b.body == ARG and op is sp.Add:
        terms = lambda e: e.args if isinstance(e, sp.MatAdd) else (e,)
        return _Vec(sp.MatAdd(*terms(a.base), *terms(b.base)))
    raise UnsupportedError(f"the vectors combined at position {node.pos + 1} are functions of "
                           "different vectors; write them as one elementwise expression")


def _scaling(d, matrix, vec_first: bool, node: Binary, ctx: _Context, numpy: bool = False):
    """v ⊙ M or v * M without diag, d = diag(v): rows (d M) or columns (M d), a reading each.

    `numpy`: code's `v * M` or `M * v`, whose meaning the array's shape decides and the
    formula does not: a 1-D array (shape (n,)) broadcasts along the last axis and scales the
    columns (M diag(v)), whichever side it is on; only a column array (n, 1), as min-char-rnn's
    hs[t], scales the rows. The 1-D reading comes first; the rows reading is a choice of its
    own (`BROADCAST`) that `check` never makes the main verdict's reading when another exists."""
    if matrix.shape != (ctx.rec.n, ctx.rec.n):
        raise InputError(f"the product at position {node.pos + 1} multiplies a vector and a "
                         f"{_shape(matrix)} matrix")
    if numpy:
        op = node.broadcast or "*"
        texts = {"columns": Prose.of(f"the vector read as a 1-D array (shape (n,)), which {op} broadcasts "
                                     "along the last axis: it scales the columns, {m}", m=_mul(matrix, d)),
                 "rows": Prose.of("the vector read as a column array (shape (n, 1)), as in min-char-rnn, "
                                  f"which {op} broadcasts along the rows: it scales the rows, {{m}}", m=_mul(d, matrix))}
        how = ctx.choose(f"{BROADCAST}@{node.pos}", ("columns", "rows"), (texts["columns"], texts["rows"]))
        return _mul(d, matrix) if how == "rows" else _mul(matrix, d)
    first = ("rows", "columns") if vec_first else ("columns", "rows")
    texts = {"rows": Prose.of("the vector read as scaling the rows, {m}", m=_mul(d, matrix)),
             "columns": Prose.of("the vector read as scaling the columns, {m}", m=_mul(matrix, d))}
    how = ctx.choose(f"scaling@{node.pos}", first, tuple(texts[f] for f in first))
    return _mul(d, matrix) if how == "rows" else _mul(matrix, d)


def _with_gradient(node: Binary, a, b, ctx: _Context):
    """A product or sum with the gradient vector in it (the backward step as code writes it)."""
    if node.op in ("add", "sub"):
        raise InputError(f"the sum at position {node.pos + 1} adds to the gradient; write the "
                         "backward factor alone")
    if isinstance(a, _Grad) and isinstance(b, _Grad):
        raise InputError(f"the product at position {node.pos + 1} multiplies two gradients")
    grad, other, grad_first = (a, b, True) if isinstance(a, _Grad) else (b, a, False)
    if isinstance(other, _Vec):  # g ⊙ v, or g * v in code: elementwise
        return grad.scaled(other)
    if isinstance(other, sp.Basic) and not other.is_Matrix:
        return _Grad(_scale(grad.factor if grad.factor is not None else sp.Identity(ctx.rec.n), other),
                     grad.side, grad.name)
    if node.op == "hadamard":
        raise InputError(f"⊙ at position {node.pos + 1} multiplies the gradient and a matrix")
    if grad_first:
        ctx.rows = True  # g W: a row gradient on the left, as row-vector code writes it
    return grad.times(other, "left" if grad_first else "right", node)


#: A reshaped array's shape, as code writes it.
_ARRAY = {"column": "(n, 1)", "row": "(1, n)"}


def _shaped(node: Binary, a, b, ctx: _Context):
    """A product or sum with an array whose shape the code writes: (1 - h**2)[:, None] * W.

    numpy broadcasts a column array (n, 1) along the rows, v[:, None] * M = diag(v) M, and a
    row array (1, n) along the columns, v[None, :] * M = M diag(v), whichever side M is on.
    The shape is written, so there is one reading (without it, `_scaling` judges both)."""
    a, b = _settled(a, ctx), _settled(b, ctx)
    vec, other = (a, b) if isinstance(a, _Vec) and a.shape else (b, a)
    scalar = isinstance(other, sp.Basic) and not other.is_Matrix
    if node.op in ("add", "sub") and (scalar or isinstance(other, _Vec) and other.shape == vec.shape):
        plain = [replace(v, shape="") if isinstance(v, _Vec) else v for v in (a, b)]
        return replace(_binary(node, *plain, ctx), shape=vec.shape)  # 1 - h[:, None]**2
    if scalar and node.op in ("times", "matmul", "hadamard"):
        return _scale(vec, other)
    if node.op in ("times", "hadamard") and isinstance(other, sp.Basic) and other.shape == (ctx.rec.n, ctx.rec.n):
        d = sp.DiagMatrix(vec.matrix())
        m = _mul(d, other) if vec.shape == "column" else _mul(other, d)
        ctx.notes.append(Prose.of(f"the vector is a {vec.shape} array {_ARRAY[vec.shape]}, as the code "
                                  f"writes it: * scales the {'rows' if vec.shape == 'column' else 'columns'} "
                                  "of the matrix by it, {m}", m=m))
        return m
    raise InputError(f"the {'sum' if node.op in ('add', 'sub') else 'product'} at position {node.pos + 1} "
                     f"has an array reshaped to {_ARRAY[vec.shape]}: such an array is read only where * "
                     "scales a matrix by it, as in (1 - h**2)[:, None] * W")


def _binary(node: Binary, a, b, ctx: _Context):
    scalar = lambda v: isinstance(v, sp.Basic) and not v.is_Matrix
    if any(isinstance(v, _Vec) and v.shape for v in (a, b)):
        return _shaped(node, a, b, ctx)
    square = lambda v: not isinstance(v, _Vec) and not scalar(v) and v.shape[1] != 1
    for scaled, other in ((a, b), (b, a)):
        if isinstance(scaled, _Scaled) and isinstance(other, _Vec):
            return scaled.times(other)  # w h_t (1 − h_t): one more entrywise factor
        if isinstance(scaled, _Scaled) and scalar(other):
            return _Scaled(_scale(scaled.matrix, other), scaled.vecs, scaled.node, scaled.vec_first)
    a, b = _settled(a, ctx), _settled(b, ctx)
    if isinstance(a, _Grad) or isinstance(b, _Grad):
        return _with_gradient(node, a, b, ctx)
    if node.op in ("add", "sub"):
        if node.op == "sub":
            b = b if _is_zero(b) else _scale(b, -1)
        if isinstance(a, _Vec) and isinstance(b, _Vec):
            return _combine(a, b, sp.Add, node)
        if isinstance(a, _Vec) and scalar(b):
            return _Vec(a.base, a.body + b)
        if isinstance(b, _Vec) and scalar(a):
            return _Vec(b.base, a + b.body)
        if scalar(a) and scalar(b):
            return a + b
        if not (scalar(a) or scalar(b) or isinstance(a, _Vec) or isinstance(b, _Vec)):
            if a.shape != b.shape:
                raise InputError(f"the sum at position {node.pos + 1} adds shapes {_shape(a)} and {_shape(b)}")
            # O_{n×n} + W diag(σ'(x_{t-1})): the reading is printed as what is judged, without
            # the zero term (as a cell's reading is, `cell_claim._added`)
            kept = [m for m in (a, b) if not _is_zero(m)]
            return sp.MatAdd(*kept) if len(kept) == 2 else kept[0] if kept else a
        for zero, other in ((a, b), (b, a)):  # W diag(σ'(x_{t-1})) + 0: the 0 is the zero matrix
            if scalar(zero) and zero == 0 and isinstance(other, sp.Basic) and other.is_Matrix:
                return other
        raise InputError(f"the sum at position {node.pos + 1} adds a matrix and a vector or number")
    if scalar(a) or scalar(b):
        return _scale(b, a) if scalar(a) else _scale(a, b)
    if isinstance(a, _Vec) and isinstance(b, _Vec) and node.op != "hadamard" \
            and _input_weight_u(node, a, b, ctx):
        a = ctx.rec.W_in
        ctx.names["input_weight"] = "u"
        if ctx.names.get("input") == "u":  # u was met first, as a vector: the input is the right one
            ctx.names["input"] = _canonical(node.right).letter
        ctx.notes.append(Prose.of("{name} is read as the input weight {W}: it multiplies the input "
                                  "{x}, as the weight u does in scalar lecture notes (w h + u x)",
                                  name="u", W=a, x=_display(node.right)))
    elif isinstance(a, _Vec) and isinstance(b, _Vec):
        if node.op != "hadamard" and _input_vector(a, node.left, ctx) and _input_vector(b, node.right, ctx):
            raise InputError(_two_vectors(node, ctx))  # u_t x_t: an input times an input
        try:
            return _combine(a, b, sp.Mul, node)  # x ∘ y, or x * y in code: elementwise
        except UnsupportedError:
            for product, value, other in ((node.left, a, node.right), (node.right, b, node.left)):
                if _applied(product, value):  # W^T h_t ⊙ (1 − h_t): the product is taken first
                    raise InputError(_vector_times_vector(node, product, other)) from None
            if node.op != "hadamard" and (_input_vector(a, node.left, ctx) or _input_vector(b, node.right, ctx)):
                raise InputError(_two_vectors(node, ctx)) from None
            raise
    if not ctx.in_activation and isinstance(b, _Vec) and square(a) and _scalar_weight(node.left, ctx):
        return _Scaled(a, (b,), node, False)  # w σ'(a_t): scalar notes' w, rows or columns
    if not ctx.in_activation and isinstance(a, _Vec) and square(b) and _scalar_weight(node.right, ctx):
        return _Scaled(b, (a,), node, True)  # h_t (1 − h_t) w: the same, w written last
    numpy = node.op == "times" or bool(node.broadcast)  # code's v * W, np.multiply(v, W), torch.mul
    if isinstance(a, _Vec) and square(b):
        return _scaling(sp.DiagMatrix(a.matrix()), b, True, node, ctx, numpy=numpy)
    if node.op in ("hadamard", "times") and isinstance(b, _Vec) and square(a):
        return _scaling(sp.DiagMatrix(b.matrix()), a, False, node, ctx,
                        numpy=numpy)  # W ⊙ v; W * v as numpy broadcasts
    if node.op == "hadamard":
        if a.shape == b.shape:
            return sp.HadamardProduct(a, b)
        raise InputError(f"⊙ at position {node.pos + 1} needs two operands of the same shape")
    # matmul (juxtaposition, *, @, \cdot)
    left = a.matrix() if isinstance(a, _Vec) else a
    right = b.matrix() if isinstance(b, _Vec) else b
    if left.shape[1] != right.shape[0]:
        hint = ""
        if left in (ctx.rec.W, sp.Transpose(ctx.rec.W)) and _input_vector(b, node.right, ctx):
            # Cho et al. write W x_t + U h_{t-1}: their W is the input weight, U the recurrent one
            hint = (f": {_spelled(node.left)} is read as the recurrent weight W (n×n) and "
                    f"{_spelled(node.right)} as the input; if in your source {_spelled(node.left)} is the "
                    "input weight and another name the recurrent one, as in Cho et al.'s W x_t + U h_{t-1}, "
                    f"give both: --define {_spelled(node.left)}=W_in --recurrent U")
        raise InputError(f"the product at position {node.pos + 1} multiplies shapes "
                         f"{_shape(left)} and {_shape(right)}{hint}")
    product = _mul(left, right)
    return _Vec(product) if isinstance(b, _Vec) and product.shape[1] == 1 else product


def _applied(node: Node, value) -> bool:
    """Whether `node` is a matrix applied to a vector (W^T h_t), whose value is a vector."""
    return isinstance(node, Binary) and node.op in ("matmul", "times") and isinstance(value, _Vec) \
        and value.body == ARG and isinstance(value.base, sp.MatMul)


_OPS = {"add": " + ", "sub": " − ", "matmul": " ", "times": " * ", "hadamard": " ⊙ "}


def _spelled(node: Node, grouped: bool | str = False) -> str:
    """A node written back in plain text (W^T h_t, (1 − h_t)), for a message; '…' for what
    has no short spelling. `grouped`: in parentheses if compound; "product": the left factor
    of a product, where a product needs none."""
    if isinstance(node, Name):
        return _display(node)
    if isinstance(node, Number):
        return node.text
    if isinstance(node, Placeholder):
        return "·"
    if isinstance(node, Unary) and node.op in ("transpose", "neg", "column", "row"):
        arg = _spelled(node.arg, True)
        return {"transpose": f"{arg}^T", "neg": f"-{arg}", "column": f"{arg}[:, None]", "row": f"{arg}[None, :]"}[node.op]
    if isinstance(node, Call):
        power = f"^{node.power}" if node.power else ""
        prime = chr(39) if node.prime and node.word != "H" else ""  # H(s) is relu'(s) as written
        return f"{node.word or node.func}{power}{prime}({_spelled(node.arg)})"
    if isinstance(node, Binary) and node.op == "power":
        return f"{_spelled(node.left, True)}^{node.right}"
    if isinstance(node, Binary) and node.op in _OPS:
        text = _spelled(node.left, "product" if node.op == "matmul" else node.op not in ("add", "sub")) + _OPS[node.op] + \
            _spelled(node.right, node.op != "add")
        # a product in a product needs no parentheses: W^T h_t, diag(v) W h_t
        chained = node.op == "matmul" and grouped == "product"
        return f"({text})" if grouped and not chained else text
    return "…"


def _vector_times_vector(node: Binary, product: Node, other: Node) -> str:
    """Why M v ⊙ u is no Jacobian, in the formula's terms, with what to write."""
    op = "*" if node.op == "times" else "⊙"
    message = (f"{_spelled(node)} at position {node.pos + 1} is a vector, not a matrix: the product "
               f"{_spelled(product)} is taken first, and {op} multiplies the vector it gives entrywise "
               f"by {_spelled(other, True)}")
    if product is node.left:  # W^T h_t ⊙ (1 − h_t): W^T diag(h_t ⊙ (1 − h_t)) was likely meant
        matrix = _spelled(product.left, "product")
        vector, rest = (_spelled(n, True) for n in (product.right, other))
        message += (f"; for the Jacobian write {matrix} diag({vector} ⊙ {rest}), or group the entrywise "
                    f"product: {matrix} ({vector} ⊙ {rest})")
    return message


def _display(node: Node) -> str:
    """A name as the formula's reader writes it (x_t, u, next_h); '…' for anything else."""
    if not isinstance(node, Name):
        return "…"
    canonical = _canonical(node)
    index = _time_of(canonical)
    return _written(node) or (_shown(canonical.letter, index) if index else _key(node))


def _input_vector(value, node: Node, ctx: _Context) -> bool:
    """Whether `value` is a name read as the input vector u_t (u, or x when h is the state)."""
    return isinstance(node, Name) and isinstance(value, _Vec) and value.base == ctx.rec.u and value.body == ARG


def _input_weight_u(node: Binary, a, b, ctx: _Context) -> bool:
    """u x_t in σ's argument, x the input (h the state): scalar lecture notes' input weight u,
    as in h_t = tanh(w h_{t-1} + u x_t). An input vector times the input is no pre-activation's
    term, so reading u as the weight is the only reading that makes one."""
    left, right = node.left, node.right
    return (ctx.in_activation > 0 and isinstance(left, Name) and isinstance(right, Name)
            and (left.letter, left.sub, left.time) == ("u", "", "") and "u" not in dict(ctx.roles.defines)
            and _canonical(right).letter != "u" and _input_vector(a, left, ctx) and _input_vector(b, right, ctx))


def _scalar_weight(node: Node, ctx: _Context) -> bool:
    """A lower-case one-letter recurrent weight (scalar notes' w), alone, negated, times a
    number or the factor of a product over steps (∏ w σ'(a_i)): w v is a scalar product there, so its matrix form
    scales the rows or the columns, as v ⊙ M does."""
    while isinstance(node, Unary) and node.op in ("neg", "prod", "steps") or isinstance(node, Binary) \
            and node.op in ("matmul", "times") and isinstance(node.left, Number):
        node = node.arg if isinstance(node, Unary) else node.right  # -w, ∏ w, 2 w: still w
    return (isinstance(node, Name) and len(node.letter) == 1 and node.letter.islower()
            and not node.sub and not node.time and node.letter in ctx.roles.recurrent)


def _two_vectors(node: Binary, ctx: _Context) -> str:
    """Why a product of two vectors is refused, naming the one read as the input."""
    inputs = [n for n in (node.left, node.right) if isinstance(n, Name) and _canonical(n).letter != ctx.state]
    which = " and ".join(_display(n) for n in inputs) or "one of them"
    key = _key(inputs[0]) if inputs else "u"
    return (f"the product {_display(node.left)} {_display(node.right)} at position {node.pos + 1} "
            f"multiplies two vectors: {which} {'are' if len(inputs) > 1 else 'is'} read as the input "
            f"vector u_t ({ctx.state} is the state); write U or W_in for the input weight, or give "
            f"{key} a role with --define {key}=… or --recurrent {key}")
