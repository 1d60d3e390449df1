"""``asebench query``: every stored metric of one arch (NB201 by default, or any registered
benchmark through its backend)."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from asebench.cli._options import table_option
from asebench.errors import AsebenchError

__all__ = ["query"]



@click.command()
@click.argument("arch")
@click.option("--dataset", "-d", default=None,
              help="Dataset [default: cifar10 on nb201, else the benchmark's first].")
@click.option("--benchmark", "--backend", "benchmark", default="nb201", show_default=True,
              help="nb201 (the embedded/imported NB201 table), nas-bench-graph, or a "
                   "plugin's benchmark.")
@click.option("--protocol", "protocol_name", default=None,
              help="nb201: evaluation protocol whose reward/cost to show [default: paper].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--constraint", "constraints", multiple=True, metavar="EXPR",
              help="Also say whether ARCH meets this limit (e.g. flops_m<=100, "
                   "latency:pixel3<=20); repeatable.")
@table_option
def query(arch: str, dataset: str | None, benchmark: str, protocol_name: str | None,
          as_json: bool, constraints: tuple[str, ...], data: str | None) -> None:
    """Print every stored metric of ARCH: on nb201 an NB201 string or index 0..15624; on
    another benchmark the arch's string (nas-bench-graph: 0-1-2-1/gcn-gin-fc-cheb) or the
    benchmark's own key (nas-bench-graph: the package's hash)."""
    from asebench.backends import backends

    special = _RECORDS.get(backends.canonical(benchmark))
    if special is not None:
        record = special(arch, dataset, protocol_name, constraints, data)
    else:
        backends.factory(benchmark, noun="benchmark")  # unknown: one line in the user's word
        if protocol_name is not None:
            raise AsebenchError(f"--protocol applies to nb201 only, not {benchmark}")
        # $ASEBENCH_DATA names the NB201 table: only an explicit --data goes to another one
        source = click.get_current_context().get_parameter_source("data")
        explicit = data if source is not click.core.ParameterSource.ENVIRONMENT else None
        record = _registry_record(arch, benchmark, dataset, constraints, explicit)
    _print(record, as_json)


def _nb201_record(arch: str, dataset: str | None, protocol_name: str | None,
                  constraints: tuple[str, ...], data: str | None) -> dict[str, object]:
    """The NB201 table's record: index, every stored column, the HELP latencies."""
    import numpy as np

    from asebench.backends import TabularBackend, get_protocol
    from asebench.spaces import NB201Space
    from asebench.tables import default_table

    dataset = dataset or "cifar10"
    table = default_table(data)
    protocol = get_protocol(protocol_name or "paper")
    table.check_dataset(dataset)
    space = NB201Space(order=table.arch_codes)
    parsed = space.parse(arch)
    backend = TabularBackend(dataset, protocol, table=table)
    index = backend.index(parsed)
    evaluation = backend.evaluate(parsed, np.random.default_rng(0))
    record: dict[str, object] = {
        "index": index,
        "arch": space.to_string(parsed),
        "dataset": dataset,
        "protocol": protocol.name,
        "reward_column": backend.reward_column,
        "query_cost_s": evaluation.cost_s,
        "table": table.meta.name,
    }
    record.update(table.metrics(dataset, index))
    if "help_latency_ms" in table.extra:
        latencies = table.extra["help_latency_ms"][index]
        record["help_latency_ms"] = dict(zip(table.meta.help_devices, map(float, latencies)))
    if constraints:
        from asebench.constraints import feasibility_record

        record.update(feasibility_record(backend, constraints, parsed))
    return record


def _registry_record(arch: str, benchmark: str, dataset: str | None,
                     constraints: tuple[str, ...], data: str | None) -> dict[str, object]:
    """The record of any registered benchmark: its description, reward, report and metrics."""
    import numpy as np

    from asebench.backends import (
        ArchMetrics,
        BackendFactory,
        KeyedBackend,
        backends,
        describe,
        get_backend,
    )

    options: dict[str, object] = {} if data is None else {"data": data}
    if dataset is None:
        factory = backends.factory(benchmark)
        defaults = (factory.default_datasets(**options) if isinstance(factory, BackendFactory)
                    else ())
        if not defaults:
            raise AsebenchError(f"benchmark {benchmark!r} names no default dataset; give -d")
        dataset = defaults[0]
    backend = get_backend(benchmark, dataset=dataset, **options)
    space = backend.space
    text = arch.strip()
    if isinstance(backend, KeyedBackend) and text.isdigit():
        parsed = backend.arch_of_key(text)
    else:
        parsed = space.parent.validate(space.from_string(text))
        if not space.contains(parsed):
            backend.evaluate(parsed, np.random.default_rng(0))  # the backend's own refusal
            space.validate(parsed)
    info = describe(backend)
    evaluation = backend.evaluate(parsed, np.random.default_rng(0))
    record: dict[str, object] = {"arch": space.to_string(parsed)}
    if isinstance(backend, KeyedBackend):
        record["key"] = backend.key_of(parsed)
    record.update({"benchmark": info.benchmark, "dataset": info.dataset,
                   "reward_column": info.reward, "reward": evaluation.reward,
                   "query_cost_s": evaluation.cost_s})
    if info.data:
        record["table"] = info.data.get("name", "")
        record["table_sha256"] = info.data.get("sha256", "")
    record.update({k: float(v) for k, v in backend.report(parsed).items()})
    if isinstance(backend, ArchMetrics):
        record.update({k: float(v) for k, v in backend.arch_metrics(parsed).items()})
    if constraints:
        from asebench.constraints import feasibility_record

        record.update(feasibility_record(backend, constraints, parsed))
    return record


_RECORDS: dict[str, Callable[[str, str | None, str | None, tuple[str, ...], str | None],
                              dict[str, object]]] = {"tabular": _nb201_record}
"""Benchmarks with a richer record than the generic one, by canonical backend name."""


def _print(record: dict[str, object], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(record))
        return
    width = max(len(key) for key in record)
    for key, value in record.items():
        if isinstance(value, float):
            text = f"{value:.6g}"
        elif isinstance(value, list):
            text = ", ".join("nan" if v != v else f"{v:.6g}" for v in value)
        elif isinstance(value, dict):
            text = ", ".join(f"{k}={v:.4g}" for k, v in value.items())
        else:
            text = str(value)
        click.echo(f"{key:<{width}}  {text}")
