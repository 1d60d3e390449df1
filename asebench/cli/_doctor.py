"""``asebench doctor``: the environment and short checks of the live backend, printed and
written as markdown and JSON."""

from __future__ import annotations

import sys

import click

__all__ = ["doctor"]


@click.command()
@click.option("--out", default="asebench-doctor.md", show_default=True,
              type=click.Path(),
              help="Report file (markdown; the JSON goes next to it). '{device}' in the name "
                   "becomes cpu or the GPU's name, e.g. reports/doctor-{device}.md.")
@click.option("--quick", is_flag=True,
              help="The short variant: under 3 minutes, fewer steps, no gpu-marked tests.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="A line on stderr as each check starts.")
def doctor(out: str, quick: bool, progress: bool) -> None:
    """Check this machine for the live backend: versions, devices, training, scoring,
    fine-tuning and DDP speed. Exits 1 if a check fails."""
    from asebench.doctor import environment, report_paths, run_doctor, to_markdown, write_report
    from asebench.doctor._report import check_writable

    # before the environment probe and every check: {device} as cpu tries the same folders
    check_writable(report_paths(out, {}))
    env = environment()
    md, js = report_paths(out, env)
    check_writable((md, js))
    report = run_doctor(quick, progress=(lambda line: click.echo(line, err=True))
                        if progress else None, env=env)
    click.echo(to_markdown(report))
    write_report(report, md, js)
    click.echo(f"wrote {md} and {js}", err=True)
    if report.failed:
        sys.exit(1)
