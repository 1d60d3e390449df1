"""The live demo's report: CSVs, PNG figures and a README whose text is computed from them.

Everything is written into a temporary sibling folder that replaces ``out`` at the end, so a
failed run leaves the previous report untouched.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from asebench._atomic import publish_directory, temp_directory
from asebench.analysis import bootstrap_mean_ci, detectable_difference, seeds_to_detect
from asebench.analysis._paired import wilcoxon_p
from asebench.errors import AsebenchError
from asebench.livedemo._result import DemoResult
from asebench.store import read_metadata

__all__ = ["paired_summary", "write_report"]


def paired_summary(runs: pd.DataFrame, first: str, second: str) -> dict[str, Any]:
    """Paired comparison of two methods' answers per seed on test and validation top-1."""
    a = runs[runs.method == first].set_index("seed").sort_index()
    b = runs[runs.method == second].set_index("seed").sort_index()
    seeds = a.index.intersection(b.index)
    out: dict[str, Any] = {"seeds": len(seeds)}
    for column in ("test_top1", "valid_top1"):
        diff = (a.loc[seeds, column] - b.loc[seeds, column]).to_numpy(dtype=float)
        p = wilcoxon_p(diff, alternative="two-sided", zero_method="zsplit",
                       if_all_zero=float("nan"))
        mean = float(diff.mean()) if len(diff) else float("nan")
        sd = float(diff.std(ddof=1)) if len(diff) > 1 else float("nan")
        low, high = bootstrap_mean_ci(diff)
        out[column] = {"mean_diff": mean, "ci_low": low, "ci_high": high, "sd_diff": sd,
                       "detectable_80": detectable_difference(sd, len(diff)),
                       "seeds_for_observed_80": seeds_to_detect(mean, sd),
                       "wins": int((diff > 0).sum()), "ties": int((diff == 0).sum()),
                       "losses": int((diff < 0).sum()), "wilcoxon_p": p,
                       f"{first}_mean": float(a.loc[seeds, column].mean()),
                       f"{second}_mean": float(b.loc[seeds, column].mean())}
    return out


def _figures(result: DemoResult, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hist, sup = result.history, result.supernet
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for phase, part in hist.groupby("phase", sort=False):
        ax1.plot(part["epoch"], part["loss"], marker="o", ms=3, label=str(phase))
    ax1.set(xlabel="epoch", ylabel="training loss (CE + distillation)",
            title=f"progressive shrinking on {_title(result.config)}")
    ax1.legend(title="phase")
    x = np.arange(len(sup))
    ax2.bar(x - 0.2, sup["valid_top1"], 0.4, label="validation (search reward)")
    ax2.bar(x + 0.2, sup["test_top1"], 0.4, label="test (held out)")
    for i, top1 in enumerate(sup["test_top1"].astype(float)):
        ax2.text(i + 0.2, top1 + 0.5, f"{top1:.1f}", ha="center", fontsize=8)
    ax2.set_xticks(x, [f"{r.role}\n{r.madds_m:.2f} MMAdds" for r in sup.itertuples()])
    ax2.set(ylabel="top-1 (%)", ylim=(0, 105), title="sub-networks, inherited weights")
    ax2.axhline(10, color="grey", ls=":", lw=1)
    ax2.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "supernet.png", dpi=120)
    plt.close(fig)

    runs, queried = result.runs, result.queried
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    markers = {"ase": "*", "random": "o"}
    for i, (method, part) in enumerate(runs.groupby("method", sort=False)):
        q = queried[queried.method == method]
        ax.scatter(q["madds_m"], q["valid_top1"], s=6, alpha=0.25, color=f"C{i}",
                   label=f"{method}: queried (validation top-1)")
        ax.scatter(part["madds_m"], part["test_top1"], s=90, marker=markers.get(str(method), "s"),
                   color=f"C{i}", edgecolor="black", label=f"{method}: answers (test top-1)")
    ax.axvline(result.cap, color="red", ls="--", label=f"MAdds cap {result.cap:.2f} M")
    ax.set(xlabel="MAdds (millions)", ylabel="top-1 (%)",
           title=f"answers of {runs.seed.nunique()} paired seeds, "
                 f"{result.config.queries} queries each")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(folder / "search.png", dpi=120)
    plt.close(fig)

    if result.ranking.empty:
        return
    rank, fid = result.ranking, result.fidelity
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    seeds = [c for c in rank.columns if c.startswith("standalone_test_top1_seed")]
    if len(seeds) > 1:
        low = rank["standalone_test_top1"] - rank[seeds].min(axis=1)
        high = rank[seeds].max(axis=1) - rank["standalone_test_top1"]
        ax.errorbar(rank["supernet_test_top1"], rank["standalone_test_top1"],
                    yerr=[low, high], fmt="none", ecolor="grey", lw=1, zorder=0)
    sc = ax.scatter(rank["supernet_test_top1"], rank["standalone_test_top1"],
                    c=rank["madds_m"], cmap="viridis", s=50, edgecolor="black")
    fig.colorbar(sc, ax=ax, label="MAdds (millions)")
    ax.set(xlabel="supernet score: inherited weights + BN recalibration (test top-1 %)",
           ylabel="trained alone from scratch (test top-1 %; bars: seeds)",
           title=f"Kendall tau {fid['tau']:.2f} [{fid['tau_low']:.2f}, {fid['tau_high']:.2f}]"
                 f", Spearman rho {fid['rho']:.2f}")
    ax.title.set_fontsize(9)
    ax.xaxis.label.set_fontsize(8)
    fig.tight_layout()
    fig.savefig(folder / "ranking.png", dpi=120)
    plt.close(fig)


def _title(cfg: Any) -> str:
    from asebench.datasets import get_dataset

    return "the UCI digits" if cfg.dataset == "digits" else get_dataset(cfg.dataset).title


def _revision() -> str:
    """The commit, and which package files (if any) differed from it when the demo ran."""
    import subprocess

    from asebench.study._metadata import git_revision

    rev = git_revision()
    if rev is None:
        return "unknown (not a git checkout)"
    text = f"`{str(rev['commit'])[:12]}`"
    root = Path(__file__).resolve().parents[2]
    try:
        status = subprocess.run(["git", "status", "--porcelain", "--", "asebench"], cwd=root,
                                capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return text + (" with uncommitted changes" if rev["dirty"] else "")
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    if not changed:
        return text + " (the package as committed)"
    shown = ", ".join(f"`{c}`" for c in changed[:6])
    more = f" and {len(changed) - 6} more" if len(changed) > 6 else ""
    return (f"{text}; the working tree, shared with other engineers, had uncommitted changes "
            f"in {shown}{more}")


def _raise_tau(fid: Mapping[str, float]) -> list[str]:
    if fid["tau"] >= 0.5:
        return [""]
    return [
        "",
        "Below the goal of 0.5. What would raise it: a ground truth with less noise than the "
        "differences it ranks (more stand-alone seeds, training to convergence rather than a "
        "short schedule that favours networks that converge fastest); a supernet trained "
        "longer per phase, with the sandwich rule (the largest and smallest sub-network in "
        "every step) and in-place distillation from the largest, so that every sub-network's "
        "inherited weights are closer to its own optimum; and a task on which capacity "
        "matters more than on 8x8 digits (the GPU setting: an ImageNet subset at 224 px).",
        ""]


def _seed_noise(rank: pd.DataFrame, seeds: list[str]) -> str:
    if len(seeds) < 2:
        return ""
    spread = rank[seeds].max(axis=1) - rank[seeds].min(axis=1)
    return (f" The stand-alone trainings of one sub-network differ by {spread.mean():.1f} "
            f"points on average (at most {spread.max():.1f}): the noise of the ground truth.")


def _ranking_task(cfg: Any, rank: pd.DataFrame) -> list[str]:
    if cfg.rank_size is None and cfg.rank_train_per_class is None:
        return ["The check uses the demo's own supernet and training images."]
    main = rank["main_supernet_test_top1"]
    harder = [f"{cfg.rank_size or cfg.size} px images"]
    if cfg.rank_train_per_class is not None:
        harder.append(f"{cfg.rank_train_per_class} training images per digit")
    return [
        f"**A harder task for this check, and why.** At the demo's "
        f"{cfg.size} px the main supernet scores these {len(rank)} sub-networks "
        f"{main.min():.1f}-{main.max():.1f}% on the test split (a spread of "
        f"{main.max() - main.min():.1f} points, about one test split's sampling error), and "
        f"in development runs (not repeated here) the stand-alone networks on the whole pool "
        f"were as close, so a rank correlation there would measure noise. The check "
        f"therefore trains a second "
        f"supernet, same schedule and settings, on {' and '.join(harder)} ({cfg.rank_holdout} "
        f"training images kept out as its validation split), and the stand-alone networks on "
        f"the same images; the test split is the same {10 * cfg.test_per_class} digits"
        + (" at that resolution (MAdds below are at it)." if cfg.rank_size else ".")]


def _ase_settings(result: DemoResult) -> str:
    """ASE-NAS's options as the study recorded them (what its runs used)."""
    try:
        config: Any = (read_metadata(Path(result.study)) or {})["study"]
        ase = next(m for m in config["methods"] if m["label"] == "ase")["options"]
    except (AsebenchError, KeyError, TypeError, StopIteration):
        return "the study's settings"
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in sorted(ase.items()))


def _study_place(result: DemoResult) -> str:
    if not result.study:
        return ""
    return (f", stored in `{result.study}` (`asebench verify {result.study}` checks it; a "
            f"rerun with the same weights, settings and code reuses its runs)")


def _data_lines(cfg: Any, manifest: Mapping[str, Any]) -> list[str]:
    train, test = sum(manifest.get("train_counts", [])), sum(manifest.get("test_counts", []))
    use = (f"every accuracy below is on it unless it says validation. Training pool: "
           f"{train:,} images, of which {cfg.holdout} are the search's validation split (the "
           f"reward) and the rest train the supernet")
    if cfg.dataset == "digits":
        return [f"scikit-learn's bundled UCI handwritten digits (1,797 real 8x8 grey images, "
                f"10 classes; `asebench data digits`), upscaled to {cfg.size} px, 3 channels. "
                f"Fixed test split: {test} images ({cfg.test_per_class} per digit), never used "
                f"for training, search or selection; {use} and the stand-alone networks."]
    from asebench.datasets import get_dataset

    per_class = ("all" if cfg.train_per_class is None
                 else f"{cfg.train_per_class} per class, a seeded subset")
    test_per_class = "all" if cfg.test_per_class is None else cfg.test_per_class
    checked = ("their decompressed contents matched the checksums recorded in the package"
               if manifest.get("verified") else "no checksums are recorded for them")
    folder = cfg.data_dir or get_dataset(cfg.dataset).default_dir
    return [f"{manifest.get('source', _title(cfg))}: real 28x28 grey images, 10 classes, read "
            f"from the four IDX files in `{folder}` (`asebench data {cfg.dataset}`; "
            f"{checked}), padded by 2 px to {cfg.size} px, 3 channels. Training images: "
            f"{per_class} of the official 60,000. Test split: the official {test:,} test "
            f"images ({test_per_class} per class), never used for training, search or "
            f"selection; {use}."]


def _ranking_lines(result: DemoResult) -> list[str]:
    cfg, rank, fid = result.config, result.ranking, result.fidelity
    if rank.empty:
        from asebench.supernet._fidelity import FidelityConfig

        study = FidelityConfig()
        return ["## Ranking fidelity", "",
                f"Not part of this run: the ranking study ({study.archs} sub-networks, each "
                f"trained alone from scratch with {study.seeds} seeds, against the supernet's "
                "scores, with the noise "
                "ceiling and the trivial predictors MAdds and parameters) is "
                "`asebench supernet fidelity` (`make fidelity`); its report is "
                "[../fidelity/README.md](../fidelity/README.md).", ""]
    seeds = [c for c in rank.columns if c.startswith("standalone_test_top1_seed")]
    return [
        "## Ranking fidelity",
        "",
        f"{fid['n']:.0f} sub-networks spanning {rank.madds_m.min():.3f}-{rank.madds_m.max():.3f}"
        f" MMAdds (the smallest, the largest and random ones nearest to evenly spaced MAdds "
        f"quantiles), each trained alone from scratch (fresh weights) for "
        f"{int(rank.standalone_epochs.iloc[0])} epochs (the supernet's total over all phases) "
        f"on the same {int(rank.train_images.iloc[0])} training images with the same "
        f"augmentation and optimiser, against the supernet's BN-recalibrated score of the same "
        f"sub-network, both on the test split.",
        "",
        *_ranking_task(cfg, rank),
        "",
        f"Stand-alone test top-1 (mean of {len(seeds)} trainings per sub-network) ranges "
        f"{rank.standalone_test_top1.min():.1f}-{rank.standalone_test_top1.max():.1f}%, "
        f"supernet scores {rank.supernet_test_top1.min():.1f}-"
        f"{rank.supernet_test_top1.max():.1f}%.{_seed_noise(rank, seeds)}",
        "",
        f"- Kendall tau **{fid['tau']:.3f}** (95% bootstrap CI {fid['tau_low']:.3f} to "
        f"{fid['tau_high']:.3f}); goal >= 0.5: {'met' if fid['tau'] >= 0.5 else 'NOT met'}",
        f"- Spearman rho **{fid['rho']:.3f}** (95% CI {fid['rho_low']:.3f} to "
        f"{fid['rho_high']:.3f}); {fid['resamples']:.0f} bootstrap resamples over the "
        f"sub-networks",
        "",
        *_raise_tau(fid),
        "![ranking](ranking.png)",
        ""]


def _verdict(paired: Mapping[str, Any]) -> list[str]:
    pt, pv = paired["test_top1"], paired["valid_top1"]
    n = paired["seeds"]
    if pt["ci_low"] > 0 or pt["ci_high"] < 0:
        decided = (f"the 95% interval excludes 0: ASE-NAS is "
                   f"{'ahead of' if pt['mean_diff'] > 0 else 'behind'} random search here")
    else:
        need = pt["seeds_for_observed_80"]
        need_text = ("no finite number (the mean difference is 0)" if need == float("inf")
                     else f"about {need:.0f}")
        decided = (f"the 95% interval includes 0, so {n} seeds do not separate the two: they "
                   f"detect a true difference of {pt['detectable_80']:.2f} points with 80% "
                   f"power, and a difference as small as the one observed needs "
                   f"{need_text} paired seeds")
    return [
        "",
        f"Paired over {n} seeds, ASE-NAS minus random: test top-1 {pt['mean_diff']:+.2f} "
        f"points (95% bootstrap CI {pt['ci_low']:+.2f} to {pt['ci_high']:+.2f}; wins/ties/"
        f"losses {pt['wins']}/{pt['ties']}/{pt['losses']}, Wilcoxon p = "
        f"{pt['wilcoxon_p']:.3g}); validation top-1 (what both maximise) "
        f"{pv['mean_diff']:+.2f} points (CI {pv['ci_low']:+.2f} to {pv['ci_high']:+.2f}; "
        f"{pv['wins']}/{pv['ties']}/{pv['losses']}, p = {pv['wilcoxon_p']:.3g}). On the test "
        f"split {decided}."]


def _readme(result: DemoResult, paired: dict[str, Any], manifest: dict[str, Any]) -> str:
    cfg, sup, runs = result.config, result.supernet, result.runs
    largest = sup[sup.role == "largest"].iloc[0]
    smallest = sup[sup.role == "smallest"].iloc[0]
    t = result.timings
    phases = ", ".join(f"{p.name} {p.epochs} ep x {p.subnets} subnet(s)" for p in cfg.phases)
    feasible = runs.groupby("method")["feasible"].all()
    per_method = runs.groupby("method").agg(test=("test_top1", "mean"),
                                            test_sd=("test_top1", "std"),
                                            valid=("valid_top1", "mean"),
                                            madds=("madds_m", "mean"))
    ranking_time = (f", ranking check {t['ranking_s']:.0f} s" if "ranking_s" in t else "")
    command = ("`make live-demo` (`python -m asebench.livedemo`)" if cfg.dataset != "digits"
               else "`python -m asebench.livedemo --dataset digits`")

    def goal(top1: float, level: float) -> str:
        if cfg.dataset != "digits":
            return ""
        return f" >= {level:g}%: {'met' if top1 >= level else 'NOT met'} |"

    goal_head = " goal |" if cfg.dataset == "digits" else ""
    lines = [
        f"# The live backend on real images ({_title(cfg)}, CPU)",
        "",
        f"Generated by {command} at git revision {_revision()}, on {os.cpu_count()} CPU cores "
        f"({platform.processor() or 'cpu'}; other jobs may have shared them, so the times are "
        f"upper bounds). Pipeline wall time **{t['total_s']:.0f} s**: export "
        f"{t['export_s']:.0f} s, supernet training {t['train_s']:.0f} s, search "
        f"{t['search_s']:.0f} s{ranking_time}.",
        "",
        "## Data",
        *_data_lines(cfg, manifest),
        "",
        "## Supernet (`tiny` preset, progressive shrinking, every phase)",
        f"Schedule: {phases}; batch {cfg.batch_size}, SGD lr {cfg.lr}, distillation "
        f"{cfg.kd_ratio}, crops of {cfg.crop_scale[0]:g}-{cfg.crop_scale[1]:g} of the area, "
        f"{'horizontal flips' if cfg.flip else 'no flips'}. BatchNorm recalibrated on "
        f"{cfg.calibration} training images per scored sub-network.",
        "",
        f"| sub-network | MAdds (M) | params (M) | validation top-1 | test top-1 |{goal_head}",
        "| --- | --- | --- | --- | --- |" + (" --- |" if goal_head else ""),
        f"| largest | {largest.madds_m:.3f} | {largest.params_m:.4f} | "
        f"{largest.valid_top1:.1f}% | **{largest.test_top1:.1f}%** |{goal(largest.test_top1, 95)}",
        f"| smallest | {smallest.madds_m:.3f} | {smallest.params_m:.4f} | "
        f"{smallest.valid_top1:.1f}% | **{smallest.test_top1:.1f}%** |"
        f"{goal(smallest.test_top1, 90)}",
        "",
        "![supernet](supernet.png)",
        "",
        *_ranking_lines(result),
        "## ASE-NAS vs random search under a MAdds cap",
        f"Cap: {result.cap:.3f} MMAdds (the {cfg.cap_quantile:.0%} quantile of MAdds over 2,000 "
        f"random sub-networks). Both methods see only feasible sub-networks (analytic MAdds; the"
        f" cap restricts the backend), {cfg.search_seeds} paired seeds each, {cfg.queries} "
        f"queries per run (a query budget, so CPU sharing cannot change a run); reward = "
        f"validation top-1 with inherited weights. ASE-NAS: {_ase_settings(result)} (the "
        f"live backend's defaults: the paper's ImageNet settings) and its rule that a center "
        f"is replaced only by a feasible candidate. The runs are an ordinary study "
        f"(`asebench.study.run_study` on the live backend){_study_place(result)}; "
        f"the backend reports every answer on the test split (`--backend-opt "
        f"test_data={cfg.dataset}/test`), so test top-1 below is measured there, not on the "
        f"validation split that gives the reward.",
        "",
        "| method | answers within the cap | test top-1 (mean ± sd) | validation top-1 | "
        "MAdds (M) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for method, row in per_method.iterrows():
        n = int((runs.method == method).sum())
        ok = int(runs[runs.method == method]["feasible"].sum())
        lines.append(f"| {method} | {ok}/{n} | {row.test:.2f} ± {row.test_sd:.2f} | "
                     f"{row.valid:.2f} | {row.madds:.3f} |")
    if "ase" in feasible.index and "random" in feasible.index and paired:
        lines += _verdict(paired)
    files = ("`ranking.csv` and `ranking_fidelity.csv`, " if not result.ranking.empty else "")
    lines += [
        "",
        "![search](search.png)",
        "",
        "## GPU",
        "No GPU was available for this run: `benchmarks/supernet_speed.py`'s GPU figure "
        "(images/s with bf16 and channels-last at 224 px) was not measured. Nothing here needs "
        "a GPU.",
        "",
        "## Files",
        f"`supernet.csv` (largest/smallest), `training_history.csv` (loss per epoch), {files}"
        f"`search_runs.csv` (one row per run), `search_queries.csv` (one row per query), "
        f"`search_paired.json`, `config.json` (every setting), `{_manifest_name(cfg)}` (the "
        f"export's manifest and checksum).",
        "",
    ]
    return "\n".join(lines)


def _manifest_name(cfg: Any) -> str:
    from asebench.digits import MANIFEST

    return MANIFEST if cfg.dataset == "digits" else f"{cfg.dataset}.json"


def write_report(result: DemoResult, manifest: Mapping[str, Any]) -> None:
    """Write the report folder ``result.out`` atomically (``manifest``: the export's)."""
    out = Path(result.out)
    out.resolve().parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_directory(out)
    try:
        result.supernet.to_csv(tmp / "supernet.csv", index=False)
        result.history.to_csv(tmp / "training_history.csv", index=False)
        if not result.ranking.empty:
            result.ranking.to_csv(tmp / "ranking.csv", index=False)
            pd.DataFrame([result.fidelity]).to_csv(tmp / "ranking_fidelity.csv", index=False)
        result.runs.to_csv(tmp / "search_runs.csv", index=False)
        result.queried.to_csv(tmp / "search_queries.csv", index=False)
        methods = list(dict.fromkeys(result.runs["method"]))
        paired = paired_summary(result.runs, "ase", "random") \
            if {"ase", "random"} <= set(methods) else {}
        summary = {"cap_madds_m": result.cap, "paired_ase_minus_random": paired,
                   "timings_s": dict(result.timings)}
        (tmp / "search_paired.json").write_text(json.dumps(summary, indent=2) + "\n")
        (tmp / "config.json").write_text(json.dumps(result.config.to_dict(), indent=2) + "\n")
        (tmp / _manifest_name(result.config)).write_text(json.dumps(manifest, indent=2) + "\n")
        _figures(result, tmp)
        (tmp / "README.md").write_text(_readme(result, paired, dict(manifest)),
                                       encoding="utf-8")
        publish_directory(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
