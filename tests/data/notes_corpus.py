"""The notes corpus: real course notes in tests/data/notes/, and every claim in them, labelled.

The files are public notes kept verbatim (tests/data/notes/SOURCES.md gives each one's source,
pinned commit, licence and what was cut). ``symbptt.toml`` beside them declares what each
source's own text says: its recurrence, activation and, where the notes keep one, layout.

Each `NoteClaim` is a claim a reader finds in a file, at the line and column where its matrix
starts, with the ground truth as a corpus `Entry` (the source's recurrence, the claim's matrix
as the source means it, and the layouts it holds in), which tests/test_lint.py checks against
torch autograd with tests/test_corpus_truth.py's helpers, and the code `lint` must report for
it (None: no finding). A product over steps written out factor by factor is labelled over two
steps (``steps=2``: its meaning is the product at k = 2, against the two-step Jacobian).
`MISSED` lists the claims `lint` does not find, and why (none now).
"""

from __future__ import annotations

from dataclasses import dataclass

from .corpus import DEN, NEITHER, NUM, Entry, Source


@dataclass(frozen=True)
class NoteClaim:
    file: str
    line: int
    column: int
    entry: Entry
    expected: str | None  # the code lint reports here, None for no finding
    why: str
    steps: int = 1  # 2: `entry.meaning` is the claim over two steps (a product written out), v.J2's truth


D2L = Source(
    title="Aston Zhang, Zachary C. Lipton, Mu Li, Alexander J. Smola, Dive into Deep Learning, "
    "'Backpropagation Through Time' (d2l-en, 2024), CC BY-SA 4.0",
    url="https://github.com/d2l-ai/d2l-en/blob/23d7a5aecceee57d1292c56e90cce307f183bb0a/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="the whole chapter; the claim is eq_bptt_partial_L_ht_recur (line 347)",
    language="en", kind="book",
)
CS224N_07 = Source(
    title="Stanford CS224n (2019) lecture 7, slide 'Vanishing gradient proof sketch', LaTeX "
    "transcription in LooperXX's CS224n-2019 notes",
    url="https://github.com/LooperXX/LooperXX.github.io/blob/80610e5fe654b51dccbb60a88ac5180a3d77f5fc/"
    "docs/CS224n-2019-07-Vanishing%20Gradients%20and%20Fancy%20RNNs.md",
    where="lines 38–50", language="zh", kind="lecture notes",
)
CS224N_05 = Source(
    title="Stanford CS224n (2019) lecture notes 05 §2.3, Chinese translation in LooperXX's "
    "CS224n-2019 notes",
    url="https://github.com/LooperXX/LooperXX.github.io/blob/80610e5fe654b51dccbb60a88ac5180a3d77f5fc/"
    "docs/CS224n-2019-06-The%20probability%20of%20a%20sentence%20Recurrent%20Neural%20Networks%20"
    "and%20Language%20Models.md",
    where="lines 524–534 (recurrence at line 440)", language="zh", kind="lecture notes",
)
AIMS = Source(
    title="Santanu Pattanayak, 'Understanding Attention' (blog post, santanupattanayak/aims, 2021)",
    url="https://github.com/santanupattanayak/aims/blob/0171df3507054359ed0f471e22dd1fd49debbbfe/"
    "_posts/2021-03-08-blog-post-title-from-file-name.md",
    where="lines 8–18 (items 4–7)", language="en", kind="blog",
)
CCJJLLT = Source(
    title="ccjjllt, NLP self-study notebooks, Day 11 'RNN 的致命问题' (the_problem_rnn.ipynb)",
    url="https://github.com/ccjjllt/--/blob/d321c0fd83bd4ca292f8229fbc64ed4e9db11f6c/"
    "Day11/the_problem_rnn.ipynb",
    where="the whole notebook; the claims are in its first Markdown cell", language="zh",
    kind="lecture notes",
)
DLBOOK = Source(
    title="Goodfellow, Bengio, Courville, Deep Learning (2016), §10.2.2, LaTeX of the Chinese "
    "translation (exacity/deeplearningbook-chinese)",
    url="https://github.com/exacity/deeplearningbook-chinese/blob/a03e98d2298528a13779f9fc4c8e7f8c1bd204f7/"
    "Chapter10/sequence_modeling_rnn.tex",
    where="eq. (10.21) with the sentences around it", language="zh", kind="book",
)


def _entry(id, source, printed, formula, recurrence, activation, meaning, holds, note) -> Entry:
    return Entry(id=id, source=source, printed=printed, formula=formula, recurrence=recurrence,
                 activation=activation, meaning=meaning, holds=holds, note=note)


CLAIMS: tuple[NoteClaim, ...] = (
    NoteClaim("d2l-en-bptt.md", 347, 300, _entry(
        "notes:d2l-en-recursion", D2L,
        r"\mathbf{W}_\textrm{hh}^\top \frac{\partial L}{\partial \mathbf{h}_{t+1}}",
        r"\mathbf{W}_\textrm{hh}^\top", "post", "identity", lambda v: v.W.T, DEN,
        "h_t = W_hx x_t + W_hh h_{t-1} (no activation); the factor of the column gradient "
        "∂L/∂h_{t+1} in ∂L/∂h_t = … : the denominator-layout Jacobian ∂h_{t+1}/∂h_t."),
        None, "a backward factor on the left of a column gradient, in denominator layout: right"),
    NoteClaim("cs224n-2019-lecture07.md", 11, 71, _entry(
        "notes:cs224n-lecture07", CS224N_07,
        r"\operatorname{diag}\left(\sigma^{\prime}\left(\boldsymbol{W}_{h} \boldsymbol{h}^{(t-1)}+"
        r"\boldsymbol{W}_{x} \boldsymbol{x}^{(t)}+\boldsymbol{b}_{1}\right)\right) \boldsymbol{W}_{h}",
        r"\operatorname{diag}\left(\sigma^{\prime}\left(\boldsymbol{W}_{h} \boldsymbol{h}^{(t-1)}+"
        r"\boldsymbol{W}_{x} \boldsymbol{x}^{(t)}+\boldsymbol{b}_{1}\right)\right) \boldsymbol{W}_{h}",
        "post", "generic", lambda v: v.diag(v.dact(v.a)) @ v.W, NUM,
        "The slide's recurrence is the display above it (line 4 of the excerpt)."),
        None, "the numerator-layout Jacobian, as the notes declare: right"),
    NoteClaim("cs224n-2019-notes05.md", 4, 97, _entry(
        "notes:cs224n-notes05", CS224N_05,
        r"\prod_{j=k+1}^{t} W^{T} \times \operatorname{diag}\left[f^{\prime}\left(j_{j-1}\right)\right]",
        r"\prod_{j=k+1}^{t} W^{T} \times \operatorname{diag}\left[f^{\prime}\left(j_{j-1}\right)\right]",
        "post", "generic", lambda v: v.W.T @ v.diag(v.dact(v.h_prev)), NEITHER,
        "Recurrence h_t = σ(W^{(hh)} h_{t-1} + W^{(hx)} x_{[t]}); 'j_{j-1}' is the notes' typo "
        "for h_{j-1}, read as such in meaning."),
        "SB101", "j_{j-1} is no value at any step (j is the step index): read as h_{j-1}, a likely typo "
        "the finding names, it is wrong in both layouts (σ' at h_{j-1}, not a_j; and in numerator "
        "notes W^T on the left)"),
    NoteClaim("aims-attention-2021.md", 3, 33, _entry(
        "notes:aims-item5", AIMS,
        r"$`\nabla_{h_{t-1}} h_t = \sigma^{'}(t)W_{hh}`$", r"\sigma^{'}(t)W_{hh}",
        "post", "generic", lambda v: v.diag(v.dact(v.a)) @ v.W, NUM,
        "σ'(t) is, in the post's words, the diagonal matrix of σ' at step t; recurrence "
        "h_t = σ(W_hh h_{t-1} + W_xh x_t)."),
        None, "the numerator-layout Jacobian (no layout declared): right"),
    NoteClaim("aims-attention-2021.md", 7, 77, _entry(
        "notes:aims-item6", AIMS,
        r"$`\nabla_{h_{t-k}} h_t`$  = $`\prod_{j=t:t-k+1}\nabla_{h_{j-1}} h_j=`$ $`\sigma^{'}(t)W_{hh}*`$"
        r"$`\sigma^{'}(t-1)W_{hh}*..*`$$`\sigma^{'}(t-k+1)W_{hh}`$",
        r"\sigma^{'}(t)W_{hh}", "post", "generic",
        lambda v: v.diag(v.dact(v.a)) @ v.W @ v.diag(v.dact(v.a_prev)) @ v.W, NUM,
        "The product over steps written out across five $`…`$ spans; its meaning at k = 2 is "
        "σ'(t) W_hh σ'(t-1) W_hh, J_t J_{t-1} in numerator layout."),
        None, "the same factor at each step, latest step first (numerator order), and it is the "
        "numerator-layout Jacobian: right", steps=2),
    NoteClaim("aims-attention-2021.md", 11, 78, _entry(
        "notes:aims-item7", AIMS,
        r"$`\nabla_{h_{t-k}} h_t`$  = $`\prod_{j=t:t-k+1}\nabla_{h_{j-1}} h_j=`$ $`\sigma^{'}(t)*`$"
        r"$`\sigma^{'}(t-1)*..*`$$`\sigma^{'}(t-k+1)*W_{hh}^{k}`$",
        r"\sigma^{'}(t)*\sigma^{'}(t-1)*..*\sigma^{'}(t-k+1)*W_{hh}^{k}", "post", "generic",
        lambda v: v.diag(v.dact(v.a)) @ v.diag(v.dact(v.a_prev)) @ v.W @ v.W, NEITHER,
        "The diagonal factors commuted past W_hh, which they do not commute with: at k = 2, "
        "σ'(t) σ'(t-1) W_hh², not J_t J_{t-1} in either layout."),
        "SB101", "no one factor repeats at each step, so the product is judged at two steps "
        "(k = 2, where its ellipsis closes): σ'(t) σ'(t-1) W_hh² is ∂h_t/∂h_{t-2} in neither layout",
        steps=2),
    NoteClaim("ccjjllt-day11-rnn.ipynb", 45, 51, _entry(
        "notes:ccjjllt-jacobian", CCJJLLT,
        r"W_{h}^{\top} \cdot \operatorname{diag}\left(\tanh ^{\prime}\left(a_{t}\right)\right)",
        r"W_{h}^{\top} \cdot \operatorname{diag}\left(\tanh ^{\prime}\left(a_{t}\right)\right)",
        "post", "tanh", lambda v: v.W.T @ v.diag(v.dact(v.a)), DEN,
        "h_t = tanh(W_h h_{t-1} + W_x x_t + b), a_t its pre-activation; the notebook's chain "
        "∂L_T/∂h_1 = ∂L_T/∂h_T · ∂h_T/∂h_{T-1} ⋯ is in numerator order."),
        "SB102", "the denominator-layout Jacobian in notes whose chain rule is in numerator order"),
    NoteClaim("ccjjllt-day11-rnn.ipynb", 48, 68, _entry(
        "notes:ccjjllt-product", CCJJLLT,
        r"\prod_{t=2}^{T}\left(W_{h}^{\top} \cdot \operatorname{diag}\left(\tanh ^{\prime}\left(a_{t}"
        r"\right)\right)\right)",
        r"\prod_{t=2}^{T}\left(W_{h}^{\top} \cdot \operatorname{diag}\left(\tanh ^{\prime}\left(a_{t}"
        r"\right)\right)\right)",
        "post", "tanh", lambda v: v.W.T @ v.diag(v.dact(v.a)), DEN,
        "The factor per step of the product."),
        "SB102", "the same factor inside the product over steps"),
    NoteClaim("dlbook-zh-ch10.tex", 6, 5, _entry(
        "notes:dlbook-10.21", DLBOOK,
        r"\MW^\top (\nabla_{\Vh^{(t+1)}} L) \text{diag} \Big( 1 - (\Vh^{(t+1)})^2 \Big)",
        r"\MW^\top \text{diag} \Big( 1 - (\Vh^{(t+1)})^2 \Big)",
        "post", "tanh", lambda v: v.W.T @ v.diag(1 - v.h ** 2), DEN,
        "Edited for the truth: the gradient printed between W^⊤ and diag is dropped (as printed, "
        "W^⊤ g diag(…) is no matrix times g). h^{(t+1)} is the current state."),
        "SB105", "the gradient sits between the factors, as printed (no matrix–vector product puts it "
        "there); the factors around it are the denominator-layout Jacobian: the gradient belongs on the right"),
)

#: Claims in the files that lint does not find, with the reason.
MISSED: tuple = ()

FILES = tuple(sorted({c.file for c in CLAIMS}))
