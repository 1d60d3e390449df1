"""Constraint expressions: ``METRIC OP LIMIT``, e.g. ``flops_m<=100`` or ``latency:pixel3<20``.

``LIMIT`` is a number in the metric's unit, or ``pNN`` for the NN-th percentile of the metric
over the whole space on the dataset searched (``flops_m<=p25``: the cheapest quarter), so one
expression means the same share of the space on every dataset. Parsing checks only the form;
whether the metric exists is checked against a table (:mod:`asebench.tables._metrics`).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from asebench.errors import AsebenchError

__all__ = ["OPERATORS", "Constraint", "parse_constraint", "parse_constraints"]

OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
"""Comparison of each operator (applied elementwise to a metric array and a limit)."""

_EXPR = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_.\-]+)?)\s*"
    r"(?P<op><=|>=|<|>)\s*(?P<limit>\S+)\s*$")
_PERCENTILE = re.compile(r"^[pP](\d+(?:\.\d*)?)$")


@dataclass(frozen=True)
class Constraint:
    """One limit on a cost metric.

    Attributes:
        metric: ``flops_m``, ``params_m``, ``latency_nats_s`` or ``latency:DEVICE``.
        op: ``<=``, ``<``, ``>=`` or ``>``.
        limit: the limit in the metric's unit; None when given as a percentile.
        percentile: the limit as a percentile (0-100) of the metric over the space; None when
            given as a number.
    """

    metric: str
    op: str
    limit: float | None = None
    percentile: float | None = None

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise AsebenchError(
                f"unknown constraint operator {self.op!r}; use one of {', '.join(OPERATORS)}")
        if (self.limit is None) == (self.percentile is None):
            raise AsebenchError("a constraint needs exactly one of a limit or a percentile")
        if self.limit is not None and not math.isfinite(self.limit):
            raise AsebenchError(f"constraint limit must be a finite number, got {self.limit}")
        if self.percentile is not None and not 0 < self.percentile <= 100:
            raise AsebenchError(
                f"constraint percentile must be in (0, 100], got p{self.percentile:g}")

    @property
    def text(self) -> str:
        """The canonical expression (``flops_m<=100``, ``latency:pixel3<=p25``)."""
        limit = f"p{self.percentile:g}" if self.percentile is not None else f"{self.limit:g}"
        return f"{self.metric}{self.op}{limit}"

    def __str__(self) -> str:
        return self.text

    def holds(self, values: np.ndarray, limit: float) -> np.ndarray:
        """Elementwise: whether ``values`` satisfy this constraint at the resolved ``limit``."""
        return OPERATORS[self.op](values, limit)


def parse_constraint(text: str) -> Constraint:
    """Parse one expression.

    Raises:
        AsebenchError: the expression is not ``METRIC OP NUMBER`` or ``METRIC OP pNN``.
    """
    if not isinstance(text, str):
        raise AsebenchError(f"a constraint must be a string like 'flops_m<=100', got {text!r}")
    match = _EXPR.match(text)
    if not match:
        raise AsebenchError(
            f"malformed constraint {text!r}: expected METRIC<=LIMIT (operators <=, <, >=, >; "
            "e.g. flops_m<=100, params_m<=0.8, latency:pixel3<=20, flops_m<=p25)")
    metric, op, raw = match.group("metric"), match.group("op"), match.group("limit")
    percentile = _PERCENTILE.match(raw)
    if percentile:
        return Constraint(metric, op, percentile=float(percentile.group(1)))
    try:
        limit = float(raw)
    except ValueError:
        raise AsebenchError(
            f"malformed constraint {text!r}: limit {raw!r} is neither a number nor a "
            "percentile like p25") from None
    return Constraint(metric, op, limit=limit)


def parse_constraints(items: Iterable[str | Constraint] | str | None) -> tuple[Constraint, ...]:
    """Parse several expressions (all must hold); duplicates are an error.

    A single string is one expression (not split on commas: ``latency:x<=1`` has none, but a
    list is the way to give several).
    """
    if items is None:
        return ()
    if isinstance(items, (str, Constraint)):
        items = [items]
    out = tuple(i if isinstance(i, Constraint) else parse_constraint(i) for i in items)
    texts = [c.text for c in out]
    twice = sorted({t for t in texts if texts.count(t) > 1})
    if twice:
        raise AsebenchError(f"constraint given twice: {', '.join(twice)}")
    return out
