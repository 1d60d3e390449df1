"""Build the embedded NAS-Bench-201 table ``data/nb201.npz`` from ``../shared/data``.

This is the only place that reads the shared raw/derived data; the package reads the npz.
Run from the repository root::

    python scripts/build_nb201.py [--shared ../shared/data] [--out data/nb201.npz]

The output format is described in ``asebench/tables/_format.py`` (the loader and the
official-file importer write and read the same format). The sha256 of the output is written to
``data/nb201.npz.sha256`` (``sha256sum -c`` format); copy it into ``data/SOURCE.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asebench.tables._format import (  # noqa: E402
    DATASETS,
    SEEDS_200,
    TableMeta,
    write_table,
)

# Cost of one validation pass relative to one training epoch (see data/SOURCE.md): the table
# has no NATS valid-per-time, so the 12-epoch query cost is estimated from the train time.
VALID_TIME_RATIO = 0.346
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


def _arch_codes(arch_strings: pd.Series) -> np.ndarray:
    codes = np.zeros((len(arch_strings), 6), dtype=np.uint8)
    for row, text in enumerate(arch_strings):
        ops = [token.split("~")[0] for token in text.replace("+", "").split("|") if token]
        codes[row] = [OPS.index(op) for op in ops]
    return codes


def _per_seed(frame: pd.DataFrame, column: str, n_arch: int) -> np.ndarray:
    out = np.full((n_arch, len(SEEDS_200)), np.nan, dtype=np.float32)
    values = frame[column].to_numpy(dtype=np.float64)
    out[frame["arch_index"].to_numpy(), frame["seed_slot"].to_numpy()] = values
    return out


def build(shared: Path) -> tuple[dict[str, np.ndarray], TableMeta]:
    per_arch = pd.read_csv(shared / "derived" / "nb201_per_arch.csv")
    per_seed = pd.read_csv(shared / "derived" / "nb201_per_seed_200ep.csv")
    help_latency = pd.read_csv(shared / "derived" / "help_nb201_latency.csv")

    first = per_arch[per_arch.dataset == DATASETS[0]].sort_values("arch_index")
    n_arch = len(first)
    assert (first.arch_index.to_numpy() == np.arange(n_arch)).all()
    arrays: dict[str, np.ndarray] = {"arch_codes": _arch_codes(first.arch_str)}

    seed_dataset = {"cifar10": "cifar10-valid", "cifar100": "cifar100",
                    "ImageNet16-120": "ImageNet16-120"}
    for dataset in DATASETS:
        rows = per_arch[per_arch.dataset == dataset].sort_values("arch_index")
        assert (rows.arch_str.to_numpy() == first.arch_str.to_numpy()).all()
        seeds = per_seed[per_seed.dataset == seed_dataset[dataset]]
        per_epoch = rows.train_time_per_epoch_s.to_numpy()
        columns = {
            "vtao_test_acc_12_single": rows.vtao_test_acc_12_single,
            "valid_acc_200": _per_seed(seeds, "valid_acc_200", n_arch),
            "valid_acc_200_mean": rows.valid_acc_200_mean,
            "test_acc_200": _per_seed(seeds, "test_acc_200", n_arch),
            "test_acc_200_mean": rows.test_acc_200_mean,
            "vtao_test_acc_200_single": rows.vtao_test_acc_200_single,
            "train_time_per_epoch_s": per_epoch,
            "cost_12ep_s": per_epoch * (12.0 + VALID_TIME_RATIO),
            "latency_nats_s": rows.latency_nats,
            "params_m": rows.params_mb,
            "flops_m": rows.flops_m_formula,
            "n_seeds_200": rows.n_seeds_200,
        }
        if dataset != "cifar10":
            columns["valtest_acc_200"] = _per_seed(seeds, "valtest_acc_200", n_arch)
        for name, values in columns.items():
            array = np.asarray(values)
            dtype = np.int8 if name == "n_seeds_200" else np.float32
            arrays[f"{dataset}/{name}"] = array.astype(dtype)

    help_latency = help_latency.sort_values("arch_index")
    assert (help_latency.arch_str.to_numpy() == first.arch_str.to_numpy()).all()
    devices = [c for c in help_latency.columns if c not in ("arch_index", "arch_str")]
    arrays["help_latency_ms"] = help_latency[devices].to_numpy(dtype=np.float32)
    meta = TableMeta(
        name="nb201-embedded",
        description=(
            "NAS-Bench-201 / NATS-tss, 15,625 archs x 3 datasets, assembled from public "
            "redistributions (see data/SOURCE.md). The 12-epoch reward is ONE NATS-Bench "
            "run's 12-epoch test accuracy (vtao_test_acc_12_single), a proxy for the "
            "12-epoch validation accuracy the paper uses; the 12-epoch cost is estimated as "
            f"(12 + {VALID_TIME_RATIO}) x the 200-epoch per-epoch train time."),
        help_devices=tuple(devices),
        provenance={"built_by": "scripts/build_nb201.py", "source": "shared/data/derived"},
    )
    return arrays, meta


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=root / "data" / "nb201.npz")
    args = parser.parse_args()
    arrays, meta = build(args.shared)
    digest = write_table(args.out, arrays, meta)
    args.out.with_name(args.out.name + ".sha256").write_text(f"{digest}  {args.out.name}\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) sha256 {digest}")


if __name__ == "__main__":
    main()
