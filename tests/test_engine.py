"""The derivation engine: three routes, both layouts, every step re-verified."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symbptt
from symbptt.activations import ACTIVATIONS
from symbptt.explicit import derivative, explicit, jacobian_entries, mismatches
from symbptt.layout import Jacobian, Layout, to_layout
from symbptt.model import ARG, Recurrence
from symbptt.steps import Route, Step
from symbptt.verify import verify_routes

from .conftest import derivation

NAMES = list(ACTIVATIONS)


def sympy_jacobian(d, n, m):
    """SymPy's own numerator-layout Jacobian of the expanded recurrence."""
    env = d.recurrence.bindings(n, m)
    return env[d.recurrence.x_t].jacobian(env[d.recurrence.x_prev]), env


@pytest.mark.parametrize("name", NAMES)
def test_closed_forms_in_both_layouts(name):
    d = derivation(name)
    rec = d.recurrence
    s = ARG
    dsigma = sp.diff(rec.activation.apply(s), s)
    env = rec.bindings(3, 2)
    W = env[rec.W]
    D = sp.diag(*[dsigma.subs(s, v) for v in env[rec.x_prev]])
    assert explicit(d.result(Layout.NUMERATOR), env) == W * D
    assert explicit(d.result(Layout.DENOMINATOR), env) == D * W.T


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", range(1, 7))
def test_three_routes_agree_with_sympy(name, n):
    """Route 1's closed form, route 3's entrywise derivative and SymPy's Matrix.jacobian
    agree entry by entry, in both layouts (m = n + 1: W_in is never square)."""
    d = derivation(name, dim=n)
    J, _ = sympy_jacobian(d, n, n + 1)
    assert d.expansion.verified and d.expansion.entries == n * n
    for layout in Layout:
        got, closed = d.expansion.in_layout(layout)
        assert not mismatches(got, to_layout(J, layout))
        assert not mismatches(closed, to_layout(J, layout))


@pytest.mark.parametrize("name", NAMES)
def test_index_route_is_entry_of_matrix_result_for_every_n(name):
    """Route 2 ends in W_ij σ'(x_j) for symbolic i, j, n; SymPy's own symbolic indexing
    of route 1's W·diag(σ') gives the same expression: the routes agree for every n."""
    d = derivation(name, dim=None)
    route = d.route("index")
    entry_step = next(s for s in route.steps if s.rule == "entry")
    assert route.result == d.result(Layout.NUMERATOR)
    assert all(c.ok for c in d.checks if c.route == "index")
    i, j = sp.symbols("i j", integer=True, positive=True)
    n = d.recurrence.n
    value = sp.refine(entry_step.rhs.value(lambda e: e.doit()), sp.Q.ge(j, 1) & sp.Q.le(j, n))  # SymPy's doit
    assert sp.expand(value - entry_step.lhs) == 0


def test_sympy_denominator_machinery_agrees_for_linear_layer():
    """SymPy's MatrixSymbol.diff is denominator layout: (W x).diff(x) = Wᵀ."""
    rec = Recurrence(ACTIVATIONS["identity"])
    d = derivation("identity")
    assert (rec.W * rec.x_prev).diff(rec.x_prev) == rec.W.T
    assert d.result(Layout.DENOMINATOR) == rec.W.T


@pytest.mark.parametrize("name", NAMES)
def test_every_step_reverifies(name):
    d = derivation(name)
    assert d.checks and all(c.ok for c in d.checks), [c for c in d.checks if not c.ok]
    assert {c.route for c in d.checks} == {"matrix", "index", "denominator"}
    assert d.verified


def test_verification_catches_a_wrong_step():
    """Swap in Wᵀ where W belongs: the step re-verification must say no."""
    d = derivation("tanh")
    rec = d.recurrence
    route = d.route("matrix")
    bad = list(route.steps)
    i = next(k for k, s in enumerate(bad) if s.rule == "linear" and s.rhs == rec.W)
    bad[i] = Step("linear", bad[i].lhs, sp.Transpose(rec.W))
    checks = verify_routes((Route("matrix", "t", Layout.NUMERATOR, tuple(bad), route.result),), rec)
    failed = [c for c in checks if not c.ok]
    assert [c.index for c in failed] == [i + 1]
    assert "entry (1,2)" in failed[0].detail


def test_verification_catches_a_wrong_index_step():
    d = derivation("sigma")
    rec = d.recurrence
    route = d.route("index")
    bad = list(route.steps)
    k = next(n for n, s in enumerate(bad) if s.rule == "sifting")
    i, j = sp.symbols("i j", integer=True, positive=True)
    bad[k] = Step("sifting", bad[k].lhs, bad[k].rhs.subs({i: j, j: i}, simultaneous=True))
    checks = verify_routes((Route("index", "t", Layout.NUMERATOR, tuple(bad), route.result),), rec)
    assert [c.index for c in checks if not c.ok] == [k + 1]


@given(n=st.integers(1, 5), lo=st.integers(0, 2), shift=st.integers(-2, 2), j=st.integers(1, 5),
       two_terms=st.booleans())
def test_sifting_agrees_with_summing_term_by_term(n, lo, shift, j, two_terms):
    """Our δ-sum (the sifting property, with its range condition) against the sum written out."""
    from symbptt.index import _sift
    k, J, N = sp.symbols("k J N", integer=True, positive=True)
    f = sp.Function("f")
    summand = f(k) * sp.KroneckerDelta(k, J + shift)
    if two_terms:
        summand += k**2 * sp.KroneckerDelta(J, k) + k  # and a term without δ
    sifted = _sift(sp.Sum(summand, (k, lo, N)))
    assert not sifted.has(sp.KroneckerDelta)
    at = {J: j, N: n}
    written_out = sp.Add(*(summand.xreplace({**at, k: v}) for v in range(lo, n + 1)))
    assert sifted.xreplace(at).doit() == written_out


def test_sifting_leaves_what_it_cannot_sift():
    from symbptt.index import _sift
    k, J, N = sp.symbols("k J N", integer=True, positive=True)
    f = sp.Function("f")
    for s in (sp.Sum(f(k), (k, 1, N)),                                   # no δ
              sp.Sum(f(k) * sp.KroneckerDelta(2 * k, J + k), (k, 1, N))):  # k on both sides
        assert _sift(s) == s
    # A term without δ stays in a sum of its own.
    mixed = _sift(sp.Sum(f(k) * sp.KroneckerDelta(k, J) + k**2, (k, 1, N)))
    assert mixed == sp.Piecewise((f(J), J <= N), (0, True)) + sp.Sum(k**2, (k, 1, N))


def test_bindings_are_built_once_but_each_caller_gets_its_own():
    rec = Recurrence(ACTIVATIONS["tanh"])
    first = rec.bindings(2, 3)
    first[rec.x_prev] = sp.zeros(2, 1)  # a caller rebinding a symbol, as check does
    again = rec.bindings(2, 3)
    assert again[rec.x_prev] != first[rec.x_prev] and again[rec.W] is first[rec.W]
    assert again.dims == {rec.n: 2, rec.m: 3}


def test_expansion_reports_wrong_closed_form():
    """Pascanu's Wᵀ diag(σ') against the element expansion: off-diagonal entries differ."""
    from symbptt.expand import expand
    d = derivation("sigma")
    rec = d.recurrence
    wrong = sp.MatMul(sp.Transpose(rec.W), d.result().args[-1])
    e = expand(rec, wrong, 3, 2)
    assert not e.verified
    assert sorted((i, j) for i, j, *_ in e.mismatches) == [(i, j) for i in range(1, 4) for j in range(1, 4) if i != j]


def test_jacobian_entries_is_numerator_layout_and_honest():
    a, b, c = sp.symbols("a b c")
    f = [a * b + sp.sin(c), a**2, sp.Integer(3)]
    J = jacobian_entries(f, [a, b, c])
    assert J == sp.Matrix(f).jacobian([a, b, c])
    assert J.shape == (3, 3)


def test_jacobian_node_shapes_non_square():
    n, m = sp.symbols("n m", integer=True, positive=True)
    y, x = sp.MatrixSymbol("y", m, 1), sp.MatrixSymbol("x", n, 1)
    assert Jacobian(y, x).shape == (m, n)
    assert Jacobian(y, x, Layout.DENOMINATOR).shape == (n, m)
    with pytest.raises(ValueError):
        Jacobian(sp.MatrixSymbol("A", n, n), x)


def test_step_rejects_shape_changing_rule():
    n = sp.Symbol("n", integer=True, positive=True)
    with pytest.raises(AssertionError):
        Step("linear", sp.MatrixSymbol("A", n, 1), sp.MatrixSymbol("B", n, n))


@pytest.mark.parametrize("name", NAMES)
def test_numeric_check_passes_with_nonsquare_inputs(name):
    d = derivation(name, dim=4, inputs=2)
    assert d.numeric.n == 4 and d.numeric.m == 2
    assert d.numeric.passed and d.numeric.max_error < 1e-25


def test_numeric_instance_has_nonsymmetric_weight():
    import random
    from symbptt.numeric import random_values
    rec = derivation("tanh").recurrence
    env = rec.bindings(3, 2)
    values = random_values(rec, env, random.Random(0))
    W = env[rec.W].xreplace(values)
    assert W != W.T and env[rec.W_in].shape == (3, 2)


@pytest.mark.parametrize("name", NAMES)
def test_numeric_check_rejects_transposed_weight(name):
    from symbptt.numeric import numeric_check
    d = derivation(name)
    rec = d.recurrence
    res = d.result()
    wrong = sp.Transpose(rec.W) if res == rec.W else sp.MatMul(sp.Transpose(rec.W), res.args[-1])
    assert not numeric_check(rec, wrong, 3, 5).passed


@given(name=st.sampled_from(NAMES), n=st.integers(1, 5), m=st.integers(1, 4),
       seed=st.integers(0, 2**16))
def test_property_expansion_and_numeric_agree(name, n, m, seed):
    d = symbptt.derive(name, dim=n, inputs=m, seed=seed, layout="both")
    assert d.expansion.verified
    assert d.numeric.passed
    assert d.expansion.jacobian.shape == (n, n)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(dim=0), "dim must be a whole number from 1"),
        (dict(dim=-3), "dim must be a whole number from 1"),
        (dict(dim=2.5), "dim must be a whole number from 1"),
        (dict(dim=True), "dim must be a whole number from 1"),
        (dict(dim="2"), "dim must be a whole number from 1"),
        (dict(activation="softplus"), "choose one of: sigma, tanh, sigmoid, relu, identity"),
        (dict(layout="sideways"), "choose one of: numerator, denominator, both"),
        (dict(inputs=0), "inputs must be a whole number"),
    ],
)
def test_bad_input_names_accepted_values(kwargs, fragment):
    with pytest.raises(symbptt.InputError, match=fragment):
        symbptt.derive(**kwargs)


def test_symbolic_only_has_no_expansion():
    d = derivation("tanh", dim=None)
    assert d.expansion is None and d.numeric is None and d.verified


def test_expansion_reports_progress_per_row():
    from symbptt.expand import expand
    d = derivation("tanh")
    calls = []
    e = expand(d.recurrence, d.result(), 5, 2, progress=lambda done, total: calls.append((done, total)))
    assert e.verified and calls == [(5 * i, 25) for i in range(1, 6)]


def test_fast_path_and_sympy_fallback_agree_on_a_wrong_form():
    """A closed form outside the fast shapes (a sum) goes through SymPy, and still fails."""
    from symbptt.expand import expand
    d = derivation("sigmoid")
    rec, right = d.recurrence, d.result()
    assert expand(rec, sp.MatAdd(right, sp.ZeroMatrix(rec.n, rec.n)), 3, 2).verified
    wrong = sp.MatAdd(right, sp.Transpose(rec.W))
    e = expand(rec, wrong, 3, 2)
    assert len(e.mismatches) == 9


def test_large_expansion_matches_sympy_on_sampled_entries():
    d = symbptt.derive("tanh", dim=40, inputs=3)
    J, env = sympy_jacobian(d, 40, 3)
    for i, j in [(0, 0), (3, 17), (39, 1), (22, 22)]:
        assert d.expansion.jacobian[i, j] == J[i, j]
    assert d.expansion.entries == 1600 and d.expansion.verified


@pytest.mark.parametrize("form", ["elman", "row", "row-elman"])
@pytest.mark.parametrize("name", NAMES)
def test_other_forms_verify_every_route(form, name):
    d = symbptt.derive(name, dim=3, inputs=2, recurrence=form)
    assert d.verified and all(c.ok for c in d.checks) and d.expansion.verified and d.numeric.passed
    rec = d.recurrence
    env = rec.bindings(3, 2)
    J = env[rec.x_t].jacobian(env[rec.x_prev])  # SymPy's own, numerator layout
    for layout in Layout:
        assert not mismatches(explicit(d.result(layout), env), to_layout(J, layout))
        got, closed = d.expansion.in_layout(layout)
        assert not mismatches(got, to_layout(J, layout))


@pytest.mark.parametrize("form", ["pascanu", "elman", "row", "row-elman"])
def test_form_results_have_the_documented_shape(form):
    rec = symbptt.derive("tanh", dim=None, recurrence=form).recurrence
    num, den = (symbptt.derive("tanh", dim=None, recurrence=form).result(l) for l in Layout)
    D = lambda v: rec.derivative_diag(v)
    expected = {
        "pascanu": (sp.MatMul(rec.W, D(rec.x_prev)), sp.MatMul(D(rec.x_prev), sp.Transpose(rec.W))),
        "elman": (sp.MatMul(D(rec.a_t), rec.W), sp.MatMul(sp.Transpose(rec.W), D(rec.a_t))),
        "row": (sp.MatMul(sp.Transpose(rec.W), D(rec.x_prev)), sp.MatMul(D(rec.x_prev), rec.W)),
        "row-elman": (sp.MatMul(D(rec.a_t), sp.Transpose(rec.W)), sp.MatMul(rec.W, D(rec.a_t))),
    }[form]
    assert (num, den) == expected


def test_unknown_recurrence_names_the_forms():
    with pytest.raises(symbptt.InputError, match="choose one of: pascanu, elman, row"):
        symbptt.derive(recurrence="lstm")


def test_mismatches_treats_functions_as_atoms_and_keeps_the_full_expansion_as_second_opinion():
    from symbptt.explicit import mismatches

    x, y, w = sp.symbols("x y w", real=True)
    inner = sp.tanh(w * sp.tanh(x) + y)
    assert mismatches(sp.Matrix([[(1 - inner**2) * (w + 1) ** 2]]),
                      sp.Matrix([[w**2 + 2 * w + 1 - inner**2 * (w + 1) ** 2]])) == []
    # Equal only once the atoms' arguments are expanded: the second opinion sees it.
    assert mismatches(sp.Matrix([[sp.tanh(2 * (x + y))]]), sp.Matrix([[sp.tanh(2 * x + 2 * y)]])) == []
    # Not a polynomial (a negative power): expanded instead.
    assert mismatches(sp.Matrix([[(x**2 + x) / (x + y)]]), sp.Matrix([[x * (x + 1) / (x + y)]])) == []
    wrong = mismatches(sp.Matrix([[inner * w]]), sp.Matrix([[inner * y]]))
    assert [(i, j) for i, j, _, _ in wrong] == [(1, 1)]


def test_derivative_is_diffs():
    """`derivative` builds what SymPy's diff builds, on composed entries of every activation."""
    x, y, z = sp.symbols("x y z", real=True)
    for act in ("tanh", "sigmoid", "relu", "identity", "sigma"):
        f = ACTIVATIONS[act].apply
        exprs = [f(x * y + 2 * f(z * x - 1)) * (1 - f(y) ** 2), 3 * f(x) ** 3 / (1 + y ** 2),
                 sp.exp(f(x) * z) + x * y * z, f(f(f(x) + y) * x)]
        for e in exprs:
            for v in (x, y, z):
                assert derivative(e, v) == e.diff(v)


def test_product_is_sympys():
    """`product` gives SymPy's matrix product, entry for entry, zeros skipped alike."""
    from symbptt.explicit import product

    x, y = sp.symbols("x y", real=True)
    a = sp.Matrix([[sp.tanh(x), 0, 2], [x * y, 1 - sp.tanh(y) ** 2, 0]])
    b = sp.Matrix([[1, x], [0, 0], [y, sp.tanh(x + y)]])
    assert list(product(a, b)) == list(a * b)
    assert product(sp.zeros(0, 3), b).shape == (0, 2)
    with pytest.raises(sp.ShapeError):
        product(b, b)
