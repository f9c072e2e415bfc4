"""The denominator-layout result, derived from the numerator one as its own short proof.

[∂x_t/∂x_{t-1}]_den = ([∂x_t/∂x_{t-1}]_num)ᵀ = (W D)ᵀ = Dᵀ Wᵀ = D Wᵀ, the last step
because D = diag(σ'(x_{t-1})) is diagonal.
"""

from __future__ import annotations

import sympy as sp

from .layout import Jacobian, Layout, to_layout
from .model import Recurrence
from .steps import Prose, Route, Step


def denominator_route(rec: Recurrence, numerator_result) -> Route:
    """∂x_t/∂x_{t-1} in denominator layout (n×n): the transpose of `numerator_result`."""
    J_num = Jacobian(rec.x_t, rec.x_prev)
    J_den = Jacobian(rec.x_t, rec.x_prev, Layout.DENOMINATOR)
    transposed = to_layout(numerator_result, Layout.DENOMINATOR)
    steps = [
        Step("transpose", J_den, to_layout(J_num, Layout.DENOMINATOR)),
        Step("substitute", to_layout(J_num, Layout.DENOMINATOR), transposed),
    ]
    result = transposed
    if isinstance(numerator_result, sp.Transpose):  # (Wᵀ)ᵀ = W
        result = numerator_result.arg
        steps.append(Step("diagonal", transposed, result))
    elif isinstance(numerator_result, sp.MatMul):
        # (A B)ᵀ = Bᵀ Aᵀ, then diag(v)ᵀ = diag(v) and (Aᵀ)ᵀ = A for each factor.
        reversed_product = sp.MatMul(*[sp.Transpose(a) for a in reversed(numerator_result.args)])
        result = sp.MatMul(*[a.arg.arg if isinstance(a.arg, sp.Transpose)
                             else a.arg if isinstance(a.arg, sp.DiagMatrix) else a
                             for a in reversed_product.args])
        steps.append(Step("transpose-product", transposed, reversed_product))
        if result != reversed_product:
            steps.append(Step("diagonal", reversed_product, result))
    steps.append(Step("assemble", J_den, result))
    return Route("denominator", "Denominator layout, from the numerator result",
                 Layout.DENOMINATOR, tuple(steps), result,
                 summary=Prose.of("The denominator-layout Jacobian {den} is the transpose of the "
                                  "numerator-layout one {num} derived above.", den=J_den, num=J_num))
