"""The cross-kernel check (``scripts/cross_kernel_check.py``) and the BLAS provenance record.

The check's mechanism is tested on tiny samples in real subprocesses: the kernel probe must
change under another OpenBLAS kernel and without numpy's SIMD code (so the check can fail),
float64 ASE-NAS must not; this process's own environment is never changed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from asebench._blas import blas_provenance

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "cross_kernel_check.py"
_spec = importlib.util.spec_from_file_location("cross_kernel_check", SCRIPT)
assert _spec is not None and _spec.loader is not None
xk = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("cross_kernel_check", xk)
_spec.loader.exec_module(xk)


# -- blas_provenance -------------------------------------------------------------------------
def test_provenance_names_the_library_kernel_threads_and_simd_targets() -> None:
    record = blas_provenance()
    json.dumps(record)  # a study stores it as JSON
    assert record["errors"] == []
    assert record["numpy"] and record["machine"]
    assert record["source"] == "threadpoolctl"
    assert isinstance(record["blas_library"], str) and record["blas_version"]
    assert isinstance(record["blas_threads"], int) and record["blas_threads"] >= 1
    assert isinstance(record["numpy_simd_baseline"], list)
    assert isinstance(record["numpy_simd_dispatched"], list)
    if record["blas_library"] == "openblas":
        assert isinstance(record["blas_core_type"], str) and record["blas_core_type"]


def _provenance_in(env: dict[str, str], prelude: str = "") -> dict[str, object]:
    code = prelude + ("from asebench._blas import blas_provenance; import json; "
                      "print(json.dumps(blas_provenance()))")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    record: dict[str, object] = json.loads(done.stdout)
    return record


def test_provenance_follows_the_environment_of_the_process() -> None:
    base = xk.base_environment()
    native = _provenance_in(base)
    if native["blas_library"] == "openblas" and native["machine"] in ("x86_64", "AMD64"):
        other = xk._other_kernel(str(native["blas_core_type"]))
        switched = _provenance_in({**base, "OPENBLAS_CORETYPE": other,
                                   "OPENBLAS_NUM_THREADS": "1"})
        assert switched["blas_core_type"] == other != native["blas_core_type"]
        assert switched["blas_threads"] == 1
        assert switched["environment"] == {"OPENBLAS_CORETYPE": other,
                                           "OPENBLAS_NUM_THREADS": "1"}
    targets = list(native["numpy_simd_dispatched"])  # type: ignore[call-overload]
    if targets:
        off = _provenance_in({**base, "NPY_DISABLE_CPU_FEATURES": " ".join(targets)})
        assert off["numpy_simd_dispatched"] == []


def test_provenance_without_threadpoolctl_falls_back_and_never_raises() -> None:
    blocker = ("import sys\n"
               "class B:\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name == 'threadpoolctl': raise ImportError('blocked')\n"
               "sys.meta_path.insert(0, B())\n")
    record = _provenance_in(xk.base_environment(), blocker)
    assert record["source"] == "numpy build config"
    assert record["blas_library"] and record["blas_core_type"] is None
    assert record["errors"] == []


# -- the check's parts -----------------------------------------------------------------------
def test_trace_digests_hash_archs_and_rewards_per_run_in_step_order() -> None:
    rows = [("ase", "cifar10", 0, 1, "a", 1.0), ("ase", "cifar10", 0, 0, "b", 2.0),
            ("ase", "cifar10", 1, 0, "a", 1.0), ("ase", "cifar10", 1, 1, "b", 2.0)]
    traces = pd.DataFrame(rows, columns=["label", "dataset", "seed", "step", "arch", "reward"])
    digests = xk.trace_digests(traces)
    assert set(digests) == {"ase|cifar10|0", "ase|cifar10|1"}
    assert digests["ase|cifar10|0"] != digests["ase|cifar10|1"]  # the query order counts
    assert xk.trace_digests(traces.iloc[::-1]) == digests  # not the order of the rows
    traces.loc[0, "reward"] = 1.0 + 1e-15
    assert xk.trace_digests(traces)["ase|cifar10|0"] != digests["ase|cifar10|0"]


def test_native_methods_are_every_builtin_one_and_the_transfer_variants() -> None:
    from asebench.search import method_catalog

    labels = xk.native_methods()
    builtin = [e.name for e in method_catalog() if e.origin == "builtin"]
    assert set(builtin) <= set(labels) and "ase+" in labels
    assert {"ase", "random", "reinforce", "evolution", "local", "random-in-subspace", "nse",
            "autospace"} <= set(labels)
    assert not set(labels) & {e.name for e in method_catalog() if e.origin != "builtin"}


def test_configurations_change_only_subprocess_environments() -> None:
    before = dict(os.environ)
    native = _provenance_in(xk.base_environment())
    envs = xk.environments(xk.CONFIGS, native)
    assert dict(os.environ) == before
    assert not set(xk.OVERRIDES) & set(envs["default"])
    assert envs["coretype"]["OPENBLAS_CORETYPE"] != native["blas_core_type"]
    assert envs["threads"]["OPENBLAS_NUM_THREADS"] != str(native["blas_threads"])
    assert set(envs["no-avx512"]["NPY_DISABLE_CPU_FEATURES"].split()) <= set(
        envs["baseline-simd"]["NPY_DISABLE_CPU_FEATURES"].split())
    # a configuration that ran what the default ran changed nothing: the check says so
    assert xk.what_changed("coretype", envs["coretype"], native, native) is not None
    assert xk.what_changed("threads", envs["threads"], native, native) is not None


# -- the whole check on tiny samples (subprocesses) ----------------------------------------
@pytest.mark.slow
def test_check_fails_on_the_kernel_probe_and_passes_float64_ase() -> None:
    before = dict(os.environ)
    sample = xk.Sample(("ase", "random", xk.PROBE), ("cifar10",), seeds=2)
    outcome = xk.check(sample, ("default", "coretype", "baseline-simd", "threads"))
    assert dict(os.environ) == before
    assert not outcome.ineffective and not outcome.blind
    assert set(outcome.probe_changed) == {"coretype", "baseline-simd"}
    assert not outcome.differing  # float64 ASE-NAS and random search: the same everywhere
    assert outcome.ok
    for name in ("coretype", "baseline-simd"):  # the probe changed: the check can fail
        probe = [k for k in outcome.results[name]["digests"] if k.startswith(xk.PROBE)]
        assert len(probe) == 2
        assert all(outcome.results[name]["digests"][k] != outcome.results["default"][
            "digests"][k] for k in probe)
    assert outcome.results["coretype"]["provenance"]["blas_core_type"] != \
        outcome.results["default"]["provenance"]["blas_core_type"]


@pytest.mark.slow
def test_script_exits_nonzero_naming_the_differing_runs() -> None:
    # the probe given as an ordinary method (an option makes it another label): a method
    # whose traces depend on the kernels, which the check must name
    dependent = xk.PROBE + "[salt=1]"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--methods", "random," + dependent, "--datasets",
         "cifar10", "--seeds", "2", "--configs", "default,baseline-simd"],
        env=xk.base_environment(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL baseline-simd: 2 run(s) differ from the default" in done.stdout
    assert f"{dependent} cifar10 seed 0" in done.stdout
    assert f"{dependent} cifar10 seed 1" in done.stdout
    assert "random cifar10" not in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("FAILED")


# -- AutoSpace's fitted scores: no BLAS, so the same bits under every kernel ----------------
_SCORES = """
import hashlib, numpy as np
from asebench.search._autospace import AdditiveScores
rng = np.random.default_rng(0)
scores, h = AdditiveScores((5,) * 6), hashlib.sha256()
for i in range(120):
    scores.add(tuple(int(c) for c in rng.integers(0, 5, 6)), float(rng.normal() * 10 + 70))
    if i % 8 == 7:
        scores.fit(20)
        h.update(scores.weights.tobytes())
print(h.hexdigest())
"""


@pytest.mark.slow
def test_autospace_scores_are_the_same_bits_under_every_kernel_and_simd_target() -> None:
    # the repeated-squaring BLAS fit they replace differed under the Haswell kernel
    base = xk.base_environment()
    native = _provenance_in(base)
    envs = xk.environments(("default", "coretype", "baseline-simd"), native)
    digests = {name: subprocess.run([sys.executable, "-c", _SCORES], env=env,
                                    capture_output=True, text=True, check=True).stdout
               for name, env in envs.items()}
    assert len(set(digests.values())) == 1, digests
