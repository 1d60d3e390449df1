"""``asebench run``: the multi-seed study (Table I by default), then its table."""

from __future__ import annotations

from typing import Any

import click

from asebench.errors import AsebenchError
from asebench.tables import DATA_ENV_VAR

DEFAULT_BACKEND = "tabular"
"""The backend `asebench run` uses without --backend (the NB201 table; $ASEBENCH_DATA names
the table file it reads)."""

__all__ = ["parse_settings", "run"]


def parse_settings(items: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``("ase.K=6", "ase+.M=3")`` -> ``{"ase": {"K": 6}, "ase+": {"M": 3}}``."""
    from asebench.study import parse_value

    out: dict[str, dict[str, Any]] = {}
    for item in items:
        target, sep, value = item.partition("=")
        method, dot, key = target.strip().rpartition(".")
        if not sep or not dot or not method or not key:
            raise AsebenchError(f"malformed --set {item!r}: expected METHOD.KEY=VALUE")
        out.setdefault(method, {})[key] = parse_value(value)
    return out


def _split(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(x.strip() for x in text.split(",") if x.strip())


def _default_methods_help() -> str:
    from asebench.study import DEFAULT_LABELS

    return ",".join(DEFAULT_LABELS)


@click.command()
@click.option("--methods", default=None,
              help="Comma-separated methods, NAME or NAME[KEY=VALUE,...]; NAME may be a "
                   "plugin's or package.module:factory; NAME+ starts from the final state of "
                   f"NAME's runs on the transfer source [default: {_default_methods_help()}; "
                   "a benchmark without ASE-NAS+'s source: the same without ase+]. "
                   "`asebench methods` lists them.")
@click.option("--datasets", default=None,
              help="Comma-separated datasets [default: cifar10,cifar100,ImageNet16-120].")
@click.option("--seeds", type=click.IntRange(min=1), default=500, show_default=True,
              help="Paired runs per method and dataset.")
@click.option("--protocol", default=None,
              help="Evaluation protocol [default: the benchmark's, paper on NB201].")
@click.option("--protocol-opt", "protocol_opts", multiple=True, metavar="KEY=VALUE",
              help="Change a protocol field (e.g. cost_source=own); repeatable.")
@click.option("--budget", type=float, default=None,
              help="Simulated seconds per run (real seconds on the live backend) "
                   "[default: the protocol's].")
@click.option("--budget-queries", type=click.IntRange(min=1), default=None,
              help="Queries per run (alone or with --budget).")
@click.option("--set", "settings", multiple=True, metavar="METHOD.KEY=VALUE",
              help="A method option (e.g. ase.K=6); repeatable.")
@click.option("--master-seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="studies/table1",
              show_default=True, help="Study directory.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel workers [default: all cores].")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True)
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="dask scheduler address (default with --executor dask: a LocalCluster).")
@click.option("--resume", is_flag=True, help="Continue the study in --out, skipping done runs.")
@click.option("--rerun-stale", is_flag=True,
              help="With --resume: recompute the runs made by other code or data (without it "
                   "such a study is refused).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=25, show_default=True,
              help="Runs per task (part of the study's identity).")
@click.option("--backend", "backend", default=None,
              help="tabular (= nb201: the embedded/imported NB201 table), live (supernet), "
                   f"a plugin's backend or package.module:factory [default: {DEFAULT_BACKEND}].")
@click.option("--benchmark", "benchmark", default=None, help="The same as --backend.")
@click.option("--supernet", type=click.Path(dir_okay=False), default=None,
              help="live: supernet checkpoint from `asebench supernet train`.")
@click.option("--madds", type=click.FloatRange(min=0, min_open=True), default=None,
              help="MAdds limit in millions: the same as --constraint madds_m<=MADDS.")
@click.option("--constraint", "constraints", multiple=True, metavar="EXPR",
              help="Hardware limit every run must meet, e.g. flops_m<=100, params_m<=0.8, "
                   "latency:pixel3<=20 (HELP device, ms), latency_nats_s<=0.015, or a "
                   "percentile of the space: flops_m<=p25; repeatable (all must hold).")
@click.option("--backend-opt", "backend_opts", multiple=True, metavar="KEY=VALUE",
              help="Option passed to the backend factory; repeatable.")
@click.option("--data", type=click.Path(), default=None, envvar=DATA_ENV_VAR,
              help=f"tabular: benchmark table file (default: the embedded one; env "
                   f"{DATA_ENV_VAR}). live: the image folder.")
@click.option("--table-out", type=click.Path(dir_okay=False), default=None,
              help="Also write Table I (markdown) to this file.")
@click.option("--reference", "references", multiple=True,
              help="Label the table compares every method with; repeatable "
                   "[default: every ASE-NAS label run].")
@click.option("--progress/--no-progress", default=True, show_default=True)
def run(methods: str | None, datasets: str | None, seeds: int, protocol: str | None,
        protocol_opts: tuple[str, ...], budget: float | None, budget_queries: int | None,
        settings: tuple[str, ...],
        master_seed: int, out_dir: str, workers: int | None, executor: str,
        scheduler: str | None, resume: bool, rerun_stale: bool, chunk_size: int,
        backend: str | None, benchmark: str | None,
        supernet: str | None, madds: float | None, constraints: tuple[str, ...],
        backend_opts: tuple[str, ...], data: str | None, table_out: str | None,
        references: tuple[str, ...], progress: bool) -> None:
    """Run every method on every dataset for SEEDS paired seeds; store and tabulate.

    With --backend live, --data is the image folder the supernet was trained on, --supernet
    its checkpoint, --budget is real seconds per run, and ASE-NAS takes the paper's ImageNet
    settings (K=10, M=3, lr 3e-4, entropy 1e-3) unless --set changes them. Its test accuracy
    is the reward's held-out split unless --backend-opt test_data=FOLDER names a separate
    test split (one subfolder per class).
    """
    from asebench.analysis import load, study_markdown
    from asebench.backends import default_datasets
    from asebench.study import (
        DEFAULT_LABELS,
        StudySpec,
        atomic_write_text,
        parse_assignments,
        parse_methods,
        run_study,
    )
    from asebench.tables import DATASETS

    if scheduler is not None and executor != "dask":
        raise AsebenchError("--scheduler needs --executor dask")
    if rerun_stale and not resume:
        raise AsebenchError("--rerun-stale needs --resume")
    backend = _backend_named(backend, benchmark)
    backend_options = parse_assignments(backend_opts, "--backend-opt")
    if data is not None and not _data_applies(backend):
        data = None
    if supernet is not None:
        backend_options["supernet"] = supernet
    if madds is not None:
        constraints = (*constraints, f"madds_m<={madds:g}")
    factory_options = {**backend_options, **({"data": data} if data is not None else {})}
    spec = StudySpec(
        methods=parse_methods(methods or DEFAULT_LABELS, parse_settings(settings)),
        datasets=_split(datasets) or default_datasets(backend, **factory_options) or DATASETS,
        seeds=seeds, protocol=protocol, budget_s=budget, budget_queries=budget_queries,
        master_seed=master_seed,
        protocol_options=parse_assignments(protocol_opts, "--protocol-opt"),
        backend=backend, backend_options=backend_options,
        data=data, chunk_size=chunk_size, constraints=constraints)
    labels = [m.label for m in spec.method_specs]
    for reference in references:
        if reference not in labels:
            raise AsebenchError(f"--reference {reference!r} is not one of {', '.join(labels)}")
    if table_out is not None:
        _check_writable_file(table_out)
    path = run_study(spec, out_dir, workers=workers, executor=executor, scheduler=scheduler,
                     resume=resume, progress=progress, rerun_stale=rerun_stale)
    text = study_markdown(load(path), references)
    if table_out is not None:
        atomic_write_text(table_out, text)
    click.echo(text)
    click.echo(f"study directory: {path}")
    if table_out is not None:
        click.echo(f"table written to: {table_out}")


def _backend_named(backend: str | None, benchmark: str | None) -> str:
    """The backend that --backend or --benchmark names; an unknown one is a one-line error
    in the user's own word for it."""
    from asebench.backends import backends

    if backend is not None and benchmark is not None and backend != benchmark:
        raise AsebenchError(f"--backend {backend!r} and --benchmark {benchmark!r} name "
                            "different backends; give one of them")
    noun = "benchmark" if benchmark is not None else "backend"
    name = benchmark if benchmark is not None else backend or DEFAULT_BACKEND
    backends.factory(name, noun=noun)
    return name


def _data_applies(backend: str) -> bool:
    """Whether ``--data`` goes to ``backend``: always when given on the command line; from
    the environment only to the default backend, whose table it names."""
    from asebench.backends import backends

    source = click.get_current_context().get_parameter_source("data")
    if source is not click.core.ParameterSource.ENVIRONMENT:
        return True
    return backends.canonical(backend) == backends.canonical(DEFAULT_BACKEND)


def _check_writable_file(path: str) -> None:
    from asebench._outputs import check_output_file

    check_output_file(path, "--table-out")
