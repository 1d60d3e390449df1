"""Cross-kernel check: every built-in method's traces are the same whatever kernels compute them.

Runs one sample study (every method registered natively in ``asebench.search``, plus the
``NAME+`` transfer variant of each method that has one, on every NAS-Bench-201 dataset) once
per configuration, each in a fresh subprocess whose environment differs:

* ``default``: the inherited environment with every kernel/thread override removed (OpenBLAS
  picks its kernel for this CPU, numpy its widest SIMD target);
* ``coretype``: ``OPENBLAS_CORETYPE`` set to another kernel this CPU can run (``Haswell``, or
  ``Sandybridge`` where the native one is Haswell or Zen; ``ARMV8`` or ``NEOVERSEN1`` on
  arm64);
* ``no-avx512``: ``NPY_DISABLE_CPU_FEATURES`` naming numpy's AVX-512 dispatch targets (on a
  CPU without AVX-512, or on arm64: every dispatch target above the baseline);
* ``baseline-simd``: every numpy dispatch target off (numpy's baseline code only);
* ``threads``: OpenBLAS on a different number of threads (1 where the default uses more).

Each worker runs the study through the public API (``run_study`` into a temporary folder,
then ``asebench.analysis.load(...).traces``), hashes every run's trace (its archs and rewards,
in query order) and reports the BLAS provenance it ran with. The check fails (exit 1) naming
every (method, dataset, seed) whose trace differs from the default's, and also when a
configuration did not change what it was meant to change (then it could not fail, and would
prove nothing). With ``--probe`` it also runs :class:`KernelProbe`, a method whose traces
must differ under every configuration but ``threads``: the check then fails where they do
not, so every run shows that it can fail.

The default sample (20 seeds x 3 datasets x every method) catches the float32 ASE-NAS
controller: with ``--set ase.precision=float32`` it fails here with 18 of 100 ASE-NAS(+) runs
differing under ``coretype`` and 32 under ``baseline-simd`` (a float32 run changed in about 1
of 20 runs between two OpenBLAS kernels of one machine, and in 1 of 4 without SIMD).

The configurations assume numpy's own OpenBLAS build (the PyPI wheels); with another BLAS
the ``coretype`` and ``threads`` configurations take no effect, which the check reports as a
failure: choose the others with ``--configs``.

Usage: python scripts/cross_kernel_check.py [--seeds 20] [--set ase.precision=float32]
       [--methods ase,random] [--datasets cifar10] [--configs default,coretype] [--jobs 2]
       [--probe]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
DEFAULT_SEEDS = 20
OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
             "OMP_NUM_THREADS", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")
"""Variables removed from the default configuration (the machine may set some)."""

CONFIGS = ("default", "coretype", "no-avx512", "baseline-simd", "threads")
_REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sample:
    """What each configuration runs."""

    methods: tuple[str, ...]
    datasets: tuple[str, ...] = DATASETS
    seeds: int = DEFAULT_SEEDS
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    master_seed: int = 0

    def to_json(self) -> str:
        return json.dumps({"methods": list(self.methods), "datasets": list(self.datasets),
                           "seeds": self.seeds, "options": self.options,
                           "master_seed": self.master_seed})

    @classmethod
    def from_json(cls, text: str) -> Sample:
        raw = json.loads(text)
        return cls(tuple(raw["methods"]), tuple(raw["datasets"]), int(raw["seeds"]),
                   raw["options"], int(raw["master_seed"]))


PROBE = "cross_kernel_check:KernelProbe"
"""``--probe`` adds this method: its decisions hash the bits of BLAS products, exp, log and
tanh, so its traces differ under every configuration that changes the kernels or the SIMD
code (the check must fail on it; a check that cannot fail proves nothing)."""


@dataclass(frozen=True)
class KernelProbe:
    """A search method that depends on the kernels on purpose (see :data:`PROBE`).

    Args:
        salt: mixed into every decision (a different salt is a different method label,
            which the check then treats as an ordinary method: it must fail on it).
    """

    name: ClassVar[str] = "kernel-probe"
    display_name: ClassVar[str] = "kernel probe"
    salt: int = 0

    def run(self, backend: Any, budget: Any, rng: Any) -> Any:
        import numpy as np

        from asebench.backends import BudgetedEvaluator
        from asebench.errors import BudgetExhausted

        evaluator = BudgetedEvaluator(backend, budget, rng)
        a = rng.normal(size=(64, 64))
        a32 = a.astype(np.float32)
        v = rng.normal(size=64)
        # the products and functions whose bits differ between kernels and SIMD targets
        # (measured: transposed and float32 products differ between OpenBLAS's AVX2 and
        # AVX-512 kernels, every product without FMA; exp and log with AVX-512 off; tanh
        # and float32 exp on numpy's baseline)
        seed = hashlib.sha256(str(self.salt).encode() + b"".join(x.tobytes() for x in (
            a.T @ a, a32 @ a32, np.exp(a), np.log(np.abs(a)), np.tanh(a),
            np.exp(a32)))).digest()
        sizes = backend.space.sizes
        try:
            while True:
                v = np.tanh(v @ a / 8.0)
                digest = hashlib.sha256(seed + v.tobytes()).digest()
                evaluator.evaluate(tuple(digest[p] % n for p, n in enumerate(sizes)))
        except BudgetExhausted:
            pass
        return evaluator.trace()


def native_methods() -> tuple[str, ...]:
    """Every method registered by asebench itself (not a plugin's), each transferable one
    also as ``NAME+``."""
    from asebench.search import Transferable, get, method_catalog

    labels: list[str] = []
    for entry in method_catalog():
        if entry.origin != "builtin":
            continue
        labels.append(entry.name)
        if isinstance(get(entry.name), Transferable):
            labels.append(entry.name + "+")
    return tuple(labels)


def trace_digests(traces: Any) -> dict[str, str]:
    """``"label|dataset|seed"`` -> sha256 of the run's archs and rewards in query order."""
    digests: dict[str, str] = {}
    ordered = traces.sort_values(["label", "dataset", "seed", "step"], kind="stable")
    for (label, dataset, seed), run in ordered.groupby(["label", "dataset", "seed"],
                                                       observed=True, sort=True):
        h = hashlib.sha256()
        h.update("\n".join(str(a) for a in run["arch"]).encode())
        h.update(run["reward"].to_numpy(dtype="float64").tobytes())
        digests[f"{label}|{dataset}|{seed}"] = h.hexdigest()
    return digests


def run_sample(sample: Sample) -> dict[str, str]:
    """Run ``sample`` as a study in a temporary folder; the digest of every run."""
    from asebench.analysis import load
    from asebench.study import StudySpec, run_study

    spec = StudySpec(methods=sample.methods, datasets=sample.datasets, seeds=sample.seeds,
                     master_seed=sample.master_seed,
                     options={k: dict(v) for k, v in sample.options.items()})
    with tempfile.TemporaryDirectory(prefix="cross-kernel-") as tmp:
        out = run_study(spec, Path(tmp) / "study", workers=1, progress=False)
        return trace_digests(load(out).traces)


def _worker(sample_json: str, out: str) -> None:
    from asebench._blas import blas_provenance

    start = time.perf_counter()
    digests = run_sample(Sample.from_json(sample_json))
    Path(out).write_text(json.dumps({"digests": digests, "provenance": blas_provenance(),
                                     "seconds": time.perf_counter() - start}))


# -- configurations ----------------------------------------------------------------------
def base_environment() -> dict[str, str]:
    """This process's environment without kernel/thread overrides, importing this asebench."""
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    import asebench

    root = str(Path(asebench.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in
                                                 env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def _dispatch_targets() -> tuple[list[str], list[str]]:
    """numpy's SIMD dispatch targets this CPU runs (without overrides): (all, AVX-512 ones)."""
    probe = subprocess.run(
        [sys.executable, "-c", "from asebench._blas import blas_provenance; import json; "
         "print(json.dumps(blas_provenance()['numpy_simd_dispatched']))"],
        env=base_environment(), capture_output=True, text=True, check=True)
    targets = [str(t) for t in json.loads(probe.stdout)]
    avx512 = [t for t in targets if "AVX512" in t or t == "X86_V4"]
    return targets, avx512


def _other_kernel(native: str | None) -> str:
    machine = platform.machine().lower()
    if machine in ("aarch64", "arm64"):
        return "NEOVERSEN1" if (native or "").upper() == "ARMV8" else "ARMV8"
    # Zen runs OpenBLAS's Haswell kernels: Sandybridge (no FMA) differs from both
    return "Sandybridge" if (native or "").lower() in ("haswell", "zen") else "Haswell"


def environments(names: Sequence[str], native: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The environment of each configuration; ``native`` is the default's provenance."""
    base = base_environment()
    targets, avx512 = _dispatch_targets()
    threads = native.get("blas_threads")
    envs: dict[str, dict[str, str]] = {}
    for name in names:
        changes: dict[str, str] = {}
        if name == "coretype":
            changes["OPENBLAS_CORETYPE"] = _other_kernel(native.get("blas_core_type"))
        elif name == "no-avx512":
            changes["NPY_DISABLE_CPU_FEATURES"] = " ".join(avx512 or targets)
        elif name == "baseline-simd":
            changes["NPY_DISABLE_CPU_FEATURES"] = " ".join(targets)
        elif name == "threads":
            changes["OPENBLAS_NUM_THREADS"] = "1" if isinstance(threads, int) and threads > 1 \
                else "2"
        elif name != "default":
            raise SystemExit(f"unknown configuration {name!r}; choose from {', '.join(CONFIGS)}")
        envs[name] = {**base, **changes}
    return envs


def what_changed(name: str, env: Mapping[str, str], native: Mapping[str, Any],
                 got: Mapping[str, Any]) -> str | None:
    """None when configuration ``name`` ran what it was meant to, else why not."""
    if name == "coretype" and got.get("blas_core_type") == native.get("blas_core_type"):
        return (f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']} still ran the "
                f"{got.get('blas_core_type')} kernel")
    if name in ("no-avx512", "baseline-simd"):
        off = set(env["NPY_DISABLE_CPU_FEATURES"].split())
        if not off or off & set(got.get("numpy_simd_dispatched") or ()):
            return f"numpy still dispatches to {sorted(off)} (or there was nothing to disable)"
    if name == "threads" and got.get("blas_threads") == native.get("blas_threads"):
        return f"OpenBLAS still ran {got.get('blas_threads')} threads"
    return None


# -- the check ---------------------------------------------------------------------------
@dataclass
class Outcome:
    """What one check found."""

    results: dict[str, dict[str, Any]]
    differing: dict[str, list[str]]  # configuration -> differing "label|dataset|seed" keys
    ineffective: dict[str, str]  # configuration -> why it did not change anything
    blind: list[str] = field(default_factory=list)  # configurations the probe did not change
    probe_changed: list[str] = field(default_factory=list)  # and those it did

    @property
    def ok(self) -> bool:
        return not self.differing and not self.ineffective and not self.blind


def _run_worker(sample: Sample, env: Mapping[str, str], out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", sample.to_json(), str(out)],
        env=dict(env), cwd=_REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _collect(name: str, proc: subprocess.Popen[str], out: Path) -> dict[str, Any]:
    log, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"configuration {name}: worker failed (exit {proc.returncode}):\n{log}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def check(sample: Sample, configs: Sequence[str] = CONFIGS, jobs: int = 2) -> Outcome:
    """Run ``sample`` under each configuration (the default first) and compare traces."""
    names = ["default"] + [c for c in configs if c != "default"]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="cross-kernel-") as tmp:
        folder = Path(tmp)
        base = base_environment()
        first = _run_worker(sample, base, folder / "default.json")
        others = names[1:]
        # the configurations' environments need the default's kernel and thread count; the
        # default runs alone first only when it is the one the others are derived from
        results["default"] = _collect("default", first, folder / "default.json")
        native = results["default"]["provenance"]
        envs = environments(others, native)
        running: list[tuple[str, subprocess.Popen[str]]] = []
        for name in others:
            if len(running) >= max(1, jobs):
                done, proc = running.pop(0)
                results[done] = _collect(done, proc, folder / f"{done}.json")
            running.append((name, _run_worker(sample, envs[name], folder / f"{name}.json")))
        for done, proc in running:
            results[done] = _collect(done, proc, folder / f"{done}.json")
    reference = results["default"]["digests"]
    differing: dict[str, list[str]] = {}
    ineffective: dict[str, str] = {}
    blind: list[str] = []
    probe_changed: list[str] = []
    probed = PROBE in sample.methods
    for name in others:
        got = results[name]
        keys = sorted(set(reference) | set(got["digests"]))
        changed = [k for k in keys if reference.get(k) != got["digests"].get(k)]
        bad = sorted((k for k in changed if not k.startswith(PROBE + "|")), key=_run_order)
        if bad:
            differing[name] = bad
        # more threads split large products by output blocks, each summed as before, so
        # the probe's small products cannot show them; that configuration is checked by
        # the thread count it ran with
        if probed and len(changed) > len(bad):
            probe_changed.append(name)
        elif probed and name != "threads":
            blind.append(name)
        why = what_changed(name, envs[name], native, got["provenance"])
        if why is not None:
            ineffective[name] = why
    return Outcome(results, differing, ineffective, blind, probe_changed)


def _run_order(key: str) -> tuple[str, str, int]:
    label, dataset, seed = key.split("|")
    return label, dataset, int(seed)


def _describe(result: Mapping[str, Any]) -> str:
    p = result["provenance"]
    return (f"{p.get('blas_library')} {p.get('blas_version')} kernel {p.get('blas_core_type')}, "
            f"{p.get('blas_threads')} threads; numpy SIMD "
            f"{'+'.join(p.get('numpy_simd_dispatched') or []) or 'baseline only'}; "
            f"{len(result['digests'])} runs in {result['seconds']:.0f} s")


def _options(items: Sequence[str]) -> dict[str, dict[str, object]]:
    from asebench.study import parse_value

    options: dict[str, dict[str, object]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        method, dot, option = key.strip().partition(".")
        if not sep or not dot or not method or not option:
            raise SystemExit(f"malformed --set {item!r}: expected METHOD.OPTION=VALUE")
        options.setdefault(method, {})[option] = parse_value(value)
    return options


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=DEFAULT_SEEDS)
    ap.add_argument("--methods", help="comma-separated labels (default: every native method)")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--set", action="append", default=[], metavar="METHOD.OPTION=VALUE")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--master-seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2, help="configurations run at once")
    ap.add_argument("--probe", action="store_true",
                    help="add a method that depends on the kernels (the check must fail)")
    ap.add_argument("--worker", nargs=2, metavar=("SAMPLE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker(*args.worker)
        return 0
    methods = tuple(args.methods.split(",")) if args.methods else native_methods()
    if args.probe:
        methods += (PROBE,)
    sample = Sample(methods, tuple(args.datasets.split(",")), args.seeds, _options(args.set),
                    args.master_seed)
    start = time.perf_counter()
    outcome = check(sample, args.configs.split(","), args.jobs)
    print(f"cross-kernel check: {', '.join(methods)} on {', '.join(sample.datasets)}, "
          f"{sample.seeds} seeds" + (f", options {sample.options}" if sample.options else ""))
    for name, result in outcome.results.items():
        print(f"  {name:<14} {_describe(result)}")
    for name, why in outcome.ineffective.items():
        print(f"FAIL {name}: the configuration changed nothing: {why}")
    if PROBE in sample.methods:
        print(f"  the probe changed under {', '.join(outcome.probe_changed) or 'nothing'} "
              "(as it must under every configuration but threads)")
    for name in outcome.blind:
        print(f"FAIL {name}: the probe's traces did not change, so this configuration could "
              "not catch a kernel dependence here")
    for name, keys in outcome.differing.items():
        print(f"FAIL {name}: {len(keys)} run(s) differ from the default:")
        for key in keys:
            label, dataset, seed = key.split("|")
            print(f"    {label} {dataset} seed {seed}")
    print(f"{'OK' if outcome.ok else 'FAILED'} in {time.perf_counter() - start:.0f} s")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
