"""Table I caption: what the study says about the paper's main claim."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from asebench.figures._style import dataset_name, display_name

__all__ = ["caption_table1"]


def caption_table1(tables: pd.DataFrame | Sequence[pd.DataFrame], alpha: float = 0.01) -> str:
    """Two-line caption for ``asebench.analysis.table1`` output, one or several references.

    Args:
        tables: Table I frames of one study, each with its own ``attrs["reference"]`` (e.g.
            ``ase`` and ``ase[lr=0.001]``).
        alpha: significance level of the paired tests.
    """
    frames = [tables] if isinstance(tables, pd.DataFrame) else list(tables)
    line1 = ("Test accuracy (mean ± std over paired seeds) of every method, the paper's numbers "
             "beside ours, and paired Wilcoxon tests against each ASE-NAS variant (table1.md).")
    parts = []
    for table in frames:
        reference = table.attrs.get("reference", "ase")
        name = display_name(str(reference))
        for dataset, rows in table.groupby("dataset", sort=False):
            ref = rows[rows["label"] == reference]
            if ref.empty:
                continue
            ref_row = ref.iloc[0]
            others = rows[rows["label"] != reference]
            best = rows.nlargest(1, "mean").iloc[0]
            beaten = others[(others["diff_mean"] < 0) & (others["p_value"] < alpha)]
            paper = ref_row["paper_mean"]
            text = (f"{name} on {dataset_name(str(dataset))}: {ref_row['mean']:.2f}"
                    + (f" (paper {paper:.2f})" if pd.notna(paper) else "")
                    + f", significantly above {len(beaten)}/{len(others)} others (p<{alpha})")
            if best["label"] != reference:
                text += f", best is {display_name(str(best['label']))} ({best['mean']:.2f})"
            parts.append(text)
    return line1 + "\n" + "; ".join(parts) + "."
