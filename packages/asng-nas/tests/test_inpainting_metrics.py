import math

import numpy as np
import pytest
import torch

from asng_nas.inpainting import apply_mask, make_masks, psnr, quantize, ssim

skm = pytest.importorskip("skimage.metrics")


def _images(seed: int, n: int = 4, size: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    target = torch.rand(n, 3, size, size, generator=g)
    # a blurred, noisy "restoration", partly outside [0, 1] to exercise the clipping
    pred = (
        0.7 * target
        + 0.3 * torch.rand(n, 3, size, size, generator=g)
        + 0.2 * torch.randn(n, 3, size, size, generator=g)
    )
    return pred, target


def _u8(x: torch.Tensor) -> np.ndarray:
    return (quantize(x) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_psnr_and_ssim_match_scikit_image(seed):
    pred, target = _images(seed)
    p8, t8 = _u8(pred), _u8(target)
    ours_psnr = psnr(pred, target).numpy()
    ours_ssim = ssim(pred, target).numpy()
    for i in range(len(p8)):
        ref_psnr = skm.peak_signal_noise_ratio(t8[i], p8[i], data_range=255)
        ref_ssim = skm.structural_similarity(
            t8[i], p8[i], gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255, channel_axis=-1
        )
        assert math.isclose(ours_psnr[i], ref_psnr, rel_tol=1e-10)
        assert math.isclose(ours_ssim[i], ref_ssim, rel_tol=1e-9, abs_tol=1e-12)


def test_perfect_restoration():
    _, target = _images(0)
    assert torch.all(torch.isinf(psnr(target, target)))
    assert torch.allclose(ssim(target, target), torch.ones(4, dtype=torch.float64))


def test_ssim_rejects_tiny_images():
    with pytest.raises(ValueError, match="smaller than the 11x11 window"):
        ssim(torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8))


def test_mask_coverage():
    g = torch.Generator().manual_seed(0)
    n, h, w = 2000, 64, 64
    center = make_masks("center", n, h, w, g)
    assert center.shape == (n, 1, h, w) and center.dtype == torch.bool
    assert center[0, 0, 16:48, 16:48].all() and center[0].sum() == 32 * 32
    pixel = make_masks("pixel", n, h, w, g)
    frac = pixel.float().mean().item()
    # n*h*w Bernoulli(0.8) draws: 5 standard deviations
    assert abs(frac - 0.8) < 5 * math.sqrt(0.8 * 0.2 / (n * h * w))
    half = make_masks("half", n, h, w, g)
    assert torch.all(half.flatten(1).float().mean(1) == 0.5)
    # each of the four halves appears about n/4 times (binomial, 5 sd)
    kinds = torch.stack(
        [half[:, 0, :, 0].all(1), half[:, 0, :, -1].all(1), half[:, 0, 0, :].all(1), half[:, 0, -1, :].all(1)]
    )
    counts = kinds.sum(1).float()
    assert torch.all((counts - n / 4).abs() < 5 * math.sqrt(n * 0.25 * 0.75))


def test_masks_repeatable_with_seed_and_new_per_batch():
    a = make_masks("pixel", 4, 16, 16, torch.Generator().manual_seed(5))
    b = make_masks("pixel", 4, 16, 16, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    g = torch.Generator().manual_seed(5)
    assert not torch.equal(make_masks("pixel", 4, 16, 16, g), make_masks("pixel", 4, 16, 16, g))
    with pytest.raises(ValueError, match="unknown mask"):
        make_masks("stripes", 1, 8, 8)


def test_apply_mask_zeroes_missing_pixels():
    x = torch.ones(2, 3, 8, 8)
    m = make_masks("center", 2, 8, 8)
    y = apply_mask(x, m)
    assert torch.all(y[:, :, 2:6, 2:6] == 0) and y.sum() == 2 * 3 * (64 - 16)


def test_search_and_retraining_average_psnr_the_same_way_with_a_perfect_image():
    from asng_nas.inpainting.metrics import PSNR_CAP, capped_psnr
    from asng_nas.inpainting.task import InpaintingTask, evaluate_restoration, face_loader

    pred, target = _images(3)
    target = quantize(target)  # 8-bit ground truth, so an exact copy is a perfect restoration
    pred[1] = target[1]
    assert torch.isinf(psnr(pred, target)[1])
    task = InpaintingTask("center", 32, 32, n_test=len(target))
    search = task.metrics(pred, target)["psnr"]  # the search's metric (batch mean)

    def net(masked: torch.Tensor) -> torch.Tensor:  # the loader keeps the order: one batch of all images
        assert masked.shape == pred.shape
        return pred

    u8 = torch.round(target * 255).to(torch.uint8)  # the loaders hold uint8 images
    retrain = evaluate_restoration(net, task, face_loader(u8, len(u8), torch.device("cpu")), len(u8))["psnr"]
    expected = float(torch.cat([psnr(pred[[0, 2, 3]], target[[0, 2, 3]]), torch.tensor([PSNR_CAP])]).mean())
    assert math.isclose(search, retrain, rel_tol=1e-12)
    assert math.isclose(search, expected, rel_tol=1e-12)
    assert float(capped_psnr(pred, target)[1]) == PSNR_CAP
