"""The generic cell engine (equations over matrix symbols, partials and the chain rule
through intermediates) reproduces the RNN forms' Jacobians: a form is one more cell."""

from __future__ import annotations

import pytest
import sympy as sp

from symbptt.activations import ACTIVATIONS
from symbptt.cell import Cell, INPUT, state_next, state_prev
from symbptt.chain import chain
from symbptt.explicit import explicit, mismatches
from symbptt.matrix import matrix_route
from symbptt.model import FORMS, M, Recurrence
from symbptt.steps import Prose
from symbptt.verify import verify_cell_routes


def _as_cell(rec: Recurrence) -> tuple[Cell, dict]:
    """The recurrence's column form as a one-equation cell with state s and input x_t."""
    rename = {rec.x_prev: state_prev("s"), rec.u: sp.MatrixSymbol(INPUT, M, 1)}
    rhs = rec.rhs().xreplace(rename)
    cell = Cell(rec.form, rec.cell.title, "symbptt.model.FORMS", Prose(""), ("s",), ((state_next("s"), rhs),))
    return cell, rename


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("activation", ["tanh", "sigma", "relu"])
def test_generic_chain_reproduces_the_form(form, activation):
    rec = Recurrence(ACTIVATIONS[activation], form=form)
    cell, rename = _as_cell(rec)
    ch = chain(cell)
    assert all(c.ok for c in verify_cell_routes(ch.routes, cell))
    expected = matrix_route(rec).result.xreplace({rec.a_t: rec.pre_activation()}).xreplace(rename)
    got = ch.block(cell.next[0], cell.prev[0])
    for n, m in ((2, 3), (3, 2)):
        env = cell.bindings(n, m, total=True)
        assert not mismatches(explicit(got, env), explicit(expected, env))
    # and a wrong closed form is told apart
    env = cell.bindings(2, 3, total=True)
    assert mismatches(explicit(sp.Transpose(got), env), explicit(expected, env))


@pytest.mark.parametrize("key", ["lstm", "gru"])
def test_a_transposed_factor_in_one_step_is_reported_there_alone(key):
    """Steps share their explicit subtrees (one Env per size): a step whose right side has a
    weight U transposed fails, every other step of every route still passes."""
    from symbptt.cell_derivation import denominator_route, get_cell
    from symbptt.steps import Route, Step

    cell = get_cell(key)
    ch = chain(cell)
    routes = (*ch.routes, denominator_route(ch))
    for r, route in enumerate(routes):
        k, step = next((k, s) for k, s in enumerate(route.steps)
                       if any(a.name.startswith("U") for a in s.rhs.atoms(sp.MatrixSymbol)))
        U = next(a for a in step.rhs.atoms(sp.MatrixSymbol) if a.name.startswith("U"))
        wrong = Step(step.rule, step.lhs, step.rhs.xreplace({U: sp.Transpose(U)}), step.note, step.where)
        bad = Route(route.key, route.title, route.layout,
                    route.steps[:k] + (wrong,) + route.steps[k + 1:], route.result)
        checks = verify_cell_routes(routes[:r] + (bad,) + routes[r + 1:], cell)
        failed = [(c.route, c.index) for c in checks if not c.ok]
        assert failed == [(route.key, k + 1)], (route.key, failed)
