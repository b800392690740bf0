"""The paper's published rows of Table 1 (CIFAR-10 cells) and Table 2 (inpainting), shown
beside ours and labelled "published"."""

from __future__ import annotations

__all__ = ["PUBLISHED_TABLE1", "PUBLISHED_TABLE2", "MASKS"]

#: Table 1 of the paper: (method, search cost in GPU days, params in M, test error in %)
PUBLISHED_TABLE1: tuple[tuple[str, str, str, str], ...] = (
    ("NASNet-A (Zoph et al., 2018)", "1800", "3.3", "2.65"),
    ("NAONet (Luo et al., 2018)", "200", "128", "2.11"),
    ("ProxylessNAS-G (Cai et al., 2019)", "4", "5.7", "2.08"),
    ("SMASHv2 (Brock et al., 2018)", "1.5", "16.0", "4.03"),
    ("DARTS second order (Liu et al., 2019)", "4", "3.3", "2.76 (± 0.09)"),
    ("DARTS first order (Liu et al., 2019)", "1.5", "3.3", "3.00 (± 0.14)"),
    ("SNAS (Xie et al., 2019)", "1.5", "2.8", "2.85 (± 0.02)"),
    ("ENAS (Pham et al., 2018)", "0.45", "4.6", "2.89"),
    ("ASNG-NAS (Akimoto et al., 2019)", "0.11", "3.9", "2.83 (± 0.14)"),
)

#: Table 2 of the paper: PSNR [dB] / SSIM per mask
PUBLISHED_TABLE2: dict[str, dict[str, str]] = {
    "CE": {"center": "28.5 / 0.912", "pixel": "22.9 / 0.730", "half": "19.9 / 0.747"},
    "SII": {"center": "19.4 / 0.907", "pixel": "22.8 / 0.710", "half": "13.7 / 0.582"},
    "BASE": {"center": "27.1 / 0.883", "pixel": "27.5 / 0.836", "half": "11.8 / 0.604"},
    "E-CAE (12 GPU days)": {"center": "29.9 / 0.934", "pixel": "27.8 / 0.887", "half": "21.1 / 0.771"},
    "ASNG-NAS (Cat) (0.84 GPU days)": {"center": "29.2 / 0.903", "pixel": "28.4 / 0.905", "half": "20.5 / 0.779"},
    "ASNG-NAS (Int) (0.75 GPU days)": {"center": "29.3 / 0.911", "pixel": "28.6 / 0.909", "half": "20.6 / 0.779"},
}
MASKS = ("center", "pixel", "half")
