"""Real images without a download: scikit-learn's bundled UCI handwritten digits as an image
folder the live backend reads.

The data: 1,797 greyscale 8x8 images of the digits 0-9 (about 180 per class, 17 grey levels
0..16), the test part (13 writers) of the "Optical Recognition of Handwritten Digits" set of the
UCI Machine Learning Repository (E. Alpaydin and C. Kaynak, 1998; CC BY 4.0), as shipped inside
scikit-learn (``sklearn.datasets.load_digits``, BSD-3-Clause). Nothing is downloaded and nothing
of it is stored in this repository; provenance: ``data/SOURCE.md``.

The layout written (``DIR``)::

    DIR/train/<digit>/<index>.png   the training pool (the live backend's ``--data DIR``)
    DIR/test/<digit>/<index>.png    the fixed held-out test split, never trained or searched on
    DIR/digits.json                 what was written: options, counts per class, file checksum

``<index>`` is the image's row in ``load_digits()``. The test split takes ``test_per_class``
images of every class, chosen by a seeded permutation (seed 0 by default), so it is balanced and
the same on every machine. ``train_per_class`` keeps only that many (seeded) training images per
class, to make the task harder in a documented way. Images are scaled from 16 grey levels to
0-255, resized to ``size`` pixels (bilinear), and stored as 3-channel (grey replicated) PNGs.
The export goes to a temporary sibling folder renamed into place, so ``DIR`` is either complete
or absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from asebench._atomic import publish_directory, temp_directory
from asebench.errors import AsebenchError

__all__ = ["DigitsExport", "export_digits", "load_digits_arrays", "split_indices", "folder_sha256",
           "read_manifest", "MANIFEST"]

MANIFEST = "digits.json"
NUM_CLASSES = 10


@dataclass(frozen=True)
class DigitsExport:
    """What :func:`export_digits` wrote.

    Attributes:
        root: the export folder.
        size: image side in pixels.
        train_counts, test_counts: images per class (digit 0..9) in each split.
        seed: seed of the split.
        sha256: checksum over every file's relative path and bytes (determinism check).
    """

    root: str
    size: int
    train_counts: tuple[int, ...]
    test_counts: tuple[int, ...]
    seed: int
    sha256: str

    @property
    def num_train(self) -> int:
        return sum(self.train_counts)

    @property
    def num_test(self) -> int:
        return sum(self.test_counts)


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """``(images (1797, 8, 8) float in 0..16, labels (1797,) int)`` from scikit-learn.

    Raises:
        AsebenchError: scikit-learn is not installed (names the extra to install).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise AsebenchError(
            "the digits need scikit-learn: pip install 'asebench[digits]' "
            "(or pip install scikit-learn)") from None
    bunch = load_digits()
    return np.asarray(bunch.images, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)


def split_indices(labels: np.ndarray, test_per_class: int, train_per_class: int | None,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(train, test)`` row indices: per class a seeded permutation, its first
    ``test_per_class`` rows to test, the next ``train_per_class`` (default all) to train."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(NUM_CLASSES):
        rows = np.flatnonzero(labels == digit)
        order = rows[rng.permutation(len(rows))]
        if test_per_class >= len(order):
            raise AsebenchError(
                f"test_per_class={test_per_class} leaves no training image of digit {digit} "
                f"({len(order)} images)")
        test.append(np.sort(order[:test_per_class]))
        rest = order[test_per_class:]
        train.append(np.sort(rest if train_per_class is None else rest[:train_per_class]))
    return np.concatenate(train), np.concatenate(test)


def _check(size: int, test_per_class: int, train_per_class: int | None) -> None:
    if not 8 <= size <= 512:
        raise AsebenchError(f"digits image size must be 8..512 pixels, got {size}")
    if test_per_class < 1:
        raise AsebenchError(f"test_per_class must be >= 1, got {test_per_class}")
    if train_per_class is not None and train_per_class < 1:
        raise AsebenchError(f"train_per_class must be >= 1, got {train_per_class}")


def _target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise AsebenchError(f"cannot export the digits to {str(out)!r}: it is a file")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise AsebenchError(
            f"{str(out)!r} already exists and is not empty; choose another folder or use --force")
    parent = out.resolve().parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise AsebenchError(f"cannot export the digits to {str(out)!r}: {str(probe)!r} is not a "
                            "writable folder")


def _to_image(pixels: np.ndarray, size: int) -> Any:
    from PIL import Image

    grey = np.clip(np.rint(pixels * (255.0 / 16.0)), 0, 255).astype(np.uint8)
    img = Image.fromarray(grey, mode="L")
    if size != grey.shape[0]:
        img = img.resize((size, size), Image.Resampling.BILINEAR)
    return img.convert("RGB")


def _write_split(root: Path, split: str, images: np.ndarray, labels: np.ndarray,
                 rows: np.ndarray, size: int) -> tuple[int, ...]:
    counts = [0] * NUM_CLASSES
    for digit in range(NUM_CLASSES):
        (root / split / str(digit)).mkdir(parents=True)
    for row in rows.tolist():
        digit = int(labels[row])
        _to_image(images[row], size).save(root / split / str(digit) / f"{row:04d}.png",
                                          optimize=False)
        counts[digit] += 1
    return tuple(counts)


def folder_sha256(root: str | os.PathLike[str]) -> str:
    """Checksum over the relative paths and bytes of every image file under ``root``."""
    digest = hashlib.sha256()
    base = Path(root)
    for path in sorted(p for p in base.rglob("*.png")):
        digest.update(path.relative_to(base).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def export_digits(out: str | os.PathLike[str], size: int = 32, test_per_class: int = 50,
                  train_per_class: int | None = None, seed: int = 0,
                  force: bool = False) -> DigitsExport:
    """Write the digits as ``out/train/<digit>/*.png`` and ``out/test/<digit>/*.png``.

    Args:
        out: the folder to create (must be absent or empty unless ``force``).
        size: image side in pixels (the ``tiny`` supernet preset takes 32).
        test_per_class: held-out test images per class (50: 500 in all).
        train_per_class: keep at most this many training images per class (None: all the
            rest, 1,297 in all with the default split).
        seed: seed of the split.
        force: replace an existing export in ``out``.

    Raises:
        AsebenchError: bad sizes, ``out`` not writable or not empty, scikit-learn missing.
    """
    _check(size, test_per_class, train_per_class)
    target = Path(out)
    _target(target, force)
    images, labels = load_digits_arrays()
    train_rows, test_rows = split_indices(labels, test_per_class, train_per_class, seed)
    try:
        target.resolve().parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_directory(target)
    except OSError as exc:
        raise AsebenchError(f"cannot create {str(target)!r}: {exc.strerror or exc}") from None
    try:
        train_counts = _write_split(tmp, "train", images, labels, train_rows, size)
        test_counts = _write_split(tmp, "test", images, labels, test_rows, size)
        digest = folder_sha256(tmp)
        result = DigitsExport(str(target), size, train_counts, test_counts, seed, digest)
        manifest: Mapping[str, Any] = {
            "source": "sklearn.datasets.load_digits (UCI optdigits; see asebench.digits)",
            "size": size, "test_per_class": test_per_class, "train_per_class": train_per_class,
            **{k: v for k, v in asdict(result).items() if k != "root"}}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        publish_directory(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def read_manifest(root: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``digits.json`` of an export, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((Path(root) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
