"""The ``## Black-box comparison`` section of results/README.md: the hand-written ``notes.md``
of the results folder followed by the generated ``blackbox.md``."""

from __future__ import annotations

from pathlib import Path

from ..report_io import read_json
from .registry import MAIN

__all__ = ["SECTION", "update_readme"]

SECTION = "## Black-box comparison"


def _section(readme: Path, out: Path) -> str:
    meta = read_json(out / "meta.json")
    notes = out / "notes.md"
    extra = notes.read_text() if notes.exists() else ""
    rel = out.relative_to(readme.parent) if out.is_relative_to(readme.parent) else out
    body = [
        SECTION,
        "",
        f"`asng_opt.minimize`'s default (`{MAIN}`: BlackBoxASNG with restarts near the best point), the paper's "
        "ASNG (λ = 2, λ = 16) and ablations of the default against the discrete, mixed and real-valued black-box "
        "optimizers a user would pick instead; the untuned problems (added after the default was chosen) apart, "
        "the real-valued ones among them untuned until asng-opt 0.7 (whose rule for the elite in the real-valued "
        "step was chosen on Rosenbrock). "
        f"Data: [`{rel}/runs.csv`]({rel}/runs.csv) (one row per run), [`{rel}/hits.csv`]({rel}/hits.csv) "
        f"(evaluations to each target), [`{rel}/traces.csv.gz`]({rel}/traces.csv.gz) (improvement traces), "
        f"[`{rel}/summary.csv`]({rel}/summary.csv) (ERT with bootstrap 95 % CI, SP1, success rate, "
        "median best gap with bootstrap 95 % CI), "
        f"[`{rel}/meta.json`]({rel}/meta.json); the runs in IOHanalyzer's format in [`{rel}/ioh/`]({rel}/ioh/); "
        f"figures [`{rel}/ecdf.png`]({rel}/ecdf.png) (main track), [`{rel}/ecdf_short.png`]({rel}/ecdf_short.png) "
        f"(short track) and [`{rel}/ablation.png`]({rel}/ablation.png) (ablation: how much each ingredient "
        "moves the ECDF's area, per problem and track).",
        "",
        f"Command: `{meta['command']} --readme results/README.md` (`nox -s blackbox` runs the whole study, "
        "every optimizer, without reusing runs); wall time "
        f"{meta.get('wall_s_total', meta['wall_s']):,.0f} s on {meta['machine'].get('cores')} shared cores "
        f"({meta['machine'].get('cpu')}). Versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v)
        + ".",
    ]
    if extra:
        body += ["", extra.rstrip()]
    body += ["", "### Full tables (generated: `blackbox.md`)", "", (out / "blackbox.md").read_text().rstrip()]
    return "\n".join(body) + "\n"


def update_readme(readme: str | Path, out: str | Path) -> None:
    """Add or replace the ``## Black-box comparison`` section of ``readme`` from the folder ``out``."""
    readme = Path(readme)
    section = _section(readme, Path(out))
    text = readme.read_text() if readme.exists() else "# Results\n"
    start = text.find(SECTION)
    if start >= 0:
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    readme.write_text(text)
