"""The ask/tell machinery every optimizer shares: one state tuple of :mod:`asng_opt.updates`,
sampling, input checks that leave the state untouched on error, the ranking utility, persistence
and a stopping test. :mod:`asng_opt.optimizers` defines ASNG, SNG and AdamNG on top of it.

The pieces live next to it: argument and loss checks in :mod:`asng_opt._checks`, which raw draws
a tell updates with in :mod:`asng_opt._pending`, ``state_dict`` / ``load_state_dict`` in
:mod:`asng_opt._persistence`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from . import _checks, _persistence
from ._constant import refuse as refuse_single_point
from ._match import in_pending_order
from ._pending import Asked, ask, told_raw
from ._persistence import STATE_VERSION
from ._samples import all_finite, total_is_finite
from .distribution import Distribution, converged_within
from .gaussian import FLOOR_ULPS
from .ranking import ranking_utility
from .space import Space

__all__ = ["Optimizer", "STATE_VERSION"]


class Optimizer(ABC):
    """One search distribution's state and the ask/tell loop around an update rule.

    Args:
        distribution: the search space (structure only; it holds no parameter and is never modified):
            a :class:`~asng_opt.Distribution`, or a named :class:`~asng_opt.Space`. With a Space,
            ``ask`` returns a list of configuration dicts, ``tell`` takes such a list (also dicts
            the optimizer did not produce), ``most_likely`` returns a dict, and the optimizer
            searches ``space.distribution`` (``self.distribution``; ``self.space`` is the Space,
            None otherwise): its state, ``state_dict`` (but for its ``"space"`` entry, the Space's
            fingerprint) and RNG stream are exactly those of an optimizer built on
            ``space.distribution``.
        lam: samples per update (lambda_theta), an integer in [2, 2**31 - 1].
        seed: anything ``numpy.random.default_rng`` takes (None, an int, a SeedSequence, a Generator).
        maximize: treat larger objective values as better.
        theta: a starting parameter (a prior) in the distribution's layout, checked and projected
            onto Theta; default the maximum-entropy ``distribution.initial_theta()``.

    Raises:
        ValueError: for a non-distribution, a space with a single point (every variable fixed:
            nothing to optimise; :func:`~asng_opt.minimize` evaluates it once), ``lam`` < 2 or not an
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
        #: the named space given to the constructor, or None for a plain distribution
        self.space: Space | None = distribution if isinstance(distribution, Space) else None
        self.distribution = _searched(distribution, type(self).__name__)
        self.lam = _checks.population(lam, type(self).__name__)
        self.maximize = _checks.flag("maximize", maximize, type(self).__name__)
        self._rng = _checks.generator(seed, type(self).__name__)
        self.state = self._init_state()._replace(theta=_start(self.distribution, theta))
        self.t = 0  # number of tell() calls accepted
        self.n_skipped = 0  # tells whose natural gradient was zero (ties, identical samples)
        self._pending: tuple[Any, Any] | None = None  # (decoded samples, raw samples) of the last ask
        self._asked: Asked | None = None  # with a Space: the configurations the last ask handed out

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
    def state(self) -> Any:
        """The whole optimizer state: a NamedTuple of :mod:`asng_opt.updates`, theta first. Its
        arrays are read-only views (writing to one raises ValueError; copy to edit); assigning a
        new state stores read-only views of its arrays."""
        return self._state

    @state.setter
    def state(self, new: Any) -> None:
        self._state = type(new)(*(_frozen(v) for v in new))

    @property
    def theta(self) -> Any:
        """The distribution parameter in the distribution's layout (``state.theta``): read-only
        arrays (and for a Product a fresh dict of them; copy to edit)."""
        return _fresh_dicts(self._state.theta)

    def ask(self, n: int | None = None) -> Any:
        """Draw ``n`` (default ``lam``) samples from p_theta: an ``(n, ...)`` array, or a dict of them;
        with a :class:`~asng_opt.Space`, a list of ``n`` configuration dicts (``space.decode``).

        Integer variables come back clipped and rounded; the raw draws are kept so that ``tell``
        on these samples updates with them.

        Raises:
            ValueError: if ``n`` is not an integer in [1, 2**31 - 1].
        """
        return ask(self, self.lam if n is None else n)

    def tell(self, samples: Any, losses: Any) -> None:
        """Update with samples and their objective values (lower is better unless ``maximize``).

        Args:
            samples: ``(k, ...)`` samples, k >= 2: those of the last ``ask()``, in any order
                (matched to the asked ones as a multiset: the raw draws behind them are used and
                the update is exactly that of telling them in the order asked, so results may
                arrive ``as_completed``; equal samples of a batch are matched first to first),
                or valid samples of your own (e.g. from other workers; used as given). With a
                :class:`~asng_opt.Space`, a list of k configuration dicts: the last ``ask()``'s
                own dicts (unedited; recognised without encoding them), or dicts encoded with
                ``space.encode`` -- those that encode exactly as the last ``ask()``'s do, in any
                order, are its samples.
            losses: ``(k,)`` finite real numbers, ``losses[i]`` the value of ``samples[i]``.

        Raises:
            ValueError: invalid samples, losses of the wrong shape, NaN / inf or non-numeric
                losses, fewer than 2 samples. The optimizer is then exactly as it was.
            FloatingPointError: if an update ever produced a non-finite state (a guard; the rules
                keep the state finite over every accepted range). The state is then unchanged.
        """
        raw, k, perm = told_raw(self, samples)
        f = _checks.losses(losses, k, f"{type(self).__name__}.tell")
        if perm is not None:  # the last ask's samples in another order: back to the ask's order
            f = in_pending_order(f, perm)
        raw, weights = self._utility(raw, f)
        old = self.state
        new = self._update(old, raw, weights)  # pure: nothing is modified before this returns
        if new is not old:  # a guard: the update rules keep the state finite
            _check_finite(new, self.state_fields, f"{type(self).__name__}.tell")
        self.state = new
        self.t, self.n_skipped = self.t + 1, self.n_skipped + (new is old)
        self._pending = None

    # ---- queries ----------------------------------------------------------------------------
    def most_likely(self) -> Any:
        """The mode of p_theta: ``(n,)`` ints for categorical variables, a dict for a Product;
        with a :class:`~asng_opt.Space`, the configuration dict (``space.mode``)."""
        return (self.distribution if self.space is None else self.space).mode(self.theta)

    def should_stop(self) -> bool:
        """True once the distribution has converged: every categorical variable puts at least
        0.9 theta_max of its probability on one category and every Gaussian / Integer variable's
        sigma has shrunk to sigma_min, or as far towards it as theta can hold next to its mean
        (:meth:`~asng_opt.Gaussian.converged`; an Integer with a margin: to the margin's floor,
        :meth:`~asng_opt.Integer.margin_sigma`). Sampling then returns the mode almost always
        (with margins, the mode or one of its neighbours). "As far as theta can hold" allows
        :attr:`floor_ulps` units in the last place of mu^2: about 1e-7 |mu|, so that an Integer
        without a margin whose mean exceeds about 10^7 counts as converged with sigma above its
        sigma_min (e.g. about 6 at 10^8, 45 at 10^9; theta cannot hold 1/4 there anyway). A
        subclass's ``converged`` without the ``floor_ulps`` keyword (asng-opt 0.14 or earlier) is
        called without it."""
        return bool(converged_within(self.distribution, self.theta, self.floor_ulps))

    @property
    def floor_ulps(self) -> float:
        """How many units in the last place of mu^2 a Gaussian variable's variance may keep and
        still count as converged (:data:`~asng_opt.gaussian.FLOOR_ULPS`, asng-opt 0.15): this
        update reads sigma back from theta, where a variance of a few units rounds back to itself."""
        return FLOOR_ULPS

    # ---- persistence ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain Python / numpy data (picklable)."""
        return _persistence.state_dict(self)

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` (this version's, or version 1's); the distribution must match,
        and with a :class:`~asng_opt.Space` the Space too (the dict's ``"space"`` fingerprint of
        its names, labels and ranges; a dict without one -- asng-opt < 0.7 -- is not compared).

        Raises:
            ValueError: on any problem -- a missing key, another optimizer or distribution, another
                Space, hyper-parameters the constructor refuses, theta outside Theta, non-finite or
                misshaped state, a bad RNG state or pending sample. The whole dict is checked
                before anything is assigned, so the optimizer is then exactly as it was.
        """
        _persistence.load_state_dict(self, state)

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v!r}" for k, v in self.hyper().items())
        space = self.distribution if self.space is None else self.space
        return f"{type(self).__name__}({space!r}, lam={self.lam}, {hp}, t={self.t})"


def _searched(distribution: Any, name: str) -> Distribution:
    """The distribution an optimizer searches: ``distribution`` itself, or a Space's.

    Raises:
        ValueError: not a distribution (or Space), or a space with a single point (every variable
            fixed: :func:`asng_opt._constant.refuse`) or without free parameter.
    """
    if isinstance(distribution, (Space, Distribution)):
        refuse_single_point(distribution, name)
    if isinstance(distribution, Space):
        distribution = distribution.distribution
    if not isinstance(distribution, Distribution):
        got = type(distribution).__name__
        raise ValueError(f"{name}: distribution must be an asng_opt distribution, got {got}")
    if distribution.n_theta == 0:
        raise ValueError(f"{name}: the distribution has no free parameter (every variable is fixed)")
    return distribution


def _start(distribution: Distribution, theta: Any) -> Any:
    """The initial theta: ``initial_theta()`` itself (unprojected, as ``updates.*_init`` give it),
    or a prior, checked (ValueError), then projected onto Theta."""
    if theta is None:
        return distribution.initial_theta()
    try:
        checked = distribution.check_theta(theta)
    except (TypeError, ValueError) as e:
        if not isinstance(theta, Mapping):
            raise
        what = (
            str(e)
            if isinstance(e, ValueError)
            else f"{type(distribution).__name__}: theta must be an array, got a dict"
        )
        raise ValueError(f"{what}; {THETA_HINT}") from None
    return distribution.project(checked)


#: added to the error for a dict ``theta`` that is no parameter (a configuration, most likely)
THETA_HINT = (
    "theta is a parameter of the distribution, not a sample or configuration: to start near a point, "
    "pass theta=asng_opt.blackbox.prior_near(dist, dist.check_samples(batch)[0]) with, for a Space, "
    "dist = space.distribution and batch = space.encode([config])"
)


def _check_finite(new: Any, fields: tuple[str, ...], where: str) -> None:
    """Raise FloatingPointError naming the fields of state ``new`` that are not finite (one
    reduction per array first; the exact walk only confirms a non-finite total)."""
    if total_is_finite(tuple(new)) or all_finite(tuple(new)):
        return
    bad = [fld for fld, v in zip(fields, new) if not all_finite(v)]
    raise FloatingPointError(f"{where}: the update made {bad} non-finite; the state is unchanged")


def _frozen(x: Any) -> Any:
    """``x`` with each array replaced by a read-only view of it (dicts rebuilt; scalars as they are).
    A view: nobody else's array changes its flags, and no data is copied."""
    if type(x) is float:  # the state's scalars: no ABC isinstance below
        return x
    if isinstance(x, np.ndarray):
        v = x.view()
        v.flags.writeable = False
        return v
    if isinstance(x, Mapping):
        return {k: _frozen(v) for k, v in x.items()}
    return x


def _fresh_dicts(x: Any) -> Any:
    """``x`` with its (nested) dicts shallow-copied, so that a caller's edit of one leaves the state alone."""
    return {k: _fresh_dicts(v) for k, v in x.items()} if isinstance(x, Mapping) else x
