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
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from asebench._atomic import atomic_write, atomic_write_text
from asebench.errors import AsebenchError
from asebench.supernet._ranking import rank_fidelity, regret, top_overlap

__all__ = ["summarize", "write_report", "FILES"]

FILES = ("standalone.csv", "summary.csv", "fidelity.png", "README.md")


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


def _markdown(table: pd.DataFrame, summary: pd.DataFrame, settings: Mapping[str, Any],
              eval_split: str, supernet: str, seconds: float) -> str:
    a = summary.iloc[0].to_dict()
    b = summary.iloc[1].to_dict()
    madds = summary[summary.predictor == "MAdds"].iloc[0].to_dict()
    nets, wide = _per_net(table)
    sa = settings["standalone"]
    k = int(a["top_k"])
    lines = [
        "# Ranking fidelity of the supernet", "",
        f"Supernet `{supernet}` (sha256 {str(settings['supernet_sha256'])[:16]}...), data "
        f"`{settings['data']}`. {len(nets)} sub-networks spanning the MAdds range "
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
        f"Stand-alone trainings: {len(table)}, {table['seconds'].mean():.1f} s each on average "
        f"({table['seconds'].sum() / 60:.1f} min of training in all); this report's run took "
        f"{seconds / 60:.1f} min. Bootstrap: {int(a['resamples'])} usable resamples "
        f"of the sub-networks (pairs kept together).",
        "", "![ranking fidelity](fidelity.png)", "",
        "Files: `standalone.csv` (one row per sub-network x seed), `summary.csv` (the rows "
        "above), `fidelity.json` (the settings), `trainings/` (one file per training).", ""]
    return "\n".join(lines)


def write_report(out: str | os.PathLike[str], table: pd.DataFrame, summary: pd.DataFrame,
                 settings: Mapping[str, Any], eval_split: str, supernet: str,
                 seconds: float) -> list[Path]:
    """Write :data:`FILES` into ``out``, each atomically; returns their paths."""
    folder = Path(out)
    paths = [folder / name for name in FILES]
    atomic_write_text(paths[0], table.to_csv(index=False))
    atomic_write_text(paths[1], summary.to_csv(index=False))
    atomic_write(paths[2], lambda tmp: _figure(tmp, table, summary))
    atomic_write_text(paths[3], _markdown(table, summary, settings, eval_split, supernet,
                                          seconds))
    return paths
