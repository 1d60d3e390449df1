"""The ranking-fidelity study: does the supernet order sub-networks as training them alone
from scratch does?

``N`` sub-networks spanning the MAdds range (:func:`asebench.supernet._ranking.spread_archs`)
are each trained stand-alone (:mod:`asebench.supernet._standalone`) with ``seeds`` seeds on the
supernet's own training images (its data folder less the checkpoint's held-out split), every one
with the same budget, and evaluated on the evaluation split: the checkpoint's held-out split
(what ``asebench supernet score`` and the search reward use), or ``eval_data``. The supernet's
score of each (inherited weights, BatchNorm recalibrated, as ``asebench supernet score``) is
measured on the same split. The comparison is
:func:`asebench.supernet._fidelity_report.summarize`'s.

Every finished training is stored at once (:class:`FidelityStore`); a rerun with the same
settings trains only what is missing. On the CPU every training runs in one thread (in
``workers`` processes), so its result is the same whatever the number of workers.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from asebench.errors import AsebenchError
from asebench.records import Arch
from asebench.supernet._checkpoint import Checkpoint
from asebench.supernet._config import SupernetConfig
from asebench.supernet._cost import analytic_cost
from asebench.supernet._data import ImageFolder, load_images, make_loader, scan_image_folder
from asebench.supernet._fidelity_store import SCORING_ONLY, FidelityStore, json_ready
from asebench.supernet._ranking import spread_archs
from asebench.supernet._score import Autocast, Scorer, accuracy
from asebench.supernet._standalone import (
    Batches,
    StandaloneConfig,
    fresh_subnet,
    memory_batches,
    train_subnet,
)

__all__ = ["FidelityConfig", "FidelityResult", "run_fidelity"]

Log = Callable[[str], None]


@dataclass(frozen=True)
class FidelityConfig:
    """A ranking-fidelity study's settings.

    Attributes:
        archs: sub-networks compared (>= 5: the top-5 overlap needs them).
        seeds: stand-alone trainings per sub-network (>= 2: seed against seed is the noise
            ceiling); seeds ``seed + 1 .. seed + seeds``.
        epochs, batch_size, lr: the budget of every stand-alone training (SGD, Nesterov,
            cosine to 0, label smoothing 0.1; the crops and flips the supernet was trained
            with).
        train_images: train on a seeded subset of this many of the supernet's training images
            (None: all of them).
        eval_data: evaluate on this image folder (its ``train/`` or class folders) instead of
            the checkpoint's held-out split.
        calibration: training images for the supernet scores' BatchNorm recalibration.
        device: ``auto``, ``cpu`` or ``cuda``.
        workers: trainings run at once, each in its own process (1: in this process).
        preload: decode the training images once into memory (else stream them from the
            files with ``loader_workers`` processes; needs ``workers == 1``).
        bootstrap: resamples of the confidence intervals.
        seed: seed of the sub-networks picked, of the training subset and the calibration
            images, and of the bootstrap.
        compare: finished fidelity studies of earlier settings, listed in the report beside
            this one (not part of the study's settings: a rerun may add one).
        reuse_trainings: finished fidelity studies whose stand-alone trainings this one
            copies instead of training them again, when they differ from it only in the
            supernet (its checkpoint, its BatchNorm recalibration) and the seeds: the ground
            truth does not depend on the supernet, so a supernet variant costs only its
            scoring. A copied training keeps its record and says where it came from.
    """

    archs: int = 30
    seeds: int = 2
    epochs: int = 8
    batch_size: int = 64
    lr: float = 0.05
    train_images: int | None = None
    eval_data: str | None = None
    calibration: int = 500
    device: str = "auto"
    workers: int = 1
    preload: bool = True
    loader_workers: int = 0
    bootstrap: int = 2000
    seed: int = 0
    compare: tuple[str, ...] = ()
    reuse_trainings: tuple[str, ...] = ()

    def check(self) -> None:
        """Raise a one-line AsebenchError for a value out of range."""
        rules = [(self.archs >= 5, f"--archs must be >= 5, got {self.archs}"),
                 (self.seeds >= 2, f"--seeds must be >= 2, got {self.seeds}"),
                 (self.epochs >= 1, f"--epochs must be >= 1, got {self.epochs}"),
                 (self.batch_size >= 1, f"--batch-size must be >= 1, got {self.batch_size}"),
                 (self.lr > 0, f"--lr must be > 0, got {self.lr}"),
                 (self.train_images is None or self.train_images >= 1,
                  f"--train-images must be >= 1, got {self.train_images}"),
                 (self.calibration >= 1, f"--calibration must be >= 1, got {self.calibration}"),
                 (self.workers >= 1, f"--workers must be >= 1, got {self.workers}"),
                 (self.loader_workers >= 0,
                  f"--loader-workers must be >= 0, got {self.loader_workers}"),
                 (self.preload or self.workers == 1,
                  "--no-preload streams the images in this process: use --workers 1"),
                 (self.bootstrap >= 100, f"--bootstrap must be >= 100, got {self.bootstrap}"),
                 (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:"),
                  f"--device must be auto, cpu or cuda, got {self.device!r}")]
        for ok, message in rules:
            if not ok:
                raise AsebenchError(message)


@dataclass(frozen=True)
class FidelityResult:
    """What a study found.

    Attributes:
        out: the study folder.
        table: one row per sub-network x seed.
        summary: the comparisons (see :func:`summarize`).
        trained: stand-alone trainings run by this call (the rest were stored before).
        seconds: wall-clock seconds of this call.
    """

    out: str
    table: pd.DataFrame
    summary: pd.DataFrame
    trained: int
    seconds: float


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise AsebenchError(f"--device {name} asked for but CUDA is not available")
    return torch.device(name)


def _file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Plan:
    """Everything decided before the first training."""

    scorer: Scorer
    ckpt: Checkpoint
    net_config: SupernetConfig
    archs: list[Arch]
    names: list[str]
    train: ImageFolder
    eval_split: str
    standalone: StandaloneConfig
    device: torch.device
    settings: dict[str, Any]


def _plan(supernet: str | os.PathLike[str], data: str | os.PathLike[str],
          config: FidelityConfig) -> _Plan:
    config.check()
    device = _device(config.device)
    scorer = Scorer.from_checkpoint(supernet, data, device=str(device),
                                    calibration=config.calibration, seed=config.seed)
    ckpt = scorer.checkpoint
    assert ckpt is not None
    eval_split = "the checkpoint's held-out split"
    eval_files: tuple[str, ...] = tuple(ckpt.holdout)
    if config.eval_data is not None:
        folder = scan_image_folder(config.eval_data, classes=ckpt.classes)
        eval_files = folder.files
        images = load_images(folder, ckpt.config.resolution)
        scorer = Scorer(scorer.supernet, images, scorer.calibration)
        scorer.checkpoint = ckpt
        eval_split = f"{folder.root} ({len(folder)} images)"
    space, net_config = scorer.space, ckpt.config

    def madds(arch: Arch) -> float:
        return float(analytic_cost(net_config, space.decode(arch)).madds_m)

    archs = spread_archs(space, madds, config.archs, config.seed)
    pool = scan_image_folder(data, classes=ckpt.classes)
    held = set(ckpt.holdout)
    rows = [i for i, f in enumerate(pool.files) if f not in held]
    if config.train_images is not None:
        if config.train_images > len(rows):
            raise AsebenchError(f"--train-images {config.train_images} is more than the "
                                f"{len(rows)} training images of {str(data)!r}")
        pick = np.random.default_rng([config.seed, 1]).permutation(len(rows))
        rows = sorted(rows[i] for i in pick[:config.train_images])
    if len(rows) < config.batch_size:
        raise AsebenchError(f"{len(rows)} training images are fewer than one batch of "
                            f"{config.batch_size}")
    train = pool.subset(rows)
    crop = tuple(ckpt.train.get("crop_scale", (0.08, 1.0)))
    standalone = StandaloneConfig(epochs=config.epochs, batch_size=config.batch_size,
                                  lr=config.lr, crop_scale=(float(crop[0]), float(crop[1])),
                                  flip=bool(ckpt.train.get("flip", True)))
    names = [space.to_string(a) for a in archs]
    settings = {
        "supernet_sha256": _file_sha256(supernet), "data": str(Path(data).resolve()),
        "eval_data": None if config.eval_data is None else str(Path(config.eval_data).resolve()),
        "device": device.type, "train_images": len(train),
        "calibration": len(scorer.calibration),
        "supernet_training": supernet_training(ckpt.train),
        "split_sha256": _split_sha256(train.files, eval_files),
        "seed": config.seed, "seeds": [config.seed + 1 + i for i in range(config.seeds)],
        "standalone": {k: v for k, v in asdict(standalone).items() if k != "seed"},
        "archs": names}
    return _Plan(scorer, ckpt, net_config, archs, names, train, eval_split, standalone, device,
                 settings)


def supernet_training(train: Mapping[str, Any]) -> dict[str, Any]:
    """How the checkpoint's supernet was trained, in the terms its command line takes
    (``phases`` as ``full=10,kernel=3,depth=3:2,expand=4:4``): what a supernet variant
    changes, so a report can say it."""
    phases = ",".join(f"{p['name']}={p['epochs']}" + (f":{p['subnets']}" if p.get("subnets", 1)
                                                      != 1 else "")
                      for p in train.get("phases", ()))
    return {"phases": phases, "kd_ratio": train.get("kd_ratio"),
            "sandwich": bool(train.get("sandwich", False)),
            "inplace_distillation": bool(train.get("inplace_distillation", False))}


def _split_sha256(train: Sequence[str], evaluation: Sequence[str]) -> str:
    """What the stand-alone trainings train and are evaluated on, as one hash of the file
    names: two checkpoints with other held-out splits give other trainings."""
    digest = hashlib.sha256()
    for name in (*train, "\0", *evaluation):
        digest.update(name.encode() + b"\n")
    return digest.hexdigest()


# -- the trainings (in this process or in worker processes) -----------------------------------

_DATA: dict[str, Any] = {}


def _init_worker(payload: Mapping[str, Any]) -> None:
    _DATA.clear()
    _DATA.update(payload)
    if payload["device"].type == "cpu":
        torch.set_num_threads(1)


def _batches(standalone: StandaloneConfig) -> tuple[Batches, int]:
    if _DATA["images"] is not None:
        images, labels = _DATA["images"], _DATA["labels"]
        return (memory_batches(images, labels, standalone.batch_size, standalone.seed),
                len(images) // standalone.batch_size)
    loader = make_loader(_DATA["train"], _DATA["source_size"], standalone.batch_size,
                         standalone.seed, _DATA["loader_workers"],
                         _DATA["device"].type == "cuda")

    def batches(epoch: int) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
        loader.sampler.set_epoch(epoch)  # type: ignore[attr-defined]
        return iter(loader)

    return batches, len(loader)


def _train_one(job: tuple[int, Arch, str, int]) -> dict[str, Any]:
    """One stand-alone training and its evaluation: the record to store."""
    net_index, arch, name, seed = job
    t0 = time.perf_counter()
    standalone = replace(_DATA["standalone"], seed=seed)
    net_config: SupernetConfig = _DATA["net_config"]
    size = net_config.space().decode(arch).resolution or net_config.resolution
    device = _DATA["device"]
    net = fresh_subnet(net_config, arch, seed)
    batches, steps = _batches(standalone)
    losses = train_subnet(net, batches, steps, size, standalone, device)
    autocast: Autocast = nullcontext
    if device.type == "cuda":
        autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16)  # noqa: E731
    top1, top5 = accuracy(net, _DATA["eval_images"], _DATA["eval_labels"], size=size,
                          autocast=autocast)
    return {"net": net_index, "seed": seed, "arch": name, "top1": top1, "top5": top5,
            "final_loss": float(losses[-1]), "losses": [float(v) for v in losses],
            "seconds": time.perf_counter() - t0, "device": device.type}


def _run_jobs(jobs: list[tuple[int, Arch, str, int]], payload: Mapping[str, Any],
              workers: int, store: FidelityStore, log: Log, total: int, done: int) -> None:
    t0 = time.perf_counter()

    def finished(record: Mapping[str, Any], count: int) -> None:
        store.write_training(record)
        rate = (time.perf_counter() - t0) / (count - done)
        log(f"trained {count}/{total}: net {record['net']:02d} seed {record['seed']} top-1 "
            f"{record['top1']:.2f}% in {record['seconds']:.1f} s (about "
            f"{rate * (total - count) / 60:.1f} min left)")

    count = done
    if workers == 1 or len(jobs) <= 1:
        threads = torch.get_num_threads()
        _init_worker(payload)
        try:
            for job in jobs:
                count += 1
                finished(_train_one(job), count)
        finally:
            torch.set_num_threads(threads)
            _DATA.clear()
        return
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=get_context("spawn"),
                             initializer=_init_worker, initargs=(payload,)) as pool:
        pending: set[Future[dict[str, Any]]] = {pool.submit(_train_one, job) for job in jobs}
        while pending:
            ready, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                count += 1
                finished(future.result(), count)


def run_fidelity(supernet: str | os.PathLike[str], data: str | os.PathLike[str],
                 out: str | os.PathLike[str], config: FidelityConfig | None = None,
                 log: Log | None = None) -> FidelityResult:
    """Run (or resume) a ranking-fidelity study and write its report into ``out``.

    Args:
        supernet: the supernet checkpoint.
        data: the image folder it was trained on.
        out: the study folder (created; resumed when it holds this study).
        config: the settings (default :class:`FidelityConfig`).
        log: receives a progress line per step (default: none).

    Raises:
        AsebenchError: bad settings, checkpoint or data, or ``out`` holding something else;
            nothing is written then.
    """
    config = config if config is not None else FidelityConfig()
    threads = torch.get_num_threads()
    # One intra-op thread: these networks are small, a second thread mostly waits at OpenMP
    # barriers on a shared machine, and CPU results must not depend on the thread count.
    torch.set_num_threads(1)
    try:
        return _run(supernet, data, out, config, log)
    finally:
        torch.set_num_threads(threads)


def _run(supernet: str | os.PathLike[str], data: str | os.PathLike[str],
         out: str | os.PathLike[str], config: FidelityConfig, log: Log | None
         ) -> FidelityResult:
    from asebench.supernet._fidelity_report import read_compared, summarize, write_report

    say = log if log is not None else (lambda _: None)
    t_start = time.perf_counter()
    compared = read_compared(config.compare)
    plan = _plan(supernet, data, config)
    store = FidelityStore(out)
    resume = store.check(plan.settings)
    index = dict(enumerate(plan.names))
    done = store.finished(index) if resume else {}
    copies: dict[tuple[int, int], dict[str, Any]] = {}
    for source in config.reuse_trainings:  # checked before anything is written
        for key, record in store.reusable(source, plan.settings).items():
            if key not in done and key not in copies:
                copies[key] = {**record, "copied_from": str(Path(source).resolve())}
    seeds = plan.settings["seeds"]
    # the costliest first: fewer workers idle while the last big one trains
    jobs = [(i, arch, plan.names[i], seed) for i, arch in reversed(list(enumerate(plan.archs)))
            for seed in seeds if (i, seed) not in done and (i, seed) not in copies]
    payload: dict[str, Any] = {
        "net_config": plan.net_config, "standalone": plan.standalone, "device": plan.device,
        "eval_images": plan.scorer.images, "eval_labels": plan.scorer.labels,
        "images": None, "labels": None, "train": plan.train, "loader_workers":
        config.loader_workers, "source_size": round(plan.net_config.resolution / 0.875)}
    if jobs and config.preload:
        payload["images"], payload["labels"] = load_images(
            plan.train, payload["source_size"], crop=1.0, workers=config.loader_workers)
    say(f"scoring {len(plan.archs)} sub-networks in the supernet on {plan.eval_split}")
    scores = [plan.scorer.score(arch).top1 for arch in plan.archs]
    stored = store.settings() if resume else None
    wanted = json_ready(plan.settings)
    if stored is not None and any(stored.get(k) != wanted[k] for k in SCORING_ONLY
                                  if k in stored):
        say(f"{out}: another supernet or recalibration than its last run: its stand-alone "
            f"trainings are kept, the scores and the report are made again")
    if stored != wanted:
        store.start(plan.settings)  # new; another supernet; or made before a setting existed
    for record in copies.values():
        store.write_training(record)
    if copies:
        say(f"{len(copies)} stand-alone trainings copied from "
            f"{', '.join(map(str, config.reuse_trainings))}")
    done = {**done, **copies}
    total = len(plan.archs) * len(seeds)
    say(f"{len(done)} of {total} stand-alone trainings stored, {len(jobs)} to run "
        f"({config.epochs} epochs of {len(plan.train)} images each, {config.workers} "
        f"worker(s), {plan.device.type})")
    _run_jobs(jobs, payload, config.workers, store, say, total, len(done))
    records = store.finished(index)
    space = plan.scorer.space
    rows = []
    for (i, seed), record in sorted(records.items()):
        cost = analytic_cost(plan.net_config, space.decode(plan.archs[i]))
        rows.append({"net": i, "arch": plan.names[i], "madds_m": cost.madds_m,
                     "params_m": cost.params_m, "supernet_top1": scores[i], "seed": seed,
                     "standalone_top1": record["top1"], "standalone_top5": record["top5"],
                     "final_loss": record["final_loss"], "seconds": record["seconds"]})
    table = pd.DataFrame(rows)
    summary = summarize(table, config.bootstrap, config.seed)
    seconds = time.perf_counter() - t_start
    write_report(out, table, summary, plan.settings, plan.eval_split, str(supernet), seconds,
                 compared, config.bootstrap, config.seed)
    say(f"report in {out} ({seconds:.1f} s)")
    return FidelityResult(str(out), table, summary, len(jobs), seconds)
