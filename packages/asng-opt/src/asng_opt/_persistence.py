"""An optimizer's persistence: its :meth:`~asng_opt.Optimizer.state_dict` (plain Python / numpy
data, picklable) and the loading of one, every check first, so that a refused dict leaves the
optimizer exactly as it was (:meth:`~asng_opt.Optimizer.load_state_dict`)."""

from __future__ import annotations

import copy
import reprlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import _checks
from ._samples import all_finite, copy_samples, samples_equal
from ._space_fingerprint import fingerprint
from ._space_parts import legacy_specs

if TYPE_CHECKING:
    from .optimizer import Optimizer

__all__ = [
    *("BIT_GENERATORS", "STATE_VERSION", "RENAMED_V1"),
    *("state_dict", "load_state_dict", "Loaded", "check_state_dict"),
]

#: the layout version of :meth:`Optimizer.state_dict` (1: before the step size was named delta0)
STATE_VERSION = 2

_KEYS = (
    *("optimizer", "version", "distribution", "hyper", "lam", "maximize"),
    *("t", "n_skipped", "state", "rng", "pending"),
)
#: hyper-parameters renamed since version 1 of the layout
RENAMED_V1 = {"delta_init": "delta0"}


def state_dict(opt: Optimizer) -> dict[str, Any]:
    """Everything needed to continue ``opt`` bit-identically (a deep copy): its class, the layout
    version, the distribution's spec, hyper-parameters, lam, maximize, the counters, the state
    tuple by field, the RNG state and the pending ask; ``"space"``: with a Space, its
    :func:`~asng_opt._space_fingerprint.fingerprint` (a load into an optimizer on another Space
    is refused), else None."""
    return copy.deepcopy(
        {
            "optimizer": type(opt).__name__,
            "version": STATE_VERSION,
            "distribution": opt.distribution.spec(),
            "hyper": opt.hyper(),
            "lam": opt.lam,
            "maximize": opt.maximize,
            "t": opt.t,
            "n_skipped": opt.n_skipped,
            "state": dict(zip(opt.state_fields, opt.state)),
            "rng": opt._rng.bit_generator.state,
            "pending": opt._pending,
            "space": None if opt.space is None else fingerprint(opt.space.variables),
        }
    )


def load_state_dict(opt: Optimizer, state: Any) -> None:
    """Check the whole ``state`` (:func:`check_state_dict`), then assign it to ``opt``.

    Raises:
        ValueError: the first problem found; ``opt`` is then unchanged.
    """
    loaded = check_state_dict(opt, state)
    for k, v in loaded.hyper.items():
        setattr(opt, k, v)
    opt.lam, opt.maximize = loaded.lam, loaded.maximize
    opt.t, opt.n_skipped = loaded.t, loaded.n_skipped
    opt.state = loaded.state
    opt._rng = loaded.rng
    opt._pending = loaded.pending


class Loaded(NamedTuple):
    """A checked state dict, ready to assign."""

    hyper: dict[str, Any]
    lam: int
    maximize: bool
    t: int
    n_skipped: int
    state: Any
    rng: np.random.Generator
    pending: Any


def check_state_dict(opt: Optimizer, state: Any) -> Loaded:
    """Check ``state`` against ``opt`` (its class, distribution and state shapes) and return it
    converted; raise ``ValueError`` naming the first problem."""
    name = type(opt).__name__
    where = f"{name}.load_state_dict"
    if not isinstance(state, Mapping):
        raise ValueError(f"{where}: expected a dict from state_dict(), got {type(state).__name__}")
    missing = [k for k in _KEYS if k not in state]
    if missing:
        raise ValueError(f"{where}: the state lacks {missing}")
    if state["optimizer"] != name:
        raise ValueError(f"{where}: state is from {state['optimizer']!r}, not {name}")
    if state["version"] not in (1, STATE_VERSION):
        raise ValueError(f"{where}: unknown state version {state['version']!r} (this code reads 1 and {STATE_VERSION})")
    spec = opt.distribution.spec()
    # the same space as asng-opt 0.15 (no clip_draws) or 0.14 (and its reals' coarser floor) wrote it
    legacy = state["distribution"] != spec
    if legacy and state["distribution"] not in legacy_specs(spec):
        raise ValueError(f"{where}: the state's distribution does not match this optimizer's{_differs(state, spec)}")
    saved_space = state.get("space")  # absent before asng-opt 0.7, None without a Space: not compared
    if saved_space is not None and opt.space is not None and saved_space != fingerprint(opt.space.variables):
        raise ValueError(
            f"{where}: the state was saved on another Space (the same kinds and counts of variables, "
            "but other names, labels, ranges, steps or scales); load it into an optimizer on that Space"
        )
    st = copy.deepcopy(dict(state))
    hyper = st["hyper"]
    if isinstance(hyper, Mapping) and st["version"] == 1:
        hyper = {RENAMED_V1.get(k, k): v for k, v in hyper.items()}
    if not isinstance(hyper, Mapping) or set(hyper) != set(opt.hyper()):
        got = sorted(hyper) if isinstance(hyper, Mapping) else hyper
        raise ValueError(f"{where}: hyper-parameters {got} != {sorted(opt.hyper())}")
    try:  # the constructor's own checks on lam, maximize and every hyper-parameter
        probe = type(opt)(opt.distribution, lam=st["lam"], maximize=st["maximize"], **hyper)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None
    t = _checks.count("t", st["t"], where)
    n_skipped = _checks.count("n_skipped", st["n_skipped"], where)
    if n_skipped > t:
        raise ValueError(f"{where}: n_skipped ({n_skipped}) exceeds t ({t})")
    return Loaded(
        hyper=probe.hyper(),
        lam=probe.lam,
        maximize=probe.maximize,
        t=t,
        n_skipped=n_skipped,
        state=_check_fields(opt, st["state"], where),
        rng=_check_rng(st["rng"], where),
        pending=_check_pending(opt, _redecoded(opt, st["pending"]) if legacy else st["pending"], where),
    )


def _check_fields(opt: Optimizer, fields: Any, where: str) -> Any:
    names = opt.state_fields
    if not isinstance(fields, Mapping) or set(fields) != set(names):
        got = sorted(fields) if isinstance(fields, Mapping) else fields
        raise ValueError(f"{where}: state fields {got} != {sorted(names)}")
    dist = opt.distribution
    try:
        theta = dist.check_theta(fields["theta"])
    except ValueError as e:
        raise ValueError(f"{where}: theta: {e}") from None
    if not dist.in_domain(theta):
        raise ValueError(f"{where}: theta lies outside the domain Theta of the distribution (appendix D)")
    values: dict[str, Any] = {"theta": theta}
    for k, current in zip(names[1:], tuple(opt.state)[1:]):
        v = np.asarray(fields[k])
        if v.shape != np.shape(current) or v.dtype.kind not in "biuf" or not np.all(np.isfinite(v)):
            raise ValueError(f"{where}: {k!r} must be finite numbers with shape {np.shape(current)}")
        values[k] = v
    opt._check_state(values, where)
    for k, current in zip(names[1:], tuple(opt.state)[1:]):
        if isinstance(current, (int, float)):  # keep Python scalars scalar
            values[k] = type(current)(values[k])
    return type(opt.state)(*(values[k] for k in names))


#: numpy's bit generators, by the name their state carries (``bit_generator.state["bit_generator"]``)
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def _check_rng(state: Any, where: str) -> np.random.Generator:
    """A Generator on a new bit generator of the kind ``state`` names (one of numpy's
    :data:`BIT_GENERATORS`, whichever the saved optimizer was seeded with), set to ``state``."""
    name = state.get("bit_generator") if isinstance(state, Mapping) else None
    if name is None:
        raise ValueError(f"{where}: 'rng' must be a numpy bit generator state (a dict with 'bit_generator')")
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise ValueError(
            f"{where}: 'rng' is a state of an unknown bit generator {name!r} (known: {list(BIT_GENERATORS)})"
        )
    bit_generator = getattr(np.random, name)(0)  # seeded only to skip OS entropy; the state replaces it
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as e:
        raise ValueError(f"{where}: 'rng' is not a valid {name} state ({e!r})") from None
    return np.random.Generator(bit_generator)


def _differs(state: Mapping[str, Any], spec: Any) -> str:
    """``": <what differs>"`` between the saved distribution spec and this optimizer's (or the older
    layout of it, :func:`legacy_specs`, that is closest): the first entry, ``type`` and
    ``n_variables`` first, of the first Product part (or single distribution) that differs; ``""``
    when the specs are not comparable dicts. Never raises: it only words a refusal."""
    try:
        saved = state["distribution"]
        return min((_first_difference(saved, c) for c in (spec, *legacy_specs(spec))), key=lambda d: d[0])[1]
    except Exception:  # noqa: BLE001 -- a message helper: an odd spec gets the plain refusal
        return ""


def _first_difference(saved: Any, spec: Any) -> tuple[int, str]:
    """``(n, message)``: how many entries of ``saved`` and ``spec`` differ, and the first of them."""
    if not (isinstance(saved, dict) and isinstance(spec, dict)):
        return (1, "")
    pairs = [("", saved, spec)]
    if saved.get("type") == spec.get("type") == "Product":
        a, b = saved.get("parts"), spec.get("parts")
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return (1, "")
        if set(a) != set(b):
            return (1, f": parts {sorted(map(str, a))} saved, {sorted(map(str, b))} here")
        pairs = [(f"part {k!r}, ", a[k], b[k]) for k in b]
    found = []
    for where, a, b in pairs:
        if not (isinstance(a, dict) and isinstance(b, dict)):
            found.append(f": {where}{reprlib.repr(a)} in the state, {reprlib.repr(b)} here")
            continue
        first = [k for k in ("type", "n_variables") if k in a or k in b]
        for k in first + sorted((set(a) | set(b)) - set(first), key=repr):
            if not _same(a.get(k, _ABSENT), b.get(k, _ABSENT)):
                shown = [
                    reprlib.repr(v) if v is not _ABSENT else "absent" for v in (a.get(k, _ABSENT), b.get(k, _ABSENT))
                ]
                found.append(f": {where}{k!r} is {shown[0]} in the state, {shown[1]} here")
    return (len(found), found[0] if found else "")


_ABSENT = object()


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(a, b)) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else bool(a == b)
    except Exception:  # noqa: BLE001 -- incomparable values differ
        return False


def _redecoded(opt: Optimizer, pending: Any) -> Any:
    """A pending ask of a state saved under an older layout of the same named space (asng-opt 0.15 or
    earlier: its reals' Gaussian decoded a draw as drawn, 0.16's clips it, ``clip_draws``): when the
    saved samples are exactly what that version decoded (the reals as drawn, every other part as
    today), the raw draws with the samples decoded as this optimizer decodes them, so that an ask
    saved with a draw outside its range still loads; anything else as it is (checked next: samples
    that match neither decoding are refused)."""
    if not (isinstance(pending, (tuple, list)) and len(pending) == 2):
        return pending
    user, raw = pending
    try:
        new = opt.distribution.decode(raw)
        if isinstance(new, dict) and isinstance(raw, Mapping) and "float" in raw:
            old = {**new, "float": raw["float"]}  # 0.14-0.15: the reals as drawn
            if samples_equal(user, old):
                return (new, raw)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        pass
    return pending


def _check_pending(opt: Optimizer, pending: Any, where: str) -> Any:
    """``None`` or ``(decoded, raw)`` samples of an ask: valid samples whose raw draws decode to them."""
    if pending is None:
        return None
    bad = f"{where}: 'pending' must be None or the (samples, raw draws) of an ask()"
    if not isinstance(pending, (tuple, list)) or len(pending) != 2:
        raise ValueError(bad)
    user, raw = pending
    try:
        opt.distribution.check_samples(user)
    except ValueError as e:
        raise ValueError(f"{bad}: {e}") from None
    try:
        if not all_finite(raw) or not samples_equal(opt.distribution.decode(raw), user):
            raise ValueError("the raw draws do not decode to the samples")
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
        raise ValueError(f"{bad}: {e}") from None
    return (copy_samples(user), copy_samples(raw))
