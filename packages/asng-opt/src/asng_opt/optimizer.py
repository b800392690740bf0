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


#: the largest step size accepted (delta_init, SNG's delta, Adam's lr). The natural-gradient step
#: has Fisher length delta; a categorical distribution is crossed by steps of length ~1 and ASNG caps
#: its radius at sqrt(n_theta), so larger values buy nothing and only risk overflow at extreme scales.
STEP_SIZE_MAX = 1e6


def _samples_equal(a: Any, b: Any) -> bool:
    """Exact equality of samples: arrays, or (nested) dicts of arrays for a Product."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or set(a) != set(b):
            return False
        return all(_samples_equal(a[k], b[k]) for k in a)
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype.kind in "biuf" and b.dtype.kind in "biuf" and np.array_equal(a, b)


def _copy_samples(x: Any) -> Any:
    """An owned copy of samples: an array, or (nested) dicts of arrays."""
    if isinstance(x, Mapping):
        return {k: _copy_samples(v) for k, v in x.items()}
    return np.array(x)


def _n_samples(x: Any) -> int:
    """The number of samples in an array, or in (nested) dicts of arrays."""
    while isinstance(x, Mapping):
        x = next(iter(x.values()))
    return int(np.shape(x)[0])


def _all_finite(x: Any) -> bool:
    """Every number in an array, scalar or (nested) dict / tuple of them is finite."""
    if isinstance(x, Mapping):
        return all(_all_finite(v) for v in x.values())
    if isinstance(x, tuple):
        return all(_all_finite(v) for v in x)
    return bool(np.all(np.isfinite(x)))


def _number(name: str, value: Any, cls: str) -> float:
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)):
        raise ValueError(f"{cls}: {name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{cls}: {name} must be a number, got {value!r}") from None


def _positive(name: str, value: Any, cls: str, upper: float = math.inf, allow_inf: bool = False) -> float:
    """``value`` as a float in (0, upper]; NaN and (unless ``allow_inf``) inf are refused."""
    x = _number(name, value, cls)
    if math.isnan(x) or not x > 0 or (math.isinf(x) and not allow_inf):
        what = "> 0" if allow_inf else "> 0 and finite"
        raise ValueError(f"{cls}: {name} must be {what}, got {value!r}")
    if x > upper:
        raise ValueError(f"{cls}: {name} must be <= {upper:g}, got {value!r}")
    return x


def _flag(name: str, value: Any, cls: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{cls}: {name} must be True or False, got {value!r}")
    return bool(value)


def _generator(seed: Any, cls: str) -> np.random.Generator:
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{cls}: seed must be None, a non-negative int (or sequence of them), a SeedSequence, "
            f"BitGenerator or Generator, got {seed!r} ({e})"
        ) from None


def _count(name: str, value: Any, cls: str, minimum: int = 0) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{cls}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


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
        if isinstance(lam, (bool, np.bool_)) or not isinstance(lam, (int, np.integer)) or lam < 2:
            raise ValueError(f"{name}: lam must be an integer >= 2 (the ranking needs two samples), got {lam!r}")
        self.maximize = _flag("maximize", maximize, name)
        self._rng = _generator(seed, name)
        self.distribution = distribution
        self.lam = int(lam)
        self.t = 0  # number of tell() calls accepted
        self.n_skipped = 0  # tells whose natural gradient was zero (ties, identical samples)
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
            k = _n_samples(raw)
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
        if new is not old and not _all_finite(new):  # a guard: the update rules keep the state finite
            fields = [field for field, v in zip(self._state_fields, new) if not _all_finite(v)]
            raise FloatingPointError(f"{name}.tell: the update made {fields} non-finite; the state is unchanged")
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

    _STATE_KEYS = ("optimizer", "version", "distribution", "hyper", "lam", "maximize", "t", "n_skipped")
    _STATE_KEYS_REST = ("state", "rng", "pending")

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict`; the distribution's structure must match.

        The whole dict is checked before anything is assigned: on any problem (a missing key, a
        different optimizer or distribution, hyper-parameters the constructor refuses, a theta
        outside Theta, non-finite or misshaped state, a bad RNG state or pending sample) a
        ``ValueError`` names it and the optimizer is left exactly as it was.
        """
        name = type(self).__name__
        where = f"{name}.load_state_dict"
        if not isinstance(state, Mapping):
            raise ValueError(f"{where}: expected a dict from state_dict(), got {type(state).__name__}")
        missing = [k for k in self._STATE_KEYS + self._STATE_KEYS_REST if k not in state]
        if missing:
            raise ValueError(f"{where}: the state lacks {missing}")
        if state["optimizer"] != name:
            raise ValueError(f"{where}: state is from {state['optimizer']!r}, not {name}")
        if state["version"] != 1:
            raise ValueError(f"{where}: unknown state version {state['version']!r} (this code reads 1)")
        if state["distribution"] != self.distribution.spec():
            raise ValueError(f"{where}: the state's distribution does not match this optimizer's")
        st = copy.deepcopy(dict(state))
        hyper = st["hyper"]
        if not isinstance(hyper, Mapping) or set(hyper) != set(self._hyper()):
            got = sorted(hyper) if isinstance(hyper, Mapping) else hyper
            raise ValueError(f"{where}: hyper-parameters {got} != {sorted(self._hyper())}")
        try:  # the constructor's own checks on lam, maximize and every hyper-parameter
            type(self)(self.distribution, lam=st["lam"], maximize=st["maximize"], **hyper)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
        t = _count("t", st["t"], where)
        n_skipped = _count("n_skipped", st["n_skipped"], where)
        if n_skipped > t:
            raise ValueError(f"{where}: n_skipped ({n_skipped}) exceeds t ({t})")
        fields = st["state"]
        if not isinstance(fields, Mapping) or set(fields) != set(self._state_fields):
            got = sorted(fields) if isinstance(fields, Mapping) else fields
            raise ValueError(f"{where}: state fields {got} != {sorted(self._state_fields)}")
        try:
            theta = self.distribution.check_theta(fields["theta"])
        except ValueError as e:
            raise ValueError(f"{where}: theta: {e}") from None
        if not self.distribution.in_domain(theta):
            raise ValueError(f"{where}: theta lies outside the domain Theta of the distribution (appendix D)")
        current = dict(zip(self._state_fields, self._get_state()))
        values: dict[str, Any] = {"theta": theta}
        for k in self._state_fields[1:]:
            v = np.asarray(fields[k])
            if v.shape != np.shape(current[k]) or v.dtype.kind not in "biuf" or not np.all(np.isfinite(v)):
                raise ValueError(f"{where}: {k!r} must be finite numbers with shape {np.shape(current[k])}")
            values[k] = v
        self._check_state(values, where)
        rng = np.random.default_rng()
        try:
            rng.bit_generator.state = st["rng"]
        except (TypeError, ValueError, KeyError) as e:
            raise ValueError(f"{where}: 'rng' is not a {type(rng.bit_generator).__name__} state ({e!r})") from None
        pending = self._check_pending(st["pending"], where)
        # all checks passed: assign
        self._set_hyper(hyper)
        self.lam, self.maximize = int(st["lam"]), bool(st["maximize"])
        self.t, self.n_skipped = t, n_skipped
        self._set_state(tuple(values[k] for k in self._state_fields))
        self._rng = rng
        self._pending = pending

    def _check_state(self, values: Mapping[str, Any], where: str) -> None:
        """Range checks on the loaded state beyond shape and finiteness (subclasses add theirs)."""

    def _check_pending(self, pending: Any, where: str) -> Any:
        """``None`` or ``(decoded, raw)`` samples of an ask: valid samples whose raw draws decode to them."""
        if pending is None:
            return None
        bad = f"{where}: 'pending' must be None or the (samples, raw draws) of an ask()"
        if not isinstance(pending, (tuple, list)) or len(pending) != 2:
            raise ValueError(bad)
        user, raw = pending
        try:
            self.distribution.check_samples(user)
        except ValueError as e:
            raise ValueError(f"{bad}: {e}") from None
        try:
            if not _all_finite(raw) or not _samples_equal(self.distribution.decode(raw), user):
                raise ValueError("the raw draws do not decode to the samples")
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
            raise ValueError(f"{bad}: {e}") from None
        return (_copy_samples(user), _copy_samples(raw))

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
        self.delta_init = _positive("delta_init", delta_init, "ASNG", upper=STEP_SIZE_MAX)
        self.delta_max = _positive("delta_max", delta_max, "ASNG", allow_inf=True)
        st = updates.asng_init(distribution)
        self._s, self._gamma, self._Delta = st.s, 0.0, 1.0

    @property
    def delta(self) -> float:
        """The trust-region radius delta_theta = delta_init / Delta that the next tell uses
        (at most sqrt(n_theta), see :func:`asng_opt.updates.asng_delta_floor`)."""
        return float(updates.asng_delta(self.distribution, self._Delta, self.delta_init))

    def _check_state(self, values: Mapping[str, Any], where: str) -> None:
        if not 0 <= float(values["gamma"]) <= 1:
            raise ValueError(f"{where}: 'gamma' must lie in [0, 1], got {float(values['gamma'])!r}")
        if not float(values["Delta"]) > 0:
            raise ValueError(f"{where}: 'Delta' must be > 0, got {float(values['Delta'])!r}")

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
        self.delta = _positive("delta", delta, "SNG", upper=STEP_SIZE_MAX)

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
        self.lr = _positive("lr", lr, "AdamNG", upper=STEP_SIZE_MAX)
        for nm, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= _number(nm, b, "AdamNG") < 1:
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

    def _check_state(self, values: Mapping[str, Any], where: str) -> None:
        if np.any(values["v"] < 0):
            raise ValueError(f"{where}: Adam's second moment 'v' must be >= 0")
        t = values["t_adam"]
        if t < 0 or t != np.floor(t):
            raise ValueError(f"{where}: 't_adam' must be a count of steps, got {t!r}")

    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        return updates.adam_update(self.distribution, state, raw, weights, self.lr, self.beta1, self.beta2, self.eps)
