"""``asebench rank``: average ranks over every task of some studies, the Friedman and
Nemenyi tests and a critical-difference diagram."""

from __future__ import annotations

import click

__all__ = ["rank"]


def _items(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    return items or None


@click.command()
@click.argument("studies", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(), required=True,
              help="Folder for ranks.md, ranks_cd.png/.pdf and the CSVs.")
@click.option("--methods", default=None, metavar="LABEL,...",
              help="Rank only these method labels [default: every label of the studies].")
@click.option("--datasets", default=None, metavar="DATASET,...",
              help="Rank only these datasets (a name, or BACKEND:DATASET) [default: all].")
@click.option("--alpha", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
              default=0.05, show_default=True,
              help="Significance level of the Nemenyi test and the critical difference.")
def rank(studies: tuple[str, ...], out_dir: str, methods: str | None, datasets: str | None,
         alpha: float) -> None:
    """Average rank of every method over every (benchmark, dataset) task of STUDY...

    One score per task and method: the mean final test accuracy over the paired seeds every
    ranked method ran on the task; ranked within each task (1 = best), averaged over the
    tasks. Studies holding the same task are merged (same protocol, budget and master seed;
    a label in two of them must give the same results). Methods missing from some task: the
    test keeps the most tasks on which at least 3 methods ran, and every method that ran on
    all of them; the rest is listed. Friedman test over the tasks, Nemenyi post-hoc test,
    critical-difference diagram (needs the 'rank' extra).
    """
    from asebench._extras import require
    from asebench._outputs import check_output_dir
    from asebench.ranking import write_ranks

    require("rank", "asebench rank")
    check_output_dir(out_dir, "--out")
    for path in write_ranks(list(studies), out_dir, methods=_items(methods),
                            datasets=_items(datasets), alpha=alpha):
        click.echo(str(path))
