"""``asebench verify DIR``: check a study folder, one line per problem."""

from __future__ import annotations

import click

__all__ = ["verify"]


@click.command()
@click.argument("study_dir", type=click.Path(file_okay=False))
def verify(study_dir: str) -> None:
    """Check the study in STUDY_DIR: every shard readable, sizes and checksums as its manifest
    records, schemas, each (method, dataset, seed) stored once and none missing, one study.

    Prints one line per problem and exits 1 if there is any (2 for a folder that is not a
    study), else prints one line saying the store is sound.
    """
    from pathlib import Path

    from asebench.store import Layout, read_entries, verify_study

    root = Path(study_dir)
    problems = verify_study(root)
    if problems and not Layout(root).metadata.is_file():
        from asebench.errors import AsebenchError

        raise AsebenchError(f"{root} is not a study directory (no metadata.json)")
    for problem in problems:
        click.echo(problem.line())
    if problems:
        click.echo(f"{root}: {len(problems)} problem(s)", err=True)
        raise click.exceptions.Exit(1)
    entries = read_entries(root)[0]
    runs = sum(e.runs.rows for e in entries.values())
    click.echo(f"{root}: sound ({len(entries)} chunks, {runs} runs, checksums match)")
