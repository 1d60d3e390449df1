"""Table I caption: what the study says about the paper's main claim."""

from __future__ import annotations

import pandas as pd

from asebench.figures._style import dataset_name

__all__ = ["caption_table1"]


def caption_table1(table: pd.DataFrame, alpha: float = 0.01) -> str:
    """Two-line caption for ``asebench.analysis.table1`` output (reference = ``ase``)."""
    line1 = ("Test accuracy (mean ± std over paired seeds) of every method, the paper's numbers "
             "beside ours, and paired Wilcoxon tests against ASE-NAS (table1.md).")
    parts = []
    reference = table.attrs.get("reference", "ase")
    for dataset, rows in table.groupby("dataset", sort=False):
        ref = rows[rows["label"] == reference]
        if ref.empty:
            continue
        ref_row = ref.iloc[0]
        others = rows[rows["label"] != reference]
        best = rows.loc[rows["mean"].idxmax()]
        beaten = others[(others["diff_mean"] < 0) & (others["p_value"] < alpha)]
        text = (f"{dataset_name(str(dataset))}: ASE-NAS {ref_row['mean']:.2f}"
                + (f" (paper {ref_row['paper_mean']:.2f})" if ref_row["paper_mean"] == ref_row[
                    "paper_mean"] else "")
                + f", significantly above {len(beaten)}/{len(others)} other methods (p<{alpha})")
        if best["label"] != reference:
            text += f"; best is {best['name']} ({best['mean']:.2f}), NOT ASE-NAS"
        parts.append(text)
    return line1 + "\n" + "; ".join(parts) + "."
