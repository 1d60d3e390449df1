"""Batched augmentation on tensors (on the GPU when there is one): random resized crop and
horizontal flip as one affine resampling per image, colour jitter, normalisation.

Random numbers come from a CPU generator the caller seeds (per step), so a resumed run and a
run on another device draw the same crops.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["augment", "normalize", "MEAN", "STD"]

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 or [0, 1] float ``(N, 3, H, W)`` -> normalised float32."""
    x = images.float()
    if images.dtype == torch.uint8:
        x = x / 255.0
    mean = torch.tensor(MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std


def augment(images: torch.Tensor, size: int, generator: torch.Generator,
            scale: tuple[float, float] = (0.08, 1.0), jitter: float = 0.4,
            flip: bool = True) -> torch.Tensor:
    """Random resized crop to ``size`` + flip + brightness/contrast/saturation jitter,
    normalised.

    Args:
        images: uint8 ``(N, 3, S, S)`` on any device.
        size: output resolution.
        generator: a CPU generator for the random parameters.
        scale: crop area range (fraction of the image).
        jitter: strength of each colour jitter factor (0 disables).
        flip: random horizontal flips (off for images whose mirror image is another class,
            such as digits; the random numbers drawn are the same either way).
    """
    n = images.shape[0]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=generator, dtype=torch.float64) * (hi - lo) + lo

    area = uniform(*scale)
    log_ratio = uniform(math.log(3 / 4), math.log(4 / 3))
    ratio = torch.exp(log_ratio)
    # crop width/height as fractions of the side, clipped to the image
    w = torch.sqrt(area * ratio).clamp(max=1.0)
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = (uniform(0, 1) * (1 - w) + w / 2) * 2 - 1
    cy = (uniform(0, 1) * (1 - h) + h / 2) * 2 - 1
    mirror = torch.where(uniform(0, 1) < 0.5, -1.0, 1.0)
    if not flip:
        mirror = torch.ones_like(mirror)
    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    theta[:, 0, 0], theta[:, 0, 2] = w * mirror, cx
    theta[:, 1, 1], theta[:, 1, 2] = h, cy
    device = images.device
    x = images.float() / 255.0
    grid = F.affine_grid(theta.to(device=device, dtype=x.dtype), [n, 3, size, size],
                         align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    if jitter > 0:
        b, c, s = (uniform(1 - jitter, 1 + jitter).to(device=device, dtype=x.dtype).view(n, 1, 1, 1)
                   for _ in range(3))
        x = x * b
        gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
        x = (x - gray.mean((2, 3), keepdim=True)) * c + gray.mean((2, 3), keepdim=True)
        gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
        x = (x - gray) * s + gray
        x = x.clamp(0, 1)
    return normalize(x)
