"""Collect per-architecture records into the arrays of a benchmark table.

Scalars become ``(N,)`` float64 columns, per-seed lists ``(N, S)`` float64 columns, left-aligned
(slot ``j < n`` holds a value, the rest NaN: the tabular backend draws ``slot < count``), where
``S`` grows to the largest number of seeds seen. ``n_seeds_*`` columns are stored as int8 like
the embedded table. Values are kept in float64 so a reward or cost equals what the official API
returns bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from asebench.tables.importers._extract import Record

__all__ = ["Columns"]

_INT_PREFIX = "n_seeds_"


class Columns:
    """A growing set of columns for ``n_rows`` architectures."""

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows
        self.arrays: dict[str, np.ndarray] = {}

    def _array(self, key: str, width: int | None) -> np.ndarray:
        array = self.arrays.get(key)
        if array is None:
            shape = (self.n_rows,) if width is None else (self.n_rows, max(width, 1))
            array = np.full(shape, np.nan, dtype=np.float64)
            self.arrays[key] = array
        elif width is not None and array.shape[1] < width:
            grown = np.full((self.n_rows, width), np.nan, dtype=np.float64)
            grown[:, : array.shape[1]] = array
            self.arrays[key] = array = grown
        return array

    def add(self, row: int, record: Record) -> None:
        """Store one architecture's values in row ``row``."""
        for key, value in record.items():
            if isinstance(value, list):
                present = [np.nan if v is None else float(v) for v in value]
                self._array(key, len(present))[row, : len(present)] = present
            else:
                self._array(key, None)[row] = np.nan if value is None else float(value)

    def merge(self, rows: Iterable[int] | np.ndarray, arrays: Mapping[str, np.ndarray]) -> None:
        """Copy the rows of another :class:`Columns` (e.g. a worker's chunk) into ``rows``."""
        rows = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows)
        for key, array in arrays.items():
            width = None if array.ndim == 1 else array.shape[1]
            target = self._array(key, width)
            if array.ndim == 1:
                target[rows] = array
            else:
                target[rows, : array.shape[1]] = array

    def finish(self) -> tuple[dict[str, np.ndarray], dict[str, int]]:
        """``(arrays, coverage)``: arrays without all-NaN columns; coverage lists the columns
        that some architectures lack (number of architectures that have a value)."""
        out: dict[str, np.ndarray] = {}
        coverage: dict[str, int] = {}
        for key in sorted(self.arrays):
            array = self.arrays[key]
            present = ~np.isnan(array) if array.ndim == 1 else ~np.isnan(array).all(axis=1)
            count = int(present.sum())
            if count == 0:
                continue
            if count < self.n_rows:
                coverage[key] = count
            if key.rpartition("/")[2].startswith(_INT_PREFIX):
                array = np.nan_to_num(array, nan=0.0).astype(np.int8)
            out[key] = array
        return out, coverage
