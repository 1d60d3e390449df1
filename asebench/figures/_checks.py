"""Input checks shared by the figure functions (done once, at the public edge)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from asebench.errors import AsebenchError

__all__ = ["require_columns"]


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise a one-line error if ``frame`` is empty or lacks any of ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise AsebenchError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AsebenchError(f"{what}: missing column(s) {', '.join(missing)}")
    if frame.empty:
        raise AsebenchError(f"{what}: no rows to plot")
