"""A ranking-fidelity study's numbers and report: the comparisons, CSVs, a figure and a
markdown page whose text is computed from them.

The comparisons (one row each of ``summary.csv``), every one over the same sub-networks:

* (a) the supernet's score (inherited weights, BatchNorm recalibrated) against the mean
  stand-alone accuracy over the seeds: the question itself;
* (b) the first seed's stand-alone accuracy against the second's: the noise ceiling, how well
  stand-alone training agrees with itself (the mean of several seeds is less noisy than one
  seed, so (a) can come out a little above it);
* (c) MAdds, and parameters, against the mean stand-alone accuracy: the trivial predictors a
  supernet has to beat to be worth its training.

Each has Kendall's tau-b and Spearman's rho with 95% bootstrap intervals, the overlap of the
two top-5 lists and the regret of the predictor's top-1 (points of true accuracy lost by taking
the predictor's best instead of the truly best).

The goal (``goal.csv``, :func:`goal_checks`): the supernet's tau at least 0.5, within 0.1 of
the noise ceiling, and above both trivial predictors with a paired bootstrap interval of the
tau difference above 0. Other studies of the same question (``compare``: earlier settings
tried) are listed beside it with the settings that differ and their rows.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from asebench._atomic import atomic_write, atomic_write_text
from asebench.errors import AsebenchError
from asebench.supernet._ranking import rank_fidelity, regret, tau_difference, top_overlap

__all__ = ["FILES", "GOAL_TAU", "GOAL_CEILING_GAP", "goal_checks", "read_compared", "summarize",
           "write_report"]

FILES = ("standalone.csv", "summary.csv", "goal.csv", "fidelity.png", "README.md")

GOAL_TAU = 0.5
"""The supernet's Kendall tau against the stand-alone mean must reach this."""

GOAL_CEILING_GAP = 0.1
"""... and come within this of the noise ceiling (seed against seed)."""


def _per_net(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(one row per net, stand-alone top-1 as nets x seeds)``, both sorted by net."""
    wide = table.pivot(index="net", columns="seed", values="standalone_top1").sort_index()
    if wide.isna().any().any():
        raise AsebenchError("the fidelity table lacks trainings of some sub-network and seed")
    nets = table.drop_duplicates("net").set_index("net").sort_index()
    return nets, wide


def summarize(table: pd.DataFrame, resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The comparisons (a)-(c) of the module docstring, one row each.

    Args:
        table: one row per sub-network x seed (``net``, ``arch``, ``madds_m``, ``params_m``,
            ``supernet_top1``, ``seed``, ``standalone_top1``), >= 2 seeds per net.
        resamples, seed: of the bootstrap.
    """
    nets, wide = _per_net(table)
    if wide.shape[1] < 2:
        raise AsebenchError("the noise ceiling needs >= 2 stand-alone seeds per sub-network")
    truth = wide.mean(axis=1)
    first, second = wide.columns[:2]
    comparisons = [
        ("a", "supernet score", "stand-alone mean", nets["supernet_top1"], truth),
        ("b", f"stand-alone seed {first}", f"stand-alone seed {second}", wide[first],
         wide[second]),
        ("c", "MAdds", "stand-alone mean", nets["madds_m"], truth),
        ("c", "params", "stand-alone mean", nets["params_m"], truth),
    ]
    k = min(5, len(nets))
    rows = []
    for label, predictor, against, x, y in comparisons:
        xs, ys = [float(v) for v in x], [float(v) for v in y]
        fid = rank_fidelity(xs, ys, resamples, seed)
        pick = int(np.argmax(xs))  # the predictor's top-1, as regret() takes it
        rows.append({"comparison": label, "predictor": predictor, "truth": against,
                     "n": fid.n, "tau": fid.tau, "tau_low": fid.tau_low,
                     "tau_high": fid.tau_high, "rho": fid.rho, "rho_low": fid.rho_low,
                     "rho_high": fid.rho_high, "resamples": fid.resamples, "top_k": k,
                     "top_overlap": top_overlap(xs, ys, k), "regret_top1": regret(xs, ys),
                     "picked_net": int(nets.index[pick]), "picked_truth": float(ys[pick]),
                     "best_truth": max(ys)})
    return pd.DataFrame(rows)


def goal_checks(table: pd.DataFrame, summary: pd.DataFrame, resamples: int = 2000,
                seed: int = 0) -> pd.DataFrame:
    """The goal's four checks, one row each: ``check``, ``value``, ``low``, ``high`` (a 95%
    interval where there is one), ``threshold``, ``met``."""
    nets, wide = _per_net(table)
    truth = wide.mean(axis=1)
    a = summary.iloc[0].to_dict()
    b = summary.iloc[1].to_dict()
    gap = float(b["tau"]) - float(a["tau"])
    out = [{"check": "supernet tau >= 0.5", "value": float(a["tau"]),
            "low": float(a["tau_low"]), "high": float(a["tau_high"]), "threshold": GOAL_TAU,
            "met": bool(a["tau"] >= GOAL_TAU)},
           {"check": "noise ceiling tau - supernet tau <= 0.1", "value": gap,
            "low": math.nan, "high": math.nan, "threshold": GOAL_CEILING_GAP,
            "met": bool(gap <= GOAL_CEILING_GAP)}]
    for trivial in ("MAdds", "params"):
        column = "madds_m" if trivial == "MAdds" else "params_m"
        diff, low, high = tau_difference(nets["supernet_top1"].tolist(),
                                         nets[column].tolist(), truth.tolist(), resamples,
                                         seed)
        out.append({"check": f"supernet tau - {trivial} tau > 0 (95% CI above 0)",
                    "value": diff, "low": low, "high": high, "threshold": 0.0,
                    "met": bool(low > 0)})
    return pd.DataFrame(out)


def read_compared(folders: Sequence[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Each folder's settings and summary rows (a finished fidelity study: earlier settings
    tried), checked before any work.

    Raises:
        AsebenchError: a folder without ``fidelity.json`` and ``summary.csv``.
    """
    compared = []
    for folder in folders:
        root = Path(folder)
        settings, summary = root / "fidelity.json", root / "summary.csv"
        if not (settings.is_file() and summary.is_file()):
            raise AsebenchError(f"--compare {str(root)!r} is not a finished fidelity study "
                                f"(it needs fidelity.json and summary.csv)")
        try:
            compared.append({"path": str(root),
                             "settings": json.loads(settings.read_text(encoding="utf-8")),
                             "summary": pd.read_csv(summary)})
        except (OSError, ValueError) as exc:
            raise AsebenchError(f"cannot read the fidelity study {str(root)!r} "
                                f"({type(exc).__name__}: {exc})") from None
    return compared


def _flat(settings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _differences(mine: Mapping[str, Any], other: Mapping[str, Any]) -> str:
    # both as stored (tuples as lists), so that a tuple and its list are the same setting
    a, b = _flat(json.loads(json.dumps(mine))), _flat(json.loads(json.dumps(other)))
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k) and k != "archs"]
    if "archs" in a and a.get("archs") != b.get("archs"):
        keys.append("archs")

    def show(value: Any) -> str:
        if isinstance(value, str) and os.path.isabs(value):
            value = _shown(value)
        text = json.dumps(value)
        return text if len(text) <= 40 else text[:16] + "..."

    return "; ".join(f"{k}: {show(b.get(k))} (here {show(a.get(k))})" for k in keys) or "none"


def _goal_lines(goal: pd.DataFrame, ceiling_tau: float) -> list[str]:
    lines = ["## The goal", "",
             f"The supernet's tau at least {GOAL_TAU}, within {GOAL_CEILING_GAP} of the noise "
             f"ceiling, and above both trivial predictors with a paired bootstrap interval "
             f"(the same sub-networks resampled for both) of the tau difference above 0.", "",
             "| check | value [95% CI] | met |", "| --- | --- | --- |"]
    for row in goal.to_dict("records"):
        ci = "" if math.isnan(float(row["low"])) else \
            f" [{_num(row['low'])}, {_num(row['high'])}]"
        lines.append(f"| {row['check']} | {_num(row['value'])}{ci} | "
                     f"{'yes' if row['met'] else '**no**'} |")
    failed = [str(c) for c, met in zip(goal["check"], goal["met"]) if not met]
    lines += ["", "Met: every check." if not failed else
              f"Not met: {len(failed)} of {len(goal)} checks fail ({'; '.join(failed)})."]
    if not goal.iloc[0]["met"] and ceiling_tau < GOAL_TAU:
        lines += ["", f"The noise ceiling itself is below {GOAL_TAU}: seed against seed, "
                  f"stand-alone training does not rank these sub-networks reproducibly, so no "
                  f"predictor can meet the goal against this ground truth; the ground truth "
                  f"(budget, evaluation split, task) is what fails first."]
    return [*lines, ""]


def _compared_lines(compared: Sequence[Mapping[str, Any]], settings: Mapping[str, Any]
                    ) -> list[str]:
    if not compared:
        return []
    lines = ["## Settings tried before", "",
             "Other studies of the same question, each with the settings that differ from this "
             "one and its Kendall tau [95% CI] per row:", "",
             "| study | differs in | (a) supernet | (b) noise ceiling | (c) MAdds | (c) params |",
             "| --- | --- | --- | --- | --- | --- |"]
    for other in compared:
        rows = other["summary"].to_dict("records")
        cells = [f"{_num(r['tau'])} [{_num(r['tau_low'])}, {_num(r['tau_high'])}]"
                 for r in rows[:4]]
        lines.append(f"| `{other['path']}` | {_differences(settings, other['settings'])} | "
                     + " | ".join(cells) + " |")
    return [*lines, ""]


def _num(value: Any, digits: int = 2) -> str:
    number = float(value)
    return "n/a" if math.isnan(number) else f"{number:.{digits}f}"


def _figure(path: Path, table: pd.DataFrame, summary: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nets, wide = _per_net(table)
    truth = wide.mean(axis=1)
    first, second = wide.columns[:2]
    rows = summary.set_index("predictor")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    panels = [(axes[0], nets["supernet_top1"], truth, "supernet score (inherited weights + BN "
               "recalibration, top-1 %)", "stand-alone mean top-1 (%; bars: seed range)",
               "supernet score"),
              (axes[1], wide[first], wide[second], f"stand-alone seed {first} top-1 (%)",
               f"stand-alone seed {second} top-1 (%)", f"stand-alone seed {first}"),
              (axes[2], nets["madds_m"], truth, "MAdds (millions)",
               "stand-alone mean top-1 (%)", "MAdds")]
    for ax, x, y, xlabel, ylabel, key in panels:
        if ax is axes[0]:
            ax.errorbar(x, y, yerr=[y - wide.min(axis=1), wide.max(axis=1) - y], fmt="none",
                        ecolor="grey", lw=1, zorder=0)
        sc = ax.scatter(x, y, c=nets["madds_m"], cmap="viridis", s=40, edgecolor="black")
        row = rows.loc[key]
        ax.set_title(f"({row['comparison']}) {row.name} vs {row['truth']}\nKendall tau "
                     f"{_num(row['tau'])} [{_num(row['tau_low'])}, {_num(row['tau_high'])}], "
                     f"Spearman rho {_num(row['rho'])}", fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
    fig.colorbar(sc, ax=axes, label="MAdds (millions)", shrink=0.9)
    fig.suptitle(f"ranking fidelity over {len(nets)} sub-networks, {wide.shape[1]} "
                 "stand-alone seeds each", fontsize=10)
    fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def _markdown(table: pd.DataFrame, summary: pd.DataFrame, goal: pd.DataFrame,
              settings: Mapping[str, Any], eval_split: str, supernet: str, seconds: float,
              compared: Sequence[Mapping[str, Any]]) -> str:
    a = summary.iloc[0].to_dict()
    b = summary.iloc[1].to_dict()
    madds = summary[summary.predictor == "MAdds"].iloc[0].to_dict()
    nets, wide = _per_net(table)
    sa = settings["standalone"]
    k = int(a["top_k"])
    lines = [
        "# Ranking fidelity of the supernet", "",
        f"Supernet `{supernet}` (sha256 {str(settings['supernet_sha256'])[:16]}..."
        f"{_trained(settings)}), data "
        f"`{_shown(str(settings['data']))}`. {len(nets)} sub-networks spanning the MAdds range "
        f"({nets['madds_m'].min():.3g} to {nets['madds_m'].max():.3g} MMAdds), each trained "
        f"alone from scratch with {wide.shape[1]} seeds ({', '.join(map(str, wide.columns))}) "
        f"on the supernet's {settings['train_images']} training images for {sa['epochs']} "
        f"epoch{'s' if sa['epochs'] != 1 else ''} (batch {sa['batch_size']}, SGD lr {sa['lr']} "
        f"cosine, label smoothing "
        f"{sa['label_smoothing']}, crop area {sa['crop_scale'][0]}-{sa['crop_scale'][1]}, "
        f"flips {'on' if sa['flip'] else 'off'}) on {settings['device']}. Every accuracy is "
        f"top-1 on {eval_split}; the supernet's score of a sub-network is measured there with "
        f"its inherited weights after BatchNorm recalibration on {settings['calibration']} "
        f"training images.", "",
        "| | predictor | against | Kendall tau [95% CI] | Spearman rho [95% CI] | "
        f"top-{k} overlap | regret of its top-1 (points) |",
        "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in summary.itertuples():
        lines.append(f"| ({row.comparison}) | {row.predictor} | {row.truth} | "
                     f"{_num(row.tau)} [{_num(row.tau_low)}, {_num(row.tau_high)}] | "
                     f"{_num(row.rho)} [{_num(row.rho_low)}, {_num(row.rho_high)}] | "
                     f"{row.top_overlap}/{row.top_k} | {_num(row.regret_top1)} |")
    verdict = ("above" if a["tau"] > madds["tau"] else "not above") \
        if not (math.isnan(a["tau"]) or math.isnan(madds["tau"])) else "not comparable with"
    lines += [
        "",
        f"(a) is the question: the supernet ranks the sub-networks with Kendall tau "
        f"{_num(a['tau'])} against stand-alone training. (b) is the noise ceiling: two "
        f"stand-alone seeds agree with each other at tau {_num(b['tau'])} (a mean over "
        f"{wide.shape[1]} seeds is less noisy than one seed, so (a) can come out a little "
        f"above it). (c) are the trivial predictors: MAdds alone reach tau "
        f"{_num(madds['tau'])}, so the supernet's ranking is {verdict} what counting "
        f"MAdds gives.",
        "",
        f"The supernet's top-1 is sub-network {int(a['picked_net'])} "
        f"(`{str(nets.loc[int(a['picked_net']), 'arch'])}`), {_num(a['picked_truth'])}% trained "
        f"alone against {_num(a['best_truth'])}% for the best: a regret of "
        f"{_num(a['regret_top1'])} points. {int(a['top_overlap'])} of the stand-alone top-{k} "
        f"are in the supernet's top-{k}.",
        "",
        *_goal_lines(goal, float(b["tau"])),
        *_compared_lines(compared, settings),
        f"Stand-alone trainings: {len(table)}, {table['seconds'].mean():.1f} s each on average "
        f"({table['seconds'].sum() / 60:.1f} min of training in all); this report's run took "
        f"{seconds / 60:.1f} min. Bootstrap: {int(a['resamples'])} usable resamples "
        f"of the sub-networks (pairs kept together).",
        "", "![ranking fidelity](fidelity.png)", "",
        "Files: `standalone.csv` (one row per sub-network x seed), `summary.csv` (the rows "
        "above), `goal.csv` (the goal's checks), `fidelity.json` (the settings), `trainings/` "
        "(one file per training).", ""]
    return "\n".join(lines)


def _trained(settings: Mapping[str, Any]) -> str:
    """``; trained with phases ..., ...`` from the settings' ``supernet_training``."""
    train = settings.get("supernet_training")
    if not train:
        return ""
    rule = "the sandwich rule" if train.get("sandwich") else "random sub-networks"
    kd = train.get("kd_ratio")
    teacher = ("no distillation" if not kd else
               f"in-place distillation (weight {kd:g})" if train.get("inplace_distillation")
               else f"distillation from the full network (weight {kd:g})")
    return f"; trained with phases {train.get('phases')}, {rule}, {teacher}"


def _shown(path: str) -> str:
    """``path`` relative to the working folder when it lies inside it (a report names the
    folder as its command line did, not this machine's absolute path)."""
    here = Path.cwd().resolve()
    try:
        return Path(path).resolve().relative_to(here).as_posix()
    except ValueError:
        return path


def write_report(out: str | os.PathLike[str], table: pd.DataFrame, summary: pd.DataFrame,
                 settings: Mapping[str, Any], eval_split: str, supernet: str,
                 seconds: float, compared: Sequence[Mapping[str, Any]] = (),
                 resamples: int = 2000, seed: int = 0) -> list[Path]:
    """Write :data:`FILES` into ``out``, each atomically; returns their paths.

    Args:
        compared: :func:`read_compared` of earlier studies, listed in the report.
        resamples, seed: of the goal's paired bootstrap.
    """
    folder = Path(out)
    paths = [folder / name for name in FILES]
    goal = goal_checks(table, summary, resamples, seed)
    atomic_write_text(paths[0], table.to_csv(index=False))
    atomic_write_text(paths[1], summary.to_csv(index=False))
    atomic_write_text(paths[2], goal.to_csv(index=False))
    atomic_write(paths[3], lambda tmp: _figure(tmp, table, summary))
    atomic_write_text(paths[4], _markdown(table, summary, goal, settings, eval_split, supernet,
                                          seconds, compared))
    return paths
