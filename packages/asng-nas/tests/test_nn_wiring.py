"""The primitives added for the inpainting spaces: ConvTranspose2d (weight sharing), ChosenValue
(a size set by an upstream choice) with WiredConv2d, and Switch (a module picked by a value choice)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import asng_nas.nn as ann

torch.set_num_threads(1)


def test_conv_transpose_slices_the_largest_weights_and_exports():
    torch.manual_seed(0)
    cin, cout, k = ann.ValueChoice((2, 4), "cin"), ann.IntChoice(1, 3, label="cout"), ann.ValueChoice((1, 3), "k")
    layer = ann.ConvTranspose2d(cin, cout, k, stride=2, padding="same")
    assert layer.weight.shape == (4, 3, 3, 3)
    ann.activate(layer, {"cin": 2, "cout": 2, "k": 1})
    x = torch.rand(1, 2, 5, 5)
    y = layer(x, output_size=(10, 10))
    want = F.conv_transpose2d(x, layer.weight[:2, :2, 1:2, 1:2], layer.bias[:2], 2, 0, (1, 1))
    assert y.shape == (1, 2, 10, 10) and torch.equal(y, want)
    assert layer(x).shape == (1, 2, 9, 9)  # no output_size: the smallest output
    plain = layer.to_plain()
    assert type(plain) is nn.ConvTranspose2d and torch.equal(plain(x, output_size=(10, 10)), y)
    with pytest.raises(ValueError, match="channels"):
        layer(torch.rand(1, 4, 5, 5))
    with pytest.raises(ValueError, match="not reachable"):
        layer(x, output_size=(13, 13))


def test_conv_transpose_refuses_bad_sizes():
    with pytest.raises(ValueError, match="in_channels"):
        ann.ConvTranspose2d(0, 2, 3)
    with pytest.raises(ValueError, match="odd or all even"):
        ann.ConvTranspose2d(2, 2, ann.ValueChoice((2, 3)))
    with pytest.raises(ValueError, match="padding"):
        ann.ConvTranspose2d(2, 2, 3, padding=-1)


class _Wired(nn.Module):
    """Two branches of their own widths; the conv after them reads the chosen one."""

    def __init__(self):
        super().__init__()
        self.a = ann.Conv2d(3, ann.ValueChoice((2, 4), "wa"), 1)
        self.b = ann.Conv2d(3, 5, 1)
        self.pick = ann.InputChoice(2, label="pick")
        self.conv = ann.WiredConv2d(ann.ChosenValue(self.pick, [self.a.out_channels_choice, 5]), 3, 3, padding=1)

    def forward(self, x):
        return self.conv(self.pick([self.a(x), self.b(x)]))


def test_chosen_value_follows_the_wiring_and_exports():
    torch.manual_seed(0)
    model = _Wired()
    assert set(ann.discover(model)) == {"wa", "pick"}  # a chosen value is no variable of its own
    x = torch.rand(1, 3, 6, 6)
    for choices, c_in in (({"wa": 2, "pick": 0}, 2), ({"wa": 4, "pick": 0}, 4), ({"wa": 2, "pick": 1}, 5)):
        ann.activate(model, choices)
        assert model.conv.active_shape()[0] == c_in
        exported = ann.export(model, choices).module
        assert exported.conv.in_channels == c_in and torch.equal(exported(x), model(x))
    with pytest.raises(ValueError, match="options"):
        ann.ChosenValue(model.pick, [2])
    with pytest.raises(ValueError, match="InputChoice or a ValueChoice"):
        ann.ChosenValue(model.a, [2, 3])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="keep one"):
        ann.ChosenValue(ann.InputChoice(3, n_chosen=2), [1, 2, 3])


def test_chosen_value_of_a_value_choice_and_of_an_int_choice():
    v, i = ann.ValueChoice(("a", "b")), ann.IntChoice(2, 6, step=2)
    by_v, by_i = ann.ChosenValue(v, [3, 7]), ann.ChosenValue(i, [1, 8, 2])
    v.select("b")
    i.select(4)
    assert (by_v.value(), by_i.value(), by_v.largest(), by_i.largest()) == (7, 8, 7, 8)


def test_switch_picks_by_an_ordinal_variable_and_exports_nested():
    torch.manual_seed(0)
    k, s = ann.IntChoice(1, 2, label="k"), ann.ValueChoice((True, False), "s")
    model = ann.Switch(s, {b: ann.Switch(k, {1: nn.Linear(2, 2), 2: nn.Linear(2, 3)}) for b in (True, False)})
    space = ann.ModelSpace(model)
    assert space.names == ["s", "k"] and space.variables["k"].kind == "ordinal"
    x = torch.rand(4, 2)
    choices = {"s": False, "k": 2}
    ann.activate(model, choices)
    assert torch.equal(model(x), model.cases["False"].cases["2"](x))
    plain = ann.export(model, choices).module
    assert type(plain) is nn.Linear and torch.equal(plain(x), model(x))
    with pytest.raises(ValueError, match="candidates"):
        ann.Switch(k, {1: nn.Identity()})
    with pytest.raises(ValueError, match="ValueChoice"):
        ann.Switch(3, {3: nn.Identity()})  # type: ignore[arg-type]
