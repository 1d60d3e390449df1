"""`asebench data import`: tiny official-format benchmarks -> tables, checked value by value
and against the official API's own simulate_train_eval."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import import_fixtures as fx
import numpy as np
import pytest
from click.testing import CliRunner

from asebench.backends import TabularBackend
from asebench.cli import cli
from asebench.spaces import NB201Space
from asebench.tables import DATASETS, load_table
from asebench.tables.importers import import_official

N_ARCHS = 5
SEARCH = {"cifar10": "cifar10-valid", "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("official")
    return {
        "archive": fx.write_nats_archive(root, N_ARCHS),
        "pickle": fx.write_nats_pickle(root, N_ARCHS),
        "pth": fx.write_nb201_pth(root, N_ARCHS),
    }


@pytest.fixture(scope="module")
def imported(sources: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("tables")
    return {kind: load_table(import_official(path, out / f"{kind}.npz", workers=1).path)
            for kind, path in sources.items()}


def _expected(index: int, dataset: str, hp: str) -> dict[str, list[float] | float]:
    """What the fixture put in, computed the way the official accessors compute it."""
    last = fx.EPOCHS[hp] - 1
    search = SEARCH[dataset]
    seeds = fx.seeds(index, hp, search)
    out: dict[str, list[float] | float] = {
        f"seeds_{hp}": [float(s) for s in seeds],
        f"n_seeds_{hp}": float(len(seeds)),
        f"valid_acc_{hp}": [fx.accuracy(index, hp, search, s, "x-valid", last) for s in seeds],
        f"train_time_{hp}ep_s": [
            sum([fx.train_time(index, hp, search, s, e) for e in range(last + 1)]) for s in seeds],
        f"valid_time_{hp}ep_s": [
            sum([fx.eval_time(index, hp, search, s, "x-valid", e) for e in range(last + 1)])
            / (last + 1) for s in seeds],
    }
    test_set, test_source = ("ori-test", "cifar10") if dataset == "cifar10" else ("x-test", search)
    test_seeds = fx.seeds(index, hp, test_source)
    out[f"test_acc_{hp}"] = [fx.accuracy(index, hp, test_source, s, test_set, last)
                             for s in test_seeds]
    if dataset == "cifar10":
        out[f"test_seeds_{hp}"] = [float(s) for s in test_seeds]
    else:
        out[f"valtest_acc_{hp}"] = [fx.accuracy(index, hp, search, s, "ori-test", last)
                                    for s in seeds]
    return out


def _row(array: np.ndarray, index: int) -> list[float]:
    row = array[index]
    return [float(v) for v in row[~np.isnan(row)]] if row.ndim else float(row)


def test_every_column_holds_the_fixture_values(imported) -> None:
    table = imported["archive"]
    space = NB201Space()
    assert [space.to_string(tuple(c)) for c in table.arch_codes] == fx.meta_archs(N_ARCHS)
    for index in range(N_ARCHS):
        for dataset in DATASETS:
            cols = table.columns[dataset]
            for hp in fx.EPOCHS:
                expected = _expected(index, dataset, hp)
                for name, value in expected.items():
                    assert _row(cols[name], index) == pytest.approx(value, rel=0, abs=0), (
                        index, dataset, name)
                valid = expected[f"valid_acc_{hp}"]
                assert cols[f"valid_acc_{hp}_mean"][index] == pytest.approx(
                    sum(valid) / len(valid), rel=1e-15)
                tests = expected[f"test_acc_{hp}"]
                assert cols[f"test_acc_{hp}_mean"][index] == pytest.approx(
                    sum(tests) / len(tests), rel=1e-15)
            c12 = [t + v for t, v in zip(_expected(index, dataset, "12")["train_time_12ep_s"],
                                        _expected(index, dataset, "12")["valid_time_12ep_s"])]
            assert _row(cols["cost_12ep_seed_s"], index) == c12
            assert cols["cost_12ep_s"][index] == c12[0]  # seeds agree: exactly that value
            per_epoch = _expected(index, dataset, "200")["train_time_200ep_s"][0] / 200
            assert cols["train_time_per_epoch_s"][index] == per_epoch
            assert cols["params_m"][index] == fx.params(index, dataset)
            assert cols["flops_m"][index] == fx.flops(index, dataset)
            seeds = fx.seeds(index, "200", dataset)
            latency = sum(fx.latency(index, dataset, s) for s in seeds) / len(seeds)
            assert cols["latency_nats_s"][index] == pytest.approx(latency, rel=1e-15)


def test_padding_dtypes_and_seed_width(imported) -> None:
    table = imported["archive"]
    c100 = table.column("cifar100", "valid_acc_200")
    assert c100.dtype == np.float64 and c100.shape == (N_ARCHS, 2)
    assert not np.isnan(c100[1, 0]) and np.isnan(c100[1, 1])  # arch 1: one seed, left-aligned
    assert table.column("cifar10", "valid_acc_200").shape == (N_ARCHS, 3)  # arch 2: 3 seeds
    assert table.column("cifar10", "n_seeds_200").dtype == np.int8
    assert table.column("cifar10", "n_seeds_200").tolist() == [2, 2, 3, 2, 2]
    assert "valtest_acc_200" not in table.columns["cifar10"]
    assert table.meta.seeds == (777, 888, 999)


@pytest.mark.parametrize("kind", ["pickle", "pth"])
def test_every_source_format_gives_the_same_table(imported, kind: str) -> None:
    reference, other = imported["archive"], imported[kind]
    assert np.array_equal(reference.arch_codes, other.arch_codes)
    for dataset in DATASETS:
        assert set(reference.columns[dataset]) == set(other.columns[dataset])
        for name, array in reference.columns[dataset].items():
            np.testing.assert_array_equal(array, other.columns[dataset][name],
                                          err_msg=f"{kind} {dataset} {name}")


def test_legacy_pth_and_pool_match(imported, tmp_path: Path) -> None:
    legacy = fx.write_nb201_pth(tmp_path, N_ARCHS, legacy=True)
    table = load_table(import_official(legacy, tmp_path / "legacy.npz").path)
    pooled = load_table(import_official(fx.write_nats_archive(tmp_path, N_ARCHS),
                                        tmp_path / "pool.npz", workers=2).path)
    for other in (table, pooled):
        for dataset in DATASETS:
            for name, array in imported["archive"].columns[dataset].items():
                np.testing.assert_array_equal(array, other.columns[dataset][name])


def _official_by_seed(api, index: int, dataset: str, seed: int, monkeypatch) -> tuple:
    monkeypatch.setattr(random, "choice", lambda options: seed)
    accuracy, _, cost, _ = api.simulate_train_eval(index, dataset, hp="12")
    return accuracy, cost


def _check_against_official(api, table, monkeypatch) -> None:
    space = NB201Space()
    for dataset in DATASETS:
        paper = TabularBackend(dataset, "paper", table=table)
        assert paper.reward_column == "valid_acc_12"
        seeds_col = table.column(dataset, "seeds_12")
        for index in range(N_ARCHS):
            arch = tuple(int(c) for c in table.arch_codes[index])
            values = set()
            for slot, seed in enumerate(seeds_col[index]):
                if np.isnan(seed):
                    continue
                accuracy, cost = _official_by_seed(api, index, dataset, int(seed), monkeypatch)
                assert table.column(dataset, "valid_acc_12")[index, slot] == accuracy
                assert table.column(dataset, "cost_12ep_seed_s")[index, slot] == cost
                values.add(accuracy)
                if dataset == "cifar10":
                    # paper: every dataset is charged the cifar10(-valid) cost
                    for other in DATASETS:
                        evaluation = TabularBackend(other, "paper", table=table).evaluate(
                            arch, np.random.default_rng(slot))
                        assert evaluation.cost_s == cost
            rewards = {paper.evaluate(arch, np.random.default_rng(s)).reward for s in range(32)}
            assert rewards == values
            assert space.to_string(arch) == api.meta_archs[index]


def test_paper_protocol_equals_official_simulate_train_eval_nats(sources, imported,
                                                                  monkeypatch) -> None:
    import nats_bench

    api = nats_bench.create(str(sources["archive"]), "tss", fast_mode=True, verbose=False)
    _check_against_official(api, imported["archive"], monkeypatch)


def test_paper_protocol_equals_official_simulate_train_eval_nb201(sources, imported,
                                                                   monkeypatch) -> None:
    from nas_201_api import NASBench201API

    api = NASBench201API(str(sources["pth"]), verbose=False)
    _check_against_official(api, imported["pth"], monkeypatch)


def test_seed_dependent_cost_is_kept_per_seed(tmp_path: Path, monkeypatch) -> None:
    import nats_bench

    directory = fx.write_nats_archive(tmp_path, 3, vary=True)
    table = load_table(import_official(directory, tmp_path / "vary.npz").path)
    api = nats_bench.create(str(directory), "tss", fast_mode=True, verbose=False)
    per_seed = table.column("cifar10", "cost_12ep_seed_s")
    for index in range(3):
        costs = [_official_by_seed(api, index, "cifar10", seed, monkeypatch)[1]
                 for seed in fx.seeds(index, "12", "cifar10-valid")]
        assert per_seed[index].tolist() == costs and costs[0] != costs[1]
        assert table.column("cifar10", "cost_12ep_s")[index] == sum(costs) / len(costs)
    assert table.meta.provenance["cost_varies_by_seed"]["cifar10"] == 3


def test_backend_report_and_cost_source(imported) -> None:
    table = imported["archive"]
    arch = tuple(int(c) for c in table.arch_codes[3])
    backend = TabularBackend("cifar100", "paper", table=table)
    report = backend.report(arch)
    assert report["test_accuracy"] == table.column("cifar100", "test_acc_200_mean")[3]
    assert report["valid_accuracy"] == table.column("cifar100", "valid_acc_200_mean")[3]
    own = TabularBackend("cifar100", "paper", table=table).protocol.with_options(
        cost_source="own")
    evaluation = TabularBackend("cifar100", own, table=table).evaluate(
        arch, np.random.default_rng(0))
    assert evaluation.cost_s == table.column("cifar100", "cost_12ep_s")[3]
    rewards, costs = backend.evaluate_batch(np.arange(N_ARCHS), np.random.default_rng(1))
    assert np.all(costs == table.column("cifar10", "cost_12ep_s"))
    assert all(r in table.column("cifar100", "valid_acc_12")[i] for i, r in enumerate(rewards))


def test_provenance_names_source_digest_and_package(sources, imported) -> None:
    archive = imported["archive"].meta.provenance
    directory = sources["archive"]
    listing = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in sorted(directory.iterdir(), key=lambda p: p.name))
    assert archive["source_sha256"] == hashlib.sha256(listing.encode()).hexdigest()
    assert archive["source_size_bytes"] == sum(p.stat().st_size for p in directory.iterdir())
    assert archive["source_name"] == fx.ARCHIVE_NAME
    assert (archive["package"], archive["package_version"]) == ("nats_bench", "1.8")
    pth = imported["pth"].meta.provenance
    assert pth["source_sha256"] == hashlib.sha256(sources["pth"].read_bytes()).hexdigest()
    assert pth["package"] == "nas-bench-201" and pth["source_kind"] == "nb201-pth"
    assert imported["pickle"].meta.name == "imported:NATS-tss-v1_0-3ffb9"


def test_query_uses_imported_table_via_data_and_env(sources, tmp_path: Path) -> None:
    out = tmp_path / "t.npz"
    result = CliRunner().invoke(cli, ["data", "import", str(sources["archive"]), "--out",
                                      str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and (tmp_path / "t.npz.sha256").read_text().split()[1] == "t.npz"
    arch = fx.meta_archs(N_ARCHS)[4]
    table = load_table(out)
    for args, env in ((["--data", str(out)], {}), ([], {"ASEBENCH_DATA": str(out)})):
        result = CliRunner().invoke(cli, ["query", arch, "--json", "-d", "cifar100", *args],
                                    env=env)
        assert result.exit_code == 0, result.output
        record = json.loads(result.output)
        assert record["table"] == "imported:NATS-tss-v1_0-3ffb9-simple"
        assert record["reward_column"] == "valid_acc_12"
        assert record["query_cost_s"] == table.column("cifar10", "cost_12ep_s")[4]
        assert record["valid_acc_12"] == table.column("cifar100", "valid_acc_12")[4].tolist()


def test_full_archive_with_weights_reads_the_same(imported, tmp_path: Path) -> None:
    """``-full`` archives also hold trained weights (torch tensors): they are skipped."""
    import torch
    from nats_bench import pickle_save

    directory = fx.write_nats_archive(tmp_path, N_ARCHS, name="NATS-tss-v1_0-3ffb9-full")
    for index, arch_str in enumerate(fx.meta_archs(N_ARCHS)):
        state = fx.arch_state(index, arch_str)
        for schedule in state.values():
            for run in schedule["all_results"].values():
                run["net_state_dict"] = {"stem.weight": torch.ones(4, 3)}
        pickle_save(state, str(directory / f"{index:06d}.pickle"))
    table = load_table(import_official(directory, tmp_path / "full.npz").path)
    assert table.meta.name == "imported:NATS-tss-v1_0-3ffb9-full"
    for dataset in DATASETS:
        for name, array in imported["archive"].columns[dataset].items():
            np.testing.assert_array_equal(array, table.columns[dataset][name])
