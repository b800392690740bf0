"""Ask/tell optimizers holding one state: ASNG, SNG and AdamNG.

Each class keeps one state of the pure update functions in :mod:`asng_opt.updates` and adds what
a user needs around them: sampling, input checks that leave the state untouched on error, the
ranking utility, persistence and a stopping test.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import updates
from .distribution import Distribution
from .ranking import ranking_utility

__all__ = ["ASNG", "SNG", "AdamNG", "Optimizer"]


def _samples_equal(a: Any, b: Any) -> bool:
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or set(a) != set(b):
            return False
        return all(_samples_equal(a[k], b[k]) for k in a)
    a = np.asarray(a)
    return a.shape == b.shape and np.array_equal(a, b)


def _copy_samples(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {k: np.array(v) for k, v in x.items()}
    return np.array(x)


def _positive(name: str, value: Any, cls: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{cls}: {name} must be a number, got {value!r}") from None
    if not x > 0 or math.isnan(x):
        raise ValueError(f"{cls}: {name} must be > 0, got {value!r}")
    return x


class Optimizer:
    """Shared ask/tell machinery. Subclasses define ``_hyper``, ``_state`` and ``_update``."""

    _state_fields: tuple[str, ...] = ()

    def __init__(self, distribution: Distribution, lam: int = 2, seed: Any = None, maximize: bool = False):
        name = type(self).__name__
        if not isinstance(distribution, Distribution):
            got = type(distribution).__name__
            raise ValueError(f"{name}: distribution must be an asng_opt distribution, got {got}")
        if distribution.n_theta == 0:
            raise ValueError(f"{name}: the distribution has no free parameter (every variable is fixed)")
        if isinstance(lam, bool) or not isinstance(lam, (int, np.integer)) or lam < 2:
            raise ValueError(f"{name}: lam must be an integer >= 2 (the ranking needs two samples), got {lam!r}")
        self.distribution = distribution
        self.lam = int(lam)
        self.maximize = bool(maximize)
        self.t = 0  # number of tell() calls accepted
        self.n_skipped = 0  # tells whose natural gradient was zero (ties, identical samples)
        self._rng = np.random.default_rng(seed)
        self._pending: tuple[Any, Any] | None = None  # (decoded samples, raw samples) of the last ask

    # ---- subclass interface -----------------------------------------------------------------
    def _hyper(self) -> dict[str, Any]:
        raise NotImplementedError

    def _get_state(self) -> tuple:
        raise NotImplementedError

    def _set_state(self, state: tuple) -> None:
        raise NotImplementedError

    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        raise NotImplementedError

    # ---- ask / tell -------------------------------------------------------------------------
    def ask(self, n: int | None = None) -> Any:
        """Draw ``n`` (default ``lam``) samples from p_theta: an ``(n, ...)`` array, or a dict of them.

        Integer variables come back clipped and rounded; the raw draws are kept so that ``tell``
        on these samples updates with them.
        """
        n = self.lam if n is None else n
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{type(self).__name__}.ask: n must be a positive integer, got {n!r}")
        raw = self.distribution.sample(self.distribution.theta, int(n), self._rng)
        user = self.distribution.decode(raw)
        self._pending = (_copy_samples(user), raw)
        return user

    def tell(self, samples: Any, losses: Any) -> None:
        """Update with samples and their objective values (lower is better unless ``maximize``).

        ``samples`` may be any valid samples: those of the last ``ask()`` (whose raw draws are
        then used) or samples of your own. At least 2 are needed. On any invalid input a
        ``ValueError`` is raised and the optimizer is left exactly as it was.
        """
        name = type(self).__name__
        if self._pending is not None and _samples_equal(samples, self._pending[0]):
            raw = self._pending[1]
            k = len(next(iter(raw.values()))) if isinstance(raw, Mapping) else raw.shape[0]
        else:
            raw, k = self.distribution.check_samples(samples)
        f = np.asarray(losses)
        if f.shape != (k,):
            raise ValueError(f"{name}.tell: losses must have shape ({k},) to match the samples, got {f.shape}")
        if f.dtype.kind not in "biuf":
            raise ValueError(f"{name}.tell: losses must be real numbers, got dtype {f.dtype}")
        f = f.astype(float)
        if not np.isfinite(f).all():
            bad = np.flatnonzero(~np.isfinite(f)).tolist()
            raise ValueError(f"{name}.tell: losses must be finite; got NaN or inf at {bad}")
        if k < 2:
            raise ValueError(f"{name}.tell: at least 2 samples are needed (lambda >= 2), got {k}")
        weights = ranking_utility(f, maximize=self.maximize)
        old = self._get_state()
        new = self._update(old, raw, weights)  # pure: nothing is modified before this returns
        self._set_state(new)
        self.t += 1
        self.n_skipped += new is old
        self._pending = None

    # ---- queries ----------------------------------------------------------------------------
    @property
    def theta(self) -> Any:
        """The distribution parameter (same as ``distribution.theta``)."""
        return self.distribution.theta

    def most_likely(self) -> Any:
        """The mode of p_theta: ``(n,)`` ints for categorical variables, a dict for a Product."""
        return self.distribution.mode(self.distribution.theta)

    def should_stop(self) -> bool:
        """True once the distribution has converged: every categorical variable puts the most
        probability Theta allows (theta_max) on one category and every Gaussian / Integer
        variable's sigma has shrunk to sigma_min. Sampling then returns the mode almost always."""
        return bool(self.distribution.converged(self.distribution.theta))

    # ---- persistence ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain Python / numpy data."""
        return copy.deepcopy(
            {
                "optimizer": type(self).__name__,
                "version": 1,
                "distribution": self.distribution.spec(),
                "hyper": self._hyper(),
                "lam": self.lam,
                "maximize": self.maximize,
                "t": self.t,
                "n_skipped": self.n_skipped,
                "state": dict(zip(self._state_fields, self._get_state())),
                "rng": self._rng.bit_generator.state,
                "pending": self._pending,
            }
        )

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict`; the distribution's structure must match."""
        name = type(self).__name__
        if not isinstance(state, Mapping) or state.get("optimizer") != name:
            got = state.get("optimizer") if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(f"{name}.load_state_dict: state is from {got!r}, not {name}")
        if state.get("distribution") != self.distribution.spec():
            raise ValueError(f"{name}.load_state_dict: the state's distribution does not match this optimizer's")
        st = copy.deepcopy(dict(state))
        fields = st["state"]
        if set(fields) != set(self._state_fields):
            raise ValueError(f"{name}.load_state_dict: state fields {sorted(fields)} != {sorted(self._state_fields)}")
        theta = self.distribution.check_theta(fields["theta"])
        current = dict(zip(self._state_fields, self._get_state()))
        for k in self._state_fields[1:]:
            if np.shape(fields[k]) != np.shape(current[k]) or not np.all(np.isfinite(fields[k])):
                raise ValueError(f"{name}.load_state_dict: {k!r} must be finite with shape {np.shape(current[k])}")
        rng = np.random.default_rng()
        rng.bit_generator.state = st["rng"]
        # all checks passed: assign
        self._set_hyper(st["hyper"])
        self.lam, self.maximize = int(st["lam"]), bool(st["maximize"])
        self.t, self.n_skipped = int(st["t"]), int(st["n_skipped"])
        self._set_state(tuple(theta if k == "theta" else np.asarray(fields[k]) for k in self._state_fields))
        self._rng = rng
        self._pending = st["pending"]

    def _set_hyper(self, hyper: Mapping[str, Any]) -> None:
        for k, v in hyper.items():
            setattr(self, k, v)

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({self.distribution!r}, lam={self.lam}, {hp}, t={self.t})"


class ASNG(Optimizer):
    """Adaptive Stochastic Natural Gradient (Algorithm 1).

    Args:
        distribution: the search distribution (its ``theta`` is updated in place by ``tell``).
        lam: samples per update (lambda_theta), >= 2.
        alpha: target ratio ||s||^2 / gamma of the step-size adaptation, > 1.
        delta_init: initial trust-region radius delta_theta^0, > 0.
        delta_max: upper bound Delta_max on Delta (so delta_theta >= delta_init / delta_max).
        seed: seed or ``numpy.random.Generator`` seed material for sampling.
        maximize: treat larger objective values as better.
    """

    _state_fields = ("theta", "s", "gamma", "Delta")

    def __init__(
        self,
        distribution: Distribution,
        lam: int = 2,
        alpha: float = 1.5,
        delta_init: float = 1.0,
        delta_max: float = np.inf,
        seed: Any = None,
        maximize: bool = False,
    ):
        super().__init__(distribution, lam, seed, maximize)
        self.alpha = _positive("alpha", alpha, "ASNG")
        if self.alpha <= 1:
            raise ValueError(f"ASNG: alpha must be > 1, got {alpha!r}")
        self.delta_init = _positive("delta_init", delta_init, "ASNG")
        self.delta_max = _positive("delta_max", delta_max, "ASNG")
        st = updates.asng_init(distribution)
        self._s, self._gamma, self._Delta = st.s, 0.0, 1.0

    @property
    def delta(self) -> float:
        """The trust-region radius delta_theta = delta_init / Delta that the next tell uses."""
        return self.delta_init / self._Delta

    def _hyper(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "delta_init": self.delta_init, "delta_max": self.delta_max}

    def _get_state(self) -> tuple:
        return updates.ASNGState(self.distribution.theta, self._s, self._gamma, self._Delta)

    def _set_state(self, state: tuple) -> None:
        theta, s, gamma, Delta = state
        if s.shape != (self.distribution.n_theta,):
            raise ValueError(f"ASNG: s must have shape ({self.distribution.n_theta},), got {s.shape}")
        self.distribution._theta = theta
        self._s, self._gamma, self._Delta = s, float(gamma), float(Delta)

    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        return updates.asng_update(self.distribution, state, raw, weights, self.delta_init, self.alpha, self.delta_max)


class SNG(Optimizer):
    """Stochastic natural gradient with a constant trust region delta (eqs. 13-14).

    The paper gives no default for delta (figure 1 sweeps it); ours is 0.1.
    """

    _state_fields = ("theta",)

    def __init__(
        self, distribution: Distribution, lam: int = 2, delta: float = 0.1, seed: Any = None, maximize: bool = False
    ):
        super().__init__(distribution, lam, seed, maximize)
        self.delta = _positive("delta", delta, "SNG")

    def _hyper(self) -> dict[str, Any]:
        return {"delta": self.delta}

    def _get_state(self) -> tuple:
        return updates.SNGState(self.distribution.theta)

    def _set_state(self, state: tuple) -> None:
        self.distribution._theta = state[0]

    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        return updates.sng_update(self.distribution, state, raw, weights, self.delta)


class AdamNG(Optimizer):
    """Adam on the natural gradient divided by its Fisher norm, then projection onto Theta.

    The baseline of the paper's figure 1; ``lr`` plays the role of delta_theta^0 there.
    """

    _state_fields = ("theta", "m", "v", "t_adam")

    def __init__(
        self,
        distribution: Distribution,
        lam: int = 2,
        lr: float = 0.01,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        seed: Any = None,
        maximize: bool = False,
    ):
        super().__init__(distribution, lam, seed, maximize)
        self.lr = _positive("lr", lr, "AdamNG")
        for nm, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= float(b) < 1:
                raise ValueError(f"AdamNG: {nm} must be in [0, 1), got {b!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = _positive("eps", eps, "AdamNG")
        st = updates.adam_init(distribution)
        self._m, self._v, self._t_adam = st.m, st.v, 0

    def _hyper(self) -> dict[str, Any]:
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def _get_state(self) -> tuple:
        return updates.AdamState(self.distribution.theta, self._m, self._v, self._t_adam)

    def _set_state(self, state: tuple) -> None:
        theta, m, v, t = state
        self.distribution._theta = theta
        self._m, self._v, self._t_adam = m, v, int(t)

    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        return updates.adam_update(self.distribution, state, raw, weights, self.lr, self.beta1, self.beta2, self.eps)
