"""Tiny official-format benchmarks built with the packages' own result classes.

Every number comes from a formula below (``accuracy``, ``train_time``, ...), so a test can check
an imported table against the values that were put in. Layout per arch: both schedules
(``12`` and ``200`` epochs), the four NATS datasets with their evaluation sets, two seeds
(``SEEDS``), except arch 1 (one seed on cifar100) and arch 2 (three seeds on cifar10-valid at
200 epochs), which exercise NaN padding and seed-width growth.

Also used (scaled up) by ``benchmarks/import_speed.py``.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

EPOCHS = {"12": 12, "200": 200}
SEEDS = {"12": (111, 777), "200": (777, 888)}
EVAL_SETS = {
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar10": ("ori-test",),
    "cifar100": ("x-valid", "x-test", "ori-test"),
    "ImageNet16-120": ("x-valid", "x-test", "ori-test"),
}
_DATASET_OFFSET = {"cifar10-valid": 0.0, "cifar10": 1.0, "cifar100": 2.0, "ImageNet16-120": 5.0}
ARCHIVE_NAME = "NATS-tss-v1_0-3ffb9-simple"


def meta_archs(count: int) -> list[str]:
    """The first ``count`` arch strings in NATS index order (from the embedded table)."""
    from asebench.spaces import NB201Space
    from asebench.tables import load_table

    space = NB201Space()
    codes = load_table().arch_codes[:count]
    return [space.to_string(tuple(int(c) for c in row)) for row in codes]


def seeds(index: int, hp: str, dataset: str) -> tuple[int, ...]:
    if index == 1 and dataset == "cifar100":
        return SEEDS[hp][:1]
    if index == 2 and dataset == "cifar10-valid" and hp == "200":
        return (777, 888, 999)
    return SEEDS[hp]


def accuracy(index: int, hp: str, dataset: str, seed: int, setname: str, epoch: int) -> float:
    key = zlib.crc32(f"{index}/{hp}/{dataset}/{seed}/{setname}".encode())
    return 30.0 + (key % 600_000) / 10_000 + 5.0 * epoch / EPOCHS[hp]


def train_time(index: int, hp: str, dataset: str, seed: int, epoch: int,
               vary: bool = False) -> float:
    """Seconds of one training epoch (NATS stores per-arch constants; these vary by epoch)."""
    base = 4.0 + 0.37 * (index % 97) + _DATASET_OFFSET[dataset]
    return base + 1e-3 * epoch + (0.01 * (seed % 7) if vary else 0.0)


def eval_time(index: int, hp: str, dataset: str, seed: int, setname: str, epoch: int) -> float:
    return 0.9 + 0.011 * (index % 89) + 0.1 * _DATASET_OFFSET[dataset] + 1e-4 * epoch


def params(index: int, dataset: str) -> float:
    return 0.073 + 0.001 * (index % 211) + (0.01 if dataset in ("cifar100", "ImageNet16-120")
                                            else 0.0)


def flops(index: int, dataset: str) -> float:
    return 7.9 + 0.5 * (index % 211) + (0.25 * _DATASET_OFFSET[dataset])


def latency(index: int, dataset: str, seed: int) -> float:
    return 0.01 + 1e-4 * (index % 307) + 1e-6 * (seed % 3)


def arch_results(module: ModuleType, index: int, arch_str: str, hp: str,
                 vary: bool = False) -> Any:
    """One arch's official ``ArchResults`` for schedule ``hp`` (``module``: ``nats_bench`` or
    ``nas_201_api``)."""
    epochs = EPOCHS[hp]
    archres = module.ArchResults(index, arch_str)
    for dataset, sets in EVAL_SETS.items():
        for seed in seeds(index, hp, dataset):
            train_acc = {e: accuracy(index, hp, dataset, seed, "train", e) for e in range(epochs)}
            train_loss = {e: 2.0 - train_acc[e] / 100 for e in range(epochs)}
            config = {"arch_str": arch_str, "channel": 16, "num_cells": 5,
                      "class_num": 10 if dataset.startswith("cifar10") else 100}
            run = module.ResultsCount(dataset, None, train_acc, train_loss,
                                      params(index, dataset), flops(index, dataset), config,
                                      seed, epochs, [latency(index, dataset, seed)])
            times = {e: train_time(index, hp, dataset, seed, e, vary) for e in range(epochs)}
            run.update_train_info(train_acc, dict(train_acc), train_loss, times)
            accs, losses, etimes = {}, {}, {}
            for setname in sets:
                for e in range(epochs):
                    key = f"{setname}@{e}"
                    accs[key] = accuracy(index, hp, dataset, seed, setname, e)
                    losses[key] = 1.0 - accs[key] / 200
                    etimes[key] = eval_time(index, hp, dataset, seed, setname, e)
            run.update_eval(accs, losses, etimes)
            archres.update(dataset, seed, run)
    return archres


def arch_state(index: int, arch_str: str, vary: bool = False) -> dict[str, Any]:
    """``{hp: ArchResults state dict}`` as stored in one NATS archive file."""
    import nats_bench

    return {hp: arch_results(nats_bench, index, arch_str, hp, vary).state_dict()
            for hp in EPOCHS}


def write_archive_file(directory: Path, index: int, arch_str: str, vary: bool = False) -> None:
    from nats_bench import pickle_save

    pickle_save(arch_state(index, arch_str, vary), str(directory / f"{index:06d}.pickle"))


def write_nats_archive(root: Path, count: int = 5, vary: bool = False,
                       name: str = ARCHIVE_NAME) -> Path:
    """A NATS-tss ``-simple`` directory: ``meta.pickle.pbz2`` + one file per arch."""
    from nats_bench import pickle_save

    directory = Path(root) / name
    directory.mkdir(parents=True, exist_ok=True)
    archs = meta_archs(count)
    pickle_save({"meta_archs": archs}, str(directory / "meta.pickle"))
    for index, arch_str in enumerate(archs):
        write_archive_file(directory, index, arch_str, vary)
    return directory


def write_nats_pickle(root: Path, count: int = 5) -> Path:
    """The single-file NATS benchmark (``NATS-tss-v1_0-3ffb9.pickle.pbz2`` layout)."""
    from nats_bench import pickle_save

    archs = meta_archs(count)
    data = {"meta_archs": archs,
            "arch2infos": {i: arch_state(i, a) for i, a in enumerate(archs)},
            "evaluated_indexes": list(range(count))}
    path = Path(root) / "NATS-tss-v1_0-3ffb9.pickle"
    pickle_save(data, str(path))
    return path.with_name(path.name + ".pbz2")


def write_nb201_pth(root: Path, count: int = 5, legacy: bool = False) -> Path:
    """A NAS-Bench-201 ``.pth`` (``less`` = 12 epochs, ``full`` = 200 epochs)."""
    import nas_201_api
    import torch

    archs = meta_archs(count)
    infos = {i: {"less": arch_results(nas_201_api, i, a, "12").state_dict(),
                 "full": arch_results(nas_201_api, i, a, "200").state_dict()}
             for i, a in enumerate(archs)}
    path = Path(root) / "NAS-Bench-201-v1_1-096897.pth"
    torch.save({"meta_archs": archs, "arch2infos": infos,
                "evaluated_indexes": list(range(count))}, path,
               _use_new_zipfile_serialization=not legacy)
    return path
