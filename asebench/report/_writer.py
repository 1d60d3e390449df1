"""``asebench report``: check the output path, load and verify the study, write the page."""

from __future__ import annotations

import os
from pathlib import Path

from asebench.analysis import Study, load
from asebench.report._extract import extract, verify_lines
from asebench.report._page import render_page

__all__ = ["build_report", "write_report"]


def build_report(study: Study) -> str:
    """The HTML report of the loaded ``study`` (its folder is verified as by
    ``asebench verify``; the result is shown, not raised)."""
    return render_page(extract(study, verify_lines(study.path)))


def write_report(study_dir: str | os.PathLike[str], html_file: str | os.PathLike[str]) -> Path:
    """Write the self-contained HTML report of the study in ``study_dir`` to ``html_file``.

    The output path is checked before any work (missing parent folders are created); the
    file is written atomically, so a failure leaves no half-written page.

    Raises:
        MissingExtra: plotly (the ``html`` extra) is not installed.
        AsebenchError: the output cannot be written, ``study_dir`` is no study or holds no
            finished run yet.
        CorruptStore: a shard of the study is corrupt, missing or of another study.
    """
    from asebench._atomic import atomic_write_text
    from asebench._extras import require
    from asebench._outputs import check_output_file

    require("html", "asebench report --html")
    check_output_file(html_file, "--html")
    page = build_report(load(study_dir))
    return atomic_write_text(html_file, page)
