"""The ``## Black-box comparison`` section of results/README.md: the hand-written ``notes.md``
of the results folder followed by the generated ``blackbox.md``."""

from __future__ import annotations

from pathlib import Path

from ..report_io import read_json

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
        "ASNG (λ = 2 and λ = 16) and SNG against the discrete / mixed black-box optimizers a user would pick instead. "
        f"Data: [`{rel}/runs.csv`]({rel}/runs.csv) (one row per run), [`{rel}/hits.csv`]({rel}/hits.csv) "
        f"(evaluations to each target), [`{rel}/summary.csv`]({rel}/summary.csv) (ERT, SP1, success rate), "
        f"[`{rel}/meta.json`]({rel}/meta.json); figures [`{rel}/ecdf.png`]({rel}/ecdf.png) (main track) and "
        f"[`{rel}/ecdf_short.png`]({rel}/ecdf_short.png) (short track).",
        "",
        f"Command: `nox -s blackbox` = `{meta['command']} --readme results/README.md`; wall time "
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
