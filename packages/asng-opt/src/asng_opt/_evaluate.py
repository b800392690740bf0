"""How :func:`~asng_opt.minimize` evaluates one round: one sample at a time, through a
``concurrent.futures.Executor``, or the whole batch in one vectorized call.

Each way yields ``(j, value_or_message, exception)`` for ``j = 0, ..., lam - 1`` in order: a finite
float, or a failure message (with the exception raised, if any). The values depend only on the
samples, so a seeded run is the same whatever the way.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Optional, Tuple

from ._checks import is_real
from ._samples import copy_samples
from ._samples import item as _item

__all__ = ["ExecutorRefused", "as_value", "check_executor", "evaluations"]

Outcome = Tuple[int, "float | str", Optional[Exception]]


class ExecutorRefused(RuntimeError):
    """``executor.submit`` raised (the executor is shut down or broken): not an evaluation failure."""


def _shape(v: Any) -> tuple[int, ...] | None:
    """``v.shape`` as a tuple, or None where ``v`` has no usable shape."""
    try:
        return tuple(v.shape)
    except Exception:  # noqa: BLE001 -- anything without a usable shape
        return None


def _describe(v: Any) -> str:
    """A short description of a returned value for a failure message."""
    shape = _shape(v)
    if shape:
        return f"{type(v).__name__} of shape {shape}"
    r = repr(v)
    return f"{type(v).__name__} {r if len(r) <= 60 else r[:57] + '...'}"


def as_value(y: Any) -> float | str:
    """The objective's return value as a finite float, or a message saying why it is not one.

    Accepted: int, float, numpy real scalars (and other ``numbers.Real``), and 0-d arrays or
    tensors whose ``.item()`` is one of those. Refused: bools, strings, None, complex numbers,
    arrays of any other shape (even 1-element ones), NaN and +-inf.
    """
    v = y
    if not is_real(v):
        if _shape(v) == () and hasattr(v, "item"):
            try:
                v = v.item()
            except Exception:  # noqa: BLE001 -- whatever .item() does, it is not a real number
                v = None
        if not is_real(v):
            return f"objective returned {_describe(y)}, not a real number"
    try:
        f = float(v)
    except (OverflowError, TypeError, ValueError) as e:
        return f"objective returned {_describe(y)}, not convertible to float ({e})"
    if not math.isfinite(f):
        return f"objective returned {f}"
    return f


def _failure(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"


def check_executor(fun: Any, executor: Any, vectorized: bool) -> None:
    """ValueError for an executor without ``submit``, ``executor`` with ``vectorized``, or an
    objective a ``ProcessPoolExecutor`` cannot pickle."""
    if executor is None:
        return
    if not callable(getattr(executor, "submit", None)):
        raise ValueError(
            f"minimize: executor must be a concurrent.futures.Executor (an object with submit), "
            f"got {type(executor).__name__}"
        )
    if vectorized:
        raise ValueError("minimize: executor and vectorized=True cannot be combined: pass one or the other")
    if isinstance(executor, ProcessPoolExecutor):
        try:
            pickle.dumps(fun)
        except Exception as e:  # noqa: BLE001 -- PicklingError, AttributeError, TypeError, ...
            raise ValueError(
                f"minimize: fun cannot be pickled for a ProcessPoolExecutor ({_failure(e)}); define the "
                "objective as a module-level function (not a lambda or a local function), or use a "
                "ThreadPoolExecutor"
            ) from e


def _serial(fun: Callable[[Any], Any], samples: Any, lam: int) -> Generator[Outcome, None, None]:
    for j in range(lam):
        try:
            y = as_value(fun(_item(samples, j)))
        except Exception as e:  # noqa: BLE001 -- documented: a failed evaluation is the worst
            yield j, _failure(e), e
        else:
            yield j, y, None


def _outcome(j: int, future: Any) -> Outcome:
    try:
        return j, as_value(future.result()), None
    except Exception as e:  # noqa: BLE001 -- an exception raised in a worker is a failed evaluation
        return j, _failure(e), e


#: what minimize calls on what ``executor.submit`` returns (a concurrent.futures.Future, or a
#: look-alike such as dask's)
_FUTURE_METHODS = ("result", "cancel", "done", "cancelled")


def _submitted(fun: Callable[[Any], Any], samples: Any, lam: int, executor: Any) -> Generator[Outcome, None, None]:
    futures: list[Any] = []
    try:
        for j in range(lam):
            try:
                future = executor.submit(fun, _item(samples, j))
            except Exception as e:  # noqa: BLE001 -- shut down, broken, or refusing: say so, do not retry
                why = "is it shut down or broken? minimize never shuts an executor down: pass a running one"
                if "pickle" in str(e).lower():
                    why = "it could not pickle the call: define the objective at module level, or use a "
                    why += "ThreadPoolExecutor"
                raise ExecutorRefused(
                    f"minimize: the executor ({type(executor).__name__}) refused evaluation {j} of the "
                    f"round ({_failure(e)}); {why}"
                ) from e
            if not all(callable(getattr(future, m, None)) for m in _FUTURE_METHODS):
                raise ExecutorRefused(
                    f"minimize: {type(executor).__name__}.submit returned {type(future).__name__}, not a "
                    f"concurrent.futures.Future (an object with {', '.join(_FUTURE_METHODS)} methods)"
                )
            futures.append(future)
        j = 0
        try:
            for j, future in enumerate(futures):
                yield _outcome(j, future)
        except KeyboardInterrupt:
            # Ctrl-C while waiting: cancel what has not started, keep what had already finished
            for future in futures[j:]:
                future.cancel()
            for k in range(j + 1, lam):
                if futures[k].done() and not futures[k].cancelled():
                    yield _outcome(k, futures[k])
            raise
    finally:
        for future in futures:
            future.cancel()


def _entries(ys: Any, lam: int) -> list[Any] | str:
    """The ``lam`` values a vectorized objective returned, or a message saying why they are not."""
    if isinstance(ys, (list, tuple)):
        if len(ys) == lam:
            return list(ys)
        return f"vectorized objective returned a {type(ys).__name__} of {len(ys)} values, expected lam={lam}"
    shape = _shape(ys)
    if shape == (lam,):
        return [ys[j] for j in range(lam)]
    return f"vectorized objective returned {_describe(ys)}, expected {lam} values (shape ({lam},))"


def _vectorized(fun: Callable[[Any], Any], samples: Any, lam: int) -> Generator[Outcome, None, None]:
    # the batch as ask() gives it, owned by fun: a Space's list of new configuration dicts (holding
    # the Choice's own labels, never copies of them), or copied arrays
    batch = [dict(c) for c in samples] if isinstance(samples, list) else copy_samples(samples)
    try:
        ys = fun(batch)
    except Exception as e:  # noqa: BLE001 -- the whole round failed
        for j in range(lam):
            yield j, _failure(e), e
        return
    entries = _entries(ys, lam)
    for j in range(lam):
        yield (j, entries, None) if isinstance(entries, str) else (j, as_value(entries[j]), None)


def evaluations(
    fun: Callable[[Any], Any], samples: Any, lam: int, executor: Any = None, vectorized: bool = False
) -> Generator[Outcome, None, None]:
    """The round's outcomes in order (see the module docstring)."""
    if vectorized:
        return _vectorized(fun, samples, lam)
    if executor is not None:
        return _submitted(fun, samples, lam, executor)
    return _serial(fun, samples, lam)
