"""Cost metrics of an NB201 table that a constraint may name (read by the tabular backend).

These are known before training (FLOPs and parameters are computed, latency comes from a
lookup table), so checking them costs nothing and never touches the search budget:

* ``flops_m``, ``params_m``, ``latency_nats_s``: the table's per-dataset columns (MFLOPs,
  millions of parameters, NATS-Bench latency in seconds);
* ``latency:DEVICE``: HELP's measured latency in ms on one of the table's devices
  (``help_latency_ms``; the device names are in the table's metadata).
"""

from __future__ import annotations

import numpy as np

from asebench.errors import AsebenchError
from asebench.tables._table import NB201Table

__all__ = ["DATASET_METRICS", "LATENCY_PREFIX", "metric_names", "metric_unit", "metric_values"]

DATASET_METRICS: tuple[str, ...] = ("flops_m", "params_m", "latency_nats_s")
"""Per-dataset cost columns of the table a constraint may name."""

LATENCY_PREFIX = "latency:"
_HELP_KEY = "help_latency_ms"
_UNITS = {"flops_m": "MFLOPs", "params_m": "M params", "latency_nats_s": "s"}


def _devices(table: NB201Table) -> tuple[str, ...]:
    return tuple(table.meta.help_devices) if _HELP_KEY in table.extra else ()


def metric_names(table: NB201Table) -> tuple[str, ...]:
    """Every metric name ``table`` can resolve (per-dataset columns, then one per device)."""
    return DATASET_METRICS + tuple(LATENCY_PREFIX + d for d in _devices(table))


def metric_unit(metric: str) -> str:
    """The unit a metric's limit is given in (``ms`` for HELP latency)."""
    return "ms" if metric.startswith(LATENCY_PREFIX) else _UNITS.get(metric, "")


def metric_values(table: NB201Table, dataset: str, metric: str) -> np.ndarray:
    """``(N,) float64``: ``metric`` of every arch (row = NB201 index) on ``dataset``.

    Raises:
        AsebenchError: unknown metric or device (the message lists the valid ones).
    """
    table.check_dataset(dataset)
    if metric.startswith(LATENCY_PREFIX):
        device = metric[len(LATENCY_PREFIX):]
        devices = _devices(table)
        if not devices:
            raise AsebenchError(
                f"table {table.meta.name!r} has no HELP latency, so {metric!r} cannot be "
                f"constrained; metrics are {', '.join(DATASET_METRICS)}")
        if device not in devices:
            raise AsebenchError(
                f"unknown latency device {device!r}; devices are {', '.join(devices)}")
        column = table.extra[_HELP_KEY][:, devices.index(device)]
    elif metric in DATASET_METRICS:
        column = table.column(dataset, metric)
    else:
        raise AsebenchError(
            f"unknown constraint metric {metric!r}; metrics are {', '.join(DATASET_METRICS)} "
            f"and latency:DEVICE with DEVICE one of {', '.join(_devices(table)) or '(none)'}")
    values = np.asarray(column, dtype=np.float64)
    if values.ndim != 1 or values.shape[0] != table.num_archs or np.isnan(values).any():
        raise AsebenchError(
            f"metric {metric!r} of table {table.meta.name!r} is not one finite value per arch")
    return values
