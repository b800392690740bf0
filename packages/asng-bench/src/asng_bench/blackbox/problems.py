"""Problems of the black-box comparison (issue 6): discrete and mixed test functions, all minimised.
Which of them the study runs, with which budget, is :mod:`.registry`.

Every problem has categorical variables ``c`` (``c[i]`` in ``{0, ..., K_i - 1}``, no order
assumed), integer variables ``z`` (``z[j]`` in ``[low_j, high_j]``) and real variables ``r``
(``r[j]`` in ``[low_j, high_j]``), any of the three possibly empty, a known
optimum value ``f_opt``, and a list of target gaps: a run reaches target ``g`` at the first
evaluation with ``f - f_opt <= g``. The last gap is 0 (the optimum itself).

* ``onemax`` / ``leadingones``: n = 100 bits, ``f = n - OneMax(c)`` / ``n - LeadingOnes(c)``.
* ``catsphere-K5`` / ``catellipsoid-K10``: n = 20 variables with K categories,
  ``f = sum_i w_i ((c_i - c*_i) / (K - 1))^2`` with ``w_i = 1`` (sphere) or
  ``w_i = 10^(3 i / (n - 1))`` (ellipsoid). The category index is the variable's "value" but the
  optimizers are told only that there are K categories. ``c*_i = (3 i + 1) mod K`` so that no
  optimizer gains from an initial bias towards the first, middle or last category.
* ``mixed``: 10 categorical variables (K = 5) and 10 integers in [-10, 10],
  ``f = #{i : c_i != c*_i} + sum_j ((z_j - z*_j) / 10)^2``.
* ``toy-fixed-x``: the paper's selective squared error (section 3.1, D = 30, K = 5) with the
  continuous weights x frozen at a draw x ~ N(0, I) (seed 0, the paper's initialisation) and the
  expectation over z taken exactly: ``f(c) = sum_i x_{i,c_i}^2 + 1/K^2 + c_i / K``, each
  variable's categories then shuffled by a fixed random permutation (seed 2019): the ``c_i / K``
  term makes category 0 everywhere a point within 6 of the optimum, where nevergrad's
  optimizers start. A pure black box over c with one optimum per variable.
* ``ioh-f19-isingring`` / ``ioh-f22-mis``: IOHprofiler's PBO problems 19 and 22, instance 1,
  n = 100, through the ``ioh`` package when it is installed (maximised there; here
  ``f = y_opt - y``), the bits XOR-ed with a fixed random mask so that the optimum is not the
  all-zeros point some optimizers start from.
* ``nk-adjacent``: a categorical NK landscape with adjacent interactions (Kauffman's NK model with
  the neighbourhood of Weinberger's adjacent variant, non-cyclic): n = 20 variables with K = 3
  categories, ``f(c) = sum_{i=0}^{n-3} T_i[c_i, c_{i+1}, c_{i+2}]``, every table entry drawn
  once, U(0, 1), from a generator seeded 2026. Each variable's best category depends on its
  neighbours' (the epistasis the separable problems above lack); the optimum ``f_opt`` is exact,
  by dynamic programming over the pairs ``(c_{i+1}, c_{i+2})``.
* ``rosenbrock``: real-valued, n = 10 variables in [-5, 5], ``f(r) = R(r - r* + 1)`` with
  Rosenbrock's ``R(y) = sum_{i<n-1} 100 (y_{i+1} - y_i^2)^2 + (1 - y_i)^2`` and its optimum moved to
  ``r*`` ~ U(-3, 3)^10, drawn once (seed 2019), as BBOB moves it (unmoved, the box's centre, where
  every search starts, has gap 9, below the first target); its curved valley rewards a search that
  learns correlations (a full covariance: CatCMAwM's, and asng-bb's since asng-opt 0.4), which a
  separable Gaussian (one variance per variable) does not.
* ``mixed-real``: 10 categorical variables (K = 4) and 5 reals in [-5, 5], ``f = #{i : c_i !=
  c*_i} + sum_j 10^(2 j / 4) (r_j - r*_j)^2`` with ``r*_j = -3.5 + 1.7 j``: the issue's real +
  categorical case, the reals' scales 1 to 100.

* ``int-real-ellipsoid``: 10 integers in [-20, 20] (condition 10) and 5 rotated reals in [-5, 5]
  (condition 100), no categorical variable.
* ``hpo-conditional``: the three kinds together, shaped like a hyper-parameter space: 4 categorical
  variables (K = 2, 3, 4, 5), 5 integers of unlike ranges and 4 rotated reals whose optimum moves
  with the first categorical variable's value (a conditional optimum, as a learning rate's best
  value depends on the optimiser chosen).
* ``int-rastrigin``: 10 integers in [-30, 30], a Rastrigin-like landscape on the lattice with
  local minima every fourth integer up to 20 from the optimum.
* ``int-knapsack``: 12 integers (copies of item types, 0 to 3-15 each) coupled by a knapsack's
  capacity, with a penalty per unit of weight over it; the optimum by dynamic programming.
* ``int-rotated-ellipsoid``: 8 integers in [-50, 50], a rotated ellipsoid of condition 100.
* ``int-rosenbrock``: 6 integers in [-15, 15], Rosenbrock's function on the lattice with its
  optimum moved (a curved valley: each variable's best value depends on its neighbour's).
* ``cat-int-conditional``: 8 pairs of a categorical variable (K = 4) and an integer in [0, 60]; the
  category sets the integer's scale, so each integer's best value depends on its category.
* ``int-log-widths``: 6 integers in [1, 2048] (layer widths, batch sizes) whose cost is quadratic in
  their logarithms plus a compute cost linear in the integers: a unit matters at 3, hardly at 1,000,
  and uniform draws of the box crowd its top octave.
* ``int-schwefel``: 8 integers in a box of 1,001 values each, Schwefel's deceptive function (its
  best point near an edge, its second best near the opposite one), moved and mirrored per variable.
* ``ioh-f20-isingtorus``: IOHprofiler PBO F20, the Ising model on the 10 x 10 torus (100 bits, 200
  edges; two optima, all spins alike in the masked coordinates), XOR-masked as the other IOH problems.
* ``int-step-ellipsoid``: 10 integers in [-40, 40], an ellipsoid (condition 100) of the distances
  to the optimum quantised in steps of 3: plateaus of equal value, as BBOB's step ellipsoid has on
  the reals, and 5^10 optimal points.
* ``int-styblinski-tang``: 10 integers in boxes of 101 values, the Styblinski-Tang function at a
  tenth of the integers, moved and mirrored per variable: each variable's best value lies 29 from
  its box's centre, a second, shallower basin 27 to 28 on the other side (2^10 local minima).
* ``int-levy``: 8 integers in [-50, 50], Levy's function at a fifth of the integers with its optimum
  moved per variable: ripples every 20 integers on a growing bowl.
* ``int-zakharov``: 8 integers in [-30, 30], Zakharov's function with its optimum moved: a bowl
  plus the square and fourth power of one weighted sum of all the variables, which couples them.
* ``sharp-ridge``: 6 rotated reals in [-5, 5], a quadratic along one direction plus 100 times the
  distance to that axis (BBOB's sharp ridge, a cone around a line), optimum moved.
* ``different-powers``: 6 rotated reals in [-5, 5], the square root of a sum of powers 2 to 6 of
  the rotated distances to the optimum (BBOB's different powers): each direction needs another
  precision.
* ``cat-real-cigar``: 4 categorical variables (K = 3) and 5 rotated reals in [-5, 5], the
  mismatches plus a bent cigar (one direction 1,000 times as long as the others, BBOB's F12
  without its asymmetry).
* ``linear-slope``: 5 reals in [-5, 5], BBOB's linear slope (F5): a plane whose optimum is a corner
  of the box, its gradient 1 to 10 along the variables. Every variable's optimum lies at a bound.
* ``attractive-sector``: 5 rotated and scaled reals in [-5, 5], BBOB's attractive sector (F6): a
  quadratic 100 times as steep along each rotated direction where its coordinate's sign agrees
  with the optimum's, oscillating (BBOB's T_osz) and to the power 0.9.
* ``int-ackley``: 10 integers in [-40, 40], Ackley's function at a fifth of the integers with its
  optimum moved: ripples every 5 integers on a cone, coupled through the means over the variables.
* ``int-griewank``: 8 integers in [-300, 300], Griewank's function with its optimum moved: a wide,
  shallow bowl plus a product of cosines whose periods grow with the variable's index (2 pi sqrt(i)
  integers), which couples every variable to the others.
* ``int-trid``: 8 integers in [-100, 100], the Trid function moved: a convex quadratic whose
  neighbouring variables are coupled (a chain), its optimum ``x_i = i (n + 1 - i)`` on the lattice.
* ``int-salomon``: 8 integers in [-100, 100], Salomon's function at a quarter of the integers with
  its optimum moved: rings of local minima around the optimum, every fourth integer of the distance
  to it, on a cone; it depends on that distance alone.

The problems with real variables cannot be solved exactly in floating point: their last target gap
is 1e-6 instead of 0.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

__all__ = [
    "Problem",
    "onemax",
    "leadingones",
    "categorical_sphere",
    "categorical_ellipsoid",
    "mixed",
    "toy_fixed_x",
    "ioh_problem",
    "nk_adjacent",
    "nk_optimum",
    "rosenbrock",
    "mixed_real",
    "int_real_ellipsoid",
    "hpo_conditional",
    "int_rastrigin",
    "int_knapsack",
    "int_rotated_ellipsoid",
    "int_rosenbrock",
    "cat_int_conditional",
    "int_log_widths",
    "int_schwefel",
    "int_step_ellipsoid",
    "int_styblinski_tang",
    "int_levy",
    "int_zakharov",
    "sharp_ridge",
    "different_powers",
    "cat_real_cigar",
    "linear_slope",
    "attractive_sector",
    "int_ackley",
    "int_griewank",
    "int_trid",
    "int_salomon",
]


@dataclass
class Problem:
    """A minimisation problem over categorical, integer and real variables (any of them may be absent).

    ``fun(c, z, r)`` gets ``c`` the ``(n_cat,)`` category indices, ``z`` the ``(n_int,)`` integers
    (None without integers) and ``r`` the ``(n_real,)`` reals (None without reals); the reals lie in
    the box ``[real_low, real_high]`` (every optimizer is told the box; a draw outside it is
    evaluated at the nearest point of the box).
    """

    name: str
    categories: np.ndarray  # (n_c,) number of categories per categorical variable
    fun: Callable[[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]], float]  # fun(c, z, r) -> float
    f_opt: float
    gaps: tuple[float, ...]  # target gaps f - f_opt, decreasing, the last one 0 (1e-6 with reals)
    int_low: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    int_high: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    description: str = ""
    real_low: np.ndarray = field(default_factory=lambda: np.zeros(0))
    real_high: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_cat(self) -> int:
        return int(self.categories.size)

    @property
    def n_int(self) -> int:
        return int(self.int_low.size)

    @property
    def n_real(self) -> int:
        return int(self.real_low.size)

    @property
    def dimension(self) -> int:
        return self.n_cat + self.n_int + self.n_real

    def __call__(self, c: np.ndarray, z: np.ndarray | None = None, r: np.ndarray | None = None) -> float:
        """``fun`` at ``(c, z, r)``, the reals clipped into the box."""
        zz = None if z is None else np.asarray(z, dtype=np.int64)
        rr = None if r is None else np.clip(np.asarray(r, dtype=float), self.real_low, self.real_high)
        return float(self.fun(np.asarray(c, dtype=np.int64), zz, rr))


def onemax(n: int = 100) -> Problem:
    """``f(c) = n - sum(c)`` over bits, optimum 0 at all ones."""
    return Problem(
        name="onemax",
        categories=np.full(n, 2),
        fun=lambda c, z, r: float(n - np.sum(c)),
        f_opt=0.0,
        gaps=(20.0, 10.0, 5.0, 0.0),
        description=f"OneMax, n = {n} bits",
    )


def _leading_ones(c: np.ndarray) -> int:
    zeros = np.flatnonzero(c == 0)
    return int(zeros[0]) if zeros.size else int(c.size)


def leadingones(n: int = 100) -> Problem:
    """``f(c) = n - LeadingOnes(c)`` over bits, optimum 0 at all ones."""
    return Problem(
        name="leadingones",
        categories=np.full(n, 2),
        fun=lambda c, z, r: float(n - _leading_ones(c)),
        f_opt=0.0,
        gaps=(75.0, 50.0, 25.0, 0.0),
        description=f"LeadingOnes, n = {n} bits",
    )


def _shifted_optimum(n: int, k: int) -> np.ndarray:
    return (3 * np.arange(n) + 1) % k


def _categorical_quadratic(name: str, n: int, k: int, cond: float, gaps: tuple[float, ...], desc: str) -> Problem:
    w = np.ones(n) if cond == 1 else cond ** (np.arange(n) / (n - 1))
    opt = _shifted_optimum(n, k)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        d = (c - opt) / (k - 1)
        return float(np.dot(w, d * d))

    return Problem(name=name, categories=np.full(n, k), fun=fun, f_opt=0.0, gaps=gaps, description=desc)


def categorical_sphere(n: int = 20, k: int = 5) -> Problem:
    """``sum_i ((c_i - c*_i)/(K-1))^2`` with ``c*_i = (3i + 1) mod K``; optimum 0."""
    return _categorical_quadratic(
        f"catsphere-K{k}", n, k, 1.0, (1.0, 0.3, 0.1, 0.0), f"categorical sphere, n = {n}, K = {k}"
    )


def categorical_ellipsoid(n: int = 20, k: int = 10) -> Problem:
    """``sum_i 10^(3i/(n-1)) ((c_i - c*_i)/(K-1))^2``; optimum 0."""
    return _categorical_quadratic(
        f"catellipsoid-K{k}", n, k, 1e3, (10.0, 1.0, 0.1, 0.0), f"categorical ellipsoid (cond. 1e3), n = {n}, K = {k}"
    )


def mixed(n_cat: int = 10, k: int = 5, n_int: int = 10, low: int = -10, high: int = 10) -> Problem:
    """``#{i: c_i != c*_i} + sum_j ((z_j - z*_j)/10)^2``; optimum 0."""
    c_opt = _shifted_optimum(n_cat, k)
    z_opt = low + (7 * np.arange(n_int) + 3) % (high - low + 1)
    scale = (high - low) / 2

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        d = (z - z_opt) / scale
        return float(np.sum(c != c_opt) + np.dot(d, d))

    return Problem(
        name="mixed",
        categories=np.full(n_cat, k),
        fun=fun,
        f_opt=0.0,
        gaps=(2.0, 1.0, 0.1, 0.0),
        int_low=np.full(n_int, low, dtype=np.int64),
        int_high=np.full(n_int, high, dtype=np.int64),
        description=f"mixed: {n_cat} categorical (K = {k}) + {n_int} integers in [{low}, {high}]",
    )


def toy_fixed_x(d: int = 30, k: int = 5, seed: int = 0, shuffle_seed: int | None = 2019) -> Problem:
    """The paper's selective squared error with x frozen at N(0, I) (seed ``seed``), exact expectation.

    The paper's costs favour low category indices (``c_i / K``): category 0 alone is within 6 of
    the optimum (D = 30, K = 5), better than 2,000 of 2,000 uniform draws (median gap 31), and
    category 0 in every variable is where nevergrad's optimizers start. A fixed random permutation
    of each variable's categories (``shuffle_seed``; None for none) takes that head start away
    without changing the values that can be reached, as the XOR mask does for the PBO problems.
    """
    x = np.random.default_rng(seed).standard_normal((d, k))
    table = x * x + 1.0 / k**2 + np.arange(k) / k  # (d, k): cost of category j for variable i
    rows = np.arange(d)
    if shuffle_seed is not None:  # category j of variable i is the paper's category perm[i, j]
        perm = np.argsort(np.random.default_rng(shuffle_seed).random((d, k)), axis=1)
        table = table[rows[:, None], perm]
    f_opt = float(table.min(axis=1).sum())

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        return float(table[rows, c].sum())

    shuffled = "" if shuffle_seed is None else f", categories shuffled (seed {shuffle_seed})"
    return Problem(
        name="toy-fixed-x",
        categories=np.full(d, k),
        fun=fun,
        f_opt=f_opt,
        gaps=(3.0, 1.0, 0.1, 0.0),
        description=f"paper's toy objective, x fixed (N(0, I), seed {seed}), D = {d}, K = {k}{shuffled}",
    )


def ioh_problem(fid: int, n: int = 100, instance: int = 1, xor_seed: int | None = 2019) -> Problem:
    """IOHprofiler PBO problem ``fid`` (needs ``ioh``); ``f = y_opt - y(c XOR mask)``.

    Instance 1 is untransformed, so its optimum can sit at a corner such as all zeros (the Ising
    ring's does), which is where an optimizer that starts at category 0 begins. A fixed random
    XOR mask (``xor_seed``; None for none) moves the optimum off the corners without changing the
    values that can be reached. Its seed (2019) must differ from the optimizers' seeds (0, 1, ...):
    random search seeded 0 would otherwise draw the mask itself first.
    """
    import ioh

    p = ioh.get_problem(fid, instance, n, ioh.ProblemClass.PBO)
    y_opt = float(p.optimum.y)
    name = p.meta_data.name
    mask = np.zeros(n, dtype=np.int64) if xor_seed is None else np.random.default_rng(xor_seed).integers(0, 2, n)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        return y_opt - float(p((c ^ mask).tolist()))

    # F24 (concatenated trap, 20 blocks of 5): each block is worth 1 all ones, (4 - u) / 5 with u < 5
    # ones; 4 = every block at its deceptive all-zeros attractor; the best of 2,000 uniform draws 9.4
    # F20 (Ising on the 10 x 10 torus, 200 edges; the best of 2,000 uniform draws satisfies 130 of them)
    targets = {
        19: (20.0, 10.0, 4.0, 0.0),
        20: (40.0, 20.0, 8.0, 0.0),
        22: (10.0, 5.0, 2.0, 0.0),
        24: (8.0, 4.0, 2.0, 0.0),
    }
    gaps = targets.get(fid, (10.0, 5.0, 2.0, 0.0))
    masked = "" if xor_seed is None else f", XOR mask (seed {xor_seed})"
    return Problem(
        name=f"ioh-f{fid}-{name.lower()}",
        categories=np.full(n, 2),
        fun=fun,
        f_opt=0.0,
        gaps=gaps,
        description=f"IOHprofiler PBO F{fid} {name}, n = {n}, instance {instance}{masked}",
    )


def nk_optimum(tables: np.ndarray) -> float:
    """The minimum of ``sum_i tables[i, c_i, c_{i+1}, c_{i+2}]`` over all ``c``, exactly.

    Dynamic programming over the state ``(c_{i+1}, c_{i+2})``: ``V_0[a, b] = min_x T_0[x, a, b]``,
    ``V_i[a, b] = min_x V_{i-1}[x, a] + T_i[x, a, b]``, the optimum ``min V_{m-1}``
    (O(m K^3) for ``tables`` of shape ``(m, K, K, K)``).
    """
    v = tables[0].min(axis=0)  # (K, K): state (c_1, c_2)
    for t in tables[1:]:
        v = (v[:, :, None] + t).min(axis=0)  # v[x, a] + T[x, a, b], minimised over x
    return float(v.min())


def nk_adjacent(n: int = 20, k: int = 3, seed: int = 2026) -> Problem:
    """Categorical NK landscape, adjacent neighbourhood of 3 (``T_i[c_i, c_{i+1}, c_{i+2}]``, U(0, 1)
    entries from ``default_rng(seed)``), minimised; ``f_opt`` by :func:`nk_optimum`."""
    if n < 3 or k < 2:
        raise ValueError(f"nk_adjacent: needs n >= 3 and k >= 2, got n={n}, k={k}")
    tables = np.random.default_rng(seed).random((n - 2, k, k, k))
    rows = np.arange(n - 2)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        return float(tables[rows, c[:-2], c[1:-1], c[2:]].sum())

    return Problem(
        name="nk-adjacent",
        categories=np.full(n, k),
        fun=fun,
        f_opt=nk_optimum(tables),
        gaps=(1.0, 0.5, 0.2, 0.0),
        description=f"categorical NK landscape, adjacent neighbourhood of 3, n = {n}, K = {k}, "
        f"U(0, 1) tables (seed {seed})",
    )


def rosenbrock(n: int = 10, low: float = -5.0, high: float = 5.0, shift_seed: int | None = 2019) -> Problem:
    """Rosenbrock's function moved to a random optimum: ``R(r - r* + 1)`` with
    ``R(y) = sum_{i<n-1} 100 (y_{i+1} - y_i^2)^2 + (1 - y_i)^2`` on ``[low, high]^n``; optimum 0 at
    ``r*``, drawn once U(-3, 3)^n (``shift_seed``; None for the classic ``r* = (1, ..., 1)``).

    Unshifted, the box's centre (where every optimizer's search starts) has gap 9, below the first
    target (100), where 2,000 uniform draws have gaps of 17,800 and more (1 % quantile): the first
    target then measures how fast a search stops exploring, not how it descends. Shifted (seed
    2019), the centre's gap is 14,863. BBOB moves its Rosenbrock the same way (an optimum in
    [-3, 3]^n).
    """
    r_opt = np.ones(n) if shift_seed is None else np.random.default_rng(shift_seed).uniform(-3.0, 3.0, n)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert r is not None
        y = (r - r_opt) + 1.0  # exactly 1 at r = r*
        return float(np.sum(100.0 * (y[1:] - y[:-1] ** 2) ** 2 + (1.0 - y[:-1]) ** 2))

    shifted = "" if shift_seed is None else f", optimum moved to U(-3, 3)^{n} (seed {shift_seed})"
    return _reals_only("rosenbrock", fun, n, low, high, f"Rosenbrock, n = {n} reals in [{low:g}, {high:g}]{shifted}")


def _reals_only(
    name: str,
    fun: Callable[[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]], float],
    n: int,
    low: float,
    high: float,
    description: str,
) -> Problem:
    """A :class:`Problem` of ``n`` real variables alone in ``[low, high]^n``, optimum 0, the real
    problems' targets 100, 1, 1e-2, 1e-6."""
    return Problem(
        name=name,
        categories=np.zeros(0, dtype=np.int64),
        fun=fun,
        f_opt=0.0,
        gaps=(100.0, 1.0, 1e-2, 1e-6),
        real_low=np.full(n, float(low)),
        real_high=np.full(n, float(high)),
        description=description,
    )


def mixed_real(n_cat: int = 10, k: int = 4, n_real: int = 5, low: float = -5.0, high: float = 5.0) -> Problem:
    """``#{i: c_i != c*_i} + sum_j 10^(2 j / (n_real - 1)) (r_j - r*_j)^2``, ``r*_j = -3.5 + 1.7 j``;
    optimum 0."""
    c_opt = _shifted_optimum(n_cat, k)
    r_opt = -3.5 + 1.7 * np.arange(n_real)
    w = 100.0 ** (np.arange(n_real) / max(n_real - 1, 1))

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert r is not None
        d = r - r_opt
        return float(np.sum(c != c_opt) + np.dot(w, d * d))

    desc = f"mixed real: {n_cat} categorical (K = {k}) + {n_real} reals in [{low:g}, {high:g}], weights 1 to 100"
    return _categorical_and_reals("mixed-real", fun, n_cat, k, n_real, low, high, desc)


def _categorical_and_reals(
    name: str,
    fun: Callable[[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]], float],
    n_cat: int,
    k: int,
    n_real: int,
    low: float,
    high: float,
    description: str,
) -> Problem:
    """A :class:`Problem` of ``n_cat`` categorical variables with ``k`` categories and ``n_real``
    reals in ``[low, high]^n_real``, optimum 0, targets 2, 1, 1e-2, 1e-6 (below 1 every categorical
    value is right)."""
    return Problem(
        name=name,
        categories=np.full(n_cat, k),
        fun=fun,
        f_opt=0.0,
        gaps=(2.0, 1.0, 1e-2, 1e-6),
        real_low=np.full(n_real, float(low)),
        real_high=np.full(n_real, float(high)),
        description=description,
    )


def _rotation(rng: np.random.Generator, n: int) -> np.ndarray:
    """An ``(n, n)`` rotation drawn uniformly (Haar) from ``rng``: the QR factor of a Gaussian
    matrix, its columns' signs fixed by R's diagonal."""
    q, rr = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(rr))


def _integers_only(
    name: str,
    fun: Callable[[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]], float],
    low: np.ndarray,
    high: np.ndarray,
    gaps: tuple[float, ...],
    description: str,
) -> Problem:
    """A :class:`Problem` of integer variables alone (``low``, ``high`` ``(n,)``), optimum 0."""
    return Problem(
        name=name,
        categories=np.zeros(0, dtype=np.int64),
        fun=fun,
        f_opt=0.0,
        gaps=gaps,
        int_low=np.asarray(low, dtype=np.int64),
        int_high=np.asarray(high, dtype=np.int64),
        description=description,
    )


def int_real_ellipsoid(
    n_int: int = 10, low: int = -20, high: int = 20, n_real: int = 5, real_low: float = -5.0,
    real_high: float = 5.0, seed: int = 2026,
) -> Problem:  # fmt: skip
    """Integers and reals together (no categorical variable): ``sum_i 10^(i / (n_int - 1))
    (z_i - z*_i)^2 + sum_j 10^(2 j / (n_real - 1)) y_j^2`` with ``y = Q (r - r*)``, ``Q`` a random
    rotation (conditions 10 and 100; the reals' axes correlated, so a separable model is not
    enough); ``z*`` uniform in ``[low + 2, high - 2]``, ``r*`` U(0.8 real_low, 0.8 real_high), all
    drawn once from ``default_rng(seed)``; optimum 0. A wrong integer costs at least 1, so every
    target below 1 needs every integer right."""
    rng = np.random.default_rng(seed)
    z_opt = rng.integers(low + 2, high - 1, n_int)
    r_opt = rng.uniform(0.8 * real_low, 0.8 * real_high, n_real)
    q = _rotation(rng, n_real)
    w_int = 10.0 ** (np.arange(n_int) / max(n_int - 1, 1))
    w_real = 100.0 ** (np.arange(n_real) / max(n_real - 1, 1))

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None and r is not None
        y = q @ (r - r_opt)
        return float(np.dot(w_int, (z - z_opt) ** 2) + np.dot(w_real, y * y))

    return Problem(
        name="int-real-ellipsoid",
        categories=np.zeros(0, dtype=np.int64),
        fun=fun,
        f_opt=0.0,
        gaps=(10.0, 1.0, 1e-2, 1e-6),
        int_low=np.full(n_int, low, dtype=np.int64),
        int_high=np.full(n_int, high, dtype=np.int64),
        real_low=np.full(n_real, float(real_low)),
        real_high=np.full(n_real, float(real_high)),
        description=f"integer + real ellipsoid: {n_int} integers in [{low}, {high}] (condition 10) + {n_real} "
        f"rotated reals in [{real_low:g}, {real_high:g}] (condition 100), optimum drawn with seed {seed}",
    )


def hpo_conditional(seed: int = 2027) -> Problem:
    """Categorical, integer and real variables together, with a conditional real optimum:
    ``f = #{i : c_i != c*_i} + sum_j ((z_j - z*_j) / s_j)^2 + sum_k 10^(2 k / 3) y_k^2`` with
    ``y = Q (r - r*(c_0))``, ``s_j = (high_j - low_j) / 10`` and ``r*(c_0) = a + c_0 b``: the reals'
    optimum moves with the first categorical variable's value. Categories K = (2, 3, 4, 5); integers
    in [1, 8], [0, 100], [-50, 50], [2, 40], [0, 3]; 4 reals in [-3, 3]; ``c*``, ``z*``, ``a``, ``b``
    (``|a| + |b| (K_0 - 1) <= 2.4``) and the rotation ``Q`` drawn once from ``default_rng(seed)``;
    optimum 0. One unit off on the widest integer costs 0.01."""
    rng = np.random.default_rng(seed)
    k = np.array([2, 3, 4, 5])
    low = np.array([1, 0, -50, 2, 0])
    high = np.array([8, 100, 50, 40, 3])
    c_opt = rng.integers(0, k)
    z_opt = rng.integers(low, high + 1)
    a = rng.uniform(-1.2, 1.2, 4)
    b = rng.uniform(-1.2, 1.2, 4)
    q = _rotation(rng, 4)
    scale = (high - low) / 10.0
    w = 10.0 ** (2 * np.arange(4) / 3)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None and r is not None
        y = q @ (r - (a + c[0] * b))
        return float(np.sum(c != c_opt) + np.sum(((z - z_opt) / scale) ** 2) + np.dot(w, y * y))

    return Problem(
        name="hpo-conditional",
        categories=k,
        fun=fun,
        f_opt=0.0,
        gaps=(2.0, 1.0, 1e-2, 1e-6),
        int_low=low.astype(np.int64),
        int_high=high.astype(np.int64),
        real_low=np.full(4, -3.0),
        real_high=np.full(4, 3.0),
        description="conditional HPO-like space: 4 categorical (K = 2-5) + 5 integers of unlike ranges + 4 rotated "
        f"reals in [-3, 3] whose optimum moves with the first categorical value, drawn with seed {seed}",
    )


def int_rastrigin(n: int = 10, low: int = -30, high: int = 30, seed: int = 2027) -> Problem:
    """Integers alone, multimodal: ``f = sum_i (d_i^2 / 4 + 10 (1 - cos(pi d_i / 2)))`` with ``d = z -
    z*``: on the lattice each variable has local minima at ``d = 0, +-4, ..., +-20`` (``d = 4``: 4, its
    neighbours 12.25 and 16.25; from ``|d| = 24`` on the quadratic term wins and the slope leads
    inwards), the global one at ``d = 0``. ``z*`` uniform in ``[low + 5,
    high - 5]``, drawn once from ``default_rng(seed)``; optimum 0."""
    z_opt = np.random.default_rng(seed).integers(low + 5, high - 4, n)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        d = (z - z_opt).astype(float)
        return float(np.sum(d * d / 4.0 + 10.0 * (1.0 - np.cos(np.pi * d / 2.0))))

    return _integers_only(
        "int-rastrigin",
        fun,
        np.full(n, low),
        np.full(n, high),
        (40.0, 10.0, 4.0, 0.0),
        f"integer Rastrigin: {n} integers in [{low}, {high}], local minima every 4th integer up to "
        f"20 from the optimum, optimum drawn with seed {seed}",
    )


def _knapsack_penalised_optimum(
    value: np.ndarray, weight: np.ndarray, count: np.ndarray, cap: int, rho: float
) -> float:
    """``max_z sum(value z) - rho max(0, sum(weight z) - cap)`` over ``0 <= z <= count`` (integers),
    exactly: the best value at each exact total weight by dynamic programming over the item types
    (bounded knapsack), then the penalty at each weight."""
    total = int(np.dot(weight, count))
    best = np.full(total + 1, -np.inf)  # best[w]: the largest value of a choice weighing exactly w
    best[0] = 0.0
    for v, w, u in zip(value.tolist(), weight.tolist(), count.tolist()):
        nxt = best.copy()
        for j in range(1, u + 1):
            nxt[j * w :] = np.maximum(nxt[j * w :], best[: total + 1 - j * w] + j * v)
        best = nxt
    excess = np.maximum(np.arange(total + 1) - cap, 0)
    return float(np.max(best - rho * excess))


def int_knapsack(n: int = 12, seed: int = 2028) -> Problem:
    """Integers alone, coupled by a constraint: a bounded knapsack. Item type ``i`` has weight
    ``w_i`` in ``{5, ..., 40}``, value ``v_i = w_i + U{-5, ..., 10}`` (weakly correlated with the
    weight, the harder kind) and ``0 <= z_i <= u_i`` copies, ``u_i`` in ``{3, ..., 15}``; capacity
    ``C`` = half the weight of all copies. ``f = V* - sum_i v_i z_i + rho max(0, sum_i w_i z_i - C)``
    with ``rho = ceil(2 max_i v_i / w_i)`` (an integer: every value is an integer, computed exactly),
    ``V*`` the largest value of ``sum v z - rho excess`` (exact, by
    dynamic programming over the total weight), so the optimum is 0. All drawn once from
    ``default_rng(seed)``. Every variable's best count depends on the others' through ``C``."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(5, 41, n)
    value = weight + rng.integers(-5, 11, n)
    count = rng.integers(3, 16, n)
    cap = int(np.dot(weight, count)) // 2
    rho = float(np.ceil(2.0 * np.max(value / weight)))
    v_opt = _knapsack_penalised_optimum(value, weight, count, cap, rho)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        excess = max(float(np.dot(weight, z)) - cap, 0.0)
        return v_opt - float(np.dot(value, z)) + rho * excess

    return _integers_only(
        "int-knapsack",
        fun,
        np.zeros(n),
        count,
        (50.0, 20.0, 5.0, 0.0),
        f"bounded knapsack: {n} item types, 0 to 3-15 copies each, weakly correlated values, capacity "
        f"half the total weight, penalty ceil(2 max v/w) per unit over, drawn with seed {seed}",
    )


def int_rotated_ellipsoid(n: int = 8, low: int = -50, high: int = 50, seed: int = 2028) -> Problem:
    """Integers alone, correlated: ``f = sum_i 10^(2 i / (n - 1)) y_i^2`` with ``y = Q (z - z*)``,
    ``Q`` a random rotation (condition 100: a separable model of the integers is not enough),
    ``z*`` uniform in ``[low + 10, high - 10]``, both drawn once from ``default_rng(seed)``;
    optimum 0 at ``z*``; every other integer point within 3 of it on each axis is 6.455 or more
    (searched exhaustively), so the targets stop at 10 before the optimum."""
    rng = np.random.default_rng(seed)
    z_opt = rng.integers(low + 10, high - 9, n)
    q = _rotation(rng, n)
    w = 100.0 ** (np.arange(n) / max(n - 1, 1))

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        y = q @ (z - z_opt).astype(float)
        return float(np.dot(w, y * y))

    return _integers_only(
        "int-rotated-ellipsoid",
        fun,
        np.full(n, low),
        np.full(n, high),
        (1000.0, 100.0, 10.0, 0.0),
        f"rotated integer ellipsoid: {n} integers in [{low}, {high}], condition 100, rotation and "
        f"optimum drawn with seed {seed}",
    )


def int_rosenbrock(n: int = 6, low: int = -15, high: int = 15, seed: int = 2029) -> Problem:
    """Integers alone, a curved valley: Rosenbrock's ``R(y) = sum_{i<n-1} 100 (y_{i+1} - y_i^2)^2 +
    (1 - y_i)^2`` at ``y = z - z* + 1`` (its optimum moved to ``z*``, uniform in ``[low + 5, high - 5]``,
    drawn once from ``default_rng(seed)``, as :func:`rosenbrock` moves the real one). Every value is an
    integer; the optimum 0 at ``z*`` is the only zero of R."""
    z_opt = np.random.default_rng(seed).integers(low + 5, high - 4, n)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        y = (z - z_opt + 1).astype(np.int64)
        return float(np.sum(100 * (y[1:] - y[:-1] ** 2) ** 2 + (1 - y[:-1]) ** 2))

    return _integers_only(
        "int-rosenbrock",
        fun,
        np.full(n, low),
        np.full(n, high),
        (1000.0, 100.0, 10.0, 0.0),
        f"integer Rosenbrock: {n} integers in [{low}, {high}], optimum moved, drawn with seed {seed}",
    )


def cat_int_conditional(n: int = 8, k: int = 4, low: int = 0, high: int = 60, seed: int = 2029) -> Problem:
    """Categorical and integer variables, no real one: ``n`` pairs ``(c_i, z_i)``, ``f = sum_i (a_i[c_i]
    z_i - t_i)^2 + b_i[c_i] - f*``. Category ``c`` of pair ``i`` scales its integer by ``a_i[c]`` (a
    permutation of ``1, ..., k`` per pair) and costs ``b_i[c]`` in ``{0, ..., 30}``; the targets ``t_i``
    lie in ``{20, ..., 100}``; all drawn once from ``default_rng(seed)``. The best integer of a pair
    depends on its category (``round(t_i / a_i[c])`` clipped to ``[low, high]``), as a batch size's
    best value depends on the hardware chosen. Every value is an integer; ``f*`` is exact (each
    pair's minimum by enumeration of its ``k (high - low + 1)`` choices), so the optimum is 0."""
    rng = np.random.default_rng(seed)
    scale = np.argsort(rng.random((n, k)), axis=1) + 1  # (n, k): a_i[c]
    cost = rng.integers(0, 31, (n, k))
    target = rng.integers(20, 101, n)
    zs = np.arange(low, high + 1)
    each = (scale[:, :, None] * zs[None, None, :] - target[:, None, None]) ** 2 + cost[:, :, None]
    f_opt = int(each.min(axis=(1, 2)).sum())
    rows = np.arange(n)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        a = scale[rows, c]
        return float(np.sum((a * z - target) ** 2 + cost[rows, c]) - f_opt)

    return Problem(
        name="cat-int-conditional",
        categories=np.full(n, k),
        fun=fun,
        f_opt=0.0,
        gaps=(200.0, 50.0, 10.0, 0.0),
        int_low=np.full(n, low, dtype=np.int64),
        int_high=np.full(n, high, dtype=np.int64),
        description=f"categorical-conditional integers: {n} pairs of a categorical (K = {k}) choosing the scale of "
        f"an integer in [{low}, {high}], drawn with seed {seed}",
    )


def _separable_table_problem(
    name: str, table: np.ndarray, low: np.ndarray, high: np.ndarray, gaps: tuple[float, ...], description: str
) -> Problem:
    """Integers alone, separable: ``f(z) = sum_i table[i, z_i - low_i] - g*``, ``table`` ``(n, m)``
    with ``m = high_i - low_i + 1`` for every ``i`` (every value of every variable), ``g*`` the sum of
    each row's minimum. ``f`` at the row-wise argmin sums the same floats in the same order as ``g*``: 0 exactly;
    rounding is monotone, so ``f >= 0`` everywhere. An integer outside its row's range raises ValueError."""
    rows = np.arange(table.shape[0])
    g_opt = float(table.min(axis=1).sum())

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        if np.any(z < low) or np.any(z > high):  # an index below 0 would wrap around silently
            box = f"(low {low.tolist()}, high {high.tolist()})"
            raise ValueError(f"{name}: z must lie in [low, high] {box}, got {z.tolist()}")
        return float(table[rows, z - low].sum()) - g_opt

    return _integers_only(name, fun, low, high, gaps, description)


def int_log_widths(n: int = 6, low: int = 1, high: int = 2048, seed: int = 2030) -> Problem:
    """Integers alone on a logarithmic scale, as layer widths and batch sizes are tuned: ``f(z) =
    sum_i (w_i (log2 z_i - log2 t_i)^2 + z_i / 1024) - g*`` on ``[low, high]^n`` with ``w_i = 10^(i /
    (n - 1))`` (condition 10), the integers ``t_i = round(2^u_i)``, ``u_i`` U(1, 10), drawn once from
    ``default_rng(seed)``, and ``z / 1024`` a compute cost that pulls each best value below ``t_i`` (to
    about ``0.8 t_i`` for ``w = 1``, ``t = 1000``). Drawn (seed 2030, n = 6): ``t = (24, 305, 370, 21,
    5, 25)``, the optimum ``z* = (24, 292, 358, 21, 5, 25)``; one unit off it costs 0.44 or more at ``z = 5``
    and 3e-5 to 6e-5 at ``z = 292`` or 358, and half of the uniform draws of the box lie in its top octave
    (the best of 2,000, seed 0: gap 207; the box's centre: 829). Floating point: ``g*`` is the sum of
    each variable's smallest term over its ``high - low + 1`` values (enumerated, each minimum unique),
    the same floats summed in the same order as ``f`` at the optimum, so the optimum is 0 exactly and
    ``f >= 0`` everywhere (:func:`_separable_table_problem`)."""
    rng = np.random.default_rng(seed)
    t = np.round(2.0 ** rng.uniform(1.0, 10.0, n)).astype(np.int64)
    w = 10.0 ** (np.arange(n) / max(n - 1, 1))
    zs = np.arange(low, high + 1)
    table = w[:, None] * (np.log2(zs)[None, :] - np.log2(t)[:, None]) ** 2 + zs[None, :] / 1024.0
    return _separable_table_problem(
        "int-log-widths",
        table,
        np.full(n, low, dtype=np.int64),
        np.full(n, high, dtype=np.int64),
        (150.0, 1.0, 1e-3, 0.0),
        f"log-scale integers: {n} integers in [{low}, {high}], quadratic in log2 (weights 1 to 10) plus a "
        f"compute cost z / 1024, targets drawn with seed {seed}",
    )


def int_schwefel(n: int = 8, half: int = 500, seed: int = 2030) -> Problem:
    """Integers alone, deceptive: Schwefel's function, ``f(z) = sum_i -x_i sin(sqrt(|x_i|)) - g*`` at
    ``x_i = s_i (z_i - m_i)`` for ``z_i`` in ``[m_i - half, m_i + half]`` (``x_i`` in ``[-half, half]``),
    the centre ``m_i`` uniform in ``{-100, ..., 100}`` and the sign ``s_i`` in ``{-1, +1}``, drawn once
    from ``default_rng(seed)`` (the optimum moved, and mirrored where ``s_i = -1``). For ``half = 500``
    (enumerated) each variable's best ``x`` is 421 (-418.983; 420 and 422: -418.865 and -418.849) and
    its local minima alternate sides with growing depth (5, -26, 66, -125, 204, -303, 421): the second
    best, -303 (-300.516), lies on the other side of the box, 724 away, and costs 118.5 per variable
    left in it. ``g* = n min_x (-x sin sqrt|x|)`` (the same floats summed in the same order as ``f`` at
    the optimum: 0 exactly, :func:`_separable_table_problem`). Drawn (seed 2030, n = 8): ``m = (-88,
    -21, -88, 62, -93, 68, 14, -25)``, ``s = (-1, -1, 1, -1, -1, -1, -1, -1)``, the optimum ``z* = m +
    421 s``; the best of 2,000 uniform draws (seed 0) has gap 1,379, the box's centre 3,352."""
    rng = np.random.default_rng(seed)
    centre = rng.integers(-100, 101, n)
    sign = rng.choice(np.array([-1, 1]), n)
    low, high = centre - half, centre + half
    offsets = np.arange(2 * half + 1)  # z - low
    x = (sign[:, None] * (offsets[None, :] - half)).astype(float)  # (n, 2 half + 1)
    table = -x * np.sin(np.sqrt(np.abs(x)))
    return _separable_table_problem(
        "int-schwefel",
        table,
        low.astype(np.int64),
        high.astype(np.int64),
        (1000.0, 100.0, 1.0, 0.0),
        f"integer Schwefel: {n} integers, boxes of {2 * half + 1} values, optimum moved and mirrored per "
        f"variable, drawn with seed {seed}",
    )


def int_step_ellipsoid(n: int = 10, low: int = -40, high: int = 40, step: int = 3, seed: int = 2031) -> Problem:
    """Integers alone, with plateaus: ``f(z) = sum_i w_i floor(|z_i - z*_i| / step)^2``, ``w_i =
    10^(2 i / (n - 1))`` (condition 100), ``z*`` uniform in ``[low + 10, high - 10]``, drawn once
    from ``default_rng(seed)``. Every point within ``step - 1`` of ``z*`` on each axis is optimal
    (``f = 0``: ``(2 step - 1)^n`` points), and each value is shared by a plateau of neighbours, so
    most single-variable moves leave ``f`` unchanged (BBOB's step ellipsoid quantises the reals the
    same way). The smallest positive value is ``w_0 = 1``. Drawn (seed 2031, n = 10): ``z* = (6, -7,
    -11, 2, 16, 26, -30, 9, 9, 0)``; the best of 2,000 uniform draws of the box (seed 0) has gap 1,630,
    the box's centre 4,073."""
    z_opt = np.random.default_rng(seed).integers(low + 10, high - 9, n)
    w = 100.0 ** (np.arange(n) / max(n - 1, 1))

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        q = np.abs(z - z_opt) // step
        return float(np.dot(w, (q * q).astype(float)))

    return _integers_only(
        "int-step-ellipsoid",
        fun,
        np.full(n, low),
        np.full(n, high),
        (1000.0, 100.0, 10.0, 0.0),
        f"integer step ellipsoid: {n} integers in [{low}, {high}], condition 100, distances quantised in "
        f"steps of {step}, optimum drawn with seed {seed}",
    )


def int_styblinski_tang(n: int = 10, half: int = 50, seed: int = 2032) -> Problem:
    """Integers alone, multimodal and separable: the Styblinski-Tang function, ``f(z) = sum_i (x_i^4 -
    16 x_i^2 + 5 x_i) / 2 - g*`` at ``x_i = s_i (z_i - m_i) / 10`` for ``z_i`` in ``[m_i - half, m_i +
    half]`` (``x_i`` in ``[-5, 5]``), the centre ``m_i`` uniform in ``{-10, ..., 10}`` and the sign
    ``s_i`` in ``{-1, +1}``, drawn once from ``default_rng(seed)``. Each variable's best ``x`` is
    -2.9 (-39.166, 29 integers from the centre); the other basin's floor on the grid, at 2.7
    (-24.998), costs 14.17 per variable left in it. ``g*``: each variable's smallest value summed
    (:func:`_separable_table_problem`: 0 exactly at the optimum). Drawn (seed 2032, n = 10): ``m =
    (-3, 0, 10, 2, -4, -2, 3, 10, -7, -8)``, ``s = (1, -1, 1, -1, 1, 1, 1, -1, -1, 1)``; the best of
    2,000 uniform draws of the box (seed 0) has gap 108, the box's centre 392."""
    rng = np.random.default_rng(seed)
    centre = rng.integers(-10, 11, n)
    sign = rng.choice(np.array([-1, 1]), n)
    offsets = np.arange(2 * half + 1)  # z - low
    x = sign[:, None] * (offsets[None, :] - half) / 10.0  # (n, 2 half + 1)
    table = (x**4 - 16.0 * x**2 + 5.0 * x) / 2.0
    return _separable_table_problem(
        "int-styblinski-tang",
        table,
        (centre - half).astype(np.int64),
        (centre + half).astype(np.int64),
        (100.0, 30.0, 10.0, 0.0),
        f"integer Styblinski-Tang: {n} integers, boxes of {2 * half + 1} values, x = z / 10, optimum moved "
        f"and mirrored per variable, drawn with seed {seed}",
    )


def int_levy(n: int = 8, half: int = 50, seed: int = 2033) -> Problem:
    """Integers alone, multimodal: Levy's function, ``f(z) = sin^2(pi w_1) + sum_{i < n} (w_i - 1)^2 (1
    + 10 sin^2(pi w_i + 1)) + (w_n - 1)^2 (1 + sin^2(2 pi w_n)) - g*`` with ``w_i = 1 + (x_i - 1) / 4``
    at ``x_i = 1 + (z_i - z*_i) / 5`` on ``[-half, half]^n``, ``z*`` uniform in ``[-30, 30]``, drawn once
    from ``default_rng(seed)``: the optimum ``z*`` (x = 1); the sines ripple every 20 integers on the
    bowl ``(w - 1)^2``. Every term depends on one variable: ``g*`` sums each variable's smallest value
    (:func:`_separable_table_problem`: 0 exactly at the optimum). Drawn (seed 2033, n = 8): ``z* = (25,
    -25, -22, 11, -25, 8, 5, 7)``; the best of 2,000 uniform draws of the box (seed 0) has gap 8.0,
    the box's centre 50.5."""
    z_opt = np.random.default_rng(seed).integers(-30, 31, n)
    offsets = np.arange(2 * half + 1)  # z - low
    x = 1.0 + (offsets[None, :] - half - z_opt[:, None]) / 5.0  # (n, 2 half + 1)
    w = 1.0 + (x - 1.0) / 4.0
    table = (w - 1.0) ** 2 * (1.0 + 10.0 * np.sin(np.pi * w + 1.0) ** 2)
    table[0] += np.sin(np.pi * w[0]) ** 2
    table[-1] = (w[-1] - 1.0) ** 2 * (1.0 + np.sin(2.0 * np.pi * w[-1]) ** 2)
    return _separable_table_problem(
        "int-levy",
        table,
        np.full(n, -half, dtype=np.int64),
        np.full(n, half, dtype=np.int64),
        (5.0, 2.0, 0.5, 0.0),
        f"integer Levy: {n} integers in [{-half}, {half}], x = 1 + (z - z*) / 5, optimum drawn with seed {seed}",
    )


def int_zakharov(n: int = 8, low: int = -30, high: int = 30, seed: int = 2034) -> Problem:
    """Integers alone, coupled through one weighted sum: Zakharov's function, ``f(z) = sum_i y_i^2 +
    s^2 + s^4`` with ``s = sum_i (i / 2) y_i`` (i = 1, ..., n) at ``y = z - z*``, ``z*`` uniform in
    ``[low + 5, high - 5]``, drawn once from ``default_rng(seed)``. Every value is a multiple of 1/16
    (exact in float64); the optimum 0 at ``z*`` is the only zero. Unimodal on the reals, not on the
    lattice: the quartic term ties every variable to the others through ``s``, far from the optimum
    it dwarfs the rest, and only moves along ``s = 0`` improve much; one-integer steps stall at
    local minima (a descent along ``s = 0`` changes several variables at once). Drawn (seed 2034,
    n = 8): ``z* = (-2, -23, -9, 15, 12, 14, -8, -25)``; the box's centre has gap 1.6e7, the best of
    2,000 uniform draws of the box (seed 0) 1,589, the optimum's best neighbour (one integer off)
    1.3125."""
    z_opt = np.random.default_rng(seed).integers(low + 5, high - 4, n)
    half_i = 0.5 * np.arange(1, n + 1)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        y = (z - z_opt).astype(float)
        s = float(np.dot(half_i, y))
        return float(np.dot(y, y)) + s * s + s**4

    return _integers_only(
        "int-zakharov",
        fun,
        np.full(n, low),
        np.full(n, high),
        (1000.0, 100.0, 10.0, 0.0),
        f"integer Zakharov: {n} integers in [{low}, {high}], optimum drawn with seed {seed}",
    )


def sharp_ridge(n: int = 6, low: float = -5.0, high: float = 5.0, seed: int = 2035) -> Problem:
    """Reals alone, a non-smooth ridge (BBOB's F13 without its conditioning): ``f(r) = y_1^2 + 100
    sqrt(sum_{i > 1} y_i^2)`` with ``y = Q (r - r*)``, ``Q`` a random rotation and ``r*`` uniform in
    ``[-3, 3]^n``, both drawn once from ``default_rng(seed)``; optimum 0 at ``r*``. Away from the
    ridge's axis the second term is a cone, whose gradient does not shrink near it: a step size
    must keep shrinking to follow the ridge to its end. Drawn (seed 2035, n = 6): the box's centre
    has gap 410, the best of 2,000 uniform draws of the box (seed 0) 156."""
    rng = np.random.default_rng(seed)
    r_opt = rng.uniform(-3.0, 3.0, n)
    q = _rotation(rng, n)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert r is not None
        y = q @ (r - r_opt)
        return float(y[0] * y[0] + 100.0 * math.sqrt(float(np.dot(y[1:], y[1:]))))

    desc = f"sharp ridge: {n} rotated reals in [{low:g}, {high:g}], optimum moved, drawn with seed {seed}"
    return _reals_only("sharp-ridge", fun, n, low, high, desc)


def different_powers(n: int = 6, low: float = -5.0, high: float = 5.0, seed: int = 2036) -> Problem:
    """Reals alone, BBOB's different powers (F14): ``f(r) = sqrt(sum_i |y_i|^(2 + 4 (i - 1) / (n -
    1)))`` with ``y = Q (r - r*)``, ``Q`` a random rotation and ``r*`` uniform in ``[-3, 3]^n``,
    both drawn once from ``default_rng(seed)``; optimum 0 at ``r*``. The exponents run from 2 to 6:
    the last target (1e-6) needs ``|y_1|`` within 1e-6 but ``|y_n|`` only within 1e-2, and near the
    optimum the high powers are flat (a step size must shrink along some directions while others
    hardly matter). The targets 1, 0.1, 1e-2, 1e-6. Drawn (seed 2036, n = 6): the box's centre has gap
    10.9, the best of 2,000 uniform draws of the box (seed 0) 2.88."""
    rng = np.random.default_rng(seed)
    r_opt = rng.uniform(-3.0, 3.0, n)
    q = _rotation(rng, n)
    powers = 2.0 + 4.0 * np.arange(n) / max(n - 1, 1)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert r is not None
        y = q @ (r - r_opt)
        return float(math.sqrt(float(np.sum(np.abs(y) ** powers))))

    desc = f"different powers: {n} rotated reals in [{low:g}, {high:g}], optimum moved, drawn with seed {seed}"
    return dataclasses.replace(_reals_only("different-powers", fun, n, low, high, desc), gaps=(1.0, 0.1, 1e-2, 1e-6))


def cat_real_cigar(
    n_cat: int = 4, k: int = 3, n_real: int = 5, low: float = -5.0, high: float = 5.0, seed: int = 2037
) -> Problem:
    """Categorical and real variables: ``#{i: c_i != c*_i} + y_1^2 + 1e6 sum_{i > 1} y_i^2`` with
    ``y = Q (r - r*)`` (a bent cigar, BBOB's F12 without its asymmetry: one direction 1,000 times as
    long as the others), ``Q`` a random rotation, ``r*`` uniform in ``[-3, 3]^n_real`` and ``c*``
    uniform, all drawn once from ``default_rng(seed)``; optimum 0. The targets 2, 1, 1e-2, 1e-6
    (mixed-real's): below 1 every categorical variable is right. Drawn (seed 2037): the box's centre
    with every categorical value 0 has gap 1.1e7, the best of 2,000 uniform draws (seed 0) 5.6e5."""
    rng = np.random.default_rng(seed)
    c_opt = rng.integers(0, k, n_cat)
    r_opt = rng.uniform(-3.0, 3.0, n_real)
    q = _rotation(rng, n_real)
    w = np.full(n_real, 1e6)
    w[0] = 1.0

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert r is not None
        y = q @ (r - r_opt)
        return float(np.sum(c != c_opt) + np.dot(w, y * y))

    desc = (
        f"categorical and real cigar: {n_cat} categorical (K = {k}) + {n_real} rotated reals in "
        f"[{low:g}, {high:g}], optimum moved, drawn with seed {seed}"
    )
    return _categorical_and_reals("cat-real-cigar", fun, n_cat, k, n_real, low, high, desc)


def linear_slope(n: int = 5, low: float = -5.0, high: float = 5.0, seed: int = 2038) -> Problem:
    """Reals alone, BBOB's linear slope (F5): ``f(r) = sum_i 5 |s_i| - s_i r_i`` with ``s_i =
    sign_i 10^((i - 1) / (n - 1))``, the signs drawn once from ``default_rng(seed)``; optimum 0 at
    the corner ``r*_i = 5 sign_i`` of the box (BBOB's definition: a variable beyond the corner
    counts as at it; here the box is [-5, 5], so ``f`` is linear on it). Every variable's optimum
    lies at a bound: an optimizer must let its means sit at the bounds and its step sizes shrink
    there. The targets 10, 1, 1e-2, 1e-6. Drawn (seed 2038, n = 5): the box's centre has gap 107.8,
    the best of 2,000 uniform draws of the box (seed 0) 12.9."""
    if not (low <= -5.0 and high >= 5.0):
        raise ValueError(f"linear_slope: the box [{low:g}, {high:g}] must hold the corner r* in [-5, 5]^n")
    rng = np.random.default_rng(seed)
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    s = sign * 10.0 ** (np.arange(n) / max(n - 1, 1))
    r_opt = 5.0 * sign

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert r is not None
        x = np.where(r_opt * r < 25.0, r, r_opt)  # BBOB: beyond the corner counts as at it
        return float(max(np.sum(5.0 * np.abs(s) - s * x), 0.0))

    desc = f"linear slope: {n} reals in [{low:g}, {high:g}], optimum at a corner, drawn with seed {seed}"
    return dataclasses.replace(_reals_only("linear-slope", fun, n, low, high, desc), gaps=(10.0, 1.0, 1e-2, 1e-6))


def _t_osz(x: float) -> float:
    """BBOB's oscillation transform T_osz of one number (Hansen et al. 2009, "Real-parameter black-box
    optimization benchmarking 2009: noiseless functions definitions"): ``sign(x) exp(x^ + 0.049
    (sin(c_1 x^) + sin(c_2 x^)))``, ``x^ = log |x|`` (0 at 0), ``c_1 = 10, c_2 = 7.9`` for ``x > 0``
    and ``5.5, 3.1`` otherwise; monotone, the identity at 0."""
    if x == 0.0:
        return 0.0
    h = math.log(abs(x))
    c1, c2 = (10.0, 7.9) if x > 0 else (5.5, 3.1)
    return math.copysign(math.exp(h + 0.049 * (math.sin(c1 * h) + math.sin(c2 * h))), x)


def attractive_sector(n: int = 5, low: float = -5.0, high: float = 5.0, seed: int = 2039) -> Problem:
    """Reals alone, BBOB's attractive sector (F6): ``f(r) = T_osz(sum_i (s_i y_i)^2)^0.9`` with ``y =
    Q Lambda R (r - r*)``, ``Lambda = diag(10^((i - 1) / (2 (n - 1))))`` (condition 10 in y's
    scale, 100 in f's), ``s_i = 100`` where ``y_i r*_i > 0`` and 1 elsewhere, ``Q`` and ``R`` random
    rotations and ``r*`` uniform in ``[-3, 3]^n``, all drawn once from ``default_rng(seed)``;
    optimum 0 at ``r*`` (:func:`_t_osz`). Only a hyper-octant around the optimum (the sector) is
    flat: a step size tuned on the steep side overshoots, one tuned on the flat side crawls. The
    targets 100, 1, 1e-2, 1e-6. Drawn (seed 2039, n = 5): the box's centre has gap 6.3e4, the best of
    2,000 uniform draws of the box (seed 0) 28.3."""
    rng = np.random.default_rng(seed)
    r_opt = rng.uniform(-3.0, 3.0, n)
    q, rot = _rotation(rng, n), _rotation(rng, n)
    m = q @ np.diag(10.0 ** (0.5 * np.arange(n) / max(n - 1, 1))) @ rot

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert r is not None
        y = m @ (r - r_opt)
        s = np.where(y * r_opt > 0, 100.0, 1.0)
        return float(_t_osz(float(np.sum((s * y) ** 2))) ** 0.9)

    desc = f"attractive sector: {n} rotated reals in [{low:g}, {high:g}], optimum moved, drawn with seed {seed}"
    return _reals_only("attractive-sector", fun, n, low, high, desc)


def int_ackley(n: int = 10, half: int = 40, seed: int = 2040) -> Problem:
    """Integers alone, multimodal and coupled: Ackley's function, ``f(z) = g(x) - g(0)`` with ``g(x) =
    -20 exp(-0.2 sqrt(mean_i x_i^2)) - exp(mean_i cos(2 pi x_i)) + 20 + e`` at ``x = (z - z*) / 5``
    on ``[-half, half]^n``, ``z*`` uniform in ``[-25, 25]``, drawn once from ``default_rng(seed)``:
    the cosines put a local minimum within one of every fifth integer of each axis, the cone (the first term)
    pulls toward ``z*``, and both terms average over the variables, so no variable's best value is
    its own business far from the optimum. ``g(0)`` is computed as ``f`` computes ``g``: 0 exactly
    at ``z*``, above it elsewhere (the optimum's best neighbour: 0.43). The targets 5, 2, 0.5, 0.
    Drawn (seed 2040, n = 10): ``z* = (6, 10, 22, 8, 25, -23, -20, -14, -24, 25)``; the box's centre
    has gap 12.1, the best of 2,000 uniform draws of the box (seed 0) 9.2."""
    z_opt = np.random.default_rng(seed).integers(-25, 26, n)

    def g(x: np.ndarray) -> float:
        a = -20.0 * math.exp(-0.2 * math.sqrt(float(np.mean(x * x))))
        return a - math.exp(float(np.mean(np.cos(2.0 * np.pi * x)))) + 20.0 + math.e

    g0 = g(np.zeros(n))

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        return g((z - z_opt) / 5.0) - g0

    return _integers_only(
        "int-ackley",
        fun,
        np.full(n, -half),
        np.full(n, half),
        (5.0, 2.0, 0.5, 0.0),
        f"integer Ackley: {n} integers in [{-half}, {half}], x = (z - z*) / 5, optimum drawn with seed {seed}",
    )


def int_griewank(n: int = 8, half: int = 300, seed: int = 2041) -> Problem:
    """Integers alone, coupled: Griewank's function, ``f(z) = 1 + sum_i y_i^2 / 4000 - prod_i cos(y_i /
    sqrt(i))`` (i = 1, ..., n) at ``y = z - z*`` on ``[-half, half]^n``, ``z*`` uniform in ``[-200,
    200]``, drawn once from ``default_rng(seed)``: a bowl too shallow to matter near the optimum
    plus cosines with periods ``2 pi sqrt(i)`` (6.3 to 17.8 integers), whose product ties every
    variable to the others; 0 exactly at ``z*`` and above it elsewhere on the lattice. The targets
    5, 1, 0.1, 0 (the optimum's best neighbour: 0.062). Drawn (seed 2041, n = 8): ``z* = (6, 32,
    116, 138, -147, -156, 90, 48)``; the box's centre has gap 23.5, the best of 2,000 uniform draws
    of the box (seed 0) 7.1."""
    z_opt = np.random.default_rng(seed).integers(-200, 201, n)
    root = np.sqrt(np.arange(1, n + 1, dtype=float))

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        y = (z - z_opt).astype(float)
        return 1.0 + float(np.dot(y, y)) / 4000.0 - float(np.prod(np.cos(y / root)))

    return _integers_only(
        "int-griewank",
        fun,
        np.full(n, -half),
        np.full(n, half),
        (5.0, 1.0, 0.1, 0.0),
        f"integer Griewank: {n} integers in [{-half}, {half}], optimum drawn with seed {seed}",
    )


def int_trid(n: int = 8, half: int = 100, seed: int = 2042) -> Problem:
    """Integers alone, unimodal and coupled along a chain: the Trid function, ``f(z) = sum_i (x_i -
    1)^2 - sum_{i >= 2} x_i x_(i - 1) - f*`` at ``x = z - o`` on ``[-half, half]^n``, ``o`` uniform in
    ``[-50, 50]``, drawn once from ``default_rng(seed)``: a convex quadratic (its Hessian's
    eigenvalues from ``2 - 2 cos(pi / (n + 1))`` to ``2 + 2 cos(pi / (n + 1))``: a condition number
    of 32 at n = 8) whose minimum ``x*_i = i (n + 1 - i)``, ``f* = -n (n + 4) (n - 1) / 6``, lies on
    the lattice; every value an integer (exact in float64), 0 exactly at ``z* = x* + o``. The
    targets 1,000, 100, 10, 0. Drawn (seed 2042, n = 8): ``z* = (29, 17, 39, -1, 22, 48, -4, -37)``;
    each neighbour of the optimum has gap 1, the box's centre 4,718, the best of 2,000 uniform draws
    of the box (seed 0) 1,914."""
    offset = np.random.default_rng(seed).integers(-50, 51, n)
    i = np.arange(1, n + 1)
    f_star = -n * (n + 4) * (n - 1) // 6

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        x = (np.asarray(z, dtype=np.int64) - offset).astype(float)
        return float(np.sum((x - 1.0) ** 2) - np.sum(x[1:] * x[:-1]) - f_star)

    assert np.all(np.abs(i * (n + 1 - i) + offset) <= half)  # the optimum lies in the box
    return _integers_only(
        "int-trid",
        fun,
        np.full(n, -half),
        np.full(n, half),
        (1000.0, 100.0, 10.0, 0.0),
        f"integer Trid: {n} integers in [{-half}, {half}], x = z - o, offset drawn with seed {seed}",
    )


def int_salomon(n: int = 8, half: int = 100, seed: int = 2043) -> Problem:
    """Integers alone, multimodal and radially symmetric: Salomon's function, ``f(z) = 1 - cos(2 pi
    |y|) + 0.1 |y|`` at ``y = (z - z*) / 4`` on ``[-half, half]^n``, ``z*`` uniform in ``[-60, 60]``,
    drawn once from ``default_rng(seed)``: rings of local minima at ``|y| = 1, 2, ...`` (every fourth
    integer of the distance to ``z*``) of value ``~0.1 |y|``, so every variable's best value depends
    on all the others; 0 exactly at ``z*`` and above it elsewhere (the first ring's points have gaps
    0.10-0.13, the optimum's neighbours 1.025). The targets 1, 0.5, 0.15 (the first ring), 0. Drawn
    (seed 2043, n = 8): ``z* = (-10, 41, 56, -12, 1, -22, -10, 15)``; the box's centre has gap 2.36,
    the best of 2,000 uniform draws of the box (seed 0) 1.80."""
    z_opt = np.random.default_rng(seed).integers(-60, 61, n)

    def fun(c: np.ndarray, z: np.ndarray | None, r: np.ndarray | None) -> float:
        assert z is not None
        y = (z - z_opt) / 4.0
        norm = math.sqrt(float(np.dot(y, y)))
        return 1.0 - math.cos(2.0 * math.pi * norm) + 0.1 * norm

    return _integers_only(
        "int-salomon",
        fun,
        np.full(n, -half),
        np.full(n, half),
        (1.0, 0.5, 0.15, 0.0),
        f"integer Salomon: {n} integers in [{-half}, {half}], y = (z - z*) / 4, optimum drawn with seed {seed}",
    )
