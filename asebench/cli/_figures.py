"""``asebench figures``: run the studies the paper's figures need, then write the report."""

from __future__ import annotations

import shlex
import sys

import click

from asebench.cli._options import table_option

__all__ = ["figures"]


@click.command()
@click.option("--part", type=click.Choice(["main", "hardware", "all"]), default="main",
              show_default=True,
              help="main: Table I, Figs. 6-9, the policy, anytime and space-evolution figures "
                   "and the Table I page (make figures); hardware: the hardware-limited "
                   "studies (make figures-hardware, --out reports/hardware); all: both in one "
                   "folder.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="reports",
              show_default=True, help="Report folder (figures, CSVs, table1.md, README.md).")
@click.option("--seeds", type=click.IntRange(min=1), default=500, show_default=True,
              help="Paired runs per method and dataset of the Table I study.")
@click.option("--ablation-seeds", type=click.IntRange(min=1), default=None,
              help="Runs per ablation arm (Figs. 7-9) [default: min(seeds, 100)].")
@click.option("--ablation-dataset", default="ImageNet16-120", show_default=True,
              help="Dataset of the reward/graph/K/M ablations (Figs. 8-9).")
@click.option("--ablation-base", default=None, metavar="KEY=VALUE,...|paper",
              help="Options of the ASE-NAS the ablations start from, e.g. lr=0.001 "
                   "[default: 'paper', the paper's hyper-parameters, shared with Table I's "
                   "ase runs].")
@click.option("--study-root", type=click.Path(file_okay=False), default="studies",
              show_default=True, help="Where the studies are cached (resumable).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel workers for the studies [default: all cores].")
@click.option("--budget", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Simulated seconds per run [default: the protocol's, 25,000].")
@click.option("--master-seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
@table_option
def figures(part: str, out_dir: str, seeds: int, ablation_seeds: int | None, ablation_dataset: str,
            ablation_base: str | None,
            study_root: str, workers: int | None, budget: float | None, master_seed: int,
            progress: bool,
            data: str | None) -> None:
    """Regenerate the paper's NB201 figures (6-9), anytime curves and Table I into --out
    (--part hardware: the hardware-limited studies instead)."""
    from asebench._outputs import check_output_dir
    from asebench.figures import FIGURES, PARTS, make_figures
    from asebench.study import parse_assignments

    check_output_dir(out_dir, "--out")

    base = None
    if ablation_base is not None:
        text = ablation_base.strip()
        base = {} if text in ("", "paper") else parse_assignments(
            [item for item in text.split(",") if item.strip()], "--ablation-base option")

    command = "asebench " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if (
        sys.argv and sys.argv[0].endswith("asebench") and "figures" in sys.argv) else None
    make_figures(out_dir, seeds, study_root, workers=workers, ablation_seeds=ablation_seeds,
                 ablation_dataset=ablation_dataset, ablation_base=base,
                 master_seed=master_seed, budget_s=budget,
                 data=data,
                 progress=progress, command=command, log=lambda line: click.echo(line, err=True),
                 figures=FIGURES if part == "all" else PARTS[part])
    click.echo(f"report written to {out_dir}/README.md")
