"""``python -m asebench.livedemo [--out reports/live/fashion-mnist] [--dataset NAME] [--data DIR]
[--quick]``: the live demo."""

from __future__ import annotations

import sys

import click

from asebench.errors import AsebenchError
from asebench.livedemo._config import DATASETS, demo_config


@click.command()
@click.option("--out", default="reports/live/fashion-mnist", show_default=True,
              type=click.Path(file_okay=False), help="Report folder (replaced at the end).")
@click.option("--work", default=None, type=click.Path(file_okay=False),
              help="Folder for the exported images, the checkpoints and the search's "
                   "study (reused by a rerun of the same study) [default: build/live-demo].")
@click.option("--dataset", type=click.Choice(DATASETS), default="fashion-mnist",
              show_default=True,
              help="The MNIST family from its IDX files (official test split), or "
                   "scikit-learn's digits (the earlier demo's settings).")
@click.option("--data", "data_dir", default=None, type=click.Path(file_okay=False),
              help="Folder of the four IDX files [default: /usr/share/datasets/<dataset>, "
                   "where Debian's dataset-fashion-mnist puts them].")
@click.option("--quick", is_flag=True, help="A small subset: every step in seconds (tests).")
def main(out: str, work: str | None, dataset: str, data_dir: str | None, quick: bool) -> None:
    """Real images -> supernet -> quality, ASE-NAS vs random under a MAdds cap -> report."""
    from asebench.livedemo import run_demo
    from asebench.livedemo._pipeline import check_out

    check_out(out)
    run_demo(out, demo_config(dataset, data_dir, quick), work)


if __name__ == "__main__":
    try:
        main(standalone_mode=False)
    except click.ClickException as exc:
        print(f"asebench: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except AsebenchError as exc:
        print(f"asebench: error: {' '.join(str(exc).split())}", file=sys.stderr)
        sys.exit(2)
