"""ASNG, SNG and AdamNG: thin ask/tell classes, each holding one state of its update rule in
:mod:`asng_opt.updates` (the toy study, the black-box runner and the NAS search all call exactly
these functions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from . import _checks, updates
from .distribution import Distribution
from .optimizer import Optimizer
from .space import Space

__all__ = ["ASNG", "SNG", "AdamNG", "STEP_SIZE_MAX"]

#: the largest step size accepted (ASNG's delta0, SNG's delta, Adam's lr). The natural-gradient step
#: has Fisher length delta; a categorical distribution is crossed by steps of length ~1 and ASNG caps
#: its radius at sqrt(n_theta), so larger values buy nothing and only risk overflow at extreme scales.
STEP_SIZE_MAX = 1e6
#: how far above 1 a loaded gamma may lie: gamma <- (1 - beta)^2 gamma + beta (2 - beta) stays <= 1
#: in exact arithmetic but can round a few ulps above it (the update's own states must load)
GAMMA_ROUNDING = 1e-9


class ASNG(Optimizer):
    """Adaptive Stochastic Natural Gradient (Algorithm 1 with the normalised accumulation of sec. 2.4).

    Args:
        distribution: the search space.
        lam: samples per update (lambda_theta), >= 2; the paper's default is 2.
        alpha: target ratio ||s||^2 / gamma of the step-size adaptation, finite and > 1 (paper 1.5).
        delta0: initial trust-region radius delta_theta^0, in (0, 1e6] (paper 1). The radius used,
            delta_theta = delta0 / Delta, is capped at sqrt(n_theta) (beta <= 1, see
            :func:`asng_opt.updates.asng_delta_floor`).
        delta_max: upper bound Delta_max on Delta (so delta_theta >= delta0 / delta_max), > 0.
        seed, maximize, theta: see :class:`~asng_opt.optimizer.Optimizer`.

    State (``state``, an :class:`~asng_opt.updates.ASNGState`): theta, s ``(n_theta,)``, gamma
    and Delta (floats), starting at s = 0, gamma = 0, Delta = 1.

    Raises:
        ValueError: for arguments outside these ranges (and the base class's checks).
    """

    state_fields: tuple[str, ...] = ("theta", "s", "gamma", "Delta")

    def __init__(
        self,
        distribution: Distribution | Space,
        lam: int = 2,
        alpha: float = 1.5,
        delta0: float = 1.0,
        delta_max: float = np.inf,
        seed: Any = None,
        maximize: bool = False,
        theta: Any = None,
    ):
        name = type(self).__name__
        self.alpha = _checks.positive("alpha", alpha, name)
        if self.alpha <= 1:
            raise ValueError(f"{name}: alpha must be > 1, got {alpha!r}")
        self.delta0 = _checks.positive("delta0", delta0, name, upper=STEP_SIZE_MAX)
        self.delta_max = _checks.positive("delta_max", delta_max, name, allow_inf=True)
        super().__init__(distribution, lam, seed, maximize, theta)

    @property
    def delta(self) -> float:
        """The trust-region radius delta_theta = delta0 / Delta that the next tell uses
        (at most sqrt(n_theta))."""
        return float(updates.asng_delta(self.distribution, self.state.Delta, self.delta0))

    def hyper(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "delta0": self.delta0, "delta_max": self.delta_max}

    def _init_state(self) -> NamedTuple:
        st = updates.asng_init(self.distribution)
        return st._replace(gamma=0.0, Delta=1.0)

    def _check_state(self, values: Mapping[str, Any], where: str) -> None:
        if not 0 <= float(values["gamma"]) <= 1 + GAMMA_ROUNDING:  # rounding: see GAMMA_ROUNDING
            raise ValueError(f"{where}: 'gamma' must lie in [0, 1], got {float(values['gamma'])!r}")
        if not float(values["Delta"]) > 0:
            raise ValueError(f"{where}: 'Delta' must be > 0, got {float(values['Delta'])!r}")

    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        new = updates.asng_update(self.distribution, state, raw, weights, self.delta0, self.alpha, self.delta_max)
        return new if new is state else new._replace(gamma=float(new.gamma), Delta=float(new.Delta))


class SNG(Optimizer):
    """Stochastic natural gradient with a constant trust region (eqs. 13-14):
    theta <- Proj(theta + delta G / ||G||_F).

    Args:
        distribution, lam, seed, maximize, theta: see :class:`~asng_opt.optimizer.Optimizer`.
        delta: the trust-region radius, in (0, 1e6]. The paper gives no default (figure 1 sweeps
            it); ours is 0.1.

    Raises:
        ValueError: for arguments outside these ranges.
    """

    state_fields = ("theta",)

    def __init__(
        self,
        distribution: Distribution | Space,
        lam: int = 2,
        delta: float = 0.1,
        seed: Any = None,
        maximize: bool = False,
        theta: Any = None,
    ):
        self.delta = _checks.positive("delta", delta, "SNG", upper=STEP_SIZE_MAX)
        super().__init__(distribution, lam, seed, maximize, theta)

    def hyper(self) -> dict[str, Any]:
        return {"delta": self.delta}

    def _init_state(self) -> NamedTuple:
        return updates.sng_init(self.distribution)

    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        return updates.sng_update(self.distribution, state, raw, weights, self.delta)


class AdamNG(Optimizer):
    """Adam (Kingma & Ba, 2015) on the natural gradient divided by its Fisher norm, then projection
    onto Theta: the baseline of the paper's figure 1 (``lr`` plays the role of delta_theta^0 there).

    Args:
        distribution, lam, seed, maximize, theta: see :class:`~asng_opt.optimizer.Optimizer`.
        lr: learning rate, in (0, 1e6].
        beta1, beta2: moment decay rates, in [0, 1).
        eps: added to sqrt(v_hat), finite and > 0.

    State: theta, the moments m and v ``(n_theta,)``, and the step count (``t_adam`` in
    ``state_dict``).

    Raises:
        ValueError: for arguments outside these ranges.
    """

    state_fields = ("theta", "m", "v", "t_adam")

    def __init__(
        self,
        distribution: Distribution | Space,
        lam: int = 2,
        lr: float = 0.01,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        seed: Any = None,
        maximize: bool = False,
        theta: Any = None,
    ):
        self.lr = _checks.positive("lr", lr, "AdamNG", upper=STEP_SIZE_MAX)
        for nm, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= _checks.number(nm, b, "AdamNG") < 1:
                raise ValueError(f"AdamNG: {nm} must be in [0, 1), got {b!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = _checks.positive("eps", eps, "AdamNG")
        super().__init__(distribution, lam, seed, maximize, theta)

    def hyper(self) -> dict[str, Any]:
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def _init_state(self) -> NamedTuple:
        return updates.adam_init(self.distribution)._replace(t=0)

    def _check_state(self, values: Mapping[str, Any], where: str) -> None:
        if np.any(values["v"] < 0):
            raise ValueError(f"{where}: Adam's second moment 'v' must be >= 0")
        t = values["t_adam"]
        if t < 0 or t != np.floor(t):
            raise ValueError(f"{where}: 't_adam' must be a count of steps, got {t!r}")

    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        new = updates.adam_update(self.distribution, state, raw, weights, self.lr, self.beta1, self.beta2, self.eps)
        return new if new is state else new._replace(t=int(new.t))
