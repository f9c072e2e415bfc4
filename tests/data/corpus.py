"""A corpus of one-step RNN Jacobian formulas, copied verbatim from public sources.

Each :class:`Entry` is one formula for the one-step Jacobian ∂(state_t)/∂(state_{t-1}) of a
simple recurrent network, or for the backward factor M in δ_{t-1} = M δ_t (the factor per step
inside a product ∏), exactly as a real public source prints it: papers, textbooks, lecture notes,
blogs, Q&A threads and numpy code, in several natural languages.

* ``printed`` is the equation or code line as the source has it (LaTeX source where the source is
  LaTeX or Markdown, rendered text where the source is a rendered page; code lines are given
  without their leading indentation; two code lines that are apart in the source are joined by a
  newline and the note says so).
* ``formula`` is what a reader would paste into ``symbptt check``: the matrix part of ``printed``,
  verbatim wherever possible. When a gradient vector multiplies the factor it is dropped, and the
  ``note`` says so.
* ``recurrence`` and ``activation`` are the source's own, and ``meaning`` is the formula's matrix as
  the source means it, written with the names of the source's recurrence (see
  ``tests/test_corpus_truth.py`` for the object ``v`` it receives).
* ``holds`` is the set of layouts in which the formula is the true one-step Jacobian of that
  recurrence: "numerator" (entry (i, j) = ∂ current_i / ∂ previous_j) and/or "denominator" (the
  transpose). For code and for row-vector notes, the matrix is the one that multiplies the
  gradient as the source writes it (on the right of a row gradient, on the left of a column
  gradient). The test module checks every label against torch autograd.

Nothing here is invented: every ``url`` is where the text was read (a GitHub address pins the commit
that was read). Where the stored copy is a transcription or translation of the original, the title
and note say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

NUM = frozenset({"numerator"})
DEN = frozenset({"denominator"})
NEITHER: frozenset = frozenset()


@dataclass(frozen=True)
class Source:
    title: str  # author(s), title, year
    url: str
    where: str  # section / equation / slide / line, so a reader can find it
    language: str  # ISO 639-1 code of the prose: "en", "zh", "ja", "de", ...
    kind: str  # "paper" | "book" | "lecture notes" | "slides" | "blog" | "Q&A" | "code"


@dataclass(frozen=True)
class Entry:
    id: str
    source: Source
    printed: str
    formula: str
    recurrence: str  # "pre" | "post" | "pre-row" | "post-row"
    activation: str  # "tanh" | "sigmoid" | "relu" | "identity" | "generic"
    meaning: Callable
    holds: frozenset
    args: tuple = ()
    note: str = ""


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

PASCANU = Source(
    title="Razvan Pascanu, Tomas Mikolov, Yoshua Bengio, On the difficulty of training recurrent "
    "neural networks, ICML 2013 (arXiv:1211.5063)",
    url="https://arxiv.org/abs/1211.5063",
    where="§1.1, eq. (5)",
    language="en",
    kind="paper",
)
PASCANU_21 = Source(
    title=PASCANU.title,
    url=PASCANU.url,
    where="§2.1 'The mechanics', the sentence before eq. (6)",
    language="en",
    kind="paper",
)
SE_330448_Q = Source(
    title="Cross Validated question 330448, 'Understanding a proof of conditions for "
    "vanishing/exploding gradient in RNNs' (2018), quoting Pascanu et al. eq. (5)",
    url="https://stats.stackexchange.com/questions/330448/"
    "understanding-a-proof-of-conditions-for-vanishing-exploding-gradient-in-rnns",
    where="question body, second display",
    language="en",
    kind="Q&A",
)
SE_330448_C = Source(
    title="Cross Validated question 330448, comment by Oren Milman (Sep 28 '18)",
    url=SE_330448_Q.url,
    where="comment under the question: 'I also did the math and got ...'",
    language="en",
    kind="Q&A",
)
SE_551574_Q = Source(
    title="Cross Validated question 551574, 'Jacobian of hidden state update in backpropagation "
    "through time' (2021), quoting Pascanu et al. §1.1 and CS224d lecture 8",
    url="https://stats.stackexchange.com/questions/551574/"
    "jacobian-of-hidden-state-update-in-backpropagation-through-time",
    where="question body, second display ('Calculating the gradients makes sense up to ...')",
    language="en",
    kind="Q&A",
)
SE_551574_Q2 = Source(
    title="Cross Validated question 551574 (2021), the asker's own 2×2 derivation",
    url=SE_551574_Q.url,
    where="question body, the display ending '=\\mathbf{W} diag(\\sigma'(\\mathbf{x}))'",
    language="en",
    kind="Q&A",
)
NADAVB = Source(
    title="nadavb.com, 'Vanishing Gradients' (blog notes on Pascanu et al. 2013)",
    url="https://nadavb.com/Vanishing-Gradients",
    where="second display, the Jacobian of x_t with respect to x_{t-1}",
    language="en",
    kind="blog",
)
D2L_EN = Source(
    title="Aston Zhang, Zachary C. Lipton, Mu Li, Alexander J. Smola, Dive into Deep Learning (d2l), "
    "'Backpropagation Through Time' (d2l-en, 2024)",
    url="https://github.com/d2l-ai/d2l-en/blob/23d7a5aecceee57d1292c56e90cce307f183bb0a/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="§ Backpropagation Through Time in Detail, eq_bptt_partial_L_ht_recur (line 347)",
    language="en",
    kind="book",
)
D2L_EN_POW = Source(
    title=D2L_EN.title,
    url=D2L_EN.url,
    where="§ Backpropagation Through Time in Detail, eq_bptt_partial_L_ht (line 353)",
    language="en",
    kind="book",
)
D2L_ZH = Source(
    title="阿斯顿·张, 李沐, 扎卡里·C. 立顿, 亚历山大·J. 斯莫拉, 动手学深度学习 (d2l-zh, 2.0), "
    "'通过时间反向传播'",
    url="https://github.com/d2l-ai/d2l-zh/blob/e6b18ccea71451a55fcd861d7b96fddf2587b09a/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="§ 通过时间反向传播的细节, eq_bptt_partial_L_ht_recur (line 257)",
    language="zh",
    kind="book",
)
D2L_ZH_2019 = Source(
    title="阿斯顿·张, 李沐 et al., 动手学深度学习 (d2l-zh, MXNet edition, 2019), '通过时间反向传播'",
    url="https://github.com/d2l-ai/d2l-zh/blob/b50c81ba2e6ed58038f08594d5e6d62ce176108e/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="§ 方法, the recursion for ∂L/∂h_t (lines 64–69)",
    language="zh",
    kind="book",
)
D2L_ZH_2019_POW = Source(
    title=D2L_ZH_2019.title,
    url=D2L_ZH_2019.url,
    where="§ 方法, the expanded formula (通项公式) for ∂L/∂h_t (lines 73–76)",
    language="zh",
    kind="book",
)
D2L_ZH_2018 = Source(
    title="李沐 et al., 动手学深度学习 (d2l-zh, first draft, January 2018), '通过时间反向传播'",
    url="https://github.com/d2l-ai/d2l-zh/blob/fc5d1e2ad1f45b008ab070f41ba0a5c698bd1473/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="§ 模型定义 (line 15) and the expanded formula for ∂L/∂h_t (lines 89–91)",
    language="zh",
    kind="book",
)
D2L_JA_POW = Source(
    title="Aston Zhang et al., Dive into Deep Learning, Japanese edition (d2l-ja), "
    "'時間によるバックプロパゲーション'",
    url="https://github.com/d2l-ai/d2l-ja/blob/ddc166043d915ce79acaa2a85027ef991c9570b7/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="eq_bptt_partial_L_ht (the expanded sum)",
    language="ja",
    kind="book",
)
D2L_JA = Source(
    title="Aston Zhang et al., Dive into Deep Learning, Japanese edition (d2l-ja), "
    "'時間によるバックプロパゲーション'",
    url="https://github.com/d2l-ai/d2l-ja/blob/ddc166043d915ce79acaa2a85027ef991c9570b7/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="eq_bptt_partial_L_ht_recur",
    language="ja",
    kind="book",
)
D2L_PT = Source(
    title="Aston Zhang et al., Dive into Deep Learning, Portuguese edition (d2l-pt), "
    "'Retropropagação ao Longo do Tempo'",
    url="https://github.com/d2l-ai/d2l-pt/blob/12f9a28a95667c5f1d4e996d403ab5c987b71df2/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="§ Retropropagação ao Longo do Tempo em Detalhes, eq_bptt_partial_L_ht_recur",
    language="pt",
    kind="book",
)
DLBOOK = Source(
    title="Ian Goodfellow, Yoshua Bengio, Aaron Courville, Deep Learning (the Deep Learning book, "
    "2016), eq. (10.21), LaTeX of the Chinese translation 《深度学习》 (exacity/deeplearningbook-chinese)",
    url="https://github.com/exacity/deeplearningbook-chinese/blob/"
    "a03e98d2298528a13779f9fc4c8e7f8c1bd204f7/Chapter10/sequence_modeling_rnn.tex",
    where="§10.2.2 计算循环神经网络的梯度, lines 353–358 (eq. 10.21 in the English original); "
    "recurrence eqs. (10.8)–(10.9) at lines 247–248",
    language="zh",
    kind="book",
)
CS224N_SLIDE = Source(
    title="Abigail See, Stanford CS224N (winter 2019) Lecture 7 'Vanishing Gradients and Fancy "
    "RNNs', slide 'Vanishing gradient proof sketch', as transcribed in LooperXX's Chinese "
    "CS224n-2019 notes",
    url="https://github.com/LooperXX/LooperXX.github.io/blob/80610e5fe654b51dccbb60a88ac5180a3d77f5fc/"
    "docs/CS224n-2019-07-Vanishing%20Gradients%20and%20Fancy%20RNNs.md",
    where="'Vanishing gradient proof sketch', line 48",
    language="zh",
    kind="lecture notes",
)
CS224N_NOTES = Source(
    title="Stanford CS224n (2019) lecture notes 05 'Language Models, RNN, GRU and LSTM', "
    "§2.3 'Vanishing Gradient & Gradient Explosion Problems', Chinese translation in LooperXX's "
    "CS224n-2019 notes",
    url="https://github.com/LooperXX/LooperXX.github.io/blob/80610e5fe654b51dccbb60a88ac5180a3d77f5fc/"
    "docs/CS224n-2019-06-The%20probability%20of%20a%20sentence%20Recurrent%20Neural%20Networks%20"
    "and%20Language%20Models.md",
    where="§2.3, line 527 (recurrence at line 440)",
    language="zh",
    kind="lecture notes",
)
CS224D_BLOG = Source(
    title="'Several difficulties of RNN (recurrent neural network)', English machine translation "
    "(topic.alibabacloud.com) of a Chinese blog post that follows Stanford CS224d lecture notes 4 "
    "(cs224d.stanford.edu/lecture_notes/LectureNotes4.pdf, eq. 14)",
    url="http://topic.alibabacloud.com/a/several-difficulties-of-rnn-font-classtopic-s-"
    "color00c1derecurrentfont-font-classtopic-s-color00c1deneuralfont-font-classtopic-s-"
    "color00c1denetworkfont_1_11_30663619.html",
    where="§1 'Vanish of gradient', the expansion of ∂h_t/∂h_k",
    language="en",
    kind="blog",
)
CS224D_BLOG_STEP = Source(
    title=CS224D_BLOG.title,
    url=CS224D_BLOG.url,
    where="§1 'Vanish of gradient', the worked example ∂h_5/∂h_4",
    language="en",
    kind="blog",
)
HANBT = Source(
    title="Han Bingtao (hanbt), '零基础入门深度学习(5) - 循环神经网络' (2017), as copied in "
    "iDestro/How-Neural-Network-work.",
    url="https://github.com/iDestro/How-Neural-Network-work./blob/"
    "55425f78d49c3d6b2c07ab66a07c30a5e886faa0/rnn/rnn.md",
    where="循环神经网络的训练 → 误差项的计算, the aligned display ending the Jacobian derivation",
    language="zh",
    kind="blog",
)
HANBT_EXP = Source(
    title=HANBT.title,
    url=HANBT.url,
    where="误差项的计算, the display for δ_k^T (fourth row)",
    language="zh",
    kind="blog",
)
HANBT_PROD = Source(
    title=HANBT.title,
    url=HANBT.url,
    where="RNN的梯度爆炸和消失问题, first row of the display (式3 restated)",
    language="zh",
    kind="blog",
)
MINCHAR = Source(
    title="Andrej Karpathy, min-char-rnn.py, 'Minimal character-level Vanilla RNN model' (2015 "
    "gist d4dee566867f8291f086), annotated copy by weixsong",
    url="https://github.com/weixsong/min-char-rnn/blob/0b992185ffd653cf3534a9107613b29ffb6afcb3/"
    "min-char-rnn.py",
    where="lossFun, backward pass loop",
    language="en",
    kind="code",
)
WILDML_CODE = Source(
    title="Denny Britz, rnn-tutorial-rnnlm, RNNLM.ipynb (code of the WildML 'Recurrent Neural "
    "Networks Tutorial', 2015)",
    url="https://github.com/dennybritz/rnn-tutorial-rnnlm/blob/344d8ffbe2230335c44138ecbd4cd93c7e993aa0/"
    "RNNLM.ipynb",
    where="bptt() (notebook source line 477); forward_propagation at line 293",
    language="en",
    kind="code",
)
WILDML_KO = Source(
    title="Denny Britz, 'Recurrent Neural Networks Tutorial, Part 3 – Backpropagation Through Time "
    "and Vanishing Gradients' (WildML, 2015), Korean translation by 최명섭 (aikorea.org)",
    url="https://github.com/aikorea/aikorea.github.io/blob/3d4182bbbcf40672e031878d99e182e63e09c63e/"
    "_posts/2015-10-10-rnn-tutorial-3.md",
    where="§ Backpropagation Through Time, the bptt() listing",
    language="ko",
    kind="blog",
)
DLFS2 = Source(
    title="斎藤康毅 (Koki Saito), ゼロから作るDeep Learning ❷ 自然言語処理編 (O'Reilly Japan, 2018), "
    "common/time_layers.py, class RNN",
    url="https://github.com/oreilly-japan/deep-learning-from-scratch-2/blob/"
    "842ae31c2bb070f5116275606ed90396626a2c17/common/time_layers.py",
    where="RNN.backward (forward: RNN.forward)",
    language="ja",
    kind="code",
)
DLFS2_CH6 = Source(
    title="斎藤康毅 (Koki Saito), ゼロから作るDeep Learning ❷ (2018), ch06/rnn_gradient_graph.py "
    "(§6.1.4, the MatMul node alone)",
    url="https://github.com/oreilly-japan/deep-learning-from-scratch-2/blob/"
    "842ae31c2bb070f5116275606ed90396626a2c17/ch06/rnn_gradient_graph.py",
    where="the loop over t",
    language="ja",
    kind="code",
)
CS231N = Source(
    title="Stanford CS231n assignment 3 (2019), cs231n/rnn_layers.py rnn_step_backward, solution by "
    "0809zheng",
    url="https://github.com/0809zheng/CS231n-assignment2019/blob/3f5c853986637e2eba33f70c982fac7c618ff0f3/"
    "assignment3/cs231n/rnn_layers.py",
    where="rnn_step_backward (forward: rnn_step_forward)",
    language="en",
    kind="code",
)
DLAI = Source(
    title="deeplearning.ai Sequence Models (Coursera), week 1 assignment 'Building a Recurrent Neural "
    "Network - Step by Step', rnn_cell_backward, copy by Kulbear",
    url="https://github.com/Kulbear/deep-learning-coursera/blob/8347ce04e2021e8c4f91dcfe30019456ba98e3aa/"
    "Sequence%20Models/Building%20a%20Recurrent%20Neural%20Network%20-%20Step%20by%20Step%20-%20v2.ipynb",
    where="§ 3.1 basic RNN backward pass, rnn_cell_backward",
    language="en",
    kind="code",
)
NUMPYML = Source(
    title="David Bourgin, numpy-ml, numpy_ml/neural_nets/layers/layers.py, RNNCell",
    url="https://github.com/ddbourgin/numpy-ml/blob/b0359af5285fbf9699d64fd5ec059493228af03e/"
    "numpy_ml/neural_nets/layers/layers.py",
    where="RNNCell.backward, lines 3753 and 3763 (forward at line 3707)",
    language="en",
    kind="code",
)
MLFS = Source(
    title="Erik Linder-Norén, ML-From-Scratch, mlfromscratch/deep_learning/layers.py, class RNN",
    url="https://github.com/eriklindernoren/ML-From-Scratch/blob/a2806c6732eee8d27762edd6d864e0c179d8e9e8/"
    "mlfromscratch/deep_learning/layers.py",
    where="RNN.backward_pass, line 188 (forward_pass at lines 157–158)",
    language="en",
    kind="code",
)
CMU = Source(
    title="CMU 11-785 Introduction to Deep Learning, homework 3 part 1 mytorch/rnn_cell.py, "
    "RNN_Cell.backward, solution by YESAndy",
    url="https://github.com/YESAndy/11785-intro-to-DL/blob/4e63861c196a3197f9b9bf21d7bb6ac68590554e/"
    "mytorch/rnn_cell.py",
    where="RNN_Cell.backward, steps 0) and 2)",
    language="en",
    kind="code",
)
PRIMER = Source(
    title="Interactive Primer, 'Propagating the gradient back through time' (deep learning / "
    "sequence models)",
    url="https://interactiveprimer.com/concepts/computer-science/deep-learning/sequence-models/"
    "backprop-through-time.html",
    where="Step 2 — name the recurrent Jacobian",
    language="en",
    kind="lecture notes",
)
CRAN_RNN = Source(
    title="Bastiaan Quast, Dimitri Fichou, rnn (R package), vignette 'rnn_units' (CRAN mirror)",
    url="http://ctan.mirror.garr.it/1/cran/web/packages/rnn/vignettes/rnn_units.html",
    where="§ Back propagation pass, the rules δ4 and δ5",
    language="en",
    kind="code",
)
AIMS = Source(
    title="Santanu Pattanayak, 'Understanding Attention' (blog post, santanupattanayak/aims, 2021)",
    url="https://github.com/santanupattanayak/aims/blob/0171df3507054359ed0f471e22dd1fd49debbbfe/"
    "_posts/2021-03-08-blog-post-title-from-file-name.md",
    where="item 5",
    language="en",
    kind="blog",
)
AIMS_PROD = Source(
    title=AIMS.title,
    url=AIMS.url,
    where="item 6",
    language="en",
    kind="blog",
)

CCJJLLT = Source(
    title="ccjjllt, NLP self-study notebooks (GitHub ccjjllt/--), Day 11 'RNN 的致命问题' "
    "(the_problem_rnn.ipynb)",
    url="https://github.com/ccjjllt/--/blob/d321c0fd83bd4ca292f8229fbc64ed4e9db11f6c/"
    "Day11/the_problem_rnn.ipynb",
    where="§(2) 反向传播部分, the display after '合在一起（Jacobian）：'",
    language="zh",
    kind="lecture notes",
)
CCJJLLT_PROD = Source(
    title=CCJJLLT.title,
    url=CCJJLLT.url,
    where="§(2) 反向传播部分, the display after '再把结果带回去：'",
    language="zh",
    kind="lecture notes",
)
LABNN_TEORIA = Source(
    title="eastaizah, Lab_NN 'Laboratorio de Redes Neuronales y Deep Learning', Lab 11 'Redes "
    "Neuronales Recurrentes y LSTM', teoria.md",
    url="https://github.com/eastaizah/Lab_NN/blob/a5201e2ccc4437e35ea3a8d79f32a8331b57a641/"
    "Lab11_Redes_Neuronales_Recurrentes_LSTM/teoria.md",
    where="§11.2 Derivadas para BPTT, 'Para RNN vanilla', lines 718–720",
    language="es",
    kind="lecture notes",
)
LABNN_GUIA = Source(
    title="eastaizah, Lab_NN, Lab 11 'Guía de Laboratorio: Redes Neuronales Recurrentes y LSTM' "
    "(GUIA_LABORATORIO.md)",
    url="https://github.com/eastaizah/Lab_NN/blob/a5201e2ccc4437e35ea3a8d79f32a8331b57a641/"
    "Lab11_Redes_Neuronales_Recurrentes_LSTM/GUIA_LABORATORIO.md",
    where="§1.3 Backpropagation Through Time (BPTT), lines 392–393 (recurrence at line 385)",
    language="es",
    kind="lecture notes",
)
LABNN_GUIA_APPROX = Source(
    title=LABNN_GUIA.title,
    url=LABNN_GUIA.url,
    where="§2.1 Demostración del Gradiente que Desaparece, 'Análisis matemático', line 577 "
    "(code comment at line 629)",
    language="es",
    kind="lecture notes",
)
LABNN_CODE = Source(
    title="eastaizah, Lab_NN, Lab 11 codigo/rnn_lstm.py, class RNNCellNumPy",
    url="https://github.com/eastaizah/Lab_NN/blob/a5201e2ccc4437e35ea3a8d79f32a8331b57a641/"
    "Lab11_Redes_Neuronales_Recurrentes_LSTM/codigo/rnn_lstm.py",
    where="RNNCellNumPy.backward, lines 119, 122 and 131 (forward at lines 92–93)",
    language="es",
    kind="code",
)
CHIAYISU = Source(
    title="chiayisu, NLP_and_ML_Algorithm, Deep_Learning/RNN.py (numpy RNN with a tanh class)",
    url="https://github.com/chiayisu/NLP_and_ML_Algorithm/blob/"
    "2309392f8140e18787f55f97c6de82014d7c88de/Deep_Learning/RNN.py",
    where="tanh.backward and RNN.backward (forward: RNN.forward)",
    language="en",
    kind="code",
)
SOOFTWARE = Source(
    title="sooftware (Soohwan Kim), TIL, Deep-Learning-from-Scratch-1_2/RNN/baseRNN.py "
    "(study code for ゼロから作るDeep Learning ❷, Korean comments, 2019)",
    url="https://github.com/sooftware/TIL/blob/7ec80937b82a81367b06c70d1a68ef7752bfaf08/"
    "Deep-Learning-from-Scratch-1_2/RNN/baseRNN.py",
    where="BaseRNN.backward (forward: BaseRNN.forward)",
    language="ko",
    kind="code",
)
D2L_TR = Source(
    title="Aston Zhang et al., Dive into Deep Learning, Turkish edition (d2l-tr), "
    "'Ayrıntılı Zamanda Geri Yayılma'",
    url="https://github.com/d2l-ai/d2l-tr/blob/046803dd9ba28c9ca3bc856f9f89aef92d88481e/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="§ Ayrıntılı Zamanda Geri Yayılma, eq_bptt_partial_L_ht_recur",
    language="tr",
    kind="book",
)
D2L_VI = Source(
    title="Aston Zhang et al., Dive into Deep Learning, Vietnamese edition (d2l-vi, 'Đắm mình vào "
    "Học Sâu'), 'Backpropagation qua thời gian chi tiết'",
    url="https://github.com/d2l-ai/d2l-vi/blob/834cc8be072f1ea19d57fb8919d0fb7d72964a02/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="§ Backpropagation qua thời gian chi tiết, eq_bptt_partial_L_ht_recur",
    language="vi",
    kind="book",
)
D2L_VI_POW = Source(
    title=D2L_VI.title,
    url=D2L_VI.url,
    where="§ Backpropagation qua thời gian chi tiết, eq_bptt_partial_L_ht",
    language="vi",
    kind="book",
)
D2L_HU = Source(
    title="Aston Zhang et al., Dive into Deep Learning, unofficial Hungarian translation "
    "(csd81/d2l-hu-chapters), 'Visszaterjesztés időben részletesen'",
    url="https://github.com/csd81/d2l-hu-chapters/blob/2a2e526f45027adbc9f283da22c09af382048f73/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="§ Visszaterjesztés időben részletesen, eq_bptt_partial_L_ht_recur",
    language="hu",
    kind="book",
)
D2L_ID = Source(
    title="Aston Zhang et al., Dive into Deep Learning, unofficial Indonesian translation "
    "(marshallexperiment/d2l-id), 'Backpropagation Through Time'",
    url="https://github.com/marshallexperiment/d2l-id/blob/4362a0cd2fa7571d640d9804af420d4b0f958693/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="the detailed BPTT section, eq_bptt_partial_L_ht_recur",
    language="id",
    kind="book",
)
D2L_KO = Source(
    title="Aston Zhang et al., Dive into Deep Learning, Korean edition (d2l-ko), "
    "'Backpropagation Through Time' (bptt.md)",
    url="https://github.com/d2l-ai/d2l-ko/blob/b609cce05bad7bee34608b5ecf39af315ce6d29d/"
    "chapter_recurrent-neural-networks/bptt.md",
    where="the detailed BPTT section, eq_bptt_partial_L_ht_recur",
    language="ko",
    kind="book",
)
IFT6266 = Source(
    title="IFT6266 – H2017 Deep Learning (Université de Montréal graduate course blog), "
    "'Q16 – Linear RNN Dynamics', comment by dimitrigallos (April 10, 2017), as stored in NVIDIA's "
    "Nemotron-CC-Math-v1 web-text dataset",
    url="https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1",
    where="the comment's answer to question 2, 'Write out dh_t/dh_0'",
    language="en",
    kind="Q&A",
)
UIO_RNNMATH = Source(
    title="Morten Hjorth-Jensen et al., Advanced machine learning (University of Oslo, "
    "CompPhysics/AdvancedMachineLearning), week 7 notebook 'Recurrent neural networks (RNNs)' / "
    "'The mathematics of RNNs' (rnnmath.ipynb)",
    url="https://github.com/CompPhysics/AdvancedMachineLearning/blob/"
    "bb02b19e9fe6b1fe2120278db063a4d9f862a304/doc/pub/week7/ipynb/rnnmath.ipynb",
    where="§ Backpropagation through arbitrary node, the first and last rows of the align "
    "(forward propagation § for the recurrence)",
    language="en",
    kind="lecture notes",
)


# --------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------

ENTRIES: tuple[Entry, ...] = (
    # ---- Pascanu et al. 2013 and the threads about it -------------------------------------
    Entry(
        id="pascanu2013-eq5",
        source=PASCANU,
        printed=r"\frac{\partial \mathbf{x}_{t}}{\partial \mathbf{x}_{k}} = \prod_{t > i > k} "
        r"\frac{\partial \mathbf{x}_{i}}{\partial \mathbf{x}_{i-1}} = \prod_{t > i > k} "
        r"\mathbf{W}_{rec}^{T} diag(\sigma'(\mathbf{x}_{i-1}))",
        formula=r"\prod_{t > i > k} \mathbf{W}_{rec}^{T} diag(\sigma'(\mathbf{x}_{i-1}))",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.h_prev)),
        holds=NEITHER,
        note="Recurrence eq. (2): x_t = W_rec σ(x_{t-1}) + W_in u_t + b. Text read in a stored "
        "Markdown conversion of the paper's PDF (the search index does not name its repository); "
        "that conversion renders the product range as 't > i > k' where the PDF prints "
        "'t ≥ i > k'. meaning is the factor per step, ∂x_i/∂x_{i-1} as printed.",
    ),
    Entry(
        id="pascanu2013-sec2.1",
        source=PASCANU_21,
        printed=r"The Jacobian matrix  $\frac{\partial \mathbf{x}_{k+1}}{\partial \mathbf{x}_k}$  is "
        r"given by  $\mathbf{W}_{rec}^T diag(\sigma'(\mathbf{x}_k))$ .",
        formula=r"\mathbf{W}_{rec}^T diag(\sigma'(\mathbf{x}_k))",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.h_prev)),
        holds=NEITHER,
        note="Here x_{k+1} is the current state and x_k the previous one. Read in the same stored "
        "Markdown conversion of the PDF as pascanu2013-eq5.",
    ),
    Entry(
        id="se330448-question",
        source=SE_330448_Q,
        printed=r"$$\frac{\partial \mathbf{x}^{(i)}}{\partial \mathbf{x}^{(i-1)}} = "
        r"\left(\mathbf{W}^{(rec)}\right)^T diag(\sigma^{\prime}(\mathbf{x}^{(i-1)}))$$",
        formula=r"\frac{\partial \mathbf{x}^{(i)}}{\partial \mathbf{x}^{(i-1)}} = "
        r"\left(\mathbf{W}^{(rec)}\right)^T diag(\sigma^{\prime}(\mathbf{x}^{(i-1)}))",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.h_prev)),
        holds=NEITHER,
        note="The asker's recurrence is x^{(t)} = W^{(rec)} σ(x^{(t-1)}) + W^{(in)} σ(u^{(t)}) + b "
        "(Pascanu's eq. 2 with the input also passed through σ, which does not affect ∂/∂x^{(t-1)}).",
    ),
    Entry(
        id="se330448-comment-milman",
        source=SE_330448_C,
        printed=r"I also did the math and got $\frac{\partial\text{x}^{\left(i\right)}}{\partial"
        r"\text{x}^{\left(i-1\right)}}=\text{W}^{\left(rec\right)}\text{diag}\left(\sigma^{'}"
        r"\left(\text{x}^{\left(i-1\right)}\right)\right)$",
        formula=r"\frac{\partial\text{x}^{\left(i\right)}}{\partial\text{x}^{\left(i-1\right)}}="
        r"\text{W}^{\left(rec\right)}\text{diag}\left(\sigma^{'}\left(\text{x}^{\left(i-1\right)}"
        r"\right)\right)",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W @ v.diag(v.dact(v.h_prev)),
        holds=NUM,
        note="Same recurrence as the question (Pascanu's eq. 2).",
    ),
    Entry(
        id="se551574-question-quote",
        source=SE_551574_Q,
        printed=r"$$\frac{\partial \mathbf{x}_i}{\partial\mathbf{x}_{i-1}} = \mathbf{W}^\top "
        r"diag(\sigma'(\mathbf{x}_{i-1})$$",
        formula=r"\frac{\partial \mathbf{x}_i}{\partial\mathbf{x}_{i-1}} = \mathbf{W}^\top "
        r"diag(\sigma'(\mathbf{x}_{i-1})",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.h_prev)),
        holds=NEITHER,
        note="Printed with an unbalanced parenthesis (one ')' missing), kept verbatim. Recurrence "
        "as stated in the question: x_t = W σ(x_{t-1}) + W_in u_t + b.",
    ),
    Entry(
        id="se551574-question-2x2",
        source=SE_551574_Q2,
        printed=r"= \begin{bmatrix} w_{1,1} & w_{1,2} \\ w_{2,1} & w_{2,2}\end{bmatrix}"
        r"\begin{bmatrix} \sigma'(x_1) & 0 \\ 0 & \sigma'(x_2)\end{bmatrix}=\mathbf{W} "
        r"diag(\sigma'(\mathbf{x}))$$",
        formula=r"\mathbf{W} diag(\sigma'(\mathbf{x}))",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W @ v.diag(v.dact(v.h_prev)),
        holds=NUM,
        note="End of a longer display; the asker writes y = Wσ(x) for the state update, so x is the "
        "previous state x_{i-1} and y the current one (input and bias dropped).",
    ),
    Entry(
        id="nadavb-blog",
        source=NADAVB,
        printed=r"\[\begin{equation} \begin{aligned} \underbrace{ \frac{\partial \boldsymbol{x_t}}"
        r"{\partial \boldsymbol{x_{t-1}}}}_{\text{d,d}} = \boldsymbol{W} diag(\sigma ' "
        r"(\boldsymbol{x_{t-1}})) \end{aligned} \end{equation}\]",
        formula=r"\boldsymbol{W} diag(\sigma ' (\boldsymbol{x_{t-1}}))",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W @ v.diag(v.dact(v.h_prev)),
        holds=NUM,
        note="Recurrence x_t = W σ(x_{t-1}) + w_in i_t + b. The post says 'there is a mistake in the "
        "paper, and the W matrix in this formula should not be transposed'. Prime written "
        "'\\sigma '' with a space.",
    ),
    # ---- Dive into Deep Learning (identity activation, column vectors) ---------------------
    Entry(
        id="d2l-en-bptt",
        source=D2L_EN,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \textrm{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \textrm{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_\textrm{hh}^\top \frac{\partial "
        r"L}{\partial \mathbf{h}_{t+1}} + \mathbf{W}_\textrm{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_\textrm{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="d2l's linear example h_t = W_hx x_t + W_hh h_{t-1} (no bias, φ(x) = x). The vector "
        "∂L/∂h_{t+1} is dropped from the first term; W_hh^⊤ pulls the gradient back one step.",
    ),
    Entry(
        id="d2l-en-bptt-power",
        source=D2L_EN_POW,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t}= \sum_{i=t}^T {\left(\mathbf{W}_"
        r"\textrm{hh}^\top\right)}^{T-i} \mathbf{W}_\textrm{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_{T+t-i}}.$$",
        formula=r"{\left(\mathbf{W}_\textrm{hh}^\top\right)}^{T-i}",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="A product over T−i steps written as a matrix power; meaning is the factor per step.",
    ),
    Entry(
        id="d2l-zh-bptt",
        source=D2L_ZH,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \text{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \text{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_{hh}^\top \frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}} + \mathbf{W}_{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="h_t = W_hx x_t + W_hh h_{t-1} (line 184); ∂L/∂h_{t+1} dropped.",
    ),
    Entry(
        id="d2l-zh-2019-bptt",
        source=D2L_ZH_2019,
        printed="$$\n\\frac{\\partial L}{\\partial \\boldsymbol{h}_t} \n= \\text{prod}\\left("
        "\\frac{\\partial L}{\\partial \\boldsymbol{h}_{t+1}}, \\frac{\\partial \\boldsymbol{h}_{t+1}}"
        "{\\partial \\boldsymbol{h}_t} \\right) \n+ \\text{prod}\\left(\\frac{\\partial L}{\\partial "
        "\\boldsymbol{o}_t}, \\frac{\\partial \\boldsymbol{o}_t}{\\partial \\boldsymbol{h}_t} \\right) "
        "\n= \\boldsymbol{W}_{hh}^\\top \\frac{\\partial L}{\\partial \\boldsymbol{h}_{t+1}} + "
        "\\boldsymbol{W}_{qh}^\\top \\frac{\\partial L}{\\partial \\boldsymbol{o}_t}.\n$$",
        formula=r"\boldsymbol{W}_{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="h_t = W_hx x_t + W_hh h_{t-1} with φ(x) = x (line 12); ∂L/∂h_{t+1} dropped.",
    ),
    Entry(
        id="d2l-zh-2019-bptt-power",
        source=D2L_ZH_2019_POW,
        printed="$$\n\\frac{\\partial L}{\\partial \\boldsymbol{h}_t} \n= \\sum_{i=t}^T {\\left("
        "\\boldsymbol{W}_{hh}^\\top\\right)}^{T-i} \\boldsymbol{W}_{qh}^\\top \\frac{\\partial L}"
        "{\\partial \\boldsymbol{o}_{T+t-i}}.\n$$",
        formula=r"{\left(\boldsymbol{W}_{hh}^\top\right)}^{T-i}",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Product over steps written as a power; meaning is the factor per step.",
    ),
    Entry(
        id="d2l-ja-bptt",
        source=D2L_JA,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \text{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \text{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_{hh}^\top \frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}} + \mathbf{W}_{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Same linear model as d2l-en (h_t = W_hx x_t + W_hh h_{t-1}); ∂L/∂h_{t+1} dropped.",
    ),
    Entry(
        id="d2l-ja-bptt-power",
        source=D2L_JA_POW,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t}= \sum_{i=t}^T {\left(\mathbf{W}_{hh}"
        r"^\top\right)}^{T-i} \mathbf{W}_{qh}^\top \frac{\partial L}{\partial \mathbf{o}_{T+t-i}}.$$",
        formula=r"{\left(\mathbf{W}_{hh}^\top\right)}^{T-i}",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Product over steps written as a power; meaning is the factor per step.",
    ),
    Entry(
        id="d2l-zh-2018-bptt-power",
        source=D2L_ZH_2018,
        printed="$$\\frac{\\partial L}{\\partial \\mathbf{h}_t} \n= \\sum_{i=t}^T {(\\mathbf{W}_{hh}"
        "^\\top)}^{T-i} \\mathbf{W}_{yh}^\\top \\frac{\\partial L}{\\partial \\mathbf{o}_{T+t-i}}\n$$",
        formula=r"{(\mathbf{W}_{hh}^\top)}^{T-i}",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="The draft states h_t = φ(W_hx x_t + W_hh h_{t-1}) (line 15) and then assumes "
        "φ(x) = x '为了简化计算' before this formula, so the tested recurrence is linear; with a "
        "non-linear φ, W_hh^⊤ alone would hold in neither layout. Power of a product over steps; "
        "meaning is the factor per step.",
    ),
    Entry(
        id="d2l-pt-bptt",
        source=D2L_PT,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \text{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \text{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_{hh}^\top \frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}} + \mathbf{W}_{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Same linear model (h_t = W_hx x_t + W_hh h_{t-1}, φ(x) = x); ∂L/∂h_{t+1} dropped.",
    ),
    # ---- Deep Learning book ----------------------------------------------------------------
    Entry(
        id="dlbook-eq10.21",
        source=DLBOOK,
        printed="\\begin{align}\n  \\nabla_{\\Vh^{(t)}} L = \\Big( \\frac{\\partial \\Vh^{(t+1)}}{ "
        "\\partial \\Vh^{(t)}}  \\Big)^\\top(\\nabla_{\\Vh^{(t+1)}} L) \n  + \\Big( \\frac{\\partial "
        "\\Vo^{(t)}}{ \\partial \\Vh^{(t)}}  \\Big)^\\top (\\nabla_{\\Vo^{(t)}} L) \\\\\n  = \\MW^\\top "
        "(\\nabla_{\\Vh^{(t+1)}} L) \\text{diag} \\Big( 1 - (\\Vh^{(t+1)})^2 \\Big) \n    + \\MV^\\top "
        "( \\nabla_{\\Vo^{(t)}} L ),\n\\end{align}",
        formula=r"\MW^\top \text{diag} \Big( 1 - (\Vh^{(t+1)})^2 \Big)",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.W.T @ v.diag(1 - v.h**2),
        holds=DEN,
        note="Edited: the vector (\\nabla_{\\Vh^{(t+1)}} L), printed between W^⊤ and diag, is dropped. "
        "\\MW and \\Vh are the book's macros for bold W and h. Recurrence (10.8)–(10.9): "
        "a^{(t)} = b + W h^{(t-1)} + U x^{(t)}, h^{(t)} = tanh(a^{(t)}); here h^{(t+1)} is the "
        "current state, so W^⊤ diag(1 − h²) is the transposed Jacobian (the backward factor).",
    ),
    # ---- Stanford CS224n / CS224d ----------------------------------------------------------
    Entry(
        id="cs224n-2019-lec7-slide",
        source=CS224N_SLIDE,
        printed=r"\frac{\partial \boldsymbol{h}^{(t)}}{\partial \boldsymbol{h}^{(t-1)}}=\operatorname"
        r"{diag}\left(\sigma^{\prime}\left(\boldsymbol{W}_{h} \boldsymbol{h}^{(t-1)}+\boldsymbol{W}"
        r"_{x} \boldsymbol{x}^{(t)}+\boldsymbol{b}_{1}\right)\right) \boldsymbol{W}_{h}",
        formula=r"\frac{\partial \boldsymbol{h}^{(t)}}{\partial \boldsymbol{h}^{(t-1)}}=\operatorname"
        r"{diag}\left(\sigma^{\prime}\left(\boldsymbol{W}_{h} \boldsymbol{h}^{(t-1)}+\boldsymbol{W}"
        r"_{x} \boldsymbol{x}^{(t)}+\boldsymbol{b}_{1}\right)\right) \boldsymbol{W}_{h}",
        recurrence="post",
        activation="generic",
        meaning=lambda v: v.diag(v.dact(v.a)) @ v.W,
        holds=NUM,
        note="Slide recurrence h^{(t)} = σ(W_h h^{(t-1)} + W_x x^{(t)} + b_1) (line 42). The slide "
        "itself is an image; this is LooperXX's LaTeX transcription.",
    ),
    Entry(
        id="cs224n-2019-notes05",
        source=CS224N_NOTES,
        printed=r"\frac{\partial h_{t}}{\partial h_{k}}=\prod_{j=k+1}^{t} \frac{\partial h_{j}}"
        r"{\partial h_{j-1}}=\prod_{j=k+1}^{t} W^{T} \times \operatorname{diag}\left[f^{\prime}"
        r"\left(j_{j-1}\right)\right]",
        formula=r"\prod_{j=k+1}^{t} W^{T} \times \operatorname{diag}\left[f^{\prime}\left(j_{j-1}"
        r"\right)\right]",
        recurrence="post",
        activation="generic",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.h_prev)),
        holds=NEITHER,
        note="The notes' recurrence is h_t = σ(W^{(hh)} h_{t-1} + W^{(hx)} x_{[t]}) (line 440) while "
        "the formula writes f; 'j_{j-1}' is the notes' typo for h_{j-1} (the norm bound two displays "
        "later writes diag[f'(h_{j-1})]), read as such in meaning. Same text as the CS224d (2016) "
        "lecture notes part IV.",
    ),
    Entry(
        id="cs224d-blog-product",
        source=CS224D_BLOG,
        printed=r"\ (\frac{\partial h_t}{\partial h_k}=\prod_{j=k+1}^{t}\frac{\partial H_j }{\partial "
        r"h_{j-1}}=\prod_{j=k+1}^{t}w^t \times diag [\frac{\partial\sigma (H_{j-1})}{\partial "
        r"h_{j-1}}]\)",
        formula=r"\prod_{j=k+1}^{t}w^t \times diag [\frac{\partial\sigma (H_{j-1})}{\partial "
        r"h_{j-1}}]",
        recurrence="pre",
        activation="sigmoid",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.h_prev)),
        holds=NEITHER,
        note="Machine translation artefacts kept verbatim: 'w^t' is W^T lower-cased, 'H_j' is h_j, "
        "'\\ (' is a broken '\\('. The page's recurrence is H_5 = wσ(h_4) + w^{hx}x_4 with σ the "
        "logistic sigmoid (pre form).",
    ),
    Entry(
        id="cs224d-blog-step",
        source=CS224D_BLOG_STEP,
        printed=r"\ (\frac{\ Partial h_5}{\partial h_4}=w\frac{\partial \sigma (h_4)}{\partial h_4}\)",
        formula=r"w\frac{\partial \sigma (h_4)}{\partial h_4}",
        recurrence="pre",
        activation="sigmoid",
        meaning=lambda v: v.W @ v.diag(v.dact(v.h_prev)),
        holds=NUM,
        note="h_5 = wσ(h_4) + w^{hx}x_4; the page then spells out ∂σ(h_4)/∂h_4 as the diagonal "
        "Jacobian matrix. So its own one-step example is W diag(σ'(h_4)), against its product "
        "formula with w^t (cs224d-blog-product).",
    ),
    # ---- Chinese blog (Han Bingtao) ---------------------------------------------------------
    Entry(
        id="hanbt-jacobian",
        source=HANBT,
        printed="\\frac{\\partial \\text { net }_{t}}{\\partial \\text { net }_{t-1}} &=\\frac{\\partial "
        "\\text { net }_{t}}{\\partial_{\\mathrm{s} t-1}} \\frac{\\partial \\mathrm{s}_{t-1}}{\\partial "
        "\\mathrm{net}_{t-1}} \\\\\n&=\\operatorname{Wdiag}\\left[f^{\\prime}\\left(\\operatorname"
        "{net}_{t-1}\\right)\\right] \\\\",
        formula=r"\operatorname{Wdiag}\left[f^{\prime}\left(\operatorname{net}_{t-1}\right)\right]",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W @ v.diag(v.dact(v.h_prev)),
        holds=NUM,
        note="First two rows of an aligned display (the third row expands the matrix). The state is "
        "the weighted input net_t = U x_t + W s_{t-1}, s_{t-1} = f(net_{t-1}), i.e. the pre form. "
        "'\\operatorname{Wdiag}' fuses W and diag into one operator name (an artefact of the "
        "image-to-LaTeX conversion of the original).",
    ),
    Entry(
        id="hanbt-delta-expanded",
        source=HANBT_EXP,
        printed=r"&=W \operatorname{diag}\left[f^{\prime}\left(\operatorname{net}_{t-1}\right)\right]"
        r" W \operatorname{diag}\left[f^{\prime}\left(\operatorname{net}_{t-2}\right)\right] \ldots "
        r"W \operatorname{diag}\left[f^{\prime}\left(\operatorname{net}_{k}\right)\right] "
        r"\delta_{t}^{l} \\",
        formula=r"W \operatorname{diag}\left[f^{\prime}\left(\operatorname{net}_{t-1}\right)\right]",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W @ v.diag(v.dact(v.h_prev)),
        holds=NUM,
        note="formula is the first factor of the printed product, ∂net_t/∂net_{t-1}; the vector "
        "δ_t^l is dropped. It is printed on the right here, while the rows before and after put "
        "the gradient (∂E/∂net_t, δ_t^T) on the left as a row vector.",
    ),
    Entry(
        id="hanbt-product",
        source=HANBT_PROD,
        printed=r"\delta_{k}^{T} &=\delta_{t}^{T} \prod_{i=k}^{t-1} W \operatorname{diag}\left["
        r"f^{\prime}\left(\text { net }_{i}\right)\right] \\",
        formula=r"\prod_{i=k}^{t-1} W \operatorname{diag}\left[f^{\prime}\left(\text { net }_{i}"
        r"\right)\right]",
        recurrence="pre",
        activation="generic",
        meaning=lambda v: v.W @ v.diag(v.dact(v.h_prev)),
        holds=NUM,
        args=("--state", "net"),
        note="The row vector δ_t^T (on the left) is dropped. The post's state is net (its "
        "derivative on the left is ∂net_t/∂net_{t-1}). In each factor net_i is the earlier "
        "step of the pair, so the factor is ∂net_{i+1}/∂net_i.",
    ),
    # ---- numpy code ---------------------------------------------------------------------------
    Entry(
        id="karpathy-min-char-rnn",
        source=MINCHAR,
        printed="dhraw = (1 - hs[t] * hs[t]) * dh\ndhnext = np.dot(Whh.T, dhraw)",
        formula="np.dot(Whh.T, dhraw)",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.W.T @ v.diag(1 - v.h**2),
        holds=DEN,
        args=("--define", "dhraw=diag(1 - hs[t] * hs[t])"),
        note="Two lines of the backward loop (others in between). Forward: hs[t] = "
        "np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t-1]) + bh), column vectors; hs[t] is the "
        "current state. dhraw = (1 − hs[t]²) ⊙ dh: with the gradient dh dropped it is "
        "diag(1 − hs[t]²), hence the --define.",
    ),
    Entry(
        id="wildml-rnnlm-bptt",
        source=WILDML_CODE,
        printed="delta_t = self.W.T.dot(delta_t) * (1 - s[bptt_step-1] ** 2)",
        formula="self.W.T.dot(delta_t) * (1 - s[bptt_step-1] ** 2)",
        recurrence="pre",
        activation="tanh",
        meaning=lambda v: v.diag(1 - v.act(v.h_prev) ** 2) @ v.W.T,
        holds=DEN,
        note="Forward s[t] = np.tanh(self.U[:,x[t]] + self.W.dot(s[t-1])). delta_t starts as "
        "self.V.T.dot(delta_o[t]) * (1 - (s[t] ** 2)), i.e. dL/dz_t for the pre-activation "
        "z_t = U x_t + W s_{t-1} (the Korean translation's copy comments it 'dL/dz'), so the step "
        "z_{t-1} → z_t = W tanh(z_{t-1}) + U x_t is the pre form, tested as such: s[bptt_step-1] "
        "= tanh(z_{t-1}). The vector delta_t cannot be dropped without rewriting; the factor is "
        "diag(1 − s_{t-1}²) W^T.",
    ),
    Entry(
        id="wildml-ko-bptt",
        source=WILDML_KO,
        printed="delta_t = self.W.T.dot(delta_t) * (1 - s[bptt_step-1] ** 2)",
        formula="self.W.T.dot(delta_t) * (1 - s[bptt_step-1] ** 2)",
        recurrence="pre",
        activation="tanh",
        meaning=lambda v: v.diag(1 - v.act(v.h_prev) ** 2) @ v.W.T,
        holds=DEN,
        note="Same listing as wildml-rnnlm-bptt inside the Korean translation; the post defines "
        "s_t = tanh(U x_t + W s_{t-1}) and δ as ∂E/∂z for z_2 = U x_2 + W s_1, so the tested step "
        "is z_{t-1} → z_t (pre form).",
    ),
    Entry(
        id="dlfs2-time-layers",
        source=DLFS2,
        printed="dt = dh_next * (1 - h_next ** 2)\ndh_prev = np.dot(dt, Wh.T)",
        formula="np.dot(dt, Wh.T)",
        recurrence="post-row",
        activation="tanh",
        meaning=lambda v: v.diag(1 - v.h**2) @ v.W.T,
        holds=NUM,
        args=("--define", "dt=diag(1 - h_next ** 2)"),
        note="Forward t = np.dot(h_prev, Wh) + np.dot(x, Wx) + b; h_next = np.tanh(t) (row "
        "vectors). The row gradient dh_next multiplies diag(1 − h_next²) Wh^T from the left, so "
        "that matrix is ∂h_next/∂h_prev itself. Two lines of RNN.backward (others in between).",
    ),
    Entry(
        id="dlfs2-gradient-graph",
        source=DLFS2_CH6,
        printed="dh = np.dot(dh, Wh.T)",
        formula="np.dot(dh, Wh.T)",
        recurrence="post-row",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=NUM,
        note="The book's experiment backpropagates through the MatMul node only (tanh deliberately "
        "left out), i.e. h_t = h_{t-1} Wh with row vectors; the row gradient dh is the vector "
        "(kept: it is the loop variable).",
    ),
    Entry(
        id="cs231n-rnn-step-backward",
        source=CS231N,
        printed="dh = (1 - next_h**2)*dnext_h\ndprev_h = dh.dot(Wh.T)",
        formula="dh.dot(Wh.T)",
        recurrence="post-row",
        activation="tanh",
        meaning=lambda v: v.diag(1 - v.h**2) @ v.W.T,
        holds=NUM,
        args=("--define", "dh=diag(1 - next_h**2)"),
        note="Forward h = x.dot(Wx) + prev_h.dot(Wh) + b, next_h = tanh(h) (row vectors, shapes "
        "(N, H)); two lines of rnn_step_backward with others in between.",
    ),
    Entry(
        id="deeplearningai-rnn-cell-backward",
        source=DLAI,
        printed="dtanh = (1 - a_next ** 2) * da_next\nda_prev = np.dot(Waa.T, dtanh)",
        formula="np.dot(Waa.T, dtanh)",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.W.T @ v.diag(1 - v.h**2),
        holds=DEN,
        args=("--define", "dtanh=diag(1 - a_next ** 2)"),
        note="The notebook's cell is a_next = tanh(W_aa a_prev + W_ax x_t + b_a) with column vectors "
        "(shapes (n_a, m)); two lines of rnn_cell_backward with others in between. The markdown "
        "above the cell also states '\\sec(x)^2 = 1 - \\tanh(x)^2' (sec for sech), not a Jacobian.",
    ),
    Entry(
        id="numpy-ml-rnncell",
        source=NUMPYML,
        printed='dZ = self.act_fn.grad(Zs[t]) * dA\nself.derived_variables["dLdA_accumulator"] = '
        "dZ @ Waa.T",
        formula="dZ @ Waa.T",
        recurrence="post-row",
        activation="generic",
        meaning=lambda v: v.diag(v.dact(v.a)) @ v.W.T,
        holds=NUM,
        args=("--define", "dZ=diag(act_fn.grad(Zs[t]))"),
        note="Forward Zt = As[-1] @ Waa + ba.T + Xt @ Wax + bx.T; At = self.act_fn(Zt) (row "
        "vectors, act_fn configurable). The upstream gradient dA is dropped via the --define.",
    ),
    Entry(
        id="ml-from-scratch-rnn",
        source=MLFS,
        printed="grad_wrt_state = grad_wrt_state.dot(self.W) * "
        "self.activation.gradient(self.state_input[:, t_-1])",
        formula="grad_wrt_state.dot(self.W) * self.activation.gradient(self.state_input[:, t_-1])",
        recurrence="pre-row",
        activation="generic",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.h_prev)),
        holds=NUM,
        note="Forward state_input[:, t] = X[:, t].dot(self.U.T) + states[:, t-1].dot(self.W.T), "
        "states = activation(state_input). grad_wrt_state is the gradient at state_input, so the "
        "tested step is state_input_{t-1} → state_input_t = act(state_input_{t-1}) self.W^T + ... "
        "(pre form, row vectors); the matrix on the right is self.W^T = v.W, hence v.W.T = self.W "
        "in meaning. The row vector grad_wrt_state is kept (it is the loop variable).",
    ),
    Entry(
        id="cmu-11785-rnn-cell",
        source=CMU,
        printed="dz = self.activation.derivative(state=h) * delta\ndh = np.einsum('ijk,kj->ij', "
        "dz.reshape(batch_size, 1, self.hidden_size), self.W_hh)",
        formula="np.einsum('ijk,kj->ij', dz.reshape(batch_size, 1, self.hidden_size), self.W_hh)",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.diag(1 - v.h**2) @ v.W,
        holds=NUM,
        args=("--define", "dz=diag(1 - h**2)"),
        note="Forward h_prime = tanh(einsum('ijk,jk->ij', h.reshape(B,1,H), W_hh) + ...) = "
        "tanh(W_hh h + W_ih x + b) per sample (column-vector semantics, batched as rows). The "
        "einsum 'ijk,kj->ij' is dz @ W_hh: the row gradient times diag(1 − h'²) W_hh, the "
        "numerator Jacobian. Here h passed to backward is the cell's output (tanh state).",
    ),
    # ---- notes / blogs ---------------------------------------------------------------------------
    Entry(
        id="interactiveprimer-bptt",
        source=PRIMER,
        printed=r"\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\!\big(\tanh'(z_t)"
        r"\big)\, W \;=:\; J_t, \qquad z_t = W h_{t-1} + U x_t + b.",
        formula=r"\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\!\big(\tanh'(z_t)"
        r"\big)\, W",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.diag(v.dact(v.a)) @ v.W,
        holds=NUM,
        note="Recurrence h_t = tanh(W h_{t-1} + U x_t + b); z_t is the step-t pre-activation.",
    ),
    Entry(
        id="cran-rnn-units",
        source=CRAN_RNN,
        printed="$\\delta 4 = \\delta 3 \\cdot sigmoid'(h_t)$\n\n$\\delta 5 = \\delta 4 * W^T$ "
        "$\\delta 6 = \\delta 4 * U^T$",
        formula=r"\delta 4 * W^T",
        recurrence="post-row",
        activation="sigmoid",
        meaning=lambda v: v.diag(v.h * (1 - v.h)) @ v.W.T,
        holds=NUM,
        args=("--define", "\\delta 4=diag(sigmoid'(h_t))"),
        note="Recurrence h_t = sigmoid(h_{t-1} * W + x_t * U) (row vectors; the vignette uses '*' "
        "for the matrix product and '·' pointwise). sigmoid'(h_t) is read as the package computes "
        "it, h_t ⊙ (1 − h_t), i.e. σ' at the step-t pre-activation expressed through the output; "
        "read literally as σ' evaluated at h_t it would hold in neither layout.",
    ),
    Entry(
        id="aims-attention-blog",
        source=AIMS,
        printed=r"$`\nabla_{h_{t-1}} h_t = \sigma^{'}(t)W_{hh}`$",
        formula=r"\nabla_{h_{t-1}} h_t = \sigma^{'}(t)W_{hh}",
        recurrence="post",
        activation="generic",
        meaning=lambda v: v.diag(v.dact(v.a)) @ v.W,
        holds=NUM,
        note="No options: check reads σ'(t) as σ' at step t, a placeholder. "
        "σ'(t) is defined in the text as the diagonal matrix of ∂h_t^{(i)}/∂h̃_t^{(i)} with "
        "h̃_t = W_hh h_{t-1} + W_xh x_t (the post writes W_xh h_{t-1}, a typo) — a time-indexed "
        "placeholder instead of an explicit argument. Recurrence h_t = σ(W_hh h_{t-1} + W_xh x_t).",
    ),
    Entry(
        id="aims-attention-blog-product",
        source=AIMS_PROD,
        printed=r"$`\nabla_{h_{t-k}} h_t`$  = $`\prod_{j=t:t-k+1}\nabla_{h_{j-1}} h_j=`$ "
        r"$`\sigma^{'}(t)W_{hh}*`$$`\sigma^{'}(t-1)W_{hh}*..*`$$`\sigma^{'}(t-k+1)W_{hh}`$",
        formula=r"\sigma^{'}(t)W_{hh}",
        recurrence="post",
        activation="generic",
        meaning=lambda v: v.diag(v.dact(v.a)) @ v.W,
        holds=NUM,
        note="formula is the first factor of the printed product (∂h_t/∂h_{t-1}); the post's next "
        "item then commutes the diagonal factors past W_hh ('σ'(t)*σ'(t-1)*..*W_hh^k'), which is "
        "not valid — that multi-step claim is not in the corpus.",
    ),
    # ---- more languages and sources (second batch) ------------------------------------------
    Entry(
        id="ccjjllt-day11-jacobian",
        source=CCJJLLT,
        printed=r"$$\frac{\partial h_{t}}{\partial h_{t-1}}=W_{h}^{\top} \cdot \operatorname{diag}"
        r"\left(\tanh ^{\prime}\left(a_{t}\right)\right)$$",
        formula=r"\frac{\partial h_{t}}{\partial h_{t-1}}=W_{h}^{\top} \cdot \operatorname{diag}"
        r"\left(\tanh ^{\prime}\left(a_{t}\right)\right)",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.a)),
        holds=DEN,
        args=("--define", r"a_{t}=\left(W_{h} h_{t-1}+W_{x} x_{t}+b\right)"),
        note="Markdown cell of a Jupyter notebook. Recurrence h_t = tanh(W_h h_{t-1} + W_x x_t + b); "
        "the notes define a_t = (W_h h_{t-1} + W_x x_t + b) and state ∂a_t/∂h_{t-1} = W_h just before, "
        "then 'combine' the two factors as W_h^⊤ · diag(tanh'(a_t)) — transposed and reordered, i.e. "
        "the denominator layout, while the chain ∂L_T/∂h_1 = ∂L_T/∂h_T · ∂h_T/∂h_{T-1} ··· above "
        "is written in numerator order.",
    ),
    Entry(
        id="ccjjllt-day11-product",
        source=CCJJLLT_PROD,
        printed=r"$$\prod_{t=2}^{T} \frac{\partial h_{t}}{\partial h_{t-1}}=\prod_{t=2}^{T}\left(W_{h}"
        r"^{\top} \cdot \operatorname{diag}\left(\tanh ^{\prime}\left(a_{t}\right)\right)\right)$$",
        formula=r"\prod_{t=2}^{T}\left(W_{h}^{\top} \cdot \operatorname{diag}\left(\tanh ^{\prime}"
        r"\left(a_{t}\right)\right)\right)",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.a)),
        holds=DEN,
        args=("--define", r"a_{t}=\left(W_{h} h_{t-1}+W_{x} x_{t}+b\right)"),
        note="Same notebook cell as ccjjllt-day11-jacobian; meaning is the factor per step.",
    ),
    Entry(
        id="labnn-teoria-bptt",
        source=LABNN_TEORIA,
        printed="∂h_t/∂h_{t-1} = W_hh^T · diag(1 - tanh²(a_t))\n\n"
        "donde a_t = W_hh·h_{t-1} + W_xh·x_t + b_h",
        formula="W_hh^T · diag(1 - tanh²(a_t))",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.W.T @ v.diag(1 - v.act(v.a) ** 2),
        holds=DEN,
        args=("--define", "a_t=W_hh·h_{t-1} + W_xh·x_t + b_h"),
        note="Plain-text code block of a Spanish course's theory notes (Unicode ∂, ·, ²; no LaTeX). "
        "The state is h_t = tanh(a_t) with a_t defined in the same block, so W_hh^T · diag(1 − "
        "tanh²(a_t)) is the transposed Jacobian although it is printed as ∂h_t/∂h_{t-1}.",
    ),
    Entry(
        id="labnn-guia-bptt-pseudocode",
        source=LABNN_GUIA,
        printed="da_t = dh_t ⊙ (1 - h_t²)       ← derivada de tanh\n"
        "dh_{t-1} = W_hh.T · da_t        ← propagar hacia atrás en el tiempo",
        formula="W_hh.T · da_t",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.W.T @ v.diag(1 - v.h**2),
        holds=DEN,
        args=("--define", "da_t=diag(1 - h_t²)"),
        note="Pseudo-code block of the lab guide, mixing numpy's '.T' with a '·' product and a Unicode "
        "'²'. The guide's recurrence is h_t = tanh(W_xh · x_t + W_hh · h_{t-1} + b_h) (line 385), "
        "column vectors. da_t = dh_t ⊙ (1 − h_t²): with the gradient dh_t dropped it is "
        "diag(1 − h_t²), hence the --define.",
    ),
    Entry(
        id="labnn-guia-vanishing-approx",
        source=LABNN_GUIA_APPROX,
        printed=r"$$\frac{\partial h_t}{\partial h_{t-k}} = \prod_{i=1}^{k} \frac{\partial h_{t-i+1}}"
        r"{\partial h_{t-i}} \approx W_{hh}^k$$",
        formula=r"W_{hh}^k",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W,
        holds=NUM,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="An approximation: the guide's simulation code comments it '∂h_t/∂h_{t-k} ≈ W_hh^k "
        "(simplificado, ignorando tanh)' (line 629), so it is tested on the tanh-free recurrence "
        "h_t = W_hh h_{t-1} + W_xh x_t + b_h; the power's factor per step is W_hh, untransposed "
        "(contrast labnn-teoria-bptt, which transposes it). With tanh kept, W_hh alone would hold in "
        "neither layout.",
    ),
    Entry(
        id="labnn-rnncell-numpy",
        source=LABNN_CODE,
        printed="dtanh = 1 - np.tanh(z) ** 2\ndz = dh_t * dtanh\ndh_prev = self.W_hh.T @ dz",
        formula="self.W_hh.T @ dz",
        recurrence="post",
        activation="tanh",
        meaning=lambda v: v.W.T @ v.diag(1 - v.act(v.a) ** 2),
        holds=DEN,
        args=("--define", "dz=diag(1 - np.tanh(z) ** 2)"),
        note="Three lines of RNNCellNumPy.backward with others in between (Spanish comments). "
        "Forward z = self.W_hh @ h_prev + self.W_xh @ x_t + self.b_h; h_t = np.tanh(z) (column "
        "vectors, shape (hidden_size, batch_size)). dz = dh_t ⊙ (1 − tanh²(z)): with the gradient "
        "dh_t dropped it is diag(1 − tanh²(z)), hence the --define.",
    ),
    Entry(
        id="chiayisu-rnn-backward",
        source=CHIAYISU,
        printed="dout = dout * (1 - np.square(self.output))\ndtanh = self.tanh.backward(dnext)\n"
        "d_h_minus_1 = np.dot(dtanh, self.W_h)",
        formula="np.dot(dtanh, self.W_h)",
        recurrence="post-row",
        activation="tanh",
        meaning=lambda v: v.diag(1 - v.h**2) @ v.W,
        holds=NEITHER,
        args=("--define", "dtanh=diag(1 - np.square(self.output))", "--state", "output"),
        note="The first line is tanh.backward, the other two are from RNN.backward. Forward "
        "self.h_t = self.tanh.forward(np.dot(x, self.W_x) + np.dot(h_t_minus_1, self.W_h) + self.b) "
        "(row vectors, W_h of shape (hidden, hidden)), so the row gradient must be multiplied by "
        "diag(1 − h_t²) W_h^T; the code multiplies by W_h without the transpose (compare "
        "dx = np.dot(dtanh, self.W_x.T) two lines later, which is transposed). A wrong backward "
        "step, right only for a symmetric W_h.",
    ),
    Entry(
        id="sooftware-til-basernn",
        source=SOOFTWARE,
        printed="dtanh = dh * (1 - h ** 2)\ndh_pre = np.matmul(dtanh, Wh.T)",
        formula="np.matmul(dtanh, Wh.T)",
        recurrence="post-row",
        activation="tanh",
        meaning=lambda v: v.diag(1 - v.h**2) @ v.W.T,
        holds=NUM,
        args=("--define", "dtanh=diag(1 - h ** 2)"),
        note="Two lines of BaseRNN.backward with others in between. Forward h = np.matmul(x, Wx) + "
        "np.matmul(h_pre, Wh) + b; h = np.tanh(h) (row vectors; the Korean comment writes it "
        "'h = tanh( h_pre * Wh_pre + xWx + bias )'). The row gradient dh multiplies "
        "diag(1 − h²) Wh^T, which is ∂h/∂h_pre itself.",
    ),
    Entry(
        id="d2l-tr-bptt",
        source=D2L_TR,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \text{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \text{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_{hh}^\top \frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}} + \mathbf{W}_{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Same linear model as d2l-en (h_t = W_hx x_t + W_hh h_{t-1}, φ(x) = x); "
        "∂L/∂h_{t+1} dropped.",
    ),
    Entry(
        id="d2l-vi-bptt",
        source=D2L_VI,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \text{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \text{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_{hh}^\top \frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}} + \mathbf{W}_{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Same linear model as d2l-en (h_t = W_hx x_t + W_hh h_{t-1}, φ(x) = x); "
        "∂L/∂h_{t+1} dropped.",
    ),
    Entry(
        id="d2l-vi-bptt-power",
        source=D2L_VI_POW,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t}= \sum_{i=t}^T {\left(\mathbf{W}_{hh}"
        r"^\top\right)}^{T-i} \mathbf{W}_{qh}^\top \frac{\partial L}{\partial \mathbf{o}_{T+t-i}}.$$",
        formula=r"{\left(\mathbf{W}_{hh}^\top\right)}^{T-i}",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Product over steps written as a power; meaning is the factor per step.",
    ),
    Entry(
        id="d2l-hu-bptt",
        source=D2L_HU,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \textrm{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \textrm{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_\textrm{hh}^\top \frac{\partial "
        r"L}{\partial \mathbf{h}_{t+1}} + \mathbf{W}_\textrm{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_\textrm{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Translation of the current d2l-en text (subscripts in \\textrm); linear model "
        "h_t = W_hx x_t + W_hh h_{t-1}, φ(x) = x; ∂L/∂h_{t+1} dropped.",
    ),
    Entry(
        id="d2l-id-bptt",
        source=D2L_ID,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \textrm{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \textrm{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_\textrm{hh}^\top \frac{\partial "
        r"L}{\partial \mathbf{h}_{t+1}} + \mathbf{W}_\textrm{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_\textrm{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Translation of the current d2l-en text; linear model h_t = W_hx x_t + W_hh h_{t-1}, "
        "φ(x) = x ('menggunakan pemetaan identitas'); ∂L/∂h_{t+1} dropped.",
    ),
    Entry(
        id="d2l-ko-bptt",
        source=D2L_KO,
        printed=r"$$\frac{\partial L}{\partial \mathbf{h}_t} = \text{prod}\left(\frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}}, \frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t} "
        r"\right) + \text{prod}\left(\frac{\partial L}{\partial \mathbf{o}_t}, \frac{\partial "
        r"\mathbf{o}_t}{\partial \mathbf{h}_t} \right) = \mathbf{W}_{hh}^\top \frac{\partial L}"
        r"{\partial \mathbf{h}_{t+1}} + \mathbf{W}_{qh}^\top \frac{\partial L}{\partial "
        r"\mathbf{o}_t}.$$",
        formula=r"\mathbf{W}_{hh}^\top",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W.T,
        holds=DEN,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="Same linear model as d2l-en (h_t = W_hx x_t + W_hh h_{t-1}, φ(x) = x); "
        "∂L/∂h_{t+1} dropped.",
    ),
    Entry(
        id="ift6266-h17-q16-comment",
        source=IFT6266,
        printed=r"\( \frac{d h_t}{d h_0} = W^t \)",
        formula=r"\frac{d h_t}{d h_0} = W^t",
        recurrence="post",
        activation="identity",
        meaning=lambda v: v.W,
        holds=NUM,
        args=("--activation", "identity", "--recurrence", "elman"),
        note="The question's linear RNN is h_t = W h_{t-1} + U x_t + b. The lower-case superscript t "
        "is a power (t steps, W^t = W·…·W), not a transpose; meaning is the factor per step, W. "
        "Read in a Markdown re-rendering of the course blog page inside the dataset (the original "
        "WordPress page is not stored); a second copy in the same dataset prints "
        "'2) \\( \\frac{d h_t}{d h_0} = W^t \\)'.",
    ),
    Entry(
        id="uio-rnnmath-arbitrary-node",
        source=UIO_RNNMATH,
        printed="\\delta_l^{(t)} &= \\frac{\\partial C}{\\partial \\vec{h}_l^{(t)}} \\odot "
        "\\sigma_l^\\prime \\left(\\vec{z}_l^{(t)} \\right)\n"
        "\\frac{\\partial C}{\\partial \\vec{h}_{l}^{(t-1)}} &= \\left[ \\left( W^{ll} \\right)"
        "^{(t-1)} \\right]^T \\delta_l^{(t)},",
        formula=r"\left[ \left( W^{ll} \right)^{(t-1)} \right]^T \delta_l^{(t)}",
        recurrence="post",
        activation="generic",
        meaning=lambda v: v.W.T @ v.diag(v.dact(v.a)),
        holds=DEN,
        args=("--define", r"\delta_l^{(t)}=diag(\sigma_l^\prime \left(\vec{z}_l^{(t)} \right))"),
        note="First and last rows of one align environment (other rows in between). Recurrence "
        "h_l^{(t)} = σ_l(z_l^{(t)}), z_l^{(t)} = W^{l-1,l} h_{l-1}^{(t)} + b^{l-1,l} + W^{ll} "
        "h_l^{(t-1)} + b^{ll} (column vectors); tested with one layer. δ_l^{(t)} = ∂C/∂h_l^{(t)} ⊙ "
        "σ'_l(z_l^{(t)}): with the gradient dropped it is diag(σ'_l(z_l^{(t)})), hence the --define. "
        "The superscript (t-1) on the shared weight W^{ll} is a time label, not a power.",
    ),
)
