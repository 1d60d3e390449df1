"""``asebench report DIR --html FILE``: the study as one self-contained HTML page."""

from __future__ import annotations

import click

__all__ = ["report"]


@click.command()
@click.argument("study_dir", type=click.Path(file_okay=False))
@click.option("--html", "html_file", type=click.Path(dir_okay=False), required=True,
              help="Write the page to this file (atomically; missing folders are created).")
def report(study_dir: str, html_file: str) -> None:
    """Write an HTML report of the study in STUDY_DIR: provenance and verify result, Table I
    with paired CIs, interactive anytime curves, final-accuracy boxes and a sortable,
    filterable table of every run. One file, everything inlined: it opens offline.

    An unfinished study (still running or stopped) is reported from its finished chunks.
    """
    from asebench.report import write_report

    path = write_report(study_dir, html_file)
    click.echo(f"report written to: {path}")
