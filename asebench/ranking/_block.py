"""Which methods and tasks the Friedman test and the diagram use when some are missing.

The Friedman test needs a complete block: a score of every method on every task. When a
method did not run on some task (ASE-NAS+ has no transfer source on its source dataset; a
peer library ran only on NB201), the block is chosen by this rule:

1. the most tasks: the largest set of tasks on which at least :data:`MIN_METHODS` methods all
   ran (a task dropped loses every method's score on it; a method dropped loses only its
   own, and the test's power and the critical difference are set by the number of tasks);
2. on those tasks, every method that ran on all of them;
3. if two different task sets tie on both counts, the choice would be arbitrary: refused,
   naming both (restrict the methods or datasets to choose).

Every method and task left out is listed, with what it lacks, in the caption and the CSVs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from asebench.errors import AsebenchError

__all__ = ["MIN_METHODS", "MIN_TASKS", "Block", "choose_block"]

MIN_METHODS = 3
"""Methods the Friedman test needs (scipy's ``friedmanchisquare`` refuses two: compare two
methods with a paired test instead)."""

MIN_TASKS = 2
"""Tasks (blocks) the Friedman test needs."""


@dataclass(frozen=True)
class Block:
    """The complete block the test runs on.

    Attributes:
        tasks: the tasks kept, in the order given.
        labels: the methods kept, in the order given.
        dropped_labels: method -> the kept tasks it did not run on.
        dropped_tasks: task -> the kept methods that did not run on it.
    """

    tasks: tuple[str, ...]
    labels: tuple[str, ...]
    dropped_labels: Mapping[str, tuple[str, ...]]
    dropped_tasks: Mapping[str, tuple[str, ...]]


def _names(items: Sequence[str], most: int = 4) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def choose_block(tasks: Sequence[str], labels: Sequence[str],
                 ran: Mapping[str, set[str]]) -> Block:
    """The block of the module docstring's rule.

    Args:
        tasks: every task, in display order.
        labels: every method label, in display order.
        ran: task -> the labels with a score on it.

    Raises:
        AsebenchError: fewer than :data:`MIN_METHODS` methods, no :data:`MIN_METHODS` methods
            sharing :data:`MIN_TASKS` tasks, or a tie between two task sets.
    """
    if len(labels) < MIN_METHODS:
        raise AsebenchError(
            f"rank needs at least {MIN_METHODS} methods for the Friedman test; the studies give "
            f"{len(labels)} ({_names(list(labels)) or 'none'}): compare two methods with a "
            f"paired test instead (asebench table)")
    has = {label: frozenset(t for t in tasks if label in ran.get(t, set())) for label in labels}
    candidates: dict[frozenset[str], None] = {}
    best = 0
    for group in itertools.combinations(labels, MIN_METHODS):
        shared = frozenset.intersection(*(has[label] for label in group))
        if len(shared) > best:
            best, candidates = len(shared), {}
        if len(shared) == best and shared:
            candidates[shared] = None
    if best < MIN_TASKS:
        where = (f"at most {best} task ({_names(sorted(next(iter(candidates))))})" if best
                 else "no task")
        raise AsebenchError(
            f"the Friedman test needs at least {MIN_METHODS} methods on at least {MIN_TASKS} "
            f"common tasks; any {MIN_METHODS} of these studies' methods share {where}: give "
            f"studies of the same benchmarks and datasets")
    scored = [(shared, [label for label in labels if shared <= has[label]])
              for shared in candidates]
    most = max(len(kept) for _, kept in scored)
    tied = [(shared, kept) for shared, kept in scored if len(kept) == most]
    if len(tied) > 1:
        sets = [" + ".join(t for t in tasks if t in shared) for shared, _ in tied[:2]]
        raise AsebenchError(
            f"two sets of {best} tasks with {most} methods each tie ({sets[0]}; {sets[1]}); "
            f"choose with --datasets or --methods")
    shared, kept = tied[0]
    kept_tasks = tuple(t for t in tasks if t in shared)
    return Block(
        tasks=kept_tasks,
        labels=tuple(kept),
        dropped_labels={label: tuple(t for t in kept_tasks if t not in has[label])
                        for label in labels if label not in kept},
        dropped_tasks={t: tuple(label for label in kept if t not in has[label])
                       for t in tasks if t not in shared},
    )
