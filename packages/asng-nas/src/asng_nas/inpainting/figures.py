"""Pictures of inpainting results: an image grid like the paper's figure 7 and a drawing of the
active encoder / decoder of an architecture. Needs matplotlib."""

from __future__ import annotations

from pathlib import Path

import torch

from .arch import CAEArch

__all__ = ["save_inpainting_grid", "draw_cae"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_inpainting_grid(
    masked: torch.Tensor, restored: torch.Tensor, truth: torch.Tensor, path: str | Path, title: str = ""
) -> Path:
    """Rows: corrupted input, restoration, ground truth; one column per image. Tensors are
    (N, C, H, W) in [0, 1] (restorations are clipped)."""
    plt = _plt()
    n = masked.shape[0]
    fig, axes = plt.subplots(3, n, figsize=(1.3 * n, 4.2), squeeze=False)
    rows = (("masked", masked), ("ASNG-NAS", restored), ("ground truth", truth))
    for r, (label, imgs) in enumerate(rows):
        for c in range(n):
            ax = axes[r][c]
            img = imgs[c].detach().float().clamp(0, 1).permute(1, 2, 0).cpu().numpy()
            ax.imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap="gray" if img.shape[-1] == 1 else None)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def draw_cae(arch: CAEArch, path: str | Path) -> Path:
    """The active encoder (left to right) and its mirrored decoder (right to left, below), with
    skip connections as arcs; each box names kernel, width and stride."""
    plt = _plt()
    active = arch.active()
    L = len(active)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.3 * (L + 2)), 3.2))
    ax.set_xlim(-1, L + 1)
    ax.set_ylim(-1.8, 1.8)
    ax.axis("off")

    def box(x: float, y: float, text: str, color: str) -> None:
        ax.text(x, y, text, ha="center", va="center", fontsize=7, bbox={"boxstyle": "round", "fc": color, "ec": "0.3"})

    box(0, 1, "input", "0.9")
    box(0, -1, "output\n3x3 deconv", "0.9")
    for j, i in enumerate(active, start=1):
        n = arch.nodes[i - 1]
        stride = 1 if n.skip else 2
        box(j, 1, f"node {i}\n{n.kernel}x{n.kernel} conv\n{n.channels} ch, s{stride}", "#cfe2f3")
        box(j, -1, f"{n.kernel}x{n.kernel} deconv\ns{stride}", "#f9e0c7")
        ax.annotate("", xy=(j - 0.35, 1), xytext=(j - 0.65, 1), arrowprops={"arrowstyle": "->"})
        ax.annotate("", xy=(j - 0.65, -1), xytext=(j - 0.35, -1), arrowprops={"arrowstyle": "->"})
        if n.skip:
            ax.annotate(
                "", xy=(j - 0.5, -0.7), xytext=(j - 0.5, 0.7), arrowprops={"arrowstyle": "->", "color": "tab:red"}
            )
    ax.annotate("", xy=(L + 0.5, -0.7), xytext=(L + 0.5, 0.7), arrowprops={"arrowstyle": "->"})
    ax.set_title(f"active path {active} (skip: red)", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
