"""Average ranks of methods over every task of some studies, the Friedman test, the Nemenyi
post-hoc test and a critical-difference diagram (Demsar 2006).

A task is one (benchmark, dataset): the study's backend and the runs' dataset. Studies that
hold the same task are merged (:func:`collect_runs`): they must share its protocol, budget,
master seed, table and constraints, and a label they both give must give the same results.

The ranking unit is one score per task and method: the mean final test accuracy over the
paired seeds that every ranked method ran on the task. Methods are ranked on it within each
task (1 = best) and the ranks averaged over the tasks. That is the unit of the Friedman test
and the CD diagram: the blocks are the tasks, not the seeds, which are repeated runs of one
task and not independent tasks (ranking per seed and pooling the seeds would count a task
with 500 seeds as 500 tasks). The mean per-seed rank (ranked on each seed, averaged over the
seeds, then the tasks) is reported beside it.

The test needs every method on every task; when some are missing, the block keeps the most
tasks on which at least three methods ran, and on them every method that ran on all of them
(:func:`choose_block`). What is left out is listed in the caption and the CSVs.

The tests come from maintained libraries: scipy's ``friedmanchisquare`` and scikit-posthocs'
Nemenyi test and ``critical_difference_diagram`` (the ``rank`` extra:
``pip install 'asebench[rank]'``).

    write_ranks(["studies/table1", "studies/nbgraph"], "reports/ranks")
"""

from __future__ import annotations

from asebench.ranking._block import MIN_METHODS, MIN_TASKS, Block, choose_block
from asebench.ranking._ranking import DEFAULT_ALPHA, Ranking, rank_studies
from asebench.ranking._scores import BlockScores, available, block_scores, task_id
from asebench.ranking._stats import (
    FriedmanResult,
    critical_difference,
    friedman,
    nemenyi,
    rank_rows,
)
from asebench.ranking._tasks import TaskRuns, collect_runs, study_setting
from asebench.ranking._write import FILES, write_ranking, write_ranks

__all__ = [
    "DEFAULT_ALPHA",
    "FILES",
    "MIN_METHODS",
    "MIN_TASKS",
    "Block",
    "BlockScores",
    "FriedmanResult",
    "Ranking",
    "TaskRuns",
    "available",
    "block_scores",
    "choose_block",
    "collect_runs",
    "critical_difference",
    "friedman",
    "nemenyi",
    "rank_rows",
    "rank_studies",
    "study_setting",
    "task_id",
    "write_ranking",
    "write_ranks",
]
