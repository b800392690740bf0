"""The GPU check's report as a short markdown page (:func:`to_markdown`)."""

from __future__ import annotations

from typing import Any

__all__ = ["to_markdown"]


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def to_markdown(r: dict[str, Any]) -> str:
    """The report as a short markdown page."""
    s, t, c, b = r["search_epoch"], r["retrain_epoch"], r["fp32_cpu_vs_bf16_device"], r["asng_vs_darts_iteration"]
    lines = [
        f"# GPU check: {'PASSED' if r['passed'] else 'FAILED'}",
        "",
        f"Device {r['device']} ({r['device_name']}), torch {r['torch']}, {r['precision']}, size {r['size']}, "
        f"{r['seconds']:.1f} s in all. Data: {r['data']}.",
        "",
        "| check | result |",
        "|---|---|",
        *[f"| {k} | {'ok' if v else 'FAILED'} |" for k, v in r["checks"].items()],
        "",
        "| part | iterations x batch | seconds | images/s | train loss | test loss |",
        "|---|---|---|---|---|---|",
        f"| search epoch ({s['cells']} cells, C = {s['channels']}) | {s['iterations']} x {s['batch_size']} (x2) | "
        f"{_fmt(s['seconds'])} | {_fmt(s['images_per_second'])} | {_fmt(s['train_loss'])} | {_fmt(s['test_loss'])} |",
        f"| retraining epoch ({t['cells']} cells, C = {t['channels']}, {t['parameters']} parameters, "
        f"compile {t['compile']}) | {t['iterations']} x {t['batch_size']} | {_fmt(t['seconds'])} | "
        f"{_fmt(t['images_per_second'])} | {_fmt(t['train_loss'])} | {_fmt(t['test_loss'])} |",
        "",
        f"Search images/s counts the weight batch and the theta batch of each iteration. "
        f"ASNG-NAS iteration {b['asng_seconds'] * 1e3:.1f} ms, first-order DARTS iteration "
        f"{b['darts_seconds'] * 1e3:.1f} ms ({b['cells']} cells, C = {b['channels']}, batch {b['batch_size']} of "
        f"{b['image_size']} x {b['image_size']}, "
        f"{b['precision']}): ASNG / DARTS = {b['asng_over_darts']:.3f} (DARTS / ASNG = {b['darts_over_asng']:.2f}).",
        "",
        f"## fp32 (CPU) against bf16 autocast ({r['device']}): {c['n_archs']} architectures, one batch of "
        f"{c['batch_size']}",
        "",
        "Tolerance per architecture: |bf16 - fp32| <= 0.02 + 0.02 x loss (see `loss_tolerance`).",
        "",
        "| architecture | fp32 loss | bf16 loss | abs diff | tolerance |",
        "|---|---|---|---|---|",
        *[
            f"| {i} | {a:.5f} | {bb:.5f} | {d:.2e} | {tol:.3f} |"
            for i, (a, bb, d, tol) in enumerate(
                zip(c["fp32_cpu_losses"], c["bf16_device_losses"], c["abs_diffs"], c["tolerances"])
            )
        ],
        "",
        f"Spearman rho {_fmt(c['spearman'])}, Kendall tau {_fmt(c['kendall'])}, same order: {c['same_order']}; "
        f"{c['pairs_resolved_same_order']} of the {c['pairs_resolved']} pairs whose fp32 losses differ by more "
        f"than both tolerances keep their order (closer pairs may swap within rounding).",
        "",
    ]
    return "\n".join(lines)
