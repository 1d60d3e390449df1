"""Real benchmark images without a download: the MNIST family (Fashion-MNIST, MNIST, KMNIST)
from their IDX files, checked, and exported as the live backend's image folder.

>>> from asebench.datasets import export_idx
>>> export_idx("fashion-mnist", "build/fashion", train_per_class=500)  # doctest: +SKIP

Needs numpy only to read; the export writes PNGs with Pillow (the ``live`` extra).
"""

from __future__ import annotations

from asebench.datasets._export import IdxExport, export_idx, per_class_rows, read_idx_manifest
from asebench.datasets._idx import IMAGES_MAGIC, LABELS_MAGIC, IdxArray, parse_idx, read_idx
from asebench.datasets._mnist import (
    DATASETS,
    FILES,
    IdxData,
    IdxDataset,
    IdxSplit,
    get_dataset,
    load_idx_dataset,
    locate_files,
)

__all__ = ["DATASETS", "FILES", "IMAGES_MAGIC", "LABELS_MAGIC", "IdxArray", "IdxData",
           "IdxDataset", "IdxExport", "IdxSplit", "export_idx", "get_dataset",
           "load_idx_dataset", "locate_files", "parse_idx", "per_class_rows", "read_idx",
           "read_idx_manifest"]
