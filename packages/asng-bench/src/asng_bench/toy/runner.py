"""Runs of the toy study: a single-run mode through the asng-opt classes and a batched runner
(many runs along a leading axis).

One iteration ("Protocol of the toy study" in the asng-bench README):

1. draw lam = 2 samples from p_theta, one SGD-with-momentum step on x for their mean loss (fresh z);
2. draw lam = 2 *fresh* samples, evaluate them at the updated x with a fresh z, update theta.

The run succeeds at the first iteration in which one of its 2 lam samples has a noise-free value
``<= 1/K`` (the x-step samples are judged at the weights they were evaluated at, before the step);
``iterations`` is that iteration's 1-based number. A run that never succeeds stops after
``t_max = 10^5`` iterations.

Both runners draw each run's random numbers from the streams of :func:`.settings.run_streams`.
numpy draws a block of doubles exactly as the same number of consecutive calls would, and
``Categorical.sample(theta, lam, rng)`` is ``sample_from_uniforms(theta, rng.random(B + (lam, n)))``,
so the two runners see identical random numbers and, up to floating-point rounding inside the
batched vs unbatched asng-opt updates (which moves theta by ~1e-16 and has not been seen to flip a
sample), identical trajectories: same success flag and iteration count for every seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from asng_opt import ranking_utility
from asng_opt import updates as U

from .problem import LAM, SUCCESS_THRESHOLD, T_MAX, D, K, cosine_factors, evaluate, sgd_momentum_step
from .settings import ALGS, Setting, make_distribution, make_optimizer, run_streams

__all__ = ["RunResult", "BatchResult", "run_single", "run_batched"]


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


# ---- single-run mode: the asng-opt classes through ask()/tell() -----------------------------------
def run_single(setting: Setting, seed: int, t_max: int = T_MAX, factors: Optional[np.ndarray] = None) -> RunResult:
    """One run driven through ``ASNG``/``SNG``/``AdamNG`` ``ask()``/``tell()`` exactly as a user would.

    ``factors`` is the cosine table of :func:`.problem.cosine_factors` (computed when not given).
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
_INIT: dict[str, Callable[..., Any]] = {"asng": U.asng_init, "sng": U.sng_init, "adam": U.adam_init}
_UPDATE: dict[str, Callable[..., Any]] = {"asng": U.asng_update, "sng": U.sng_update, "adam": U.adam_update}


def _hyper(alg: str, delta0: np.ndarray, alpha: np.ndarray) -> dict[str, np.ndarray]:
    """The keyword arguments of ``alg``'s batched update."""
    if alg == "asng":
        return {"delta0": delta0, "alpha": alpha}
    return {"delta": delta0} if alg == "sng" else {"lr": delta0}


def _per_run(value: np.ndarray | float, n: int) -> np.ndarray:
    """A scalar or ``(n,)`` array as an ``(n,)`` float array of its own."""
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()


@dataclass
class _Rows:
    """The runs still in the batch, one row each: original index, weights ``x`` and momentum ``v``
    (``(B, D * K)``, C-contiguous), hyper-parameters, the optimizer state and the finished flag."""

    ids: np.ndarray
    x: np.ndarray
    v: np.ndarray
    eps_x: np.ndarray
    delta0: np.ndarray
    alpha: np.ndarray
    state: Any
    done: np.ndarray

    def without_done(self) -> _Rows:
        keep = ~self.done
        state = type(self.state)(*(a[keep] for a in self.state))
        return _Rows(
            self.ids[keep], self.x[keep], self.v[keep], self.eps_x[keep], self.delta0[keep], self.alpha[keep],
            state, self.done[keep],
        )  # fmt: skip


def _draw(
    rows: _Rows, opt_rngs: Sequence[np.random.Generator], prob_rngs: Sequence[np.random.Generator], steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """``steps`` iterations of each run's numbers drawn ahead: uniforms ``(B, steps, 2 lam, D)`` for
    the samples and noise ``(B, steps, 2, D)`` (already divided by K) for the two evaluations."""
    ub = np.empty((rows.ids.size, steps, 2 * LAM, D))
    zb = np.empty((rows.ids.size, steps, 2, D))
    for k, r in enumerate(rows.ids.tolist()):
        opt_rngs[r].random(out=ub[k])
        prob_rngs[r].standard_normal(out=zb[k])
    zb /= K
    return ub, zb


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
        seeds: ``(N,)`` run seeds (see :mod:`.settings` for the streams they give).
        t_max: iteration budget (and cosine period).
        chunk: iterations of random numbers drawn ahead per run; finished runs leave the batch
            at these boundaries (until then their results are frozen and they idle along).
        progress: called as ``progress(iterations_done, active_runs)`` once per chunk.

    Returns:
        :class:`BatchResult` in the order of ``seeds``.
    """
    if alg not in ALGS:
        raise ValueError(f"alg must be one of {ALGS}, got {alg!r}")
    seed_list = np.asarray(seeds, dtype=np.int64).tolist()
    n = len(seed_list)
    dist = make_distribution()
    sched = cosine_factors(t_max)
    streams = [run_streams(s) for s in seed_list]
    opt_rngs = [np.random.default_rng(o) for o, _ in streams]
    prob_rngs = [np.random.default_rng(p) for _, p in streams]
    x = np.empty((n, D * K))
    for r in range(n):
        prob_rngs[r].standard_normal(out=x[r])  # x0 ~ N(0, I), same numbers as standard_normal((D, K))
    hyper = (_per_run(eps_x, n), _per_run(delta0, n), _per_run(alpha, n))
    rows = _Rows(np.arange(n), x, np.zeros_like(x), *hyper, state=_INIT[alg](dist, (n,)), done=np.zeros(n, bool))
    success = np.zeros(n, dtype=bool)
    iterations = np.full(n, t_max, dtype=np.int64)
    final_theta = np.empty((n, D, K))
    ub = zb = np.empty(0)

    for t in range(t_max):
        j = t % chunk
        if j == 0:
            if rows.done.any():  # finished runs leave the batch
                rows = rows.without_done()
            if rows.ids.size == 0:
                break
            if progress is not None:
                progress(t, int(rows.ids.size))
            ub, zb = _draw(rows, opt_rngs, prob_rngs, min(chunk, t_max - t))
        c = dist.sample_from_uniforms(rows.state.theta, ub[:, j])  # (B, 4, D): 2 for the x step, 2 for theta
        nf_x = sgd_momentum_step(rows.x, rows.v, c[:, :LAM], zb[:, j, 0], rows.eps_x * sched[t])
        ct = c[:, LAM:]
        losses, nf_t = evaluate(rows.x, ct, zb[:, j, 1])
        hit = (np.minimum(nf_x.min(-1), nf_t.min(-1)) <= SUCCESS_THRESHOLD) & ~rows.done
        if hit.any():
            first = rows.ids[hit]
            success[first] = True
            iterations[first] = t + 1
            final_theta[first] = rows.state.theta[hit]
            rows.done |= hit
        utility = ranking_utility(losses)
        rows.state = _UPDATE[alg](dist, rows.state, ct, utility, **_hyper(alg, rows.delta0, rows.alpha))
    live = ~rows.done
    final_theta[rows.ids[live]] = rows.state.theta[live]
    if progress is not None:
        progress(t_max, 0)
    return BatchResult(success, iterations, final_theta)
