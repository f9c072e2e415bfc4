"""The library of gated cells, as data: each entry is its equations and its source.

Column vectors throughout; ⊙ is the Hadamard product, 1 the all-ones vector. Input
weights W_• are n×m, recurrent weights U_• n×n, biases b_• and peepholes p_• n×1.

    gru            Cho et al. 2014, d2l: reset before the product, h_t = z ⊙ h + (1 − z) ⊙ n
    gru-torch      PyTorch nn.GRUCell, cuDNN, Keras reset_after: reset after the product
    gru-chung      Chung et al. 2014, Wikipedia: z and 1 − z swapped
    lstm           PyTorch nn.LSTMCell (no peepholes): state (h, c)
    lstm-peephole  Greff et al. 2017's vanilla LSTM: gates also see c through p_•

Adding a cell is one entry of `CELLS`; no route or report branches on a key.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .activations import ACTIVATIONS
from .cell import INPUT, Cell, state_next, state_prev
from .layout import TotalJacobian
from .model import ARG, M, N, elementwise
from .steps import Prose


def _vector(name: str) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(name, N, 1)


def _affine(gate: str, h, *extra) -> sp.MatrixExpr:
    """W_g x_t + U_g h_{t-1} + … + b_g, the pre-activation of gate `gate`."""
    x = sp.MatrixSymbol(INPUT, M, 1)
    W, U = sp.MatrixSymbol(f"W_{gate}", N, M), sp.MatrixSymbol(f"U_{gate}", N, N)
    return sp.MatAdd(sp.MatMul(W, x), sp.MatMul(U, h), *extra, _vector(f"b_{gate}"))


def _sigmoid(v):
    return elementwise(ACTIVATIONS["sigmoid"], v)


def _tanh(v):
    return elementwise(ACTIVATIONS["tanh"], v)


def _had(*factors):
    return sp.HadamardProduct(*factors)


def _one_minus(v):
    return sp.MatAdd(sp.OneMatrix(N, 1), sp.MatMul(-1, v))


#: PyTorch's stacked parameters of nn.GRUCell (gates r, z, n) and nn.LSTMCell (i, f, g, o),
#: as our names: None is a zero bias block (PyTorch's second bias, where we keep one).
TORCH_GRU = ("GRUCell", (("weight_ih", ("W_r", "W_z", "W_n")), ("weight_hh", ("U_r", "U_z", "U_n")),
                         ("bias_ih", ("b_r", "b_z", "b_n")), ("bias_hh", (None, None, "b_hn"))))
TORCH_LSTM = ("LSTMCell", (("weight_ih", ("W_i", "W_f", "W_g", "W_o")),
                           ("weight_hh", ("U_i", "U_f", "U_g", "U_o")),
                           ("bias_ih", ("b_i", "b_f", "b_g", "b_o")), ("bias_hh", (None,) * 4)))

h, c = state_prev("h"), state_prev("c")
h_t, c_t = state_next("h"), state_next("c")
z, r, n = _vector("z@t"), _vector("r@t"), _vector("n@t")
i, f, g, o = _vector("i@t"), _vector("f@t"), _vector("g@t"), _vector("o@t")
x = sp.MatrixSymbol(INPUT, M, 1)

_GATES = ((z, _sigmoid(_affine("z", h))), (r, _sigmoid(_affine("r", h))))
_CHO_CANDIDATE = (n, _tanh(sp.MatAdd(sp.MatMul(sp.MatrixSymbol("W_n", N, M), x),
                                     sp.MatMul(sp.MatrixSymbol("U_n", N, N), _had(r, h)), _vector("b_n"))))
_TORCH_CANDIDATE = (n, _tanh(sp.MatAdd(
    sp.MatMul(sp.MatrixSymbol("W_n", N, M), x), _vector("b_n"),
    _had(r, sp.MatAdd(sp.MatMul(sp.MatrixSymbol("U_n", N, N), h), _vector("b_hn"))))))
_KEEP_Z = (h_t, sp.MatAdd(_had(z, h), _had(_one_minus(z), n)))
_KEEP_1_MINUS_Z = (h_t, sp.MatAdd(_had(_one_minus(z), h), _had(z, n)))

_LSTM_INPUT_FORGET = ((i, _sigmoid(_affine("i", h))), (f, _sigmoid(_affine("f", h))),
                      (g, _tanh(_affine("g", h))))
_CELL_STATE = (c_t, sp.MatAdd(_had(f, c), _had(i, g)))
_OUTPUT = (h_t, _had(o, _tanh(c_t)))

_GRU_BOUNDED = Prose.of("{h} is a convex combination of {hp} and {n}, whose entries lie in (-1, 1), "
                        "so the entries of the state stay in [-1, 1] when those of {h0} do",
                        h=h_t, hp=h, n=n, h0=sp.MatrixSymbol("h@0", N, 1))
_LSTM_BOUNDED = Prose.of("{hp} = {value} has its entries in (-1, 1) (take those of {h0} in [-1, 1])",
                         hp=h, value=_had(_vector("o@t-1"), _tanh(c)), h0=sp.MatrixSymbol("h@0", N, 1))

_TOTAL = Prose.of(
    "The block {dcc} is one of four blocks of the Jacobian of the pair ({h}, {c}). A reader who "
    "takes {h} alone as the state means {dhh}, the derivative through {ct} with {cp} held fixed, "
    "which the chain rule below computes term by term: its path through {ct} is {path}, where "
    "{dch} carries the gates' dependence on {hp}. The block {dcc_lhs} says nothing of {dhh}.",
    dcc=sp.Eq(TotalJacobian(c_t, c), sp.DiagMatrix(f), evaluate=False), h=sp.MatrixSymbol("h", N, 1),
    c=sp.MatrixSymbol("c", N, 1), dhh=TotalJacobian(h_t, h), ct=c_t, cp=c, hp=h,
    dch=TotalJacobian(c_t, h), dcc_lhs=TotalJacobian(c_t, c),
    path=sp.MatMul(sp.DiagMatrix(_had(o, ElementwiseApplyFunction(sp.Lambda(ARG, 1 - sp.tanh(ARG) ** 2), c_t))),
                   TotalJacobian(c_t, h)))
_PEEPHOLE = Prose.of(
    "With peepholes {dcc} is no longer {f}: the gates {i} and {fg} see {cp}, which adds the terms "
    "derived below, and {o} sees {ct}.", dcc=TotalJacobian(c_t, c), f=sp.DiagMatrix(f), i=i, fg=f, cp=c, o=o, ct=c_t)

#: Other names formulas give the candidate: \\tilde h_t, \\hat h_t (GRU); \\tilde c_t, \\hat c_t (LSTM);
#: and the gates as deeplearning.ai's course writes them: Γ_u, Γ_r (GRU), Γ_f, Γ_u or Γ_i, Γ_o
#: (LSTM). The course's GRU keeps the candidate with Γ_u (Chung's convention): under the Cho
#: or PyTorch GRU that formula is judged a variant, which is what it is. The course names the
#: hidden state a^⟨t⟩ (LSTM: a, c); its GRU's state is c^⟨t⟩ = a^⟨t⟩, candidate \tilde c^⟨t⟩:
#: unambiguous there, since a GRU has no c. An alias of a state (a → h) is a name only under a
#: declared cell: in an RNN's notes a_t is the pre-activation (`lint.claims._cell_names`).
_GRU_ALIASES = (("h~", "n"), ("h^", "n"), ("c~", "n"), ("c^", "n"), ("Gamma_u", "z"), ("Gamma_r", "r"),
                ("a", "h"), ("c", "h"))
#: Olah's "Understanding LSTM Networks" writes the cell state C_t and its candidate \tilde{C}_t;
#: Dive into Deep Learning (section 10.1) also the gates I_t, F_t, O_t and the state H_t.
_LSTM_ALIASES = (("c~", "g"), ("c^", "g"), ("Gamma_f", "f"), ("Gamma_u", "i"), ("Gamma_i", "i"), ("Gamma_o", "o"),
                 ("a", "h"), ("C", "c"), ("C~", "g"), ("I", "i"), ("F", "f"), ("O", "o"), ("H", "h"))

#: PyTorch's nn.GRUCell documentation names the weights by input and gate: W_ir, W_iz, W_in
#: multiply x, W_hr, W_hz, W_hn multiply h (our W_r, W_z, W_n and U_r, U_z, U_n). W_in is also
#: an RNN's input weight (the RNN forms' W_in u_t), an n×m input weight there too: under
#: -r gru-torch it is the candidate's, as the documentation means. PyTorch's b_in is our b_n
#: and b_hn ours; its other biases come in pairs that one of ours sums: b_r = b_ir + b_hr,
#: b_z = b_iz + b_hz.
_TORCH_GRU_NAMES = (("W_ir", "W_r"), ("W_iz", "W_z"), ("W_in", "W_n"),
                    ("W_hr", "U_r"), ("W_hz", "U_z"), ("W_hn", "U_n"), ("b_in", "b_n"))
_TORCH_GRU_SUMS = ((("b_ir", "b_hr"), "b_r"), (("b_iz", "b_hz"), "b_z"))

CELLS: dict[str, Cell] = {cell.key: cell for cell in (
    Cell("gru", "the GRU of Cho et al. (reset gate before the product)",
         "K. Cho et al., Learning Phrase Representations using RNN Encoder-Decoder, "
         "arXiv:1406.1078 (2014), eqs. 5-8; Dive into Deep Learning, section 10.2",
         Prose.of("the reset gate scales the state before the recurrent product, {a}",
                  a=sp.MatMul(sp.MatrixSymbol("U_n", N, N), _had(r, h))),
         ("h",), (*_GATES, _CHO_CANDIDATE, _KEEP_Z), family="gru", bounded=("h",), bounded_reason=_GRU_BOUNDED, aliases=_GRU_ALIASES),
    Cell("gru-torch", "the GRU of PyTorch, cuDNN and Keras reset_after (reset gate after the product)",
         "PyTorch torch.nn.GRUCell documentation; cuDNN; Keras GRU(reset_after=True)",
         Prose.of("the reset gate scales the recurrent product and its own bias, {a}",
                  a=_had(r, sp.MatAdd(sp.MatMul(sp.MatrixSymbol("U_n", N, N), h), _vector("b_hn")))),
         ("h",), (*_GATES, _TORCH_CANDIDATE, _KEEP_Z), family="gru", torch=TORCH_GRU, bounded=("h",), bounded_reason=_GRU_BOUNDED,
         aliases=_GRU_ALIASES, parameter_aliases=_TORCH_GRU_NAMES, merged_parameters=_TORCH_GRU_SUMS),
    Cell("gru-chung", "the GRU of Chung et al. (z and 1 − z swapped)",
         "J. Chung et al., Empirical Evaluation of Gated Recurrent Neural Networks on Sequence "
         "Modeling, arXiv:1412.3555 (2014), eqs. 5-8; Wikipedia, Gated recurrent unit",
         Prose.of("the update gate keeps the candidate, {a}", a=sp.Eq(*_KEEP_1_MINUS_Z, evaluate=False)),
         ("h",), (*_GATES, _CHO_CANDIDATE, _KEEP_1_MINUS_Z), family="gru", bounded=("h",), bounded_reason=_GRU_BOUNDED, aliases=_GRU_ALIASES),
    Cell("lstm", "the LSTM without peepholes, as PyTorch's nn.LSTMCell",
         "S. Hochreiter and J. Schmidhuber, Long Short-Term Memory (1997), with the forget gate "
         "of Gers et al. (2000); PyTorch torch.nn.LSTMCell documentation",
         Prose.of("the state is the pair ({h}, {c}); the gates see {x} and {h} only", h=h, c=c, x=x),
         ("h", "c"), (*_LSTM_INPUT_FORGET, (o, _sigmoid(_affine("o", h))), _CELL_STATE, _OUTPUT),
         family="lstm", torch=TORCH_LSTM, bounded=("h",), bounded_reason=_LSTM_BOUNDED, notes=(_TOTAL,),
         aliases=_LSTM_ALIASES),
    Cell("lstm-peephole", "the vanilla LSTM of Greff et al., with peepholes",
         "K. Greff et al., LSTM: A Search Space Odyssey, IEEE TNNLS 28(10) (2017), "
         "arXiv:1503.04069, section II",
         Prose.of("peepholes: {i} and {f} see {c}, {o} sees {ct}, through the weights {pi}, {pf}, {po}",
                  i=i, f=f, o=o, c=c, ct=c_t, pi=_vector("p_i"), pf=_vector("p_f"), po=_vector("p_o")),
         ("h", "c"),
         ((i, _sigmoid(_affine("i", h, _had(_vector("p_i"), c)))),
          (f, _sigmoid(_affine("f", h, _had(_vector("p_f"), c)))),
          (g, _tanh(_affine("g", h))), _CELL_STATE,
          (o, _sigmoid(_affine("o", h, _had(_vector("p_o"), c_t)))), _OUTPUT),
         family="lstm", bounded=("h",), bounded_reason=_LSTM_BOUNDED, notes=(_PEEPHOLE,),
         aliases=_LSTM_ALIASES),
)}
