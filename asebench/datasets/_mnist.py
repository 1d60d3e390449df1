"""The MNIST family (Fashion-MNIST, MNIST, KMNIST) read from their four IDX files, checked.

Every dataset of the family is four files in one folder (gzipped or not)::

    train-images-idx3-ubyte[.gz]  60,000 x 28 x 28 images    t10k-images-idx3-ubyte[.gz]  10,000
    train-labels-idx1-ubyte[.gz]  60,000 labels 0-9          t10k-labels-idx1-ubyte[.gz]  10,000

Reading one checks the magic numbers, the image shape (28 x 28), the counts, the label range
and, where this module records them, the sha256 of each file's DECOMPRESSED bytes (Debian
recompresses the ``.gz`` files, so checksums of the compressed files would not carry over).
Fashion-MNIST's are recorded (from Debian's ``dataset-fashion-mnist``, which puts the files in
``/usr/share/datasets/fashion-mnist/``); MNIST and KMNIST have no Debian package to take them
from, so their files are checked for structure only and reported as unverified. Nothing is
ever downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from asebench.datasets._idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from asebench.errors import AsebenchError

__all__ = ["IdxDataset", "IdxSplit", "IdxData", "DATASETS", "FILES", "SIDE", "NUM_CLASSES",
           "get_dataset", "locate_files", "load_idx_dataset"]

SIDE = 28
NUM_CLASSES = 10

FILES: dict[str, tuple[str, int]] = {
    "train-images": ("train-images-idx3-ubyte", IMAGES_MAGIC),
    "train-labels": ("train-labels-idx1-ubyte", LABELS_MAGIC),
    "test-images": ("t10k-images-idx3-ubyte", IMAGES_MAGIC),
    "test-labels": ("t10k-labels-idx1-ubyte", LABELS_MAGIC),
}
"""File key -> (file name without ``.gz``, magic number)."""


@dataclass(frozen=True)
class IdxDataset:
    """One dataset of the MNIST family: what its files must hold.

    Attributes:
        name: the command-line name (``fashion-mnist``).
        title: the name in prose.
        classes: class names, by label.
        source: provenance (and licence where known), one line.
        default_dir: where its files are when ``--data`` is not given (None: it must be).
        debian_package: the Debian package that installs them there, if there is one.
        counts: images per split (``train``, ``test``).
        sha256: file key -> sha256 of the decompressed file; empty: unverified.
        mirror_safe: a mirrored image keeps its class (clothes do; digits and characters do
            not), so random horizontal flips are a fair augmentation.
    """

    name: str
    title: str
    classes: tuple[str, ...]
    source: str
    default_dir: str | None = None
    debian_package: str | None = None
    counts: Mapping[str, int] = field(default_factory=lambda: {"train": 60_000, "test": 10_000})
    sha256: Mapping[str, str] = field(default_factory=dict)
    mirror_safe: bool = False

    @property
    def verified(self) -> bool:
        """Whether every file's contents are checked against a recorded checksum."""
        return set(self.sha256) == set(FILES)

    def hint(self) -> str:
        """Where to get the files, for error messages."""
        if self.debian_package is not None and self.default_dir is not None:
            return (f"on Debian: apt-get install {self.debian_package} (puts them in "
                    f"{self.default_dir}), or point --data at a folder holding them")
        return "point --data at a folder holding them"


DATASETS: dict[str, IdxDataset] = {
    "fashion-mnist": IdxDataset(
        "fashion-mnist", "Fashion-MNIST",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
         "Bag", "Ankle boot"),
        "Fashion-MNIST (H. Xiao, K. Rasul, R. Vollgraf, 2017; Zalando SE, MIT licence), as "
        "packaged by Debian (dataset-fashion-mnist)",
        default_dir="/usr/share/datasets/fashion-mnist", debian_package="dataset-fashion-mnist",
        sha256={
            "train-images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "test-images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "test-labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        }, mirror_safe=True),
    "mnist": IdxDataset(
        "mnist", "MNIST", tuple(str(d) for d in range(NUM_CLASSES)),
        "MNIST (Y. LeCun, C. Cortes, C. J. C. Burges); the terms are those of the copy used"),
    "kmnist": IdxDataset(
        "kmnist", "KMNIST",
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        "KMNIST (T. Clanuwat et al., 2018; ROIS-DS CODH); the terms are those of the copy used"),
}
"""The datasets this module knows, by command-line name."""


@dataclass(frozen=True)
class IdxSplit:
    """``images`` uint8 ``(N, 28, 28)`` and ``labels`` int64 ``(N,)`` of one split."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class IdxData:
    """A dataset read from its files.

    Attributes:
        dataset: what was read.
        folder: the folder the files came from.
        train, test: the official splits.
        files: file key -> the path read.
        sha256: file key -> sha256 of its decompressed contents.
    """

    dataset: IdxDataset
    folder: str
    train: IdxSplit
    test: IdxSplit
    files: Mapping[str, str]
    sha256: Mapping[str, str]

    @property
    def verified(self) -> bool:
        return self.dataset.verified


def get_dataset(name: str) -> IdxDataset:
    """The known dataset ``name`` (``fashion-mnist``, ``mnist``, ``kmnist``)."""
    try:
        return DATASETS[name]
    except KeyError:
        raise AsebenchError(f"unknown IDX dataset {name!r}; choose one of "
                            f"{', '.join(DATASETS)}") from None


def locate_files(dataset: IdxDataset, folder: str | os.PathLike[str] | None = None
                 ) -> dict[str, Path]:
    """File key -> the path of each of the four files in ``folder`` (default: the dataset's
    default folder), the gzipped one where both are there.

    Raises:
        AsebenchError: no folder given and no default, the folder is missing, or it lacks
            any of the four files (all missing ones are named).
    """
    if folder is None:
        if dataset.default_dir is None:
            raise AsebenchError(f"{dataset.title} has no default folder: give --data DIR "
                                f"with its four IDX files")
        folder = dataset.default_dir
    base = Path(folder)
    if not base.is_dir():
        raise AsebenchError(f"{dataset.title} folder {str(base)!r} does not exist "
                            f"({dataset.hint()})")
    found: dict[str, Path] = {}
    missing: list[str] = []
    for key, (name, _) in FILES.items():
        for candidate in (base / f"{name}.gz", base / name):
            if candidate.is_file():
                found[key] = candidate
                break
        else:
            missing.append(f"{name}[.gz]")
    if missing:
        raise AsebenchError(f"{dataset.title} folder {str(base)!r} lacks {', '.join(missing)} "
                            f"(it needs the four IDX files; {dataset.hint()})")
    return found


def _split(dataset: IdxDataset, files: Mapping[str, Path], split: str,
           sha: dict[str, str]) -> IdxSplit:
    images = read_idx(files[f"{split}-images"], IMAGES_MAGIC)
    labels = read_idx(files[f"{split}-labels"], LABELS_MAGIC)
    expected = dataset.counts[split]
    what = f"the {dataset.title} {'training' if split == 'train' else 'test'} split"
    if images.data.shape[1:] != (SIDE, SIDE):
        raise AsebenchError(f"{images.path!r} holds images of "
                            f"{' x '.join(map(str, images.data.shape[1:]))} pixels, expected "
                            f"{SIDE} x {SIDE} ({what})")
    for array, noun in ((images, "images"), (labels, "labels")):
        if len(array.data) != expected:
            raise AsebenchError(f"{array.path!r} holds {len(array.data):,} {noun}, expected "
                                f"{expected:,} ({what})")
    for key, array in ((f"{split}-images", images), (f"{split}-labels", labels)):
        recorded = dataset.sha256.get(key)
        if recorded is not None and array.sha256 != recorded:
            raise AsebenchError(
                f"{array.path!r} is not the {dataset.title} file {FILES[key][0]}: its "
                f"decompressed sha256 is {array.sha256[:16]}..., recorded {recorded[:16]}...")
        sha[key] = array.sha256
    bad = np.flatnonzero(labels.data >= NUM_CLASSES)
    if len(bad):
        raise AsebenchError(f"{labels.path!r} has label {int(labels.data[bad[0]])} at row "
                            f"{int(bad[0])}, outside 0-{NUM_CLASSES - 1}")
    return IdxSplit(images.data, labels.data.astype(np.int64))


def load_idx_dataset(dataset: IdxDataset | str, folder: str | os.PathLike[str] | None = None
                     ) -> IdxData:
    """Read and check a dataset's four IDX files (see the module docstring).

    Raises:
        AsebenchError: a file is missing, unreadable, truncated, of the wrong kind or shape,
            holds the wrong number of images or labels, a label outside 0-9, or contents
            whose checksum differs from the recorded one.
    """
    spec = get_dataset(dataset) if isinstance(dataset, str) else dataset
    files = locate_files(spec, folder)
    sha: dict[str, str] = {}
    train = _split(spec, files, "train", sha)
    test = _split(spec, files, "test", sha)
    return IdxData(spec, str(files["train-images"].parent), train, test,
                   {k: str(v) for k, v in files.items()}, sha)
