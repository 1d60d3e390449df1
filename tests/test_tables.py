from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from asebench.errors import DataError
from asebench.spaces import NB201Space
from asebench.tables import DATASETS, embedded_table_path, load_table, sha256_file

SPACE = NB201Space(order=load_table(embedded_table_path()).arch_codes)


@pytest.mark.parametrize("dataset, best_index, best_test", [
    ("cifar10", 6111, 94.37), ("cifar100", 9930, 73.51), ("ImageNet16-120", 857, 47.31)])
def test_best_200_epoch_test_accuracies_are_the_published_ones(table, dataset, best_index,
                                                               best_test) -> None:
    test = table.column(dataset, "test_acc_200_mean")
    assert int(np.nanargmax(test)) == best_index
    assert round(float(test[best_index]), 2) == best_test


def test_known_arch_values(table) -> None:
    arch = SPACE.from_string(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
        "nor_conv_3x3~2|")
    index = SPACE.index(arch)
    assert index == 9930
    metrics = table.metrics("cifar100", index)
    assert metrics["valid_acc_200"] == pytest.approx([73.52, 73.38, 73.58], abs=1e-4)
    assert metrics["n_seeds_200"] == 3
    assert metrics["params_m"] == pytest.approx(1.294356, abs=1e-5)


def test_table_shape_and_columns(table) -> None:
    assert table.num_archs == 15625
    assert table.datasets == DATASETS
    for dataset in DATASETS:
        for name in ("vtao_test_acc_12_single", "valid_acc_200", "test_acc_200_mean",
                     "cost_12ep_s", "train_time_per_epoch_s", "params_m", "flops_m",
                     "latency_nats_s"):
            column = table.column(dataset, name)
            assert column.shape[0] == 15625
            assert not column.flags.writeable
    # per-seed 200-epoch values: 2 or 3 seeds per arch, left-aligned
    counts = (~np.isnan(table.column("cifar100", "valid_acc_200"))).sum(axis=1)
    assert set(np.unique(counts)) == {2, 3}
    assert table.extra["help_latency_ms"].shape == (15625, len(table.meta.help_devices))


def test_imagenet_and_cifar100_cost_own_time_ratio(table) -> None:
    c10 = table.column("cifar10", "cost_12ep_s")
    assert np.allclose(table.column("cifar100", "cost_12ep_s") / c10, 2.0, rtol=1e-3)


def test_checksum_is_recorded_in_source_md() -> None:
    digest = sha256_file(embedded_table_path())
    sidecar = embedded_table_path().with_name("nb201.npz.sha256").read_text().split()[0]
    assert digest == sidecar
    source = (embedded_table_path().parent / "SOURCE.md").read_text()
    assert digest in source


def _copy_table(tmp_path: Path) -> Path:
    target = tmp_path / "nb201.npz"
    shutil.copy(embedded_table_path(), target)
    shutil.copy(embedded_table_path().with_name("nb201.npz.sha256"),
                tmp_path / "nb201.npz.sha256")
    return target


def test_corrupted_table_fails_its_checksum(tmp_path: Path) -> None:
    target = _copy_table(tmp_path)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(DataError, match="checksum mismatch"):
        load_table(target)


def test_truncated_table_without_sidecar_is_a_clear_error(tmp_path: Path) -> None:
    target = _copy_table(tmp_path)
    (tmp_path / "nb201.npz.sha256").unlink()
    target.write_bytes(target.read_bytes()[:1000])
    with pytest.raises(DataError, match="cannot read benchmark table"):
        load_table(target)


def test_missing_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_table(tmp_path / "missing.npz")


def test_env_var_selects_the_table(tmp_path: Path, monkeypatch) -> None:
    target = _copy_table(tmp_path)
    monkeypatch.setenv("ASEBENCH_DATA", str(target))
    assert load_table().path == target
