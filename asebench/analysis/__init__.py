"""Reading stored studies and turning them into the paper's tables and statistics."""

from __future__ import annotations

from asebench.analysis._load import Study, load
from asebench.analysis._paper import (
    PAPER_ROW_NAMES,
    PAPER_TABLE1,
    algorithm_name,
    display_name,
)
from asebench.analysis._power import detectable_difference, seeds_to_detect
from asebench.analysis._stats import (
    PairedComparison,
    bootstrap_mean_ci,
    paired_comparison,
)
from asebench.analysis._table1 import (
    REFERENCE_METHOD,
    REWARD_COLUMN_NOTES,
    default_references,
    study_markdown,
    table1,
    to_latex,
    to_markdown,
)

__all__ = [
    "PAPER_ROW_NAMES",
    "PAPER_TABLE1",
    "REWARD_COLUMN_NOTES",
    "PairedComparison",
    "Study",
    "bootstrap_mean_ci",
    "detectable_difference",
    "algorithm_name",
    "display_name",
    "load",
    "paired_comparison",
    "seeds_to_detect",
    "table1",
    "to_latex",
    "REFERENCE_METHOD",
    "default_references",
    "study_markdown",
    "to_markdown",
]
