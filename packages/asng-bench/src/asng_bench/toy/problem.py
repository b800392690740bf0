"""The selective squared error function of section 3.1, batched (the study: "Protocol of the toy
study" in the asng-bench README).

Objective, to be minimised, for weights ``x`` (D x K) and categories ``c`` (D ints in [0, K)):

    loss(x, c; z) = sum_i [ (x[i, c_i] - z_i)^2 + c_i / K ],   z ~ N(0, I_D / K^2)

one fresh ``z`` per call, shared by the samples evaluated in that call. The noise-free value is
``sum_i [ x[i, c_i]^2 + c_i / K ]`` and a run succeeds once some sample has a noise-free value
``<= 1 / K`` (the paper's ``< 1/K + D/K^2`` with the noise variance ``D/K^2`` taken out).

The weights are updated by SGD with momentum 0.9 (PyTorch convention ``v <- 0.9 v + g``,
``x <- x - lr v``, no dampening or weight decay) and a cosine-annealed learning rate.

Shapes (``B`` = number of runs advancing together, ``lam`` = samples per call):

* ``x``, ``v``: ``(B, D * K)`` float64, row-major flattening of the D x K matrix (``x[b, i * K + k]``)
* ``c``: ``(B, lam, D)`` integer category indices
* ``z``: ``(B, D)`` float64 noise, already scaled by ``1 / K``
* losses, noise-free values: ``(B, lam)``

Every function is written so that a batch of one computes bit-for-bit what row ``b`` of a larger
batch computes; the single-run and the batched runner share them.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "D",
    "K",
    "T_MAX",
    "LAM",
    "MOMENTUM",
    "SUCCESS_THRESHOLD",
    "cosine_factors",
    "gather",
    "evaluate",
    "noise_free",
    "sgd_momentum_step",
    "loss_and_grad_dense",
]

D = 30  #: number of categorical variables
K = 5  #: categories per variable
T_MAX = 100_000  #: iteration budget; also the cosine annealing period
LAM = 2  #: samples per x step and per theta step
MOMENTUM = 0.9
SUCCESS_THRESHOLD = 1.0 / K  #: success: a noise-free value <= 1 / K


def cosine_factors(t_max: int = T_MAX) -> np.ndarray:
    """``(t_max,)`` factors ``0.5 (1 + cos(pi t / t_max))`` for iterations ``t = 0 .. t_max - 1``.

    The learning rate of iteration ``t`` is ``eps_x * factor[t]`` (cosine annealing from ``eps_x``
    towards 0 over ``t_max`` iterations, as ``torch.optim.lr_scheduler.CosineAnnealingLR`` with
    ``T_max = t_max`` stepped once per iteration). A table, so both runners use identical values.
    """
    t = np.arange(t_max, dtype=np.float64)
    return 0.5 * (1.0 + np.cos(math.pi * t / t_max))


def _flat_index(c: np.ndarray, k: int = K) -> np.ndarray:
    """``(B, lam, D)`` indices into ``x.reshape(-1)`` of the entries ``x[b, i, c[b, j, i]]``."""
    b, _, d = c.shape
    base = (np.arange(b) * (d * k))[:, None, None] + np.arange(0, d * k, k)
    return base + c


def gather(x: np.ndarray, c: np.ndarray, k: int = K) -> np.ndarray:
    """The active weights ``x[b, i, c[b, j, i]]``: ``(B, lam, D)`` from x ``(B, D * K)``, c ``(B, lam, D)``."""
    return np.take(x, _flat_index(c, k))


def noise_free(x: np.ndarray, c: np.ndarray, k: int = K) -> np.ndarray:
    """``(B, lam)`` noise-free values ``sum_i x[i, c_i]^2 + c_i / K``."""
    xg = gather(x, c, k)
    return (xg * xg).sum(-1) + c.sum(-1) / k


def evaluate(x: np.ndarray, c: np.ndarray, z: np.ndarray, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """Noisy losses and noise-free values, both ``(B, lam)``, of samples ``c`` at weights ``x``.

    ``z`` is ``(B, D)`` (already ``~ N(0, I / K^2)``), shared by the ``lam`` samples of a run.
    """
    xg = gather(x, c, k)
    r = xg - z[:, None, :]
    pen = c.sum(-1) / k
    return (r * r).sum(-1) + pen, (xg * xg).sum(-1) + pen


def sgd_momentum_step(
    x: np.ndarray, v: np.ndarray, c: np.ndarray, z: np.ndarray, lr: np.ndarray, k: int = K
) -> np.ndarray:
    """One SGD-with-momentum step on the mean loss of the ``lam`` samples; updates ``x``, ``v`` in place.

    The gradient of ``mean_j loss(x, c_j; z)`` is ``(2 / lam) (x[i, c_ji] - z_i)`` at entry
    ``(i, c_ji)`` of sample ``j`` (summed over samples that pick the same entry) and 0 elsewhere.
    ``v <- 0.9 v + grad`` (each sample's part added in turn, in place); ``x <- x - lr v`` with ``lr``
    of shape ``(B,)``. ``v`` must be C-contiguous.

    Returns the ``(B, lam)`` noise-free values of the samples at the weights *before* the step
    (the protocol's success test counts these samples too).
    """
    lam = c.shape[1]
    idx = _flat_index(c, k)
    xg = np.take(x, idx)
    nf = (xg * xg).sum(-1) + c.sum(-1) / k
    coef = (xg - z[:, None, :]) * (2.0 / lam)  # (B, lam, D)
    v *= MOMENTUM
    flat = v.reshape(-1)  # a view: v is C-contiguous
    for j in range(lam):  # one sample's entries are distinct, so a buffered += is exact
        flat[idx[:, j]] += coef[:, j]
    x -= lr[:, None] * v
    return nf


def loss_and_grad_dense(x: np.ndarray, c: np.ndarray, z: np.ndarray, k: int = K) -> tuple[float, np.ndarray]:
    """Reference for tests: the mean loss of the samples and its gradient, one run, with one-hot sums.

    ``x`` ``(D, K)``, ``c`` ``(lam, D)``, ``z`` ``(D,)``; returns ``(mean loss, (D, K) gradient)``.
    """
    lam, d = c.shape
    onehot = np.eye(k)[c]  # (lam, D, K)
    active = (onehot * x[None]).sum(-1)  # (lam, D)
    losses = ((active - z) ** 2 + c / k).sum(-1)
    grad = (2.0 / lam) * ((active - z)[..., None] * onehot).sum(0)
    return float(losses.mean()), grad
