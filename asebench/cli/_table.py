"""``asebench table DIR``: Table I of a stored study (markdown or LaTeX)."""

from __future__ import annotations

import click

__all__ = ["table"]


@click.command()
@click.argument("study_dir", type=click.Path(file_okay=False))
@click.option("--latex", is_flag=True, help="LaTeX (booktabs) instead of markdown.")
@click.option("--reference", "references", multiple=True,
              help="Label every method is compared with; repeatable "
                   "[default: every ASE-NAS label in the study].")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Write the table to this file (atomically) instead of printing it.")
def table(study_dir: str, latex: bool, references: tuple[str, ...], out_file: str | None) -> None:
    """Print Table I of the study in STUDY_DIR: ours beside the paper's, paired tests."""
    from asebench._atomic import atomic_write_text
    from asebench.analysis import default_references, load, study_markdown, table1, to_latex
    from asebench.errors import AsebenchError

    if out_file is not None:
        from asebench._outputs import check_output_file

        check_output_file(out_file, "--out")
    study = load(study_dir)
    labels = study.labels
    for reference in references:
        if reference not in labels:
            raise AsebenchError(f"--reference {reference!r} is not one of {', '.join(labels)}")
    if latex:
        reference = references[0] if references else default_references(study)[0]
        text = to_latex(table1(study, reference=reference))
        if study.config.get("constraints"):  # the oracle and the regret, as in markdown
            from asebench.constraints import regret_latex

            text += "\n" + regret_latex(study)
    else:
        text = study_markdown(study, references)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        atomic_write_text(out_file, text)
        click.echo(f"table written to: {out_file}")
