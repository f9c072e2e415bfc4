"""Ground truth for the public-source corpus (tests/data/corpus.py) by torch autograd.

For every entry the source's own recurrence is built in float64 at n = 3 (input size m = 2, so the
input matrix is not square) from a random non-symmetric W, and its one-step Jacobian
J = ∂(current state)/∂(previous state) is computed with torch.autograd.functional.jacobian, which
returns numerator layout. The entry's ``meaning`` matrix holds in the numerator layout when it
equals J, in the denominator layout when it equals Jᵀ, at every seed. That set must be the
entry's ``holds`` label: the test checks the transcription of each source, not symbptt.
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import pytest
import torch

from .data.corpus import ENTRIES, Entry

N = 3  # state size
M = 2  # input size (U is not square)
SEEDS = (0, 1, 2)
DTYPE = torch.float64

RECURRENCES = {"pre", "post", "pre-row", "post-row"}
LAYOUTS = {"numerator", "denominator"}
KINDS = {"paper", "book", "lecture notes", "slides", "blog", "Q&A", "code"}


def _sigmoid_prime(a: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(a)
    return s * (1 - s)


# σ and σ' for each activation; "generic" (σ, f, φ left unspecified) is tested as softplus.
ACTIVATIONS = {
    "tanh": (torch.tanh, lambda a: 1 - torch.tanh(a) ** 2),
    "sigmoid": (torch.sigmoid, _sigmoid_prime),
    "relu": (torch.relu, lambda a: (a > 0).to(a.dtype)),
    "identity": (lambda a: a, torch.ones_like),
    "generic": (torch.nn.functional.softplus, torch.sigmoid),
}


def _instance(entry: Entry, seed: int):
    """The source's recurrence at one random point: (v for `meaning`, numerator Jacobian J)."""
    act, dact = ACTIVATIONS[entry.activation]
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(N, N, generator=g, dtype=DTYPE) / math.sqrt(N)
    row = entry.recurrence.endswith("-row")
    U = torch.randn(*((M, N) if row else (N, M)), generator=g, dtype=DTYPE) / math.sqrt(M)
    b = 0.1 * torch.randn(N, generator=g, dtype=DTYPE)
    x = torch.randn(M, generator=g, dtype=DTYPE)
    h_prev = 0.8 * torch.randn(N, generator=g, dtype=DTYPE)

    def pre_activation(h: torch.Tensor) -> torch.Tensor:
        if entry.recurrence == "post":
            return W @ h + U @ x + b
        if entry.recurrence == "post-row":
            return h @ W + x @ U + b
        return h  # "pre" / "pre-row": σ is applied to the previous state itself

    def step(h: torch.Tensor) -> torch.Tensor:
        if entry.recurrence in ("post", "post-row"):
            return act(pre_activation(h))
        if entry.recurrence == "pre":
            return W @ act(h) + U @ x + b
        return act(h) @ W + x @ U + b  # "pre-row"

    J = torch.autograd.functional.jacobian(step, h_prev)
    v = SimpleNamespace(
        W=W,
        U=U,
        b=b,
        x=x,
        h_prev=h_prev,
        h=step(h_prev),
        a=pre_activation(h_prev),
        act=act,
        dact=dact,
        diag=torch.diag,
        I=torch.eye(N, dtype=DTYPE),
    )
    return v, J


def _layouts(entry: Entry) -> frozenset:
    """The layouts in which entry.meaning equals the true Jacobian, at every seed."""
    found = set(LAYOUTS)
    for seed in SEEDS:
        v, J = _instance(entry, seed)
        # the test needs W non-symmetric and σ' non-constant to tell the layouts apart
        assert not torch.allclose(v.W, v.W.T)
        matrix = entry.meaning(v)
        assert isinstance(matrix, torch.Tensor) and matrix.shape == (N, N), entry.id
        if not torch.allclose(matrix, J, rtol=1e-9, atol=1e-12):
            found.discard("numerator")
        if not torch.allclose(matrix, J.T, rtol=1e-9, atol=1e-12):
            found.discard("denominator")
    return frozenset(found)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_holds_matches_autograd(entry: Entry):
    computed = _layouts(entry)
    assert computed == entry.holds, (
        f"{entry.id}: labelled {sorted(entry.holds)} but torch autograd on the source's "
        f"{entry.recurrence!r} recurrence ({entry.activation}) gives {sorted(computed)}"
    )


def test_ids_unique():
    ids = [e.id for e in ENTRIES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_enough_entries():
    assert len(ENTRIES) >= 30


def test_languages():
    assert len({e.source.language for e in ENTRIES}) >= 3


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_fields(entry: Entry):
    assert entry.source.url.startswith("http"), entry.id
    assert re.fullmatch(r"[a-z]{2}", entry.source.language), entry.id
    assert entry.source.kind in KINDS, entry.id
    assert entry.source.title and entry.source.where, entry.id
    assert entry.recurrence in RECURRENCES, entry.id
    assert entry.activation in ACTIVATIONS, entry.id
    assert entry.holds <= LAYOUTS, entry.id
    assert entry.formula.strip() and len(entry.formula) <= 400, entry.id
    assert entry.printed.strip(), entry.id
    assert all(isinstance(a, str) for a in entry.args), entry.id
    # formula is cut from printed; where it is not, the note must say what was edited
    if entry.formula not in entry.printed:
        assert entry.note, f"{entry.id}: formula is not a substring of printed and has no note"


def test_required_sources_covered():
    def text(e: Entry) -> str:
        return f"{e.id} {e.source.title}".lower()

    required = {
        "Pascanu et al. 2013": lambda e: "pascanu" in text(e),
        "the Deep Learning book": lambda e: "goodfellow" in text(e) or "dlbook" in text(e),
        "Dive into Deep Learning": lambda e: "d2l" in text(e),
        "CS224n": lambda e: "cs224n" in text(e),
        "CS224d": lambda e: "cs224d" in text(e),
        "a blog": lambda e: e.source.kind == "blog",
        "code": lambda e: e.source.kind == "code",
        "Q&A": lambda e: e.source.kind == "Q&A",
    }
    missing = [name for name, has in required.items() if not any(has(e) for e in ENTRIES)]
    assert not missing, missing


def test_both_verdicts_present():
    """The corpus holds formulas that are right in each layout and formulas right in neither."""
    verdicts = {e.holds for e in ENTRIES}
    assert frozenset({"numerator"}) in verdicts
    assert frozenset({"denominator"}) in verdicts
    assert frozenset() in verdicts
