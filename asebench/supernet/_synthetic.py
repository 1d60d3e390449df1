"""A small generated image folder whose classes differ visibly (for tests, demos, benchmarks)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["make_toy_image_folder"]

_COLOURS = np.array([(220, 40, 40), (40, 200, 60), (50, 70, 230), (230, 210, 40),
                     (200, 60, 210), (40, 210, 210), (240, 140, 30), (120, 120, 120)], float)


def make_toy_image_folder(root: str | os.PathLike[str], num_classes: int = 4,
                          per_class: int = 24, size: int = 40, seed: int = 0,
                          suffix: str = ".png") -> Path:
    """Write ``root/train/class_XX/img_YYY.png``: class ``c`` is a noisy image of colour
    ``c % 8`` with stripes of orientation/period ``c // 8`` (horizontal, vertical, none).

    Returns:
        ``root``.
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    root = Path(root)
    yy, xx = np.mgrid[0:size, 0:size]
    for c in range(num_classes):
        folder = root / "train" / f"class_{c:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        colour, pattern = _COLOURS[c % len(_COLOURS)], (c // len(_COLOURS)) % 3
        for i in range(per_class):
            phase = rng.integers(0, 8)
            if pattern == 0:
                stripes = ((yy + phase) // 4) % 2
            elif pattern == 1:
                stripes = ((xx + phase) // 4) % 2
            else:
                stripes = np.zeros_like(xx)
            shade = 0.65 + 0.35 * stripes[..., None]
            image = colour * shade * rng.uniform(0.8, 1.1) + rng.normal(0, 18, (size, size, 3))
            array = np.clip(image, 0, 255).astype(np.uint8)
            Image.fromarray(array).save(folder / f"img_{i:03d}{suffix}")
    return root
