"""Pictures of inpainting results: an image grid like the paper's figure 7 (input with its hole,
restoration composited with the known pixels, truth) and a drawing of the active encoder /
decoder of an architecture. Needs matplotlib."""

from __future__ import annotations

from pathlib import Path

import torch

from .arch import CAEArch

__all__ = ["save_inpainting_grid", "draw_cae", "composite", "missing_pixels"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def missing_pixels(masked: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) bool, True where ``masked`` (N, C, H, W) is 0 in every channel: the pixels
    :func:`~.masks.apply_mask` removed (a known pixel that is black in the truth counts as
    missing too, so no true pixel is ever shown as a restoration)."""
    return (masked == 0).all(dim=1, keepdim=True)


def composite(masked: torch.Tensor, restored: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The restoration as inpainting papers show it: the known pixels of the input, the
    network's output (clipped to [0, 1]) in the missing ones. Shapes (N, C, H, W); ``mask``
    (N, 1, H, W) bool, True = missing."""
    return torch.where(mask, restored.float().clamp(0, 1), masked.float())


def _is_gray(x: torch.Tensor) -> bool:
    """Whether the (N, C, H, W) images have equal channels (grayscale stored as RGB)."""
    return x.shape[1] == 1 or bool((x.float() - x.float().mean(dim=1, keepdim=True)).abs().max() < 1 / 512)


def save_inpainting_grid(
    masked: torch.Tensor,
    restored: torch.Tensor,
    truth: torch.Tensor,
    path: str | Path,
    title: str = "",
    mask: torch.Tensor | None = None,
) -> Path:
    """Rows: the corrupted input (missing pixels white), the restoration composited with the known
    pixels (:func:`composite`), the ground truth; one column per image.

    Tensors are (N, C, H, W) in [0, 1]; ``mask`` (N, 1, H, W) bool, True = missing (default:
    :func:`missing_pixels` of ``masked``). Grayscale truth (equal channels) is drawn in gray,
    and the restoration as the mean of its channels, so a network's colour cast on gray faces
    does not show up as a tint. Returns ``path``."""
    plt = _plt()
    masked, restored, truth = (t.detach().float().cpu() for t in (masked, restored, truth))
    m = (missing_pixels(masked) if mask is None else mask.detach().cpu().bool()).expand_as(masked)
    shown = composite(masked, restored, m)
    hole = masked.masked_fill(m, 1.0)  # missing pixels white
    gray = _is_gray(truth)
    n = masked.shape[0]
    fig, axes = plt.subplots(3, n, figsize=(1.2 * n + 0.6, 3.9), squeeze=False)
    rows = (("input", hole), ("ASNG-NAS", shown), ("truth", truth))
    for r, (label, imgs) in enumerate(rows):
        for c in range(n):
            ax = axes[r][c]
            img = imgs[c].clamp(0, 1)
            if gray:
                ax.imshow(img.mean(dim=0).numpy(), cmap="gray", vmin=0.0, vmax=1.0)
            else:
                ax.imshow(img.permute(1, 2, 0).numpy())
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
