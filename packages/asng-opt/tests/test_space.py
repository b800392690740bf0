"""Named search spaces: construction, refusals, encode / decode both ways, the optimizers on dicts."""

import copy
import math
import pickle

import numpy as np
import pytest
from helpers import deep_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import ASNG, SNG, AdamNG, Categorical, Choice, FloatRange, Gaussian, Integer, IntRange, Product, Space
from asng_opt.space import FLOAT_SIGMA_INIT


def example_space():
    return Space(
        optimizer=Choice(["sgd", "adam", "rmsprop"]),
        layers=IntRange(1, 8),
        lr=FloatRange(1e-5, 1e-1, log=True),
        dropout=FloatRange(0.0, 0.5),
        width=IntRange(16, 256, step=16),
        act=Choice(["relu", "gelu"]),
    )


# ---- construction ------------------------------------------------------------------------------


def test_structure_names_and_container_protocol():
    space = example_space()
    assert space.names == ("optimizer", "layers", "lr", "dropout", "width", "act")
    assert len(space) == 6 and list(space) == list(space.names)
    assert "lr" in space and "momentum" not in space and 3 not in space
    assert space.variables["width"] == IntRange(16, 256, step=16)
    with pytest.raises(TypeError):
        space.variables["lr"] = FloatRange(0.0, 1.0)  # read only
    d = space.distribution
    assert isinstance(d, Product) and list(d.parts) == ["cat", "int", "float"]
    assert isinstance(d.parts["cat"], Categorical) and d.parts["cat"].categories.tolist() == [3, 2]
    ints = d.parts["int"]
    assert isinstance(ints, Integer) and ints.int_low.tolist() == [1, 1] and ints.int_high.tolist() == [8, 16]
    assert isinstance(d.parts["float"], Gaussian) and d.parts["float"].n_variables == 2
    assert d.n_theta == (2 + 1) + 2 * 2 + 2 * 2
    assert repr(space).startswith("Space(optimizer=Choice(['sgd', 'adam', 'rmsprop']), layers=IntRange(1, 8), ")
    assert "width=IntRange(16, 256, step=16)" in repr(space) and "FloatRange(1e-05, 0.1, log=True)" in repr(space)


def test_layouts_omit_empty_parts_and_choices_alone_give_a_categorical():
    assert isinstance(Space(a=Choice([1, 2]), b=Choice("xy" * 1 and ["x", "y", "z"])).distribution, Categorical)
    only_int = Space(n=IntRange(0, 3)).distribution
    assert isinstance(only_int, Product) and list(only_int.parts) == ["int"]
    mixed = Space(x=FloatRange(0.0, 1.0), c=Choice([0, 1])).distribution
    assert isinstance(mixed, Product) and list(mixed.parts) == ["cat", "float"]


def test_mapping_form_for_names_that_are_not_identifiers():
    space = Space({"model.depth": IntRange(1, 4), "class": Choice(["a", "b"])}, lr=FloatRange(0.1, 1.0))
    assert space.names == ("model.depth", "class", "lr")
    assert (
        repr(space) == "Space({'model.depth': IntRange(1, 4), 'class': Choice(['a', 'b']), 'lr': FloatRange(0.1, 1.0)})"
    )
    cfg = space.decode_one(space.encode_one({"model.depth": 3, "class": "b", "lr": 0.5}))
    assert cfg["model.depth"] == 3 and cfg["class"] == "b" and cfg["lr"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Choice([]), "at least one value"),
        (lambda: Choice("abc"), "list or tuple"),
        (lambda: Choice({1, 2}), "list or tuple"),
        (lambda: Choice({"a": 1}), "list or tuple"),
        (lambda: Choice(5), "list or tuple"),
        (lambda: Choice([1, 2, 1.0]), "values 0 and 2 are equal"),
        (lambda: IntRange(3, 2), "low=3 > high=2"),
        (lambda: IntRange(0, 10, step=0), "step must be >= 1"),
        (lambda: IntRange(0, 10, step=-2), "step must be >= 1"),
        (lambda: IntRange(0, 10, step=3), "high=10 is not on the grid"),
        (lambda: IntRange(0.0, 3), "low must be an int"),
        (lambda: IntRange(0, True), "high must be an int"),
        (lambda: IntRange(0, "3"), "high must be an int"),
        (lambda: IntRange(0, 2**60), "beyond"),
        (lambda: FloatRange(1.0, 0.5), "low=1.0 > high=0.5"),
        (lambda: FloatRange(0.0, math.inf), "high must be finite"),
        (lambda: FloatRange(math.nan, 1.0), "low must be finite"),
        (lambda: FloatRange(-1e308, 1e308), "overflows"),
        (lambda: FloatRange(0.0, 1.0, log=True), "log=True needs low > 0"),
        (lambda: FloatRange(-1.0, 1.0, log=True), "log=True needs low > 0"),
        (lambda: FloatRange(0.1, 1.0, log="yes"), "log must be True or False"),
        (lambda: FloatRange("0", 1.0), "low must be a real number"),
        (lambda: FloatRange(False, 1.0), "low must be a real number"),
        (lambda: Space(), "at least one variable"),
        (lambda: Space({"a": Choice([1])}, a=Choice([2])), "'a' given twice"),
        (lambda: Space({1: Choice([1])}), "non-empty strings"),
        (lambda: Space({"": Choice([1])}), "non-empty strings"),
        (lambda: Space(a=[1, 2]), "'a' is list, not a Choice"),
        (lambda: Space(a=Categorical([2])), "not a Choice, IntRange or FloatRange"),
        (lambda: Space([("a", Choice([1]))]), "must be a dict"),
    ],
)
def test_nonsense_is_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_constants_are_allowed():
    space = Space(c=Choice(["only"]), i=IntRange(5, 5), f=FloatRange(2.5, 2.5), x=Choice([0, 1]))
    d = space.distribution
    for cfg in space.decode(d.decode(d.sample(d.initial_theta(), 6, np.random.default_rng(0)))):
        assert (cfg["c"], cfg["i"], cfg["f"]) == ("only", 5, 2.5)
    assert space.encode_one({"c": "only", "i": 5, "f": 2.5, "x": 1})["float"].tolist() == [0.5]


def test_variables_are_immutable_comparable_and_pickle():
    c, i, f = Choice([[1], "a", None]), IntRange(2, 8, step=2), FloatRange(0.1, 1.0, log=True)
    for v in (c, i, f):
        with pytest.raises(AttributeError):
            v.low = 0
        assert pickle.loads(pickle.dumps(v)) == v
        assert copy.deepcopy(v) == v
    assert Choice([1, 2]) != Choice([2, 1]) and IntRange(0, 4) != IntRange(0, 4, step=2)
    assert FloatRange(0.1, 1.0) != f and hash(IntRange(1, 3)) == hash(IntRange(1, 3))
    assert hash(c) == hash(Choice([[1], "a", None]))  # unhashable labels still hash (by length)


# ---- decode / encode ---------------------------------------------------------------------------


def test_decode_gives_plain_python_values_and_the_very_labels():
    marker = object()
    space = Space(c=Choice(["a", marker, [1, 2]]), n=IntRange(-3, 9, step=3), x=FloatRange(-1.0, 1.0))
    d = space.distribution
    batch = d.decode(d.sample(d.initial_theta(), 50, np.random.default_rng(1)))
    configs = space.decode(batch)
    assert isinstance(batch["float"], np.ndarray) and batch["float"].dtype == float
    assert len(configs) == 50
    for cfg in configs:
        assert list(cfg) == ["c", "n", "x"]
        assert any(cfg["c"] is v for v in space.variables["c"].values)
        assert type(cfg["n"]) is int and cfg["n"] in (-3, 0, 3, 6, 9)
        assert type(cfg["x"]) is float and -1.0 <= cfg["x"] <= 1.0
    assert {type(cfg["c"]) for cfg in configs} == {str, object, list}


def test_out_of_range_float_draws_are_clipped():
    space = Space(x=FloatRange(2.0, 3.0), y=FloatRange(1e-3, 1e3, log=True))
    configs = space.decode({"float": np.array([[-5.0, 7.0], [1.5, -0.2], [0.5, 0.5]])})
    assert configs[0] == {"x": 2.0, "y": 1e3} and configs[1] == {"x": 3.0, "y": 1e-3}
    assert configs[2]["x"] == 2.5 and configs[2]["y"] == pytest.approx(1.0, rel=1e-12)


def test_log_scale():
    space = Space(lr=FloatRange(1e-5, 1e-1, log=True))
    assert space.encode_one({"lr": 1e-3})["float"][0] == pytest.approx(0.5)
    assert space.encode_one({"lr": 1e-4})["float"][0] == pytest.approx(0.25)
    d = space.distribution
    assert space.mode(d.initial_theta())["lr"] == pytest.approx(1e-3)  # the geometric middle
    lrs = np.array(
        [c["lr"] for c in space.decode(d.decode(d.sample(d.initial_theta(), 4000, np.random.default_rng(0))))]
    )
    assert lrs.min() >= 1e-5 and lrs.max() <= 1e-1
    # log10(lr) is N(-3, (4 sigma0)^2) clipped, sigma0 = FLOAT_SIGMA_INIT = 1/6: its median is -3,
    # P(lr < 1e-4) = Phi(-1 / (4 sigma0)) = Phi(-1.5) = 0.0668
    assert FLOAT_SIGMA_INIT == pytest.approx(1 / 6)
    assert np.median(np.log10(lrs)) == pytest.approx(-3.0, abs=0.1)
    assert np.mean(lrs < 1e-4) == pytest.approx(0.0668, abs=0.015)
    lin = Space(lr=FloatRange(1e-5, 1e-1))
    assert lin.encode_one({"lr": 1e-3})["float"][0] == pytest.approx(0.0099, abs=1e-4)


def test_step_grid():
    space = Space(w=IntRange(16, 256, step=16), k=IntRange(-7, 8, step=5))
    ints = space.distribution.parts["int"]
    assert ints.int_low.tolist() == [1, -2] and ints.int_high.tolist() == [16, 1]  # j = low // step + k
    assert space.encode([{"w": 16, "k": -7}, {"w": 256, "k": 8}])["int"].tolist() == [[1, -2], [16, 1]]
    d = space.distribution
    for cfg in space.decode(d.decode(d.sample(d.initial_theta(), 100, np.random.default_rng(2)))):
        assert cfg["w"] % 16 == 0 and 16 <= cfg["w"] <= 256 and cfg["k"] in (-7, -2, 3, 8)
    for bad, match in [(24, "24 is not on the grid IntRange"), (272, "272 is outside"), (0, "0 is outside")]:
        with pytest.raises(ValueError, match=f"variable 'w': {match}"):
            space.encode_one({"w": bad, "k": 3})


def test_step_one_models_the_values_themselves():
    """IntRange(low, high) is Integer(low, high): the layout asng-nas's checkpoints hold."""
    d = Space(a=IntRange(64, 256), b=IntRange(1, 3)).distribution
    assert d.spec() == Product(int=Integer([64, 1], [256, 3])).spec()


valid_labels = st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2))


@st.composite
def variables(draw):
    kind = draw(st.sampled_from(["choice", "int", "float", "log"]))
    if kind == "choice":
        labels = draw(st.lists(valid_labels, min_size=1, max_size=5, unique_by=lambda x: (type(x).__name__, repr(x))))
        return Choice(labels)
    if kind == "int":
        low, step, k = draw(st.integers(-1000, 1000)), draw(st.integers(1, 7)), draw(st.integers(0, 20))
        return IntRange(low, low + step * k, step=step)
    if kind == "float":
        low = draw(st.floats(-1e3, 1e3))
        return FloatRange(low, low + draw(st.floats(0.0, 1e3)))
    low = draw(st.floats(1e-6, 1e3))
    return FloatRange(low, low * draw(st.floats(1.0, 1e6)), log=True)


spaces = st.dictionaries(st.text(min_size=1, max_size=4), variables(), min_size=1, max_size=6).map(Space)


def value_of(var, data):
    if isinstance(var, Choice):
        return data.draw(st.sampled_from(var.values))
    if isinstance(var, IntRange):
        return var.low + var.step * data.draw(st.integers(0, var.size - 1))
    return data.draw(st.floats(var.low, var.high))


def same_config(space, a, b):
    """Equal configurations: Choices and ints exactly, floats to rounding (log: exp(log x))."""
    for name, var in space.variables.items():
        if isinstance(var, FloatRange):
            assert type(b[name]) is float and var.low <= b[name] <= var.high
            assert b[name] == pytest.approx(a[name], rel=1e-12, abs=1e-12 * max(abs(var.low), abs(var.high)))
        else:
            assert type(b[name]) is type(a[name]) and b[name] == a[name]


@settings(max_examples=60, deadline=None)
@given(space=spaces, data=st.data())
def test_encode_decode_round_trip(space, data):
    configs = [{name: value_of(var, data) for name, var in space.variables.items()} for _ in range(3)]
    batch = space.encode(configs)
    assert space.distribution.check_samples(batch)[1] == 3
    back = space.decode(batch)
    for a, b in zip(configs, back):
        same_config(space, a, b)
    for j, cfg in enumerate(configs):
        one = space.encode_one(cfg)
        assert deep_equal(one, {k: v[j] for k, v in batch.items()} if isinstance(batch, dict) else batch[j])
        same_config(space, cfg, space.decode_one(one))


@settings(max_examples=40, deadline=None)
@given(space=spaces, seed=st.integers(0, 2**32 - 1))
def test_decode_encode_round_trip_on_drawn_batches(space, seed):
    d = space.distribution
    batch = d.decode(d.sample(d.initial_theta(), 5, np.random.default_rng(seed)))
    configs = space.decode(batch)
    again = space.encode(configs)
    for part in ("cat", "int"):  # exact for categories and integers
        if isinstance(batch, dict) and part in batch:
            assert np.array_equal(again[part], batch[part])
    if not isinstance(batch, dict):
        assert np.array_equal(again, batch)
    for a, b in zip(configs, space.decode(again)):
        same_config(space, a, b)
    assert len(space.encode([])[next(iter(again))] if isinstance(again, dict) else space.encode([])) == 0


def test_encode_refusals_name_the_sample_and_variable():
    space = example_space()
    good = {"optimizer": "adam", "layers": 3, "lr": 1e-3, "dropout": 0.1, "width": 32, "act": "relu"}
    space.encode([good, good])
    cases = [
        ({**good, "momentum": 0.9}, "sample 1: unknown variable 'momentum'"),
        ({k: v for k, v in good.items() if k != "lr"}, "sample 1: missing variable 'lr'"),
        ({**good, "optimizer": "adagrad"}, "sample 1: variable 'optimizer': 'adagrad' is not one of"),
        ({**good, "layers": 9}, "variable 'layers': 9 is outside \\[1, 8\\]"),
        ({**good, "layers": 2.5}, "variable 'layers': 2.5 is not an integer"),
        ({**good, "layers": True}, "variable 'layers': True is not an integer"),
        ({**good, "layers": "3"}, "variable 'layers': '3' is not an integer"),
        ({**good, "width": 40}, "variable 'width': 40 is not on the grid"),
        ({**good, "lr": 0.5}, "variable 'lr': 0.5 is outside"),
        ({**good, "dropout": math.nan}, "variable 'dropout': nan is not finite"),
        ({**good, "dropout": math.inf}, "variable 'dropout': inf is not finite"),
        ({**good, "dropout": "0.1"}, "variable 'dropout': '0.1' is not a real number"),
        ({**good, "dropout": None}, "variable 'dropout': None is not a real number"),
        ([("optimizer", "adam")], "sample 1: a configuration must be a dict"),
    ]
    for bad, match in cases:
        with pytest.raises(ValueError, match=match):
            space.encode([good, bad])
    with pytest.raises(ValueError, match="use encode_one"):
        space.encode(good)
    with pytest.raises(ValueError, match="encode_one: variable 'layers': 0 is outside"):
        space.encode_one({**good, "layers": 0})
    with pytest.raises(ValueError, match="encode_one: expects a dict"):
        space.encode_one([good])
    assert space.encode_one({**good, "layers": 3.0, "dropout": 0})["int"].tolist() == [3, 2]  # integral numbers


def test_decode_refuses_batches_that_do_not_fit():
    space = example_space()
    d = space.distribution
    batch = d.decode(d.sample(d.initial_theta(), 3, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="Space.decode: Product: samples must be a dict"):
        space.decode(batch["cat"])
    with pytest.raises(ValueError, match="Space.decode: .*'int'.*outside"):
        space.decode({**batch, "int": batch["int"] + 100})
    with pytest.raises(ValueError, match="Space.decode: .*'float'.*finite"):
        space.decode({**batch, "float": np.full((3, 2), np.nan)})
    with pytest.raises(ValueError, match="Space.decode_one: .*shape"):
        space.decode_one(batch)  # a batch, not one sample
    cat = Space(a=Choice([1, 2]))
    with pytest.raises(ValueError, match="category 2 for variable 0"):
        cat.decode(np.array([[2]]))
    assert cat.decode_one(np.array([1])) == {"a": 2}


def test_labels_not_equal_to_themselves_are_refused():
    """NaN and numpy arrays cannot be looked up by ``==`` (see test_review_small for the whole kind)."""
    for bad in (float("nan"), np.arange(3)):
        with pytest.raises(ValueError):
            Space(c=Choice([bad, "x"]))


def test_mode():
    space = example_space()
    d = space.distribution
    theta = d.initial_theta()
    theta["cat"][0] = [0.1, 0.7, 0.2]
    theta["int"][1, 0] = 5.2  # grid index of width: 5 -> 80
    theta["float"][1] = [0.2, 0.2**2 + 0.01]  # dropout mean 0.2 of the range
    m = space.mode(theta)
    assert m["optimizer"] == "adam" and m["width"] == 80 and m["dropout"] == pytest.approx(0.1)
    assert m["lr"] == pytest.approx(1e-3) and type(m["layers"]) is int
    with pytest.raises(ValueError, match="Space.mode: Product: theta must be a dict"):
        space.mode(theta["cat"])


def test_pickle_and_equality_of_spaces():
    space = example_space()
    again = pickle.loads(pickle.dumps(space))
    assert again == space and again.names == space.names and again is not space
    assert again.distribution.spec() == space.distribution.spec()
    assert Space(a=Choice([1, 2])) != Space(a=Choice([2, 1])) and space != "space"


# ---- the optimizers on a Space -----------------------------------------------------------------


def loss(cfg):
    return (
        (cfg["optimizer"] != "adam")
        + abs(cfg["layers"] - 3) / 7
        + (math.log10(cfg["lr"]) + 3) ** 2 / 16
        + abs(cfg["dropout"] - 0.1)
        + (cfg["act"] == "gelu")
    )


def _sd(opt):
    """``opt.state_dict()`` without its ``"space"`` entry (asng-opt 0.7: a Space optimizer's holds the
    Space's fingerprint, a plain one's None; everything else is the same)."""
    return {k: v for k, v in opt.state_dict().items() if k != "space"}


@pytest.mark.parametrize(
    "cls, kw", [(ASNG, {}), (SNG, {"delta": 0.3}), (AdamNG, {"lr": 0.05})], ids=["asng", "sng", "adam"]
)
def test_ask_tell_with_dicts_matches_the_plain_distribution_bit_for_bit(cls, kw):
    space = example_space()
    named, plain = cls(space, lam=4, seed=7, **kw), cls(space.distribution, lam=4, seed=7, **kw)
    assert named.space is space and plain.space is None and named.distribution is space.distribution
    for _ in range(30):
        configs, batch = named.ask(), plain.ask()
        assert isinstance(configs, list) and len(configs) == 4 and all(isinstance(c, dict) for c in configs)
        assert configs == space.decode(batch)
        values = [loss(c) for c in configs]
        named.tell(configs, values)
        plain.tell(batch, values)
    assert deep_equal(_sd(named), _sd(plain))
    assert named.most_likely() == space.mode(plain.theta)
    assert repr(named).startswith(f"{cls.__name__}(Space(optimizer=")


def test_tell_with_foreign_dicts_equals_telling_their_encoding():
    space = example_space()
    named, plain = ASNG(space, lam=2, seed=3), ASNG(space.distribution, lam=2, seed=3)
    foreign = [
        {"optimizer": "adam", "layers": 3, "lr": 1e-3, "dropout": 0.1, "width": 64, "act": "relu"},
        {"optimizer": "sgd", "layers": 8, "lr": 0.05, "dropout": 0.4, "width": 256, "act": "gelu"},
        {"optimizer": "rmsprop", "layers": 1, "lr": 1e-5, "dropout": 0.0, "width": 16, "act": "gelu"},
    ]
    named.ask(), plain.ask()  # a pending ask does not capture other dicts
    before = copy.deepcopy(named.state_dict())
    named.tell(foreign, [0.0, 1.0, 2.0])
    plain.tell(space.encode(foreign), [0.0, 1.0, 2.0])
    assert not deep_equal(named.state_dict()["state"], before["state"])
    assert deep_equal(_sd(named), _sd(plain))
    # a copy of the asked dicts (not the same objects) still uses the raw draws of that ask
    configs = named.ask()
    plain.ask()
    named.tell(copy.deepcopy(configs), [1.0, 0.0])
    plain.tell(plain._pending[0], [1.0, 0.0])
    assert deep_equal(_sd(named), _sd(plain))
    # asked dicts edited before the tell are foreign: their encoding is used, not the raw draws
    configs = named.ask()
    plain.ask()
    configs[0]["layers"] = 8 if configs[0]["layers"] != 8 else 1
    named.tell(configs, [1.0, 0.0])
    plain.tell(space.encode(configs), [1.0, 0.0])
    assert deep_equal(_sd(named), _sd(plain))


def test_a_refused_tell_changes_nothing():
    space = example_space()
    opt = ASNG(space, lam=2, seed=0)
    configs = opt.ask()
    before = copy.deepcopy(opt.state_dict())
    bad_cfg = [configs[0], {**configs[1], "layers": 99}]
    for samples, values, match in [
        (bad_cfg, [0.0, 1.0], "ASNG.tell: Space.encode: sample 1: variable 'layers'"),
        (configs, [0.0, math.nan], "losses must be finite"),
        (configs[:1], [0.0], "at least 2 samples"),
        (configs, [0.0], "shape"),
        (configs[0], [0.0, 1.0], "use encode_one"),
    ]:
        with pytest.raises(ValueError, match=match):
            opt.tell(samples, values)
        assert deep_equal(opt.state_dict(), before)
    opt.tell(configs, [0.0, 1.0])  # the pending ask survived the refusals
    assert opt.t == 1


def test_state_dict_round_trip_and_pickling_with_a_space():
    space = example_space()
    opt = ASNG(space, lam=4, seed=11)
    for _ in range(5):
        c = opt.ask()
        opt.tell(c, [loss(x) for x in c])
    pending = opt.ask()
    clone = pickle.loads(pickle.dumps(opt))
    assert clone.space == space
    restored = ASNG(example_space(), lam=4)
    restored.load_state_dict(opt.state_dict())
    plain = ASNG(space.distribution, lam=4)
    plain.load_state_dict(opt.state_dict())  # the same layout as the plain distribution's
    values = [loss(x) for x in pending]
    for o in (opt, clone, restored):
        o.tell(pending, values)
    plain.tell(plain._pending[0], values)  # the raw draws behind the asked dicts
    for o in (clone, restored, plain):
        assert deep_equal(_sd(o), _sd(opt))
    assert clone.ask() == opt.ask() == restored.ask()


def test_asng_finds_a_good_configuration():
    space = Space(optimizer=Choice(["sgd", "adam", "rmsprop"]), layers=IntRange(1, 8), act=Choice(["relu", "gelu"]))
    opt = ASNG(space, lam=8, seed=0)
    for _ in range(150):
        c = opt.ask()
        opt.tell(c, [(x["optimizer"] != "adam") + abs(x["layers"] - 3) + (x["act"] == "gelu") for x in c])
    assert opt.most_likely() == {"optimizer": "adam", "layers": 3, "act": "relu"}


def test_a_space_without_free_parameter_is_refused_by_the_optimizer():
    with pytest.raises(ValueError, match="single point"):
        ASNG(Space(a=Choice(["x"]), b=Choice([1])))
