"""The interface every exponential-family distribution of asng_opt implements.

A distribution object describes the *structure* of a search space (category counts, bounds); it
holds no parameter. The current ``theta`` lives in an optimizer's state (``opt.theta``, or the
state tuples of :mod:`asng_opt.updates`). All numerical methods are pure functions of the arrays
they are given: ``theta`` may carry any leading batch shape ``B``, so that many independent states advance
in one numpy call. Vectors in the paper's coordinates -- the expectation parameters that are free
to move, ``n_theta`` of them -- are called *flat* here and have shape ``B + (n_theta,)``.
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

__all__ = ["Distribution"]


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(_close(a[k], b[k]) for k in a)
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


class Distribution(ABC):
    """Base class: an exponential family in expectation parameters theta = E[T(c)]."""

    #: number of free expectation parameters (the paper's n_theta)
    n_theta: int

    @abstractmethod
    def check_theta(self, theta: Any) -> Any:
        """Validate one unbatched parameter; return it as an owned array, unprojected.

        Raises ValueError naming the problem.
        """

    @abstractmethod
    def initial_theta(self, batch_shape: tuple[int, ...] = ()) -> Any:
        """The starting parameter (maximum entropy in Theta), broadcast to ``batch_shape``."""

    # ---- sampling ---------------------------------------------------------------------------
    @abstractmethod
    def sample(self, theta: Any, lam: int, rng: np.random.Generator) -> Any:
        """Draw ``lam`` raw samples per state: ``B + (lam,) + sample_shape``."""

    def decode(self, raw: Any) -> Any:
        """Turn raw samples into what the user's objective sees (identity by default)."""
        return raw

    @abstractmethod
    def check_samples(self, samples: Any) -> tuple[Any, int]:
        """Validate user-given (unbatched) samples; return them as raw samples and their count."""

    @abstractmethod
    def mode(self, theta: Any) -> Any:
        """The most likely sample (decoded), ``B + sample_shape``."""

    # ---- geometry ---------------------------------------------------------------------------
    @abstractmethod
    def flat(self, theta: Any) -> np.ndarray:
        """The free expectation parameters, ``B + (n_theta,)``."""

    @abstractmethod
    def natural_gradient(self, theta: Any, raw: Any, weights: np.ndarray) -> np.ndarray:
        """Eq. (12): ``mean_j w_j (T(c_j) - theta)`` as a flat vector ``B + (n_theta,)``.

        ``weights`` has shape ``B + (lam,)``.
        """

    @abstractmethod
    def fisher_sqrt(self, theta: Any, g: np.ndarray) -> np.ndarray:
        """A factor of the Fisher matrix applied to a flat vector: ``||result|| = ||g||_F``."""

    @abstractmethod
    def step(self, theta: Any, d: np.ndarray) -> Any:
        """``theta + d`` (``d`` flat), then projected onto Theta (appendix D)."""

    @abstractmethod
    def project(self, theta: Any) -> Any:
        """Projection onto the bounded domain Theta of appendix D."""

    @abstractmethod
    def fisher_matrix(self, theta: Any) -> np.ndarray:
        """Dense (n_theta, n_theta) Fisher information of one unbatched state (for checks)."""

    @abstractmethod
    def converged(self, theta: Any, *, floor_ulps: float = 0.0) -> np.ndarray:
        """``B``-shaped bool: the distribution has reached the boundary of Theta it can reach.
        ``floor_ulps``: how many units in the last place of mu^2 a Gaussian variable's variance
        may keep and still count as at theta's floor (:meth:`Gaussian.converged`; 0: the floor
        itself); other variables ignore it."""

    @abstractmethod
    def mode_probabilities(self, theta: Any) -> np.ndarray:
        """``B + (n_cat,)``: for each categorical variable, the probability of its most likely
        category (``1/m`` at the start, up to theta_max at convergence); ``n_cat = 0`` for
        distributions without categorical variables. The NAS logs report its mean."""

    def in_domain(self, theta: Any) -> bool:
        """True when one unbatched ``theta`` lies in Theta: it equals its projection up to rounding
        (relative 1e-9, absolute 1e-12)."""
        return _close(self.project(theta), theta)

    def fisher_norm(self, theta: Any, g: np.ndarray) -> np.ndarray:
        """``||g||_F = sqrt(g^T F(theta) g)``, shape ``B``."""
        v = self.fisher_sqrt(theta, g)
        return np.sqrt(np.einsum("...i,...i->...", v, v))

    # ---- persistence ------------------------------------------------------------------------
    @abstractmethod
    def spec(self) -> dict[str, Any]:
        """A plain description of the structure, used to check a state_dict fits."""


def converged_within(dist: Distribution, theta: Any, floor_ulps: float) -> np.ndarray:
    """``dist.converged(theta, floor_ulps=floor_ulps)``, or ``dist.converged(theta)`` for a
    subclass whose ``converged`` predates the keyword (asng-opt 0.14 or earlier: a user's
    distribution keeps working, at theta's floor itself). The signature is read once per class."""
    if _takes_floor_ulps(type(dist).converged):
        return dist.converged(theta, floor_ulps=floor_ulps)
    return dist.converged(theta)


@functools.cache
def _takes_floor_ulps(method: Any) -> bool:
    """Whether a ``converged`` method accepts the ``floor_ulps`` keyword."""
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):  # a callable without a signature: the old call
        return False
    return "floor_ulps" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
