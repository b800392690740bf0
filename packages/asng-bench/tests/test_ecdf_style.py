"""The lines of the ECDF figures: every row of a figure its own (colour, linestyle), ``random``
grey, a peer variant its base peer's colour with another line, the same row the same line in
ecdf.png and ecdf_short.png."""

from __future__ import annotations

from typing import Any

import pytest

from asng_bench.blackbox import ecdf as E
from asng_bench.blackbox.cells import optimizer_order
from asng_bench.blackbox.registry import ABLATIONS, MAIN, OPTIMIZERS, OURS

COMPARISON = optimizer_order(o for o in OPTIMIZERS if o not in ABLATIONS)
ABLATION = optimizer_order([MAIN, *ABLATIONS])


def _key(line: E.Line) -> tuple[str, str]:
    return line.color, repr(line.style)


@pytest.mark.parametrize("names", [COMPARISON, ABLATION, ["asng-bb", *(f"peer-{i}" for i in range(30))]])
def test_every_row_has_its_own_line(names):
    lines = E.line_styles(names)
    assert list(lines) == list(names)
    assert len({_key(v) for v in lines.values()}) == len(names)


def test_baseline_grey_variant_in_its_peers_colour():
    lines = E.line_styles(COMPARISON)
    assert lines["random"].color == E.GREY
    assert [n for n, v in lines.items() if v.color == E.GREY] == ["random"]
    var, base = lines["cmaes-catcmawm-cache"], lines["cmaes-catcmawm"]
    assert var.color == base.color and var.style != base.style
    # the colour pair the figures confused (dashed brown vs dashed red) is gone
    assert var.color != lines["random"].color and "#8c564b" not in {v.color for v in lines.values()}
    # in the comparison every row but the baseline and the variant has a colour of its own
    colours = [v.color for n, v in lines.items() if n not in ("random", "cmaes-catcmawm-cache")]
    assert len(set(colours)) == len(colours) <= len(E.PALETTE)
    assert all(v.style == "-" for n, v in lines.items() if n in OURS)  # solid: ours
    assert lines[MAIN].width > max(v.width for n, v in lines.items() if n != MAIN)
    # a variant without its base in the figure is a peer row of its own
    alone = E.line_styles(["asng-bb", "cmaes-catcmawm-cache"])
    assert alone["cmaes-catcmawm-cache"].color != alone["asng-bb"].color


def _hits(track: str, opts: list[str]) -> list[dict[str, Any]]:
    return [{"track": track, "problem": "onemax", "optimizer": o, "evals": 50 if s else "", "budget": 100}
            for o in opts for s in (0, 1)]  # fmt: skip


def test_the_figures_draw_these_lines_and_keep_them_across_figures(tmp_path, monkeypatch):
    figs: list[Any] = []
    monkeypatch.setattr(E, "save_figure", lambda fig, path, dpi: figs.append(fig))
    main_opts = ["asng-bb", "random", "cmaes-catcmawm", "cmaes-catcmawm-cache", "ng-dopo"]
    E.ecdf_figure(_hits("main", main_opts), tmp_path / "a.png")
    E.ecdf_figure(_hits("short", [*main_opts, "optuna-tpe", "optuna-cmaes"]), tmp_path / "b.png", track="short")
    drawn = [{ln.get_label(): (ln.get_color(), ln.get_linewidth()) for ln in f.axes[0].get_lines()} for f in figs]
    E.pyplot().close("all")
    want = E.line_styles(COMPARISON)
    for d in drawn:
        assert {o: c for o, (c, _) in d.items()} == {o: want[o].color for o in d}
        assert d[MAIN][1] == want[MAIN].width
    assert drawn[0]["ng-dopo"] == drawn[1]["ng-dopo"]  # optuna-* only in the second: no shift
    assert drawn[0]["random"][0] == E.GREY
