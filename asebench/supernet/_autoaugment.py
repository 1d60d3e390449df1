"""The fine-tuning augmentation: kornia's random resized crop, flip, colour jitter and
AutoAugment (ImageNet policy), batched on the images' device (the GPU when there is one).

The random parameters come from a per-step seed (CPU generator state forked around the call),
so a resumed run draws exactly what an uninterrupted one draws.
"""

from __future__ import annotations

from typing import Any

import torch

from asebench.errors import AsebenchError
from asebench.supernet._augment import normalize

__all__ = ["FinetuneAugment", "auto_augment"]


def _kornia() -> Any:
    try:
        import kornia.augmentation as K
        from kornia.augmentation.auto import AutoAugment
    except ImportError:  # pragma: no cover - kornia is a dependency
        raise AsebenchError("fine-tuning needs kornia (pip install 'kornia>=0.7')") from None
    return K, AutoAugment


def auto_augment(images: torch.Tensor, seed: int) -> torch.Tensor:
    """kornia's AutoAugment (ImageNet policy) of float images in [0, 1], ``(N, 3, H, W)``.

    kornia draws one sub-policy per call and applies each of its operations to every image
    with the operation's probability. Deterministic given ``seed``.
    """
    _, auto = _kornia()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        out: torch.Tensor = auto(policy="imagenet")(images)
    return out


class FinetuneAugment:
    """uint8 ``(N, 3, S, S)`` -> normalised float ``(N, 3, size, size)``.

    Args:
        size: output resolution.
        autoaugment: apply AutoAugment after the crop, flip and jitter.
        jitter: brightness / contrast / saturation strength (0: off).
        scale: crop area range (fraction of the image).
    """

    def __init__(self, size: int, autoaugment: bool = True, jitter: float = 0.4,
                 scale: tuple[float, float] = (0.08, 1.0)) -> None:
        K, auto = _kornia()
        ops: list[torch.nn.Module] = [K.RandomResizedCrop((size, size), scale=scale),
                                      K.RandomHorizontalFlip()]
        if jitter > 0:
            ops.append(K.ColorJitter(jitter, jitter, jitter, p=1.0))
        if autoaugment:
            ops.append(auto(policy="imagenet"))
        self.ops = ops

    def __call__(self, images: torch.Tensor, seed: int) -> torch.Tensor:
        x = images.float() / 255.0 if images.dtype == torch.uint8 else images.float()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for op in self.ops:
                x = op(x)
        return normalize(x.clamp(0.0, 1.0))
