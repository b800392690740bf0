"""asng_nas.nn.search's checks and what it leaves behind (a newcomer's second trial): a resume
with another model (candidates renamed, a label changed, values changed) or another config is
refused with every difference named; a failed search leaves nothing in ``out_dir``; ``resume``
with ``overwrite``; the user's model mode and the global RNG are as they were given; a dict
``config``, ``device="gpu"``; numpy integers as candidates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import asng_nas.nn as ann
from asng_nas.nn.data import split_halves
from asng_nas.nn.search import Supernet
from asng_nas.nn.task import SupervisedTask
from asng_nas.search import SearchConfig
from asng_nas.search.checkpoint import CheckpointError
from asng_nas.search.searcher import Searcher

torch.set_num_threads(1)


class Net(nn.Module):
    """Candidates, label and values can be changed, their counts kept."""

    def __init__(self, acts=("relu", "tanh"), label="act", kernels=(1, 3), width=(4, 8), act_first=False):
        super().__init__()
        table = {"relu": nn.ReLU(), "tanh": nn.Tanh(), "gelu": nn.GELU(), "sigmoid": nn.Sigmoid()}
        if act_first:  # registered first: its variable comes first
            self.act = ann.LayerChoice({a: table[a] for a in acts}, label=label)
        w = ann.IntChoice(*width, step=2, label="width")
        self.conv = ann.Conv2d(1, w, ann.ValueChoice(list(kernels), label="k"), padding="same")
        self.bn = ann.BatchNorm2d(w)
        self.drop = nn.Dropout(0.2)
        self.act = ann.LayerChoice({a: table[a] for a in acts}, label=label)
        self.head = ann.Linear(w, 2)

    def forward(self, x):
        return self.head(self.drop(self.act(self.bn(self.conv(x)))).mean(dim=(2, 3)))


def _data(n: int = 32) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 1, 4, 4, generator=g)
    return TensorDataset(x, (x.mean(dim=(1, 2, 3)) > 0).long())


def _cfg(**kw) -> SearchConfig:
    return SearchConfig(**{"epochs": 2, "lr": 0.05, "seed": 1, "progress": False, "bn_batches": 1, **kw})


def _search(out, model=None, **kw):
    kw.setdefault("config", _cfg())
    kw.setdefault("batch_size", 8)
    return ann.search(model or Net(), _data(), out_dir=out, device="cpu", **kw)


class Interrupted:
    """Cross-entropy that raises ``error`` at its call number ``at`` (8 calls an epoch here:
    2 iterations of 2 weight-step and 2 theta-step architectures)."""

    def __init__(self, at: int, error: BaseException | None = None):
        self.calls, self.at, self.error = 0, at, error or KeyboardInterrupt()

    def __call__(self, outputs, targets):
        self.calls += 1
        if self.calls == self.at:
            raise self.error
        return nn.functional.cross_entropy(outputs, targets)


def _theta(searcher) -> dict[str, list]:
    return {k: np.asarray(v).tolist() for k, v in searcher.asng.theta.items()}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cut(tmp_path_factory) -> Path:
    """A 2-epoch search interrupted (Ctrl-C) in its second epoch: checkpoint of epoch 1."""
    out = tmp_path_factory.mktemp("cut") / "run"
    torch.manual_seed(0)
    with pytest.raises(KeyboardInterrupt):
        _search(out, loss=Interrupted(at=9))
    return out


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for name, data in _files(src).items():
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        (dst / name).write_bytes(data)
    return dst


# -- 1. a resume with another model or config is refused, every difference named -------------


def test_an_interrupted_search_keeps_its_record_and_resumes_exactly(cut, tmp_path):
    doc = json.loads((cut / "nn_search.json").read_text())
    assert doc["seed"] == 1 and doc["batch_size"] == 8
    assert doc["variables"] == {
        "width": {"kind": "ordinal", "low": 4, "high": 8, "step": 2},
        "k": {"kind": "categorical", "candidates": [1, 3]},
        "act": {"kind": "categorical", "candidates": ["relu", "tanh"]},
    }
    assert torch.load(cut / "checkpoint.pt", weights_only=False)["epoch"] == 1
    torch.manual_seed(0)
    full = _search(tmp_path / "full")
    run = _copy(cut, tmp_path / "run")
    torch.manual_seed(5)  # another process: the checkpoint sets the global RNG
    resumed = _search(run, resume=True)
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    assert _theta(resumed.searcher) == _theta(full.searcher)
    w1, w2 = full.searcher.model.state_dict(), resumed.searcher.model.state_dict()
    assert all(torch.equal(w1[k], w2[k]) for k in w1)


@pytest.mark.parametrize(
    ("changed", "words"),
    [
        ({"acts": ("relu", "gelu")}, r"""variable 'act' candidate 1 "tanh" there, "gelu" now"""),
        (
            {"label": "nonlin"},
            r"""variable 'act' categorical \["relu", "tanh"\] there, missing now; variable 'nonlin' missing there""",
        ),
        ({"kernels": (3, 5)}, r"variable 'k' candidate 0 1 there, 3 now; variable 'k' candidate 1 3 there, 5 now"),
        ({"width": (6, 10)}, r"variable 'width' ordinal 4..8 step 2 there, ordinal 6..10 step 2 now"),
        ({"act_first": True}, r"the variables' order \['width', 'k', 'act'\] there, \['act', 'width', 'k'\] now"),
    ],
)
def test_a_resume_with_another_model_is_refused_and_changes_nothing(cut, tmp_path, changed, words):
    model = Net(**changed)
    run = _copy(cut, tmp_path / "run")
    before, weights = _files(run), {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=words) as e:
        _search(run, model, resume=True)
    assert "\n" not in str(e.value) and "overwrite=True" in str(e.value) and "--" not in str(e.value)
    assert _files(run) == before
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())


def test_a_resume_with_another_config_is_refused_naming_each_field(cut, tmp_path):
    run = _copy(cut, tmp_path / "run")
    before = _files(run)
    other = _cfg(lr=0.1, epochs=3, schedule="iteration", lam_theta=3)
    with pytest.raises(ValueError, match=r"epochs 2 there, 3 now; lr 0.05 there, 0.1 now; lam_theta 2 there, 3 now; "):
        _search(run, resume=True, config=other)
    with pytest.raises(ValueError, match=r"schedule 'epoch' there, 'iteration' now"):
        _search(run, resume=True, config=other)
    assert _files(run) == before
    # what changes the draws or the numbers is refused too (evaluation draws from the global RNG)
    for field, value in (("eval_every", 0), ("bn_batches", 3), ("amp", False), ("channels_last", False)):
        with pytest.raises(ValueError, match=f"{field} .* there, {value} now"):
            _search(run, resume=True, config=_cfg(**{field: value}))
    assert _files(run) == before
    # what does not change the run may change
    res = _search(run, resume=True, config=_cfg(progress=True))
    assert res.finished


def _plain_searcher(out: Path, cfg: SearchConfig) -> Searcher:
    """The loop's own Searcher (the command line's words) on the nn pieces."""
    model, data = Net(), _data()
    space = ann.ModelSpace(model)
    first, second = split_halves(len(data))
    loaders = [ann.DatasetLoader(data, 8, idx, shuffle=True, drop_last=True) for idx in (first, second)]
    return Searcher(Supernet(model, space.variables), space, SupervisedTask(), *loaders, None, cfg, out, device="cpu")


def test_every_searchers_checkpoint_check_compares_the_config(cut, tmp_path):
    run = _copy(cut, tmp_path / "run")
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    s = _plain_searcher(run, _cfg(momentum=0.5))
    with pytest.raises(
        ValueError, match=r"^it was written by a search with other settings \(momentum 0.9 there, 0.5 now\)$"
    ):
        s.load_state_dict(state)
    assert s.epoch == 0
    with pytest.raises(CheckpointError, match=r"momentum 0.9 there, 0.5 now\); .*--overwrite, or another --out"):
        s.resume()
    assert _plain_searcher(run, _cfg(progress=True)).resume()
    nn_searcher = ann.build_search(
        Net(), _data(), config=_cfg(weight_decay=0.0), batch_size=8, out_dir=run, device="cpu"
    )
    with pytest.raises(
        CheckpointError, match=r"weight_decay 0.0003 there, 0.0 now\); .*overwrite=True, or another out_dir"
    ) as e:
        nn_searcher.resume()
    assert "--" not in str(e.value)


def test_a_damaged_checkpoint_on_resume_says_it_in_the_api_words(cut, tmp_path):
    run = _copy(cut, tmp_path / "run")
    (run / "checkpoint.pt").write_bytes(b"hello")
    with pytest.raises(CheckpointError, match=r"checkpoint.pt is truncated or not a torch checkpoint") as e:
        _search(run, resume=True)
    assert "overwrite=True" in str(e.value) and "--" not in str(e.value)
    (run / "nn_search.json").write_text("[1, 2]")
    (run / "checkpoint.pt").write_bytes((cut / "checkpoint.pt").read_bytes())
    with pytest.raises(ValueError, match=r"nn_search.json is not the JSON an nn search writes.*overwrite=True") as e:
        _search(run, resume=True)


# -- 2. a failed search leaves nothing behind ---------------------------------------------------


def _vector_loss(outputs, targets):
    return nn.functional.cross_entropy(outputs, targets, reduction="none")


def test_a_failed_search_leaves_nothing_and_the_call_can_be_made_again(tmp_path):
    out = tmp_path / "new" / "run"
    with pytest.raises(ValueError, match="one-element"):
        _search(out, loss=_vector_loss)
    assert not (tmp_path / "new").exists()  # the folders it created are gone too
    out.mkdir(parents=True)
    with pytest.raises(KeyboardInterrupt):
        _search(out, loss=Interrupted(at=3))  # Ctrl-C in the first epoch
    assert list(out.iterdir()) == []  # the folder that was there stays, empty
    with pytest.raises(RuntimeError, match="boom"):
        _search(out, loss=Interrupted(at=5, error=RuntimeError("boom")))
    assert list(out.iterdir()) == []
    assert _search(out).finished  # no overwrite=True needed


def test_a_record_alone_is_a_killed_run_and_is_replaced(tmp_path):
    """A search killed outright before its first checkpoint leaves nn_search.json alone: the next
    call goes on without overwrite=True and records its own settings."""
    out = tmp_path / "killed"
    out.mkdir()
    (out / "nn_search.json").write_text('{"seed": 99}')
    assert _search(out).finished
    assert json.loads((out / "nn_search.json").read_text())["seed"] == 1
    (out / "nn_search.json").write_text('{"seed": 99}')  # with a checkpoint: a run, refused
    with pytest.raises(ValueError, match="already holds a previous run"):
        _search(out)


def test_ranks_but_0_neither_see_nor_delete_the_record(tmp_path):
    """Under torch.distributed rank 0 alone writes nn_search.json, maybe before another rank checks
    out_dir: that rank must not take it for a previous run, nor delete it (also with overwrite)."""
    from asng_nas.nn.runcheck import prepare_out

    (tmp_path / "nn_search.json").write_text('{"seed": 1}')
    (tmp_path / "log.csv").write_text("epoch\n")  # with another output, rank 0 sees a previous run
    with pytest.raises(ValueError, match="already holds a previous run"):
        prepare_out(tmp_path, resume=False, overwrite=False)
    (tmp_path / "log.csv").unlink()
    for overwrite in (False, True):
        prepare_out(tmp_path, resume=False, overwrite=overwrite, lead=False)
        assert (tmp_path / "nn_search.json").read_text() == '{"seed": 1}'


def test_a_failure_after_the_first_checkpoint_keeps_the_run(cut):
    assert {p.name for p in cut.iterdir()} == {"checkpoint.pt", "log.csv", "log.jsonl", "nn_search.json"}


# -- 3. small ones -----------------------------------------------------------------------------


def test_resume_with_overwrite_is_refused_and_writes_nothing(cut, tmp_path):
    run = _copy(cut, tmp_path / "run")
    before = _files(run)
    with pytest.raises(ValueError, match=r"resume=True and overwrite=True contradict each other"):
        _search(run, resume=True, overwrite=True)
    assert _files(run) == before
    with pytest.raises(ValueError, match="contradict"):
        _search(tmp_path / "none", resume=True, overwrite=True)
    assert not (tmp_path / "none").exists()


def test_the_model_mode_and_the_global_rng_are_left_as_given(tmp_path):
    model = Net().eval()
    model.bn.train()  # a mixed state is kept module by module
    modes = {name: m.training for name, m in model.named_modules()}
    torch.manual_seed(11)
    rng = torch.get_rng_state()
    data = _data()
    ann.search(model, DataLoader(data, batch_size=8, shuffle=True), valid_data=data, config=_cfg(), batch_size=8)
    assert {name: m.training for name, m in model.named_modules()} == modes
    assert torch.equal(torch.get_rng_state(), rng)
    with pytest.raises(ValueError, match="one-element"):  # also when it raises
        ann.search(model, data, config=_cfg(), batch_size=8, loss=_vector_loss)
    assert {name: m.training for name, m in model.named_modules()} == modes
    assert torch.equal(torch.get_rng_state(), rng)


def test_the_search_draws_the_same_as_without_restoring(tmp_path):
    """Dropout and a shuffling DataLoader draw from the global RNG: the same draws as the loop's."""
    data = _data()

    def loader():
        return DataLoader(data, batch_size=8, shuffle=True)

    torch.manual_seed(4)
    res = ann.search(Net(), loader(), valid_data=loader(), config=_cfg(), batch_size=8)
    torch.manual_seed(4)
    s = ann.build_search(Net(), loader(), valid_data=loader(), config=_cfg(), batch_size=8)
    s.run()
    assert np.array_equal(res.searcher.asng.theta["cat"], s.asng.theta["cat"])
    w1, w2 = res.searcher.model.state_dict(), s.model.state_dict()
    assert all(torch.equal(w1[k], w2[k]) for k in w1)
    assert [h["train_loss"] for h in res.history] == [h["train_loss"] for h in s.history]


def test_config_as_a_dict_and_its_unknown_keys(tmp_path):
    res = ann.search(Net(), _data(), config={"epochs": 1, "seed": 2, "progress": False}, batch_size=8, device="cpu")
    assert res.searcher.cfg == SearchConfig(epochs=1, seed=2, progress=False)
    with pytest.raises(ValueError, match=r"config: unknown fields \['epoch', 'learning_rate'\]; SearchConfig's fields"):
        ann.search(Net(), _data(), config={"epoch": 1, "learning_rate": 0.1}, batch_size=8)
    with pytest.raises(ValueError, match=r"config must be a SearchConfig \(or a dict of its fields\), got str"):
        ann.search(Net(), _data(), config="fast", batch_size=8)
    with pytest.raises(ValueError, match=r"config .*wrong type"):
        ann.search(Net(), _data(), config={"epochs": "3"}, batch_size=8)


@pytest.mark.parametrize("device", ["gpu", "cuda:x", 3.5])
def test_a_device_torch_does_not_know_is_one_line(tmp_path, device):
    with pytest.raises(ValueError, match=r"is not a torch device; use 'cpu', 'cuda', 'cuda:K'") as e:
        ann.search(Net(), _data(), config=_cfg(), batch_size=8, device=device, out_dir=tmp_path / "o")
    assert "\n" not in str(e.value) and not (tmp_path / "o").exists()


class NumpyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = ann.Conv2d(1, 4, ann.ValueChoice([np.int64(1), np.int64(3)], label="k"), padding="same")
        self.head = ann.Linear(4, ann.IntChoice(np.int64(2), np.int32(4), step=np.int64(1), label="out"))

    def forward(self, x):
        return self.head(self.conv(x).mean(dim=(2, 3)))


def test_numpy_integers_are_the_ints_they_are(tmp_path):
    vc = ann.ValueChoice([np.int64(3), np.int64(5), (np.int32(1), 2)])
    assert vc.candidates == (3, 5, (1, 2)) and all(type(c) in (int, tuple) for c in vc.candidates)
    assert type(vc.candidates[2][0]) is int and vc.from_json(np.int64(5)) == 5
    with pytest.raises(ValueError, match="duplicate"):
        ann.ValueChoice([np.int64(3), 3])
    cfg = SearchConfig(epochs=1, progress=False, bn_batches=1)
    data = TensorDataset(_data().tensors[0], _data().tensors[1] % 2)
    res = ann.search(NumpyNet(), data, config=cfg, batch_size=8, device="cpu", out_dir=tmp_path)
    assert all(type(v) is int for v in res.choices.values())
    assert json.loads(json.dumps(res.choices)) == res.choices
    assert json.loads((tmp_path / "architecture.json").read_text())["choices"] == res.choices
    again = ann.search(NumpyNet(), data, config=cfg, batch_size=8, device="cpu", out_dir=tmp_path, resume=True)
    assert again.choices == res.choices
    rebuilt = ann.rebuild(tmp_path / "architecture.json", NumpyNet, weights=tmp_path / "export" / "model.pt").eval()
    x = torch.randn(2, 1, 4, 4)
    assert torch.equal(rebuilt(x), res.export().module.eval()(x))


def test_a_numpy_integer_batch_size_is_the_int_it_is(tmp_path):
    out = tmp_path / "run"
    assert _search(out, batch_size=np.int64(8), config=_cfg(epochs=1)).finished
    assert json.loads((out / "nn_search.json").read_text())["batch_size"] == 8
    for bad in (True, 8.0, 0, "8"):
        with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
            _search(tmp_path / "bad", batch_size=bad)
    assert not (tmp_path / "bad").exists()
