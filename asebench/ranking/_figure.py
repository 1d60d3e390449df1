"""The critical-difference diagram (scikit-posthocs' ``critical_difference_diagram``) and its
PNG and PDF bytes, the same on every rerun."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["cd_figure", "figure_bytes"]


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """``fig`` as PNG or PDF bytes, without the software and date stamps that would make two
    runs differ (the metadata the report figures use)."""
    buffer = io.BytesIO()
    metadata = {"CreationDate": None} if fmt == "pdf" else {"Software": None}
    fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def cd_figure(mean_ranks: pd.Series, p_values: pd.DataFrame, cd: float, alpha: float,
              colors: dict[str, str], title: str) -> Figure:
    """The diagram: each method at its average rank (1, the best, on the left), a thick bar
    joining methods whose pairwise Nemenyi p-value is at least ``alpha``, and a segment as
    long as the critical difference above the axis.

    Args:
        mean_ranks: display name -> average rank.
        p_values: display name x display name, the Nemenyi p-values.
        cd: the critical difference (drawn, and written on the figure).
        alpha: the significance level the bars use.
        colors: display name -> colour.
        title: the line above the diagram.
    """
    import scikit_posthocs

    from asebench.figures._style import paper_style

    k = len(mean_ranks)
    with paper_style():
        fig = Figure(figsize=(7.0, 2.0), layout="constrained")
        ax = fig.subplots()
        artists = scikit_posthocs.critical_difference_diagram(
            mean_ranks, p_values, alpha=alpha, ax=ax, color_palette=colors,
            label_fmt_left="{label} ({rank:.2f})", label_fmt_right="({rank:.2f}) {label}",
            label_props={"fontsize": 7}, crossbar_props={"linewidth": 2.5})
        # each bar's points come from a set of names, in an order that varies with the
        # string hash seed of the process: sorted, the PNG and PDF are the same on every run
        for bar in artists["crossbars"]:
            for line in bar:
                line.set_xdata(sorted(line.get_xdata()))
        ax.grid(False)
        ax.set_xlim(1 - 0.02 * k, k + 0.02 * k)
        ax.set_xticks(range(1, k + 1))
        # the library draws in data units: the axis at y = 0, one unit per label row below
        bottom = min(min(line.get_ydata()) for line in artists["elbows"]) - 0.7
        top = 2.1
        ax.set_ylim(bottom, top)
        fig.set_size_inches(7.0, 0.5 + 0.17 * (top - bottom))
        left = 1.0
        ax.plot([left, left + cd], [1.35, 1.35], color="k", linewidth=1.2)
        ax.plot([left, left], [1.2, 1.5], color="k", linewidth=1.2)
        ax.plot([left + cd, left + cd], [1.2, 1.5], color="k", linewidth=1.2)
        ax.text(left + cd / 2, 1.55, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=7)
        ax.set_title(title, fontsize=8)
    return fig
