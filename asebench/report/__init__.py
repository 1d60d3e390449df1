"""One self-contained HTML page per study: provenance, Table I with paired CIs, interactive
anytime curves, the spread of the final accuracy and a sortable table of every run.

The page inlines everything (plotly.js included) and loads nothing, so it opens offline and
can be shared as one file. Needs the ``html`` extra (plotly): ``pip install 'asebench[html]'``.
"""

from __future__ import annotations

from asebench.report._extract import ReportData, extract, planned_runs, verify_lines
from asebench.report._page import render_page
from asebench.report._writer import build_report, write_report

__all__ = ["ReportData", "build_report", "extract", "planned_runs", "render_page",
           "verify_lines", "write_report"]
