"""``asebench query``: every stored metric of one NB201 arch."""

from __future__ import annotations

import json

import click

from asebench.cli._options import dataset_option, table_option

__all__ = ["query"]


@click.command()
@click.argument("arch")
@dataset_option
@click.option("--protocol", "protocol_name", default="paper", show_default=True,
              help="Evaluation protocol whose reward/cost to show.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--constraint", "constraints", multiple=True, metavar="EXPR",
              help="Also say whether ARCH meets this limit (e.g. flops_m<=100, "
                   "latency:pixel3<=20); repeatable.")
@table_option
def query(arch: str, dataset: str, protocol_name: str, as_json: bool,
          constraints: tuple[str, ...], data: str | None) -> None:
    """Print every stored metric of ARCH (an NB201 string or index 0..15624)."""
    import numpy as np

    from asebench.backends import TabularBackend, get_protocol
    from asebench.spaces import NB201Space
    from asebench.tables import default_table

    table = default_table(data)
    protocol = get_protocol(protocol_name)
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
