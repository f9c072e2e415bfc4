"""`check -r gru|lstm|… / --cell`: is a published formula a block of a cell's Jacobian?

The formula (`cell_claim.readings`) is judged against the block dv_t/ds_{t-1} its left side
names (or `block`), numerator layout, and its transpose (denominator layout), derived by the
chain rule through the cell's equations (`chain.chain`). Statuses as for `check`:

* refuted: at some n in SIZES some entry differs at seeded random values (30 digits), by more
  than TOLERANCE; the counterexample gives n, the entry and both values;
* proved: entry (i, j) of the claim equals the block's for symbolic i, j and n, both in the
  index normal form of `cell_index` (σ' of a gate written through the gate first);
* numeric: equal at every n in SIZES and seed in SEEDS, but not proved.

Readings for the confusions that circulate (each judged in both layouts):

* the other cells of the family (`Cell.family`): z versus 1 − z (gru-chung), the reset gate
  before or after the product (gru-torch), with or without peepholes (lstm-peephole);
* through: with s alone as the state. For the LSTM's (c, c) block, h_{t-1} = o_{t-1} ⊙
  tanh(c_{t-1}) is a function of c_{t-1} (o_{t-1} held), so dc_t/dc_{t-1} = J_cc + J_ch
  ∂h_{t-1}/∂c_{t-1}: what formulas that treat c alone as the state mean;
* σ'(z_t) of a gate z_t = σ(a) read at a, the gate's pre-activation (`cell_claim`).

The instance is the cell's, with every previous state a state equation writes through
another (h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1})) taken from that equation at t − 1, its gates
drawn in their activation's range: the point the LSTM visits.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .cell import Cell
from .cell_claim import CellReading, block_of, readings
from .cell_derivation import _forward, _number, _random_values
from .cell_index import _Indices, i, j, matrix_entry, normal_form, sifted
from .cells import CELLS
from .chain import Chain, _through_output, chain
from .errors import InputError, UnsupportedError
from .explicit import explicit, jacobian_entries, mismatches
from .grammar import Claim, parse
from .layout import Layout, to_layout
from .model import N, element_matrix
from .numeric import DIGITS
from .steps import Reported

SIZES = (1, 2, 3)
#: Longest formula accepted: a gated block in LaTeX runs to several hundred characters (the
#: LSTM's dh_t/dh_{t-1} as this tool prints it, 764); the cost bound still applies.
MAX_LENGTH = 1600
SEEDS = (0, 1)
TOLERANCE = mpmath.mpf("1e-20")
#: Sizes at which the block printed as the truth is compared with the cell differentiated.
TRUTH_SIZES = (1, 2)


@dataclass(frozen=True)
class Target:
    """What a reading is judged against: block (v, s) of `cell`, plain or through."""

    cell: Cell
    v: sp.MatrixSymbol  # v_t, a next state or a gate
    s: sp.MatrixSymbol  # s_{t-1}, a previous state
    #: ((w_{t-1}, its equation at t − 1, ∂w_{t-1}/∂s_{t-1}), …): states written through s_{t-1}
    through: tuple = ()

    @property
    def key(self) -> str:
        return self.cell.key + (":through" if self.through else "")


@dataclass(frozen=True)
class CellCounterexample:
    """Claim and truth differ at entry (1-based) of the n×n block, at the seeded instance."""

    n: int
    m: int
    seed: int
    entry: tuple[int, int]
    claim_value: float
    truth_value: float
    claim_entry: sp.Expr  # the entry with every gate and state an entry symbol ([f_t]_1)
    truth_entry: sp.Expr


@dataclass(frozen=True)
class CellVerdict:
    """One reading of the claim against one target in one layout."""

    target: Target
    layout: Layout
    reading: CellReading
    status: str  # proved | numeric | refuted
    counterexample: CellCounterexample | None = None

    @property
    def holds(self) -> bool:
        return self.status != "refuted"


@dataclass(frozen=True)
class CellCheckResult(Reported):
    """The outcome of a cell check: the claim, the block, main verdicts and readings."""

    report = "cell-check"  # its renderer in steps.DISPLAY (a class attribute, not a field)

    text: str
    claim: Claim
    target: Target  # the cell and block asked about
    verdicts: dict  # Layout → CellVerdict (the best reading)
    readings: tuple[CellVerdict, ...]  # other targets and readings that hold
    all_verdicts: tuple[CellVerdict, ...]
    truth: sp.MatrixExpr  # the block, numerator layout
    truth_verified: bool  # every block judged against (the asked one, variants, through) verified

    @property
    def cell(self) -> Cell:
        return self.target.cell

    def truth_in(self, layout: Layout | str) -> sp.MatrixExpr:
        from .cell_derivation import transposed
        return self.truth if Layout.parse(layout) is Layout.NUMERATOR else transposed(self.truth)

    def verdict(self, layout: Layout | str) -> CellVerdict:
        return self.verdicts[Layout.parse(layout)]



def _shift(expr):
    """`expr` one step back: every quantity at t taken at t − 1."""
    return expr.xreplace({s: sp.MatrixSymbol(s.name[:-2] + "@t-1", *s.shape) for s in expr.free_symbols
                          if isinstance(s, sp.MatrixSymbol) and s.name.endswith("@t")})


def _through(cell: Cell, ch: Chain, s) -> tuple:
    """The other states whose equation uses s's next value (h_t = o_t ⊙ tanh(c_t) uses c_t),
    with that equation at t − 1: their previous value is a function of s_{t-1}."""
    s_next = sp.MatrixSymbol(s.name[:-4] + "@t", N, 1)
    return tuple((w_prev, _shift(cell.defined[w_next]), _shift(ch.partials[w_next, s_next]))
                 for w_next, w_prev in zip(cell.next, cell.prev)
                 if w_prev != s and (w_next, s_next) in ch.partials)


def truth_of(target: Target) -> sp.MatrixExpr:
    """The target's block, numerator layout: dv_t/ds_{t-1}, plus Σ_w dv_t/dw_{t-1} ∂w_{t-1}/∂s_{t-1}
    when it is taken through (w's equation at t − 1, its gates held)."""
    ch = chain(target.cell)
    out = ch.block(target.v, target.s)
    terms = [out] if not isinstance(out, sp.ZeroMatrix) else []
    for w_prev, _, partial in target.through:
        block = ch.block(target.v, w_prev)
        if not isinstance(block, sp.ZeroMatrix):
            terms.append(sp.MatMul(block, partial))
    return sp.MatAdd(*terms) if len(terms) > 1 else (terms[0] if terms else sp.ZeroMatrix(N, N))


@functools.lru_cache(maxsize=64)
def _instance(cell: Cell, n: int, seed: int):
    """(env, known values): the cell's seeded instance at n, m = n + 1, every previous-step
    quantity bound (see the module docstring)."""
    env = cell.bindings(n, n + 1, total=False)
    values = _random_values(cell, env, seed)
    with mpmath.workdps(DIGITS):
        for lhs, rhs in cell.equations:  # the previous step's gates, in their range
            prev = sp.MatrixSymbol(lhs.name[:-2] + "@t-1", N, 1)
            if lhs in cell.next:
                continue
            env[prev] = element_matrix(prev.name, n, 1, vector=True)
            for e in env[prev]:
                x = sp.Rational(random.Random(f"{seed}:{e.name}").randint(-1000, 1000), 1000)
                values[e] = _number(rhs.function(x) if hasattr(rhs, "function") else x, {})
        ch = chain(cell)
        for s in cell.prev:
            for w_prev, rhs, _ in _through(cell, ch, s):
                known = {k: mpmath.mpf(v.p) / v.q if isinstance(v, sp.Rational) else v for k, v in values.items()}
                rows = explicit(rhs, env)
                for r in range(n):
                    values[env[w_prev][r]] = _number(rows[r], known)
        return env, _forward(cell, env, values)


@functools.lru_cache(maxsize=512)
def _values(expr, n: int, cell: Cell, seed: int) -> tuple:
    """`expr`'s entries at the instance (n, seed): a truth is asked for by every reading and
    layout, a reading by every layout, so each is written out once."""
    env, known = _instance(cell, n, seed)
    matrix = explicit(expr, env)
    with mpmath.workdps(DIGITS):
        return tuple(tuple(_number(matrix[r, c], known) for c in range(n)) for r in range(n))


def _proved(expr, truth, cell: Cell) -> bool:
    """Entry (i, j) of both in the index normal form, for symbolic i, j, n (σ' of each gate
    written through the gate, as the block is)."""
    try:
        for lhs, rhs in cell.equations:
            expr = _through_output(expr, lhs, rhs)
        left, right = (_on_diagonal(normal_form(sifted(matrix_entry(m, i, j, _Indices()))))
                       for m in (expr, truth))
        return sp.expand(left - right) == 0
    except (UnsupportedError, ValueError, TypeError, AttributeError):  # no normal form: not proved
        return False


def _on_diagonal(expr) -> sp.Expr:
    """Each term with δ_ij taken at j = i: [f]_j δ_ij is [f]_i δ_ij (a transposed diag)."""
    delta = sp.KroneckerDelta(i, j)
    return sp.Add(*[t.xreplace({j: i}).xreplace({sp.KroneckerDelta(i, i): 1}) * delta if t.has(delta) else t
                    for t in sp.Add.make_args(sp.expand(expr))])


def judge(reading: CellReading, target: Target, layout: Layout, truth=None) -> CellVerdict:
    """`reading` against `target`'s block in `layout`."""
    truth = to_layout(truth if truth is not None else truth_of(target), layout)
    expr = reading.expr
    for n in SIZES:
        for seed in SEEDS:
            got, want = (_values(m, n, target.cell, seed) for m in (expr, truth))
            worst, where = mpmath.mpf(0), None
            for r in range(n):
                for c in range(n):
                    if abs(got[r][c] - want[r][c]) > worst:
                        worst, where = abs(got[r][c] - want[r][c]), (r, c)
            if worst > TOLERANCE:
                r, c = where
                entries = [explicit(m, _instance(target.cell, n, seed)[0])[r, c] for m in (expr, truth)]
                example = CellCounterexample(n, n + 1, seed, (r + 1, c + 1), float(got[r][c]), float(want[r][c]),
                                             *entries)
                return CellVerdict(target, layout, reading, "refuted", example)
    return CellVerdict(target, layout, reading, "proved" if _proved(expr, truth, target.cell) else "numeric")


@functools.lru_cache(maxsize=None)
def truth_checked(target: Target) -> bool:
    """The block equals the cell written out and differentiated entry by entry, at every
    size in TRUTH_SIZES; taken through, with each w_{t-1} written out from its equation at
    t − 1 (the previous step's gates entry symbols) and the cell written out over it."""
    cell, truth = target.cell, truth_of(target)
    for n in TRUTH_SIZES:
        env = cell.bindings(n, n + 1, total=True)  # a copy: rebinding it changes nothing shared
        if target.through:
            for lhs in cell.intermediates:
                name = lhs.name[:-2] + "@t-1"
                env[sp.MatrixSymbol(name, N, 1)] = element_matrix(name, n, 1, vector=True)
            for w_prev, rhs, _ in target.through:
                env[w_prev] = explicit(rhs, env)
            for lhs, rhs in cell.equations:
                env[lhs] = explicit(rhs, env)
        expected = jacobian_entries(list(env[target.v]), list(env[target.s]), env.partials)
        if mismatches(explicit(truth, env), expected):
            return False
    return True


def _targets(cell: Cell, v, s) -> list[Target]:
    """The block asked about, then the same block of each variant, then through."""
    out = [Target(cell, v, s)]
    for other in CELLS.values():
        if other.family and other.family == cell.family and other.key != cell.key \
                and other.states == cell.states and v in dict(other.equations):
            out.append(Target(other, v, s))
    through = _through(cell, chain(cell), s)
    if through:
        out.append(Target(cell, v, s, through))
    return out


_RANK = {"proved": 2, "numeric": 1, "refuted": 0}


def _other_blocks(cell: Cell, target: Target) -> list[Target]:
    """The cell's blocks ∂v_t/∂s_{t-1} between its states other than `target`'s, in order."""
    defined = {lhs.name.split("@")[0]: lhs for lhs, _ in cell.equations}
    blocks = [(defined[v], sp.MatrixSymbol(f"{s}@t-1", N, 1)) for v in cell.states for s in cell.states]
    return [Target(cell, v, s) for v, s in blocks if (v, s) != (target.v, target.s)]


def check_cell(text: str, cell: "Cell | str", block: tuple[str, str] | None = None) -> CellCheckResult:
    """Judge the formula `text` as a block of `cell`'s one-step Jacobian (see the module
    docstring). `cell` is a `Cell` or a key of `cells.CELLS`; `block` is (v, s) as state
    or gate letters, used when the formula has no left side.

    Raises:
        InputError: malformed input (with its position), a name the cell does not have, a
            formula that is not an n×n matrix, a block the cell does not have.
    """
    if isinstance(cell, str):
        if cell not in CELLS:
            raise InputError(f"unknown cell {cell!r}; choose one of: {', '.join(CELLS)}")
        cell = CELLS[cell]
    claim = parse(text, MAX_LENGTH)
    v, s = block_of(claim, cell, block)
    options = readings(claim, cell)
    judged = []
    for target in _targets(cell, v, s):
        try:
            theirs = options if target.cell is cell else readings(claim, target.cell)
        except InputError:  # the variant lacks a name the formula uses (b_hn, p_i): not judged
            continue
        truth = truth_of(target)
        for reading in theirs:
            for layout in Layout:
                judged.append(judge(reading, target, layout, truth))
    main_target = Target(cell, v, s)
    own = [x for x in judged if x.target == main_target]

    def score(reading):
        ranks = [_RANK[x.status] for x in own if x.reading == reading]
        return max(ranks), sum(ranks)
    # The main verdict reads σ' where the formula puts it; σ' moved to a gate's pre-activation
    # is a reading (the formula as written is what a reader copies).
    literal = [r for r in options if not r.at_pre_activation]
    best = max(literal, key=lambda r: (*score(r), -options.index(r)))
    main = {x.layout: x for x in own if x.reading == best}
    if claim.lhs is None and block is None and not any(x.holds for x in main.values()):
        # No left side named the block: where the first state's fails, the formula may be
        # another block of the cell (diag(f_t) is the LSTM's ∂c_t/∂c_{t-1}), a reading.
        for target in _other_blocks(cell, main_target):
            truth = truth_of(target)
            judged.extend(judge(reading, target, layout, truth) for reading in options for layout in Layout)
    # Readings are listed where the main verdict fails (elsewhere they repeat it), and a
    # variant only where the asked cell under the same reading does not already hold.
    own_held = {(x.layout, x.reading.choices) for x in own if x.holds}
    others = tuple(x for x in judged if x.holds and not main[x.layout].holds
                   and not (x.target == main_target and x.reading == best)
                   and (x.target.cell is cell or (x.layout, x.reading.choices) not in own_held))
    return CellCheckResult(text, claim, main_target, main, others, tuple(judged),
                           truth_of(main_target), all(truth_checked(t) for t in {x.target for x in judged}))
