"""The ask/tell machinery every optimizer shares: one state tuple of :mod:`asng_opt.updates`,
sampling, input checks that leave the state untouched on error, the ranking utility, persistence
and a stopping test. :mod:`asng_opt.optimizers` defines ASNG, SNG and AdamNG on top of it.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from . import _checks
from ._samples import all_finite, copy_samples, n_samples, samples_equal, total_is_finite
from ._state_check import check_state_dict
from .distribution import Distribution
from .ranking import ranking_utility
from .space import Space

__all__ = ["Optimizer", "STATE_VERSION"]

#: the layout version of :meth:`Optimizer.state_dict` (1: before the step size was named delta0)
STATE_VERSION = 2


class Optimizer(ABC):
    """One search distribution's state and the ask/tell loop around an update rule.

    Args:
        distribution: the search space (structure only; it holds no parameter and is never modified):
            a :class:`~asng_opt.Distribution`, or a named :class:`~asng_opt.Space`. With a Space,
            ``ask`` returns a list of configuration dicts, ``tell`` takes such a list (also dicts
            the optimizer did not produce), ``most_likely`` returns a dict, and the optimizer
            searches ``space.distribution`` (``self.distribution``; ``self.space`` is the Space,
            None otherwise): its state, ``state_dict`` and RNG stream are exactly those of an
            optimizer built on ``space.distribution``.
        lam: samples per update (lambda_theta), an integer >= 2.
        seed: anything ``numpy.random.default_rng`` takes (None, an int, a SeedSequence, a Generator).
        maximize: treat larger objective values as better.
        theta: a starting parameter (a prior) in the distribution's layout, checked and projected
            onto Theta; default the maximum-entropy ``distribution.initial_theta()``.

    Raises:
        ValueError: for a non-distribution, a space without free parameter, ``lam`` < 2 or not an
            integer, a bad seed, a non-bool ``maximize`` or an invalid ``theta``.

    Subclasses set :attr:`state_fields` and implement :meth:`hyper`, :meth:`_init_state` and
    :meth:`_update` (a pure function of the state).
    """

    #: the names of the state tuple's fields in ``state_dict()["state"]``, theta first
    state_fields: tuple[str, ...] = ("theta",)

    def __init__(
        self,
        distribution: Distribution | Space,
        lam: int = 2,
        seed: Any = None,
        maximize: bool = False,
        theta: Any = None,
    ):
        name = type(self).__name__
        #: the named space given to the constructor, or None for a plain distribution
        self.space: Space | None = distribution if isinstance(distribution, Space) else None
        if self.space is not None:
            distribution = self.space.distribution
        if not isinstance(distribution, Distribution):
            got = type(distribution).__name__
            raise ValueError(f"{name}: distribution must be an asng_opt distribution, got {got}")
        if distribution.n_theta == 0:
            raise ValueError(f"{name}: the distribution has no free parameter (every variable is fixed)")
        if isinstance(lam, (bool, np.bool_)) or not isinstance(lam, (int, np.integer)) or lam < 2:
            raise ValueError(f"{name}: lam must be an integer >= 2 (the ranking needs two samples), got {lam!r}")
        self.maximize = _checks.flag("maximize", maximize, name)
        self._rng = _checks.generator(seed, name)
        self.distribution = distribution
        self.lam = int(lam)
        # the default start is initial_theta() itself (unprojected, as updates.*_init give it);
        # a prior is checked, then projected onto Theta
        theta0 = distribution.initial_theta() if theta is None else distribution.check_theta(theta)
        if theta is not None:
            theta0 = distribution.project(theta0)
        #: the whole optimizer state: a NamedTuple of :mod:`asng_opt.updates`, theta first
        self.state: Any = self._init_state()._replace(theta=theta0)
        self.t = 0  # number of tell() calls accepted
        self.n_skipped = 0  # tells whose natural gradient was zero (ties, identical samples)
        self._pending: tuple[Any, Any] | None = None  # (decoded samples, raw samples) of the last ask
        self._asked_codes: tuple[Any, Any] | None = None  # (_pending, its configurations encoded): a cache

    # ---- subclass interface -----------------------------------------------------------------
    @abstractmethod
    def hyper(self) -> dict[str, Any]:
        """The hyper-parameters, as constructor keyword arguments."""

    @abstractmethod
    def _init_state(self) -> NamedTuple:
        """The state before the first tell (Algorithm 1, line 1), at the initial theta."""

    @abstractmethod
    def _update(self, state: Any, raw: Any, weights: np.ndarray) -> Any:
        """The update rule: a pure function returning the new state (the old one when skipped)."""

    def _utility(self, raw: Any, f: np.ndarray) -> tuple[Any, Any]:
        """The samples and utility weights an update uses, from the raw samples and their ``(k,)``
        finite losses: the ranking utility of section 2.4. A pure function of its inputs and the
        current state (a refused tell must change nothing); subclasses may add samples or weigh
        parts of the space differently (their ``_update`` receives what this returns)."""
        return raw, ranking_utility(f, maximize=self.maximize)

    def _check_state(self, values: Mapping[str, Any], where: str) -> None:  # noqa: B027 -- optional hook
        """Range checks on a loaded state beyond shape and finiteness (subclasses add theirs)."""

    # ---- ask / tell -------------------------------------------------------------------------
    @property
    def theta(self) -> Any:
        """The distribution parameter in the distribution's layout (read only; ``state.theta``)."""
        return self.state.theta

    def ask(self, n: int | None = None) -> Any:
        """Draw ``n`` (default ``lam``) samples from p_theta: an ``(n, ...)`` array, or a dict of them;
        with a :class:`~asng_opt.Space`, a list of ``n`` configuration dicts (``space.decode``).

        Integer variables come back clipped and rounded; the raw draws are kept so that ``tell``
        on these samples updates with them.

        Raises:
            ValueError: if ``n`` is not a positive integer.
        """
        n = self.lam if n is None else n
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{type(self).__name__}.ask: n must be a positive integer, got {n!r}")
        raw = self.distribution.sample(self.theta, int(n), self._rng)
        user = self.distribution.decode(raw)
        self._pending = (copy_samples(user), raw)
        if self.space is None:
            return user
        configs = self.space.decode(user)
        self._asked_codes = (self._pending, self.space.encode(configs))  # before the caller may edit them
        return configs

    def tell(self, samples: Any, losses: Any) -> None:
        """Update with samples and their objective values (lower is better unless ``maximize``).

        Args:
            samples: ``(k, ...)`` samples, k >= 2: those of the last ``ask()`` (whose raw draws
                are then used) or valid samples of your own (e.g. from other workers). With a
                :class:`~asng_opt.Space`, a list of k configuration dicts, encoded with
                ``space.encode``; dicts that encode exactly as the last ``ask()``'s do are its
                samples (their raw draws are used).
            losses: ``(k,)`` finite real numbers.

        Raises:
            ValueError: invalid samples, losses of the wrong shape, NaN / inf or non-numeric
                losses, fewer than 2 samples. The optimizer is then exactly as it was.
            FloatingPointError: if an update ever produced a non-finite state (a guard; the rules
                keep the state finite over every accepted range). The state is then unchanged.
        """
        name = type(self).__name__
        if self.space is not None:
            samples = self._encode_configs(samples)
        if self._pending is not None and samples_equal(samples, self._pending[0]):
            raw = self._pending[1]
            k = n_samples(raw)
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
        raw, weights = self._utility(raw, f)
        old = self.state
        new = self._update(old, raw, weights)  # pure: nothing is modified before this returns
        finite = new is old or total_is_finite(tuple(new)) or all_finite(tuple(new))
        if not finite:  # a guard: the update rules keep the state finite
            fields = [fld for fld, v in zip(self.state_fields, new) if not all_finite(v)]
            raise FloatingPointError(f"{name}.tell: the update made {fields} non-finite; the state is unchanged")
        self.state = new
        self.t += 1
        self.n_skipped += new is old
        self._pending = None

    def _encode_configs(self, configs: Any) -> Any:
        """Told configurations -> a batch; the last ask's own batch when they encode as its
        configurations do (so that its raw draws are used). ValueError from ``space.encode``."""
        assert self.space is not None
        try:
            batch = self.space.encode(configs)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__}.tell: {e}") from None
        pending = self._pending
        if pending is not None:
            # the encoding of the asked configurations (made by ask; again after load_state_dict)
            if self._asked_codes is None or self._asked_codes[0] is not pending:
                self._asked_codes = (pending, self.space.encode(self.space.decode(pending[0])))
            if samples_equal(batch, self._asked_codes[1]):
                return pending[0]
        return batch

    # ---- queries ----------------------------------------------------------------------------
    def most_likely(self) -> Any:
        """The mode of p_theta: ``(n,)`` ints for categorical variables, a dict for a Product;
        with a :class:`~asng_opt.Space`, the configuration dict (``space.mode``)."""
        if self.space is not None:
            return self.space.mode(self.theta)
        return self.distribution.mode(self.theta)

    def should_stop(self) -> bool:
        """True once the distribution has converged: every categorical variable puts at least
        0.9 theta_max of its probability on one category and every Gaussian / Integer variable's
        sigma has shrunk to sigma_min. Sampling then returns the mode almost always."""
        return bool(self.distribution.converged(self.theta))

    # ---- persistence ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain Python / numpy data (picklable)."""
        return copy.deepcopy(
            {
                "optimizer": type(self).__name__,
                "version": STATE_VERSION,
                "distribution": self.distribution.spec(),
                "hyper": self.hyper(),
                "lam": self.lam,
                "maximize": self.maximize,
                "t": self.t,
                "n_skipped": self.n_skipped,
                "state": dict(zip(self.state_fields, self.state)),
                "rng": self._rng.bit_generator.state,
                "pending": self._pending,
            }
        )

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` (this version's, or version 1's); the distribution must match.

        Raises:
            ValueError: on any problem -- a missing key, another optimizer or distribution,
                hyper-parameters the constructor refuses, theta outside Theta, non-finite or
                misshaped state, a bad RNG state or pending sample. The whole dict is checked
                before anything is assigned, so the optimizer is then exactly as it was.
        """
        loaded = check_state_dict(self, state)
        for k, v in loaded.hyper.items():
            setattr(self, k, v)
        self.lam, self.maximize = loaded.lam, loaded.maximize
        self.t, self.n_skipped = loaded.t, loaded.n_skipped
        self.state = loaded.state
        self._rng = loaded.rng
        self._pending = loaded.pending

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v!r}" for k, v in self.hyper().items())
        space = self.distribution if self.space is None else self.space
        return f"{type(self).__name__}({space!r}, lam={self.lam}, {hp}, t={self.t})"
