"""Writing the diagram, its CSVs and ``ranks.md`` into a folder, all or nothing."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from asebench._atomic import atomic_write_files
from asebench._outputs import check_output_dir
from asebench.ranking._caption import caption_markdown
from asebench.ranking._figure import cd_figure, figure_bytes
from asebench.ranking._ranking import DEFAULT_ALPHA, Ranking, display_names, rank_studies

__all__ = ["FILES", "write_ranks", "write_ranking"]

FILES: dict[str, str] = {
    "png": "ranks_cd.png",
    "pdf": "ranks_cd.pdf",
    "ranks": "ranks.csv",
    "tasks": "ranks_by_task.csv",
    "pvalues": "ranks_pvalues.csv",
    "tests": "ranks_tests.csv",
    "caption": "ranks.md",
}
"""Role -> the file name written in the output folder."""


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format="%.6g", lineterminator="\n")


def write_ranking(ranking: Ranking, out_dir: str | os.PathLike[str],
                  studies: Sequence[str] | None = None) -> list[Path]:
    """Write ``ranking``'s diagram (PNG, PDF), CSVs and caption (:data:`FILES`) into
    ``out_dir``; each file is renamed into place only once all are complete.

    Args:
        ranking: from :func:`~asebench.ranking.rank_studies`.
        out_dir: the folder (created if needed).
        studies: the study folders as the caption names them (default: as loaded).

    Returns:
        The paths written, in the order of :data:`FILES`.
    """
    from asebench.figures._style import color_for

    out = Path(out_dir)
    names = display_names([str(x) for x in ranking.mean_ranks.index])
    mean_ranks = ranking.mean_ranks.rename(index=names)
    p_values = ranking.p_values.rename(index=names, columns=names)
    colors = {names[label]: color_for(label) for label in names}
    f = ranking.friedman
    title = (f"Average rank over {f.n} tasks (1 = best); bars: no significant difference "
             f"(Nemenyi, alpha = {ranking.alpha:g}); Friedman p = {f.p_value:.2g}")
    fig = cd_figure(mean_ranks, p_values, ranking.cd, ranking.alpha, colors, title)
    shown = list(studies) if studies is not None else [str(p) for p in ranking.runs.studies]
    contents: dict[str, bytes | str] = {
        "png": figure_bytes(fig, "png"),
        "pdf": figure_bytes(fig, "pdf"),
        "ranks": _csv(ranking.rank_table()),
        "tasks": _csv(ranking.task_table()),
        "pvalues": _csv(ranking.pvalue_table()),
        "tests": _csv(ranking.test_table()),
        "caption": caption_markdown(ranking, FILES, shown),
    }
    return atomic_write_files({out / FILES[role]: data for role, data in contents.items()})


def write_ranks(study_dirs: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str],
                *, methods: Sequence[str] | None = None, datasets: Sequence[str] | None = None,
                alpha: float = DEFAULT_ALPHA) -> list[Path]:
    """Rank the methods of ``study_dirs`` over every task and write the report into
    ``out_dir`` (:data:`FILES`): ``out_dir`` is checked first, and nothing is written unless
    everything could be computed.

    See :func:`~asebench.ranking.rank_studies` for the ranking unit, the arguments and the
    errors; :class:`~asebench.errors.AsebenchError` also when ``out_dir`` cannot be written.

    Returns:
        The paths written.
    """
    check_output_dir(out_dir, "--out")
    ranking = rank_studies(study_dirs, methods=methods, datasets=datasets, alpha=alpha)
    return write_ranking(ranking, out_dir, [str(p) for p in study_dirs])
