"""What the page carries inside itself: plotly.js and the report's data, each gzip-compressed
and base64-encoded into a ``<script type="application/octet-stream">`` data block that the
browser unpacks with its own ``DecompressionStream``.

Why compressed: plotly.js alone is about 4.8 MB; gzip makes it about 1.5 MB (2 MB as
base64), which keeps the page of a 500-seed Table-I study (8,500 runs) well below 5 MB. The
bytes are deterministic (gzip without a timestamp), so the same study gives the same page.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["pack", "pack_json", "plotly_js", "runs_payload"]


def pack(text: str) -> str:
    """``text`` as UTF-8, gzip-compressed (no timestamp), base64-encoded."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), 9, mtime=0)).decode("ascii")


def pack_json(value: Any) -> str:
    """:func:`pack` of ``value`` as compact JSON (NaN is not allowed: pass None)."""
    return pack(json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False))


@functools.cache
def plotly_js() -> tuple[str, str]:
    """``(plotly.js version, packed bundle)`` of the plotly.js the installed plotly ships."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    return str(get_plotlyjs_version()), pack(get_plotlyjs())


def _column(values: pd.Series, digits: int) -> list[float | None]:
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    return [None if not math.isfinite(v) else round(float(v), digits) for v in array]


def _integers(values: pd.Series) -> list[int | None]:
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    return [None if not math.isfinite(v) else int(v) for v in array]


def _shown_digits(values: Sequence[float | None]) -> int:
    """2 decimals for percentages, 4 for values in [0, 1] (a benchmark reporting fractions)."""
    finite = [abs(v) for v in values if v is not None]
    return 4 if finite and max(finite) <= 1.5 else 2


def runs_payload(runs: pd.DataFrame, labels: Sequence[str], datasets: Sequence[str]
                 ) -> dict[str, Any]:
    """The per-run table, column-wise with labels, datasets and archs as indices into lists
    (a study repeats a few of each thousands of times).

    Args:
        runs: columns ``label, dataset, seed, arch, reward, test_accuracy, queries``.
        labels, datasets: the study order of those columns' values (rows follow it).
    """
    order = {label: i for i, label in enumerate(labels)}
    rank = {dataset: i for i, dataset in enumerate(datasets)}
    frame = runs.assign(_l=runs["label"].map(order), _d=runs["dataset"].map(rank))
    frame = frame.dropna(subset=["_l", "_d"]).sort_values(["_l", "_d", "seed"], kind="stable")
    archs = frame["arch"].astype(str)
    unique = list(dict.fromkeys(archs))
    index = {arch: i for i, arch in enumerate(unique)}
    reward, test = _column(frame["reward"], 4), _column(frame["test_accuracy"], 4)
    return {
        "labels": list(labels), "datasets": list(datasets), "archs": unique,
        "l": [int(x) for x in frame["_l"]], "d": [int(x) for x in frame["_d"]],
        "s": _integers(frame["seed"]), "a": [index[a] for a in archs],
        "r": reward, "t": test, "q": _integers(frame["queries"]),
        "digits": {"r": _shown_digits(reward), "t": _shown_digits(test)},
    }
