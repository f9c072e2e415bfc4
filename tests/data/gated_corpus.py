"""A corpus of one-step Jacobian formulas for gated cells (GRU, LSTM), read from public sources.

Each :class:`GatedEntry` is one formula for one block ∂(next state)/∂(previous state) of a gated
recurrent cell, or for the backward factor M of such a block in δ_prev = M δ_next, exactly as a real
public source prints it (a notebook's Markdown, a blog post's LaTeX, a repository's numpy code).

* ``printed`` is the equation or code as the source has it (LaTeX source where the source is
  LaTeX or Markdown; code lines without their leading indentation; lines that are apart in the
  source are joined by a newline and the note says so).
* ``formula`` is what a reader would paste into ``symbptt check``: the derivative on the left, the
  matrix on the right, written with the names of ``cell``. A backward pass multiplies its factor
  into a gradient (``dh``, ``da_next``, ``top_diff_s``); the gradient is dropped, an entrywise
  product with it is written ``diag(…)`` (or left as the bare vector where the factor is one
  vector), and the helper names a code line defines (``dpre_act``, ``dft``) are substituted by
  their own lines. Every such edit is in ``note``.
* ``cell`` is the source's own cell, typed in symbptt's cell grammar (``derive --cell``), in the
  source's names. Three kinds of names have to be spelled differently, always said in ``note``:
  a concatenated weight W[h, x] is split into its state part (keeping the source's name) and its
  input part (the name with an ``x`` label); ``\\tilde{h}``, ``\\widetilde{C}``, ``\\tilde c`` are
  written ``\\text{htilde}``, ``\\text{Ctilde}``, ``\\text{ctilde}`` (the grammar reads
  ``\\tilde{h}_t`` as ``h_t``). ``\\Gamma_f^{\\langle t \\rangle}`` is written as printed.
* ``library`` is the key of the symbptt library cell with the same equations up to names, or None.
* ``block`` is (next-state label, previous-state label) of the block the formula is about.
* ``meaning`` is the formula's matrix as the source means it, a function of ``v`` (see below).
* ``holds`` is the set of layouts in which ``meaning`` is that block: "numerator" (entry (i, j) =
  ∂next_i/∂prev_j) and/or "denominator" (the transpose). A backward factor M (δ_prev = M δ_next,
  column gradients) is the block in denominator layout when it is right. The test module
  (``tests/test_gated_corpus_truth.py``) checks every label against torch autograd on the source's
  own cell, written there in torch by hand, independently of symbptt.
* ``means`` says what the source intended when that is not the block.

The object ``v`` passed to ``meaning`` holds one random float64 instance (n = 3, m = 2) of the
entry's cell: every parameter, the input ``v.x``, each previous state as ``v.<state>_prev``
(``v.h_prev``, ``v.c_prev``, ``v.a_prev``, ``v.s_prev``, ``v.C_prev``) and every intermediate and
next state by its label in ``cell`` (``v.z``, ``v.r``, ``v.htilde``, ``v.h``, ``v.Gamma_f``,
``v.ctilde``, ``v.c``, ``v.a``, ...). A parameter's attribute is its name with braces, backslashes
and ``\\text`` removed and ``\\tilde{h}`` written ``ht`` (``W_{fx}`` → ``v.W_fx``, ``U_{\\tilde{h}}``
→ ``v.U_ht``, ``b_{\\tilde{h}x}`` → ``v.b_htx``, ``Whz`` → ``v.Whz``). Vectors are 1-D tensors.
Helpers: ``v.diag``, ``v.tanh``, ``v.I`` (n × n identity). For Weber's formula, which uses the
previous step's output gate, ``v.o_prev`` is an extra value in (0, 1) that the cell does not define.

Nothing here is invented: every ``url`` is where the text was read, a GitHub address pinned at the
commit that was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .corpus import Source

NUM = frozenset({"numerator"})
DEN = frozenset({"denominator"})
BOTH = frozenset({"numerator", "denominator"})
NEITHER: frozenset = frozenset()


@dataclass(frozen=True)
class GatedEntry:
    id: str
    source: Source
    printed: str
    formula: str
    cell: tuple[str, ...]
    library: str | None
    block: tuple[str, str]
    meaning: Callable
    holds: frozenset
    note: str = ""
    means: str = ""


# --------------------------------------------------------------------------------------------
# The sources' own cells, in the grammar of `derive --cell`
# --------------------------------------------------------------------------------------------

#: legalaspro/rnn_gru_lstm_experiments, simple-gru.ipynb, Markdown §2 "Detailed Forward Equations":
#: the reset gate after the recurrent product (PyTorch's GRU), z_t keeps h_{t-1}.
GRU_LEGALASPRO_MD = (
    r"z_t = \sigma(U_z x_t + W_z h_{t-1} + b_z)",
    r"r_t = \sigma(U_r x_t + W_r h_{t-1} + b_r)",
    r"\text{htilde}_t = \tanh(U_{\tilde{h}} x_t + b_{\tilde{h}x} + r_t \odot (W_{\tilde{h}} h_{t-1} + b_{\tilde{h}h}))",
    r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \text{htilde}_t",
)

#: the same notebook's code (cell `lossFunGRU`): the reset gate before the product (Cho et al.).
GRU_LEGALASPRO_CODE = (
    "z_t = sigmoid(Wxz x_t + Whz h_{t-1} + bz)",
    "r_t = sigmoid(Wxr x_t + Whr h_{t-1} + br)",
    "htilde_t = tanh(Wxh x_t + Whh (r_t * h_{t-1}) + bh)",
    "h_t = z_t * h_{t-1} + (1 - z_t) * htilde_t",
)

#: "GRU 参数梯度推导与梯度消失分析" (blog), §1: biases ignored, W_•·[h_{t-1}, x_t] split into
#: W_{•h} h_{t-1} + W_{•x} x_t (W_{hh} is the post's W_h^h); z_t keeps the candidate (Chung et al.);
#: net_h, the candidate's pre-activation, is the post's own name (§2).
GRU_CSDN_ZH = (
    r"z_t = \sigma(W_{zh} h_{t-1} + W_{zx} x_t)",
    r"r_t = \sigma(W_{rh} h_{t-1} + W_{rx} x_t)",
    r"\text{net}_t = W_{hh} (r_t \odot h_{t-1}) + W_{hx} x_t",
    r"\text{htilde}_t = \tanh(\text{net}_t)",
    r"h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \text{htilde}_t",
)

#: deeplearning.ai "Building your Recurrent Neural Network - Step by Step", lstm_cell_forward:
#: concat = [a_prev; xt], ft = sigmoid(Wf concat + bf), ...; W_f is Wf[:, :n_a], W_{fx} Wf[:, n_a:].
LSTM_COURSERA = (
    r"\Gamma_f^{\langle t \rangle} = \sigma(W_f a^{\langle t-1 \rangle} + W_{fx} x^{\langle t \rangle} + b_f)",
    r"\Gamma_u^{\langle t \rangle} = \sigma(W_u a^{\langle t-1 \rangle} + W_{ux} x^{\langle t \rangle} + b_u)",
    r"\text{ctilde}^{\langle t \rangle} = \tanh(W_c a^{\langle t-1 \rangle} + W_{cx} x^{\langle t \rangle} + b_c)",
    r"c^{\langle t \rangle} = \Gamma_f^{\langle t \rangle} * c^{\langle t-1 \rangle} + \Gamma_u^{\langle t \rangle} * \text{ctilde}^{\langle t \rangle}",
    r"\Gamma_o^{\langle t \rangle} = \sigma(W_o a^{\langle t-1 \rangle} + W_{ox} x^{\langle t \rangle} + b_o)",
    r"a^{\langle t \rangle} = \Gamma_o^{\langle t \rangle} * \tanh(c^{\langle t \rangle})",
)

#: Nick Weber's blog post, "LSTM Equation Reference": biases left off, W_•[h_{t-1}, x_t] split.
LSTM_WEBER = (
    r"f_t = \sigma(W_f h_{t-1} + W_{fx} x_t)",
    r"i_t = \sigma(W_i h_{t-1} + W_{ix} x_t)",
    r"o_t = \sigma(W_o h_{t-1} + W_{ox} x_t)",
    r"\text{Ctilde}_t = \tanh(W_C h_{t-1} + W_{Cx} x_t)",
    r"C_t = f_t \odot C_{t-1} + i_t \odot \text{Ctilde}_t",
    r"h_t = o_t \odot \tanh(C_t)",
)

#: nicodjimenez/lstm, lstm.py, LstmNode.bottom_data_is: xc = hstack(x, h_prev), no tanh on the
#: output (h = s * o); wg is [wgx | wgh] (input columns first).
LSTM_NICO = (
    "g_t = tanh(wgx x_t + wgh h_{t-1} + bg)",
    "i_t = sigmoid(wix x_t + wih h_{t-1} + bi)",
    "f_t = sigmoid(wfx x_t + wfh h_{t-1} + bf)",
    "o_t = sigmoid(wox x_t + woh h_{t-1} + bo)",
    "s_t = g_t * i_t + s_{t-1} * f_t",
    "h_t = s_t * o_t",
)


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

LEGALASPRO_URL = ("https://github.com/legalaspro/rnn_gru_lstm_experiments/blob/"
                  "962fd2d405b5cab7a4a09ab8d2f2f7395b036f12/simple-gru.ipynb")
LEGALASPRO_TITLE = ("legalaspro (Dmitri Manajev), rnn_gru_lstm_experiments, notebook 'simple-gru.ipynb' (numpy GRU "
                    "with a Markdown derivation of its backward pass, 2025)")
LEGALASPRO_MD_36 = Source(
    title=LEGALASPRO_TITLE, url=LEGALASPRO_URL,
    where="Markdown cell, §3.6 'Combining All Paths to h_{t-1}' (items 1–3), with dpre_act (§3.2), "
    "dr_t (§3.3) and dz_t (§3.5)",
    language="en", kind="code",
)
LEGALASPRO_MD_31 = Source(
    title=LEGALASPRO_TITLE, url=LEGALASPRO_URL,
    where="Markdown cell, §3.1 'Hidden State Splitting', the second display (middle term)",
    language="en", kind="code",
)
LEGALASPRO_CODE = Source(
    title=LEGALASPRO_TITLE, url=LEGALASPRO_URL,
    where="code cell defining lossFunGRU, backward loop: dh_tilde, dz, drhp, dr and "
    "dhnext = dh_fz_inner + dh_fz + dh_fhh + dh_fr",
    language="en", kind="code",
)

GRU_ZH_BLOG = Source(
    title="'GRU 参数梯度推导与梯度消失分析' (GRU parameter gradients and vanishing-gradient analysis, "
    "blog post), as mirrored on coloradmin.cn (the same text is at "
    "http://www.lryc.cn/article/2400594.html)",
    url="http://www.coloradmin.cn/o/2400594.html",
    where="§3 '时间反向传播与梯度消失分析', '∂h_i/∂h_{i-1} 的具体形式'; cell from §1 'GRU 前向计算回顾'",
    language="zh", kind="blog",
)

COURSERA_URL = ("https://github.com/Kulbear/deep-learning-coursera/blob/"
                "8347ce04e2021e8c4f91dcfe30019456ba98e3aa/Sequence%20Models/"
                "Building%20a%20Recurrent%20Neural%20Network%20-%20Step%20by%20Step%20-%20v2.ipynb")
COURSERA_TITLE = ("deeplearning.ai, Sequence Models (Coursera), week 1 assignment 'Building your "
                  "Recurrent Neural Network - Step by Step' (v2), as completed in "
                  "Kulbear/deep-learning-coursera")
COURSERA_EQ16 = Source(
    title=COURSERA_TITLE, url=COURSERA_URL,
    where="§3.2 'LSTM backward pass', eq. (16) (dc_prev)", language="en", kind="lecture notes",
)
COURSERA_EQ15 = Source(
    title=COURSERA_TITLE, url=COURSERA_URL,
    where="§3.2 'LSTM backward pass', eq. (15) (da_prev) with the gate derivatives eqs. (7)–(10)",
    language="en", kind="lecture notes",
)
COURSERA_CODE = Source(
    title=COURSERA_TITLE, url=COURSERA_URL,
    where="code cell lstm_cell_backward (the completed solution): dot, dcct, dit, dft and da_prev",
    language="en", kind="code",
)

WEBER = Source(
    title="Noah Weber (weberna), 'Why LSTMs Stop Your Gradients From Vanishing: A View from the "
    "Backwards Pass' (blog post, 2017-11-15)",
    url="https://github.com/weberna/weberna.github.io/blob/ca6a746674c1d0872ff69da7cfd405007b65c5b0/"
    "_posts/2017-11-15-LSTM-Vanishing-Gradients.md",
    where="§'Looking at the full LSTM gradient', the second align* display (\"Now lets explicitly "
    "write out these derivatives\"); cell from §'LSTM Equation Reference'",
    language="en", kind="blog",
)

NICO_URL = ("https://github.com/nicodjimenez/lstm/blob/1785a9d1f195f59e3384ccba5d80b75782fc0917/"
            "lstm.py")
NICO_TITLE = "nicodjimenez, lstm (a basic LSTM written from scratch in numpy, GitHub), lstm.py (2015)"
NICO_S = Source(
    title=NICO_TITLE, url=NICO_URL,
    where="LstmNode.top_diff_is: 'ds = self.state.o * top_diff_h + top_diff_s' and "
    "'self.state.bottom_diff_s = ds * self.state.f'",
    language="en", kind="code",
)
NICO_H = Source(
    title=NICO_TITLE, url=NICO_URL,
    where="LstmNode.top_diff_is: ds, do, di, dg, df, the *_input lines, dxc and "
    "'self.state.bottom_diff_h = dxc[self.param.x_dim:]'",
    language="en", kind="code",
)


# --------------------------------------------------------------------------------------------
# Meanings shared by several entries
# --------------------------------------------------------------------------------------------

def _sig_prime(g):
    """σ' at a gate's pre-activation, written through the gate: g ⊙ (1 − g)."""
    return g * (1 - g)


def _coursera_da_prev(v, candidate):
    """The coefficient of da_next in da_prev (eq. 15), dc_next = 0; `candidate` is dc̃'s factor."""
    dh = v.Gamma_o * (1 - v.tanh(v.c) ** 2)
    return (v.W_f.T @ v.diag(dh * v.c_prev * _sig_prime(v.Gamma_f))
            + v.W_u.T @ v.diag(dh * v.ctilde * _sig_prime(v.Gamma_u))
            + v.W_c.T @ v.diag(dh * candidate(v))
            + v.W_o.T @ v.diag(v.tanh(v.c) * _sig_prime(v.Gamma_o)))


def _weber(v):
    d_prev = v.diag(v.o_prev * (1 - v.tanh(v.C_prev) ** 2))  # o_{t-1} tanh'(C_{t-1})
    return (v.diag(v.C_prev * _sig_prime(v.f)) @ v.W_f @ d_prev
            + v.diag(v.Ctilde * _sig_prime(v.i)) @ v.W_i @ d_prev
            + v.diag(v.i * (1 - v.Ctilde ** 2)) @ v.W_C @ d_prev
            + v.diag(v.f))


# --------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------

ENTRIES: tuple[GatedEntry, ...] = (
    GatedEntry(
        id="legalaspro-gru-md-dh-prev",
        source=LEGALASPRO_MD_36,
        printed="1. The partial w.r.t. the final hidden eq: $dh_t \\odot z_t$.  \n"
        "2. The partial from the candidate $\\tilde{h}$ chain: $(r_t \\odot W_{\\tilde{h}}^T \\cdot "
        "dpre\\_act) + W_r^T dr_t$.  \n"
        "3. The partial from the update gate: $W_z^T dz_t$.\n"
        "dpre_act = dtilde_h * (1 - tilde_h**2)\n"
        "dr_t\n= \\bigl[\\underbrace{(W_{\\tilde{h}} h_{t-1} + b_{\\tilde{h}h})}_{(\\ast)}\\bigr] "
        "\\odot dpre\\_act\n"
        "dr_t \\;\\times\\; r_t \\; (1 - r_t).\n"
        "dz_t = dh_t \\odot (h_{t-1} - \\tilde{h}_t).\n"
        "dz_t \\leftarrow dz_t \\;\\times\\; z_t(1 - z_t)\n"
        "d\\tilde{h}_t = dh_t \\odot (1 - z_t)",
        formula=r"\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(z_t) + \operatorname{diag}(r_t) "
        r"W_{\tilde{h}}^T \operatorname{diag}((1 - z_t) \odot (1 - \text{htilde}_t^2)) + W_r^T "
        r"\operatorname{diag}((W_{\tilde{h}} h_{t-1} + b_{\tilde{h}h}) \odot (1 - z_t) \odot "
        r"(1 - \text{htilde}_t^2) \odot r_t \odot (1 - r_t)) + W_z^T \operatorname{diag}((h_{t-1} - "
        r"\text{htilde}_t) \odot z_t \odot (1 - z_t))",
        cell=GRU_LEGALASPRO_MD,
        library="gru-torch",
        block=("h", "h"),
        meaning=lambda v: (v.diag(v.z)
                           + v.diag(v.r) @ v.W_ht.T @ v.diag((1 - v.z) * (1 - v.htilde ** 2))
                           + v.W_r.T @ v.diag((v.W_ht @ v.h_prev + v.b_hth) * (1 - v.z)
                                              * (1 - v.htilde ** 2) * _sig_prime(v.r))
                           + v.W_z.T @ v.diag((v.h_prev - v.htilde) * _sig_prime(v.z))),
        holds=NEITHER,
        note="The three items of §3.6 summed (the backward factor of dh_{t-1} = M dh_t), with the "
        "helper gradients of §3.1–3.5 substituted (printed: the lines defining them, joined by "
        "newlines; the dpre_act line is §3.2's code, the others its displays): d\\tilde h_t = dh_t "
        "⊙ (1 − z_t), dpre_act = d\\tilde h_t ⊙ (1 − \\tilde h_t²), dr_t = (W_{\\tilde h} h_{t-1} + "
        "b_{\\tilde h h}) ⊙ dpre_act ⊙ r_t(1 − r_t), dz_t = dh_t ⊙ (h_{t-1} − \\tilde h_t) ⊙ z_t(1 − "
        "z_t); the gradient dh_t dropped, each product with it written diag(…); \\tilde h_t written "
        "\\text{htilde}_t. The notebook's own cell (§2) puts the reset gate after the product, "
        "r_t ⊙ (W_{\\tilde h} h_{t-1} + b), as PyTorch does; for that cell the candidate path is "
        "W_{\\tilde h}^T diag(r_t) (…), not diag(r_t) W_{\\tilde h}^T (…): the r_t ⊙ (W^T …) of "
        "item 2 belongs to the reset-before cell its code implements.",
        means="the backward factor M of dh_{t-1} = M dh_t (the (h, h) block in denominator layout), "
        "for the reset-after cell of §2",
    ),
    GatedEntry(
        id="legalaspro-gru-md-partial",
        source=LEGALASPRO_MD_31,
        printed="\\frac{\\partial h_t}{\\partial z_t} \n= h_{t-1} \\;-\\; \\tilde{h}_t, \n\\quad\n"
        "\\frac{\\partial h_t}{\\partial h_{t-1}} \n= z_t, \n\\quad\n\\frac{\\partial h_t}"
        "{\\partial \\tilde{h}_t}\n= (1 - z_t).",
        formula=r"\frac{\partial h_t}{\partial h_{t-1}} = z_t",
        cell=GRU_LEGALASPRO_MD,
        library="gru-torch",
        block=("h", "h"),
        meaning=lambda v: v.diag(v.z),
        holds=NEITHER,
        note="The middle equation of the display; z_t, a vector, read as diag(z_t). The notebook "
        "says right after it that the gradient to h_{t-1} also gets terms from inside \\tilde h_t.",
        means="the partial derivative of h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ \\tilde h_t with z_t and "
        "\\tilde h_t held fixed (one term of the chain rule), not the total block",
    ),
    GatedEntry(
        id="legalaspro-gru-code-dhnext",
        source=LEGALASPRO_CODE,
        printed="dh_tilde = dh * (1 - z_t)\n"
        "dh_tilde = dh_tilde * (1 - h_tilde**2)  # backprop through tanh\n"
        "dz = dh * (h_prev - h_tilde)\n"
        "dz = dz * z_t * (1 - z_t)  # backprop through sigmoid z\n"
        "drhp = np.dot(Whh.T, dh_tilde)\n"
        "dr = drhp * h_prev  # another approach\n"
        "dr = dr * r_t * (1 - r_t)\n"
        "dh_fz_inner = np.dot(Whz.T, dz)\n"
        "dh_fz = dh * z_t\n"
        "dh_fhh = drhp * r_t\n"
        "dh_fr = np.dot(Whr.T, dr)\n"
        "dhnext = dh_fz_inner + dh_fz + dh_fhh + dh_fr # for next iteration",
        formula=r"\frac{\partial h_t}{\partial h_{t-1}} = Whz^T diag((h_{t-1} - htilde_t) * z_t * "
        r"(1 - z_t)) + diag(z_t) + diag(r_t) Whh^T diag((1 - z_t) * (1 - htilde_t^2)) + Whr^T "
        r"diag(h_{t-1} * r_t * (1 - r_t)) Whh^T diag((1 - z_t) * (1 - htilde_t^2))",
        cell=GRU_LEGALASPRO_CODE,
        library="gru",
        block=("h", "h"),
        meaning=lambda v: (v.Whz.T @ v.diag((v.h_prev - v.htilde) * _sig_prime(v.z))
                           + v.diag(v.z)
                           + v.diag(v.r) @ v.Whh.T @ v.diag((1 - v.z) * (1 - v.htilde ** 2))
                           + v.Whr.T @ v.diag(v.h_prev * _sig_prime(v.r)) @ v.Whh.T
                           @ v.diag((1 - v.z) * (1 - v.htilde ** 2))),
        holds=DEN,
        note="Twelve lines of the backward loop (joined by newlines) composed into the factor M of "
        "dhnext = M dh: the gradient dh dropped, each product with it written diag(…), np.dot(A.T, "
        "·) as A^T; h_prev written h_{t-1}, h_tilde written htilde_t (the code's forward pass: "
        "h_tilde = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, r_t * hs[t-1]) + bh), "
        "h_t = z_t * hs[t-1] + (1 - z_t) * h_tilde: the reset gate before the product).",
        means="the backward factor of dh_{t-1} = M dh_t (denominator layout)",
    ),
    GatedEntry(
        id="zh-blog-gru-chung-paths",
        source=GRU_ZH_BLOG,
        printed="∂h_i/∂h_{i-1} = diag(1 - z_i) + // 直接传递项\n"
        "diag(z_i ⊙ tanh'(net_{h_i})) · W_h^h · diag(r_i) + // 候选状态路径\n"
        "(∂h_i/∂z_i) · (∂z_i/∂h_{i-1}) + // 更新门路径\n"
        "(∂h_i/∂r_i) · (∂r_i/∂h_{i-1}) // 重置门路径",
        formula=r"\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1 - z_t) + "
        r"\operatorname{diag}(z_t \odot \tanh'(\text{net}_t)) \cdot W_{hh} \cdot \operatorname{diag}(r_t) "
        r"+ \frac{\partial h_t}{\partial z_t} \cdot \frac{\partial z_t}{\partial h_{t-1}} + "
        r"\frac{\partial h_t}{\partial r_t} \cdot \frac{\partial r_t}{\partial h_{t-1}}",
        cell=GRU_CSDN_ZH,
        library="gru-chung",
        block=("h", "h"),
        meaning=lambda v: (v.diag(1 - v.z)
                           + v.diag(v.z * (1 - v.tanh(v.net) ** 2)) @ v.W_hh @ v.diag(v.r)
                           + v.diag(v.htilde - v.h_prev) @ v.diag(_sig_prime(v.z)) @ v.W_zh
                           + v.diag(v.z * (1 - v.htilde ** 2)) @ v.W_hh @ v.diag(v.h_prev)
                           @ v.diag(_sig_prime(v.r)) @ v.W_rh),
        holds=NUM,
        note="Rendered text (four lines, with the post's comments) typed as LaTeX in the cell's "
        "names: the step index i written t, W_h^h (the post: 'W_h 中对应 h_{i-1} 的子矩阵') written "
        "W_{hh}, net_{h_i} written \\text{net}_t, the comments dropped. The partials are read as the "
        "paths the comments name: ∂h_t/∂z_t = diag(\\tilde h_t − h_{t-1}), ∂z_t/∂h_{t-1} = "
        "diag(σ'(·)) W_{zh}, ∂h_t/∂r_t = diag(z_t ⊙ tanh'(net_t)) W_{hh} diag(h_{t-1}) (through "
        "the candidate), ∂r_t/∂h_{t-1} = diag(σ'(·)) W_{rh}. The post ignores biases; the library "
        "cell gru-chung has them.",
        means="the one-step Jacobian, each gate's path written as a product of partial derivatives",
    ),
    GatedEntry(
        id="coursera-lstm-eq16-dc-next",
        source=COURSERA_EQ16,
        printed=r"$$ dc_{prev} = dc_{next}\Gamma_f^{\langle t \rangle} + \Gamma_o^{\langle t \rangle} * "
        r"(1- \tanh(c_{next})^2)*\Gamma_f^{\langle t \rangle}*da_{next} \tag{16}$$",
        formula=r"\frac{\partial c^{\langle t \rangle}}{\partial c^{\langle t-1 \rangle}} = \Gamma_f^{\langle t \rangle}",
        cell=LSTM_COURSERA,
        library="lstm",
        block=("c", "c"),
        meaning=lambda v: v.diag(v.Gamma_f),
        holds=BOTH,
        note="The factor of dc_next in eq. (16): dc_prev = (∂c^{⟨t⟩}/∂c^{⟨t−1⟩})^T dc_next + "
        "(∂a^{⟨t⟩}/∂c^{⟨t−1⟩})^T da_next. The gradient dropped; the vector Γ_f read as diag(Γ_f).",
    ),
    GatedEntry(
        id="coursera-lstm-eq16-da-next",
        source=COURSERA_EQ16,
        printed=r"$$ dc_{prev} = dc_{next}\Gamma_f^{\langle t \rangle} + \Gamma_o^{\langle t \rangle} * "
        r"(1- \tanh(c_{next})^2)*\Gamma_f^{\langle t \rangle}*da_{next} \tag{16}$$",
        formula=r"\frac{\partial a^{\langle t \rangle}}{\partial c^{\langle t-1 \rangle}} = \Gamma_o^{\langle t \rangle} * (1- \tanh(c^{\langle t \rangle})^2)"
        r"*\Gamma_f^{\langle t \rangle}",
        cell=LSTM_COURSERA,
        library="lstm",
        block=("a", "c"),
        meaning=lambda v: v.diag(v.Gamma_o * (1 - v.tanh(v.c) ** 2) * v.Gamma_f),
        holds=BOTH,
        note="The factor of da_next in eq. (16), the (a, c) block: the gradient dropped, the "
        "entrywise product read as diag(…); c_{next} written c^{⟨t⟩} (the notebook's name for "
        "it).",
    ),
    GatedEntry(
        id="coursera-lstm-eq15-printed",
        source=COURSERA_EQ15,
        printed=r"$$d \Gamma_o^{\langle t \rangle} = da_{next}*\tanh(c_{next}) * \Gamma_o^{\langle t \rangle}"
        r"*(1-\Gamma_o^{\langle t \rangle})\tag{7}$$" "\n"
        r"$$d\tilde c^{\langle t \rangle} = dc_{next}*\Gamma_i^{\langle t \rangle}+ \Gamma_o^{\langle t "
        r"\rangle} (1-\tanh(c_{next})^2) * i_t * da_{next} * \tilde c^{\langle t \rangle} * "
        r"(1-\tanh(\tilde c)^2) \tag{8}$$" "\n"
        r"$$d\Gamma_u^{\langle t \rangle} = dc_{next}*\tilde c^{\langle t \rangle} + \Gamma_o^{\langle t "
        r"\rangle} (1-\tanh(c_{next})^2) * \tilde c^{\langle t \rangle} * da_{next}*\Gamma_u^{\langle t "
        r"\rangle}*(1-\Gamma_u^{\langle t \rangle})\tag{9}$$" "\n"
        r"$$d\Gamma_f^{\langle t \rangle} = dc_{next}*\tilde c_{prev} + \Gamma_o^{\langle t \rangle} "
        r"(1-\tanh(c_{next})^2) * c_{prev} * da_{next}*\Gamma_f^{\langle t \rangle}*(1-\Gamma_f^{\langle "
        r"t \rangle})\tag{10}$$" "\n"
        r"$$ da_{prev} = W_f^T*d\Gamma_f^{\langle t \rangle} + W_u^T * d\Gamma_u^{\langle t \rangle}+ "
        r"W_c^T * d\tilde c^{\langle t \rangle} + W_o^T * d\Gamma_o^{\langle t \rangle} \tag{15}$$",
        formula=r"\frac{\partial a^{\langle t \rangle}}{\partial a^{\langle t-1 \rangle}} = (W_f^T diag(c^{\langle t-1 \rangle} * \Gamma_f^{\langle t \rangle} * "
        r"(1-\Gamma_f^{\langle t \rangle})) + W_u^T diag(\text{ctilde}^{\langle t \rangle} * \Gamma_u^{\langle t \rangle} * (1-\Gamma_u^{\langle t \rangle})) + "
        r"W_c^T diag(\Gamma_u^{\langle t \rangle} * \text{ctilde}^{\langle t \rangle} * (1-\tanh(\text{ctilde}^{\langle t \rangle})^2))) "
        r"diag(\Gamma_o^{\langle t \rangle} * (1-\tanh(c^{\langle t \rangle})^2)) + W_o^T diag(\tanh(c^{\langle t \rangle}) * \Gamma_o^{\langle t \rangle} * "
        r"(1-\Gamma_o^{\langle t \rangle}))",
        cell=LSTM_COURSERA,
        library="lstm",
        block=("a", "a"),
        meaning=lambda v: _coursera_da_prev(v, lambda v: v.Gamma_u * v.ctilde * (1 - v.tanh(v.ctilde) ** 2)),
        holds=NEITHER,
        note="Eq. (15) with eqs. (7)–(10) substituted, as printed (five displays joined by "
        "newlines), keeping the factor of da_next (dc_next = 0: the (a, a) block); the gradient "
        "dropped, each W^T * (vector) written W^T diag(…), and the factor Γ_o(1 − tanh(c_next)²) that "
        "eqs. (8)–(10) share written once, on the right of their three terms (a formula has 400 "
        "characters at most); Γ_i and i_t of eq. (8) are the update "
        "gate Γ_u (the code's it); the W_• of eq. (15) are the a-columns W_•[:, :n_a] (the notebook "
        "writes W_f[:n_a,:]). Eq. (8) as printed has an extra factor \\tilde c and (1 − tanh(\\tilde "
        "c)²) where the derivative of \\tilde c = tanh(·) is 1 − \\tilde c²; the notebook's code "
        "(coursera-lstm-code-da-prev) computes dcct = (…) * it * (1 - cct ** 2).",
        means="the backward factor of da_prev = M da_next (the (a, a) block in denominator layout)",
    ),
    GatedEntry(
        id="coursera-lstm-code-da-prev",
        source=COURSERA_CODE,
        printed="dot = da_next * np.tanh(c_next) * ot * (1 - ot)\n"
        "dcct = (da_next * ot * (1 - np.tanh(c_next) ** 2) + dc_next) * it * (1 - cct ** 2)\n"
        "dit = (da_next * ot * (1 - np.tanh(c_next) ** 2) + dc_next) * cct * (1 - it) * it\n"
        "dft = (da_next * ot * (1 - np.tanh(c_next) ** 2) + dc_next) * c_prev * ft * (1 - ft)\n"
        "da_prev = np.dot(Wf[:, :n_a].T, dft) + np.dot(Wc[:, :n_a].T, dcct) + np.dot(Wi[:, :n_a].T, "
        "dit) + np.dot(Wo[:, :n_a].T, dot)",
        formula=r"\frac{\partial a^{\langle t \rangle}}{\partial a^{\langle t-1 \rangle}} = W_f^T diag(\Gamma_o^{\langle t \rangle} * D * "
        r"c^{\langle t-1 \rangle} * \Gamma_f^{\langle t \rangle} * (1-\Gamma_f^{\langle t \rangle})) + W_c^T diag(\Gamma_o^{\langle t \rangle} * D * "
        r"\Gamma_u^{\langle t \rangle} * (1-(\text{ctilde}^{\langle t \rangle})^2)) + W_u^T diag(\Gamma_o^{\langle t \rangle} * D * "
        r"\text{ctilde}^{\langle t \rangle} * (1-\Gamma_u^{\langle t \rangle}) * \Gamma_u^{\langle t \rangle}) + W_o^T diag(\tanh(c^{\langle t \rangle}) * "
        r"\Gamma_o^{\langle t \rangle} * (1-\Gamma_o^{\langle t \rangle}))".replace(" * ", "*").replace("D", r"(1-\tanh(c^{\langle t \rangle})^2)"),
        cell=LSTM_COURSERA,
        library="lstm",
        block=("a", "a"),
        meaning=lambda v: _coursera_da_prev(v, lambda v: v.Gamma_u * (1 - v.ctilde ** 2)),
        holds=DEN,
        note="Five code lines (joined by newlines) composed, keeping the factor of da_next "
        "(dc_next = 0); the gradient dropped, each product with it written diag(…), np.dot(A.T, ·) "
        "as A^T; code names written as the cell's: Wf[:, :n_a] → W_f, Wi → W_u, ft, it, cct, ot → "
        "Γ_f, Γ_u, ctilde, Γ_o, c_next → c^{⟨t⟩}, c_prev → c^{⟨t−1⟩}.",
        means="the backward factor of da_prev = M da_next (denominator layout)",
    ),
    GatedEntry(
        id="coursera-lstm-code-da-prev-dc",
        source=COURSERA_CODE,
        printed="dcct = (da_next * ot * (1 - np.tanh(c_next) ** 2) + dc_next) * it * (1 - cct ** 2)\n"
        "dit = (da_next * ot * (1 - np.tanh(c_next) ** 2) + dc_next) * cct * (1 - it) * it\n"
        "dft = (da_next * ot * (1 - np.tanh(c_next) ** 2) + dc_next) * c_prev * ft * (1 - ft)\n"
        "da_prev = np.dot(Wf[:, :n_a].T, dft) + np.dot(Wc[:, :n_a].T, dcct) + np.dot(Wi[:, :n_a].T, "
        "dit) + np.dot(Wo[:, :n_a].T, dot)",
        formula=r"\frac{\partial c^{\langle t \rangle}}{\partial a^{\langle t-1 \rangle}} = W_f^T diag(c^{\langle t-1 \rangle} * \Gamma_f^{\langle t \rangle} * "
        r"(1-\Gamma_f^{\langle t \rangle})) + W_c^T diag(\Gamma_u^{\langle t \rangle} * (1-(\text{ctilde}^{\langle t \rangle})^2)) + W_u^T "
        r"diag(\text{ctilde}^{\langle t \rangle} * (1-\Gamma_u^{\langle t \rangle}) * \Gamma_u^{\langle t \rangle})",
        cell=LSTM_COURSERA,
        library="lstm",
        block=("c", "a"),
        meaning=lambda v: (v.W_f.T @ v.diag(v.c_prev * _sig_prime(v.Gamma_f))
                           + v.W_c.T @ v.diag(v.Gamma_u * (1 - v.ctilde ** 2))
                           + v.W_u.T @ v.diag(v.ctilde * _sig_prime(v.Gamma_u))),
        holds=DEN,
        note="Four code lines (joined by newlines) composed, keeping the factor of dc_next "
        "(da_next = 0, so dot = 0): da_prev = (∂a^{⟨t⟩}/∂a^{⟨t−1⟩})^T da_next + "
        "(∂c^{⟨t⟩}/∂a^{⟨t−1⟩})^T dc_next. The gradient dropped, products with it written diag(…), "
        "names as in coursera-lstm-code-da-prev.",
        means="the factor of dc_next in da_prev (the (c, a) block in denominator layout)",
    ),
    GatedEntry(
        id="weber-lstm-full-dc",
        source=WEBER,
        printed="\\begin{align*}\n\\frac{\\partial C_t}{\\partial C_{t-1}} &= C_{t-1}\\sigma'(\\cdot)"
        "W_f*o_{t-1}tanh'(C_{t-1}) \\\\\n&+ \\widetilde{C}_t\\sigma'(\\cdot)W_i*o_{t-1}tanh'(C_{t-1}) "
        "\\\\\n&+ i_t\\tanh'(\\cdot)W_C*o_{t-1}tanh'(C_{t-1}) \\\\\n&+ f_t\n\\end{align*}",
        formula=r"\frac{\partial C_t}{\partial C_{t-1}} = C_{t-1}\sigma'(\cdot)W_f*o_{t-1}tanh'(C_{t-1}) "
        r"+ \text{Ctilde}_t\sigma'(\cdot)W_i*o_{t-1}tanh'(C_{t-1}) + i_t\tanh'(\cdot)W_C*o_{t-1}"
        r"tanh'(C_{t-1}) + f_t",
        cell=LSTM_WEBER,
        library="lstm",
        block=("C", "C"),
        meaning=_weber,
        holds=NEITHER,
        note="The four rows of the align* joined on one line; \\widetilde{C}_t written "
        "\\text{Ctilde}_t. The post writes the cell with concatenated weights W_•[h_{t-1}, x_t] and "
        "no biases; W_f, W_i, W_C in the formula are their h_{t-1} columns (∂f_t/∂h_{t-1} = "
        "σ'(·) W_f), so the cell keeps those names for the h-parts and names the x-parts W_{fx}, "
        "…. Scalar notation read as vectors: C_{t-1}σ'(·)W_f*o_{t-1}tanh'(C_{t-1}) as "
        "diag(C_{t-1} ⊙ σ'(a_f)) W_f diag(o_{t-1} ⊙ tanh'(C_{t-1})), σ'(·) at the gate's own "
        "pre-activation. The formula uses o_{t-1}, the previous step's output gate, which the cell "
        "does not define (v.o_prev). The post leaves biases off; the library cell lstm has them.",
        means="the total derivative of C_t by C_{t-1} with C alone as the state, through "
        "h_{t-1} = o_{t-1} ⊙ tanh(C_{t-1}) with o_{t-1} held fixed (a derivative across two steps "
        "of the cell); the (C, C) block of the one-step Jacobian of the pair (h, C) is diag(f_t)",
    ),
    GatedEntry(
        id="nico-lstm-bottom-diff-s",
        source=NICO_S,
        printed="ds = self.state.o * top_diff_h + top_diff_s\n"
        "self.state.bottom_diff_s = ds * self.state.f",
        formula=r"\frac{\partial s_t}{\partial s_{t-1}} = f_t",
        cell=LSTM_NICO,
        library=None,
        block=("s", "s"),
        meaning=lambda v: v.diag(v.f),
        holds=BOTH,
        note="The factor of top_diff_s in bottom_diff_s (two lines apart, joined by a newline): "
        "the gradient dropped, self.state.f written f_t and read as diag(f_t). No library cell: "
        "the output is h = s * o, without tanh.",
    ),
    GatedEntry(
        id="nico-lstm-bottom-diff-s-h",
        source=NICO_S,
        printed="ds = self.state.o * top_diff_h + top_diff_s\n"
        "self.state.bottom_diff_s = ds * self.state.f",
        formula=r"\frac{\partial h_t}{\partial s_{t-1}} = o_t * f_t",
        cell=LSTM_NICO,
        library=None,
        block=("h", "s"),
        meaning=lambda v: v.diag(v.o * v.f),
        holds=BOTH,
        note="The factor of top_diff_h in bottom_diff_s, the (h, s) block: the gradient dropped, "
        "self.state.o * self.state.f written o_t * f_t and read as diag(o_t ⊙ f_t).",
    ),
    GatedEntry(
        id="nico-lstm-bottom-diff-h",
        source=NICO_H,
        printed="ds = self.state.o * top_diff_h + top_diff_s\n"
        "do = self.state.s * top_diff_h\n"
        "di = self.state.g * ds\n"
        "dg = self.state.i * ds\n"
        "df = self.s_prev * ds\n"
        "di_input = (1. - self.state.i) * self.state.i * di \n"
        "df_input = (1. - self.state.f) * self.state.f * df \n"
        "do_input = (1. - self.state.o) * self.state.o * do \n"
        "dg_input = (1. - self.state.g ** 2) * dg\n"
        "dxc = np.zeros_like(self.xc)\n"
        "dxc += np.dot(self.param.wi.T, di_input)\n"
        "dxc += np.dot(self.param.wf.T, df_input)\n"
        "dxc += np.dot(self.param.wo.T, do_input)\n"
        "dxc += np.dot(self.param.wg.T, dg_input)\n"
        "self.state.bottom_diff_h = dxc[self.param.x_dim:]",
        formula=r"\frac{\partial h_t}{\partial h_{t-1}} = np.dot(wih.T, diag((1 - i_t) * i_t * g_t * "
        r"o_t)) + np.dot(wfh.T, diag((1 - f_t) * f_t * s_{t-1} * o_t)) + np.dot(woh.T, diag((1 - "
        r"o_t) * o_t * s_t)) + np.dot(wgh.T, diag((1 - g_t ** 2) * i_t * o_t))",
        cell=LSTM_NICO,
        library=None,
        block=("h", "h"),
        meaning=lambda v: (v.wih.T @ v.diag(_sig_prime(v.i) * v.g * v.o)
                           + v.wfh.T @ v.diag(_sig_prime(v.f) * v.s_prev * v.o)
                           + v.woh.T @ v.diag(_sig_prime(v.o) * v.s)
                           + v.wgh.T @ v.diag((1 - v.g ** 2) * v.i * v.o)),
        holds=DEN,
        note="Lines of top_diff_is (joined by newlines) composed, keeping the factor of top_diff_h "
        "(top_diff_s = 0): the gradient dropped, each product with it written diag(…); "
        "dxc[x_dim:] of np.dot(w.T, ·) is np.dot(wh.T, ·) with wh = w[:, x_dim:], the h_prev "
        "columns of the concatenation xc = hstack((x, h_prev)), named wih, wfh, woh, wgh; "
        "self.state.• written •_t, self.s_prev written s_{t-1}, the float 1. written 1 (the grammar "
        "reads no trailing dot).",
        means="the backward factor of bottom_diff_h = M top_diff_h (denominator layout)",
    ),
    GatedEntry(
        id="nico-lstm-bottom-diff-h-s",
        source=NICO_H,
        printed="ds = self.state.o * top_diff_h + top_diff_s\n"
        "di = self.state.g * ds\n"
        "dg = self.state.i * ds\n"
        "df = self.s_prev * ds\n"
        "di_input = (1. - self.state.i) * self.state.i * di \n"
        "df_input = (1. - self.state.f) * self.state.f * df \n"
        "dg_input = (1. - self.state.g ** 2) * dg\n"
        "dxc += np.dot(self.param.wi.T, di_input)\n"
        "dxc += np.dot(self.param.wf.T, df_input)\n"
        "dxc += np.dot(self.param.wg.T, dg_input)\n"
        "self.state.bottom_diff_h = dxc[self.param.x_dim:]",
        formula=r"\frac{\partial s_t}{\partial h_{t-1}} = np.dot(wih.T, diag((1 - i_t) * i_t * g_t)) "
        r"+ np.dot(wfh.T, diag((1 - f_t) * f_t * s_{t-1})) + np.dot(wgh.T, diag((1 - g_t ** 2) * "
        r"i_t))",
        cell=LSTM_NICO,
        library=None,
        block=("s", "h"),
        meaning=lambda v: (v.wih.T @ v.diag(_sig_prime(v.i) * v.g)
                           + v.wfh.T @ v.diag(_sig_prime(v.f) * v.s_prev)
                           + v.wgh.T @ v.diag((1 - v.g ** 2) * v.i)),
        holds=DEN,
        note="As nico-lstm-bottom-diff-h, keeping the factor of top_diff_s (top_diff_h = 0, so "
        "do = 0 and the wo line drops out): the (s, h) block's backward factor; the lines joined by "
        "newlines, 1. written 1.",
        means="the factor of top_diff_s in bottom_diff_h (the (s, h) block in denominator layout)",
    ),
)
