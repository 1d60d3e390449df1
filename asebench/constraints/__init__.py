"""Hardware constraints: FLOPs, parameter and per-device latency limits on NB201 archs.

Constraints work on any backend that declares the metrics it knows before a query
(:class:`asebench.backends.MetricInfo`): on a backend that lists its space (NB201) a
:class:`FeasibleSet` (mask, size, oracle, percentile limits), on one that only knows each
arch's metrics (the live supernet's analytic MAdds) a :class:`PredicateSet`.

>>> from asebench.backends import TabularBackend
>>> from asebench.constraints import feasible_set
>>> feasible = feasible_set(TabularBackend("cifar10"), ["flops_m<=100", "latency:pixel3<=20"])
>>> feasible.contains(arch), feasible.count, feasible.oracle().accuracy

A constrained search restricts the backend's space to ``contains`` (see
:func:`constrained_backend`), so every method proposes only feasible archs and an infeasible
arch is never queried nor charged.
"""

from __future__ import annotations

from asebench.constraints._backend import constrained_backend
from asebench.constraints._expr import OPERATORS, Constraint, parse_constraint, parse_constraints
from asebench.constraints._feasible import (
    Feasibility,
    FeasibleSet,
    Oracle,
    PredicateSet,
    feasible_set,
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
from asebench.tables._metrics import (
    DATASET_METRICS,
    LATENCY_PREFIX,
    metric_names,
    metric_unit,
    metric_values,
)

__all__ = [
    "DATASET_METRICS",
    "LATENCY_PREFIX",
    "OPERATORS",
    "Constraint",
    "ConstraintViolation",
    "Feasibility",
    "FeasibleSet",
    "Oracle",
    "PredicateSet",
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
