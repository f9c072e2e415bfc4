"""reports/ is exactly what the code produces today, byte for byte."""

from __future__ import annotations

from symbptt.gallery import build

from .conftest import ROOT


def test_committed_gallery_is_up_to_date(tmp_path):
    written = build(tmp_path)
    committed = ROOT / "reports"
    assert sorted(p.name for p in written) == sorted(p.name for p in committed.iterdir()), (
        "reports/ holds other files than the gallery: run `python -m symbptt gallery`")
    # Reports and figures (written by symbptt itself, no library version in them) match byte for byte.
    stale = [p.name for p in written if p.read_bytes() != (committed / p.name).read_bytes()]
    assert not stale, f"stale gallery files {stale}: regenerate with `python -m symbptt gallery`"
