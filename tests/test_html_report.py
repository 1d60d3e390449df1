"""``asebench report STUDY --html FILE``: one self-contained page per study, checked in a real
headless Chromium (through selenium and the system chromedriver) from disk, with no network.

Studies are real runs on the embedded NB201 table, on NAS-Bench-Graph, with the example
plugin's method, on the live backend, and one caught while it runs (its process stopped
after its first chunks) and then resumed to the end.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from asebench.analysis import load, table1
from asebench.cli import cli
from asebench.errors import AsebenchError
from asebench.study import StudySpec, run_study

pytest.importorskip("plotly", reason="the html extra (plotly) is not installed")

from asebench.report import build_report, extract, planned_runs, render_page, write_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "examples" / "plugin" / "src"
FIVE_MB = 5_000_000


# -- studies --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nb201(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ASE-NAS, ASE-NAS+ (from CIFAR-10) and random search on two datasets, 3 seeds."""
    spec = StudySpec(methods=("ase", "ase+", "random"), datasets=("cifar10", "cifar100"),
                     seeds=3)
    return run_study(spec, tmp_path_factory.mktemp("nb201") / "study", workers=1,
                     progress=False)


@pytest.fixture(scope="module")
def nbgraph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = StudySpec(methods=("ase", "random"), datasets=("cora",), seeds=2,
                     backend="nas-bench-graph", budget_queries=20)
    return run_study(spec, tmp_path_factory.mktemp("nbgraph") / "study", workers=1,
                     progress=False)


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example plugin's ``greedy``, by import path, beside random search."""
    sys.path.insert(0, str(PLUGIN))
    try:
        spec = StudySpec(methods=("asebench_example_plugin:greedy", "random"),
                         datasets=("cifar10",), seeds=2, budget_queries=30)
        yield run_study(spec, tmp_path_factory.mktemp("plugin") / "study", workers=1,
                        progress=False)
    finally:
        sys.path.remove(str(PLUGIN))


def _page(study: Path, where: Path) -> Path:
    out = where / f"{study.parent.name}.html"
    result = CliRunner().invoke(cli, ["report", str(study), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"report written to: {out}"
    return out


@pytest.fixture(scope="module")
def nb201_page(nb201: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _page(nb201, tmp_path_factory.mktemp("pages"))


def _block(html: str, block: str) -> str:
    start = html.index(f'id="{block}">') + len(f'id="{block}">')
    return html[start:html.index("</script>", start)]


def _unpack(html: str, block: str) -> str:
    return gzip.decompress(base64.b64decode(_block(html, block))).decode("utf-8")


def _data(page: Path) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(_unpack(page.read_text(encoding="utf-8"), "report-data"))
    return parsed


# -- the page's content ---------------------------------------------------------------------
def test_the_page_carries_provenance_progress_and_verify(nb201: Path, nb201_page: Path) -> None:
    html = nb201_page.read_text(encoding="utf-8")
    meta = load(nb201).metadata
    assert meta["study"]["data"]["sha256"] in html  # the table's full checksum
    assert meta["code_version"] in html
    if meta.get("git"):
        assert meta["git"]["commit"] in html
    for package, version in meta["versions"].items():
        assert f"<td>{package}</td><td>{version}</td>" in html
    # ase and random on both datasets, ase+ only on CIFAR-100 (its source is CIFAR-10)
    assert "15 of 15 runs (complete)" in html
    assert "asebench verify: sound." in html and 'id="unfinished"' not in html


def test_table1_shows_the_numbers_and_paired_cis_of_table1(nb201: Path,
                                                            nb201_page: Path) -> None:
    html = nb201_page.read_text(encoding="utf-8")
    table = table1(load(nb201))
    assert len(table) == 5
    for row in table.itertuples():
        assert f"{row.mean:.2f} ± {row.std:.2f}" in html
        if row.label != "ase":
            assert f"{row.diff_mean:+.2f} [{row.ci_low:+.2f}, {row.ci_high:+.2f}]" in html
    # the paper's numbers beside ours (NB201), e.g. ASE-NAS on CIFAR-10
    assert "94.23 ± 0.22" in html and "Paired comparison with ASE-NAS" in html


def test_the_run_table_holds_every_run_with_its_values(nb201: Path, nb201_page: Path) -> None:
    runs = load(nb201).runs
    data = _data(nb201_page)["runs"]
    assert data["labels"] == ["ase", "ase+", "random"]
    assert data["datasets"] == ["cifar10", "cifar100"]
    assert len(data["l"]) == len(runs) == 15
    got = pd.DataFrame({
        "label": [data["labels"][i] for i in data["l"]],
        "dataset": [data["datasets"][i] for i in data["d"]], "seed": data["s"],
        "arch": [data["archs"][i] for i in data["a"]], "test_accuracy": data["t"],
        "reward": data["r"], "queries": data["q"]})
    want = runs[list(got.columns)].sort_values(["label", "dataset", "seed"]).reset_index(
        drop=True)
    pd.testing.assert_frame_equal(got.sort_values(["label", "dataset", "seed"]).reset_index(
        drop=True)[["label", "dataset", "seed", "arch"]], want[["label", "dataset", "seed",
                                                                   "arch"]])
    for column in ("test_accuracy", "reward"):
        np.testing.assert_allclose(got.sort_values(["label", "dataset", "seed"])[column],
                                   want[column], atol=5e-5)
    assert list(got.sort_values(["label", "dataset", "seed"])["queries"]) == list(
        want["queries"])


def test_curves_are_a_grid_not_raw_traces(nb201: Path, nb201_page: Path) -> None:
    figures = _data(nb201_page)["figures"]
    assert set(figures["curves"]) == {"seconds", "queries"}
    traces = load(nb201).traces
    for figure in figures["curves"].values():
        means = [t for t in figure["data"] if t.get("showlegend") is not None
                 and t.get("name")]
        assert {t["legendgroup"] for t in means} == {"ase", "ase+", "random"}
        assert all(len(t["x"]) <= 120 for t in figure["data"])
    # the last grid point of each curve is the mean final incumbent over the runs
    seconds = figures["curves"]["seconds"]["data"]
    final = traces.sort_values("step").groupby(["label", "dataset", "seed"]).tail(1)
    ase10 = final[(final["label"] == "ase") & (final["dataset"] == "cifar10")]
    mean_trace = next(t for t in seconds if t.get("name") == "ASE-NAS")  # first panel: CIFAR-10
    assert mean_trace["y"][-1] == pytest.approx(ase10["incumbent_test_accuracy"].mean(),
                                                abs=1e-4)


def test_the_same_study_gives_the_same_page(nb201: Path) -> None:
    study = load(nb201)
    assert build_report(study) == build_report(load(nb201))


class _Loads(HTMLParser):
    """Every src/href and inline style of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [value or "" for name, value in attrs if name in ("src", "href", "srcset",
                                                                        "action", "poster")]


def test_the_page_loads_nothing_from_outside(nb201_page: Path) -> None:
    html = nb201_page.read_text(encoding="utf-8")
    parser = _Loads()
    parser.feed(html)
    assert parser.urls, "the page's section links are hrefs"
    assert all(url.startswith("#") for url in parser.urls), parser.urls
    assert "link" not in parser.tags and "img" not in parser.tags and "iframe" not in parser.tags
    style = html[html.index("<style>"):html.index("</style>")]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    # plotly.js is inlined whole: the one the installed plotly ships
    from plotly.offline import get_plotlyjs

    assert _unpack(html, "plotly-js") == get_plotlyjs()


def test_a_500_seed_table1_study_fits_in_5_mb(nb201: Path) -> None:
    """8,500 runs (17 method x dataset cells x 500 seeds), every one with a different arch:
    more than a real study holds (the table's archs repeat); the page stays below 5 MB."""
    from asebench.backends import TabularBackend

    data = extract(load(nb201))
    archs = TabularBackend("cifar10").arch_strings()
    rng = np.random.default_rng(0)
    cells = [(label, dataset) for label in ("ase", "ase+", "random", "reinforce", "evolution",
                                            "local")
             for dataset in ("cifar10", "cifar100", "ImageNet16-120")
             if (label, dataset) != ("ase+", "cifar10")]
    rows = len(cells) * 500
    runs = pd.DataFrame({
        "label": np.repeat([c[0] for c in cells], 500),
        "dataset": np.repeat([c[1] for c in cells], 500), "seed": np.tile(np.arange(500),
                                                                          len(cells)),
        "arch": [archs[i] for i in rng.permutation(len(archs))[:rows]],
        "reward": rng.uniform(30, 92, rows), "test_accuracy": rng.uniform(40, 95, rows),
        "queries": rng.integers(150, 250, rows)})
    labels = ["ase", "ase+", "random", "reinforce", "evolution", "local"]
    big = dataclasses.replace(data, runs=runs, labels=labels,
                              names={label: label for label in labels},
                              datasets=["cifar10", "cifar100", "ImageNet16-120"])
    assert len(runs) == 8500
    size = len(render_page(big).encode("utf-8"))
    assert size < FIVE_MB, size


def test_planned_runs_count_transfer_cells_and_their_sources() -> None:
    ase = {"name": "ase", "label": "ase", "options": {}, "transfer": None}
    plus = {"name": "ase", "label": "ase+", "options": {}, "transfer": "cifar10"}
    three = ["cifar10", "cifar100", "ImageNet16-120"]
    table1_set = [ase, plus] + [{"name": n, "label": n, "options": {}, "transfer": None}
                                for n in ("random", "reinforce", "evolution", "local")]
    assert planned_runs({"methods": table1_set, "datasets": three, "seeds": 500}) == 8500
    # ase+ alone still runs its source cell (ase on CIFAR-10)
    assert planned_runs({"methods": [plus], "datasets": three, "seeds": 4}) == 12
    assert planned_runs({"methods": "garbage", "datasets": three, "seeds": 4}) is None


# -- bad input ------------------------------------------------------------------------------
def _fails(args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["report", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("asebench: error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_a_folder_that_is_no_study_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    line = _fails([str(tmp_path / "empty"), "--html", str(tmp_path / "out" / "r.html")])
    assert "is not a study directory" in line
    assert not (tmp_path / "out").exists()


def test_a_corrupt_study_is_one_line_and_leaves_the_old_page(nb201: Path, tmp_path: Path
                                                             ) -> None:
    study = tmp_path / "study"
    shutil.copytree(nb201, study)
    for shard in study.rglob("*.parquet"):  # truncated, as by a full disk
        shard.write_bytes(shard.read_bytes()[:100])
    out = tmp_path / "pages"
    out.mkdir()
    (out / "r.html").write_text("the old page")
    line = _fails([str(study), "--html", str(out / "r.html")])
    assert "truncated" in line
    assert [p.name for p in out.iterdir()] == ["r.html"]  # no temp file left
    assert (out / "r.html").read_text() == "the old page"


@pytest.mark.parametrize("target", ["/proc/asebench-report.html", "/proc/no/such/r.html"])
def test_an_unwritable_page_is_refused_before_the_study_is_read(tmp_path: Path,
                                                                 target: str) -> None:
    # the study folder is not even a study: the output is checked first
    line = _fails([str(tmp_path), "--html", target])
    assert line.startswith(f"asebench: error: cannot write --html {target}")


def test_a_folder_as_the_page_is_refused(nb201: Path, tmp_path: Path) -> None:
    assert "is a directory" in _fails([str(nb201), "--html", str(tmp_path)])


def test_missing_parent_folders_of_the_page_are_created(nb201: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder" / "r.html"
    path = write_report(nb201, out)
    assert path == out and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_without_plotly_the_command_says_how_to_install_it(nb201: Path, tmp_path: Path) -> None:
    code = ("import sys; sys.modules['plotly'] = None; from asebench.cli import main; "
            f"sys.argv = ['asebench', 'report', {str(nb201)!r}, '--html', "
            f"{str(tmp_path / 'r.html')!r}]; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert "pip install 'asebench[html]'" in line
    assert not (tmp_path / "r.html").exists()


# -- other benchmarks, a running study, a resumed one --------------------------------------
def test_a_nas_bench_graph_study(nbgraph: Path, tmp_path: Path) -> None:
    page = _page(nbgraph, tmp_path)
    html = page.read_text(encoding="utf-8")
    assert "Table I: test accuracy (%) on NAS-Bench-Graph" in html
    assert "4 of 4 runs (complete)" in html
    assert 'class="paper"' not in html  # the paper has no NAS-Bench-Graph numbers
    data = _data(page)["runs"]
    assert data["datasets"] == ["cora"] and data["q"] == [20, 20, 20, 20]


def test_a_study_of_a_plugin_method(plugin: Path, tmp_path: Path) -> None:
    page = _page(plugin, tmp_path)
    data = _data(page)
    assert data["runs"]["labels"] == ["asebench_example_plugin:greedy", "random"]
    assert all(q <= 30 for q in data["runs"]["q"])
    assert "4 of 4 runs (complete)" in page.read_text(encoding="utf-8")


def test_a_live_study(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the live extra (torch) is not installed")
    ckpt, images = request.getfixturevalue("trained_supernet")
    out = tmp_path / "live"
    result = CliRunner().invoke(cli, [
        "run", "--backend", "live", "--supernet", str(ckpt), "--data", str(images),
        "--budget", "4", "--seeds", "2", "--workers", "1", "--methods", "ase,random",
        "--set", "ase.K=2", "--set", "ase.max_iterations=3", "--backend-opt",
        "calibration=12", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    page = _page(out, tmp_path)
    assert "4 of 4 runs (complete)" in page.read_text(encoding="utf-8")
    assert _data(page)["runs"]["datasets"] == ["toy"]


def _run_args(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "asebench", "run", "--methods", "ase,ase+,random",
            "--datasets", "cifar10,cifar100", "--seeds", "8", "--chunk-size", "1",
            "--workers", "1", "--no-progress", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """A study caught while it runs: its process stopped (SIGSTOP) once its first chunks are
    stored, so it stays running and locked while the report is made; then killed."""
    out = tmp_path_factory.mktemp("running") / "study"
    process = subprocess.Popen(_run_args(out), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, "the study ended before it was caught"
            assert time.monotonic() < deadline, "no chunk was stored in 300 s"
            try:
                if len(load(out).runs):
                    break
            except AsebenchError:  # no metadata or no finished chunk yet
                pass
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGSTOP)
        yield out, len(load(out).runs)
    finally:
        process.kill()
        process.wait()


def test_a_running_study_says_how_many_runs_are_done(stopped: tuple[Path, int],
                                                     tmp_path: Path) -> None:
    out, done = stopped
    assert 0 < done < 40
    page = _page(out, tmp_path)
    html = page.read_text(encoding="utf-8")
    # planned: ase and random on both datasets, ase+ on CIFAR-100 only: 5 cells x 8 seeds
    assert f"{done} of 40 runs done" in html and 'id="unfinished"' in html
    assert "chunk(s)" in html and "not stored" in html  # verify lists the missing chunks
    assert len(_data(page)["runs"]["l"]) == done


def test_a_resumed_study_is_complete(stopped: tuple[Path, int], tmp_path: Path) -> None:
    out, _ = stopped
    study = tmp_path / "study"
    shutil.copytree(out, study)  # the stopped run's copy: its lock is no one's
    resumed = subprocess.run([*_run_args(study, "--resume")], capture_output=True, text=True,
                             cwd=ROOT)
    assert resumed.returncode == 0, resumed.stderr
    html = _page(study, tmp_path).read_text(encoding="utf-8")
    assert "40 of 40 runs (complete)" in html and "asebench verify: sound." in html
    assert "Resumed" in html


# -- in a real browser ----------------------------------------------------------------------
def _browser_paths() -> tuple[str, str] | None:
    binary = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                   if (found := shutil.which(name))), None)
    driver = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else \
        shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000",
         # with the network "off" every name fails to resolve: a load from outside would fail
         # and show in the console
         "--host-resolver-rules=MAP * ~NOTFOUND")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    paths = _browser_paths()
    if paths is None:
        pytest.skip("no headless Chromium here (apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    profile = tempfile.mkdtemp(prefix="asebench-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    try:
        driver.set_network_conditions(offline=True, latency=0, download_throughput=0,
                                      upload_throughput=0)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _open(driver: Any, page: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what an earlier page logged
    driver.get_log("performance")
    driver.get(page.resolve().as_uri())
    WebDriverWait(driver, 120).until(lambda d: d.execute_script(
        "return document.body.dataset.ready === '1' || "
        "!document.getElementById('load-error').hidden"))
    assert driver.execute_script("return document.getElementById('load-error').hidden"), \
        driver.find_element("id", "load-error").text
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [], errors
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested and all(url.split(":")[0] in ("file", "blob", "data")
                             for url in requested), requested


@pytest.mark.parametrize("which", ["nb201", "nbgraph", "plugin", "stopped"])
def test_every_page_draws_in_the_browser_without_errors(
        which: str, browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    fixture = request.getfixturevalue(which)
    study = fixture[0] if which == "stopped" else fixture
    page = _page(study, tmp_path)
    _open(browser, page)
    rows = browser.find_elements("css selector", "#runs-table tbody tr")
    assert len(rows) == min(25, len(load(study).runs))
    for plot in ("curves-plot", "dist-plot"):
        assert browser.execute_script(
            f"return document.getElementById('{plot}').data.length") > 0
    assert browser.find_elements("css selector", "#curves-plot .legend .traces")


def _trace_visibility(driver: Any, plot: str) -> dict[str, set[Any]]:
    pairs = driver.execute_script(
        f"return document.getElementById('{plot}').data.map("
        "t => [t.legendgroup, t.visible === undefined ? true : t.visible]);")
    out: dict[str, set[Any]] = {}
    for group, visible in pairs:
        out.setdefault(group, set()).add(visible)
    return out


def test_the_page_is_interactive_in_the_browser(browser: Any, nb201_page: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import Select, WebDriverWait

    _open(browser, nb201_page)
    # the mouse over a panel shows the values: mean ± standard error (n runs) per method
    panel = browser.find_element("css selector", "#curves-plot .nsewdrag")
    ActionChains(browser).move_to_element(panel).perform()
    WebDriverWait(browser, 10).until(lambda d: "(n = 3)" in d.execute_script(
        "var h = document.querySelector('#curves-plot .hoverlayer');"
        "return h ? h.textContent : '';"))
    hover = browser.execute_script(
        "return document.querySelector('#curves-plot .hoverlayer').textContent;")
    assert "±" in hover and "Random search" in hover
    # a click on a legend entry hides that method in every panel (plotly: 'legendonly')
    entry = next(e for e in browser.find_elements("css selector", "#curves-plot .legend .traces")
                 if e.find_element("css selector", ".legendtext").text == "Random search")
    entry.find_element("css selector", ".legendtoggle").click()
    WebDriverWait(browser, 10).until(
        lambda d: _trace_visibility(d, "curves-plot")["random"] == {"legendonly"})
    visible = _trace_visibility(browser, "curves-plot")
    assert visible["ase"] == {True} and visible["ase+"] == {True}
    # another x axis keeps the hidden method hidden
    browser.find_element("css selector", "#curves-axis button[data-axis=queries]").click()
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        "return document.getElementById('curves-plot').layout.xaxis.title.text") == "queries")
    assert _trace_visibility(browser, "curves-plot")["random"] == {"legendonly"}

    # the run table sorts and filters
    data = _data(nb201_page)["runs"]
    browser.find_element("css selector", "#runs-table th[data-key=t]").click()
    first = browser.find_elements("css selector", "#runs-table tbody tr")[0]
    best = max(v for v in data["t"] if v is not None)
    assert first.find_elements("css selector", "td")[5].text == f"{best:.2f}"
    Select(browser.find_element("id", "runs-label")).select_by_visible_text("random")
    assert browser.find_element("id", "runs-count").text == "6 of 15 runs match"
    labels = {r.find_elements("css selector", "td")[0].text
              for r in browser.find_elements("css selector", "#runs-table tbody tr")}
    assert labels == {"random"}
    browser.find_element("id", "runs-filter").send_keys("cifar100")
    assert browser.find_element("id", "runs-count").text == "3 of 15 runs match"

    # a screenshot that is not blank
    from io import BytesIO

    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(browser.get_screenshot_as_png())).convert("L"),
                        dtype=np.float64)
    assert pixels.shape[0] > 500 and pixels.std() > 20, pixels.std()
