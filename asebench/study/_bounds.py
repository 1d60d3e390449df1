"""Plans too large for one machine, refused before anything is planned in full or written."""

from __future__ import annotations

from asebench.errors import AsebenchError
from asebench.study._spec import StudySpec

__all__ = ["BYTES_PER_RUN", "MAX_CHUNKS", "MAX_RUNS", "check_plan_size"]

MAX_RUNS = 10_000_000
"""Runs one study may hold: about 650 times the paper's Table I (15,000 runs)."""

MAX_CHUNKS = 1_000_000
"""Chunks (three files each in the study folder) one study may hold."""

BYTES_PER_RUN = 9_000
"""Store bytes per tabular run at the paper's budget (shards and traces: 8,873 measured on
``make run``'s study by benchmarks/store_overhead.py), for the size the message estimates."""


def check_plan_size(spec: StudySpec) -> None:
    """Refuse a study beyond :data:`MAX_RUNS` runs or :data:`MAX_CHUNKS` chunks.

    Counts an upper bound of the cells from the spec alone (each method on every dataset, a
    transfer method's source cell once more), so it needs no backend and no pass over the
    seeds; :func:`~asebench.study.plan_cells` may plan fewer.

    Raises:
        AsebenchError: the bound, the study's size and its estimated store size.
    """
    datasets = len(spec.datasets)
    cells = sum(datasets + (m.transfer is not None) for m in spec.method_specs)
    runs = cells * spec.seeds
    chunks = cells * -(-spec.seeds // spec.chunk_size)
    if runs <= MAX_RUNS and chunks <= MAX_CHUNKS:
        return
    size_gb = runs * BYTES_PER_RUN / 1e9
    raise AsebenchError(
        f"a study of {runs:,} runs in {chunks:,} chunks (a store of about {size_gb:,.0f} GB) "
        f"is beyond one machine: at most {MAX_RUNS:,} runs and {MAX_CHUNKS:,} chunks; use "
        "fewer --seeds, methods or datasets (or a larger --chunk-size)")
