"""The elite of :class:`~asng_opt.blackbox.BlackBoxASNG` and its elitist mutants: :class:`Elitism`
keeps the best raw sample told so far, counts the updates without improvement, and holds the
mutants of the last ask (:mod:`.mutant`) so that a tell can leave the rejected ones out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._samples import n_samples, samples_equal
from ..categorical import Categorical
from ..distribution import Distribution
from ..integer import Integer
from ..product import Product
from ._tree import append, copy, n_variables, take, take_first, take_rows
from .mutant import _user_ints, can_mutate, last_mutated, mutate_many

__all__ = ["Elitism", "neutral_union"]


class Elitism:
    """The elite / mutant bookkeeping of one optimizer over the distribution ``dist``.

    A tell runs :meth:`without_rejected_mutants`, then :meth:`propose` (the next elite, the
    ``candidate``) and, once the update has succeeded, :meth:`commit`. An ask gets mutants when
    :meth:`mutant_due` holds (:meth:`add_mutants`).

    Attributes:
        elite: ``(raw sample (1, ...) or a dict of them, loss)``, the best point told so far; None
            before the first tell.
        stall: tells since the elite's value last changed.
        earned: the mutants' successes (asng-opt 0.12): tells whose new elite was one of the
            batch's mutants (the neutral union included; a tie that the tie rule gave to a mutant
            too). :meth:`BlackBoxASNG.n_mutants <asng_opt.blackbox.BlackBoxASNG.n_mutants>` lets
            the mutants grow beyond two per batch only with it.
        mutants: the last ask's mutants (raw, ``(1, ...)`` each; they are the ask's last samples),
            empty when it has none.
        injected_mutants: ``(k',)`` booleans, which samples of that batch are mutants, in every
            batch, a kept-whole one included (for the CMA-ES steps' clipping of injected points;
            :attr:`kept_mutants` leaves a kept-whole batch's mutants unmarked, for :meth:`propose`'s
            tie rule, as before asng-opt 0.11).
        kept_mutants: ``(k',)`` booleans, which samples of the batch :meth:`without_rejected_mutants`
            last returned are mutants (for :meth:`propose`).
        foreign: ``(k',)`` booleans, which samples of that batch no ask drew (told samples of
            one's own, another worker's; asng-opt 0.13): with the mutants, the samples the CMA-ES
            steps clip as injected points.
        candidate: the elite a tell will commit (set by :meth:`propose`).
        union: the neutral union the last tell formed (:meth:`propose` with ``union=True``), raw
            ``(1, ...)``, or None: the last mutant of the next ask that draws two or more of them
            (:meth:`add_mutants`), which consumes it; the next tell replaces it.
    """

    def __init__(self, dist: Distribution):
        self.dist = dist
        self.elite: tuple[Any, float] | None = None
        self.stall = 0
        self.earned = 0
        self._from_mutant = False  # whether the candidate is one of the batch's mutants
        self.mutants: list[Any] = []
        self.kept_mutants = np.zeros(0, dtype=bool)
        self.injected_mutants = np.zeros(0, dtype=bool)
        self.foreign = np.zeros(0, dtype=bool)
        self.candidate: tuple[Any, float] | None = None
        self.union: Any = None
        self._union_candidate: Any = None
        self.has_discrete = n_variables(dist)[1] > 0  # the mutant's reason: discrete variables

    def mutant_due(self, enabled: bool, after: int) -> bool:
        """Whether the next ask gets a mutant: ``enabled``, the space has discrete variables, there
        is an elite and it has not improved for at least ``after`` tells."""
        return enabled and self.has_discrete and self.elite is not None and self.stall >= after

    def add_mutants(self, theta: Any, raw: Any, rng: np.random.Generator, m: int = 1, int_steps: str = "unit") -> Any:
        """``raw`` (``(k, ...)`` raw samples) with its last ``m`` samples replaced by mutations of the
        elite, drawn independently from ``rng`` (``m = 1``: :func:`~.mutant.last_mutated`, asng-opt
        0.4's draw; ``m >= 2``: one :func:`~.mutant.mutate_many`, the same distribution per mutant
        from another stream; an integer's move by ``int_steps``: a length of
        :func:`~.mutant.int_step_lengths` or, with ``"harmonic-uniform"``, half the time a uniform
        other value of its range); they become :attr:`mutants`. ``raw`` itself where no
        variable can change (:func:`~.mutant.can_mutate`). ``1 <= m < k``.

        Raises:
            ValueError: if there is no elite (check :meth:`mutant_due` first) or ``m`` is outside
                ``[1, k - 1]``.
        """
        if self.elite is None:
            raise ValueError("Elitism.add_mutants: no elite to mutate")
        k = n_samples(raw)
        if not 1 <= m < max(k, 2):
            raise ValueError(f"Elitism.add_mutants: m must be in [1, {k - 1}], got {m}")
        if m == 1:  # asng-opt 0.4's draw and bookkeeping, unchanged
            out = last_mutated(self.dist, theta, self.elite[0], raw, rng, int_steps)
            self.mutants = [take(out, k - 1)]
            return out
        if not can_mutate(self.dist):
            return raw
        batch = mutate_many(self.dist, theta, self.elite[0], m, rng, int_steps)
        self.mutants = [take(batch, i) for i in range(m)]
        if self.union is not None:  # the last tell's neutral union takes the last mutant's place
            self.mutants[-1] = self.union
            batch = append(take_first(batch, m - 1), self.union)
            self.union = None
        return append(take_first(raw, k - m), batch)

    def without_rejected_mutants(
        self, raw: Any, f: np.ndarray, maximize: bool, rows: np.ndarray | None = None, n_asked: int = 0
    ) -> tuple[Any, np.ndarray]:
        """The batch (``(k, ...)`` raw samples, ``(k,)`` losses) without those of its mutants that are
        worse than the elite (as a (1 + 1) optimizer rejects them; ties are kept): a mutant is no
        draw of p_theta, and with a negative weight it would push the distribution away from the
        elite's values on every variable it shares with it. Batches of fewer than 3, batches of
        mutants alone, and batches that would keep fewer than 2 samples, are kept whole. Sets
        :attr:`kept_mutants`, :attr:`injected_mutants` and :attr:`foreign`.

        Args:
            raw, f: the told batch, ``(k, ...)`` raw samples and their ``(k,)`` finite losses.
            maximize: larger losses are better.
            rows: ``(k,)`` ints, the sample of the last ask (of ``n_asked``) each told sample is,
                -1 for one that no ask drew (:func:`~asng_opt._pending.asked_rows`): a mutant is
                recognised by its row, in a batch told in any order, with samples dropped or
                added (asng-opt 0.13). None: by its place and value (the last ``len(mutants)``
                samples, the ask's order; every sample counts as drawn), as before.
            n_asked: the number of samples the last ask drew (with ``rows``).
        """
        k = len(f)
        if rows is None:
            is_mutant, whole = self._mutants_in_place(raw, k)
            self.foreign = np.zeros(k, dtype=bool)
        else:
            is_mutant = self._mutants_by_row(rows, n_asked)
            n_marked = int(np.count_nonzero(is_mutant))
            whole = k < 3 or not n_marked or n_marked >= k
            self.foreign = np.asarray(rows) < 0
        self.injected_mutants = is_mutant  # a kept-whole batch's mutants too (lambda = 2)
        self.kept_mutants = np.zeros(k, dtype=bool) if whole else is_mutant.copy()
        elite = self.elite
        if whole or elite is None:  # (no elite: no mutant is marked)
            return raw, f
        drop = is_mutant & ~_better(np.asarray(f, dtype=float), elite[1], maximize)  # worse; ties are kept
        n_drop = int(np.count_nonzero(drop))
        if not n_drop or k - n_drop < 2:
            return raw, f
        keep = np.flatnonzero(~drop)
        self.kept_mutants = self.kept_mutants[keep]
        self.injected_mutants = self.injected_mutants[keep]
        self.foreign = self.foreign[keep]
        return take_rows(raw, keep), f[keep]

    def _mutants_in_place(self, raw: Any, k: int) -> tuple[np.ndarray, bool]:
        """``(is_mutant, whole)`` for a batch of ``k`` raw samples in the ask's order: ``(k,)``
        booleans, the last ``len(mutants)`` samples that equal their mutant, and whether the batch
        is kept whole (no mutant to judge: none pending, no elite, a batch of fewer than 3 or not
        longer than the mutants)."""
        m = len(self.mutants)
        is_mutant = np.zeros(k, dtype=bool)
        if not m or self.elite is None or m > k:
            return is_mutant, True
        is_mutant[k - m :] = _is_each(_tail(raw, k - m), self.mutants)
        return is_mutant, k < 3 or m >= k

    def _mutants_by_row(self, rows: np.ndarray, n_asked: int) -> np.ndarray:
        """``(k,)`` booleans: which told samples are mutants, by ``rows`` (the ask's sample each is,
        -1: none): the ask's last ``len(mutants)`` samples of ``n_asked`` are its mutants. None
        without an elite (nothing to judge them by)."""
        rows = np.asarray(rows)
        m = len(self.mutants)
        if not m or self.elite is None:
            return np.zeros(len(rows), dtype=bool)
        return rows >= n_asked - m

    def propose(
        self, raw: Any, f: np.ndarray, maximize: bool, ties_to_mutants: bool = False, union: bool = False
    ) -> tuple[Any, float]:
        """The best of the batch (``(k, ...)`` raw samples, ``(k,)`` losses, as
        :meth:`without_rejected_mutants` returned it) and the elite, ties going to the batch's point
        (so plateaus are crossed) and, within the batch, with ``ties_to_mutants`` to the last of its
        mutants among them (``mutant_share``'s rule: a neutral mutation is accepted, as a (1 + 1)
        optimizer accepts an equal offspring, so the elite walks across plateaus), else to the
        first (asng-opt 0.4): ``(raw sample (1, ...), loss)``. It becomes the :attr:`candidate`,
        the elite once :meth:`commit` runs.

        With ``union`` (and ``ties_to_mutants``): when the new elite ties the old one and two or
        more kept mutants tie it too (neutral mutations), the new elite with every other neutral
        mutant's changes of categorical and integer variables applied (:func:`neutral_union`)
        becomes :attr:`union` at :meth:`commit`, the next ask's last mutant: a (1 + 1) optimizer
        accepts one neutral move per evaluation, a batch one per round, and the union makes a
        round's neutral moves one candidate."""
        g = -f if maximize else f
        ties = np.flatnonzero(g == g.min())
        j = int(ties[0])
        if ties_to_mutants and len(self.kept_mutants) == len(f):
            mutant_ties = ties[self.kept_mutants[ties]]
            j = int(mutant_ties[-1]) if len(mutant_ties) else j
        best = (take(raw, j), float(f[j]))
        old = self.elite
        if old is not None and not _better(best[1], old[1], maximize):
            best = old
        marked = self.injected_mutants  # every batch's mutants, a kept-whole one's included
        self._from_mutant = best is not old and len(marked) == len(f) and bool(marked[j])
        self.candidate = best
        self._union_candidate = None
        if union and ties_to_mutants and old is not None and best is not old and best[1] == old[1]:
            kept = self.kept_mutants if len(self.kept_mutants) == len(f) else np.zeros(len(f), dtype=bool)
            neutral = np.flatnonzero(kept & (f == old[1]))
            if len(neutral) >= 2:
                u = neutral_union(self.dist, best[0], old[0], [take(raw, int(i)) for i in neutral])
                # equal to a sample of this batch (the new elite among them): nothing new to evaluate
                seen = any(samples_equal(u, take(raw, i)) for i in range(len(f)))
                self._union_candidate = None if seen else u
        return best

    def commit(self) -> None:
        """End a successful tell: the candidate becomes the elite, the mutants are spent,
        :attr:`stall` restarts at 0 if the elite's value changed (counts one more otherwise), and
        :attr:`earned` counts one more if the new elite is one of the batch's mutants."""
        old = self.elite
        self.earned += int(self._from_mutant)
        self._from_mutant = False
        self.elite, self.candidate, self.mutants = self.candidate, None, []
        self.union, self._union_candidate = self._union_candidate, None
        self.kept_mutants = np.zeros(0, dtype=bool)
        self.injected_mutants = np.zeros(0, dtype=bool)
        self.foreign = np.zeros(0, dtype=bool)
        improved = old is None or (self.elite is not None and self.elite[1] != old[1])
        self.stall = 0 if improved else self.stall + 1

    def state(self) -> tuple[Any, float] | None:
        """The elite as saved in ``state_dict()["elite"]``: a copy, or None."""
        return None if self.elite is None else (copy(self.elite[0]), self.elite[1])

    def counters(self) -> dict[str, Any]:
        """What else a resume needs (``state_dict()["elitism"]``): ``stall``, copies of the
        pending ask's ``mutants``, the :attr:`union` waiting for the next ask (None: none) and
        :attr:`earned` (absent before asng-opt 0.12)."""
        union = None if self.union is None else copy(self.union)
        mutants = [copy(x) for x in self.mutants]
        return {"stall": self.stall, "mutants": mutants, "union": union, "earned": self.earned}

    def load(
        self,
        elite: tuple[Any, float] | None,
        stall: int = 0,
        mutants: list[Any] | None = None,
        union: Any = None,
        earned: int = 0,
    ) -> None:
        """Set the elite from a saved one, :attr:`stall`, the pending :attr:`mutants`, the
        :attr:`union` and :attr:`earned` (each checked by :func:`~.elite_state.checked` first;
        copied)."""
        self.elite = None if elite is None else (copy(elite[0]), float(elite[1]))
        self.stall = stall
        self.earned = earned
        self._from_mutant = False
        self.mutants = list(mutants or [])
        self.union = None if union is None else copy(union)


def neutral_union(dist: Distribution, best: Any, base: Any, neutral: list[Any]) -> Any:
    """``best`` (raw ``(1, ...)``) with the changes each of ``neutral`` (raw ``(1, ...)`` samples)
    made to ``base`` (raw ``(1, ...)``, the elite they were mutated from) applied, in order, on the
    categorical and integer variables (reals keep ``best``'s values: a mutant moves every real).
    Integers are compared as the objective sees them (rounded into range, in the user's
    coordinates: an elite drawn from p_theta keeps its unrounded raw value, its mutants start from
    the rounded one). A new tree; the arguments are not modified."""
    if isinstance(dist, Product):
        return {k: neutral_union(d, best[k], base[k], [x[k] for x in neutral]) for k, d in dist.parts.items()}
    out = np.array(best, copy=True)
    if not isinstance(dist, (Categorical, Integer)):
        return out

    def values(x: Any) -> np.ndarray:  # one sample's values as the objective sees them
        row = np.asarray(x)[0]
        return _user_ints(dist, row)[0] if isinstance(dist, Integer) else row

    b = values(base)
    for x in neutral:
        changed = values(x) != b
        out[0, changed] = np.asarray(x)[0, changed]
    return out


def _tail(raw: Any, start: int) -> Any:
    """The samples ``start:`` of ``raw`` (an array, or a dict of them): views, only to compare."""
    if type(raw) is not np.ndarray and isinstance(raw, Mapping):
        return {key: _tail(v, start) for key, v in raw.items()}
    return np.asarray(raw)[start:]


def _is_each(tail: Any, mutants: list[Any]) -> np.ndarray:
    """``(m,)`` booleans: whether sample i of ``tail`` (``m`` raw samples, or a dict of them) is
    ``mutants[i]`` (:func:`~asng_opt._samples.samples_equal`), compared at once where all have
    ``tail``'s layout (:func:`_rows_equal`), one by one otherwise."""
    fast = _rows_equal(tail, mutants)
    if fast is not None:
        return fast
    return np.array([samples_equal(take(tail, i), x) for i, x in enumerate(mutants)], dtype=bool)


def _rows_equal(tail: Any, mutants: list[Any]) -> np.ndarray | None:
    """As :func:`_is_each` for mutants laid out like ``tail`` (the same keys; numeric arrays
    ``(1,) + tail.shape[1:]``); None for any other layout."""
    if isinstance(tail, Mapping):
        if not all(isinstance(x, Mapping) and x.keys() == tail.keys() for x in mutants):
            return None
        out = np.ones(len(mutants), dtype=bool)
        for key, v in tail.items():
            eq = _rows_equal(v, [x[key] for x in mutants])
            if eq is None:
                return None
            out &= eq
        return out
    a = tail if type(tail) is np.ndarray else np.asarray(tail)
    rows = [x if type(x) is np.ndarray else np.asarray(x) for x in mutants]
    if a.dtype.kind not in "biuf" or any(r.shape != (1,) + a.shape[1:] or r.dtype.kind not in "biuf" for r in rows):
        return None
    same = np.concatenate(rows) == a
    return np.all(np.reshape(same, (len(rows), -1)), axis=1)


def _better(a: Any, b: float, maximize: bool) -> Any:
    """Whether loss ``a`` (a float, or an array: elementwise) is at least as good as ``b`` (False
    where either is NaN)."""
    return a >= b if maximize else a <= b
