"""Runs of the toy study: a batched runner (many runs along a leading axis) and a single-run mode.

One iteration (protocol, "Toy study"):

1. draw lam = 2 samples from p_theta, one SGD-with-momentum step on x for their mean loss (fresh z);
2. draw lam = 2 *fresh* samples, evaluate them at the updated x with a fresh z, update theta.

The run succeeds at the first iteration in which one of its 2 lam samples has a noise-free value
``<= 1/K`` (the x-step samples are judged at the weights they were evaluated at, before the step);
``iterations`` is that iteration's 1-based number. A run that never succeeds stops after
``t_max = 10^5`` iterations.

Random streams (one design for both runners): run seed ``s`` (an int, recorded in runs.csv) gives
``SeedSequence(s).spawn(2) = (opt_seq, prob_seq)``.

* ``opt_seq`` seeds the optimizer's sampling stream: in single-run mode it is the ``seed`` given to
  :class:`asng_opt.ASNG` / ``SNG`` / ``AdamNG``, whose ``ask()`` draws ``rng.random((2, D))`` per
  call (two calls per iteration). The batched runner keeps one ``default_rng(opt_seq)`` per run and
  draws the same numbers in blocks of ``chunk`` iterations (``(chunk, 4, D)`` per run), then hands
  ``(B, 4, D)`` of them to :meth:`asng_opt.Categorical.sample` as its ``rng``.
* ``prob_seq`` seeds the problem's stream ``default_rng(prob_seq)``: first ``x0`` =
  ``standard_normal((D, K))``, then per iteration ``standard_normal(D) / K`` for the x step and
  again for the theta step.

numpy draws a block of doubles exactly as the same number of consecutive calls would, so the
two runners see identical random numbers and, up to floating-point rounding inside the batched
vs unbatched asng-opt updates (which moves theta by ~1e-16 and has not been seen to flip a
sample), identical trajectories: same success flag and iteration count for every seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from asng_opt import ASNG, SNG, AdamNG, Categorical, ranking_utility
from asng_opt import updates as U

from .toy_problem import LAM, SUCCESS_THRESHOLD, T_MAX, D, K, cosine_factors, evaluate, sgd_momentum_step

__all__ = [
    "ALGS",
    "Setting",
    "RunResult",
    "BatchResult",
    "run_streams",
    "make_distribution",
    "make_optimizer",
    "run_single",
    "run_batched",
]

ALGS = ("asng", "sng", "adam")


@dataclass(frozen=True)
class Setting:
    """One point of the study. ``delta0`` is ASNG's delta_theta^0, SNG's delta, Adam's learning rate;
    ``alpha`` is used by ASNG only (NaN for the others)."""

    alg: str
    eps_x: float
    delta0: float
    alpha: float = float("nan")

    def __post_init__(self) -> None:
        if self.alg not in ALGS:
            raise ValueError(f"alg must be one of {ALGS}, got {self.alg!r}")
        if self.alg == "asng" and not self.alpha > 1:
            raise ValueError(f"ASNG needs alpha > 1, got {self.alpha!r}")
        if not (self.eps_x > 0 and self.delta0 > 0):
            raise ValueError(f"eps_x and delta0 must be > 0, got {self.eps_x!r}, {self.delta0!r}")

    @property
    def key(self) -> tuple[str, float, float, Optional[float]]:
        """A hashable identity (``alpha`` is ``None`` for SNG / Adam, since NaN != NaN)."""
        return (self.alg, float(self.eps_x), float(self.delta0), float(self.alpha) if self.alg == "asng" else None)


class RunResult(NamedTuple):
    """Outcome of one run: ``theta`` is the (D, K) distribution parameter when the run stopped."""

    success: bool
    iterations: int
    theta: np.ndarray


class BatchResult(NamedTuple):
    """Outcome of ``N`` runs: ``success`` (N,) bool, ``iterations`` (N,) int (``t_max`` on failure),
    ``theta`` (N, D, K) parameter at the end of the iteration each run stopped in."""

    success: np.ndarray
    iterations: np.ndarray
    theta: np.ndarray


def run_streams(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """``(opt_seq, prob_seq)``: the optimizer's sampling stream and the problem's stream of run ``seed``."""
    opt_seq, prob_seq = np.random.SeedSequence(int(seed)).spawn(2)
    return opt_seq, prob_seq


def make_distribution() -> Categorical:
    """D = 30 categorical variables with K = 5 categories (theta_min = 1/120, appendix D)."""
    return Categorical([K] * D)


def make_optimizer(setting: Setting, dist: Categorical, seed: Any) -> ASNG | SNG | AdamNG:
    """The asng-opt optimizer a user would build for ``setting`` (lam = 2)."""
    if setting.alg == "asng":
        return ASNG(dist, lam=LAM, alpha=setting.alpha, delta_init=setting.delta0, seed=seed)
    if setting.alg == "sng":
        return SNG(dist, lam=LAM, delta=setting.delta0, seed=seed)
    return AdamNG(dist, lam=LAM, lr=setting.delta0, seed=seed)


# ---- single-run mode: the asng-opt classes through ask()/tell() -----------------------------------
def run_single(setting: Setting, seed: int, t_max: int = T_MAX, factors: Optional[np.ndarray] = None) -> RunResult:
    """One run driven through ``ASNG``/``SNG``/``AdamNG`` ``ask()``/``tell()`` exactly as a user would.

    ``factors`` is the cosine table of :func:`cosine_factors` (computed when not given).
    """
    opt_seq, prob_seq = run_streams(seed)
    dist = make_distribution()
    opt = make_optimizer(setting, dist, opt_seq)
    prob = np.random.default_rng(prob_seq)
    sched = cosine_factors(t_max) if factors is None else factors
    eps = np.array([setting.eps_x])
    x = prob.standard_normal((D, K)).reshape(1, D * K)
    v = np.zeros_like(x)
    for t in range(t_max):
        c = opt.ask()  # (2, D): samples for the x step
        z = prob.standard_normal(D) / K
        nf = sgd_momentum_step(x, v, c[None], z[None], eps * sched[t])
        if nf.min() <= SUCCESS_THRESHOLD:
            return RunResult(True, t + 1, opt.theta.copy())
        c = opt.ask()  # fresh samples for the theta step
        z = prob.standard_normal(D) / K
        losses, nf = evaluate(x, c[None], z[None])
        if nf.min() <= SUCCESS_THRESHOLD:
            return RunResult(True, t + 1, opt.theta.copy())
        opt.tell(c, losses[0])
    return RunResult(False, t_max, opt.theta.copy())


# ---- batched runner -------------------------------------------------------------------------------
class _Uniforms:
    """Stands in for a ``numpy.random.Generator`` in :meth:`Categorical.sample`: hands out the
    ``(B, lam, D)`` uniforms drawn ahead from the runs' own streams."""

    def __init__(self) -> None:
        self.u: np.ndarray = np.empty(0)

    def random(self, size: Sequence[int]) -> np.ndarray:
        if tuple(size) != self.u.shape:
            raise RuntimeError(f"uniform block has shape {self.u.shape}, sample() asked for {tuple(size)}")
        return self.u


def _hyper(alg: str, delta0: np.ndarray, alpha: np.ndarray) -> dict[str, np.ndarray]:
    if alg == "asng":
        return {"delta0": delta0, "alpha": alpha}
    return {"delta": delta0} if alg == "sng" else {"lr": delta0}


_INIT = {"asng": U.asng_init, "sng": U.sng_init, "adam": U.adam_init}
_UPDATE = {"asng": U.asng_update, "sng": U.sng_update, "adam": U.adam_update}


def run_batched(
    alg: str,
    eps_x: np.ndarray | float,
    delta0: np.ndarray | float,
    seeds: Sequence[int] | np.ndarray,
    alpha: np.ndarray | float = 1.5,
    t_max: int = T_MAX,
    chunk: int = 32,
    progress: Optional[Callable[[int, int], None]] = None,
) -> BatchResult:
    """Advance ``N = len(seeds)`` independent runs of one algorithm together.

    Args:
        alg: ``"asng"``, ``"sng"`` or ``"adam"``; one algorithm per batch (their states differ).
        eps_x, delta0, alpha: scalars or ``(N,)`` arrays, so runs of different settings share
            the batch (``alpha`` is ignored unless ``alg == "asng"``).
        seeds: ``(N,)`` run seeds (see the module docstring for the streams they give).
        t_max: iteration budget (and cosine period).
        chunk: iterations of random numbers drawn ahead per run; finished runs leave the batch
            at these boundaries (until then their results are frozen and they idle along).
        progress: called as ``progress(iterations_done, active_runs)`` once per chunk.

    Returns:
        :class:`BatchResult` in the order of ``seeds``.
    """
    if alg not in ALGS:
        raise ValueError(f"alg must be one of {ALGS}, got {alg!r}")
    seeds = np.asarray(seeds, dtype=np.int64)
    n = seeds.size
    eps_x_a = np.broadcast_to(np.asarray(eps_x, dtype=float), (n,)).copy()
    delta0_a = np.broadcast_to(np.asarray(delta0, dtype=float), (n,)).copy()
    alpha_a = np.broadcast_to(np.asarray(alpha, dtype=float), (n,)).copy()
    dist = make_distribution()
    sched = cosine_factors(t_max)
    streams = [run_streams(s) for s in seeds]
    opt_rngs = [np.random.default_rng(o) for o, _ in streams]
    prob_rngs = [np.random.default_rng(p) for _, p in streams]

    x = np.empty((n, D * K))
    for r in range(n):
        prob_rngs[r].standard_normal(out=x[r])  # x0 ~ N(0, I), same numbers as standard_normal((D, K))
    v = np.zeros_like(x)
    state: Any = _INIT[alg](dist, (n,))
    ids = np.arange(n)  # original index of each row of the batch
    done = np.zeros(n, dtype=bool)
    success = np.zeros(n, dtype=bool)
    iterations = np.full(n, t_max, dtype=np.int64)
    final_theta = np.empty((n, D, K))
    stream = _Uniforms()
    ub = zb = np.empty(0)
    thr = SUCCESS_THRESHOLD

    for t in range(t_max):
        j = t % chunk
        if j == 0:
            if done.any():  # finished runs leave the batch
                keep = ~done
                ids, x, v, eps_x_a, delta0_a, alpha_a = (a[keep] for a in (ids, x, v, eps_x_a, delta0_a, alpha_a))
                state = type(state)(*(a[keep] for a in state))
                done = done[keep]
            if ids.size == 0:
                break
            if progress is not None:
                progress(t, int(ids.size))
            steps = min(chunk, t_max - t)
            ub = np.empty((ids.size, steps, 2 * LAM, D))
            zb = np.empty((ids.size, steps, 2, D))
            for k, r in enumerate(ids):
                opt_rngs[r].random(out=ub[k])
                prob_rngs[r].standard_normal(out=zb[k])
            zb /= K
        stream.u = ub[:, j]
        c = dist.sample(state.theta, 2 * LAM, stream)  # (B, 4, D): 2 for the x step, 2 for theta
        nf_x = sgd_momentum_step(x, v, c[:, :LAM], zb[:, j, 0], eps_x_a * sched[t])
        ct = c[:, LAM:]
        losses, nf_t = evaluate(x, ct, zb[:, j, 1])
        hit = (np.minimum(nf_x.min(-1), nf_t.min(-1)) <= thr) & ~done
        if hit.any():
            rows = np.flatnonzero(hit)
            success[ids[rows]] = True
            iterations[ids[rows]] = t + 1
            final_theta[ids[rows]] = state.theta[rows]
            done |= hit
        state = _UPDATE[alg](dist, state, ct, ranking_utility(losses), **_hyper(alg, delta0_a, alpha_a))
    live = ~done
    final_theta[ids[live]] = state.theta[live]
    if progress is not None:
        progress(t_max, 0)
    return BatchResult(success, iterations, final_theta)
