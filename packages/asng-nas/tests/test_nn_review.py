"""Defects of the asng_nas.nn API found by a newcomer review, one test (or more) per kind:
candidate names that cannot name a submodule, refused values and inputs, the ``out_dir`` and
resume checks of ``search``, loss checks, ``ConvTranspose2d(output_padding=...)``, the limits of
the mixture state, and the ``most_likely`` of an nn search's ``log.jsonl``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import asng_nas.nn as ann
from asng_nas.search import SearchConfig
from asng_nas.search.outdir import OutDirError, prepare_out_dir

# -- candidate names with "." and other names torch refuses ------------------------------------


def test_layer_choice_with_a_dotted_name_runs_and_keeps_its_value():
    lc = ann.LayerChoice({"conv3.bn": nn.ReLU(), "x": nn.Tanh()}, label="op")
    ann.activate(lc, {"op": "conv3.bn"})
    x = torch.tensor([-1.0, 2.0])
    assert torch.equal(lc(x), torch.tensor([0.0, 2.0]))
    ann.activate(lc, {"op": "x"})
    assert torch.allclose(lc(x), torch.tanh(x))
    assert ann.discover(lc)["op"].candidates == ("conv3.bn", "x")
    assert isinstance(lc.candidate("conv3.bn"), nn.ReLU)
    assert set(dict(lc.named_children())["choices"]._modules) == {"0", "1"}  # stored by position


def test_layer_choice_with_a_module_dict_attribute_name():
    lc = ann.LayerChoice({"keys": nn.ReLU(), "update": nn.Tanh()}, label="op")
    ann.activate(lc, {"op": "update"})
    assert torch.allclose(lc(torch.ones(1)), torch.tanh(torch.ones(1)))


class _Scale(nn.Module):
    def __init__(self, s: float):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(s))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w * x


def test_switch_over_floats_and_over_values_printed_alike():
    sw = ann.Switch(ann.ValueChoice([0.1, 0.5], label="p"), {0.1: _Scale(1.0), 0.5: _Scale(5.0)})
    ann.activate(sw, {"p": 0.5})
    assert float(sw(torch.ones(1)).detach()) == 5.0
    assert sorted(sw.state_dict()) == ["cases.0.w", "cases.1.w"]
    alike = ann.Switch(ann.ValueChoice([1, "1"], label="v"), {"1": _Scale(2.0), 1: _Scale(3.0)})
    ann.activate(alike, {"v": "1"})
    assert float(alike(torch.ones(1)).detach()) == 2.0
    ann.activate(alike, {"v": 1})
    assert float(alike(torch.ones(1)).detach()) == 3.0
    exported = ann.export(alike, {"v": "1"}).module
    assert float(exported(torch.ones(1)).detach()) == 2.0


def test_existing_state_dict_keys_are_unchanged():
    lc = ann.LayerChoice({"relu": nn.ReLU(), "lin": nn.Linear(2, 2)})
    assert sorted(lc.state_dict()) == ["choices.lin.bias", "choices.lin.weight"]
    by_list = ann.LayerChoice([nn.Identity(), nn.Linear(2, 2)])
    assert sorted(by_list.state_dict()) == ["choices.1.bias", "choices.1.weight"]
    sw = ann.Switch(ann.ValueChoice([True, False]), {True: _Scale(1.0), False: _Scale(2.0)})
    assert sorted(sw.state_dict()) == ["cases.False.w", "cases.True.w"]
    ordinal = ann.Switch(ann.IntChoice(1, 3), {1: _Scale(1.0), 2: _Scale(2.0), 3: _Scale(3.0)})
    assert sorted(ordinal.state_dict()) == ["cases.1.w", "cases.2.w", "cases.3.w"]


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ("abc", "list or tuple"),
        (5, "list or tuple"),
        ([nn.ReLU, nn.Tanh], "not JSON-able"),
        ([object(), 1], "not JSON-able"),
        ([float("nan"), 1.0], "not JSON-able"),
        ([{"a": 1}], "not JSON-able"),
    ],
)
def test_value_choice_refuses_what_json_cannot_give_back(values, words):
    with pytest.raises(ValueError, match=words) as e:
        ann.ValueChoice(values)
    assert "\n" not in str(e.value)


def test_value_choice_accepts_json_values():
    vc = ann.ValueChoice([None, True, 2, 0.5, "x", (1, 2), np.int64(7)])
    assert vc.from_json([1, 2]) == (1, 2)


# -- small validations ------------------------------------------------------------------------


def test_input_choice_refuses_a_tensor():
    ic = ann.InputChoice(2, label="p")
    ann.activate(ic, {"p": 1})
    with pytest.raises(ValueError, match="list or tuple of tensors"):
        ic(torch.randn(2, 3))
    assert torch.equal(ic((torch.zeros(1), torch.ones(1))), torch.ones(1))
    fixed = ann.export(ic, {"p": 1}).module
    with pytest.raises(ValueError, match="list or tuple of tensors"):
        fixed(torch.randn(2, 3))


@pytest.mark.parametrize("layer", [ann.Conv2d(3, 4, 3), ann.ConvTranspose2d(3, 4, 3), ann.BatchNorm2d(3)])
def test_unbatched_input_names_the_dimensions(layer):
    with pytest.raises(ValueError, match=r"4 dimensions \(N, 3, H, W\).*unsqueeze"):
        layer(torch.randn(3, 8, 8))


def test_a_chosen_value_in_a_plain_conv_points_to_wired_conv():
    cv = ann.ChosenValue(ann.InputChoice(2, label="p"), [4, 8])
    with pytest.raises(ValueError, match="WiredConv2d"):
        ann.Conv2d(cv, 3, 1)
    with pytest.raises(ValueError, match="ChosenValue"):
        ann.Linear(cv, 3)
    assert ann.WiredConv2d(cv, 3, 1).in_channels == 8


@pytest.mark.parametrize("w", [[-0.5, 1.5], [0.2, 0.2], [float("nan"), 1.0]])
def test_set_mixture_refuses_weights_that_are_not_a_distribution(w):
    lc = ann.LayerChoice([nn.ReLU(), nn.Tanh()], label="op")
    ann.activate(lc, {"op": 0})
    with pytest.raises(ValueError, match="sum to 1"):
        ann.set_mixture(lc, {"op": torch.tensor(w)})
    assert lc.weights is None and lc.value == 0  # unchanged
    ann.set_mixture(lc, {"op": torch.tensor([0.25, 0.75])})
    assert lc.weights is not None


def test_export_of_a_raw_sample_says_to_decode_it():
    model = nn.Sequential(ann.LayerChoice([nn.ReLU(), nn.Tanh()], label="op"), ann.Linear(2, ann.IntChoice(1, 3)))
    space = ann.ModelSpace(model)
    d = space.make_distribution()
    raw = space.split(d.decode(d.sample(d.initial_theta(), 1, np.random.default_rng(0))))[0]
    with pytest.raises(ValueError, match="decode"):
        ann.export(model, raw)


# -- ConvTranspose2d(output_padding) ------------------------------------------------------------


def test_conv_transpose_output_padding_as_torch():
    torch.manual_seed(0)
    ours = ann.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)
    ref = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(1, 2, 4, 4)
    assert ours(x).shape == (1, 3, 8, 8)
    assert torch.allclose(ours(x), ref(x))
    plain = ours.to_plain()
    assert plain.output_padding == (1, 1) and torch.allclose(plain(x), ref(x))
    assert ours(x, output_size=(7, 7)).shape == (1, 3, 7, 7)  # output_size overrides it, as torch
    with pytest.raises(ValueError, match="output_padding"):
        ann.ConvTranspose2d(2, 3, 3, stride=2, output_padding=2)


# -- DARTS with a ChosenValue -------------------------------------------------------------------


class _Wired(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = ann.Conv2d(1, 4, 3, padding=1)
        self.b = ann.Conv2d(1, 8, 3, padding=1)
        self.pick = ann.InputChoice(2, label="pick")
        self.mid = ann.WiredConv2d(ann.ChosenValue(self.pick, [4, 8]), 2, 1)
        self.act = ann.LayerChoice([nn.ReLU(), nn.Tanh()], label="act")

    def forward(self, x):
        return self.act(self.mid(self.pick([self.a(x), self.b(x)])))


def test_relaxation_leaves_out_an_input_choice_that_sets_a_size():
    net = _Wired()
    relax = ann.Relaxation(net)
    assert relax.labels == ["act"]
    ann.activate(net, {"pick": 1, "act": 0})
    relax.set_on(net)
    out = net(torch.randn(2, 1, 4, 4))
    assert out.shape == (2, 2, 4, 4)
    with pytest.raises(ValueError, match=r"'pick'.*ChosenValue of mid.in_channels"):
        ann.set_mixture(net, {"pick": torch.tensor([0.5, 0.5])})
    assert net.pick.value == 1  # unchanged


# -- search: out_dir, resume, device, loss --------------------------------------------------------


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = ann.Conv2d(1, 4, ann.ValueChoice([1, 3]), padding="same")
        self.act = ann.LayerChoice({"a.b": nn.ReLU(), "c": nn.Tanh()})
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.act(self.conv(x)).mean(dim=(2, 3)))


def _data() -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 1, 4, 4, generator=g)
    return TensorDataset(x, (x.mean(dim=(1, 2, 3)) > 0).long())


def _search(out, **kw):
    kw.setdefault("config", SearchConfig(epochs=1, progress=False))
    kw.setdefault("batch_size", 8)
    return ann.search(_Tiny(), _data(), out_dir=out, device="cpu", **kw)


def test_search_refuses_a_previous_run_and_checks_resume(tmp_path):
    found = _search(tmp_path)
    assert found.finished
    record = json.loads((tmp_path / "log.jsonl").read_text().splitlines()[-1])
    assert set(record["most_likely"]) == {"conv.kernel_size", "act"}  # {label: value}, not the encoding
    assert record["most_likely"]["act"] in ("a.b", "c")
    before = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(OutDirError, match=r"already holds a previous run .*resume=True.*overwrite=True") as e:
        _search(tmp_path)
    assert "\n" not in str(e.value) and "--" not in str(e.value)
    assert (tmp_path / "checkpoint.pt").read_bytes() == before  # refused: nothing written
    with pytest.raises(ValueError, match=r"seed 0 there, 3 now; batch_size 8 there, 16 now"):
        _search(tmp_path, resume=True, batch_size=16, config=SearchConfig(epochs=1, progress=False, seed=3))
    with pytest.raises(ValueError, match=r"batch_size 8 there, 4 now") as e:
        _search(tmp_path, resume=True, batch_size=4, config=SearchConfig(epochs=1, progress=False))
    assert "seed" not in str(e.value).split("(")[1].split(")")[0]
    # more epochs change the cosine schedule: not the run that was resumed (tests/test_nn_runcheck.py
    # resumes an interrupted one)
    with pytest.raises(ValueError, match=r"epochs 1 there, 2 now"):
        _search(tmp_path, resume=True, config=SearchConfig(epochs=2, progress=False))
    resumed = _search(tmp_path, resume=True, config=SearchConfig(epochs=1, progress=False))
    assert [h["epoch"] for h in resumed.history] == [1] and resumed.finished
    again = _search(tmp_path, overwrite=True)
    assert [h["epoch"] for h in again.history] == [1]


def test_cli_words_of_the_out_dir_check_are_unchanged(tmp_path):
    (tmp_path / "checkpoint.pt").write_bytes(b"x")
    with pytest.raises(OutDirError, match=r"^--out .* pass --resume to continue it, pass --overwrite to replace it"):
        prepare_out_dir("search", tmp_path)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_search_on_cuda_without_cuda_is_one_line(tmp_path):
    with pytest.raises(ValueError, match=r"device='cuda': CUDA is not available.*device='cpu'"):
        ann.search(_Tiny(), _data(), batch_size=8, device="cuda", out_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def _float_loss(outputs, targets):
    return 1.0


def _vector_loss(outputs, targets):
    return nn.functional.cross_entropy(outputs, targets, reduction="none")


@pytest.mark.parametrize(("loss", "words"), [(_float_loss, "_float_loss returned 1.0"), (_vector_loss, r"\(8,\)")])
def test_a_loss_that_is_not_a_scalar_tensor_is_named(loss, words):
    with pytest.raises(ValueError, match=words):
        ann.search(
            _Tiny(), _data(), batch_size=8, device="cpu", loss=loss, config=SearchConfig(epochs=1, progress=False)
        )


def test_non_finite_loss_advises_in_the_api_words():
    def nan_loss(outputs, targets):
        return nn.functional.cross_entropy(outputs, targets) * math.nan

    with pytest.raises(FloatingPointError) as e:
        ann.search(
            _Tiny(), _data(), batch_size=8, device="cpu", loss=nan_loss, config=SearchConfig(epochs=1, progress=False)
        )
    assert "config.lr" in str(e.value) and "resume=True" in str(e.value) and "--" not in str(e.value)
