"""The paper's figures: statistics from DataFrames, plots, captions and the report writer.

Plot functions take DataFrames and return matplotlib Figures; they never read files.
:func:`make_figures` walks the declared figures (:data:`FIGURES`, each a :class:`FigureSpec`:
a name, the study groups it reads, a builder), runs the studies they need and writes
everything into ``reports/``.
"""

from __future__ import annotations

from asebench.figures._anytime import anytime_curves, caption_anytime, plot_anytime
from asebench.figures._builders import FIGURES, PARTS
from asebench.figures._distance import (
    PAPER_FIG6,
    distance_accuracy_table,
    pairwise_distance_stats,
)
from asebench.figures._fig6 import caption_distance, plot_distance
from asebench.figures._fig7 import (
    FIG7_LABELS,
    caption_subspace_update,
    plot_subspace_update,
    subspace_update_summary,
)
from asebench.figures._fig8 import (
    FIG8_PANELS,
    best_so_far_by_step,
    caption_ablation_curves,
    plot_ablation_curves,
    subspaces_explored,
)
from asebench.figures._fig9 import caption_sweeps, plot_sweeps, sweep_summary
from asebench.figures._make import make_figures
from asebench.figures._policy import caption_policy, plot_policy, policy_curves, policy_summary
from asebench.figures._report import (
    ReportEntry,
    write_figure,
    write_readme,
)
from asebench.figures._spec import FigureInputs, FigureSettings, FigureSpec
from asebench.figures._stats import Comparison, compare, summarize
from asebench.figures._studies import FigureStudies, study_directory
from asebench.figures._style import METHOD_COLORS, color_for, display_name, paper_style
from asebench.figures._synthetic import SyntheticArm, synthetic_study
from asebench.figures._table1 import caption_table1

__all__ = [
    "FIGURES",
    "PARTS",
    "FIG7_LABELS",
    "FIG8_PANELS",
    "METHOD_COLORS",
    "PAPER_FIG6",
    "Comparison",
    "FigureInputs",
    "FigureSettings",
    "FigureSpec",
    "FigureStudies",
    "ReportEntry",
    "SyntheticArm",
    "anytime_curves",
    "best_so_far_by_step",
    "caption_ablation_curves",
    "caption_anytime",
    "caption_distance",
    "caption_subspace_update",
    "caption_policy",
    "caption_sweeps",
    "caption_table1",
    "color_for",
    "compare",
    "display_name",
    "distance_accuracy_table",
    "make_figures",
    "pairwise_distance_stats",
    "paper_style",
    "plot_ablation_curves",
    "plot_anytime",
    "plot_distance",
    "plot_subspace_update",
    "plot_policy",
    "plot_sweeps",
    "policy_curves",
    "policy_summary",
    "study_directory",
    "subspace_update_summary",
    "subspaces_explored",
    "summarize",
    "sweep_summary",
    "synthetic_study",
    "write_figure",
    "write_readme",
]
