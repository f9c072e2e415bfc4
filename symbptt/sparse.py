"""Sparse polynomials over ℚ in numbered atoms: {term: coefficient}, a term the sorted tuple
of its atoms' numbers, an atom repeated as often as its power (x²y is (x, x, y)).

Dict arithmetic is many times faster than SymPy expanding expressions; the explicit
comparison (`explicit.differ`) and the cells' expansion (`cell_expand`) both work in it.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

Entry = dict  # term (sorted tuple of atom ids) → coefficient
ONE: Entry = {(): 1}


def number(x):
    """A SymPy number as an int or Fraction (kept as SymPy if irrational)."""
    x = sp.sympify(x)
    if x.is_Integer:
        return int(x)
    if x.is_Rational:
        return Fraction(int(x.p), int(x.q))
    return x


def add(out: Entry, e: Entry, scale=1) -> Entry:
    """out += scale · e, in place; zero coefficients dropped."""
    for t, c in e.items():
        c = out.get(t, 0) + c * scale
        if c:
            out[t] = c
        else:
            out.pop(t, None)
    return out


def mul(a: Entry, b: Entry) -> Entry:
    """a · b, a new entry (or `a` itself, when b is 1)."""
    if len(b) > len(a):
        a, b = b, a
    if len(b) == 1:  # by one monomial: no two products collide
        (tb, cb), = b.items()
        if not tb:
            return a if cb == 1 else {t: c * cb for t, c in a.items()}
        if len(tb) == 1:
            return {tuple(sorted(ta + tb)): ca * cb for ta, ca in a.items()}
        return {tuple(sorted(ta + tb)) if ta else tb: ca * cb for ta, ca in a.items()}
    out: Entry = {}
    for tb, cb in b.items():  # a times one monomial of b: distinct ta, distinct products
        add(out, {tuple(sorted(ta + tb)) if ta and tb else (ta or tb): ca * cb for ta, ca in a.items()})
    return out

