"""The cells' explicit expansion on lightweight atoms: it agrees with SymPy, and it catches errors.

Three independent sides: the fast expansion (`cell_expand.expand_cell`), the former
SymPy-only expansion (`expand_cell_sympy`), and SymPy's own differentiation of the equations
written out in full (`Cell.bindings(..., total=True)`, `jacobian_entries`).
"""

from __future__ import annotations

import pytest
import sympy as sp

from symbptt import cell_expand
from symbptt.activations import ACTIVATIONS
from symbptt.cell_derivation import transposed
from symbptt.cell_expand import KEEP, differentiated, expand_cell, expand_cell_sympy, through_itself
from symbptt.cells import CELLS
from symbptt.chain import chain
from symbptt.explicit import explicit, jacobian_entries
from symbptt.model import ARG, N

KEYS = list(CELLS)


@pytest.fixture(scope="module")
def chains():
    return {key: chain(cell) for key, cell in CELLS.items()}


class Wrong:
    """A chain whose closed forms are changed by `change(v, s, block)` (None: the block is
    claimed to be zero)."""

    def __init__(self, ch, change):
        self.cell, self._ch, self._change = ch.cell, ch, change
        self.totals = {k: b for k, b in ch.totals.items()
                       if k[0] not in ch.cell.next or change(*k, ch.block(*k)) is not None}

    def block(self, v, s):
        return self._change(v, s, self._ch.block(v, s))


def _no_fallback(monkeypatch):
    def refuse(*args):
        raise AssertionError("the fast expansion fell back to SymPy")
    monkeypatch.setattr(cell_expand, "expand_cell_sympy", refuse)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("n", [1, 2])
def test_fast_expansion_agrees_with_the_sympy_one(key, n, chains, monkeypatch):
    ch = chains[key]
    reference = expand_cell_sympy(ch, n, n + 1)
    _no_fallback(monkeypatch)
    fast = expand_cell(ch, n, n + 1)
    assert fast.verified and reference.verified
    assert fast.entries == reference.entries == len(ch.cell.states) ** 2 * n * n
    assert (fast.n, fast.m) == (n, n + 1)
    assert list(fast.blocks) == list(reference.blocks)
    for k, matrix in reference.blocks.items():
        assert isinstance(fast.blocks[k], sp.Matrix) and fast.blocks[k] == matrix


@pytest.mark.parametrize("key", KEYS)
def test_differentiated_entries_are_sympys_derivatives_of_the_written_out_cell(key):
    """The fast route's entries, named atoms written out, against SymPy differentiating the
    equations written out in full (no named atoms at all)."""
    cell, n, m = CELLS[key], 2, 3
    total = cell.bindings(n, m, total=True)
    partial = cell.bindings(n, m, total=False)
    back = {partial[lhs][i]: total[lhs][i] for lhs, _ in cell.equations for i in range(n)}
    got = differentiated(cell, n, m)
    for v in cell.next:
        for s in cell.prev:
            J = jacobian_entries(list(total[v]), list(total[s]))
            for i in range(n):
                for j in range(n):
                    assert sp.expand(got[v, s][i, j].xreplace(back) - J[i, j]) == 0, (v, s, i, j)


@pytest.mark.parametrize("key", KEYS)
def test_n_1(key, chains, monkeypatch):
    _no_fallback(monkeypatch)
    ch = chains[key]
    e = expand_cell(ch, 1, 1)
    assert e.verified and e.entries == len(ch.cell.states) ** 2
    env = ch.cell.bindings(1, 1, total=False)
    for (v, s), matrix in e.blocks.items():
        assert matrix.shape == (1, 1)
        want = explicit(ch.block(v, s), env) if (v, s) in ch.totals else sp.zeros(1, 1)
        assert matrix == want


def _swap(a: str, b: str, where=("h@t", "h@t-1")):
    """U_a and U_b swapped in block `where` only."""
    A, B = sp.MatrixSymbol(a, N, N), sp.MatrixSymbol(b, N, N)
    return lambda v, s, block: block.xreplace({A: B, B: A}) if (v.name, s.name) == where else block


@pytest.mark.parametrize("key, change, block", [
    ("gru", _swap("U_z", "U_r"), ("h@t", "h@t-1")),
    ("gru-torch", _swap("U_z", "U_r"), ("h@t", "h@t-1")),
    ("gru-chung", _swap("U_n", "U_r"), ("h@t", "h@t-1")),
    ("lstm", _swap("U_i", "U_f"), ("h@t", "h@t-1")),
    ("lstm-peephole", _swap("U_o", "U_g"), ("h@t", "h@t-1")),
    ("gru", lambda v, s, b: transposed(b), ("h@t", "h@t-1")),
    ("lstm", lambda v, s, b: transposed(b) if v.name == "c@t" else b, ("c@t", "h@t-1")),
    ("lstm", lambda v, s, b: None if (v.name, s.name) == ("h@t", "c@t-1") else b, ("h@t", "c@t-1")),
])
def test_a_wrong_closed_form_is_caught(key, change, block, chains, monkeypatch):
    wrong = Wrong(chains[key], change)
    reference = expand_cell_sympy(wrong, 2, 3)
    _no_fallback(monkeypatch)
    e = expand_cell(wrong, 3, 4)
    assert not e.verified
    assert {(v, s) for v, s, *_ in e.mismatches} == {block}
    assert len(e.mismatches) <= KEEP
    for v, s, i, j, got, expected in e.mismatches:
        assert 1 <= i <= 3 and 1 <= j <= 3
        assert sp.expand(got - expected) != 0
    assert not reference.verified  # the SymPy expansion agrees that it is wrong
    assert {(v, s) for v, s, *_ in reference.mismatches} == {block}


H, R = sp.MatrixSymbol("h@t-1", N, 1), sp.MatrixSymbol("r@t", N, 1)
#: The vector of the GRUs' sum term U_n diag(h ⊙ r ⊙ (1 − r)) U_r, as the chain writes it.
MIDDLE = sp.HadamardProduct(H, R, sp.MatAdd(sp.OneMatrix(N, 1), sp.MatMul(-1, R)))


def _middle(new):
    """The sum term's vector h ⊙ r ⊙ (1 − r) replaced by `new` in block (h_t, h_{t-1})."""
    return lambda v, s, block: block.xreplace({MIDDLE: new}) if (v.name, s.name) == ("h@t", "h@t-1") else block


def _other_cell(key):
    """Block (h_t, h_{t-1}) of another cell's closed form: z and 1 − z swapped for the GRUs."""
    other = chain(CELLS[key])
    return lambda v, s, block: other.block(v, s) if (v.name, s.name) == ("h@t", "h@t-1") else block


def _transposed_u_r(v, s, block):
    U = sp.MatrixSymbol("U_r", N, N)
    return block.xreplace({U: U.T}) if (v.name, s.name) == ("h@t", "h@t-1") else block


@pytest.mark.parametrize("n", [3, 8])
@pytest.mark.parametrize("key, change", [
    ("gru", _transposed_u_r),
    ("gru-chung", _transposed_u_r),
    ("gru", _swap("U_n", "U_r")),
    ("gru", _other_cell("gru-chung")),
    ("gru-chung", _other_cell("gru")),
    ("gru", _middle(sp.HadamardProduct(R, sp.MatAdd(sp.OneMatrix(N, 1), sp.MatMul(-1, R))))),
    ("gru-chung", _middle(sp.HadamardProduct(H, R))),
])
def test_a_wrong_sum_term_is_caught(key, change, n, chains, monkeypatch):
    """The GRUs' closed forms with U_r transposed, U_n and U_r swapped, z and 1 − z swapped,
    or a wrong vector in U_n diag(h ⊙ r ⊙ (1 − r)) U_r: the factored sums do not hide it."""
    wrong = Wrong(chains[key], change)
    h_t, h = chains[key].cell.next[0], chains[key].cell.prev[0]
    assert wrong.block(h_t, h) != chains[key].block(h_t, h)
    _no_fallback(monkeypatch)
    e = expand_cell(wrong, n, n + 1)
    assert not e.verified
    assert {(v, s) for v, s, *_ in e.mismatches} == {("h@t", "h@t-1")}
    assert len(e.mismatches) == KEEP
    for v, s, i, j, got, expected in e.mismatches:
        assert 1 <= i <= n and 1 <= j <= n
        assert sp.expand(got - expected) != 0


@pytest.mark.parametrize("key", ["gru", "gru-chung"])
def test_the_gru_sum_term_is_compared_factored(key, chains, monkeypatch):
    """Cho's and Chung's GRUs at n = 8: every entry of U_n diag(h ⊙ r ⊙ (1 − r)) U_r agrees
    as a sum atom on both sides, none written out (that comparison would mean a mismatch)."""
    made = []
    sum_atom = cell_expand._Expander.sum

    def counted(self, *args):
        made.append(args)
        return sum_atom(self, *args)

    def refuse(self, e):
        raise AssertionError("an entry's sums were written out")
    monkeypatch.setattr(cell_expand._Expander, "sum", counted)
    monkeypatch.setattr(cell_expand._Expander, "flat", refuse)
    _no_fallback(monkeypatch)
    e = expand_cell(chains[key], 8, 9)
    assert e.verified and e.entries == 64
    assert {(F, G) for F, _, _, G, _ in made} == {("U_n", "U_r")}
    assert {(i, j) for _, i, _, _, j in made} == {(i, j) for i in range(1, 9) for j in range(1, 9)}
    assert len({u for _, _, u, _, _ in made}) == 1  # one vector h ⊙ r ⊙ (1 − r), both sides


@pytest.mark.parametrize("key, change", [
    ("gru-torch", _swap("U_z", "U_n")),
    ("gru", _swap("U_z", "U_n")),
    ("gru-chung", _middle(sp.HadamardProduct(H, R))),
])
def test_mismatches_at_the_same_entries_as_the_sympy_expansion(key, change, chains):
    """The same entries reported, with the same values (sum atoms written out)."""
    wrong = Wrong(chains[key], change)
    fast, reference = expand_cell(wrong, 2, 3), expand_cell_sympy(wrong, 2, 3)
    assert fast.mismatches
    assert [x[:4] for x in fast.mismatches] == [x[:4] for x in reference.mismatches]
    for a, b in zip(fast.mismatches, reference.mismatches):
        assert sp.expand(a[4] - b[4]) == 0 and sp.expand(a[5] - b[5]) == 0


def test_a_closed_form_outside_the_fast_node_types_falls_back_to_sympy(chains):
    ch = chains["lstm"]
    odd = Wrong(ch, lambda v, s, b: sp.Transpose(sp.Transpose(b)) if isinstance(b, sp.MatAdd) else b)
    assert isinstance(odd.block(*ch.cell.next[:1], ch.cell.prev[0]), sp.Transpose)
    e = expand_cell(odd, 2, 3)
    assert e.verified and e.entries == 16
    assert isinstance(e.blocks, dict)  # the SymPy expansion's blocks


def test_equal_entries_in_another_form_are_rechecked_not_reported(chains):
    """diag(1 − z) written as diag(1) − diag(z)·I: other terms structure, same entries."""
    ch = chains["gru-chung"]
    one, z = sp.OneMatrix(N, 1), sp.MatrixSymbol("z@t", N, 1)
    old = sp.DiagMatrix(sp.MatAdd(one, sp.MatMul(-1, z)))
    new = sp.MatAdd(sp.DiagMatrix(one), sp.MatMul(-1, sp.DiagMatrix(z), sp.Identity(N)))
    assert old in ch.block(ch.cell.next[0], ch.cell.prev[0]).args
    e = expand_cell(Wrong(ch, lambda v, s, b: b.xreplace({old: new})), 3, 4)
    assert e.verified


def test_blocks_are_built_when_read(chains):
    ch = chains["lstm"]
    e = expand_cell(ch, 8, 9)
    assert len(e.blocks) == 4 and not e.blocks._built
    h, c = ch.cell.next
    assert e.blocks[c, ch.cell.prev[1]] == sp.diag(*[sp.Symbol(f"f@t[{i}]", real=True) for i in range(1, 9)])
    assert len(e.blocks._built) == 1
    with pytest.raises(KeyError):
        e.blocks[h, h]


def test_activation_derivatives_through_themselves():
    s = ACTIVATIONS["sigmoid"].apply(ARG)
    assert sorted(through_itself(s)) == [(1, 1), (2, -1)]  # σ' = σ − σ²
    assert sorted(through_itself(ACTIVATIONS["tanh"].apply(ARG))) == [(0, 1), (2, -1)]  # 1 − tanh²
    assert through_itself(ACTIVATIONS["relu"].apply(ARG)) is None
    assert through_itself(ACTIVATIONS["sigma"].apply(ARG)) is None


def test_a_wrong_derivative_through_itself_is_caught():
    """The polynomial is checked against the exponential form, not taken from `fdiff`: a
    function claiming tanh' = 1 − tanh³ is refused."""

    class bad_tanh(sp.Function):
        def fdiff(self, argindex=1):
            return 1 - bad_tanh(self.args[0]) ** 3

        def _eval_rewrite_as_exp(self, arg, **kwargs):
            return sp.tanh(arg).rewrite(sp.exp)

    with pytest.raises(AssertionError, match="is not"):
        through_itself(bad_tanh(ARG))


def test_derive_cell_uses_the_fast_expansion():
    from symbptt import cell_derivation
    assert cell_derivation.expand_cell is expand_cell


def test_index_route_verifies_every_cell_and_catches_a_wrong_entry():
    """The index route's shown entries equal the entries' chain rule for every n; a formula
    with U_z transposed fails both the normal-form and the n = 2 checks."""
    import sympy as sp

    from symbptt.cell_index import index_route, verify_index_route
    from symbptt.chain import chain
    from symbptt.steps import Route, Step

    for cell in CELLS.values():
        ch = chain(cell)
        route, derived = index_route(ch)
        checks = verify_index_route(route, ch, derived)
        assert checks and all(c.ok for c in checks), cell.key
        assert sum(s.rule == "entry" for s in route.steps) == len(cell.states) ** 2
    cell = CELLS["gru"]
    ch = chain(cell)
    route, derived = index_route(ch)
    k, step = next((k, s) for k, s in enumerate(route.steps) if s.rule == "index-chain")
    U = sp.IndexedBase("U_z")
    i, j = sp.symbols("i j", integer=True, positive=True)
    wrong = step.rhs.xreplace({U[i, j]: U[j, i]})
    assert wrong != step.rhs
    bad = Route(route.key, route.title, route.layout,
                route.steps[:k] + (Step("index-chain", step.lhs, wrong),) + route.steps[k + 1:], None)
    result = verify_index_route(bad, ch, derived)
    assert not result[k].ok and all(c.ok for n, c in enumerate(result) if n != k)


def _with_U_z_transposed(ch, rule: str):
    """(route, derived, k, the route with U_z transposed in its first `rule` step): in the
    formula of an entry step (its left side), in the derived entry of an index-chain step
    (its right side)."""
    from symbptt import cell_index
    from symbptt.steps import Route, Step

    route, derived = cell_index.index_route(ch)
    k, step = next((k, s) for k, s in enumerate(route.steps) if s.rule == rule)
    U, i, j = sp.IndexedBase("U_z"), cell_index.i, cell_index.j
    side = step.lhs if rule == "entry" else step.rhs
    wrong = side.xreplace({U[i, j]: U[j, i]})
    assert wrong != side
    changed = Step(rule, wrong, step.rhs) if rule == "entry" else Step(rule, step.lhs, wrong)
    return route, derived, k, Route(route.key, route.title, route.layout,
                                    route.steps[:k] + (changed,) + route.steps[k + 1:], None)


def test_a_wrong_entry_step_is_caught_against_the_shared_block_entry(chains):
    """The entry step compares its formula with the matrix-level entry (`block_entry`, which
    index_route also shows, derived once): a formula with U_z transposed fails there alone,
    and the correct route still passes afterwards."""
    from symbptt import cell_index

    ch = chains["gru"]
    route, derived, k, bad = _with_U_z_transposed(ch, "entry")
    result = cell_index.verify_index_route(bad, ch, derived)
    assert [n for n, c in enumerate(result) if not c.ok] == [k]
    assert "differs from the matrix-level entry" in result[k].detail
    assert all(c.ok for c in cell_index.verify_index_route(route, ch, derived))


def _at_reference(expr, r, c):
    """`cell_index._at` as three passes: substitute, unroll the sums, name the entries."""
    from symbptt.cell_index import CHECK_M, CHECK_N, i, j
    from symbptt.model import M, element

    expr = expr.xreplace({i: r, j: c, N: CHECK_N, M: CHECK_M})
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Add(*[
        e.function.xreplace({e.limits[0][0]: v}) for v in range(int(e.limits[0][1]), int(e.limits[0][2]) + 1)]))
    return expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: element(e.base.label.name, *map(int, e.indices)))


@pytest.mark.parametrize("key", KEYS)
def test_index_entries_at_n_2_are_the_three_pass_substitution(key, chains):
    """The one-pass `_at` builds exactly (srepr) what substituting, unrolling and renaming build."""
    from symbptt.cell_index import _at, index_route

    route, _ = index_route(chains[key])
    for step in route.steps:
        if step.rule in ("index-chain", "component"):
            for r, c in ((1, 1), (1, 2), (2, 1), (2, 2)):
                assert sp.srepr(_at(step.rhs, r, c)) == sp.srepr(_at_reference(step.rhs, r, c))


def test_a_wrong_index_entry_is_caught_at_n_2_alone(chains, monkeypatch):
    """With the normal-form comparison made to pass, U_z transposed is still caught at n = 2."""
    from symbptt import cell_index

    ch = chains["gru"]
    route, derived, k, bad = _with_U_z_transposed(ch, "index-chain")
    monkeypatch.setattr(cell_index, "normal_form", lambda expr: sp.Integer(0))
    result = cell_index.verify_index_route(bad, ch, derived)
    assert not result[k].ok and "differs from the cell differentiated" in result[k].detail


@pytest.mark.parametrize("key", KEYS)
def test_differ_is_expand_on_every_entry_right_or_wrong(key, chains):
    """`explicit.differ` decides as `sp.expand(a - b) != 0` does, on each block's entries at
    n = 2 (everything written out) against the cell differentiated: the closed form, and
    the closed form transposed (wrong off the diagonal)."""
    from symbptt.explicit import differ

    ch = chains[key]
    env = ch.cell.bindings(2, 3, total=True)
    verdicts = set()
    for (v, s) in ch.totals:
        if v not in ch.cell.next:
            continue
        truth = jacobian_entries(list(env[v]), list(env[s]))
        closed = explicit(ch.block(v, s), env)
        for shown in (closed, closed.T):
            for a, b in zip(shown, truth):
                verdict = differ(a, b)
                assert verdict == (sp.expand(a - b) != 0)
                verdicts.add(verdict)
    assert verdicts == {True, False}


def test_differ_on_atoms_powers_and_numbers():
    """Function atoms equal once their arguments are expanded are one atom; exp, negative
    powers and constants go to `sp.expand`; numbers alone compare exactly."""
    from symbptt.activations import logistic
    from symbptt.explicit import differ

    x, y = sp.symbols("x y", real=True)
    inner = sp.tanh(logistic(x) * (y + 1))
    assert not differ(sp.tanh(inner) * 2, sp.tanh(sp.tanh(logistic(x) * y + logistic(x))) + sp.tanh(inner))
    assert differ(sp.tanh(inner), sp.tanh(sp.tanh(logistic(x) * y)))
    assert not differ(sp.tanh(inner) * sp.exp(x + y), sp.tanh(inner) * sp.exp(x) * sp.exp(y))
    assert differ(sp.tanh(inner) / x, sp.tanh(inner) / y)
    assert not differ(sp.tanh(inner) / x, sp.tanh(inner) * x**-1)
    assert differ(sp.tanh(inner) * sp.pi, sp.tanh(inner) * 3)
    assert not differ(sp.Rational(1, 2) * sp.tanh(inner) ** 2, sp.tanh(inner) ** 2 - sp.tanh(inner) ** 2 / 2)
    assert differ(sp.Integer(1), sp.Rational(1, 3) * 3 + 1)
    assert not differ(sp.Integer(0), sp.Integer(0))


def test_mismatches_share_conversions_yet_judge_each_entry():
    """One `_Polynomials` for a whole comparison: subtrees shared between entries are
    converted once, but each entry is still decided on its own (a composed entry by its
    polynomials, exp by `sp.expand`, a wrong entry next to right ones found)."""
    from symbptt.explicit import mismatches

    x, y = sp.symbols("x y", real=True)
    inner = sp.tanh(sp.tanh(x) * (y + 1))
    got = sp.Matrix([[inner * 2, inner * y, sp.exp(x + y) * inner, x * y]])
    expected = sp.Matrix([[inner + sp.tanh(sp.tanh(x) * y + sp.tanh(x)), inner * y + inner,
                           sp.exp(x) * sp.exp(y) * inner, x * y + 1]])
    assert [(i, j) for i, j, *_ in mismatches(got, expected)] == [(1, 2), (1, 4)]
