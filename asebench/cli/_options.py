"""Options shared by several subcommands."""

from __future__ import annotations

import click

from asebench.tables import DATA_ENV_VAR, DATASETS

__all__ = ["dataset_option", "table_option"]

dataset_option = click.option(
    "--dataset", "-d", default="cifar10", show_default=True,
    help=f"Dataset: {', '.join(DATASETS)}.")

table_option = click.option(
    "--data", type=click.Path(dir_okay=False), default=None, envvar=DATA_ENV_VAR,
    help=f"Benchmark table file (default: the embedded one; env {DATA_ENV_VAR}).")
