"""Named search spaces: hyper-parameters by name and value on top of the asng_opt distributions.

``Space(optimizer=Choice(["sgd", "adam"]), layers=IntRange(1, 8), lr=FloatRange(1e-5, 1e-1, log=True))``
describes a configuration as a dict of plain Python values and builds the distribution the
optimizers search (:attr:`Space.distribution`):

* every :class:`Choice` is one variable of a single :class:`~asng_opt.Categorical` (category
  index = position in ``values``);
* every :class:`IntRange` is one variable of a single :class:`~asng_opt.Integer` over the grid
  index ``j = low // step + (v - low) / step`` (``j = v`` when ``step == 1``, ``j = v / step`` when
  ``step`` divides ``low``), so that neighbouring grid points are one unit apart;
* every :class:`FloatRange` is one variable of a single :class:`~asng_opt.Gaussian` over the
  unit coordinate ``u`` in [0, 1]: ``x = (1 - u) low + u high``, or ``log x = (1 - u) log low +
  u log high`` with ``log=True``. The mean stays in [0, 1] (the Gaussian's bounds); a draw
  outside [0, 1] is **clipped** to the nearer bound before it is decoded, and the decoded value
  is clipped into ``[low, high]`` again (rounding of ``exp``). The Gaussian is built with
  ``clip_draws=True`` (asng-opt 0.16): the separable rule of
  :class:`~asng_opt.blackbox.BlackBoxASNG` (``covariance="diagonal"``) updates from the clipped
  draws, the points evaluated; the other updates use the raw draw. The search starts at
  ``u = 0.5`` (the middle, the geometric middle on the log scale) with sigma =
  :data:`FLOAT_SIGMA_INIT` and keeps sigma in [:data:`FLOAT_SIGMA_MIN`, :data:`FLOAT_SIGMA_MAX`]
  (in units of the range).

The distribution is the ``Categorical`` itself when every variable is a ``Choice`` (the layout
asng-nas's spaces and checkpoints use), else a :class:`~asng_opt.Product` with parts ``"cat"``,
``"int"`` and ``"float"`` in that order, empty ones left out. Within a part the variables keep
their definition order.

The variables are defined in :mod:`asng_opt.variables` (and importable from here), the conversion
of values to coordinates and back in :mod:`asng_opt._space_codec`, the parts in
:mod:`asng_opt._space_parts` (with the ``FLOAT_SIGMA_*`` constants, importable from here).
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from ._space_codec import decode_batch, encode_batch
from ._space_parts import FLOAT_SIGMA_INIT, FLOAT_SIGMA_MAX, FLOAT_SIGMA_MIN, space_parts
from .distribution import Distribution
from .product import Product
from .variables import Choice, FloatRange, IntRange, Variable

__all__ = ["Choice", "IntRange", "FloatRange", "Space", "FLOAT_SIGMA_INIT", "FLOAT_SIGMA_MIN", "FLOAT_SIGMA_MAX"]

#: the kinds of variables, in the order of the distribution's parts
_KINDS: tuple[tuple[str, type], ...] = (("cat", Choice), ("int", IntRange), ("float", FloatRange))


class Space:
    """Named variables -> the distribution the optimizers search, and back (see the module docstring).

    ``Space(optimizer=Choice(["sgd", "adam"]), layers=IntRange(1, 8))``, or
    ``Space({"model.depth": IntRange(1, 8), ...})`` for names that are not identifiers (both
    forms may be combined; the mapping's names come first).

    Args:
        variables: a mapping name -> variable (positional only), then keyword variables.

    Attributes:
        names: the names in definition order (a tuple).
        variables: read-only mapping name -> :class:`Choice` / :class:`IntRange` / :class:`FloatRange`.
        distribution: the :class:`~asng_opt.Distribution` underneath (structure only, no parameter).

    A *configuration* is a dict ``{name: value}`` with every name of the space. A *batch* is what
    ``optimizer.ask()`` returns for :attr:`distribution` (an ``(k, n_cat)`` int array for a
    Categorical, else a dict of ``(k, n_part)`` arrays); a *sample* is one row of it (what
    :func:`~asng_opt.minimize` hands its objective).

    Raises:
        ValueError: no variable, a name given twice, a name that is not a non-empty string, a
            value that is not a Choice / IntRange / FloatRange.
    """

    def __init__(self, variables: Mapping[str, Variable] | None = None, /, **named: Variable):
        self._variables = _merge(variables, named)
        self.names: tuple[str, ...] = tuple(self._variables)
        #: kind -> the names of that kind's variables, in definition order (empty kinds left out)
        self._groups = {kind: g for kind, cls in _KINDS if (g := _names_of(self._variables, cls))}
        self.distribution: Distribution = _distribution(self._variables, self._groups)

    # ---- container protocol -------------------------------------------------------------------
    @property
    def variables(self) -> Mapping[str, Variable]:
        return MappingProxyType(self._variables)

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._variables

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Space) or other.names != self.names:
            return False
        return all(self._variables[k] == other._variables[k] for k in self.names)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        items = self._variables.items()
        if all(k.isidentifier() and not keyword.iskeyword(k) for k in self.names):
            return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in items) + ")"
        return f"{type(self).__name__}({{" + ", ".join(f"{k!r}: {v!r}" for k, v in items) + "})"

    # ---- batch <-> configurations -------------------------------------------------------------
    def _parts(self, batch: Any, where: str) -> dict[str, np.ndarray]:
        """A batch checked against the distribution, as kind -> ``(k, n_kind)`` array."""
        try:
            self.distribution.check_samples(batch)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
        if isinstance(self.distribution, Product):
            return {kind: np.asarray(batch[kind]) for kind in self._groups}
        return {"cat": np.asarray(batch)}

    def decode(self, batch: Any) -> list[dict[str, Any]]:
        """A batch (as ``ask()`` returns it for :attr:`distribution`) -> ``k`` configurations.

        Values are plain Python objects: the Choice's own labels, ``int`` for IntRange, ``float``
        for FloatRange (the unit coordinate clipped to [0, 1], mapped, clipped into [low, high]).

        Raises:
            ValueError: a batch that does not fit :attr:`distribution` (layout, shapes, categories
                or integers out of range, non-finite reals).
        """
        return decode_batch(self._variables, self._groups, self._parts(batch, f"{type(self).__name__}.decode"))

    def decode_one(self, sample: Any) -> dict[str, Any]:
        """One sample (a row of a batch: an ``(n_cat,)`` array, or a dict of ``(n_part,)`` arrays)
        -> its configuration. Raises ValueError like :meth:`decode`."""
        if isinstance(sample, Mapping):
            batch: Any = {k: np.asarray(x)[None] for k, x in sample.items()}
        else:
            batch = np.asarray(sample)[None]
        try:
            return self.decode(batch)[0]
        except ValueError as e:
            raise ValueError(str(e).replace(".decode:", ".decode_one:", 1)) from None

    def encode(self, configs: Sequence[Mapping[str, Any]]) -> Any:
        """Configurations (any, not only decoded ones) -> the batch :attr:`distribution` takes.

        Categories are int64, IntRange grid indices int64, FloatRange unit coordinates float64.
        ``encode(decode(b))`` equals ``b`` for categories and integers; floats come back to
        within rounding (``exp`` / ``log`` on the log scale), and draws decoded after clipping
        come back clipped.

        Raises:
            ValueError: not a list of dicts, an unknown or missing name, a label not among a
                Choice's values, an integer that is not one (bools refused), out of range or off
                the grid, a real that is not a finite number within [low, high]. The message
                names the sample and the variable.
        """
        where = f"{type(self).__name__}.encode"
        if isinstance(configs, (Mapping, str, bytes)) or not isinstance(configs, Iterable):
            got = type(configs).__name__
            raise ValueError(f"{where}: expects a list of dicts (use encode_one for one dict), got {got}")
        out = encode_batch(self._variables, self._groups, list(configs), where)
        return out if isinstance(self.distribution, Product) else out["cat"]

    def encode_one(self, config: Mapping[str, Any]) -> Any:
        """One configuration -> one sample (a row of :meth:`encode`). Raises ValueError like it."""
        if not isinstance(config, Mapping):
            got = type(config).__name__
            raise ValueError(f"{type(self).__name__}.encode_one: expects a dict name -> value, got {got}")
        try:
            batch = self.encode([config])
        except ValueError as e:
            raise ValueError(str(e).replace(".encode: sample 0:", ".encode_one:", 1)) from None
        if isinstance(batch, dict):
            return {k: x[0] for k, x in batch.items()}
        return batch[0]

    def mode(self, theta: Any) -> dict[str, Any]:
        """The most likely configuration under one (unbatched) parameter ``theta`` of
        :attr:`distribution`: each Choice's most likely label, each IntRange's mean rounded onto
        the grid, each FloatRange's mean mapped (on the log scale: the median of the value).

        Raises:
            ValueError: a ``theta`` that does not fit :attr:`distribution`.
        """
        try:
            t = self.distribution.check_theta(theta)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__}.mode: {e}") from None
        return self.decode_one(self.distribution.mode(t))


def _merge(variables: Mapping[str, Variable] | None, named: Mapping[str, Variable]) -> dict[str, Variable]:
    """The mapping's variables, then the keyword ones, checked (the errors of :class:`Space`)."""
    if variables is not None and not isinstance(variables, Mapping):
        raise ValueError(f"Space: the positional argument must be a dict name -> variable, got {variables!r}")
    merged: dict[str, Variable] = {}
    for k, v in [*(variables or {}).items(), *named.items()]:
        if not isinstance(k, str) or not k:
            raise ValueError(f"Space: variable names must be non-empty strings, got {k!r}")
        if k in merged:
            raise ValueError(f"Space: variable {k!r} given twice")
        if not isinstance(v, (Choice, IntRange, FloatRange)):
            raise ValueError(f"Space: variable {k!r} is {type(v).__name__}, not a Choice, IntRange or FloatRange")
        merged[k] = v
    if not merged:
        raise ValueError("Space: needs at least one variable")
    return merged


def _names_of(variables: Mapping[str, Variable], cls: type) -> tuple[str, ...]:
    return tuple(k for k, v in variables.items() if isinstance(v, cls))


def _distribution(variables: Mapping[str, Variable], groups: Mapping[str, tuple[str, ...]]) -> Distribution:
    """The Categorical alone when every variable is a Choice, else the Product of the parts
    (:func:`asng_opt._space_parts.space_parts`)."""
    of: dict[str, list[Any]] = {kind: [variables[k] for k in groups.get(kind, ())] for kind, _ in _KINDS}
    ints = of["int"]
    parts = space_parts(
        [len(c) for c in of["cat"]],
        [r.grid_low for r in ints],
        [r.grid_low + r.size - 1 for r in ints],
        len(of["float"]),
    )
    return parts["cat"] if list(parts) == ["cat"] else Product(parts)
