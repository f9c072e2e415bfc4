"""A cell typed as equations (`derive --cell`): parsed by `check`'s grammar, never evaluated.

Each equation is ``name_t = expression``, plain text or LaTeX. Names are read by their time
index: ``h_{t-1}`` is the previous value of a state h (which an equation must define as
``h_t``); a name with index t defined on an earlier left side is an intermediate (a gate);
any other name with index t is the input (one, m×1); a name without a time index is a
parameter, a matrix where it multiplies a vector, else a bias-like vector. Row-vector code
(``x_t @ W_xh + h_{t-1} @ W_hh``, as d2l and Keras write it) is read in columns: ``v W`` is
``Wᵀ v``, with W (size of v)×n; a cell writes all its products one way. A transposed vector
(``x_t^\\top W_xh + h_{t-1}^\\top W_hh + b``, ``x_t.T @ W_xh``) is that row: the same reading;
``W^T v`` is ``Wᵀ v`` with W (size of v)×n, a column product.
``*``, ``\\odot`` and ``⊙`` between vectors are the Hadamard product; ``1`` in a sum of
vectors is the ones vector; σ and sigmoid are the logistic sigmoid.
"""

from __future__ import annotations

import re

import sympy as sp

from .activations import ACTIVATIONS
from .cell import Cell
from .errors import InputError
from .grammar import Binary, Call, Name, Number, Unary, parse
from .model import M, N, elementwise
from .steps import Prose

#: Most equations in a typed cell.
MAX_EQUATIONS = 16
#: A time index other than t and t-1 (t+1, t-2, "i,t+1"): not a cell's.
_OTHER_TIME = re.compile(r"(?:.*,)?t[+-]\d+")
_FUNCTIONS = {"sigma": "sigmoid", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
#: How the sigmoid is written (σ is the logistic sigmoid in a cell); φ, f and g, which
#: `check` reads as a generic σ, name no particular activation and are refused.
_SIGMOID_WORDS = {"sigma", "σ", "sigmoid", "sigm", "sgm"}
#: Activations people write that a cell does not take: refused, never read as a weight
#: multiplying a bracket.
_OTHER_FUNCTIONS = {"softplus", "softmax", "softsign", "exp", "log", "sin", "cos", "elu", "selu", "gelu",
                    "silu", "swish", "mish", "hardtanh", "hardsigmoid", "leakyrelu", "relu6", "abs", "sign"}


def _split(text: str, number: int) -> tuple[str, str, int]:
    """(left side, right side, where the right side starts in `text`), sides stripped."""
    if text.count("=") != 1:
        raise InputError(f"equation {number}: write one '=' (name_t = expression), got {text!r}")
    lhs, rhs = text.split("=")
    return lhs.strip(), rhs.strip(), len(text) - len(rhs.lstrip())


def _time(name: Name, number: int) -> str:
    """'t', 't-1' or '' for a name's time index (its subscript or superscript)."""
    index = (name.time or name.sub).replace(" ", "")
    for time in ("t-1", "t"):
        if index == time or index.endswith("," + time):
            return time
    if _OTHER_TIME.fullmatch(index):
        raise InputError(f"equation {number}: {name.letter}_{index}: only t and t-1 are time indices here")
    return ""


def _label(name: Name) -> str:
    """A name's label: its letter and a non-time subscript (W_z → W_z, h_t → h, h_{t+1} → h)."""
    index, letter = name.sub.replace(" ", ""), name.letter + name.accent  # \tilde h: h~
    for time in ("t+1", "t-1", "t"):
        if index == time:
            return letter
        if index.endswith("," + time):
            return f"{letter}_{index[: -len(time) - 1]}"
    return f"{letter}_{index}" if index else letter


class _Translator:
    """AST → matrix expression, shapes inferred from use (see the module docstring)."""

    def __init__(self, states: set, defined: dict, later: set, number: int, products: dict, offset: int):
        self.states, self.defined, self.later, self.number = states, defined, later, number
        self.offset = offset  # where the right side starts in the equation as typed
        self.inputs: set = set()
        #: "columns" (W v) or "rows" (v W) → (equation, character) of the first such product,
        #: shared by the cell's equations: a cell writes its products one way.
        self.products = products
        #: (as written, as read) of the equation's first row product (v W), or None.
        self.rows = None

    def row(self, node, column) -> sp.MatrixExpr:
        """The row `node` as written, for a report: vᵀ when typed so, else the 1×k name v (x_t
        in x_t W); a bracket is shown as the transpose of its column."""
        if isinstance(column, sp.MatrixSymbol) and not (isinstance(node, Unary) and node.op == "transpose"):
            return sp.MatrixSymbol(column.name, 1, column.shape[0])
        return sp.Transpose(column)

    def written(self, way: str, node) -> None:
        self.products.setdefault(way, (self.number, self.at(node)))

    def at(self, node) -> int:
        """The 1-based character of `node` in the equation as typed."""
        return self.offset + node.pos + 1

    def fail(self, message: str):
        raise InputError(f"equation {self.number}: {message}")

    def vector(self, node) -> sp.MatrixExpr:
        if isinstance(node, Name):
            time, label = _time(node, self.number), _label(node)
            if time == "t-1":
                if label not in self.states:
                    self.fail(f"{label}_{{t-1}} is used but no equation defines {label}_t")
                return sp.MatrixSymbol(f"{label}@t-1", N, 1)
            if time == "t":
                if label in self.defined:
                    return self.defined[label]
                if label in self.later:
                    self.fail(f"{label}_t is used before its equation: define each name before using it")
                self.inputs.add(label)
                return sp.MatrixSymbol(f"{label}@t", M, 1)
            return sp.MatrixSymbol(label, N, 1)  # a bias or peephole weight
        if isinstance(node, Number):
            if node.size:  # 0_{n×n}, 1_n are read in a claimed block (`claim.sized_number`), not in a cell
                self.fail(f"a {'zero' if sp.Rational(node.text) == 0 else 'one'} with a size at character "
                          f"{self.at(node)}: write {node.text}")
            value = sp.Rational(node.text)
            return sp.OneMatrix(N, 1) if value == 1 else sp.MatMul(value, sp.OneMatrix(N, 1))
        if isinstance(node, Unary) and node.op == "neg":
            return sp.MatMul(-1, self.vector(node.arg))
        if isinstance(node, Unary) and node.op == "transpose":
            self.written("transposed", node)  # vᵀ (vᵀ W, a bias bᵀ): the row vᵀ, read as the column v
            return self.vector(node.arg)
        if isinstance(node, Call) and node.func == "sigma" and node.word not in _SIGMOID_WORDS:
            self.fail(f"{node.word}(…) at character {self.at(node)} names no activation: a cell's equations "
                      "write theirs, sigmoid (σ), tanh or relu")
        if isinstance(node, Call) and not node.prime and node.power is None and node.func in _FUNCTIONS:
            return elementwise(ACTIVATIONS[_FUNCTIONS[node.func]], self.vector(node.arg))
        if (isinstance(node, Binary) and node.op == "matmul" and isinstance(node.left, Name)
                and node.left.letter.lower() in _OTHER_FUNCTIONS):
            self.fail(f"{node.left.letter} at character {self.at(node)}: a cell's activations are sigmoid (σ), "
                      "tanh and relu")
        if isinstance(node, Binary):
            if node.op in ("add", "sub"):
                left, right = self.vector(node.left), self.vector(node.right)
                self.same(left, right, node)
                return sp.MatAdd(left, right if node.op == "add" else sp.MatMul(-1, right))
            if node.op in ("times", "matmul") and isinstance(node.left, Number):  # 2 v: a scalar
                return sp.MatMul(sp.Rational(node.left.text), self.vector(node.right))
            if node.op == "matmul" and isinstance(node.left, Name) and not _time(node.left, self.number):
                right = self.vector(node.right)  # W v: the weight is a matrix, n × size of v
                self.written("columns", node)
                return sp.MatMul(sp.MatrixSymbol(_label(node.left), N, right.shape[0]), right)
            if (node.op == "matmul" and isinstance(node.left, Unary) and node.left.op == "transpose"
                    and isinstance(node.left.arg, Name) and not _time(node.left.arg, self.number)):
                right = self.vector(node.right)  # Wᵀ v: W is size of v × n, as in v W
                self.written("columns", node)
                return sp.MatMul(sp.Transpose(sp.MatrixSymbol(_label(node.left.arg), right.shape[0], N)), right)
            if node.op == "matmul" and isinstance(node.right, Name) and not _time(node.right, self.number):
                left = self.vector(node.left)  # v W, a row times a matrix: W is size of v × n
                self.written("rows", node)
                weight = sp.MatrixSymbol(_label(node.right), left.shape[0], N)
                read = sp.MatMul(sp.Transpose(weight), left)
                if self.rows is None:  # the first, shown in reports as the example of the reading
                    self.rows = (sp.MatMul(self.row(node.left, left), weight, evaluate=False), read)
                return read
            if node.op in ("hadamard", "times"):  # ⊙, and * as code writes it
                left, right = self.vector(node.left), self.vector(node.right)
                self.same(left, right, node)
                return sp.HadamardProduct(left, right)
            if node.op == "matmul":
                self.fail(f"two vectors side by side at character {self.at(node)}: write ⊙ (or *) "
                          "for the entrywise product")
        self.fail(f"{type(node).__name__.lower()} {getattr(node, 'op', getattr(node, 'func', ''))} "
                  "is not part of a cell's equations (sums, products, ⊙, σ, tanh, relu)")

    def same(self, a, b, node):
        if a.shape != b.shape:
            self.fail(f"a sum or ⊙ of vectors of sizes {a.shape[0]} and {b.shape[0]} "
                      f"(the input has size m, states and gates n), at character {self.at(node)}")


def _names(node):
    """Every Name in an AST, in order."""
    if isinstance(node, Name):
        yield node
    for value in vars(node).values() if hasattr(node, "__dataclass_fields__") else ():
        if hasattr(value, "__dataclass_fields__"):
            yield from _names(value)


def _parse(text: str, number: int):
    """The AST of one side of equation `number`; a grammar error names the equation."""
    try:
        claim = parse(text)
    except InputError as exc:
        raise InputError(f"equation {number}: {exc}") from None
    if claim.closed:  # `check` closes and says so; an equation is a definition: no guessing
        raise InputError(f"equation {number}: {claim.closed} closing parenthes{'is' if claim.closed == 1 else 'es'} "
                         f"missing at its end: {text!r:.80}")
    return claim.expr


def parse_cell(equations: list[str], key: str = "typed") -> Cell:
    """A `Cell` from equations as typed (see the module docstring); InputError on bad input."""
    if not equations:
        raise InputError("--cell: give at least one equation, such as 'h_t = tanh(W h_{t-1} + U x_t + b)'")
    if len(equations) > MAX_EQUATIONS:
        raise InputError(f"a cell has at most {MAX_EQUATIONS} equations, got {len(equations)}")
    sides = [_split(text, k) for k, text in enumerate(equations, 1)]
    lefts, products = [], {}
    for k, (lhs, _, _) in enumerate(sides, 1):
        node = _parse(lhs, k)
        if isinstance(node, Unary) and node.op == "transpose":  # h_t^T = …: a row, as vᵀ on the right
            products.setdefault("transposed", (k, node.pos + 1))
            node = node.arg
        if not isinstance(node, Name) or _time(node, k) != "t":
            raise InputError(f"equation {k}: the left side must be a name at time t, such as h_t, got {lhs!r}")
        lefts.append(_label(node))
    if len(set(lefts)) != len(lefts):
        twice = next(l for l in lefts if lefts.count(l) > 1)
        raise InputError(f"{twice}_t is defined twice")
    trees = [_parse(rhs, k) for k, (_, rhs, _) in enumerate(sides, 1)]
    states = {_label(n) for k, tree in enumerate(trees, 1) for n in _names(tree) if _time(n, k) == "t-1"}
    undefined = sorted(states - set(lefts))
    if undefined:
        raise InputError(f"{undefined[0]}_{{t-1}} is used but no equation defines {undefined[0]}_t")
    if states:  # none: not a recurrence, said below
        _every_equation_used(trees, lefts, states)
    defined, out, inputs, example = {}, [], set(), None
    for k, ((_, _, offset), label) in enumerate(zip(sides, lefts), 1):
        translator = _Translator(states, defined, set(lefts), k, products, offset)
        expr = translator.vector(trees[k - 1])
        if expr.shape != (N, 1):
            raise InputError(f"equation {k}: the right side has size m (the input's), not n")
        symbol = sp.MatrixSymbol(f"{label}@t", N, 1)
        defined[label] = symbol
        out.append((symbol, expr))
        inputs |= translator.inputs
        example = example or translator.rows
    if not states:
        raise InputError("no equation uses a previous state (name_{t-1}): this is not a recurrence")
    if len(inputs) > 1:
        raise InputError(f"one input vector at most, got {', '.join(sorted(inputs))}")
    if "columns" in products and "rows" in products:
        (k, at), (l, rows_at) = products["columns"], products["rows"]
        raise InputError(f"a matrix multiplies a vector from the left (equation {k}, character {at}) and "
                         f"from the right (equation {l}, character {rows_at}): write every product one way, "
                         "W x_t (column vectors) or x_t W (row vectors)")
    if "columns" in products and "transposed" in products:
        (k, at), (l, row_at) = products["columns"], products["transposed"]
        raise InputError(f"a transposed vector (equation {l}, character {row_at}) in a cell whose products are "
                         f"W v (equation {k}, character {at}): write column vectors, W x_t + U h_{{t-1}} + b, "
                         "or row vectors throughout, x_t^T W + h_{t-1}^T U + b")
    input_name = f"{next(iter(inputs))}@t" if inputs else "x@t"
    order = tuple(l for l in lefts if l in states)
    # No source and no convention: a report says "the cell as typed" once, shows the text
    # typed (`typed`) and says how it was read (`rows`), not where it was published.
    return Cell(key, "the cell as typed", "", Prose(""), order, tuple(out), input_name=input_name,
                selector="--cell …", typed=tuple(equations), rows=example)


def _every_equation_used(trees, lefts: list[str], states: set) -> None:
    """Each equation defines a state or something a state uses: an output layer (y_t = W_hq
    h_t, as code writes next to the cell) is no part of the recurrence's Jacobian."""
    uses = {label: {_label(n) for n in _names(tree) if _time(n, k) == "t"} & set(lefts)
            for k, (tree, label) in enumerate(zip(trees, lefts), 1)}
    used, todo = set(), [label for label in lefts if label in states]
    while todo:
        label = todo.pop()
        if label not in used:
            used.add(label)
            todo.extend(uses[label])
    for k, label in enumerate(lefts, 1):
        if label not in used:
            raise InputError(f"equation {k}: no state depends on {label}_t: a cell's equations define its "
                             "states and what they use (leave out an output such as y_t = …)")
