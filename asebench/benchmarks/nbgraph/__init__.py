"""NAS-Bench-Graph (Qin et al., NeurIPS 2022 Datasets and Benchmarks; arXiv 2206.09166) as an
asebench benchmark: 26,206 GNN architectures on nine graph datasets, from an embedded table
built from the ``nas-bench-graph`` package's light files.

Registered through the ``asebench.backends`` entry point ``nas-bench-graph``, like a plugin:
``asebench run --benchmark nas-bench-graph``.
"""

from asebench.benchmarks.nbgraph._backend import (
    ASE_DEFAULTS,
    BUDGET_QUERIES,
    NBGraphBackend,
    build_nbgraph_backend,
    factory,
    nbgraph_datasets,
)
from asebench.benchmarks.nbgraph._canonical import GNN_OPS, LINK_PATTERNS, canonical, valid_hash
from asebench.benchmarks.nbgraph._space import (
    POSITIONS,
    PROTEINS_OPS,
    NBGraphSpace,
    NotAllSkip,
    code_index,
    dataset_space,
)
from asebench.benchmarks.nbgraph._table import NBGraphTable, load_nbgraph, nbgraph_table_path

__all__ = [
    "ASE_DEFAULTS",
    "BUDGET_QUERIES",
    "GNN_OPS",
    "LINK_PATTERNS",
    "NBGraphBackend",
    "NBGraphSpace",
    "NBGraphTable",
    "NotAllSkip",
    "POSITIONS",
    "PROTEINS_OPS",
    "build_nbgraph_backend",
    "canonical",
    "code_index",
    "dataset_space",
    "factory",
    "load_nbgraph",
    "nbgraph_datasets",
    "nbgraph_table_path",
    "valid_hash",
]
