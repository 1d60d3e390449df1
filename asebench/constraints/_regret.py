"""Regret of a constrained study: each method's mean reported accuracy beside the oracle's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["regret_markdown", "regret_table"]


def _constraints(study: Any) -> dict[str, Any] | None:
    return (study.config or {}).get("constraints")


def _answer_feasibility(study: Any, config: dict[str, Any]) -> dict[str, np.ndarray] | None:
    """``{dataset: bool per run (in runs order of that dataset)}``, re-checked against the
    study's backend rebuilt from its configuration (with the same data checksum); None when
    that backend or its data is not available here."""
    from asebench.backends import describe, get_backend
    from asebench.constraints._feasible import feasible_set
    from asebench.errors import AsebenchError

    study_config = study.config or {}
    expected = (study_config.get("data") or {}).get("sha256")
    runs = study.runs
    out = {}
    for dataset, rows in runs.groupby("dataset", sort=False):
        try:
            backend = get_backend(str(study_config.get("backend", "tabular")),
                                  dataset=str(dataset),
                                  **dict(study_config.get("backend_options") or {}))
            data = describe(backend).data or {}
            if expected and data.get("sha256") != expected:
                return None
            feasible = feasible_set(backend, config["expressions"])
        except (AsebenchError, TypeError):
            return None
        out[str(dataset)] = np.array([feasible.contains(backend.space.from_string(a))
                                      for a in rows["arch"]], dtype=bool)
    return out


def regret_table(study: Any, metric: str = "test_accuracy") -> pd.DataFrame:
    """One row per (label, dataset) of a constrained study.

    Args:
        study: an :class:`asebench.analysis.Study` with constraints.
        metric: the runs column compared with the oracle.

    Returns:
        Columns ``label, dataset, n, mean, std, oracle, regret, feasible`` where
        ``regret = oracle - mean`` and ``feasible`` is the share of runs whose answer meets
        the constraints, re-checked against the table (NaN when the study's table is not
        available). Empty without constraints. ``attrs``: ``constraints`` (expressions),
        ``limits``, ``oracle``.
    """
    import pandas as pd

    config = _constraints(study)
    columns = ["label", "dataset", "n", "mean", "std", "oracle", "regret", "feasible"]
    if not config:
        empty: pd.DataFrame = pd.DataFrame(columns=columns)
        return empty
    oracle = study.metadata.get("constraint_oracle") or {}
    runs = study.runs
    checked = _answer_feasibility(study, config)
    ok = pd.Series(np.nan, index=runs.index)
    if checked is not None:
        for dataset, values in checked.items():
            ok[runs.index[runs["dataset"] == dataset]] = values.astype(float)
    rows = []
    for label in study.labels:
        for dataset in study.datasets:
            mine = runs[(runs["label"] == label) & (runs["dataset"] == dataset)]
            if mine.empty:
                continue
            values = mine[metric].to_numpy(dtype=np.float64)
            best = float(oracle.get(dataset, {}).get("accuracy", np.nan))
            rows.append({
                "label": label, "dataset": dataset, "n": int(values.size),
                "mean": float(values.mean()),
                "std": float(values.std(ddof=1)) if values.size > 1 else float("nan"),
                "oracle": best, "regret": best - float(values.mean()),
                "feasible": float(ok[mine.index].mean())})
    table: pd.DataFrame = pd.DataFrame(rows, columns=columns)
    table.attrs.update(constraints=list(config.get("expressions", [])),
                       limits=dict(config.get("limits", {})), oracle=dict(oracle))
    return table


def regret_markdown(study: Any) -> str:
    """The markdown section for a constrained study (``""`` without constraints)."""
    table = regret_table(study)
    if table.empty:
        return ""
    datasets = list(dict.fromkeys(table["dataset"]))
    by = {(r.label, r.dataset): r for r in table.itertuples()}
    expressions = " and ".join(f"`{e}`" for e in table.attrs["constraints"])
    head = ["Method"] + [f"{d} mean ± std (regret)" for d in datasets]
    lines = [f"### Under {expressions}: mean test accuracy and regret to the oracle", "",
             "| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    oracle = table.attrs["oracle"]
    cells = ["**oracle** (best feasible arch)"]
    for d in datasets:
        entry = oracle.get(d)
        cells.append(f"{entry['accuracy']:.2f}" if entry else "–")
    lines.append("| " + " | ".join(cells) + " |")
    for label in dict.fromkeys(table["label"]):
        cells = [label]
        for d in datasets:
            r = by.get((label, d))
            cells.append("–" if r is None else
                         f"{r.mean:.2f} ± {r.std:.2f} ({r.regret:+.2f})")
        lines.append("| " + " | ".join(cells) + " |")
    notes = []
    for d in datasets:
        limits = table.attrs["limits"].get(d, {})
        resolved = ", ".join(f"{k} at {v:.4g}" for k, v in limits.items())
        entry = oracle.get(d)
        where = f"oracle {entry['arch']} (index {entry['index']})" if entry else "no oracle"
        notes.append(f"- {d}: {where}" + (f"; limits: {resolved}" if resolved else ""))
    shares = table["feasible"] * table["n"]
    feasible = (f"{int(round(shares.sum()))} of {int(table['n'].sum())} runs answered a "
                "feasible arch (re-checked against the table)" if shares.notna().all()
                else "feasibility of the answers not re-checked (the study's table is not here)")
    runs = study.runs
    querying = sorted(set(runs.loc[runs["opt_infeasible"] == "query", "label"])
                      ) if "opt_infeasible" in runs else []
    charged = ("infeasible archs are never queried or charged" if not querying else
               "infeasible archs are never queried or charged, except by "
               f"{', '.join(querying)} (the paper's query-then-reject rule, which pays for "
               "infeasible candidates)")
    lines += ["", f"- Regret = oracle − mean; {feasible}; {charged}."] + notes
    return "\n".join(lines) + "\n"


def regret_latex(study: Any) -> str:
    """The oracle and regret of a constrained study as a LaTeX (booktabs) table (``""``
    without constraints)."""
    table = regret_table(study)
    if table.empty:
        return ""
    datasets = list(dict.fromkeys(table["dataset"]))
    by = {(r.label, r.dataset): r for r in table.itertuples()}
    expressions = " and ".join(str(e) for e in table.attrs["constraints"])
    oracle = table.attrs["oracle"]
    lines = [r"\begin{tabular}{l" + "c" * len(datasets) + "}", r"\toprule",
             "Method & " + " & ".join(_tex(d) for d in datasets) + r" \\", r"\midrule",
             "Oracle & " + " & ".join(f"{oracle[d]['accuracy']:.2f}" if d in oracle else "--"
                                     for d in datasets) + r" \\"]
    for label in dict.fromkeys(table["label"]):
        cells = []
        for d in datasets:
            r = by.get((label, d))
            cells.append("--" if r is None else
                         f"{r.mean:.2f} $\\pm$ {r.std:.2f} ({r.regret:+.2f})")
        lines.append(f"{_tex(str(label))} & " + " & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}",
              f"% under {_tex(expressions)}: mean $\\pm$ std (regret = oracle $-$ mean)"]
    return "\n".join(lines) + "\n"


def _tex(text: str) -> str:
    for char, escaped in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"),
                          ("&", r"\&"), ("#", r"\#"), ("$", r"\$")):
        text = text.replace(char, escaped)
    return text
