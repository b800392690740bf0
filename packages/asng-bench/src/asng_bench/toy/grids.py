"""The grids of figures 1 and 3.

* figure 1: ASNG (alpha = 1.5), SNG and Adam, delta0 (Adam's learning rate) in
  ``{120^-f : f = 0, 0.25, ..., 1.5}``, eps_x in ``{0.05, 0.0005}``;
* figure 3: ASNG with alpha in ``{1.1, 1.5, 2, 3, 5}`` on the same grid.
"""

from __future__ import annotations

from .settings import Setting

__all__ = ["N_C", "F_EXPONENTS", "EPS_X", "ALPHAS", "FIGURES", "delta0_grid", "figure_settings"]

N_C = 120  #: (K - 1) D, the base of the delta0 grid
F_EXPONENTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
EPS_X = (0.05, 0.0005)
ALPHAS = (1.1, 1.5, 2.0, 3.0, 5.0)
FIGURES = (1, 3)


def delta0_grid() -> list[float]:
    """``120^-f`` for ``f = 0, 0.25, ..., 1.5`` (7 values, 1 down to 7.6e-4)."""
    return [float(N_C**-f) for f in F_EXPONENTS]


def figure_settings(figure: int) -> list[Setting]:
    """The settings of figure 1 (42) or figure 3 (70)."""
    out = []
    for eps in EPS_X:
        for d0 in delta0_grid():
            if figure == 1:
                out += [Setting("asng", eps, d0, 1.5), Setting("sng", eps, d0), Setting("adam", eps, d0)]
            elif figure == 3:
                out += [Setting("asng", eps, d0, a) for a in ALPHAS]
            else:
                raise ValueError(f"figure must be 1 or 3, got {figure!r}")
    return out
