"""symbptt: Jacobians of recurrent networks, derived three ways and written up as proofs.

    >>> import symbptt
    >>> d = symbptt.derive("tanh", dim=2)
    >>> d.result("numerator")          # W·diag(1 − tanh²(x_{t-1})), n×n
    >>> d.verified
    True
"""

from .activations import ACTIVATIONS, Activation
from .derivation import Derivation, derive
from .errors import InputError, OutputError, SymbpttError, UnsupportedError
from .layout import Jacobian, Layout

__all__ = [
    "ACTIVATIONS", "Activation", "Derivation", "derive", "InputError", "OutputError",
    "SymbpttError", "UnsupportedError", "Jacobian", "Layout", "derive_cell", "cell_bptt", "check_cell", "CELLS",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    """The gated cells' front doors, imported on first use (not at start-up)."""
    if name in ("derive_cell", "CELLS"):
        from . import cell_derivation, cells
        return {"derive_cell": cell_derivation.derive_cell, "CELLS": cells.CELLS}[name]
    if name == "cell_bptt":
        from .cell_bptt import cell_bptt
        return cell_bptt
    if name == "check_cell":
        from .cell_check import check_cell
        return check_cell
    raise AttributeError(f"module 'symbptt' has no attribute {name!r}")

# The renderer attaches Derivation's display methods (to_markdown, _repr_latex_, ...):
# the engine itself never imports it.
from . import render as _render  # noqa: E402,F401
