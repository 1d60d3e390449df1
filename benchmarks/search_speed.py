"""ASE-NAS speed on the paper protocol (cifar10, 25,000 s): wall s per run and per controller
step, batched vs one-by-one, a torch-autograd controller step as the in-run reference, and a
cProfile summary. Timings on a shared machine are noisy; ratios are taken within one run.

Also: NSE and AutoSpace per run against a regularised-evolution run of the same budget.

Usage: .venv/bin/python benchmarks/search_speed.py [--seeds 8] [--batch 100]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_seconds  # noqa: E402

from asebench.backends import TabularBackend  # noqa: E402
from asebench.records import Budget  # noqa: E402
from asebench.search import Searcher, get  # noqa: E402
from asebench.search._graph import adjacency, reward_feature  # noqa: E402


def _per_run(searcher: Searcher, backend: TabularBackend, budget: Budget, seeds: int) -> float:
    """Median wall seconds of one run over ``seeds`` different seeds (after a warm-up run)."""
    searcher.run(backend, budget, np.random.default_rng(10_000))
    samples = []
    for seed in range(seeds):
        start = time.perf_counter()
        searcher.run(backend, budget, np.random.default_rng(seed))
        samples.append(time.perf_counter() - start)
    return float(np.median(samples))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()
    backend = TabularBackend("cifar10")
    budget = Budget(seconds=backend.protocol.budget_s)
    ase = get("ase")
    ase.run(backend, budget, np.random.default_rng(123))  # warm-up

    t0 = time.perf_counter()
    traces = [ase.run(backend, budget, np.random.default_rng(s)) for s in range(args.seeds)]
    single = (time.perf_counter() - t0) / args.seeds
    steps = np.mean([t.info["iterations"] for t in traces])
    t0 = time.perf_counter()
    ase.run_batch(backend, budget, [np.random.default_rng(s) for s in range(args.batch)])
    batched = (time.perf_counter() - t0) / args.batch
    ase64 = get("ase", precision="float64")
    t0 = time.perf_counter()
    ase64.run_batch(backend, budget, [np.random.default_rng(s) for s in range(args.batch)])
    batched64 = (time.perf_counter() - t0) / args.batch
    rnd = get("random")
    random_run = median_seconds(lambda: rnd.run(backend, budget, np.random.default_rng(0)), 20)

    # one controller step (sample + backward + Adam) in numpy vs torch autograd, same model
    ctrl = ase.controller(backend.space.sizes)
    rng = np.random.default_rng(0)
    theta = ctrl.init_params(rng)[None]
    centers = np.array([[backend.space.sample(rng) for _ in range(ctrl.K)]])
    rewards = rng.normal(size=(1, ctrl.K))
    z, adj = reward_feature(rewards), adjacency(rewards)
    from asebench.search._controller import Adam

    adam = Adam(theta.shape, 1e-2)
    grad = np.empty_like(theta)

    def numpy_step() -> None:
        ctrl.sample(theta, centers, z, adj, rng.random((1, ctrl.T)))
        ctrl.backward(np.array([0.5]), 7.5e-4, grad)
        adam.step(theta, grad)

    numpy_step_s = median_seconds(numpy_step, 200)
    import torch

    from asebench.search._torch_reference import reference_loss

    torch.set_num_threads(1)
    t_theta = torch.tensor(theta[0].copy(), requires_grad=True)
    opt = torch.optim.Adam([t_theta], lr=1e-2)
    ctrl.sample(theta, centers, z, adj, rng.random((1, ctrl.T)))
    chosen = ctrl.cache["chosen"][0].copy()

    def torch_step() -> None:
        opt.zero_grad()
        reference_loss(ctrl, t_theta, centers[0], z[0], adj[0], chosen, 0.5, 7.5e-4).backward()
        opt.step()

    torch_step_s = median_seconds(torch_step, 50)

    print(f"ASE-NAS cifar10 paper protocol, {steps:.0f} controller steps per run")
    print(f"  run one-by-one          {single * 1e3:8.1f} ms/run  "
          f"({single / steps * 1e3:.3f} ms/step)")
    print(f"  run_batch of {args.batch:4d}      {batched * 1e3:8.1f} ms/run  "
          f"({batched / steps * 1e3:.3f} ms/step/seed)  x{single / batched:.1f} vs one-by-one")
    print(f"  numpy controller step   {numpy_step_s * 1e3:8.3f} ms   "
          f"torch-autograd step {torch_step_s * 1e3:.3f} ms   x{torch_step_s / numpy_step_s:.1f}")
    print(f"  random search           {random_run * 1e3:8.1f} ms/run  "
          f"(ASE one-by-one = {single / random_run:.0f}x random)")
    print(f"  run_batch, float64      {batched64 * 1e3:8.1f} ms/run  "
          f"(float32 default x{batched64 / batched:.1f} faster)")
    autograd_run = torch_step_s * steps
    print(f"  torch-autograd run (stand-in for the published torch code: one autograd step "
          f"per query) {autograd_run * 1e3:.0f} ms/run: one-by-one x{autograd_run / single:.1f},"
          f" batched x{autograd_run / batched:.1f}")

    # search-space evolution: one run vs a regularised-evolution run, same budget
    evo_s = _per_run(get("evolution"), backend, budget, 40)
    print(f"  regularised evolution   {evo_s * 1e3:8.1f} ms/run  (median over 40 seeds)")
    for name in ("nse", "autospace"):
        run_s = _per_run(get(name), backend, budget, 40)
        print(f"  {name:<23} {run_s * 1e3:8.1f} ms/run  = x{run_s / evo_s:.2f} evolution "
              "(goal: <= 2x)")

    profile = cProfile.Profile()
    profile.enable()
    ase.run(backend, budget, np.random.default_rng(7))
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(10)
    print("\nwhere one ASE run spends its time (cProfile, tottime):")
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


if __name__ == "__main__":
    main()
