"""An MNIST-family dataset as the image folder the live backend reads.

The layout written (``DIR``)::

    DIR/train/<label>/<row>.png   the training pool (the supernet's --data DIR)
    DIR/test/<label>/<row>.png    the official test split, never trained, searched or selected on
    DIR/<name>.json               what was written: source files and checksums, options, counts

``<row>`` is the image's row in its official IDX file (``train`` rows in the training file,
``test`` rows in the test file: the official split is kept as it is). ``train_per_class``
keeps that many training images of each class (a seeded permutation per class, seed 0 by
default), ``test_per_class`` likewise for the test split (default: all 10,000). Each 28 x 28
image is zero-padded by ``pad`` pixels on every side (the background is 0 in the whole family;
the default 2 gives the 32 px the ``tiny`` supernet preset takes, as LeNet-5 padded MNIST),
then resized (bilinear) to ``size`` if that differs, and stored as a greyscale PNG (the reader
replicates grey to three channels). The export goes to a temporary sibling folder renamed into
place, so ``DIR`` is either complete or absent.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from asebench._atomic import publish_directory, temp_directory
from asebench.datasets._mnist import (
    NUM_CLASSES,
    SIDE,
    IdxDataset,
    IdxSplit,
    get_dataset,
    load_idx_dataset,
)
from asebench.digits import folder_sha256
from asebench.errors import AsebenchError

__all__ = ["IdxExport", "export_idx", "read_idx_manifest", "per_class_rows"]


@dataclass(frozen=True)
class IdxExport:
    """What :func:`export_idx` wrote.

    Attributes:
        root: the export folder.
        dataset: the dataset's name.
        size: image side in pixels.
        train_counts, test_counts: images per class in each split.
        verified: whether the source files matched recorded checksums.
        sha256: checksum over every image file's relative path and bytes.
    """

    root: str
    dataset: str
    size: int
    train_counts: tuple[int, ...]
    test_counts: tuple[int, ...]
    verified: bool
    sha256: str

    @property
    def num_train(self) -> int:
        return sum(self.train_counts)

    @property
    def num_test(self) -> int:
        return sum(self.test_counts)


def per_class_rows(labels: np.ndarray, per_class: int | None, seed: int) -> np.ndarray:
    """Sorted rows keeping ``per_class`` of each class (a seeded permutation per class);
    every row when ``per_class`` is None."""
    if per_class is None:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    keep = []
    for label in range(NUM_CLASSES):
        rows = np.flatnonzero(labels == label)
        if per_class > len(rows):
            raise AsebenchError(f"asked for {per_class} images of class {label} but the split "
                                f"has only {len(rows)}")
        keep.append(rows[rng.permutation(len(rows))[:per_class]])
    return np.sort(np.concatenate(keep))


def _check(size: int, pad: int, train_per_class: int | None,
           test_per_class: int | None) -> None:
    if not 8 <= size <= 512:
        raise AsebenchError(f"image size must be 8..512 pixels, got {size}")
    if not 0 <= pad <= 64:
        raise AsebenchError(f"pad must be 0..64 pixels, got {pad}")
    for name, value in (("train_per_class", train_per_class),
                        ("test_per_class", test_per_class)):
        if value is not None and value < 1:
            raise AsebenchError(f"{name} must be >= 1, got {value}")


def _target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise AsebenchError(f"cannot export to {str(out)!r}: it is a file")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise AsebenchError(
            f"{str(out)!r} already exists and is not empty; choose another folder or use --force")
    probe = out.resolve().parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise AsebenchError(f"cannot export to {str(out)!r}: {str(probe)!r} is not a writable "
                            "folder")


def _write_split(root: Path, split: str, data: IdxSplit, rows: np.ndarray, size: int,
                 pad: int) -> tuple[int, ...]:
    from PIL import Image

    counts = [0] * NUM_CLASSES
    for label in range(NUM_CLASSES):
        (root / split / str(label)).mkdir(parents=True)
    padded = SIDE + 2 * pad
    for row in rows.tolist():
        label = int(data.labels[row])
        pixels = np.pad(data.images[row], pad) if pad else data.images[row]
        img = Image.fromarray(np.ascontiguousarray(pixels))
        if size != padded:
            img = img.resize((size, size), Image.Resampling.BILINEAR)
        img.save(root / split / str(label) / f"{row:05d}.png", optimize=False)
        counts[label] += 1
    return tuple(counts)


def export_idx(dataset: IdxDataset | str, out: str | os.PathLike[str],
               data: str | os.PathLike[str] | None = None, size: int = 32, pad: int = 2,
               train_per_class: int | None = None, test_per_class: int | None = None,
               seed: int = 0, force: bool = False) -> IdxExport:
    """Write an MNIST-family dataset as ``out/train/<label>/*.png`` and ``out/test/...``.

    Args:
        dataset: ``fashion-mnist``, ``mnist``, ``kmnist`` or an :class:`IdxDataset`.
        out: the folder to create (must be absent or empty unless ``force``).
        data: the folder of the four IDX files (default: the dataset's default folder).
        size: image side in pixels after padding (the tiny supernet preset takes 32).
        pad: zero pixels added on every side of the 28 x 28 image before any resizing.
        train_per_class: keep this many training images per class (None: all 60,000).
        test_per_class: keep this many test images per class (None: all 10,000).
        seed: seed of the per-class subsets.
        force: replace an existing export in ``out``.

    Raises:
        AsebenchError: bad options, ``out`` not writable or not empty, or any problem with
            the IDX files (:func:`asebench.datasets.load_idx_dataset`); nothing is written.
    """
    spec = get_dataset(dataset) if isinstance(dataset, str) else dataset
    _check(size, pad, train_per_class, test_per_class)
    target = Path(out)
    _target(target, force)
    source = load_idx_dataset(spec, data)
    train_rows = per_class_rows(source.train.labels, train_per_class, seed)
    test_rows = per_class_rows(source.test.labels, test_per_class, seed)
    try:
        target.resolve().parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_directory(target)
    except OSError as exc:
        raise AsebenchError(f"cannot create {str(target)!r}: {exc.strerror or exc}") from None
    try:
        train_counts = _write_split(tmp, "train", source.train, train_rows, size, pad)
        test_counts = _write_split(tmp, "test", source.test, test_rows, size, pad)
        result = IdxExport(str(target), spec.name, size, train_counts, test_counts,
                           spec.verified, folder_sha256(tmp))
        manifest: dict[str, Any] = {
            "dataset": spec.name, "title": spec.title, "source": spec.source,
            "classes": list(spec.classes), "files": dict(source.files),
            "files_sha256": dict(source.sha256), "verified": spec.verified,
            "size": size, "pad": pad, "train_per_class": train_per_class,
            "test_per_class": test_per_class, "seed": seed,
            "train_counts": list(train_counts), "test_counts": list(test_counts),
            "sha256": result.sha256}
        (tmp / f"{spec.name}.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                               encoding="utf-8")
        publish_directory(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def read_idx_manifest(root: str | os.PathLike[str], name: str) -> dict[str, Any] | None:
    """The ``<name>.json`` of an export, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((Path(root) / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
