"""Statistical smoke test on the real table: ASE-NAS beats random search on CIFAR-100.

40 paired seeds (fixed), paper protocol (25,000 s). Deterministic: the seeds are fixed and the
search is seeded, so the p-value is a fixed number, not a flaky one.

It uses the method's defaults: the paper's hyper-parameters with the published bounded logits.
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

    ase = accuracies("ase")
    rnd = accuracies("random")
    assert ase.mean() - rnd.mean() > 0.5
    assert stats.wilcoxon(ase, rnd, alternative="greater").pvalue < 0.01
