"""Image data without torchvision: an ImageFolder reader on Pillow, class subsets, a held-out
scoring split and a seeded, shardable DataLoader.

Layout: ``DIR/train/<class>/*.jpg|jpeg|png`` (or ``DIR/<class>/...`` directly). Images are
decoded to square uint8 tensors; augmentation happens later, batched, on the device
(:mod:`asebench.supernet._augment`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from asebench.errors import AsebenchError

__all__ = ["ImageFolder", "ImageFiles", "scan_image_folder", "split_holdout", "load_images",
           "EpochSampler", "make_loader", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class ImageFolder:
    """A list of labelled image files.

    Attributes:
        root: the folder holding the class folders.
        classes: class names; a label is an index into it.
        files: paths relative to ``root``.
        labels: one label per file.
    """

    root: str
    classes: tuple[str, ...]
    files: tuple[str, ...]
    labels: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.files)

    def subset(self, indices: Sequence[int]) -> ImageFolder:
        return ImageFolder(self.root, self.classes, tuple(self.files[i] for i in indices),
                           tuple(self.labels[i] for i in indices))

    def paths(self) -> list[str]:
        return [os.path.join(self.root, f) for f in self.files]


def scan_image_folder(data: str | os.PathLike[str], num_classes: int | None = None,
                      seed: int = 0, classes: Sequence[str] | None = None) -> ImageFolder:
    """Read an image folder, keeping ``classes`` or a seeded subset of ``num_classes`` classes.

    Raises:
        AsebenchError: the folder is missing, has no class folders with images, or fewer
            classes than asked for.
    """
    base = Path(data)
    if not base.is_dir():
        raise AsebenchError(f"data folder {str(base)!r} does not exist")
    root = base / "train" if (base / "train").is_dir() else base
    found = {}
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.is_dir():
            names = sorted(f.name for f in os.scandir(entry.path)
                           if f.is_file() and f.name.lower().endswith(IMAGE_SUFFIXES))
            if names:
                found[entry.name] = names
    if not found:
        raise AsebenchError(
            f"data folder {str(base)!r} has no class folders with images "
            f"({'/'.join(s[1:] for s in IMAGE_SUFFIXES)}) under {str(root)!r}")
    if classes is not None:
        missing = [c for c in classes if c not in found]
        if missing:
            raise AsebenchError(f"data folder {str(root)!r} lacks classes {missing[:5]}")
        chosen = list(classes)
    elif num_classes is not None and num_classes < len(found):
        if num_classes < 2:
            raise AsebenchError(f"need at least 2 classes, got {num_classes}")
        pick = np.random.default_rng(seed).choice(len(found), num_classes, replace=False)
        chosen = [sorted(found)[i] for i in sorted(pick)]
    else:
        if num_classes is not None and num_classes > len(found):
            raise AsebenchError(
                f"asked for {num_classes} classes but {str(root)!r} has only {len(found)}")
        chosen = sorted(found)
    files: list[str] = []
    labels: list[int] = []
    for label, name in enumerate(chosen):
        files.extend(f"{name}/{f}" for f in found[name])
        labels.extend([label] * len(found[name]))
    return ImageFolder(str(root), tuple(chosen), tuple(files), tuple(labels))


def split_holdout(folder: ImageFolder, n: int, seed: int = 0) -> tuple[ImageFolder, ImageFolder]:
    """``(train, holdout)``: ``n`` seeded images set aside for scoring sub-networks."""
    if not 0 < n < len(folder):
        raise AsebenchError(
            f"held-out split of {n} images needs 0 < n < {len(folder)} (the folder's images)")
    order = np.random.default_rng(seed).permutation(len(folder))
    hold = set(order[:n].tolist())
    train = [i for i in range(len(folder)) if i not in hold]
    return folder.subset(train), folder.subset(sorted(hold))


def decode_image(path: str, size: int, crop: float = 1.0) -> torch.Tensor:
    """``(3, size, size)`` uint8: shorter side resized to ``size / crop``, centre crop."""
    from PIL import Image

    try:
        with Image.open(path) as file:
            scaled = max(size, round(size / crop))
            file.draft("RGB", (scaled, scaled))  # JPEG: decode at reduced size (much faster)
            img = file.convert("RGB")
            w, h = img.size
            scale = scaled / min(w, h)
            nw, nh = max(scaled, round(w * scale)), max(scaled, round(h * scale))
            img = img.resize((nw, nh), Image.Resampling.BILINEAR, reducing_gap=None)
            left, top = (nw - size) // 2, (nh - size) // 2
            img = img.crop((left, top, left + size, top + size))
            array = np.asarray(img, dtype=np.uint8)
    except (OSError, ValueError) as exc:
        raise AsebenchError(f"cannot read image {path!r}: {exc}") from None
    return torch.from_numpy(array.copy()).permute(2, 0, 1).contiguous()


class ImageFiles(Dataset[tuple[torch.Tensor, int]]):
    """Decoded images of an :class:`ImageFolder` as ``(uint8 (3, size, size), label)``."""

    def __init__(self, folder: ImageFolder, size: int, crop: float = 1.0) -> None:
        self.paths, self.labels = folder.paths(), folder.labels
        self.size, self.crop = size, crop

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return decode_image(self.paths[i], self.size, self.crop), self.labels[i]


def load_images(folder: ImageFolder, size: int, crop: float = 0.875,
                workers: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """All images of ``folder`` as one ``(N, 3, size, size)`` uint8 tensor and int64 labels
    (centre crop ``crop`` of the resized image, as for evaluation)."""
    dataset = ImageFiles(folder, size, crop)
    loader = DataLoader(dataset, batch_size=256, num_workers=workers, shuffle=False)
    images, labels = [], []
    for x, y in loader:
        images.append(x)
        labels.append(y)
    return torch.cat(images), torch.cat(labels).long()


class EpochSampler(Sampler[int]):
    """A seeded permutation per epoch (``seed``, ``epoch``), sharded over ``world`` ranks, so a
    resumed run sees exactly the same order."""

    def __init__(self, n: int, batch_size: int, seed: int, rank: int = 0, world: int = 1) -> None:
        self.n, self.seed, self.rank, self.world = n, seed, rank, world
        self.per_rank = (n // (batch_size * world)) * batch_size
        if self.per_rank == 0:
            raise AsebenchError(
                f"{n} training images are fewer than one batch of {batch_size} per process")
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.per_rank

    def __iter__(self) -> Iterator[int]:
        order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
        start = self.rank * self.per_rank
        return iter(order[start:start + self.per_rank].tolist())


def make_loader(folder: ImageFolder, size: int, batch_size: int, seed: int, workers: int = 0,
                pin_memory: bool = False, rank: int = 0, world: int = 1
                ) -> DataLoader[tuple[torch.Tensor, int]]:
    """Training loader of uint8 images (``size`` square, whole shorter side); call
    ``loader.sampler.set_epoch(e)`` before each epoch."""
    sampler = EpochSampler(len(folder), batch_size, seed, rank, world)
    return DataLoader(ImageFiles(folder, size, 1.0), batch_size=batch_size, sampler=sampler,
                      num_workers=workers, pin_memory=pin_memory, drop_last=True,
                      persistent_workers=workers > 0,
                      prefetch_factor=4 if workers > 0 else None)
