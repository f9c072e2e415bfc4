"""`check` reads a formula the same way in every spelling real sources use.

A random one-step factor (a product of W, Wᵀ, diag(σ'(x_{t-1})) and the identity) is printed
in random spellings: LaTeX commands, Unicode from PDFs, code. Each spelling must parse to the
expression its plain-text form parses to.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbptt.activations import ACTIVATIONS
from symbptt.claim import translate
from symbptt.errors import InputError
from symbptt.grammar import parse
from symbptt.model import Recurrence

REC = Recurrence(ACTIVATIONS["sigma"])

WEIGHT = ["W", "W_{hh}", "W_hh", r"\mathbf{W}", r"\boldsymbol{W}", r"\bm{W}", "Whh", "W_{rec}",
          r"\mathbf{W}_{\mathrm{hh}}", "W^{(rec)}", r"W_{\text{rec}}", r"\mathbf W"]
TRANSPOSE = ["^T", r"^\top", "^{T}", r"^\intercal", r"^\mathsf{T}", "ᵀ", "^⊤", ".T", r"^{\!\top}",
             r"^{\mkern-1.5mu\mathsf{T}}", "^{\\top}", "'"]
DIAG = ["diag", r"\operatorname{diag}", r"\mathrm{diag}", r"\text{diag}", r"\textrm{diag}",
        "np.diag", r"\mathrm{Diag}", "Diag", r"\operatorname{Diag}"]
BRACKETS = [("(", ")"), (r"\left(", r"\right)"), (r"\Big(", r"\Big)"), (r"\bigl(", r"\bigr)"),
            ("[", "]"), (r"\left[", r"\right]"), (r"\left\{", r"\right\}"), (r"\Bigl[", r"\Bigr]")]
PRIME = [r"\sigma'", r"\sigma^{\prime}", r"\sigma^\prime", "σ'", "σ′", r"\dot\sigma", r"\dot{\sigma}",
         r"{\sigma}'", r"\sigma^{'}", "f'", "sigma'", "f^{\\prime}", r"\phi'", "φ′", r"\varphi'"]
PREVIOUS = ["x_{t-1}", "x_(t-1)", r"\mathbf{x}_{t-1}", "x^{(t-1)}", "x_{t - 1}", "x_{i-1}",
            r"\boldsymbol{x}_{t-1}", "x_{k}"]
PRODUCT = [" ", r" \cdot ", " * ", " @ ", r"\,", r" \times ", "·", "\u00a0", r"\;", "~", " ⋅ ", " × "]
SPACE = ["", " ", "\u00a0", r"\,", r"\!", "\u2009"]

FACTORS = ("W", "WT", "D", "I")
PLAIN = {"W": "W", "WT": "W^T", "D": "diag(sigma'(x_{t-1}))", "I": "I"}


@st.composite
def spelled(draw):
    """(plain text, a random spelling) of one random product of factors."""
    factors = draw(st.lists(st.sampled_from(FACTORS), min_size=1, max_size=3))
    weight, x = draw(st.sampled_from(WEIGHT)), draw(st.sampled_from(PREVIOUS))
    parts = []
    for f in factors:
        pad = draw(st.sampled_from(SPACE))
        if f == "W":
            parts.append(weight)
        elif f == "WT":
            t = draw(st.sampled_from(TRANSPOSE))
            if t == "'" and weight != "W":
                t = "^T"  # a prime after a braced label reads as a derivative in LaTeX
            parts.append(weight + t)
        elif f == "I":
            parts.append("I")
        else:
            left, right = draw(st.sampled_from(BRACKETS))
            inner_left, inner_right = draw(st.sampled_from(BRACKETS[:4]))
            parts.append(f"{draw(st.sampled_from(DIAG))}{pad}{left}{pad}{draw(st.sampled_from(PRIME))}"
                         f"{inner_left}{x}{inner_right}{pad}{right}")
    text = parts[0]
    for part in parts[1:]:
        text += draw(st.sampled_from(PRODUCT)) + part
    plain = " ".join(PLAIN[f] for f in factors)
    if "I" in factors and len(factors) == 1:
        plain = text = "I"
    return plain, text


@settings(max_examples=200, deadline=None)
@given(spelled())
def test_every_spelling_parses_to_the_same_expression(pair):
    plain, text = pair
    expected = translate(parse(plain), REC).expr
    assert translate(parse(text), REC).expr == expected, text


def test_the_spellings_are_not_all_the_same():
    # A check that could not fail would prove nothing: a wrong spelling gives another expression.
    assert translate(parse("W diag(sigma'(x_{t-1}))"), REC).expr != translate(parse("W^T diag(sigma'(x_{t-1}))"), REC).expr
    assert translate(parse(r"\mathbf{W}^{\top}"), REC).expr == translate(parse("W^T"), REC).expr


#: A derivative on the left with bold names, slashed as papers typeset it (was a parse error).
BOLD_DERIVATIVES = [r"d\mathbf{O}_t/d\mathbf{C}_{t-1} = 0", r"d\mathbf{O}_t / d\mathbf{C}_{t-1} = 0",
                    r"d\boldsymbol{h}_t/d\boldsymbol{h}_{t-1} = 0", r"\partial \mathbf{O}_t / \partial \mathbf{C}_{t-1} = 0"]


def test_a_slashed_derivative_of_bold_names_is_the_derivative_written_plain():
    for text in BOLD_DERIVATIVES:
        letters = "hh" if "{h}" in text else "OC"
        lhs = parse(text).lhs
        assert (lhs[0].letter, lhs[0].sub, lhs[1].letter, lhs[1].sub) == (letters[0], "t", letters[1], "t-1"), text


UNTIMED_DERIVATIVES = ["do/dC_{t-1} = 0", "do / dc_{t-1} = 0", r"do/d\mathbf{C}_{t-1} = 0", "df/dh_{t-1} = 0"]


def test_a_slashed_d_derivative_of_a_name_without_an_index_is_the_derivative():
    """do/dC_{t-1}: a gate named without its time index after d, as ∂o/∂C_{t-1} is written."""
    for text in UNTIMED_DERIVATIVES:
        lhs = parse(text).lhs
        plain = parse(text.replace("d", "\\partial ", 1).replace("/ d", "/ \\partial ").replace("/d", "/\\partial ")).lhs
        assert [(n.letter, n.sub) for n in lhs] == [(n.letter, n.sub) for n in plain], text
        assert lhs[0].sub == "" and lhs[1].sub == "t-1", text


#: The Deep Learning book's notation macros (goodfeli/dlbook_notation, math_commands.tex:
#: \def\mW{{\bm{W}}}, \def\vh{{\bm{h}}}) and its Chinese translation's (\MW, \Vh): bold letters.
BOOK_MACROS = [r"\mW^\top \text{diag}\left(\sigma'\left(\vx^{(t-1)}\right)\right)",
               r"\MW^\top \text{diag}\left(\sigma'\left(\Vx^{(t-1)}\right)\right)"]


def test_the_deep_learning_book_s_macros_are_bold_letters():
    expected = translate(parse("W^T diag(sigma'(x_{t-1}))"), REC).expr
    for text in BOOK_MACROS:
        assert translate(parse(text), REC).expr == expected, text
    # \mu, \varphi and \vec are no macros of a letter: φ is σ, \vec{x} is x, \mu is refused
    assert translate(parse(r"W^T diag(\varphi'(\vec{x}_{t-1}))"), REC).expr == expected
    with pytest.raises(InputError):
        parse(r"\mu W")


def _lexed(parser, text):
    """The parse tree with every token's type, text and position, or where parsing stopped."""
    import lark

    def signature(node):
        if isinstance(node, lark.Tree):
            return node.data, tuple(signature(c) for c in node.children)
        return node.type, str(node), node.start_pos

    try:
        return signature(parser.parse(text))
    except lark.exceptions.UnexpectedInput as exc:
        return type(exc).__name__, exc.pos_in_stream


def test_the_basic_lexer_reads_what_the_contextual_lexer_reads():
    """The grammar's terminals need no parser state to be told apart (`grammar._OPTIONS`):
    on every formula of the corpora (as their sources print them) and every spelling above,
    lark's contextual lexer gives the same tokens, trees and error positions."""
    import lark

    from symbptt import grammar
    from tests.data.corpus import ENTRIES
    from tests.data.gated_corpus import ENTRIES as GATED

    contextual = lark.Lark(grammar.GRAMMAR, **{**grammar._OPTIONS, "lexer": "contextual"})
    texts = [e.formula for e in ENTRIES] + [e.formula for e in GATED] + BOOK_MACROS
    texts += [f"{w}{t}" for w in WEIGHT for t in TRANSPOSE] + [f"{d}({p}({x}))" for d in DIAG for p in PRIME
                                                              for x in PREVIOUS]
    texts += [f"W{p}diag(f'(h))" for p in PRODUCT] + ["W^T diag(", "dh/dh_{t-1} = ", r"\frac{1}{2} W", "W ⊙ ⊙ D"]
    texts += BOLD_DERIVATIVES + [r"d\mathbf{W}", r"a/d\mathbf{W}"] + UNTIMED_DERIVATIVES + ["W do/dx", "do/2"]
    texts += [text for pair in SWAPPED_SCRIPTS for text in pair] + [text for pair in PASTED_UNICODE for text in pair]
    assert grammar._parser().options.lexer == "basic"
    differ = [t for t in texts if _lexed(grammar._parser(), t) != _lexed(contextual, t)]
    assert not differ, differ[:5]
    assert sum(_lexed(contextual, t)[0] == "claim" for t in texts) > 0.9 * len(texts)  # most parse


#: A subscript after the transpose superscript: TeX reads ^a_b as _b^a (was "a subscript …
#: needs a letter before it").
SWAPPED_SCRIPTS = [(r"\mathbf{W}^\top_{hh} \operatorname{diag}(1 - \mathbf{h}_t^2)",
                    r"\mathbf{W}_{hh}^\top \operatorname{diag}(1 - \mathbf{h}_t^2)"),
                   ("W^T_{rec} diag(\\sigma'(x_{i-1}))", "W_{rec}^T diag(\\sigma'(x_{i-1}))"),
                   (r"W^{\top}_{hh} diag(sigma'(x_{t-1}))", r"W_{hh}^{\top} diag(sigma'(x_{t-1}))"),
                   ("W^T_hh diag(sigma'(x_{t-1}))", "W_hh^T diag(sigma'(x_{t-1}))")]


def test_a_subscript_after_a_transpose_is_the_names():
    for swapped, usual in SWAPPED_SCRIPTS:
        assert parse(swapped).expr == parse(usual).expr, swapped
        assert translate(parse(swapped), REC).expr == translate(parse(usual), REC).expr, swapped


def test_a_second_subscript_after_a_transpose_is_refused_with_a_hint():
    import pytest

    from symbptt.errors import InputError
    with pytest.raises(InputError, match="has a subscript already; write the name's subscript once"):
        parse("W_{hh}^T_{x}")


#: Unicode as PDFs and Wikipedia copies paste it (was "unexpected 'ₜ'", "unexpected '𝐖'"):
#: subscripts, superscript digits and the Mathematical Alphanumeric Symbols' letters.
PASTED_UNICODE = [("Wᵀ·diag(σ′(xₜ₋₁))", "W^T diag(sigma'(x_{t-1}))"),
                  ("𝐖ᵀ diag(σ'(𝐱_{t-1}))", "W^T diag(sigma'(x_{t-1}))"),
                  ("𝑾 diag(𝛔′(𝒙ₜ₋₁))", "W diag(sigma'(x_{t-1}))"),
                  ("𝑊ₕₕ diag(𝜎′(𝑥ₜ₋₁))", "W_{hh} diag(sigma'(x_{t-1}))"),
                  ("𝖶 diag(σ′(𝗑ᵢ₋₁))", "W diag(sigma'(x_{i-1}))"),
                  ("∂𝐱ₜ/∂𝐱ₜ₋₁ = 𝐖 diag(σ′(𝐱ₜ₋₁))", "dx_t/dx_{t-1} = W diag(sigma'(x_{t-1}))"),
                  ("𝐖 diag(σ′(𝐱₍ₜ₋₁₎))", "W diag(sigma'(x_(t-1)))"),
                  ("ℎₜ W", "h_t W")]


def test_pasted_unicode_parses_to_the_plain_formula():
    for pasted, usual in PASTED_UNICODE:
        assert translate(parse(pasted), REC).expr == translate(parse(usual), REC).expr, pasted


def test_unicode_is_made_plain_one_character_at_a_time_not_by_nfkc_on_the_whole_formula():
    """NFKC on the whole text would make Wᵀ the name WT, h² the name h2 and xₜ the name xt:
    only the mathematical letters are mapped, and each keeps the meaning of its plain form."""
    import unicodedata

    from symbptt.grammar import plain
    tanh = Recurrence(ACTIVATIONS["tanh"])
    text = "𝐖ᵀ diag(1 − 𝐡ₜ²)"
    assert plain(text) == "Wᵀ diag(1 − hₜ²)" and len(plain(text)) == len(text)
    assert translate(parse(text), tanh).expr == translate(parse("W^T diag(1 - h_t^2)"), tanh).expr
    with pytest.raises(InputError):  # what blind NFKC would have made of it: a name WT, h2
        translate(parse(unicodedata.normalize("NFKC", text)), tanh)
    assert parse("h³").expr == parse("h^3").expr and parse("W⁰").expr == parse("W^0").expr
    with pytest.raises(InputError, match="exponent ¹⁰ at position 2: only whole powers from 0 to 8"):
        parse("W¹⁰")


def test_an_error_shows_the_mathematical_letters_as_typed():
    with pytest.raises(InputError, match="unexpected 'ℝ' at position 3 of: 𝐖 ℝ;"):
        parse("𝐖 ℝ")
