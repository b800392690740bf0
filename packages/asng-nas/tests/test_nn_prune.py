"""Pruning at export keeps every module a forward uses -- called, or with parameters read by a torch
function -- in train and in eval mode, and a search's export survives models the probe trips on
(BatchNorm1d after a flatten, weights read as attributes)."""

from __future__ import annotations

import json
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

import asng_nas.nn as ann
from asng_nas.nn.prune import ProbeError, Unused, unused_paths
from asng_nas.search import SearchConfig

torch.set_num_threads(1)


def _choice() -> ann.LayerChoice:
    return ann.LayerChoice({"lin": nn.Linear(6, 8), "deep": nn.Sequential(nn.Linear(6, 8), nn.ReLU())}, label="op")


class FlatBN(nn.Module):
    """BatchNorm1d after a flatten: a batch of one item fails in train mode."""

    def __init__(self) -> None:
        super().__init__()
        self.op = _choice()
        self.bn = nn.BatchNorm1d(8)
        self.head = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.bn(self.op(x.flatten(1))))


class FunctionalWeights(FlatBN):
    """A layer whose weights are read as attributes (never called)."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.bn(self.op(x.flatten(1)))
        return self.head(torch.tanh(F.linear(h, self.proj.weight, self.proj.bias)))


class Tied(nn.Module):
    """``out`` ties its weight to ``emb``'s, which is never called."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Linear(3, 8, bias=False)
        self.op = _choice()
        self.out = nn.Linear(8, 3, bias=False)
        self.out.weight = nn.Parameter(self.emb.weight.detach().t().contiguous())
        self.mix = nn.Linear(8, 8)
        self.mix.weight = self.emb.weight  # type: ignore[assignment] - tied (8 x 3 read as 3 -> 8 below)
        self.unused = nn.Linear(8, 8)  # really unused: pruned

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.op(x.flatten(1))
        return self.out(h) + h[:, :3] @ self.mix.weight[:3]


class TrainOnlyHead(FlatBN):
    """An auxiliary head that runs in train mode only, a module read in eval mode only."""

    def __init__(self) -> None:
        super().__init__()
        self.aux = nn.Linear(8, 3)
        self.ema = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.bn(self.op(x.flatten(1)))
        return self.head(h) + (0.1 * self.aux(h) if self.training else 0.1 * self.ema(h))


class ReadsAttribute(FlatBN):
    """Reads a non-tensor attribute of a layer it never calls: pruning that layer breaks it."""

    def __init__(self) -> None:
        super().__init__()
        self.spare = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.bn(self.op(x.flatten(1))))[:, : self.spare.out_features]


def _x(n: int = 16) -> torch.Tensor:
    return torch.randn(n, 2, 3, generator=torch.Generator().manual_seed(1))


def _exported(model: nn.Module, choice: str, example: torch.Tensor) -> ann.Exported:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback expected
        return ann.export(model, {"op": choice}, example_input=example)


@pytest.mark.parametrize("cls", [FlatBN, FunctionalWeights, Tied, TrainOnlyHead])
@pytest.mark.parametrize("choice", ["lin", "deep"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_the_pruned_export_computes_what_the_supernet_computes(cls: type[nn.Module], choice: str, mode: str) -> None:
    torch.manual_seed(0)
    model = cls()
    model.train(mode == "train")
    x = _x()
    exported = _exported(model, choice, x)
    assert exported.module.training == (mode == "train")
    ann.activate(model, {"op": choice})
    for training in (True, False):  # both modes of the exported module run, and agree with the supernet's
        model.train(training)
        exported.module.train(training)
        with torch.no_grad(), torch.random.fork_rng():
            want = model(x)
        with torch.no_grad(), torch.random.fork_rng():
            got = exported.module(x)
        assert torch.allclose(got, want, atol=1e-6)
    # whatever was pruned holds no tensor any forward reads
    assert all(isinstance(exported.module.get_submodule(p), Unused) for p in exported.spec["pruned"])
    rebuilt = ann.rebuild(json.loads(exported.to_json()), cls, weights=exported.module.state_dict())
    rebuilt.train(False)
    exported.module.train(False)
    assert torch.allclose(rebuilt(x), exported.module(x), atol=1e-6)


def test_only_what_no_mode_uses_is_pruned() -> None:
    torch.manual_seed(0)
    assert _exported(Tied(), "lin", _x()).spec["pruned"] == ["unused"]  # emb: its weight is read through mix
    assert _exported(FunctionalWeights(), "lin", _x()).spec["pruned"] == []  # proj: read by F.linear
    for mode in (True, False):  # aux runs in train mode only, ema in eval mode only: both kept
        assert _exported(TrainOnlyHead().train(mode), "deep", _x()).spec["pruned"] == []


def test_unused_paths_leaves_the_module_its_modes_and_the_rng_as_they_were() -> None:
    torch.manual_seed(0)
    model = TrainOnlyHead().train()
    model.bn.eval()  # a mixed state, as a user's frozen BatchNorm
    ann.activate(model, {"op": "lin"})
    state = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    assert unused_paths(model, _x()) == ["op.choices.deep"]  # the inactive candidate
    assert model.training and not model.bn.training and model.head.training
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    assert torch.equal(torch.get_rng_state(), rng)


def test_an_example_the_module_cannot_run_is_one_clear_error() -> None:
    model = FlatBN().train()
    with pytest.raises(ProbeError, match=r"train mode; pass a batch .*more than one item.*example_input=None"):
        ann.export(model, {"op": "lin"}, example_input=_x(1))
    assert isinstance(ProbeError("x"), ValueError)
    ann.export(model, {"op": "lin"})  # without an example: no probe, no error


class WithSpare(FlatBN):
    def __init__(self) -> None:
        super().__init__()
        self.spare = nn.Linear(8, 3)  # never used


def test_an_example_only_its_own_mode_can_run_prunes_by_that_mode_with_a_warning() -> None:
    torch.manual_seed(0)
    model = WithSpare().eval()  # one item: eval mode runs, train mode's BatchNorm1d cannot
    with pytest.warns(UserWarning, match=r"one mode only: in the other, example_input: .* in train mode"):
        exported = ann.export(model, {"op": "lin"}, example_input=_x(1))
    assert exported.spec["pruned"] == ["spare"]
    ann.activate(model, {"op": "lin"})
    with pytest.warns(UserWarning, match="one mode only"):
        assert unused_paths(model, _x(1)) == ["op.choices.deep", "spare"]


class Warns(WithSpare):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        float(self.head.weight[0, 0])  # torch warns about a tensor that requires grad, made a number
        return super().forward(x)


def test_the_probe_runs_keep_the_forwards_warnings_to_themselves() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ann.export(Warns(), {"op": "lin"}, example_input=_x()).spec["pruned"] == ["spare"]


class GradBranches(FlatBN):
    """Uses ``a`` with gradients enabled (training) and ``b`` without (inference)."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(8, 8), nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.bn(self.op(x.flatten(1)))
        return self.head(self.a(h) if torch.is_grad_enabled() else self.b(h))


def test_the_train_mode_probe_runs_with_gradients_and_the_eval_mode_probe_without() -> None:
    torch.manual_seed(0)
    for mode in (True, False):
        assert _exported(GradBranches().train(mode), "lin", _x()).spec["pruned"] == []


def test_a_prune_that_breaks_the_forward_is_dropped_with_a_warning() -> None:
    torch.manual_seed(0)
    model = ReadsAttribute()
    x = _x()
    with pytest.warns(UserWarning, match=r"kept every module: without the unused ones \(spare\)"):
        exported = ann.export(model, {"op": "lin"}, example_input=x)
    assert exported.spec["pruned"] == []
    assert exported.module(x).shape == (16, 3)


@pytest.mark.parametrize("cls", [FlatBN, FunctionalWeights])
def test_a_search_of_such_models_exports_and_resumes(cls: type[nn.Module], tmp_path: object) -> None:
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.randn(64, 2, 3, generator=g), torch.randint(0, 3, (64,), generator=g))
    out = tmp_path / "run"  # type: ignore[operator]
    cfg = SearchConfig(epochs=1, progress=False, amp=False, channels_last=False)
    res = ann.search(cls(), data, config=cfg, batch_size=16, out_dir=out, device="cpu")
    assert (out / "architecture.json").is_file() and (out / "export" / "model.pt").is_file()
    spec = json.loads((out / "export" / "architecture.json").read_text())
    module = ann.rebuild(spec, cls, weights=out / "export" / "model.pt").eval()
    assert module(data.tensors[0][:1]).shape == (1, 3)  # eval mode: one item is fine
    assert res.export().spec == spec
    again = ann.search(cls(), data, config=cfg, batch_size=16, out_dir=out, device="cpu", resume=True)
    assert again.choices == res.choices


def test_rebuild_names_a_weights_file_it_cannot_use(tmp_path: object) -> None:
    torch.manual_seed(0)
    exported = ann.export(FlatBN(), {"op": "lin"}, example_input=_x())
    d = tmp_path  # type: ignore[assignment]
    exported.save(d)
    spec = json.loads((d / "architecture.json").read_text())  # type: ignore[operator]
    (d / "text.pt").write_text("not torch")  # type: ignore[operator]
    (d / "empty.pt").write_bytes(b"")  # type: ignore[operator]
    torch.save([1, 2], d / "list.pt")  # type: ignore[operator]
    state = dict(exported.module.state_dict())
    torch.save({**state, "head.weight": torch.zeros(2, 2)}, d / "shape.pt")  # type: ignore[operator]
    torch.save({k: v for k, v in state.items() if k != "head.bias"}, d / "keys.pt")  # type: ignore[operator]
    cases = {
        "text.pt": r"text.pt: torch reads no tensors and plain data from it \(not a torch file",
        "empty.pt": r"empty.pt is empty \(0 bytes\)",
        "list.pt": r"list.pt is not a state dict \(holds a list\)",
        "shape.pt": r"shape.pt does not fit the rebuilt module \(size mismatch for head.weight",
        "keys.pt": r"keys.pt does not fit the rebuilt module \(missing \['head.bias'\]",
    }
    for name, message in cases.items():
        with pytest.raises(ValueError, match=message):
            ann.rebuild(spec, FlatBN, weights=d / name)  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"is a folder, not a torch file"):
        ann.rebuild(spec, FlatBN, weights=d)
    with pytest.raises(FileNotFoundError, match="no such file"):
        ann.rebuild(spec, FlatBN, weights=d / "missing.pt")  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"'pruned' must be a list of module paths, got 'spare'"):
        ann.rebuild({**spec, "pruned": "spare"}, FlatBN)
    with pytest.raises(ValueError, match="weights is not a state dict"):
        ann.rebuild(spec, FlatBN, weights={"head.weight": 1.0})  # type: ignore[dict-item]
    rebuilt = ann.rebuild(spec, FlatBN, weights=d / "model.pt").eval()  # type: ignore[operator]
    exported.module.eval()
    assert torch.equal(rebuilt(_x()), exported.module(_x()))
