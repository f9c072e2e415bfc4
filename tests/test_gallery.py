"""reports/ is exactly what the code produces today, byte for byte."""

from __future__ import annotations

from symbptt.gallery import build

from .conftest import ROOT


FIGURES = {".png", ".pdf"}


def test_committed_gallery_is_up_to_date(tmp_path):
    written = build(tmp_path)
    committed = ROOT / "reports"
    assert sorted(p.name for p in written) == sorted(p.name for p in committed.iterdir()), (
        "reports/ holds other files than the gallery: run `python -m symbptt gallery`")
    # Reports must match byte for byte. Figures depend on the matplotlib version too, so
    # they are checked for presence here and for determinism in test_bptt.
    stale = [p.name for p in written
             if p.suffix not in FIGURES and p.read_bytes() != (committed / p.name).read_bytes()]
    assert not stale, f"stale gallery files {stale}: regenerate with `python -m symbptt gallery`"
