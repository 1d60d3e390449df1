"""The report's interactive figures, built with plotly and handed to the page as JSON: the
anytime curves (mean with a standard-error band, one panel per dataset) and the spread of
the final test accuracy (one box per method and dataset).

Every trace carries its method label as ``legendgroup``, so one click on a legend entry
hides the method in every panel.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from asebench.report._curves import AXES, Axis

__all__ = ["FONT", "PALETTE", "color_of", "curves_figure", "dataset_title",
           "distribution_figure"]

PALETTE = ("#e15759", "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#9c755f",
           "#ff9da7", "#edc948", "#79706e")
"""Method colours in study order (Tableau 10, red first: the study's first method is
usually ASE-NAS, drawn red as in the paper)."""

FONT = ('-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
        '"Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif')
"""System fonts only: the page loads no web font."""

_DATASET_TITLES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100",
                   "ImageNet16-120": "ImageNet16-120"}
_COLUMNS_PER_ROW = 3
_PANEL_HEIGHT = 340


def dataset_title(dataset: str) -> str:
    """``cifar10`` -> ``CIFAR-10``; other names unchanged."""
    return _DATASET_TITLES.get(dataset, dataset)


def color_of(labels: Sequence[str], label: str) -> str:
    """The colour of ``label`` among ``labels`` (its position in study order)."""
    return PALETTE[list(labels).index(label) % len(PALETTE)]


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _numbers(values: Any, digits: int = 4) -> list[float | None]:
    """Plain rounded floats (JSON-safe: NaN becomes null); a page needs no float64 digits."""
    out: list[float | None] = []
    for value in np.asarray(values, dtype=np.float64):
        out.append(None if not math.isfinite(value) else round(float(value), digits))
    return out


def _grid(datasets: Sequence[str]) -> tuple[int, int]:
    cols = min(len(datasets), _COLUMNS_PER_ROW) or 1
    return math.ceil(len(datasets) / cols) or 1, cols


def _subplots(datasets: Sequence[str], x_title: str, y_title: str) -> Any:
    from plotly.subplots import make_subplots

    rows, cols = _grid(datasets)
    figure = make_subplots(rows=rows, cols=cols,
                           subplot_titles=[dataset_title(d) for d in datasets],
                           horizontal_spacing=0.07 if cols > 1 else 0.0,
                           vertical_spacing=0.16 / rows if rows > 1 else 0.0)
    figure.update_layout(
        template="plotly_white", font={"family": FONT, "size": 13, "color": "#1f2933"},
        height=_PANEL_HEIGHT * rows + 110, margin={"l": 64, "r": 24, "t": 70, "b": 48},
        legend={"orientation": "h", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "top",
                "yref": "container", "font": {"size": 13}, "itemclick": "toggle",
                "itemdoubleclick": "toggleothers"},
        hoverlabel={"font": {"family": FONT}}, paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff")
    figure.update_annotations(font={"size": 14, "color": "#1f2933"})
    for index in range(len(datasets)):
        row, col = divmod(index, cols)
        figure.update_xaxes(title_text=x_title if row == rows - 1 else None,
                            row=row + 1, col=col + 1, showline=True, linecolor="#c5ccd3",
                            gridcolor="#eef1f4", zeroline=False)
        figure.update_yaxes(title_text=y_title if col == 0 else None, row=row + 1,
                            col=col + 1, showline=True, linecolor="#c5ccd3",
                            gridcolor="#eef1f4", zeroline=False)
    return figure


def _as_json(figure: Any) -> dict[str, Any]:
    from plotly.io import to_json

    parsed: dict[str, Any] = json.loads(to_json(figure, validate=False))
    return parsed


def _focus(curves: pd.DataFrame, skip: float = 0.05) -> list[float] | None:
    """The y range of one panel that leaves out the first ``skip`` of the x axis, where
    every curve starts far below where it ends (the autoscale button shows it all)."""
    if curves.empty:
        return None
    late = curves[curves["x"] >= skip * float(curves["x"].max())]
    low = (late["mean"] - late["sem"]).to_numpy(np.float64)
    high = (curves["mean"] + curves["sem"]).to_numpy(np.float64)
    if not (np.isfinite(low).any() and np.isfinite(high).any()):
        return None
    lo, hi = float(np.nanmin(low)), float(np.nanmax(high))
    pad = 0.06 * (hi - lo) if hi > lo else 1.0
    return [round(lo - pad, 4), round(hi + pad, 4)]


def curves_figure(curves: pd.DataFrame, axis: Axis, labels: Sequence[str],
                  names: dict[str, str], datasets: Sequence[str]) -> dict[str, Any]:
    """Anytime curves as a plotly figure (JSON dict): per dataset a panel, per method the
    mean incumbent test accuracy and a +-1 standard error band; hover shows the values.

    Args:
        curves: :func:`asebench.report._curves.anytime_grid` output.
        axis: the x axis the curves are on.
        labels: methods in study order (sets the colours and the legend order).
        names: label -> display name.
        datasets: panels in order.
    """
    import plotly.graph_objects as go

    figure = _subplots(datasets, AXES[axis], "incumbent test accuracy (%)")
    _, cols = _grid(datasets)
    x_format = ",.0f"
    for label in labels:
        color, shown = color_of(labels, label), False
        for index, dataset in enumerate(datasets):
            rows = curves[(curves["label"] == label) & (curves["dataset"] == dataset)]
            if rows.empty:
                continue
            row, col = divmod(index, cols)
            where = {"row": row + 1, "col": col + 1}
            x = _numbers(rows["x"], 2)
            mean, sem = rows["mean"].to_numpy(), rows["sem"].to_numpy()
            common = {"legendgroup": label, "showlegend": False, "hoverinfo": "skip",
                      "mode": "lines", "line": {"width": 0}}
            figure.add_trace(go.Scatter(x=x, y=_numbers(mean + sem), **common), **where)
            figure.add_trace(go.Scatter(x=x, y=_numbers(mean - sem), fill="tonexty",
                                        fillcolor=_rgba(color, 0.16), **common), **where)
            figure.add_trace(go.Scatter(
                x=x, y=_numbers(mean), mode="lines", name=names.get(label, label),
                legendgroup=label, showlegend=not shown, line={"color": color, "width": 2},
                customdata=[[s, int(n)] for s, n in zip(_numbers(sem), rows["n"])],
                hovertemplate=(f"%{{y:.2f}} ± %{{customdata[0]:.2f}} "
                               f"(n = %{{customdata[1]}})<extra>{names.get(label, label)}"
                               "</extra>")), **where)
            shown = True
    for index, dataset in enumerate(datasets):
        row, col = divmod(index, cols)
        focus = _focus(curves[curves["dataset"] == dataset])
        if focus is not None:
            figure.update_yaxes(range=focus, row=row + 1, col=col + 1)
    figure.update_layout(hovermode="x unified")
    figure.update_xaxes(tickformat=x_format, hoverformat=x_format)
    return _as_json(figure)


def distribution_figure(runs: pd.DataFrame, labels: Sequence[str], names: dict[str, str],
                        datasets: Sequence[str], column: str = "test_accuracy"
                        ) -> dict[str, Any]:
    """The final ``column`` of every run as boxes (median, quartiles, mean dashed; every
    run drawn for small studies, the outliers for larger), one panel per dataset."""
    import plotly.graph_objects as go

    figure = _subplots(datasets, "", "final test accuracy (%)")
    _, cols = _grid(datasets)
    for label in labels:
        color, shown = color_of(labels, label), False
        for index, dataset in enumerate(datasets):
            values = runs.loc[(runs["label"] == label) & (runs["dataset"] == dataset), column]
            if values.empty:
                continue
            row, col = divmod(index, cols)
            name = names.get(label, label)
            figure.add_trace(go.Box(
                y=_numbers(values), name=name, legendgroup=label, showlegend=not shown,
                marker={"color": color, "size": 4, "opacity": 0.7}, line={"width": 1.5},
                fillcolor=_rgba(color, 0.25), boxmean=True,
                boxpoints="all" if len(values) <= 40 else "outliers", jitter=0.35,
                pointpos=0.0, hoverinfo="y+name"), row=row + 1, col=col + 1)
            shown = True
    figure.update_xaxes(showticklabels=False)
    figure.update_layout(boxgap=0.25, margin={"b": 20}, height=figure.layout.height - 28)
    return _as_json(figure)
