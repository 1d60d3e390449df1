"""What the live demo measured: the one result type the pipeline makes and the report reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from asebench.livedemo._config import DemoConfig

__all__ = ["DemoResult"]


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` measured (the same numbers are in the report's CSVs)."""

    out: str
    supernet: pd.DataFrame
    ranking: pd.DataFrame
    fidelity: Mapping[str, float]
    runs: pd.DataFrame
    queried: pd.DataFrame
    history: pd.DataFrame
    cap: float
    timings: Mapping[str, float]
    config: DemoConfig
    study: str = ""
    """The search's study folder (``asebench verify`` checks it, :func:`asebench.analysis.load`
    reads it)."""
