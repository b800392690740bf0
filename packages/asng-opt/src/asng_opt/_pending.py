"""An optimizer's ``ask`` and the raw draws behind its samples: which raw samples a ``tell``
updates with.

``ask`` keeps ``opt._pending = (decoded samples, raw draws)``. Told samples equal to the decoded
ones are those draws (so an :class:`~asng_opt.Integer` updates with its unrounded Gaussian draws);
any other valid samples are used as given. With a named :class:`~asng_opt.Space` the told
configurations are encoded first, and they are the last ask's when they encode as its
configurations do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._samples import copy_samples, n_samples, samples_equal

if TYPE_CHECKING:
    from .optimizer import Optimizer

__all__ = ["ask", "told_raw"]


def ask(opt: Optimizer, n: Any) -> Any:
    """``n`` samples of ``opt``'s distribution at its theta, remembered as the pending ask: the raw
    draws decoded (``distribution.decode``), or with a Space their configurations.

    Raises:
        ValueError: if ``n`` is not a positive integer (before anything is drawn).
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{type(opt).__name__}.ask: n must be a positive integer, got {n!r}")
    raw = opt.distribution.sample(opt.theta, int(n), opt._rng)
    user = opt.distribution.decode(raw)
    opt._pending = (copy_samples(user), raw)
    if opt.space is None:
        return user
    configs = opt.space.decode(user)
    opt._asked_codes = (opt._pending, opt.space.encode(configs))  # before the caller may edit them
    return configs


def told_raw(opt: Optimizer, samples: Any) -> tuple[Any, int]:
    """The raw samples and their number ``k`` that ``opt.tell(samples, ...)`` updates with.

    Args:
        opt: the optimizer (its distribution, space and pending ask are read; the cache of the
            asked configurations' encoding may be filled).
        samples: ``(k, ...)`` samples of ``opt.distribution``, or with a Space a list of ``k``
            configuration dicts.

    Raises:
        ValueError: samples (or configurations) that do not fit the space, named by
            ``distribution.check_samples`` / ``space.encode`` and prefixed ``<Optimizer>.tell:``.
    """
    if opt.space is not None:
        samples = _encode_configs(opt, samples)
    if opt._pending is not None and samples_equal(samples, opt._pending[0]):
        raw = opt._pending[1]
        return raw, n_samples(raw)
    try:
        return opt.distribution.check_samples(samples)
    except ValueError as e:
        raise ValueError(f"{type(opt).__name__}.tell: {e}") from None


def _encode_configs(opt: Optimizer, configs: Any) -> Any:
    """Told configurations -> a batch; the last ask's own batch when they encode as its
    configurations do (so that its raw draws are used)."""
    space = opt.space
    assert space is not None
    try:
        batch = space.encode(configs)
    except ValueError as e:
        raise ValueError(f"{type(opt).__name__}.tell: {e}") from None
    pending = opt._pending
    if pending is not None:
        # the encoding of the asked configurations (made by ask; again after load_state_dict)
        if opt._asked_codes is None or opt._asked_codes[0] is not pending:
            opt._asked_codes = (pending, space.encode(space.decode(pending[0])))
        if samples_equal(batch, opt._asked_codes[1]):
            return pending[0]
    return batch
