"""ASNGSampler, the optuna integration (skipped when optuna is not installed)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

from asng_opt import Choice, FloatRange, IntRange, Space  # noqa: E402
from asng_opt.blackbox import BlackBoxASNG  # noqa: E402
from asng_opt.integrations._optuna_history import ATTR, REPLAY_VERSION, generation_losses  # noqa: E402
from asng_opt.integrations._optuna_space import SpaceCodec  # noqa: E402
from asng_opt.integrations.optuna import ASNGSampler, default_lam  # noqa: E402
from asng_opt.space import FLOAT_SIGMA_MIN  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)
SRC = str(Path(__file__).parents[1] / "src")
LETTERS = ["a", "b", "c", "d"]


def mixed(trial):
    """6 categorical (4 choices), 3 integers in [-5, 5], 1 log-scaled float; optimum 0."""
    c = [trial.suggest_categorical(f"c{i}", LETTERS) for i in range(6)]
    z = [trial.suggest_int(f"z{j}", -5, 5) for j in range(3)]
    x = trial.suggest_float("x", 1e-4, 1.0, log=True)
    return (
        sum(ci != LETTERS[i % 4] for i, ci in enumerate(c))
        + sum((zj - 2) ** 2 / 25 for zj in z)
        + abs(math.log10(x) + 2) / 2
    )


def mark(trial, key=None):
    """The sampler's system attribute of a trial (or one of its entries); None if it has none."""
    m = trial.system_attrs.get(ATTR)
    return m if m is None or key is None else m[key]


def members(study):
    """{generation: [trial, ...]} of the study's relatively sampled trials (one space)."""
    out: dict[int, list] = {}
    for t in study.trials:
        if mark(t) is not None:
            out.setdefault(mark(t, "generation"), []).append(t)
    return out


def theta_of(study, **kw):
    opt = ASNGSampler(**kw).current_optimizer(study)
    return None if opt is None else opt.distribution.flat(opt.theta)


# ---- the import and the arguments ---------------------------------------------------------------
def test_import_asng_opt_does_not_import_optuna():
    code = "import sys, asng_opt, asng_opt.integrations; print('optuna' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "kw, msg",
    [({"lam": 1}, "lam"), ({"lam": 2.5}, "lam"), ({"pruned": "best"}, "pruned"), ({"optimizer_options": 3}, "dict"),
     ({"pruned": np.array("worst")}, "pruned must be one of"), ({"pruned": ["worst"]}, "pruned must be one of")],
)  # fmt: skip
def test_bad_arguments_are_refused(kw, msg):
    with pytest.raises(ValueError, match=msg):
        ASNGSampler(**kw)


def test_bad_optimizer_options_are_refused_at_once():
    with pytest.raises(ValueError, match="nope"):
        ASNGSampler(optimizer_options={"nope": 1})
    with pytest.raises(ValueError, match="delta0"):
        ASNGSampler(optimizer_options={"delta0": -1.0})
    with pytest.raises(ValueError, match="delta_max"):  # an ASNG option BlackBoxASNG does not take
        ASNGSampler(optimizer_options={"delta_max": 2.0})
    with pytest.raises(ValueError, match="cat_utility"):
        ASNGSampler(optimizer_options={"cat_utility": "nope"})


@pytest.mark.parametrize("key, value", [("maximize", True), ("lam", 3), ("seed", 1)])
def test_options_the_sampler_sets_are_refused(key, value):
    # maximize=True in the options once inverted a minimize study silently: the sampler tells
    # sign-adjusted losses, so the optimizer then climbed towards the maximum
    with pytest.raises(ValueError, match=f"must not set \\['{key}'\\]"):
        ASNGSampler(optimizer_options={key: value})


def test_runs_blackbox_asng_with_its_options():
    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    study.optimize(mixed, n_trials=13)
    opt = study.sampler.current_optimizer(study)
    assert type(opt) is BlackBoxASNG and opt.lam == 4 and opt.t == 3
    # BlackBoxASNG's defaults, but the integers' step: the real rule (the sampler never restarts)
    assert opt.hyper() == BlackBoxASNG(opt.distribution, lam=4, int_update="cma").hyper()
    assert opt.int_update == "cma"
    told = [t.value for t in study.trials if mark(t) is not None and mark(t, "generation") < 3]
    assert len(told) == 12 and opt.elite is not None and opt.elite[1] == min(told)  # the best told trial
    options = {"elitist": False, "margin": False, "delta0": 0.5, "int_update": "asng"}
    other = ASNGSampler(lam=4, optimizer_options=options).current_optimizer(study)
    assert {k: other.hyper()[k] for k in options} == options
    assert not np.allclose(other.distribution.flat(other.theta), opt.distribution.flat(opt.theta))


def test_default_lam():
    assert [default_lam(n) for n in (1, 2, 3, 10, 100)] == [6, 6, 7, 10, 17]


# ---- the mapping of optuna's distributions ------------------------------------------------------
def test_codec_round_trips_every_distribution_kind():
    space = {
        "cat": CategoricalDistribution(["x", 2, None]),
        "int": IntDistribution(-3, 11, step=2),
        "ilog": IntDistribution(1, 1000, log=True),
        "flt": FloatDistribution(-1.0, 2.0),
        "flog": FloatDistribution(1e-5, 1e-1, log=True),
        "fstep": FloatDistribution(0.0, 1.0, step=0.25),
    }
    codec = SpaceCodec(space)
    assert codec.n_variables == 6 and set(codec.distribution.parts) == {"cat", "int", "real"}
    rng = np.random.default_rng(0)
    theta = codec.distribution.initial_theta()
    seen = {name: set() for name in space}
    for _ in range(300):
        params = codec.to_params(codec.sample(theta, rng))
        for name, d in space.items():
            assert d._contains(d.to_internal_repr(params[name])), (name, params[name])
            seen[name].add(params[name])
        assert codec.to_params(codec.from_params(params)) == params  # enqueued values encode exactly
    assert seen["cat"] == {"x", 2, None} and seen["fstep"] == {0.0, 0.25, 0.5, 0.75, 1.0}
    assert min(seen["int"]) == -3 and max(seen["int"]) == 11 and all((v + 3) % 2 == 0 for v in seen["int"])
    assert min(seen["ilog"]) < 10 and max(seen["ilog"]) > 100  # log scale: small and large values


def test_codec_parts_are_built_as_a_named_space_builds_its_parts():
    codec = SpaceCodec(
        {
            "c": CategoricalDistribution(["x", "y", "z"]),
            "k": IntDistribution(0, 6, step=2),
            "f": FloatDistribution(-1.0, 2.0),
            "g": FloatDistribution(1e-5, 1e-1, log=True),
        }
    )
    space = Space(c=Choice(["x", "y", "z"]), k=IntRange(0, 3), f=FloatRange(-1.0, 2.0), g=FloatRange(0.0, 1.0))
    ours, theirs = codec.distribution.parts, space.distribution.parts
    assert list(ours) == ["cat", "int", "real"]
    assert [ours[k].spec() for k in ours] == [theirs[k].spec() for k in ("cat", "int", "float")]
    # 1e-3 before replay version 2, 1e-6 before version 3 (asng-opt 0.15)
    assert ours["real"].sigma_min.tolist() == [FLOAT_SIGMA_MIN] * 2 == [1e-10] * 2


def test_generation_losses_put_failures_below_every_value():
    # None (failed) and +inf: max + span; -inf: min - span; span = max(max - min, 1)
    assert generation_losses([3.0, None, 1.0, 3.0, math.inf, -math.inf]).tolist() == [3.0, 5.0, 1.0, 3.0, 5.0, -1.0]
    assert generation_losses([2.0, None]).tolist() == [2.0, 3.0]
    assert generation_losses([None, None]) is None
    # where max + span overflows: dense ranks, the same order and ties
    assert generation_losses([1e308, -1e308, None, 1e308]).tolist() == [1.0, 0.0, 2.0, 1.0]
    assert generation_losses([-math.inf, None, -math.inf]).tolist() == [0.0, 1.0, 0.0]
    assert generation_losses([math.inf, None]) is None  # nothing known: the generation is skipped


# ---- optimisation ---------------------------------------------------------------------------------
def test_beats_random_sampling_on_a_mixed_problem():
    """Median best value over 5 seeds at 120 trials; the gap must exceed the larger interquartile
    range of the two samplers (measured with BlackBoxASNG: ASNG 0.21-0.78, median 0.51, IQR 0.24;
    random 2.26-3.35, median 2.88, IQR 0.65: a gap of 2.4 against 0.65)."""
    best = {"asng": [], "random": []}
    for seed in range(5):
        for name, sampler in (("asng", ASNGSampler(seed=seed)), ("random", optuna.samplers.RandomSampler(seed=seed))):
            study = optuna.create_study(sampler=sampler)
            study.optimize(mixed, n_trials=120)
            best[name].append(study.best_value)
    med = {k: float(np.median(v)) for k, v in best.items()}
    spread = max(float(np.subtract(*np.percentile(v, [75, 25]))) for v in best.values())
    assert med["random"] - med["asng"] > spread, (best, spread)


def test_maximize_direction():
    def score(t):
        return sum(t.suggest_categorical(f"b{i}", [0, 1]) for i in range(8))

    study = optuna.create_study(direction="maximize", sampler=ASNGSampler(seed=1, lam=6))
    study.optimize(score, n_trials=120)
    opt = study.sampler.current_optimizer(study)
    # P(b_i = 1); measured 0.961 each, the most the margin allows: 1 - (1 - 0.73^(1/8)) = 0.961
    assert opt is not None and np.all(opt.theta["cat"][:, 1] > 0.7)


def test_same_seed_same_trials_and_state_recoverable_from_the_study():
    studies = []
    for _ in range(2):
        study = optuna.create_study(sampler=ASNGSampler(seed=3))
        study.optimize(mixed, n_trials=60)
        studies.append(study)
    assert [t.params for t in studies[0].trials] == [t.params for t in studies[1].trials]
    # a fresh sampler (another process, say) rebuilds the very same state from the trials
    opt = ASNGSampler().current_optimizer(studies[0])
    assert opt is not None and opt.t >= 3
    assert np.array_equal(theta_of(studies[0]), theta_of(studies[1]))


def test_generations_have_lam_members_and_are_sampled_relatively():
    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=5))
    study.optimize(mixed, n_trials=41)
    gens = members(study)
    assert sorted(gens) == list(range(len(gens)))
    assert all(len(m) == 5 for g, m in gens.items() if g < len(gens) - 1)
    assert mark(study.trials[0]) is None  # the first trial: no space yet (random)
    assert all(set(mark(t)) == {"version", "space", "generation", "raw"} for t in study.trials[1:])
    assert {mark(t, "version") for t in study.trials[1:]} == {REPLAY_VERSION}
    assert ASNGSampler(lam=5).current_optimizer(study).t == 8  # 40 relative trials, 8 full generations


def test_n_jobs_2():
    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    study.optimize(mixed, n_trials=60, n_jobs=2)
    assert len(study.trials) == 60 and all(t.state == TrialState.COMPLETE for t in study.trials)
    gens = members(study)
    assert sum(len(m) for m in gens.values()) >= 55
    assert all(len(m) >= 4 for g, m in gens.items() if g < max(gens))  # every finished generation is full
    # threads do not hand out a draw twice: the relatively sampled trials' raw draws all differ (their
    # params may repeat: a real drawn beyond its bound is clipped to it, and the categorical and
    # integer parts concentrate -- about 1 run in 100 had two equal params), and so do the
    # independently sampled ones' params (uniform floats)
    raws = [json.dumps(mark(t, "raw"), sort_keys=True) for t in study.trials if mark(t) is not None]
    assert len(set(raws)) == len(raws) >= 55
    plain = [tuple(sorted(t.params.items())) for t in study.trials if mark(t) is None]
    assert len(set(plain)) == len(plain)
    opt = ASNGSampler(lam=4).current_optimizer(study)
    assert opt is not None and opt.t >= 10


WORKER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {src!r})
    import optuna
    from asng_opt.integrations.optuna import ASNGSampler
    sys.path.insert(0, {tests!r})
    from test_optuna_sampler import mixed
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = {storage}
    study = optuna.load_study(study_name="shared", storage=storage, sampler=ASNGSampler(seed=int(sys.argv[1]), lam=4))
    study.optimize(mixed, n_trials=8)
    """
)


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_two_processes_share_one_study(tmp_path, kind):
    if kind == "journal":
        path = tmp_path / "journal.log"
        backend = "journal.JournalFileBackend" if hasattr(optuna.storages, "journal") else "JournalFileStorage"  # <4.0
        storage_expr = f"optuna.storages.JournalStorage(optuna.storages.{backend}({str(path)!r}))"
    else:
        storage_expr = repr(f"sqlite:///{tmp_path / 'study.db'}")
    storage = eval(storage_expr)  # noqa: S307 -- the expression above, built here
    optuna.create_study(study_name="shared", storage=storage)
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(src=SRC, tests=str(Path(__file__).parent), storage=storage_expr))
    procs = [subprocess.Popen([sys.executable, str(script), str(seed)], stderr=subprocess.PIPE) for seed in (1, 2)]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    study = optuna.load_study(study_name="shared", storage=eval(storage_expr))  # noqa: S307
    assert len(study.trials) == 16 and all(t.state == TrialState.COMPLETE for t in study.trials)
    gens = members(study)
    assert all(len(m) >= 4 for g, m in gens.items() if g < max(gens))
    # both processes' samplers and a third one agree on the state: it lives in the study
    a, b = theta_of(study, lam=4), theta_of(study, lam=4)
    assert a is not None and np.array_equal(a, b)
    assert ASNGSampler(lam=4).current_optimizer(study).t >= 2  # 15 relative trials, generations of 4


# ---- failed, pruned and enqueued trials; changing spaces; multi-objective --------------------------
def one_choice(outcome):
    """x in {a, b, c} and z in [0, 9]: a scores z / 10, b 1 + z / 10, c does what ``outcome`` says."""

    def objective(trial):
        x = trial.suggest_categorical("x", ["a", "b", "c"])
        z = trial.suggest_int("z", 0, 9)
        if x == "c":
            return outcome(trial)
        return {"a": 0.0, "b": 1.0}[x] + z / 10

    return objective


def fail(trial):
    raise RuntimeError("c fails")


def prune_after_reporting(trial):
    trial.report(-1.0, step=0)
    raise optuna.TrialPruned()


def oracle_theta(study, lam, policy):
    """The state the documented rules give, computed by telling a fresh BlackBoxASNG (the sampler's
    optimizer, same lam, default options but ``int_update="cma"``, as the sampler sets) each
    generation by hand: generations in order, failed
    (and with "worst" pruned) trials valued above the generation's worst value, pruned ones at
    their last intermediate value with "last", left out with "ignore"; told with the stored raw
    draws (through ``_pending``, as after ``ask``, the way the replay tells them)."""
    trials = [t for t in study.trials if mark(t) is not None]
    codec = SpaceCodec(trials[0].distributions)
    dist = codec.distribution
    opt = BlackBoxASNG(dist, lam=lam, int_update="cma")  # the sampler's: its integers follow the real rule
    gens = {}
    for t in trials:
        if not (policy == "ignore" and t.state == TrialState.PRUNED):
            gens.setdefault(mark(t, "generation"), []).append(t)
    n = 0
    while len(gens.get(n, ())) >= lam:
        g = gens[n]
        known = {t.number: t.value for t in g if t.state == TrialState.COMPLETE}
        if policy == "last":
            known |= {t.number: t.intermediate_values[0] for t in g if t.state == TrialState.PRUNED}
        worst = max(known.values()) + 1.0
        losses = np.array([known.get(t.number, worst) for t in g])
        raw = [codec.raw_from_json(mark(t, "raw")) for t in g]
        raw = {k: np.stack([r[k] for r in raw]) for k in dist.parts}
        user = dist.decode(raw)
        opt._pending = (user, raw)  # the stored draws, not the rounded integers, are told
        opt.tell(user, losses)
        n += 1
    return dist.flat(opt.theta), n


CASES = [(fail, "worst"), (prune_after_reporting, "worst"), (prune_after_reporting, "last")]

# Bad (failed / pruned) trials among trials 5-29, i.e. after the random first trial and the first
# generation, so that the policy acts on later updates too; and the generations told. Seed 0 is
# deterministic; measured with BlackBoxASNG over seeds 0-19 (seed 0 in brackets):
# * "worst": bad 0-6, median 2 [2]. Elitism drives x away from "c" and the margin keeps
#   P(c) >= (1 - 0.73^(1/2)) / 2 = 0.073, about 2 of the 25 draws: >= 1 is what the check needs
#   (a failure in a later generation) with one below seed 0's count as margin. Generations: always 7.
# * "last": bad 18-23 [20]. A pruned "c" reports -1, the best value, so c is drawn more and more;
#   >= 10 also checks that direction. Generations: always 7.
# * "ignore": bad 0-12 [6], >= 3; generations 3-6 [5] (pruned trials leave holes), >= 4.
MIN_BAD = {"worst": 1, "last": 10, "ignore": 3}
MIN_GENERATIONS = {"worst": 5, "last": 5, "ignore": 4}


@pytest.mark.parametrize("outcome, policy", [*CASES, (prune_after_reporting, "ignore")])
def test_failed_and_pruned_trials(outcome, policy):
    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4, pruned=policy))
    study.optimize(one_choice(outcome), n_trials=30, catch=(RuntimeError,))
    bad = TrialState.FAIL if outcome is fail else TrialState.PRUNED
    assert sum(t.state == bad for t in study.trials[5:]) >= MIN_BAD[policy]
    want, n = oracle_theta(study, 4, policy)
    opt = ASNGSampler(lam=4, pruned=policy).current_optimizer(study)
    assert opt.t == n >= MIN_GENERATIONS[policy]
    assert np.allclose(opt.distribution.flat(opt.theta), want, rtol=0, atol=1e-12)
    others = [] if outcome is fail else sorted({"worst", "last", "ignore"} - {policy})  # failed: always worst
    for other in others:  # the policy matters: the others end elsewhere
        alt = ASNGSampler(lam=4, pruned=other).current_optimizer(study)
        assert not np.allclose(alt.distribution.flat(alt.theta), want)


def test_search_space_change_starts_a_new_distribution():
    def objective(trial):
        x = trial.suggest_categorical("x", ["a", "b", "c"])
        if trial.number < 20:  # y is dropped from the intersection once trial 20 completes
            trial.suggest_int("y", 0, 9)
        return {"a": 0.0, "b": 1.0, "c": 2.0}[x]

    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    study.optimize(objective, n_trials=50)
    keys = [mark(t, "space") if mark(t) else None for t in study.trials]
    first, last = keys[1], keys[-1]
    assert first != last and set(keys[1:21]) == {first} and set(keys[21:]) == {last}
    new_gens = sorted({mark(t, "generation") for t in study.trials if keys[t.number] == last})
    assert new_gens[0] == 0  # the new space counts its generations from 0 ...
    opt = ASNGSampler(lam=4).current_optimizer(study)
    assert list(opt.distribution.parts) == ["cat"] and opt.theta["cat"].shape == (1, 3)  # ... over x alone
    assert opt.t >= 5  # 29 trials in the new space, generations of 4


def test_a_study_sampled_under_another_replay_version_is_refused():
    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    study.optimize(mixed, n_trials=9)
    old = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    for t in study.trials:  # the same trials as asng-opt 0.3 stored them: no "version" key
        attrs = {ATTR: {k: v for k, v in mark(t).items() if k != "version"}} if mark(t) else {}
        old.add_trial(
            optuna.trial.create_trial(params=t.params, distributions=t.distributions, value=t.value, system_attrs=attrs)
        )
    with pytest.raises(ValueError, match=r"trial 1 was sampled by another asng-opt \(replay version 1; "):
        ASNGSampler(lam=4).current_optimizer(old)
    with pytest.raises(ValueError, match="replay version 1"):
        old.optimize(mixed, n_trials=1)
    assert len(old.trials) == 10 and old.trials[-1].state == TrialState.FAIL  # nothing was replayed into it
    assert ASNGSampler(lam=4).current_optimizer(study).t == 2  # this version's trials replay


def test_a_study_sampled_under_replay_version_2_replays_under_the_finer_resolution():
    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    study.optimize(mixed, n_trials=9)
    old = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    for t in study.trials:  # the same trials as asng-opt 0.4-0.14 stored them: version 2
        attrs = {ATTR: {**mark(t), "version": 2}} if mark(t) else {}
        old.add_trial(
            optuna.trial.create_trial(params=t.params, distributions=t.distributions, value=t.value, system_attrs=attrs)
        )
    mine, theirs = ASNGSampler(lam=4).current_optimizer(study), ASNGSampler(lam=4).current_optimizer(old)
    assert theirs.t == mine.t == 2
    assert list(theirs.theta) == list(mine.theta) == ["cat", "int", "real"]  # far from the floors: the same state
    for k in mine.theta:
        np.testing.assert_array_equal(theirs.theta[k], mine.theta[k])
    old.optimize(mixed, n_trials=3)  # and the study goes on, its new trials marked with this version
    assert [mark(t, "version") for t in old.trials[-3:]] == [REPLAY_VERSION] * 3 == [3] * 3


def test_enqueued_trials_are_told_with_their_values():
    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    study.optimize(mixed, n_trials=10)
    study.enqueue_trial({"c0": "d", "z0": -5})  # partly fixed: the rest is sampled
    study.enqueue_trial({f"c{i}": "a" for i in range(6)} | {"z0": 0, "z1": 0, "z2": 0, "x": 0.5})  # all fixed
    study.optimize(mixed, n_trials=10)
    part, full = study.trials[10], study.trials[11]
    assert part.params["c0"] == "d" and part.params["z0"] == -5 and full.params["x"] == 0.5
    assert mark(part, "generation") >= 0  # sampled relatively: a member of a generation
    codec = SpaceCodec({k: v for k, v in part.distributions.items()})
    stored = codec.to_params(codec.raw_from_json(mark(part, "raw")))
    assert stored != part.params  # its draws were overridden: the replay tells its actual values
    assert codec.to_params(codec.from_params(part.params)) == part.params
    assert mark(full) is None  # nothing was sampled: not told
    assert ASNGSampler(lam=4).current_optimizer(study).t >= 3


def test_multi_objective_is_refused():
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=ASNGSampler())
    with pytest.raises(ValueError, match="2 objectives"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 0.0), n_trials=2)


def test_reseed_rng():
    def draws(sampler, reseed):
        study = optuna.create_study(sampler=sampler)
        study.optimize(mixed, n_trials=2)  # the space exists after trial 0
        if reseed:
            sampler.reseed_rng()
        study.optimize(mixed, n_trials=3)
        return [t.params for t in study.trials[2:]]

    assert draws(ASNGSampler(seed=5), False) == draws(ASNGSampler(seed=5), False)
    assert draws(ASNGSampler(seed=5), True) != draws(ASNGSampler(seed=5), False)
