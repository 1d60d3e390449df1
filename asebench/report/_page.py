"""The report page: static HTML for what reads without a script (provenance, Table I), the
data blocks for what the script draws (figures, the per-run table)."""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any

import pandas as pd

from asebench.report._assets import SCRIPT, STYLE
from asebench.report._curves import AXES
from asebench.report._extract import ReportData
from asebench.report._figures import color_of, curves_figure, dataset_title, distribution_figure
from asebench.report._payload import pack_json, plotly_js, runs_payload

__all__ = ["render_page"]

_DASH = "\u2013"


def _inline(text: str) -> str:
    """Escape ``text`` and turn markdown's `code` spans into ``<code>``."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", escape(text))


def _p(p: float) -> str:
    if math.isnan(p):
        return _DASH
    return f"{p:.1e}" if p < 1e-3 else f"{p:.3f}"


def _header(data: ReportData) -> str:
    progress = data.progress
    sound, problems = data.verify
    done_class = "ok" if progress.complete else "warn"
    verify_badge = ("ok", "verify: sound") if sound else (
        "bad", f"verify: {len(problems)} problem(s)")
    seeds = data.runs["seed"].nunique() if len(data.runs) else 0
    subtitle = (f"{escape(data.benchmark)} · {len(data.labels)} method(s) · "
                f"{len(data.datasets)} dataset(s) · up to {seeds} seed(s)")
    sections = [("table1", "Table I"), ("curves", "Anytime curves"),
                ("distribution", "Final accuracy"), ("runs", "Runs"),
                ("provenance", "Provenance")]
    nav = "".join(f'<a href="#{key}">{name}</a>' for key, name in sections)
    return (
        '<header class="top"><div class="wrap">'
        '<div class="eyebrow">asebench study report</div>'
        f"<h1>{escape(data.title)}</h1><div class=\"subtitle\">{subtitle}</div>"
        f'<div class="badges"><span class="badge {done_class}" id="progress">'
        f"{escape(progress.line())}</span>"
        f'<span class="badge {verify_badge[0]}">{escape(verify_badge[1])}</span></div>'
        f'</div><nav class="sections">{nav}</nav></header>')


def _provenance(data: ReportData) -> str:
    rows = []
    for fact in data.facts:
        cls = ' class="mono"' if fact.code else ""
        rows.append(f"<tr><th>{escape(fact.name)}</th><td{cls}>{escape(fact.value)}</td></tr>")
    versions = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>"
                       for k, v in sorted(data.versions.items()))
    sound, problems = data.verify
    if sound:
        verify = ('<div class="verify ok" id="verify"><strong>asebench verify: sound.</strong> '
                  "Every shard is readable with the size and sha256 its manifest records, "
                  "every planned run is stored exactly once.</div>")
    else:
        shown = "".join(f"<li>{escape(line)}</li>" for line in problems[:20])
        more = (f"<li>… and {len(problems) - 20} more (asebench verify lists them)</li>"
                if len(problems) > 20 else "")
        verify = ('<div class="verify bad" id="verify"><strong>asebench verify: '
                  f"{len(problems)} problem(s).</strong><ul>{shown}{more}</ul></div>")
    return (
        '<section class="card" id="provenance"><h2>Provenance</h2>'
        '<p class="lead">What made these numbers: the code, the data table, the '
        "configuration and the packages, as the study recorded them.</p>"
        '<div class="grid2"><div><table class="facts"><tbody>' + "".join(rows) +
        '</tbody></table></div><div><table class="versions"><thead><tr><th>Package</th>'
        f"<th>Version</th></tr></thead><tbody>{versions}</tbody></table></div></div>"
        f"{verify}</section>")


def _table1(table: pd.DataFrame, names: dict[str, str]) -> str:
    datasets = list(dict.fromkeys(table["dataset"]))
    labels = list(dict.fromkeys(table["label"]))
    paper = bool(table["paper_mean"].notna().any())
    varying = table["n"].nunique() > 1
    by: dict[tuple[Any, Any], dict[Any, Any]] = {
        (r["label"], r["dataset"]): r for r in table.to_dict("records")}
    best = {d: table.loc[table["dataset"] == d, "mean"].max() for d in datasets}
    if paper:
        head = ('<tr class="group"><th rowspan="2">Method</th>' + "".join(
            f'<th colspan="2">{escape(dataset_title(d))}</th>' for d in datasets) + "</tr>"
            + '<tr class="sub">' + "<th>ours</th><th>paper</th>" * len(datasets) + "</tr>")
    else:
        head = "<tr><th>Method</th>" + "".join(
            f"<th>{escape(dataset_title(d))}</th>" for d in datasets) + "</tr>"
    body = []
    for label in labels:
        cells = [f"<td>{escape(names.get(label, label))}</td>"]
        for dataset in datasets:
            row = by.get((label, dataset))
            if row is None:
                cells.append(f"<td>{_DASH}</td>" + (f'<td class="paper">{_DASH}</td>'
                                                    if paper else ""))
                continue
            text = (f"{row['mean']:.2f} ± {row['std']:.2f}" if not math.isnan(row["std"])
                    else f"{row['mean']:.2f}")
            if varying:
                text += f'<span class="cell-n">n={row["n"]}</span>'
            cls = ' class="best"' if row["mean"] == best[dataset] else ""
            cells.append(f"<td{cls}>{text}</td>")
            if paper:
                cells.append('<td class="paper">' + (
                    f"{row['paper_mean']:.2f} ± {row['paper_std']:.2f}"
                    if not math.isnan(row["paper_mean"]) else _DASH) + "</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table class="results" id="table1-main"><thead>{head}'
            f"</thead><tbody>{''.join(body)}</tbody></table></div>")


def _comparison(table: pd.DataFrame, names: dict[str, str]) -> str:
    reference = str(table.attrs.get("reference", ""))
    datasets = list(dict.fromkeys(table["dataset"]))
    labels = [x for x in dict.fromkeys(table["label"]) if x != reference]
    if not labels:
        return ""
    by: dict[tuple[Any, Any], dict[Any, Any]] = {
        (r["label"], r["dataset"]): r for r in table.to_dict("records")}
    ref = escape(names.get(reference, reference))
    head = "<tr><th>Method</th>" + "".join(
        f"<th>{escape(dataset_title(d))}</th>" for d in datasets) + "</tr>"
    body = []
    for label in labels:
        cells = [f"<td>{escape(names.get(label, label))}</td>"]
        for dataset in datasets:
            row = by.get((label, dataset))
            if row is None or math.isnan(row["diff_mean"]):
                cells.append(f"<td>{_DASH}</td>")
                continue
            cls = ("better" if row["ci_low"] > 0 else "worse" if row["ci_high"] < 0 else "")
            cells.append(
                f'<td class="diff {cls}">{row["diff_mean"]:+.2f} '
                f'[{row["ci_low"]:+.2f}, {row["ci_high"]:+.2f}]'
                f'<span class="p">p = {_p(row["p_value"])}</span></td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<h3>Paired comparison with {ref}</h3>"
            f'<p class="lead">Mean difference (method − {ref}) over paired seeds, [95% '
            "bootstrap CI], two-sided Wilcoxon signed-rank p-value. Green: the interval lies "
            f"above 0 (better than {ref}); red: below 0.</p>"
            f'<div class="scroll"><table class="results comparison"><thead>{head}</thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _results(data: ReportData) -> str:
    if not data.tables:
        return ""
    main = data.tables[0]
    n = int(main["n"].max()) if len(main) else 0
    parts = [
        '<section class="card" id="table1">',
        f"<h2>Table I: test accuracy (%) on {escape(data.benchmark)}</h2>",
        f'<p class="lead">Mean ± std over {"up to " if main["n"].nunique() > 1 else ""}'
        f"{n} run{'s' if n != 1 else ''} per method and dataset; bold: the best mean of its column"
        + ("; paper: the numbers the ASE-NAS paper prints." if main["paper_mean"].notna().any()
           else ".") + "</p>",
        _table1(main, data.names)]
    parts += [_comparison(table, data.names) for table in data.tables]
    if data.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_inline(note)}</li>"
                                                     for note in data.notes) + "</ul>")
    parts.append("<details><summary>Table I as markdown (as <code>asebench table</code> "
                 f"prints it)</summary><pre>{escape(data.markdown)}</pre></details></section>")
    return "".join(parts)


def _curves_section(data: ReportData) -> str:
    axes = [axis for axis, frame in data.curves.items() if not frame.empty]
    if axes:
        buttons = "".join(
            f'<button type="button" data-axis="{axis}"' + (' class="on"' if i == 0 else "")
            + f">{escape(AXES[axis])}</button>" for i, axis in enumerate(axes))
        body = ('<div class="controls"><label>x axis</label><div class="seg" id="curves-axis">'
                f'{buttons}</div></div><div class="plot" id="curves-plot"></div>')
    else:
        body = ('<div class="plot"><div class="empty">The traces of this study hold no '
                "incumbent accuracy over time.</div></div>")
    return ('<section class="card" id="curves"><h2>Anytime curves</h2>'
            '<p class="lead">Test accuracy of the incumbent (the best-reward architecture so '
            "far) against the search budget spent: mean over runs, band ±1 standard error. "
            "The initial view fits the curves after the first 5% of the budget (the "
            "toolbar's autoscale shows all). Hover for the values, click a method in the "
            "legend to hide or show it (double-click: only it), drag to zoom, double-click "
            "to reset."
            f"</p>{body}</section>")


def _distribution_section() -> str:
    return ('<section class="card" id="distribution"><h2>Final test accuracy per run</h2>'
            '<p class="lead">One box per method: median and quartiles, whiskers to 1.5 IQR, '
            "dashed line the mean; small studies draw every run.</p>"
            '<div class="plot" id="dist-plot"></div></section>')


def _runs_section(data: ReportData) -> str:
    columns = [("l", "Label", ""), ("d", "Dataset", ""), ("s", "Seed", "num"),
               ("a", "Architecture", ""), ("r", "Reward", "num"),
               ("t", "Test accuracy", "num"), ("q", "Queries", "num")]
    head = "".join(f'<th data-key="{key}"' + (f' class="{cls}"' if cls else "") +
                   f">{name}</th>" for key, name, cls in columns)
    return (
        '<section class="card" id="runs"><h2>Runs</h2>'
        '<p class="lead">One row per run: its final architecture, the reward the search saw, '
        "the test accuracy reported, the queries it made. Click a column to sort; filter by "
        "text, method or dataset.</p>"
        '<div class="controls"><input type="search" id="runs-filter" '
        'placeholder="Filter: label, dataset, seed or architecture" aria-label="filter runs">'
        '<select id="runs-label" aria-label="method"><option value="-1">all methods</option>'
        '</select><select id="runs-dataset" aria-label="dataset"><option value="-1">all '
        'datasets</option></select><button type="button" class="plain" id="runs-csv">'
        'Download CSV</button><span class="count" id="runs-count"></span></div>'
        '<div class="scroll"><table class="runs" id="runs-table"><thead><tr>'
        f'{head}</tr></thead><tbody id="runs-body"></tbody></table></div>'
        '<div class="pager"><span id="runs-page"></span><button type="button" class="plain" '
        'id="runs-prev">Previous</button><button type="button" class="plain" id="runs-next">'
        "Next</button></div></section>")


def _payload(data: ReportData) -> dict[str, Any]:
    curves = {axis: curves_figure(frame, axis, data.labels, data.names, data.datasets)
              for axis, frame in data.curves.items() if not frame.empty}
    return {
        "figures": {"curves": curves, "distribution": distribution_figure(
            data.runs, data.labels, data.names, data.datasets)},
        "runs": runs_payload(data.runs, data.labels, data.datasets),
        "colors": [color_of(data.labels, label) for label in data.labels],
    }


def _own_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("asebench")
    except PackageNotFoundError:
        return "(not installed)"


def render_page(data: ReportData) -> str:
    """The whole report as one self-contained HTML document."""
    version, plotly_packed = plotly_js()
    banner = ""
    if not data.progress.complete:
        banner = (f'<div class="banner" id="unfinished">This study is unfinished: '
                  f"{escape(data.progress.line())}. It is still running or was stopped "
                  "(<code>asebench run --resume</code> finishes it); every number below is of "
                  "the runs stored so far.</div>")
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(data.title)}: asebench study report</title>",
        f"<style>{STYLE}</style></head><body>",
        _header(data), "<main>", banner,
        '<div class="banner bad" id="load-error" hidden></div>',
        "<noscript><div class=\"banner\">The figures and the run table need JavaScript; "
        "the provenance and Table I read without it.</div></noscript>",
        _results(data), _curves_section(data), _distribution_section(), _runs_section(data),
        _provenance(data), "</main>",
        f"<footer>Made by asebench {escape(_own_version())} with plotly.js {escape(version)}, "
        "inlined: the page works offline and loads nothing.</footer>",
        f'<script type="application/octet-stream" id="report-data">{pack_json(_payload(data))}'
        "</script>",
        f'<script type="application/octet-stream" id="plotly-js">{plotly_packed}</script>',
        f"<script>{SCRIPT}</script></body></html>\n"])
