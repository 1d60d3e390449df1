"""Build the embedded NAS-Bench-Graph table ``data/nbgraph.npz`` from the package's wheel.

The wheel (``nas-bench-graph==1.4.0``, Apache-2.0) ships one light benchmark pickle per
dataset; they are read here with an allow-list unpickler (numpy scalars only), never
imported, and never at run time. Run from the repository root::

    pip download --no-deps nas-bench-graph==1.4.0 -d build/
    python scripts/build_nbgraph.py build/nas_bench_graph-1.4.0-py3-none-any.whl

Checks before writing: every stored hash of every dataset is the canonical form of some
combination of the seven positions (with proteins' own operations there), and every
combination but the all-skip ones has a stored value. Writes the table, its ``.sha256``
sidecar and the package's licence under ``data/licenses/``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asebench.benchmarks.nbgraph._canonical import GNN_OPS, valid_hash  # noqa: E402
from asebench.benchmarks.nbgraph._space import PROTEINS_OPS, SIZES  # noqa: E402
from asebench.benchmarks.nbgraph._table import COLUMNS, TABLE_NAME, write_nbgraph  # noqa: E402
from asebench.benchmarks.nbgraph._unpickle import safe_loads  # noqa: E402

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv",
            "proteins")
PACKAGE_FIELDS = {"valid_perf": "valid_perf", "perf": "perf", "latency_s": "latency",
                  "params_m": "para"}
NNI_PROTEINS_OPS = ("gcn", "arma", "cheb", "fc", "skip")  # runnni.py's op_proteins


def all_codes() -> np.ndarray:
    """Every combination of the seven positions, in :func:`code_index` order."""
    return np.array(list(itertools.product(*(range(n) for n in SIZES))), dtype=np.int64)


def reachable(key_of_code: np.ndarray, codes: np.ndarray, ops: tuple[str, ...]) -> set[int]:
    allowed = [GNN_OPS.index(name) for name in ops]
    inside = np.isin(codes[:, 3:], allowed).all(axis=1)
    return set(key_of_code[inside].tolist())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="nas_bench_graph-1.4.0-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=Path("data") / TABLE_NAME)
    args = parser.parse_args(argv)
    wheel_bytes = args.wheel.read_bytes()
    codes = all_codes()
    key_of_code = np.array([valid_hash((0, *c[:3]), c[3:]) for c in codes.tolist()],
                           dtype=np.int64)
    arrays: dict[str, np.ndarray] = {"key_of_code": key_of_code.astype(np.int32)}
    findings: dict[str, object] = {}
    with zipfile.ZipFile(args.wheel) as wheel:
        version = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        licence = wheel.read(version.replace("METADATA", "LICENSE"))
        for dataset in DATASETS:
            bench = safe_loads(wheel.read(f"nas_bench_graph/light/{dataset}.bench"))
            ops = PROTEINS_OPS if dataset == "proteins" else GNN_OPS
            stored = set(bench)
            can_reach = reachable(key_of_code, codes, ops)
            missing = sorted(can_reach - stored)
            unreachable = sorted(stored - can_reach)
            if unreachable or missing != [valid_hash((0, 0, 0, 0), (8, 8, 8, 8))]:
                raise SystemExit(f"{dataset}: {len(unreachable)} stored hashes unreachable, "
                                 f"reachable but not stored: {missing[:5]}")
            if dataset == "proteins":
                nni = reachable(key_of_code, codes, NNI_PROTEINS_OPS)
                findings["proteins_reachable_with_runnni_op_proteins"] = len(stored & nni)
            keys = np.array(sorted(stored), dtype=np.int64)
            arrays[f"{dataset}/key"] = keys.astype(np.int32)
            for column in COLUMNS:
                field = PACKAGE_FIELDS[column]
                arrays[f"{dataset}/{column}"] = np.array(
                    [float(bench[k][field]) for k in keys.tolist()], dtype=np.float64)
            print(f"{dataset}: {len(keys)} archs, best valid_perf "
                  f"{arrays[f'{dataset}/valid_perf'].max():.4f}")
    meta = {
        "name": "nas-bench-graph-light",
        "source": "nas-bench-graph==1.4.0 (PyPI wheel), nas_bench_graph/light/*.bench",
        "wheel_sha256": hashlib.sha256(wheel_bytes).hexdigest(),
        "datasets": list(DATASETS),
        "ops": {d: list(PROTEINS_OPS if d == "proteins" else GNN_OPS) for d in DATASETS},
        "units": {"valid_perf": "fraction", "perf": "fraction", "latency_s": "s",
                  "params_m": "M"},
        "findings": findings,
    }
    digest = write_nbgraph(args.out, arrays, meta)
    licence_path = args.out.parent / "licenses" / "nas-bench-graph-Apache-2.0.txt"
    licence_path.parent.mkdir(parents=True, exist_ok=True)
    licence_path.write_bytes(licence)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.2f} MB), sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
