"""Hardware constraints: FLOPs, parameter and per-device latency limits on NB201 archs.

>>> from asebench.constraints import feasible_set
>>> feasible = feasible_set(default_table(), "cifar10", ["flops_m<=100", "latency:pixel3<=20"])
>>> feasible.contains(arch), feasible.count, feasible.oracle("test_acc_200_mean").accuracy

A constrained search restricts the backend's space to :meth:`FeasibleSet.contains` (see
:func:`constrained_backend`), so every method proposes only feasible archs and an infeasible
arch is never queried nor charged.
"""

from __future__ import annotations

from asebench.constraints._backend import constrained_backend
from asebench.constraints._expr import OPERATORS, Constraint, parse_constraint, parse_constraints
from asebench.constraints._feasible import FeasibleSet, Oracle, feasible_set
from asebench.constraints._metrics import (
    DATASET_METRICS,
    LATENCY_PREFIX,
    metric_names,
    metric_unit,
    metric_values,
)
from asebench.constraints._regret import regret_latex, regret_markdown, regret_table
from asebench.constraints._study import (
    ConstraintViolation,
    constraint_config,
    feasibility_record,
    oracle_summary,
    store_check,
    validate_constraints,
)

__all__ = [
    "DATASET_METRICS",
    "LATENCY_PREFIX",
    "OPERATORS",
    "Constraint",
    "ConstraintViolation",
    "FeasibleSet",
    "Oracle",
    "constrained_backend",
    "constraint_config",
    "feasibility_record",
    "feasible_set",
    "metric_names",
    "metric_unit",
    "metric_values",
    "oracle_summary",
    "parse_constraint",
    "parse_constraints",
    "regret_latex",
    "regret_markdown",
    "regret_table",
    "store_check",
    "validate_constraints",
]
