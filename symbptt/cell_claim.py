"""From a parsed formula to matrix expressions over a cell's own symbols (`check -r gru`).

A formula about a gated cell names the cell's quantities as its source does: U_z, W_n, b_r
(parameters, by their names in the cell), z_t, r_t, f_t (gates: with index t or without),
h_{t-1}, c_t (states), \\tilde h_t or \\tilde c_t (a cell's `aliases`: the candidate), I (the
identity), and the previous step's gates o_{t-1} (a state written through them, as
h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1})). Vectors and matrices are told apart by their shapes:

* diag(v) is a diagonal matrix; v ⊙ w, v * w and v w of two vectors the entrywise product
  (z(1 − z) as the literature writes σ'); a number in a sum of vectors the ones vector, in a
  sum of matrices that many identities;
* σ'(v), tanh'(v) the activation table's derivative entrywise; tanh²(v), v² entrywise powers;
* a vector scaling a matrix without diag (v ⊙ M, v * M): its rows, diag(v) M, or its
  columns, M diag(v): two readings;
* σ'(z_t) of a gate z_t = σ(a): σ' at z_t as written, or at its pre-activation a (σ(a)(1 − σ(a))
  written z(1 − z) is σ' at a): two readings, the first the main one;
* a vector where the block is meant (∂c_t/∂c_{t-1} = f_t) or in a sum of matrices: diag(v);
* ∂v_t/∂d on the right: v's derivative by d through every name between them (`derivative`);
* scalar-style notes: σ'(·) before a gate's weight (σ'(·) W_f) is σ' at that gate's
  pre-activation, and a vector after a product ending in diag(…) scales its columns;
* sech²(v) is 1 − tanh²(v);
* 0, \\mathbf{0}, O where the block is meant: the n×n zero matrix (a block claimed zero), also
  with its size, 0_{n×n}, \\mathbf{0}_n, O_n (`claim.sized_zero`: another size is an error).
  In a cell with a quantity O (d2l's gate O_t), O without a time index is that quantity or the
  zero matrix: two readings, both judged;
* a zero or a one that builds nothing is not kept (0 + M is M, 0 M is 0, 1 M is M), so what
  is printed is what is judged.

A formula whose shape is wrong because it has an input weight as a factor (diag(…) W_f for
∂f_t/∂h_{t-1}) is an error naming that weight, the input it multiplies and the recurrent
weight of the same equation (U_f): not a verdict, since the source may name its weights
the other way round (Goodfellow et al.'s W^f is recurrent).

Nothing is evaluated: the AST is walked, and a reading's cost is bounded before any work.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .activations import ACTIVATIONS
from .cell import Cell
from .cell_parse import _label
from .claim import _check_cost, sized_number, sized_zero, zero_name
from .errors import InputError
from .grammar import Binary, Call, Claim, Fraction, Name, Node, Number, Placeholder, Unary
from .model import ARG, M, N
from .printing import ACCENTS, plain
from .steps import Prose

#: σ in a gated cell is the logistic sigmoid (the gates'); f, g, φ are read as σ too.
_FUNCTIONS = {"sigma": "sigmoid", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
#: At most this many readings of one formula are judged.
MAX_READINGS = 16


@dataclass(frozen=True)
class CellReading:
    """One reading of a formula: its matrix expression and the choices that led to it."""

    expr: sp.MatrixExpr
    choices: tuple[tuple[str, str], ...]  # (choice key, option)
    notes: tuple[Prose, ...]  # each choice as a sentence fragment

    @property
    def at_pre_activation(self) -> bool:
        return any(option == "pre-activation" for _, option in self.choices)


#: A left side ∂v_{t+1}/∂s_t (the Deep Learning book's indexing) is the same block one step
#: later: its times are read one step back.
_ONE_STEP_BACK = {"t+1": "t", "t": "t-1"}


def _index(name: Name) -> str:
    return (name.time or name.sub).replace(" ", "").replace("−", "-").strip("()")


def _time(name: Name, back: bool = False) -> str:
    """'t', 't-1' or '' (no time index): a name's time, read one step back when `back`."""
    index = _index(name)
    for time in ("t+1", "t-1", "t"):
        if index == time or index.endswith("," + time):
            return _ONE_STEP_BACK.get(time, "") if back else ("" if time == "t+1" else time)
    return ""


def _one_step_later(claim: Claim) -> bool:
    """Whether the left side is ∂v_{t+1}/∂s_t."""
    return claim.lhs is not None and _index(claim.lhs[0]) == "t+1" and _index(claim.lhs[1]) == "t"


class _Reader:
    """AST → matrix expression over `cell`'s symbols; `fixed` holds the options chosen."""

    def __init__(self, cell: Cell, fixed: dict, back: bool = False):
        self.cell, self.fixed, self.back = cell, fixed, back
        self.points: dict = {}  # choice key → (options, texts), in the order met
        self.names = self._names()
        self.placeholders: dict = {}  # position of σ'(·) → the pre-activation it stands for
        self.written: frozenset = frozenset()  # the cell's symbols the whole formula names
        self.labels: frozenset = frozenset()  # the labels the whole formula writes (W_hz, U_z)

    def resolve_placeholders(self, node: Node) -> None:
        """σ'(·) followed in a product by a gate's weight, as scalar-style notes write
        ∂f_t/∂h_{t-1} = σ'(·) W_f: σ' at the pre-activation of the one gate of that activation
        whose equation the weight appears in."""
        leaves = list(_factors(node))
        for k, leaf in enumerate(leaves[:-1]):
            nxt = leaves[k + 1]
            if not (isinstance(leaf, Call) and leaf.prime and isinstance(leaf.arg, Placeholder)
                    and isinstance(nxt, Name) and leaf.func in _FUNCTIONS):
                continue
            weight = self.names.get(_label(nxt))
            function = ACTIVATIONS[_FUNCTIONS[leaf.func]].apply(ARG)
            found = [(lhs, rhs.expr) for lhs, rhs in self.cell.equations
                     if isinstance(rhs, ElementwiseApplyFunction) and rhs.function(ARG) == function
                     and weight is not None and weight in rhs.expr.free_symbols]
            if len(found) == 1:
                (gate, self.placeholders[leaf.pos]), = found
                self.choose(f"placeholder@{leaf.pos}", ("gate",), (Prose.of(
                    "σ'(·) before {W} taken at the pre-activation of {v}", W=weight, v=gate),))
        for child in _children(node):
            self.resolve_placeholders(child)

    def _names(self) -> dict:
        """label → symbol at time t, for the names a formula may use without an index."""
        cell = self.cell
        out = {s.name: s for s in cell.parameters}
        out.update({l.name.split("@")[0]: l for l, _ in cell.equations})
        out.update({alias: out[target] for alias, target in cell.aliases if target in out})
        out.update({alias: out[target] for alias, target in cell.parameter_aliases})
        return out

    def choose(self, key: str, options: tuple[str, ...], texts: tuple[Prose, ...]) -> str:
        self.points.setdefault(key, (options, texts))
        return self.fixed.get(key, options[0])

    def fail(self, node: Node, message: str):
        raise InputError(f"{message} (at character {node.pos + 1})")

    def shape_fail(self, node: Node | None, message: str, *values):
        """A formula of the wrong shape: said as the input weight that makes it so, if one
        stands as a matrix in `values` (∂f_t/∂h_{t-1} = diag(f_t ⊙ (1 − f_t)) W_f, for U_f)."""
        hint = _input_weight_hint(self.cell, [w for v in values for w in _bare_input_weights(v, self.cell)],
                                  self.written, self.labels)
        if hint:
            raise InputError(hint)
        if node is None:
            raise InputError(message)
        self.fail(node, message)

    # names ------------------------------------------------------------------------------
    def name(self, node: Name) -> sp.MatrixExpr:
        cell, time = self.cell, _time(node, self.back)
        if _label(node) == "I" and not time:  # the identity, also where I_t is a gate (d2l's input gate)
            return sp.Identity(N)
        if zero_name(node) is not None and _label(node) in dict(cell.aliases):  # O_t is d2l's gate, O the zero
            return sized_zero(zero_name(node), N, node.pos)
        label = dict(cell.aliases).get(_label(node), _label(node))
        states = set(cell.states)
        if time == "t-1":
            if label in states:
                return sp.MatrixSymbol(f"{label}@t-1", N, 1)
            if label in self.names and self.names[label] in cell.intermediates:
                return sp.MatrixSymbol(f"{label}@t-1", N, 1)  # the previous step's gate
        elif label in states:
            if time == "t":
                return sp.MatrixSymbol(f"{label}@t", N, 1)
            self.fail(node, f"write {label}_t or {label}_{{t-1}}: {label} is a state of the cell")
        elif label in self.names:
            if zero_name(node) is not None and self._read_as_zero(self.names[label]):
                return sp.ZeroMatrix(N, N)
            return self.names[label]
        elif time == "t" and f"{label}@t" == cell.input.name:
            return cell.input
        elif zero_name(node) is not None:  # O, O_{n×n}: the zero matrix, O not being a name of the cell
            return sized_zero(zero_name(node), N, node.pos)
        for labels, ours in cell.merged_parameters:
            if label in labels:
                self.fail(node, f"{label} is one of the biases {' and '.join(labels)} that {cell.key}'s "
                                f"{ours} sums ({ours} = {' + '.join(labels)}): write {ours}")
        known = sorted({*map(_written, self.names), *states, "I"})
        from .cells import CELLS  # a name of another cell of the family: say which
        owners = [c.key for c in CELLS.values() if c.family and c.family == cell.family and c is not cell
                  and label in {p.name for p in c.parameters} | {l.name.split("@")[0] for l, _ in c.equations}]
        elsewhere = f" (it is one of {', '.join(owners)}: give -r {owners[0]})" if owners else ""
        which = "the typed cell" if cell.key == "typed" else cell.key  # "typed" is no name a user gave
        self.fail(node, f"{node.letter}{'_' + node.sub if node.sub else ''} is not a quantity of "
                        f"{which}{elsewhere}; its names: {', '.join(known)}")

    def _read_as_zero(self, named) -> bool:
        """O without a time index in a cell that names a quantity O (d2l's output gate O_t):
        the cell's O, or the zero matrix, as O stands for a block claimed zero (∂O_t/∂C_{t-1} =
        \\mathbf{O}). Both are judged; O_t is the gate only."""
        # one choice for every bare O of the formula: one symbol, one meaning
        return self.choose("zero@O", ("cell", "zero"), (
            Prose.of("O without a time index read as the cell's {v}", v=named),
            Prose.of("O without a time index read as the zero matrix, not the cell's {v}", v=named))) == "zero"

    # nodes ------------------------------------------------------------------------------
    def value(self, node: Node):
        """A matrix expression, or a SymPy number for a scalar."""
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Number):
            return sized_number(node, N) if node.size else sp.Rational(node.text)
        if isinstance(node, Unary):
            if node.op == "neg":
                arg = self.value(node.arg)
                return -arg if _scalar(arg) else _scaled(-1, arg)
            if node.op == "transpose":
                arg = self.value(node.arg)
                return arg if _scalar(arg) else sp.ZeroMatrix(*arg.shape[::-1]) if _zero(arg) else sp.Transpose(arg)
            if node.op in ("column", "row"):  # v[:, None] * M: read for the RNN forms only (claim._shaped)
                self.fail(node, "an array reshaped in code ([:, None], [None, :]) is not read in a cell's "
                                "block; write the scaling with diag: diag(v) M scales the rows, M diag(v) the columns")
            self.fail(node, "a product over steps is not a one-step block; give the block's formula")
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Fraction):
            return self.derivative(node)
        self.fail(node, f"{type(node).__name__.lower()} is not part of a gated-cell formula "
                        "(names, diag, σ, σ', tanh, sums, products, ⊙, transposes)")

    def derivative(self, node: Fraction) -> sp.MatrixExpr:
        """∂v_t/∂d on the right: v's derivative by d through every name that depends on d,
        all else held (∂h_t/∂r_t through the candidate; by a previous state, the block
        itself): ∂h_t/∂z_t · ∂z_t/∂h_{t-1} is the path through z, as a reader means it."""
        v, d = (self.value(side) if isinstance(side, Name) else None for side in (node.num, node.den))
        cell = self.cell
        if not (isinstance(v, sp.MatrixSymbol) and v in cell.defined and isinstance(d, sp.MatrixSymbol)
                and (d in cell.defined or d in cell.prev)):
            self.fail(node, "a derivative on the right must be of a quantity the cell defines by one "
                            "it uses, such as ∂h_t/∂z_t or ∂z_t/∂h_{t-1}")
        from .chain import chain  # the cell's partial derivatives, derived once
        partials = chain(cell).partials
        through = {d: sp.Identity(N)}
        for lhs, _ in cell.equations:
            terms = [partials[lhs, u] if isinstance(through[u], sp.Identity) else _product(partials[lhs, u], through[u])
                     for u in cell.dependencies(lhs)
                     if u in through and (lhs, u) in partials and lhs != d
                     and not isinstance(partials[lhs, u], sp.ZeroMatrix)]
            if terms:
                through[lhs] = sp.MatAdd(*terms) if len(terms) > 1 else terms[0]
        return through.get(v, sp.ZeroMatrix(N, N))

    def vector(self, node: Node) -> sp.MatrixExpr:
        v = self.value(node)
        if _scalar(v):
            return _scaled(v, sp.OneMatrix(N, 1))
        if v.shape[1] != 1:
            self.fail(node, "a matrix where a vector is expected (inside diag, σ or ⊙)")
        return v

    def call(self, node: Call):
        if node.func == "diag":
            if node.prime or node.power:
                self.fail(node, "diag takes no prime or power")
            return _diag(self.vector(node.arg))
        if node.func == "sech" and not node.prime and node.power and node.power % 2 == 0:
            # sech² = 1 − tanh²: tanh' as many notes write it
            body = (1 - ACTIVATIONS["tanh"].apply(ARG) ** 2) ** (node.power // 2)
            return ElementwiseApplyFunction(sp.Lambda(ARG, body), self.vector(node.arg))
        if node.func not in _FUNCTIONS:
            self.fail(node, f"{node.func} is not an activation of the table (σ, tanh, relu; sech², sech⁴, …)")
        act = ACTIVATIONS[_FUNCTIONS[node.func]]
        if isinstance(node.arg, Placeholder):
            arg = self.placeholders.get(node.pos)
            if arg is None:
                self.fail(node, f"{node.func}'(·): write its argument, or put the weight of its gate "
                                "right after it (σ'(·) W_f is σ' at f_t's pre-activation)")
            return ElementwiseApplyFunction(sp.Lambda(ARG, act.derivative(ARG) ** (node.power or 1)), arg)
        arg = self.vector(node.arg)
        if node.prime:
            arg = self._point(node, arg, act)
            body = act.derivative(ARG)
        else:
            body = act.apply(ARG)
        if node.power:
            body = body ** node.power
        return ElementwiseApplyFunction(sp.Lambda(ARG, body), arg)

    def _point(self, node: Call, arg, act):
        """σ'(v) of a gate v = σ(a): at v as written, or at a (the confusion z(1 − z) invites)."""
        rhs = self.cell.defined.get(arg) if isinstance(arg, sp.MatrixSymbol) else None
        if not (isinstance(rhs, ElementwiseApplyFunction) and rhs.function(ARG) == act.apply(ARG)):
            return arg
        f = "σ" if node.func == "sigma" else node.func
        option = self.choose(f"point@{node.pos}", ("as-written", "pre-activation"), (
            Prose.of(f"{f}' taken at {{v}} itself, as written", v=arg),
            Prose.of(f"{f}' taken at the pre-activation a of {{v}} = {f}(a), not at {{v}}", v=arg)))
        return rhs.expr if option == "pre-activation" else arg

    def binary(self, node: Binary):
        if node.op == "power":
            base = self.value(node.left)
            if _scalar(base):
                return base ** node.right
            if base.shape[1] != 1:
                self.fail(node, "a power of a matrix is not a one-step block")
            if node.right == 0:  # it was read as the vector itself
                self.fail(node, "the power 0 of a vector is the ones vector: write 1 (diag(1) is I)")
            return _hadamard(*[base] * node.right) if node.right > 1 else base
        left, right = self.value(node.left), self.value(node.right)
        if node.op in ("add", "sub"):
            if node.op == "sub":
                right = -right if _scalar(right) else _scaled(-1, right)
            return self._sum(left, right, node)
        if _scalar(left) or _scalar(right):
            if _scalar(left) and _scalar(right):
                return left * right
            return _scaled(left, right) if _scalar(left) else _scaled(right, left)
        vec_l, vec_r = left.shape[1] == 1, right.shape[1] == 1
        if vec_l and vec_r:  # v ⊙ w, v * w, v w: the entrywise product
            if left.shape != right.shape:
                self.shape_fail(node, "an entrywise product of vectors of different sizes", left, right)
            return _hadamard(left, right)
        if node.op in ("hadamard", "times") and (vec_l or vec_r) or (node.op == "matmul" and vec_l):
            vec, matrix = (left, right) if vec_l else (right, left)
            rows, columns = (_ROWS,), (_COLUMNS,)
            # The side the vector is written on comes first: v ⊙ M scales rows, M * v columns.
            option = self.choose(f"scaling@{node.right.pos}", ("rows", "columns") if vec_l else ("columns", "rows"),
                                 rows + columns if vec_l else columns + rows)
            return _product(_diag(vec), matrix) if option == "rows" else _product(matrix, _diag(vec))
        if node.op == "hadamard":
            self.fail(node, "an entrywise product of two matrices is not a Jacobian block here")
        if node.op == "matmul" and vec_r and _ends_in_diag(left):  # W_f * o_{t-1} tanh'(c_{t-1})
            option = self.choose(f"chain@{node.right.pos}", ("columns", "product"), (
                _COLUMNS, Prose("a vector after a product ending in diag(…) is multiplied by it")))
            if option == "columns":
                return _product(left, _diag(right))
        if left.shape[1] != right.shape[0]:
            self.shape_fail(node, f"a product of shapes {_shown(left.shape)} and {_shown(right.shape)}", left, right)
        return _product(left, right)

    def _sum(self, left, right, node):
        if _scalar(left) and _scalar(right):
            return left + right
        if _scalar(left) or _scalar(right):
            number, other = (left, right) if _scalar(left) else (right, left)
            filler = sp.OneMatrix(N, 1) if other.shape[1] == 1 else sp.Identity(N)
            return _added(_scaled(number, filler), other)
        if {left.shape, right.shape} == {(N, 1), (N, N)}:  # f_t + …: a vector as its diag
            left, right = (self._diagonal(x) if x.shape == (N, 1) else x for x in (left, right))
        if left.shape != right.shape:
            self.shape_fail(node, f"a sum of shapes {_shown(left.shape)} and {_shown(right.shape)}", left, right)
        return _added(left, right)

    def _diagonal(self, vec) -> sp.MatrixExpr:
        """A vector where a matrix is meant (∂c_t/∂c_{t-1} = f_t), as its diagonal matrix."""
        if _zero(vec):  # the zero vector's diag is the zero block: no reading to note
            return sp.ZeroMatrix(N, N)
        self.points.setdefault("diagonal", (("diag",), (Prose.of("the vector {v} read as diag({v})", v=vec),)))
        return sp.DiagMatrix(vec)


#: How a vector scaling a matrix without diag was read (the same words for every such place).
_ROWS = Prose("a vector before a matrix scales its rows, diag(v) M")
_COLUMNS = Prose("a vector after a matrix scales its columns, M diag(v)")


def _ends_in_diag(matrix) -> bool:
    """A product whose last factor is diagonal: scalar-style notes continue it entrywise."""
    last = matrix.args[-1] if isinstance(matrix, sp.MatMul) else matrix
    return isinstance(last, sp.DiagMatrix)


def _children(node: Node):
    return [getattr(node, f) for f in ("left", "right", "arg", "num", "den")
            if isinstance(getattr(node, f, None), Node)]


def _nodes(node: Node):
    """Every node of the AST, depth first."""
    yield node
    for child in _children(node):
        yield from _nodes(child)


def _factors(node: Node):
    """The leaves of a chain of products, in order (((a b) c) * d → a, b, c, d)."""
    if isinstance(node, Binary) and node.op in ("matmul", "times", "hadamard"):
        yield from _factors(node.left)
        yield from _factors(node.right)
    else:
        yield node


def _product(*factors) -> sp.MatrixExpr:
    """A product with the factors of products spliced in: A (B C) is A B C, as written; with a
    zero factor, the zero matrix."""
    if any(_zero(f) for f in factors):
        return sp.ZeroMatrix(factors[0].shape[0], factors[-1].shape[1])
    return sp.MatMul(*[a for f in factors for a in (f.args if isinstance(f, sp.MatMul) else (f,))])


# A reading is printed as what is judged, so a number or a zero that is no term or factor of
# the matrix it builds is not kept (0 I + diag(f_t) is diag(f_t), 0 U_f is 0, 1·1 is 1).
def _zero(value) -> bool:
    return isinstance(value, sp.ZeroMatrix)


def _scaled(number, matrix) -> sp.MatrixExpr:
    """number · matrix: the zero matrix for 0 (or a zero matrix), the matrix itself for 1."""
    if number == 0 or _zero(matrix):
        return sp.ZeroMatrix(*matrix.shape)
    return matrix if number == 1 else sp.MatMul(number, matrix)


def _added(*terms) -> sp.MatrixExpr:
    """The sum of the terms that are not zero matrices (the zero matrix if none is)."""
    kept = [t for t in terms if not _zero(t)]
    return sp.MatAdd(*kept) if len(kept) > 1 else kept[0] if kept else sp.ZeroMatrix(*terms[0].shape)


def _hadamard(*vectors) -> sp.MatrixExpr:
    return sp.ZeroMatrix(*vectors[0].shape) if any(map(_zero, vectors)) else sp.HadamardProduct(*vectors)


def _diag(vector) -> sp.MatrixExpr:
    return sp.ZeroMatrix(N, N) if _zero(vector) else sp.DiagMatrix(vector)


def _written(label: str) -> str:
    """A label as a formula writes it: h~ as \\tilde{h}, c^ as \\hat{c} (`grammar.Name.accent`),
    Gamma_f as \\Gamma_f."""
    base, sep, rest = label.partition("_")
    if base == "Gamma":
        return "\\Gamma" + sep + rest
    command = ACCENTS.get(base[-1:]) if len(base) > 1 else None
    return (f"{command}{{{base[:-1]}}}" if command else base) + sep + rest


def _scalar(value) -> bool:
    return not isinstance(value, sp.MatrixExpr)


def _shown(shape) -> str:
    return "×".join(str(d) for d in shape)


def _bare_input_weights(expr, cell: Cell) -> list:
    """The input weights (a size m) standing as matrices in `expr`, not inside a vector
    (W_f in diag(v) W_f, not in σ'(W_f x_t + …))."""
    if _scalar(expr):
        return []
    if isinstance(expr, sp.MatrixSymbol):
        return [expr] if expr in cell.parameters and M in expr.shape else []
    if 1 in expr.shape:
        return []
    return list(dict.fromkeys(w for a in expr.args for w in _bare_input_weights(a, cell)))


def _as_written(cell: Cell, name: str, labels: frozenset) -> str:
    """A parameter as the formula's names write it: in a formula that uses a source's names
    (PyTorch's W_in under gru-torch, `Cell.parameter_aliases`), that name with the cell's own."""
    alias = next((a for a, target in cell.parameter_aliases if target == name), None)
    if alias is None or not any(a in labels for a, _ in cell.parameter_aliases):
        return name
    return f"{alias} (= {name})"


def _input_weight_hint(cell: Cell, weights: list, written: frozenset = frozenset(),
                       labels: frozenset = frozenset()) -> str | None:
    """What an input weight in a block is, and the recurrent weight beside it, in one line.

    "write U_f" only where the formula (`written`, the cell's symbols it names) lacks U_f: with
    U_f written, that advice would be false, so the message says U_f is there, and the --cell
    advice names both weights, for a source that names them the other way round (W_f
    recurrent, U_f input). Weights are named as the formula's `labels` name them (W_in for
    gru-torch's W_n, when the formula writes PyTorch's names)."""
    if not weights:
        return None
    w = weights[0]

    def named(p) -> str:  # W_in (= W_n)
        return _as_written(cell, p.name, labels)

    def short(p) -> str:  # W_in
        return named(p).split(" (")[0]

    lhs, rhs = next((l, r) for l, r in cell.equations if w in r.free_symbols)
    shape = "×".join("m" if d == M else "n" for d in w.shape)
    recurrent = [p for p in cell.parameters if p.shape == (N, N) and p in rhs.free_symbols]
    present = [named(p) for p in recurrent if p in written]
    there = (f"; {', '.join(present)}, also in the formula, {'is' if len(present) == 1 else 'are'} "
             "the recurrent weight there" if present
             else f"; the recurrent weight there is {', '.join(map(named, recurrent))}: write "
                  f"{short(recurrent[0])}" if recurrent else "")
    owner = "the typed cell's" if cell.key == "typed" else f"{cell.key}'s"
    # A notation, not a verdict: Goodfellow et al. write f = σ(b^f + U^f x + W^f h), their W^f
    # recurrent. The claim is then right in its source's names, so it is not judged here.
    swapped = f" and its {short(next(p for p in recurrent if p in written))} the input one" if present else ""
    theirs = ("" if cell.key == "typed" else f" (if your source's {short(w)} is the recurrent "
              f"weight{swapped}, type its cell as it writes it, with --cell)")
    return (f"{named(w)} is {owner} input weight ({shape}): it multiplies {plain(cell.input)} in "
            f"{plain(lhs)} = {plain(rhs)}, and no n×n block by a previous state has it as a factor{there}{theirs}")


def shown_label(label: str) -> str:
    """A label as a reader writes it: Γ_f for Gamma_f (the gates' alias labels); others as they are."""
    return "Γ" + label[len("Gamma"):] if label.startswith("Gamma_") else label


def _gamma_shown(name: Name) -> str:
    """Γ_f for the Name Gamma_f (its time index left out)."""
    return shown_label(_label(name))


def _shown_at(name: Name) -> str:
    """A name with its time index as the formula means it: Γ_f at t-1, h_{t+1}."""
    if name.letter == "Gamma":
        index = _index(name) if name.time else ""
        return f"{_gamma_shown(name)} at {index}" if index else _gamma_shown(name)
    return f"{name.letter}_{{{_index(name)}}}"


def gamma_names(cell: Cell) -> str:
    """The Γ names of `cell`'s gates: Γ_f, Γ_i or Γ_u, Γ_o (one gate's names joined by "or")."""
    by_gate: dict = {}
    for alias, target in cell.aliases:
        if alias.startswith("Gamma_"):
            by_gate.setdefault(target, []).append(shown_label(alias))
    names = [" or ".join(sorted(v, key=lambda a: (a != "Γ_i", a))) for v in by_gate.values()]
    return ", ".join(names) if names else "it names no gate with Γ"


def _zero_block(value):
    """A block claimed zero (0, \\mathbf{0}) as the n×n zero matrix; anything else as it is."""
    return sp.ZeroMatrix(N, N) if _scalar(value) and value == 0 else value


def block_of(claim: Claim, cell: Cell, block: tuple[str, str] | None) -> tuple:
    """(v_t, s_{t-1}): the derivative the claim is about, from its left side, else `block`
    (state or gate labels), else the first state by itself."""
    if claim.lhs is not None:
        num, den = claim.lhs
        named = (_label(num), _label(den))
        if block is not None and tuple(block) != named:
            raise InputError(f"--block {','.join(block)} and the formula's left side "
                             f"(d{named[0]}_t/d{named[1]}_{{t-1}}) name different blocks: give one")
        aliases = dict(cell.aliases)  # Γ_f by its label; \tilde c_t by its letter and accent
        for n in (num, den):  # Γ_x: deeplearning.ai's way to name a gate, but no gate of this cell
            if n.letter == "Gamma" and _label(n) not in aliases:
                raise InputError(f"{_gamma_shown(n)} is not a gate of {cell.key} ({gamma_names(cell)})")
        v, s = (aliases.get(_label(n)) or aliases.get(_label(Name(n.pos, n.letter, "", "", n.accent)), n.letter)
                for n in (num, den))
        back = _one_step_later(claim)
        if _time(den, back) != "t-1" or s not in cell.states:
            raise InputError(f"the derivative is by {_shown_at(den)}: write one by a previous "
                             f"state, {', '.join(s + '_{t-1}' for s in cell.states)}")
        # A name without a time index (∂f/∂h_{t-1}, ∂Γ_f/∂h_{t-1}, Γ_f by its label) is at t.
        untimed = _index(num) == "" or (_time(num, back) == "" and _label(num) in aliases)
        if _time(num, back) != "t" and not untimed:
            raise InputError(f"the derivative is of {_shown_at(num)}: write one of a quantity at t"
                             + (f", such as {_gamma_shown(num)}^⟨t⟩" if num.letter == "Gamma" else ""))
    else:
        v, s = block or (cell.states[0], cell.states[0])
        if s not in cell.states:
            raise InputError(f"--block {v},{s}: {s} is not a state of {cell.key} ({', '.join(cell.states)})")
    defined = {l.name.split("@")[0]: l for l, _ in cell.equations}
    if v not in defined:
        raise InputError(f"{v}_t is not defined by {cell.key}: give one of {', '.join(defined)}")
    return defined[v], sp.MatrixSymbol(f"{s}@t-1", N, 1)


def readings(claim: Claim, cell: Cell) -> tuple[CellReading, ...]:
    """Every reading of the claim's right side (see the module docstring), at most
    MAX_READINGS, the plain one (first options) first."""
    back = _one_step_later(claim)
    first = _Reader(cell, {}, back)
    if back:
        first.points["step"] = (("back",), (Prose("every time index read one step back (t + 1 as t, "
                                                  "t as t − 1)"),))
    first.resolve_placeholders(claim.expr)
    before = set(first.points)  # choices made before the formula is read (step, σ'(·)): every reading's
    first.written = frozenset(first.names.get(dict(cell.aliases).get(_label(n), _label(n)))
                              for n in _nodes(claim.expr) if isinstance(n, Name))
    first.labels = frozenset(_label(n) for n in _nodes(claim.expr) if isinstance(n, Name))
    expr = _zero_block(first.value(claim.expr))
    if not _scalar(expr) and expr.shape == (N, 1):
        expr = first._diagonal(expr)
    if _scalar(expr) or expr.shape != (N, N):
        first.shape_fail(None, "the formula is not an n×n matrix: write the block itself, such as "
                               "diag(f_t), or diag(z_t) + diag(z_t ⊙ (1 − z_t)) U_z", expr)
    keys = list(first.points)
    out, errors = [], []
    for combo in itertools.islice(itertools.product(*(first.points[k][0] for k in keys)), MAX_READINGS):
        fixed = dict(zip(keys, combo))
        reader = _Reader(cell, fixed, back)
        reader.placeholders, reader.written, reader.labels = first.placeholders, first.written, first.labels
        try:  # a reading that does not fit (a matrix inside diag, too large) is not one
            value = _zero_block(reader.value(claim.expr))
            _check_cost(value)  # before any work: a product of many matrices is refused at once
        except InputError as exc:
            errors.append(exc)
            continue
        value = reader._diagonal(value) if value.shape == (N, 1) else value
        # The choices this reading met (O read as zero has no vector to take the diag of);
        # each kind said once (a scaled row is a scaled row wherever it is).
        met = [(k, o) for k, o in fixed.items() if k in before or k in reader.points]
        notes = tuple(dict.fromkeys(first.points[k][1][first.points[k][0].index(o)] for k, o in met))
        out.append(CellReading(value, tuple(met), notes))
    if not out:
        raise errors[0]
    return tuple(out)
