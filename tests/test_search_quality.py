"""Statistical smoke test on the real table: ASE-NAS beats random search on CIFAR-100.

40 paired seeds (fixed), paper protocol (25,000 s). Deterministic: the seeds are fixed and the
search is seeded, so the p-value is a fixed number, not a flaky one.

It uses ``lr=1e-3``: with the paper's Adam lr 1e-2 and batch size 1 the policy collapses onto
a few repeated edits (about a third of the queries are distinct; see the report of issue 3),
and ASE-NAS does not beat random search on the embedded proxy reward.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from asebench.backends import TabularBackend
from asebench.records import Budget
from asebench.search import get

SEEDS = 40


def test_ase_beats_random_on_cifar100() -> None:
    backend = TabularBackend("cifar100")
    budget = Budget(seconds=backend.protocol.budget_s)

    def accuracies(name: str, **options: object) -> np.ndarray:
        searcher = get(name, **options)
        rngs = [np.random.default_rng([2024, s]) for s in range(SEEDS)]
        traces = searcher.run_batch(backend, budget, rngs)  # type: ignore[attr-defined]
        return np.array([backend.report(t.answer)["test_accuracy"] for t in traces])

    ase = accuracies("ase", lr=1e-3)
    rnd = accuracies("random")
    assert ase.mean() - rnd.mean() > 0.5
    assert stats.wilcoxon(ase, rnd, alternative="greater").pvalue < 0.01
