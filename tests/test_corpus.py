"""`check` on formulas as real sources print them (tests/data/corpus.py).

The ground truth is the corpus's: each formula's meaning, evaluated with torch, against torch
autograd on the source's own recurrence (tests/test_corpus_truth.py checks every label). Here
`check` must agree with it:

* with the source's recurrence given (``-r``), the layouts in which `check` says the formula
  holds are exactly the ones the ground truth says, for at least 90% of the corpus;
* never a wrong verdict, with or without ``-r``: no layout said to hold where it does not,
  and no formula that is right in some layout called wrong in every reading;
* what is still refused is exactly the "Not yet accepted" list of the docs' check page.
"""

from __future__ import annotations

import functools
import json
import re

import pytest

from symbptt.cli import main

from .conftest import ROOT
from .data.corpus import ENTRIES

#: The corpus's recurrence names → `check`'s forms.
FORMS = {"pre": "pascanu", "post": "elman", "pre-row": "row", "post-row": "row-elman"}
ACTIVATIONS = {"generic": None, "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "identity": "identity"}
BY_ID = {e.id: e for e in ENTRIES}


def _argv(entry, given_form: bool) -> list[str]:
    args = list(entry.args)
    if given_form and "--recurrence" not in args and "-r" not in args:
        args += ["--recurrence", FORMS[entry.recurrence]]
    if not given_form:  # the formula's own symbols choose the form
        for flag in ("--recurrence", "-r"):
            if flag in args:
                k = args.index(flag)
                del args[k:k + 2]
    if ACTIVATIONS[entry.activation] and "--activation" not in args and "-a" not in args:
        args += ["--activation", ACTIVATIONS[entry.activation]]
    return ["check", entry.formula, *args, "--format", "json"]


@functools.lru_cache(maxsize=None)
def judged(entry_id: str, given_form: bool):
    """(exit status, JSON report or the error line) of `check` on one corpus entry."""
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(_argv(BY_ID[entry_id], given_form))
    if code != 0:
        return code, err.getvalue().strip()
    return code, json.loads(out.getvalue())


def holds(report: dict) -> frozenset:
    return frozenset(l for l in ("numerator", "denominator") if report[l]["holds"])


#: The page holding the "Not yet accepted" list (the reference moved from the README to docs/).
CHECK_PAGE = ROOT / "docs" / "check.md"


def not_yet_accepted() -> set[str]:
    """The corpus ids the docs' check page lists as refused."""
    page = CHECK_PAGE.read_text(encoding="utf-8")
    assert page.count("\n## Not yet accepted\n") == 1, "the check page lost its 'Not yet accepted' section"
    section = page.split("\n## Not yet accepted\n", 1)[1].split("\n## ", 1)[0].split("\n# ", 1)[0]
    return set(re.findall(r"`corpus:([\w.-]+)`", section))


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_no_wrong_verdict(entry):
    for given_form in (True, False):
        code, report = judged(entry.id, given_form)
        if code != 0:
            assert code == 2 and "\n" not in report and "Traceback" not in report
            continue
        said = holds(report)
        if given_form:  # the verdicts are about the source's own form
            assert said <= entry.holds, f"{entry.id}: says it holds in {set(said)}, truth {set(entry.holds)}"
        if entry.holds:
            assert said or report["readings"], f"{entry.id}: a right formula refuted in every reading"


def test_corpus_is_judged_as_its_ground_truth_says():
    right, refused, misjudged = [], [], []
    for entry in ENTRIES:
        code, report = judged(entry.id, True)
        if code != 0:
            refused.append(entry.id)
        elif holds(report) == entry.holds:
            right.append(entry.id)
        else:
            misjudged.append(entry.id)
    score = len(right) / len(ENTRIES)
    print(f"\ncorpus: {len(right)}/{len(ENTRIES)} judged as the ground truth says ({score:.0%}); "
          f"refused {refused}; misjudged {misjudged}")
    assert score >= 0.9, (refused, misjudged)
    assert set(refused) == not_yet_accepted(), "docs/check.md's 'Not yet accepted' list is out of date"


def test_the_source_form_is_inferred_where_the_formula_decides():
    # Formulas whose symbols decide the form get their source's form without -r.
    decided = {"dlbook-eq10.21": "elman", "pascanu2013-eq5": "pascanu"}
    for entry_id, form in decided.items():
        code, report = judged(entry_id, False)
        assert code == 0 and report["form"]["key"] == form, report
