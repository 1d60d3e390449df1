"""The page's own style sheet and script (plotly.js comes from the plotly package).

The script unpacks the data blocks (see :mod:`asebench.report._payload`), draws the plotly
figures, and makes the per-run table sortable, filterable and paged. It loads nothing: no
request leaves the page.
"""

from __future__ import annotations

__all__ = ["SCRIPT", "STYLE"]

STYLE = """
:root {
  --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --soft: #f5f7fa; --accent: #2f5d8a;
  --good: #1f7a4d; --good-bg: #e3f4ea; --bad: #a4262c; --bad-bg: #fbe9ea;
  --warn: #8a5a00; --warn-bg: #fff4d6;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono",
    monospace;
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body {
  margin: 0; color: var(--ink); background: var(--soft); line-height: 1.5;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif;
}
a { color: var(--accent); }
code, .mono { font-family: var(--mono); font-size: 0.87em; }
header.top { background: #17324d; color: #fff; }
header.top .wrap { padding: 26px 32px 18px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: .75rem; opacity: .7; }
h1 { margin: 4px 0 4px; font-size: 1.75rem; font-weight: 650; word-break: break-all; }
.subtitle { opacity: .85; }
.badges { margin-top: 12px; display: flex; gap: 8px; flex-wrap: wrap; }
.badge {
  display: inline-block; padding: 3px 10px; border-radius: 999px; font-size: .82rem;
  font-weight: 600; background: rgba(255,255,255,.14); color: #fff;
}
.badge.ok { background: #2e7d55; } .badge.warn { background: #b7791f; }
.badge.bad { background: #b83238; }
nav.sections { background: #10263b; padding: 0 32px; display: flex; gap: 22px; }
nav.sections a {
  color: #c9d6e3; text-decoration: none; font-size: .88rem; padding: 9px 0;
  border-bottom: 2px solid transparent;
}
nav.sections a:hover { color: #fff; border-bottom-color: #8fb3d9; }
main { max-width: 1280px; margin: 0 auto; padding: 22px 24px 48px; }
section.card {
  background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 0 0 20px;
  padding: 18px 22px 20px; box-shadow: 0 1px 2px rgba(16,38,59,.04);
}
h2 { font-size: 1.2rem; margin: 0 0 4px; font-weight: 650; }
h3 { font-size: 1rem; margin: 18px 0 6px; font-weight: 650; }
p.lead { margin: 0 0 12px; color: var(--muted); font-size: .92rem; }
.banner {
  border-radius: 6px; padding: 9px 14px; margin: 0 0 14px; font-size: .92rem;
  background: var(--warn-bg); color: var(--warn); border: 1px solid #f3d38b;
}
.banner.bad { background: var(--bad-bg); color: var(--bad); border-color: #f0b9bc; }
.grid2 { display: grid; grid-template-columns: minmax(0, 2.2fr) minmax(0, 1fr); gap: 22px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
thead th { font-weight: 650; color: var(--muted); font-size: .8rem; text-transform: uppercase;
  letter-spacing: .03em; border-bottom: 2px solid var(--line); white-space: nowrap; }
table.facts th { width: 150px; text-transform: none; font-size: .88rem; color: var(--muted);
  letter-spacing: 0; font-weight: 600; border-bottom: 1px solid var(--line); }
table.facts td { word-break: break-word; }
table.facts td.mono { word-break: break-all; }
table.versions td:last-child { font-family: var(--mono); font-size: .85rem; }
.verify { margin-top: 14px; border-radius: 6px; padding: 10px 14px; font-size: .9rem; }
.verify.ok { background: var(--good-bg); color: var(--good); }
.verify.bad { background: var(--bad-bg); color: var(--bad); }
.verify ul { margin: 6px 0 0; padding-left: 18px; font-family: var(--mono); font-size: .8rem;
  word-break: break-all; }
.scroll { overflow-x: auto; }
table.results td, table.results th { text-align: right; white-space: nowrap; }
table.results td:first-child, table.results tr:not(.sub) th:first-child { text-align: left; }
table.results thead tr.group th { text-align: center; border-bottom: 1px solid var(--line); }
table.results thead tr.group th:first-child { text-align: left; vertical-align: bottom; }
table.results td.paper { color: var(--muted); }
table.results td.best { font-weight: 700; }
table.results tbody tr:hover { background: #f8fafc; }
.cell-n { color: var(--muted); font-size: .78rem; margin-left: 4px; }
td.diff.better { background: var(--good-bg); color: var(--good); }
td.diff.worse { background: var(--bad-bg); color: var(--bad); }
td.diff .p { display: block; font-size: .78rem; opacity: .85; }
ul.notes { margin: 12px 0 0; padding-left: 18px; color: var(--muted); font-size: .85rem; }
details { margin-top: 12px; font-size: .88rem; }
details summary { cursor: pointer; color: var(--accent); }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  padding: 12px; overflow-x: auto; font-size: .8rem; line-height: 1.4; }
.plot { width: 100%; min-height: 320px; }
.plot .empty { color: var(--muted); padding: 40px 0; text-align: center; }
.controls { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 4px 0 10px; }
.controls label { font-size: .85rem; color: var(--muted); }
.seg { display: inline-flex; border: 1px solid #c5ccd3; border-radius: 6px; overflow: hidden; }
.seg button { border: 0; background: #fff; padding: 5px 12px; font: inherit; font-size: .85rem;
  cursor: pointer; color: var(--ink); }
.seg button + button { border-left: 1px solid #c5ccd3; }
.seg button.on { background: var(--accent); color: #fff; }
input[type=search], select {
  font: inherit; font-size: .88rem; padding: 5px 9px; border: 1px solid #c5ccd3;
  border-radius: 6px; background: #fff; color: var(--ink);
}
input[type=search] { min-width: 320px; }
button.plain { font: inherit; font-size: .85rem; padding: 5px 11px; border: 1px solid #c5ccd3;
  border-radius: 6px; background: #fff; cursor: pointer; color: var(--ink); }
button.plain:disabled { opacity: .45; cursor: default; }
.count { font-size: .85rem; color: var(--muted); margin-left: auto; }
table.runs th { cursor: pointer; user-select: none; }
table.runs th.num, table.runs td.num { text-align: right; }
table.runs th[aria-sort=ascending]::after { content: " \\25B2"; font-size: .7em; }
table.runs th[aria-sort=descending]::after { content: " \\25BC"; font-size: .7em; }
table.runs td.arch { font-family: var(--mono); font-size: .76rem; overflow-wrap: anywhere; }
table.runs tbody tr:nth-child(even) { background: #fafbfc; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 6px; vertical-align: baseline; }
.pager { display: flex; gap: 8px; align-items: center; justify-content: flex-end;
  margin-top: 10px; font-size: .85rem; color: var(--muted); }
footer { text-align: center; color: var(--muted); font-size: .8rem; padding: 0 0 30px; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var byId = function (id) { return document.getElementById(id); };
  var PAGE = 25;

  function fail(message) {
    var box = byId("load-error");
    box.textContent = message;
    box.hidden = false;
  }

  function unpack(id) {
    var text = byId(id).textContent.trim();
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function number(value, digits) {
    return value === null ? "\u2013" : value.toFixed(digits);
  }

  // -- the per-run table: filter, sort, page --------------------------------------------
  function runsTable(R, colors) {
    var n = R.l.length;
    var state = {text: "", label: -1, dataset: -1, key: null, dir: 1, page: 0, rows: []};
    var keys = {
      l: function (i) { return R.l[i]; }, d: function (i) { return R.d[i]; },
      s: function (i) { return R.s[i]; }, a: function (i) { return R.archs[R.a[i]]; },
      r: function (i) { return R.r[i]; }, t: function (i) { return R.t[i]; },
      q: function (i) { return R.q[i]; }
    };
    var labelSelect = byId("runs-label"), datasetSelect = byId("runs-dataset");
    R.labels.forEach(function (label, i) { labelSelect.add(new Option(label, i)); });
    R.datasets.forEach(function (dataset, i) { datasetSelect.add(new Option(dataset, i)); });

    function haystack(i) {
      return (R.labels[R.l[i]] + " " + R.datasets[R.d[i]] + " " + R.s[i] + " " +
              R.archs[R.a[i]]).toLowerCase();
    }
    function compare(key, dir) {
      var get = keys[key];
      return function (a, b) {
        var x = get(a), y = get(b);
        if (x === y) { return a - b; }
        if (x === null) { return 1; }
        if (y === null) { return -1; }
        return (x < y ? -1 : 1) * dir;
      };
    }
    function apply() {
      var rows = [], text = state.text;
      for (var i = 0; i < n; i++) {
        if (state.label >= 0 && R.l[i] !== state.label) { continue; }
        if (state.dataset >= 0 && R.d[i] !== state.dataset) { continue; }
        if (text && haystack(i).indexOf(text) < 0) { continue; }
        rows.push(i);
      }
      if (state.key) { rows.sort(compare(state.key, state.dir)); }
      state.rows = rows;
      state.page = Math.min(state.page, Math.max(0, Math.ceil(rows.length / PAGE) - 1));
      draw();
    }
    function draw() {
      var start = state.page * PAGE, rows = state.rows.slice(start, start + PAGE), html = [];
      rows.forEach(function (i) {
        var label = R.labels[R.l[i]];
        html.push("<tr><td><span class=\"swatch\" style=\"background:" + colors[R.l[i]] +
          "\"></span>" + escapeHtml(label) + "</td><td>" + escapeHtml(R.datasets[R.d[i]]) +
          "</td><td class=\"num\">" + (R.s[i] === null ? "\u2013" : R.s[i]) +
          "</td><td class=\"arch\">" + escapeHtml(R.archs[R.a[i]]).replace(/\|/g, "|<wbr>") +
          "</td><td class=\"num\">" + number(R.r[i], R.digits.r) +
          "</td><td class=\"num\">" + number(R.t[i], R.digits.t) +
          "</td><td class=\"num\">" + (R.q[i] === null ? "\u2013" : R.q[i]) + "</td></tr>");
      });
      byId("runs-body").innerHTML = html.join("");
      var total = state.rows.length, pages = Math.max(1, Math.ceil(total / PAGE));
      byId("runs-count").textContent = (total === n ? n + " runs" :
        total + " of " + n + " runs match");
      byId("runs-page").textContent = total ? ("rows " + (start + 1) + "\u2013" +
        Math.min(start + PAGE, total) + ", page " + (state.page + 1) + " of " + pages) :
        "no run matches";
      byId("runs-prev").disabled = state.page === 0;
      byId("runs-next").disabled = state.page >= pages - 1;
    }
    byId("runs-filter").addEventListener("input", function (e) {
      state.text = e.target.value.trim().toLowerCase(); state.page = 0; apply();
    });
    labelSelect.addEventListener("change", function (e) {
      state.label = Number(e.target.value); state.page = 0; apply();
    });
    datasetSelect.addEventListener("change", function (e) {
      state.dataset = Number(e.target.value); state.page = 0; apply();
    });
    byId("runs-prev").addEventListener("click", function () { state.page--; draw(); });
    byId("runs-next").addEventListener("click", function () { state.page++; draw(); });
    document.querySelectorAll("#runs-table thead th").forEach(function (th) {
      th.addEventListener("click", function () {
        var key = th.dataset.key;
        state.dir = state.key === key ? -state.dir : (th.classList.contains("num") ? -1 : 1);
        state.key = key;
        document.querySelectorAll("#runs-table thead th").forEach(function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        apply();
      });
    });
    byId("runs-csv").addEventListener("click", function () {
      var lines = ["label,dataset,seed,arch,reward,test_accuracy,queries"];
      var quote = function (v) { return "\"" + String(v).replace(/"/g, "\"\"") + "\""; };
      state.rows.forEach(function (i) {
        lines.push([quote(R.labels[R.l[i]]), quote(R.datasets[R.d[i]]), R.s[i],
          quote(R.archs[R.a[i]]), R.r[i], R.t[i], R.q[i]].map(function (v) {
            return v === null ? "" : v; }).join(","));
      });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], {type: "text/csv"}));
      link.download = "runs.csv";
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
    apply();
  }

  // -- the figures ----------------------------------------------------------------------
  var CONFIG = {displaylogo: false, responsive: true,
                modeBarButtonsToRemove: ["select2d", "lasso2d"],
                toImageButtonOptions: {format: "png", scale: 2}};

  function hiddenGroups(gd) {
    var hidden = {};
    (gd.data || []).forEach(function (trace) {
      if (trace.visible === "legendonly") { hidden[trace.legendgroup] = true; }
    });
    return hidden;
  }

  function plot(id, figure, hidden) {
    var data = figure.data.map(function (trace) {
      var copy = Object.assign({}, trace);
      if (hidden && hidden[copy.legendgroup]) { copy.visible = "legendonly"; }
      return copy;
    });
    return Plotly.react(byId(id), data, figure.layout, CONFIG);
  }

  function figures(F) {
    var axes = Object.keys(F.curves), drawn = [];
    if (axes.length) {
      var buttons = document.querySelectorAll("#curves-axis button");
      buttons.forEach(function (button) {
        button.addEventListener("click", function () {
          var hidden = hiddenGroups(byId("curves-plot"));
          buttons.forEach(function (b) { b.classList.toggle("on", b === button); });
          plot("curves-plot", F.curves[button.dataset.axis], hidden);
        });
      });
      drawn.push(plot("curves-plot", F.curves[axes[0]]));
    }
    drawn.push(plot("dist-plot", F.distribution));
    return Promise.all(drawn);
  }

  function main() {
    if (typeof DecompressionStream === "undefined") {
      fail("This browser cannot unpack the page's figures and run table (it lacks " +
           "DecompressionStream: use a current Chrome, Edge, Firefox or Safari).");
      return Promise.resolve();
    }
    return unpack("report-data").then(function (text) {
      var data = JSON.parse(text);
      runsTable(data.runs, data.colors);
      return unpack("plotly-js").then(function (code) {
        var script = document.createElement("script");
        script.textContent = code;
        document.head.appendChild(script);
        return figures(data.figures);
      });
    }).then(function () { document.body.setAttribute("data-ready", "1"); });
  }

  main().catch(function (error) {
    fail("The page could not draw its figures: " + error);
    console.error(error);
  });
})();
"""
