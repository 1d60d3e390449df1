"""The live demo end to end: real images (Fashion-MNIST by default) -> progressive shrinking ->
supernet quality, ASE-NAS vs random search under a MAdds cap (and, where the settings ask for
it, a small ranking check against stand-alone training) -> report.

Splits: the exported ``test`` folder (the dataset's official test split for the MNIST family;
never trained, searched or selected on) gives every
accuracy the report states; the checkpoint's held-out split of the training pool is the search's
validation reward; the rest of the training pool trains the supernet and the stand-alone
networks and recalibrates BatchNorm.

The search is an ordinary study (:func:`asebench.study.run_study` on the live backend with
``test_data`` set to the test folder), stored under the work folder (``study/``) and read back
from there; a rerun with the same weights, settings and code reuses its finished chunks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from asebench.digits import export_digits, read_manifest
from asebench.errors import AsebenchError
from asebench.livedemo._config import FULL, DemoConfig
from asebench.livedemo._ranking import rank_fidelity, spread_archs
from asebench.livedemo._report import write_report
from asebench.livedemo._result import DemoResult
from asebench.livedemo._search import read_searches, run_searches, search_spec
from asebench.livedemo._standalone import StandaloneConfig
from asebench.records import Arch

__all__ = ["DemoResult", "run_demo"]


def _log(message: str) -> None:
    print(f"[live-demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


def export_manifest(data: Path, cfg: DemoConfig) -> dict[str, Any] | None:
    """The manifest of the demo's export in ``data`` (None: none there)."""
    if cfg.dataset == "digits":
        return read_manifest(data)
    from asebench.datasets import read_idx_manifest

    return read_idx_manifest(data, cfg.dataset)


def _export(data: Path, cfg: DemoConfig, train_per_class: int | None) -> Path:
    """The demo's image folder in ``data``: reused when it holds these settings' export."""
    manifest = export_manifest(data, cfg)
    wanted = {"size": cfg.size, "test_per_class": cfg.test_per_class,
              "train_per_class": train_per_class, "seed": cfg.seed}
    if manifest is not None and all(manifest.get(k) == v for k, v in wanted.items()):
        return data
    if cfg.dataset == "digits":
        export_digits(data, cfg.size, cfg.test_per_class or 0, train_per_class, cfg.seed,
                      force=True)
    else:
        from asebench.datasets import export_idx

        export_idx(cfg.dataset, data, data=cfg.data_dir, size=cfg.size,
                   train_per_class=train_per_class, test_per_class=cfg.test_per_class,
                   seed=cfg.seed, force=True)
    return data


def _train(data: Path, ckpt: Path, cfg: DemoConfig, holdout: int) -> None:
    from asebench.supernet import TrainConfig, train_supernet

    config = TrainConfig(preset="tiny", resolution=cfg.size, num_classes=None,
                         holdout=holdout, phases=cfg.phases, batch_size=cfg.batch_size,
                         lr=cfg.lr, kd_ratio=cfg.kd_ratio, workers=0, preload=True,
                         device="cpu", crop_scale=cfg.crop_scale, flip=cfg.flip,
                         seed=cfg.seed)
    train_supernet(data, ckpt, config, resume=False, progress=False)


@dataclass(frozen=True)
class _Trained:
    """A trained supernet with its validation and test scorers."""

    data: Path
    ckpt: Path
    valid: Any
    test: Any
    test_images: tuple[Any, Any]
    seconds: float


def _supernet(data: Path, ckpt: Path, cfg: DemoConfig, holdout: int) -> _Trained:
    from asebench.supernet import Scorer, load_images, read_checkpoint, scan_image_folder

    t0 = time.perf_counter()
    _train(data, ckpt, cfg, holdout)
    seconds = time.perf_counter() - t0
    classes = read_checkpoint(ckpt).classes
    valid = Scorer.from_checkpoint(ckpt, data, device="cpu", calibration=cfg.calibration,
                                   seed=cfg.seed)
    test_images = load_images(scan_image_folder(data / "test", classes=classes), cfg.size)
    return _Trained(data, ckpt, valid, Scorer(valid.supernet, test_images, valid.calibration),
                    test_images, seconds)


def _train_one(job: tuple[Any, ...]) -> tuple[float, float, float]:
    """Worker: train one stand-alone sub-network; ``(test top-1, last loss, seconds)``."""
    import torch

    from asebench.livedemo._standalone import fresh_subnet, train_standalone
    from asebench.supernet import accuracy

    config, arch, images, labels, test, size, standalone, threads = job
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    net = fresh_subnet(config, arch, standalone.seed)
    losses = train_standalone(net, images, labels, size, standalone)
    top1, _ = accuracy(net, test[0], test[1], size=size)
    return top1, float(losses[-1]), time.perf_counter() - t0


def _standalone(jobs: list[tuple[Any, ...]], workers: int) -> list[tuple[float, float, float]]:
    if workers <= 1:
        return [_train_one(job) for job in jobs]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_train_one, jobs))


def run_demo(out: str | os.PathLike[str], config: DemoConfig = FULL,
             work: str | os.PathLike[str] | None = None,
             log: Callable[[str], None] = _log) -> DemoResult:
    """Run the whole demo and write its report (figures, CSVs, README.md) into ``out``.

    Args:
        out: report folder (replaced atomically at the end).
        config: the demo settings (:data:`FULL` or :data:`QUICK`).
        work: folder for the exported images, the checkpoints and the search's study
            (default ``build/live-demo``).
        log: receives a progress line per step.
    """
    import torch

    threads = torch.get_num_threads()
    # One intra-op thread per process: these networks are tiny, and on a shared machine a
    # second thread mostly waits at OpenMP barriers (measured 5-10x slower, not faster).
    torch.set_num_threads(1)
    try:
        return _run(Path(out), config, work, log)
    finally:
        torch.set_num_threads(threads)


def _standalone_ranking(trained: _Trained, archs: list[Arch], cfg: DemoConfig
                        ) -> pd.DataFrame:
    """Train every arch alone on ``trained``'s training images; score it in the supernet."""
    from asebench.supernet import load_images, read_checkpoint, scan_image_folder

    ckpt = read_checkpoint(trained.ckpt)
    held = set(ckpt.holdout)
    pool = scan_image_folder(trained.data, classes=ckpt.classes)
    train_files = pool.subset([i for i, f in enumerate(pool.files) if f not in held])
    images, labels = load_images(train_files, round(cfg.size / 0.875), crop=1.0)
    epochs = cfg.standalone_epochs if cfg.standalone_epochs is not None else cfg.total_epochs
    seeds = range(cfg.seed, cfg.seed + cfg.standalone_seeds)
    jobs = [(ckpt.config, arch, images, labels, trained.test_images, cfg.size,
             StandaloneConfig(epochs=epochs, batch_size=cfg.batch_size, lr=cfg.lr,
                              crop_scale=cfg.crop_scale, flip=cfg.flip, seed=seed), 1)
            for arch in archs for seed in seeds]
    done = np.array(_standalone(jobs, cfg.workers)).reshape(len(archs), len(seeds), 3)
    space = trained.valid.space
    table = pd.DataFrame({
        "arch": [space.to_string(a) for a in archs],
        "supernet_test_top1": [trained.test.score(a).top1 for a in archs],
        "standalone_test_top1": done[:, :, 0].mean(1),
        "standalone_final_loss": done[:, :, 1].mean(1),
        "standalone_seconds": done[:, :, 2].sum(1),
        "train_images": len(images), "standalone_epochs": epochs})
    for i, seed in enumerate(seeds):
        table[f"standalone_test_top1_seed{seed}"] = done[:, i, 0]
    return table


def _run(out: Path, config: DemoConfig, work: str | os.PathLike[str] | None,
         log: Callable[[str], None]) -> DemoResult:
    import torch

    from asebench.supernet import analytic_cost

    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    work_dir = Path(work) if work is not None else Path("build/live-demo")

    t0 = time.perf_counter()
    # the export checks its source files before it creates anything (a bad --data leaves no
    # work folder behind)
    data = _export(work_dir / config.dataset, config, config.train_per_class)
    work_dir.mkdir(parents=True, exist_ok=True)
    timings["export_s"] = time.perf_counter() - t0
    log(f"{config.dataset} in {data} ({timings['export_s']:.1f} s)")

    main = _supernet(data, work_dir / "supernet.pt", config, config.holdout)
    timings["train_s"] = main.seconds
    valid, tester = main.valid, main.test
    history = pd.DataFrame(list(valid.checkpoint.history))
    log(f"supernet trained: {len(history)} epochs ({main.seconds:.1f} s)")
    space, net_config = valid.space, valid.supernet.config

    def madds(arch: Arch) -> float:
        return float(analytic_cost(net_config, space.decode(arch)).madds_m)

    rows = []
    for role, arch in (("largest", space.largest()), ("smallest", space.smallest())):
        cost = analytic_cost(net_config, space.decode(arch))
        rows.append({"role": role, "arch": space.to_string(arch), "madds_m": cost.madds_m,
                     "params_m": cost.params_m, "valid_top1": valid.score(arch).top1,
                     "test_top1": tester.score(arch).top1})
    supernet = pd.DataFrame(rows)
    log("supernet held-out test top-1: " + ", ".join(
        f"{r['role']} {r['test_top1']:.1f}%" for r in rows))

    t0 = time.perf_counter()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    quantile = np.quantile([madds(space.sample(rng)) for _ in range(2000)],
                           config.cap_quantile)
    # a study keeps a constraint's limit to 6 significant digits: the cap is that number,
    # so that an answer is feasible here exactly when the study accepts it
    cap = float(f"{quantile:g}")
    spec = search_spec(main.ckpt, data, data / "test", cap, config.methods,
                       config.search_seeds, config.queries, config.seed, config.calibration)
    study = run_searches(spec, work_dir / "study", config.workers)
    runs, queried = read_searches(study, cap, madds, space.from_string)
    timings["search_s"] = time.perf_counter() - t0
    log(f"search: {len(runs)} runs under {cap:.3f} MMAdds, study in {study} "
        f"({timings['search_s']:.1f} s)")

    ranking, fidelity = pd.DataFrame(), dict[str, float]()
    if config.rank_archs > 0:
        ranking, fidelity = _ranking_check(main, config, work_dir, timings, log)
    timings["total_s"] = time.perf_counter() - t_start

    result = DemoResult(str(out), supernet, ranking, fidelity, runs, queried, history, cap,
                        timings, config, str(study))
    write_report(result, export_manifest(data, config) or {})
    log(f"report in {out} ({time.perf_counter() - t_start:.1f} s in all)")
    return result


def _ranking_check(main: _Trained, config: DemoConfig, work_dir: Path,
                   timings: dict[str, float], log: Callable[[str], None]
                   ) -> tuple[pd.DataFrame, dict[str, float]]:
    """The small ranking check: ``config.rank_archs`` sub-networks trained alone against the
    supernet's scores (on a harder task when the settings ask for one)."""
    from asebench.supernet import analytic_cost

    t0 = time.perf_counter()
    space, tester = main.valid.space, main.test
    ranked, rank_cfg = main, config
    if config.rank_size is not None or config.rank_train_per_class is not None:
        rank_cfg = replace(config, size=config.rank_size or config.size)
        per_class = config.rank_train_per_class or config.train_per_class
        rank_data = _export(work_dir / f"{config.dataset}-rank", rank_cfg, per_class)
        ranked = _supernet(rank_data, work_dir / "supernet-rank.pt", rank_cfg,
                           config.rank_holdout)
        timings["rank_train_s"] = ranked.seconds
        log(f"ranking supernet ({rank_cfg.size} px, {per_class or 'all'} training images per "
            f"digit) trained ({ranked.seconds:.1f} s)")
    rank_config = ranked.valid.supernet.config

    def rank_madds(arch: Arch) -> float:
        return float(analytic_cost(rank_config, space.decode(arch)).madds_m)

    archs = spread_archs(space, rank_madds, config.rank_archs, config.seed)
    ranking = _standalone_ranking(ranked, archs, rank_cfg)
    ranking.insert(1, "madds_m", [rank_madds(a) for a in archs])
    ranking["main_supernet_test_top1"] = [tester.score(a).top1 for a in archs]
    fid = rank_fidelity(ranking["supernet_test_top1"].tolist(),
                        ranking["standalone_test_top1"].tolist(),
                        config.bootstrap, config.seed)
    fidelity = {k: float(v) for k, v in fid.__dict__.items()}
    timings["ranking_s"] = time.perf_counter() - t0
    log(f"ranking: Kendall tau {fid.tau:.3f} [{fid.tau_low:.3f}, {fid.tau_high:.3f}], "
        f"Spearman rho {fid.rho:.3f} ({timings['ranking_s']:.1f} s)")
    return ranking, fidelity


def check_out(out: str | os.PathLike[str]) -> None:
    """Refuse an ``out`` that is a file (before any work is done)."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise AsebenchError(f"report folder {str(path)!r} is a file")
