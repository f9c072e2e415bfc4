"""Beyond one step: the product ∂x_t/∂x_k, the backward recursion, the bound, the figure."""

from __future__ import annotations

import functools
import math

import mpmath
import pytest
import sympy as sp

from symbptt.activations import ACTIVATIONS
from symbptt.bptt import _backward_numeric, _backward_symbolic, _product_check, bptt
from symbptt.cli import main
from symbptt.derivation import derive
from symbptt.errors import InputError
from symbptt.layout import Layout
from symbptt.model import FORMS as MODEL_FORMS
from symbptt.render import render_bptt

from .conftest import run_cli

FORMS = list(MODEL_FORMS)  # every form bptt accepts besides the gated cells


@functools.lru_cache(maxsize=None)
def result(activation="tanh", form="pascanu"):
    return bptt(activation, form)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
def test_every_check_passes(form, activation):
    b = result(activation, form)
    assert b.verified
    assert {(c.steps, c.n) for c in b.product_checks} == {(1, 2), (2, 2), (3, 2), (2, 3)}
    assert all(c.ok for c in b.product_checks) and b.backward_symbolic and b.backward_numeric < 1e-20
    assert [c.scale for c in b.curves] == [0.9, 1.0, 1.1] and all(c.holds for c in b.curves)


def with_result(d, layout: Layout, wrong):
    """`d`, except that its result in `layout` is `wrong` (to show a check can fail)."""
    return type("Swapped", (), {
        "recurrence": d.recurrence, "activation": d.activation,
        "result": staticmethod(lambda l: wrong if l is layout else d.result(l)),
    })


def test_product_check_fails_for_a_wrong_factor():
    """Pascanu's Wᵀ diag(σ') as the numerator factor: the numerator check must fail."""
    d = derive("tanh", dim=2)
    wrong = sp.MatMul(sp.Transpose(d.recurrence.W), d.result().args[-1])
    assert [c.ok for c in _product_check(with_result(d, Layout.NUMERATOR, wrong), 2, 2)] == [False, True]


@pytest.mark.parametrize("form", FORMS)
def test_product_order_matters(form):
    """∂x_2/∂x_0 = J_2 J_1 in numerator layout; J_1 J_2 is wrong (and J_1ᵀ J_2ᵀ is the
    denominator layout, not J_2ᵀ J_1ᵀ)."""
    from symbptt.bptt import _compose
    from symbptt.explicit import explicit, jacobian_entries, mismatches
    d = derive("tanh", dim=2, recurrence=form)
    env, x0, states = _compose(d.recurrence, 2, 3, 2)
    total = jacobian_entries(list(states[2]), x0)
    J = [explicit(d.result(), env).xreplace(dict(zip(x0, states[i]))) for i in (0, 1)]  # J_1, J_2
    assert not mismatches(total, J[1] * J[0]) and mismatches(total, J[0] * J[1])
    assert not mismatches(total.T, J[0].T * J[1].T) and mismatches(total.T, J[1].T * J[0].T)


def test_backward_checks_fail_for_a_wrong_recursion():
    """Wᵀ diag(σ') instead of diag(σ') Wᵀ as the transposed Jacobian: both checks must fail."""
    d = derive("tanh", dim=2)
    wrong = sp.MatMul(sp.Transpose(d.recurrence.W), d.result(Layout.DENOMINATOR).args[0])
    swapped = with_result(d, Layout.DENOMINATOR, wrong)
    assert not _backward_symbolic(swapped)
    assert _backward_numeric(swapped) > 1e-3


def test_bound_is_tight_near_zero_and_saturation_departs_from_it():
    tanh = {c.scale: c for c in result().curves}
    assert abs(tanh[1.1].norms[9] / tanh[1.1].bounds[9] - 1) < 1e-3  # the linear regime follows the bound
    assert tanh[1.1].norms[-1] < 0.5 * tanh[1.1].bounds[-1]  # tanh saturates: exploding is not guaranteed
    assert tanh[0.9].norms[-1] < 1e-2


def test_generic_sigma_has_no_bound():
    with pytest.raises(InputError, match="known sup"):
        bptt("sigma")


@pytest.mark.parametrize("fmt", ["markdown", "latex", "latex-fragment", "json"])
def test_reports_render_deterministically(fmt):
    a = render_bptt(result(), fmt, figure="f")
    assert a == render_bptt(bptt("tanh"), fmt, figure="f")
    assert "((*" not in a


@pytest.mark.parametrize("fmt", ["latex", "latex-fragment"])
def test_the_latex_figure_is_a_captioned_float_with_its_section(fmt):
    """The figure is a float with a caption saying what is plotted, placed at the start of its
    section: left at the end of the document, \\end{document}'s \\clearpage put it on a page alone."""
    tex = render_bptt(result(), fmt, figure="f")
    section = tex.index("*{Vanishing and exploding gradients}")
    figure = tex.index("\\begin{figure}[htbp]")
    assert section < figure < tex.index("\\paragraph{1.", section) and tex.count("\\begin{figure}") == 1
    body = tex[figure:tex.index("\\end{figure}")]
    assert "\\includegraphics[width=0.9\\linewidth]{f.pdf}" in body
    assert ("\\caption{The spectral norm $\\left\\|\\frac{\\partial \\mathbf{x}_{t}}{\\partial \\mathbf{x}_{k}}"
            "\\right\\|_{2}$ of the product of one-{}step Jacobians against $t-k$, "
            "along the trajectories tabulated in this section") in body
    assert "with its bound $\\left(\\gamma \\lambda_{1}\\right)^{t-k}$.}" in body
    assert "\\begin{figure}" not in render_bptt(result(), fmt)  # no figure without --plot


def test_the_markdown_figure_has_its_caption_below_it():
    md = render_bptt(result(), "markdown", figure="f")
    image = md.index("]( f.svg )")
    caption = md.index("*Figure.* The spectral norm", image)
    assert md[image:caption].count("\n") == 2 and "along the trajectories tabulated in this section" in md[caption:]
    assert "*Figure.*" not in render_bptt(result(), "markdown")  # no figure without --plot


def test_figure_name_must_be_plain():
    with pytest.raises(InputError, match="plain file name"):
        render_bptt(result(), "latex", figure="my figure{x}")


def test_plot_is_deterministic(tmp_path):
    from symbptt.plot import plot
    first = [p.read_bytes() for p in plot(result(), tmp_path / "a")]
    second = [p.read_bytes() for p in plot(result(), tmp_path / "b")]
    assert first == second and first[0].startswith(b"<?xml") and first[1].startswith(b"%PDF-1.4")


def test_cli_writes_report_and_figure(tmp_path, capsys):
    assert main(["bptt", "-r", "elman", "-o", str(tmp_path / "notes.md"), "--plot"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes-figure.pdf", "notes-figure.svg", "notes.md"]
    text = (tmp_path / "notes.md").read_text()
    assert "( notes-figure.svg )" in text and r"\mathbf{W}^{\top} \operatorname{diag}" in text


def test_cli_refuses_a_figure_name_a_report_cannot_embed(tmp_path, capsys):
    code = main(["bptt", "-o", str(tmp_path / "my notes.md"), "--plot"])
    err = capsys.readouterr().err
    assert code == 2 and "plain file name" in err and "'my notes-figure'" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (["bptt", "--plot"], "--plot needs -o PATH"),
    (["bptt", "-a", "sigma"], "invalid choice: 'sigma'"),
    (["bptt", "-r", "gru-keras"], "unknown recurrence 'gru-keras' for -r"),
])
def test_cli_bad_input(capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1


def _curves_30_digits(d, n, T, seed=0):
    """The curves at CURVE_REFERENCE_DIGITS, independent of the engine's float code and of
    its derived Jacobian: the same W and start as `curves`, each J_t written from the
    textbook (W' diag(σ'(x_{t-1})), or diag(σ'(a_t)) W' after the activation, W' = Wᵀ for row
    vectors), and ‖P_t‖₂² as the largest eigenvalue of P_tᵀP_t (mpmath.eigsy, a third
    quicker than svd_r; λ_max = ‖P_tᵀP_t‖₂ keeps its relative accuracy). The identity's
    product is (γλ₁)^t times a power of an orthogonal matrix: its norm is (γλ₁)^t, exactly."""
    import random

    from symbptt.bptt import CURVE_REFERENCE_DIGITS, SCALES
    from symbptt.numeric import state_step

    rec = d.recurrence
    slope = _TEXTBOOK_SLOPE[d.activation.name]
    rng = random.Random(seed)
    out = []
    with mpmath.workdps(CURVE_REFERENCE_DIGITS):
        orthogonal, _ = mpmath.qr(mpmath.matrix([[rng.gauss(0, 1) for _ in range(n)] for _ in range(n)]))
        x0 = [mpmath.mpf(rng.uniform(-0.01, 0.01)) for _ in range(n)]
        for scale in SCALES:
            W = orthogonal * (scale / d.activation.sup_derivative)
            rows = [[W[r, c] for c in range(n)] for r in range(n)]
            # W', as in x_t = W' σ(x_{t-1}) or σ(W' x_{t-1})
            acting = [list(r) for r in zip(*rows)] if rec.cell.rows else rows
            step = state_step(rec, rows, [0] * n)
            x, product, norms, slopes = x0, [[int(r == c) for c in range(n)] for r in range(n)], [], []
            for t in range(1, T + 1):
                point = [mpmath.fdot(a, x) for a in acting] if rec.cell.post else x  # where σ' is taken
                D = [slope(v) for v in point]
                J = [[D[r if rec.cell.post else c] * a for c, a in enumerate(row)]
                     for r, row in enumerate(acting)]
                product = [[mpmath.fdot(row, col) for col in zip(*product)] for row in J]
                slopes += D
                x = step(x)
                if d.activation.name == "identity":
                    norms.append(mpmath.mpf(scale) ** t)
                    continue
                gram = mpmath.matrix([[mpmath.fdot(a, b) for b in zip(*product)] for a in zip(*product)])
                norms.append(mpmath.sqrt(max(mpmath.eigsy(gram, eigvals_only=True))))
            out.append((norms, sum(slopes) / len(slopes)))
    return out


_TEXTBOOK_SLOPE = {"tanh": lambda v: 1 - mpmath.tanh(v) ** 2,
                   "sigmoid": lambda v: mpmath.exp(-v) / (1 + mpmath.exp(-v)) ** 2,
                   "relu": lambda v: 1 if v > 0 else 0,
                   "identity": lambda v: 1}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("activation", [a for a, f in ACTIVATIONS.items() if f.sup_derivative is not None])
def test_float64_curves_are_within_their_stated_relative_error_of_30_digit_ones(activation, form):
    """The report says symbptt's test suite finds each norm within a relative CURVE_ERROR of a
    30-digit computation (this test; a report does not repeat it): checked at every step of
    every curve `bptt` prints (each activation with a bound, each form, each scale), the
    measurement that figure rests on (see bptt.CURVE_ERROR); the sigmoid's norms fall to
    1e-22, so only a relative error says something about them."""
    from symbptt.bptt import CURVE_ERROR, CURVE_TOLERANCE

    printed = result(activation, form).curves
    T = len(printed[0].norms)
    for curve, (exact, slope) in zip(printed, _curves_30_digits(result(activation, form).derivation, 6, T),
                                      strict=True):
        for norm, bound, reference in zip(curve.norms, curve.bounds, exact, strict=True):
            assert abs(norm - float(reference)) <= CURVE_ERROR * float(reference)
            assert float(reference) <= bound * (1 + CURVE_TOLERANCE)  # the proved bound, at 30 digits
        # The table's mean σ' and per-step factor, against the 30-digit trajectory.
        assert abs(curve.derivative_mean - float(slope)) <= 1e-12
        assert abs(curve.rate - float(exact[-1]) ** (1 / T)) <= 1e-12


def test_largest_singular_value_matches_mpmath_also_when_singular_values_cluster():
    import random

    from symbptt.numeric import largest_singular_value

    rng = random.Random(3)
    with mpmath.workdps(30):
        q, _ = mpmath.qr(mpmath.matrix([[rng.gauss(0, 1) for _ in range(5)] for _ in range(5)]))
    cases = [
        [[rng.uniform(-1, 1) for _ in range(6)] for _ in range(6)],  # generic
        [[float(q[r, c]) * 3 for c in range(5)] for r in range(5)],  # all singular values equal
        [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1e-9]],  # nearly rank one
        [[0.0, 0.0], [0.0, 0.0]],
        [[-2.5]],
    ]
    for rows in cases:
        with mpmath.workdps(30):
            exact = max(mpmath.svd_r(mpmath.matrix(rows), compute_uv=False))
        assert abs(largest_singular_value(rows) - float(exact)) <= 1e-14 * max(float(exact), 1e-300)


def test_numeric_function_agrees_with_sympy_and_falls_back_to_lambdify():
    from symbptt.numeric import numeric_function

    x, y = sp.symbols("x y", real=True)
    # σ, σ', the sigmoid, ReLU and H as the engine writes them: their numeric stand-ins
    # are printed inline (nested too); SymPy evaluates the substituted forms at 30 digits.
    sigma = ACTIVATIONS["sigma"]
    exprs = [[ACTIVATIONS[a].derivative(x) * y + ACTIVATIONS[a].apply(x) ** 2
              for a in ("tanh", "sigmoid", "relu", "sigma")],
             [sp.Rational(-3, 7) * x / y, sp.Max(x, 0) - sp.exp(-x), x ** -2, sp.Integer(5)],
             [sigma.apply(sigma.apply(x) * y), sigma.derivative(sigma.apply(y) - x), sp.Heaviside(x - y, 0),
              ACTIVATIONS["sigmoid"].apply(sigma.apply(x))]]
    f = numeric_function(exprs, [x, y])
    g = numeric_function(exprs, [x, y], mpmath)
    for point in ((0.3, -1.7), (-0.4, 2.5)):
        values = f(*point)
        with mpmath.workdps(30):
            digits = g(*(mpmath.mpf(v) for v in point))
        for row, got_row, digit_row in zip(exprs, values, digits):
            for e, got, digit in zip(row, got_row, digit_row):
                exact = sigma.numeric_form(e).subs({x: sp.Float(point[0], 30), y: sp.Float(point[1], 30)}).evalf(30)
                assert got == pytest.approx(float(exact), rel=1e-14, abs=1e-15)
                with mpmath.workdps(30):
                    assert abs(digit - mpmath.mpf(str(exact))) <= mpmath.mpf("1e-27") * max(1, abs(digit))
    relu = ACTIVATIONS["relu"]
    assert numeric_function([[relu.derivative(x)]], [x])(0.0) == [[0.0]]  # H(0) = 0
    odd = numeric_function([[sp.atan(x), sp.atan(sigma.apply(x))]], [x])  # no rule of its own: lambdify with math
    assert odd(1.0) == [[pytest.approx(0.7853981633974483), pytest.approx(math.atan(math.sin(1.0) + 1 / 5))]]


def _table(activation: str, fmt: str = "markdown") -> str:
    """The trajectory table and the paragraph after it, in `activation`'s report."""
    text = render_bptt(result(activation), fmt)
    start = text.index("| γλ₁ |" if fmt == "markdown" else "\\begin{tabular}{rrrrrrl}")
    return text[start:]


@pytest.mark.parametrize("activation, prime", [
    ("tanh", r"\tanh'"), ("sigmoid", r"\operatorname{sigmoid}'"), ("identity", r"\operatorname{id}'")])
@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_the_table_names_the_activations_derivative(activation, prime, fmt):
    """σ is never introduced in these reports: the column is the derivative of the activation
    as the formulas print it."""
    table = _table(activation, fmt)
    assert f"mean ${prime}$" in table and "σ′" not in table and "\\sigma'" not in table


def test_a_value_below_its_reference_never_prints_as_it():
    """tanh's mean σ′ 0.99999742 is below γ = 1; at 0.9 the per-step factor is below γλ₁ and
    the norm below its bound: none prints equal to what it is compared with."""
    rows = [line.split(" | ") for line in _table("tanh").splitlines()[2:5]]
    # the per-step and mean columns print every row to the digits the first needs (0.8999989
    # is below 0.9 and prints so at 6): 0.899999 above 1.08 read as a rounding slip
    assert [r[2:6] for r in rows] == [["0.0017969", "0.0017970", "0.899999", "0.999997"],
                                      ["0.999", "1.00", "0.999983", "0.999971"],
                                      ["100.4", "304.5", "1.07985", "0.969067"]]
    identity = [line.split(" | ") for line in _table("identity").splitlines()[2:5]]
    assert [r[2:6] for r in identity] == [["0.001797", "0.001797", "0.9", "1"], ["1", "1", "1", "1"],
                                          ["304.5", "304.5", "1.1", "1"]]  # equal within the tolerance


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity", "relu"])
def test_the_per_step_columns_print_each_row_to_the_same_significant_digits(activation):
    """Every row of the per-step and mean-σ' columns is printed to one number of significant
    digits, the column's (the true value rounded to them, never nudged to what it is compared
    with): tanh's column printed 0.899999, 0.99998 and 1.08, which read as a rounding slip."""
    b = result(activation)
    rows = [line.split(" | ") for line in _table(activation).splitlines()[2:2 + len(b.curves)]]
    for column, values in ((4, [c.rate for c in b.curves]), (5, [c.derivative_mean for c in b.curves])):
        printed = [r[column] for r in rows]
        assert any(printed == ["%.*g" % (d, v) for v in values] for d in range(4, 18)), (printed, values)


def test_a_norm_and_its_bound_print_to_the_same_significant_digits():
    """Four digits, or the fewest more at which a norm below its bound prints differently from
    it, for both; trailing zeros go only where both have them."""
    from symbptt.render.bptt_report import _pair

    assert _pair(0.0017969, 0.0017970103) == ("0.0017969", "0.0017970")  # 4 digits print both as 0.001797
    assert _pair(0.99900, 1.0) == ("0.999", "1.00")
    assert _pair(100.4, 304.5) == ("100.4", "304.5")
    assert _pair(1.0, 1.0) == ("1", "1") and _pair(304.5, 304.5 * (1 + 1e-13)) == ("304.5", "304.5")
    assert _pair(8.063e-23, 1.0) == ("8.063e-23", "1.000")
    assert _pair(0.99999999, 1.0) == ("0.99999999", "1.0000000")  # eight digits each


def test_the_precision_sentence_says_what_this_run_checks_and_what_a_test_did():
    """The run checks the bound; the 30-digit comparison is the test suite's, not this run's."""
    md, tex = render_bptt(result("tanh")), render_bptt(result("tanh"), "latex")
    assert ("computed in double precision; at every step this run checks that the norm is at most its "
            "bound times $1 + 10^{-11}$. symbptt's test suite recomputes these trajectories (every "
            "activation, form and $\\gamma\\lambda_1$ that `bptt` prints) in 30-digit arithmetic and finds "
            "every norm within a relative $10^{-12}$; that comparison is not repeated for this report.") in md
    assert "that \\texttt{bptt} prints) in 30-digit arithmetic" in tex and "1e-1" not in md + tex
    # In LaTeX the sentence starts a paragraph of its own after the last step's check line.
    assert "re-verified, checked on trajectories, below.\n\n\\par\\bigskip\\noindent\\begin{minipage}" in tex


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_the_conclusion_is_what_this_reports_curves_show(fmt):
    """sigmoid at γλ₁ = 1.1 still vanishes: not sufficient. tanh grows but ends well below its
    bound. identity follows its bound: no "not sufficient". ReLU is named only in its report."""
    g = "γλ₁ = 1.1" if fmt == "markdown" else "$\\gamma\\lambda_1 = 1.1$"
    sigmoid, tanh, identity, relu = (_table(a, fmt) for a in ("sigmoid", "tanh", "identity", "relu"))
    assert f"At {g} the norm still vanishes, a factor 0.4237 per step" in sigmoid
    assert "not sufficient" in sigmoid and "as its arguments move away from 0" in sigmoid
    assert f"At {g} the norm grows, a factor 1.08 per step, but ends well below its bound, 100.4 against 304.5" in tanh
    assert "as units saturate" in tanh and "not sufficient" not in tanh
    assert "Every norm ends close to its bound" in identity and "not sufficient" not in identity
    assert "as units switch off" in relu and "not sufficient" in relu
    assert all("ReLU" not in t and "switch" not in t for t in (sigmoid, tanh, identity))


def test_the_curves_say_whether_they_grew_and_fell_below_their_bound():
    tanh, sigmoid, identity = (result(a) for a in ("tanh", "sigmoid", "identity"))
    assert [(c.grew, c.below) for c in tanh.curves] == [(False, False), (False, False), (True, True)]
    assert tanh.still_vanishes is None and tanh.grows_slower.scale == 1.1 and not tanh.follows_bounds
    assert sigmoid.still_vanishes.scale == 1.1 and not sigmoid.still_vanishes.grew
    assert identity.follows_bounds and identity.still_vanishes is None and identity.grows_slower is None


def test_orthogonal_columns_shortcuts_give_the_plain_sweeps_results():
    """Skipping pairs that passed on unchanged columns, and stopping after a sweep that
    changed nothing, must not change an entry: compared with plain sweeps to the cap, also on
    a ReLU-like product whose columns' squared norms underflow (the case that ran to it)."""
    import math
    import random
    import sys

    from symbptt.numeric import orthogonal_columns

    def plain(cols):
        cols, tolerance = [list(c) for c in cols], len(cols) * sys.float_info.epsilon
        for _ in range(60):
            rotated = False
            for i in range(len(cols) - 1):
                for j in range(i + 1, len(cols)):
                    ci, cj = cols[i], cols[j]
                    g = sum([x * y for x, y in zip(ci, cj)])
                    a, b = sum([x * x for x in ci]), sum([y * y for y in cj])
                    if g == 0.0 or abs(g) <= tolerance * math.sqrt(a * b):
                        continue
                    rotated = True
                    zeta = (b - a) / (2 * g)
                    t = math.copysign(1.0, zeta) / (abs(zeta) + math.hypot(1.0, zeta))
                    c = 1 / math.sqrt(1 + t * t)
                    cols[i] = [c * x - c * t * y for x, y in zip(ci, cj)]
                    cols[j] = [c * t * x + c * y for x, y in zip(ci, cj)]
            if not rotated:
                break
        return cols

    rng = random.Random(5)
    generic = [[[rng.uniform(-1, 1) * 10.0 ** -c for _ in range(6)] for c in range(6)] for _ in range(20)]
    # as in the ReLU curves: a column whose squared norm is subnormal, so a·b underflows
    tiny = [[rng.uniform(-1, 1) * 1e-3 for _ in range(6)], [0.0] * 6,
            [rng.uniform(-1, 1) * 1e-143 for _ in range(6)], [rng.uniform(-1, 1) * 1e-21 for _ in range(6)],
            [0.0] * 6, [0.0] * 6]
    disturbed = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]]  # (0, 1) passes, then (0, 2) turns 0
    for cols in (*generic, tiny, disturbed, [[1.0, 2.0], [2.0, 4.0000001]]):
        assert orthogonal_columns(cols) == plain(cols)
