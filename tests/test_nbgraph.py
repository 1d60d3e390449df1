"""NAS-Bench-Graph through the plugin path: canonicalisation and values against the package
itself (``nas-bench-graph`` of the test extra, pure Python: only its ``architecture`` module is
imported and its pickles are read with the allow-list unpickler), the space, the backend, the
registry entry point and ``asebench query``."""

from __future__ import annotations

import ast
import itertools
import json
import pickle
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from asebench.backends import EnumerableBackend, KeyedBackend, backends, describe
from asebench.benchmarks.nbgraph import (
    GNN_OPS,
    PROTEINS_OPS,
    NBGraphBackend,
    NBGraphSpace,
    dataset_space,
    load_nbgraph,
    valid_hash,
)
from asebench.benchmarks.nbgraph._space import SIZES
from asebench.benchmarks.nbgraph._unpickle import safe_loads
from asebench.cli import cli
from asebench.errors import AsebenchError
from asebench.testing import BackendTestCase, SpaceTestCase

architecture = pytest.importorskip("nas_bench_graph.architecture")
DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv",
            "proteins")
ALL_SKIP = (0, 0, 0, 8, 8, 8, 8)


def _package_file(name: str) -> Path:
    return Path(str(resources.files("nas_bench_graph") / name))


@pytest.fixture(scope="module")
def bench() -> dict[str, dict[int, dict[str, float]]]:
    """The package's own light tables, read without running any pickled code."""
    return {d: safe_loads(_package_file(f"light/{d}.bench").read_bytes()) for d in DATASETS}


@pytest.fixture(scope="module")
def codes() -> np.ndarray:
    return np.array(list(itertools.product(*(range(n) for n in SIZES))), dtype=np.int64)


@pytest.fixture(scope="module")
def package_hashes(codes: np.ndarray) -> np.ndarray:
    names = architecture.gnn_list
    return np.array([architecture.Arch([0, *c[:3]], [names[o] for o in c[3:]]).valid_hash()
                     for c in codes.tolist()], dtype=np.int64)


@pytest.fixture(scope="module")
def cora() -> NBGraphBackend:
    return NBGraphBackend("cora")


@pytest.fixture(scope="module")
def proteins() -> NBGraphBackend:
    return NBGraphBackend("proteins")


# -- canonicalisation and the table against the package ------------------------------------
def test_our_op_list_is_the_packages() -> None:
    assert GNN_OPS == tuple(architecture.gnn_list)
    assert PROTEINS_OPS == tuple(architecture.gnn_list_proteins)


def test_canonicalisation_equals_valid_hash_on_every_combination(
        codes: np.ndarray, package_hashes: np.ndarray) -> None:
    assert len(codes) == 2 * 3 * 4 * 9 ** 4
    ours = np.array([valid_hash((0, *c[:3]), c[3:]) for c in codes.tolist()])
    mismatch = np.flatnonzero(ours != package_hashes)
    assert mismatch.size == 0, f"{mismatch.size} differ, e.g. {codes[mismatch[:3]].tolist()}"
    assert len(set(package_hashes.tolist())) == 26_206 + 1  # + the all-skip sentinel


def test_the_table_maps_every_combination_to_the_package_hash(package_hashes: np.ndarray,
                                                              bench) -> None:
    table = load_nbgraph()
    np.testing.assert_array_equal(table.key_of_code, package_hashes)
    for dataset in DATASETS:
        assert table.keys[dataset].tolist() == sorted(bench[dataset])


def test_proteins_hashes_are_all_reachable_with_architecture_py_op_list(
        codes: np.ndarray, package_hashes: np.ndarray, bench) -> None:
    source = _package_file("runnni.py").read_text()
    assignment = next(node for node in ast.parse(source).body if isinstance(node, ast.Assign)
                      and getattr(node.targets[0], "id", "") == "op_proteins")
    nni_ops = ast.literal_eval(assignment.value)
    stored = set(bench["proteins"])
    assert len(stored) == 2021

    def reachable(names: list[str]) -> set[int]:
        inside = np.isin(codes[:, 3:], [GNN_OPS.index(n) for n in names]).all(axis=1)
        return set(package_hashes[inside].tolist())

    assert stored <= reachable(list(architecture.gnn_list_proteins))
    assert reachable(list(architecture.gnn_list_proteins)) - stored == {88888}
    assert len(stored & reachable(nni_ops)) == 736  # runnni.py's list misses most of them


def test_reward_is_valid_perf_and_report_is_perf(bench) -> None:
    rng = np.random.default_rng(0)
    for dataset in DATASETS:
        backend = NBGraphBackend(dataset)
        for _ in range(100):
            arch = backend.space.sample(rng)
            stored = bench[dataset][valid_hash(NBGraphSpace.links(arch),
                                               [GNN_OPS.index(n) for n in
                                                NBGraphSpace.ops(arch)])]
            assert backend.evaluate(arch, rng).reward == 100 * stored["valid_perf"]
            report = backend.report(arch)
            assert report["test_accuracy"] == 100 * stored["perf"]
            assert report["valid_accuracy"] == 100 * stored["valid_perf"]
            assert report["params_m"] == stored["para"]
            assert report["latency"] == 1000 * stored["latency"]
            assert backend.key_of(arch) == str(architecture.Arch(
                list(NBGraphSpace.links(arch)), list(NBGraphSpace.ops(arch))).valid_hash())


def test_query_of_the_best_validation_arch_is_the_brute_force_maximum(bench) -> None:
    runner = CliRunner()
    for dataset in DATASETS:
        backend = NBGraphBackend(dataset)
        best = max(bench[dataset], key=lambda k: bench[dataset][k]["valid_perf"])
        rows = np.asarray(backend.values("valid_accuracy"))
        text = backend.space.to_string(tuple(backend.arch_codes()[int(np.argmax(rows))]))
        result = runner.invoke(cli, ["query", text, "--benchmark", "nas-bench-graph",
                                     "-d", dataset, "--json"])
        assert result.exit_code == 0, result.output
        record = json.loads(result.output)
        assert record["key"] == str(best)
        assert record["reward"] == 100 * bench[dataset][best]["valid_perf"]
        assert record["test_accuracy"] == 100 * bench[dataset][best]["perf"]
        by_key = runner.invoke(cli, ["query", str(best), "--benchmark", "nas-bench-graph",
                                     "-d", dataset, "--json"])
        assert json.loads(by_key.output)["reward"] == record["reward"]


# -- the space -----------------------------------------------------------------------------
def test_all_skip_is_refused_before_a_query(cora: NBGraphBackend) -> None:
    space = cora.space
    assert space.parent.contains(ALL_SKIP) and not space.contains(ALL_SKIP)
    rng = np.random.default_rng(0)
    assert all(space.sample(rng)[3:] != (8, 8, 8, 8) for _ in range(2000))
    with pytest.raises(AsebenchError, match="all four operations are skip"):
        cora.evaluate(ALL_SKIP, rng)
    assert cora.num_archs == 2 * 3 * 4 * 9 ** 4 - 24 and cora.num_unique == 26_206


def test_proteins_space_allows_only_its_own_ops(proteins: NBGraphBackend) -> None:
    space = proteins.space
    assert tuple(GNN_OPS[c] for c in space.allowed_choices(3)) == tuple(sorted(
        PROTEINS_OPS, key=GNN_OPS.index))
    assert proteins.num_archs == 2 * 3 * 4 * 5 ** 4 - 24 and proteins.num_unique == 2021
    with pytest.raises(AsebenchError, match="operations outside"):
        proteins.evaluate((0, 0, 0, 0, 1, 1, 1), np.random.default_rng(0))  # gat


def test_strings_are_the_packages_lists() -> None:
    space = NBGraphSpace()
    arch = space.from_string("0-1-2-1/gcn-gin-fc-cheb")
    assert space.links(arch) == (0, 1, 2, 1) and space.ops(arch) == ("gcn", "gin", "fc", "cheb")
    assert space.to_string(arch) == "0-1-2-1/gcn-gin-fc-cheb"
    for bad in ("0-2-0-0/gcn-gcn-gcn-gcn", "1-0-0-0/gcn-gcn-gcn-gcn", "0-0-0-0/gcn-gcn-gcn-x",
                "0-0-0/gcn-gcn-gcn-gcn"):
        with pytest.raises(AsebenchError):
            space.from_string(bad)


class TestDatasetSpace(SpaceTestCase):
    @pytest.fixture
    def space(self):  # type: ignore[no-untyped-def]
        return dataset_space()


class TestProteinsSpace(SpaceTestCase):
    @pytest.fixture
    def space(self):  # type: ignore[no-untyped-def]
        return dataset_space(PROTEINS_OPS)


class TestBackend(BackendTestCase):
    @pytest.fixture(params=["cora", "proteins"])
    def backend(self, request):  # type: ignore[no-untyped-def]
        return NBGraphBackend(request.param)


# -- the backend through the registry -------------------------------------------------------
def test_registered_as_an_entry_point_with_its_datasets() -> None:
    entry = backends.entry("nas-bench-graph")
    assert entry.origin == "entry point" and entry.distribution == "asebench"
    assert backends.factory("nas-bench-graph").default_datasets() == DATASETS
    with pytest.raises(AsebenchError, match="unknown nas-bench-graph backend option"):
        backends.get("nas-bench-graph", dataset="cora", protocol="paper")


def test_describes_itself_and_lists_its_space(cora: NBGraphBackend) -> None:
    info = describe(cora)
    assert info.benchmark == "nas-bench-graph" and info.budget_s == 100.0
    assert {m.name for m in info.metrics} == {"params_m", "latency"}
    assert info.transfer_source == "cora" and info.method_defaults["ase"] == {"K": 4, "M": 3}
    assert info.data is not None and info.data["sha256"] == load_nbgraph().sha256
    assert isinstance(cora, EnumerableBackend) and isinstance(cora, KeyedBackend)
    rows = np.arange(0, cora.num_archs, 997)
    np.testing.assert_array_equal(cora.indices_of(cora.arch_codes()[rows]), rows)
    assert cora.space.from_string(cora.arch_strings()[123]) == tuple(cora.arch_codes()[123])
    with pytest.raises(AsebenchError):
        cora.indices_of(np.array([ALL_SKIP]))


# -- data files -------------------------------------------------------------------------------
def test_the_unpickler_refuses_other_globals() -> None:
    import os

    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        safe_loads(pickle.dumps(Evil()))


def test_a_table_that_fails_its_checksum_is_refused(tmp_path: Path) -> None:
    source = load_nbgraph().path
    copy = tmp_path / "nbgraph.npz"
    data = bytearray(source.read_bytes())
    data[-100] ^= 0xFF
    copy.write_bytes(bytes(data))
    (tmp_path / "nbgraph.npz.sha256").write_text(
        source.with_name(source.name + ".sha256").read_text())
    with pytest.raises(AsebenchError, match="does not match its checksum"):
        load_nbgraph(copy)


def test_query_bad_input_is_one_line_exit_2() -> None:
    runner = CliRunner()
    for args in (["0-0-0-0/skip-skip-skip-skip"], ["0-0-0-0/gat-gcn-gcn-gcn", "-d", "proteins"],
                 ["88888", "-d", "cora"], ["0-0-0-0/gcn-gcn-gcn-gcn", "-d", "nope"],
                 ["0-0-0-0/gcn-gcn-gcn-gcn", "--protocol", "paper"]):
        result = runner.invoke(cli, ["query", *args, "--benchmark", "nas-bench-graph"])
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
