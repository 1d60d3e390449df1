"""Table I: mean ± std test accuracy per method and dataset, the paper's numbers beside
ours, and a paired test of every method against ASE-NAS."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from asebench.analysis._load import Study
from asebench.analysis._paper import PAPER_TABLE1, display_name
from asebench.analysis._stats import paired_comparison

__all__ = ["REWARD_COLUMN_NOTES", "study_markdown", "table1", "to_latex", "to_markdown"]

REWARD_COLUMN_NOTES = {
    "vtao_test_acc_12_single": (
        "embedded 12-epoch proxy: accuracy after 12 epochs of one NATS-Bench training run, "
        "not the paper's NB201 12-epoch validation accuracy"),
    "valid_acc_12": "official NB201 12-epoch validation accuracy (the paper's reward)",
    "valid_acc_200": "200-epoch validation accuracy of a randomly drawn seed",
}

_DATASET_NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100",
                  "ImageNet16-120": "ImageNet16-120"}


def table1(study: Study, reference: str = "ase", metric: str = "test_accuracy") -> pd.DataFrame:
    """One row per (method label, dataset): ours, the paper's, and the paired comparison.

    Args:
        study: a loaded study.
        reference: label every method is compared with on paired seeds (default ASE-NAS).
        metric: the runs column summarised.

    Returns:
        Columns ``label, name, dataset, n, mean, std, paper_mean, paper_std, diff_mean,
        ci_low, ci_high, p_value, diff_sd`` (diff = method - reference on the paired seeds,
        ``diff_sd`` their standard deviation; empty for the reference itself). ``attrs``
        holds ``reward_column``, ``reward_columns``, ``reward_note``,
        ``data_name``, ``data_sha256``, ``protocol``, ``budget_s``, ``budget_queries``,
        ``query_cost`` (a protocol that charges a fixed cost per query), ``seeds``,
        ``master_seed``, ``reference``, ``metric``.
    """
    runs = study.runs
    rows: list[dict[str, Any]] = []
    ref = runs[runs["label"] == reference]
    for label in study.labels:
        for dataset in study.datasets:
            mine = runs[(runs["label"] == label) & (runs["dataset"] == dataset)]
            if mine.empty:
                continue
            values = mine[metric].to_numpy(dtype=np.float64)
            # a variant (``ase[lr=0.001]``) is still the paper's method: show its numbers
            paper = PAPER_TABLE1.get(label.partition("[")[0], {}).get(dataset)
            row: dict[str, Any] = {
                "label": label, "name": display_name(label), "dataset": dataset,
                "n": int(values.size), "mean": float(values.mean()),
                "std": float(values.std(ddof=1)) if values.size > 1 else float("nan"),
                "paper_mean": paper[0] if paper else float("nan"),
                "paper_std": paper[1] if paper else float("nan"),
                "diff_mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
                "p_value": float("nan"), "diff_sd": float("nan")}
            other = ref[ref["dataset"] == dataset]
            if label != reference and not other.empty:
                paired = mine[["seed", metric]].merge(other[["seed", metric]], on="seed",
                                                      suffixes=("", "_ref"))
                mine_values = paired[metric].to_numpy(dtype=np.float64)
                ref_values = paired[f"{metric}_ref"].to_numpy(dtype=np.float64)
                result = paired_comparison(mine_values, ref_values)
                diffs = mine_values - ref_values
                row.update(diff_mean=result.mean_diff, ci_low=result.ci_low,
                           ci_high=result.ci_high, p_value=result.p_value,
                           diff_sd=float(diffs.std(ddof=1)) if diffs.size > 1 else float("nan"))
            rows.append(row)
    table = pd.DataFrame(rows, columns=[
        "label", "name", "dataset", "n", "mean", "std", "paper_mean", "paper_std",
        "diff_mean", "ci_low", "ci_high", "p_value", "diff_sd"])
    config, meta = study.config, study.metadata
    columns = dict(meta.get("reward_columns", {}))
    unique = sorted(set(columns.values()))
    data = config.get("data") or {}
    table.attrs.update(
        reward_columns=columns, reward_column=", ".join(unique) or "unknown",
        reward_note="; ".join(REWARD_COLUMN_NOTES.get(c, c) for c in unique),
        report_column=(config.get("protocol") or {}).get("report_column", metric),
        data_name=data.get("name", config.get("backend", "?")),
        data_sha256=data.get("sha256", ""), protocol=(config.get("protocol") or {}).get(
            "name", "?"), cost_source=(config.get("protocol") or {}).get("cost_source", "?"),
        benchmark_title=(config.get("protocol") or {}).get("title", "NAS-Bench-201"),
        budget_s=config.get("budget_s"), budget_queries=config.get("budget_queries"),
        query_cost=(config.get("protocol") or {}).get("query_cost"), seeds=config.get("seeds"),
        master_seed=config.get("master_seed"), reference=reference, metric=metric)
    return table


def _p(p: float) -> str:
    if math.isnan(p):
        return "–"
    return f"{p:.1e}" if p < 1e-3 else f"{p:.3f}"


def _cells(table: pd.DataFrame, latex: bool, paper: bool = True
           ) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    pm = r"$\pm$" if latex else "±"
    dash = "--" if latex else "–"
    datasets = list(dict.fromkeys(table["dataset"]))
    labels = list(dict.fromkeys(table["label"]))
    # itertuples() rows are namedtuples built at run time: their fields are not typed
    by: dict[tuple[Any, Any], Any] = {(r.label, r.dataset): r for r in table.itertuples()}
    head = ["Method"]
    for d in datasets:
        head += [_DATASET_NAMES.get(d, d), "paper"] if paper else [_DATASET_NAMES.get(d, d)]
    body, head2, body2 = [], ["Method"] + [_DATASET_NAMES.get(d, d) for d in datasets], []
    for label in labels:
        name = table.loc[table["label"] == label, "name"].iloc[0]
        line, line2 = [name], [name]
        for d in datasets:
            r = by.get((label, d))
            if r is None:
                line += [dash, dash] if paper else [dash]
                line2.append(dash)
                continue
            line.append(f"{r.mean:.2f} {pm} {r.std:.2f}" if not math.isnan(r.std)
                        else f"{r.mean:.2f}")
            if paper:
                line.append(f"{r.paper_mean:.2f} {pm} {r.paper_std:.2f}"
                            if not math.isnan(r.paper_mean) else dash)
            line2.append(dash if math.isnan(r.diff_mean) else
                         f"{r.diff_mean:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}], "
                         f"p = {_p(r.p_value)}")
        body.append(line)
        if label != table.attrs.get("reference"):
            body2.append(line2)
    return head, body, head2, body2


def _notes(table: pd.DataFrame) -> list[str]:
    a = table.attrs
    sha = a.get("data_sha256", "")
    budget, per_query = a.get("budget_s"), a.get("query_cost")
    if not isinstance(budget, (int, float)):
        budget_text = "?"
    elif isinstance(per_query, (int, float)) and per_query > 0:  # a protocol priced per query
        budget_text = f"{budget / per_query:,.0f} queries"
    else:
        budget_text = f"{budget:,.0f} s"
    queries = a.get("budget_queries")
    if isinstance(queries, int):
        budget_text = (f"{queries:,} queries" if budget_text == "?" else
                       f"{budget_text} and at most {queries:,} queries")
    return [
        f"Reward column: `{a.get('reward_column')}` ({a.get('reward_note')}).",
        (f"Reported: `{a.get('report_column')}` of the final architecture; protocol "
         f"`{a.get('protocol')}` (cost source {a.get('cost_source')}), budget {budget_text} "
         f"per run, {a.get('seeds')} paired seeds (master seed {a.get('master_seed')})."),
        f"Data table: {a.get('data_name')} (sha256 {sha[:12]}).",
    ]


def _grid(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def _comparison_markdown(table: pd.DataFrame) -> list[str]:
    _, _, head2, body2 = _cells(table, latex=False)
    if not body2:
        return []
    ref = display_name(table.attrs.get("reference", "ase"))
    title = (f"### Paired comparison with {ref}: mean difference (method − {ref}) "
             "[95% bootstrap CI], two-sided Wilcoxon signed-rank p-value")
    return ["", title, ""] + _grid(head2, body2)


def to_markdown(table: pd.DataFrame, *others: pd.DataFrame, paper: bool = True) -> str:
    """Table I and the paired comparison as GitHub markdown.

    ``others`` are tables of the same study with other references (e.g. a second ASE-NAS
    variant); each adds its own paired-comparison section. ``paper=False`` leaves out the
    paper's columns (for a study whose protocol differs from the paper's, e.g. under a
    hardware limit, where the paper's numbers do not compare).
    """
    head, body, _, _ = _cells(table, latex=False, paper=paper)
    n = table["n"].max() if len(table) else 0
    title = table.attrs.get("benchmark_title", "NAS-Bench-201")
    lines = [f"## Table I: test accuracy (%) on {title}, mean ± std over {n} runs", ""]
    lines += _grid(head, body)
    for each in (table, *others):
        lines += _comparison_markdown(each)
    lines += [""] + [f"- {note}" for note in _notes(table)]
    return "\n".join(lines) + "\n"


REFERENCE_METHOD = "ase"
"""The method every other is compared with by default: ASE-NAS, the method asebench studies."""


def default_references(study: Study) -> list[str]:
    """Every plain label of :data:`REFERENCE_METHOD` in ``study`` (``ase`` and variants such as
    ``ase[lr=0.001]``; not transfer runs), else its first label."""
    from asebench.search import split_label

    labels = list(study.labels)
    found = [label for label in labels
             if split_label(label)[0] == REFERENCE_METHOD and not split_label(label)[1]]
    return found or labels[:1]


def study_markdown(study: Study, references: Sequence[str] | None = None, *,
                   paper: bool = True) -> str:
    """Table I of ``study`` with one paired-comparison section per reference.

    Default references: every plain ASE-NAS label of the study (``ase`` and variants such as
    ``ase[lr=0.001]``; not the transfer runs), else the first label. ``paper=False`` leaves
    out the paper's columns (see :func:`to_markdown`).
    """
    if not references:
        references = default_references(study)
    tables = [table1(study, reference=ref) for ref in references]
    text = to_markdown(tables[0], *tables[1:], paper=paper)
    if study.config.get("constraints"):  # a constrained study: the oracle and the regret
        from asebench.constraints import regret_markdown

        text += "\n" + regret_markdown(study)
    return text


def to_latex(table: pd.DataFrame) -> str:
    """Table I (booktabs) and the paired comparison as LaTeX tabulars."""
    head, body, head2, body2 = _cells(table, latex=True)

    def esc(text: str) -> str:
        return text.replace("_", r"\_").replace("%", r"\%").replace("#", r"\#")

    def tabular(h: list[str], rows: list[list[str]]) -> list[str]:
        out = [r"\begin{tabular}{l" + "c" * (len(h) - 1) + "}", r"\toprule",
               " & ".join(esc(x) for x in h) + r" \\", r"\midrule"]
        out += [" & ".join(esc(x) for x in r) + r" \\" for r in rows]
        return out + [r"\bottomrule", r"\end{tabular}"]

    lines = tabular(head, body)
    if body2:
        lines += ["", "% paired difference vs reference [95% bootstrap CI], Wilcoxon p"]
        lines += tabular(head2, body2)
    lines += [""] + ["% " + note.replace("`", "") for note in _notes(table)]
    return "\n".join(lines) + "\n"
