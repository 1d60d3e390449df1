"""``python -m asebench.livedemo [--out reports/live] [--quick]``: the live demo."""

from __future__ import annotations

import sys

import click

from asebench.errors import AsebenchError


@click.command()
@click.option("--out", default="reports/live", show_default=True,
              type=click.Path(file_okay=False), help="Report folder (replaced at the end).")
@click.option("--work", default=None, type=click.Path(file_okay=False),
              help="Folder for the exported digits, the checkpoints and the search's "
                   "study (reused by a rerun of the same study) [default: build/live-demo].")
@click.option("--quick", is_flag=True, help="A small subset: every step in seconds (tests).")
def main(out: str, work: str | None, quick: bool) -> None:
    """Digits -> supernet -> quality, ranking fidelity, ASE-NAS vs random -> report."""
    from asebench.livedemo import FULL, QUICK, run_demo
    from asebench.livedemo._pipeline import check_out

    check_out(out)
    run_demo(out, QUICK if quick else FULL, work)


if __name__ == "__main__":
    try:
        main(standalone_mode=False)
    except click.ClickException as exc:
        print(f"asebench: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except AsebenchError as exc:
        print(f"asebench: error: {' '.join(str(exc).split())}", file=sys.stderr)
        sys.exit(2)
