"""The open architecture: no layer above the backends and methods knows them by name, and
methods, backends and spaces plug in from outside the package (entry points, import paths),
in spawned pool workers and on dask workers too."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from asebench.backends import backends
from asebench.cli import cli
from asebench.errors import AsebenchError
from asebench.search import methods

PACKAGE = Path(__file__).resolve().parents[1] / "asebench"
UPPER_LAYERS = ("study", "constraints", "figures", "cli")


def _names() -> set[str]:
    names = set(methods.names()) | set(backends.names()) | {"nb201"}
    return names | {n + "+" for n in methods.names()}


def _string_constants(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _conditions(tree: ast.AST) -> list[ast.AST]:
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            found.append(node.test)
        elif isinstance(node, ast.comprehension):
            found.extend(node.ifs)
        elif isinstance(node, ast.Compare):
            found.append(node)
    return found


def test_no_backend_or_method_names_in_conditionals_of_the_upper_layers() -> None:
    names = _names()
    offences = []
    for layer in UPPER_LAYERS:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for condition in _conditions(tree):
                for text in _string_constants(condition):
                    if text in names or text.partition("[")[0] in names:
                        offences.append(f"{path.relative_to(PACKAGE)}:"
                                        f"{getattr(condition, 'lineno', '?')} {text!r}")
    assert not offences, "name conditionals: " + "; ".join(offences)


def test_no_constructor_inspection_and_no_attribute_proxies() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        relative = path.relative_to(PACKAGE)
        for node in ast.walk(tree):
            if relative.parts[0] in UPPER_LAYERS and isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""]
                if "inspect" in modules:
                    offences.append(f"{relative}: imports inspect")
            if relative.parts[0] in ("spaces", "backends", "study", "search") and isinstance(
                    node, ast.FunctionDef) and node.name == "__getattr__":
                offences.append(f"{relative}: __getattr__ proxy")
    assert not offences, "; ".join(offences)


def test_the_grep_can_fail() -> None:
    tree = ast.parse('if context.backend == "tabular":\n    pass\n')
    assert "tabular" in [t for c in _conditions(tree) for t in _string_constants(c)]


# -- plugins ---------------------------------------------------------------------------------
PLUGIN = '''
from dataclasses import dataclass
from typing import ClassVar

from asebench.backends import BudgetedEvaluator
from asebench.errors import BudgetExhausted


@dataclass(frozen=True)
class FirstChoice:
    """Queries random archs; its display name is its own."""

    name: ClassVar[str] = "first-choice"
    display_name: ClassVar[str] = "First choice"
    cost_hint: ClassVar[float] = 1.0
    tag: str = "x"

    def run(self, backend, budget, rng):
        evaluator = BudgetedEvaluator(backend, budget, rng)
        try:
            while True:
                evaluator.evaluate(backend.space.sample(rng))
        except BudgetExhausted:
            pass
        return evaluator.trace(info={"tag": self.tag})


def make(**options):
    return FirstChoice(**options)
'''


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "my_methods.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(folder))
    # spawned pool workers and dask workers import it by name: it must be on their path too
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]))
    return folder


def test_a_method_by_import_path_runs_on_two_pool_workers(plugin_dir: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "study"
    result = CliRunner().invoke(cli, [
        "run", "--methods", "random,my_methods:make[tag=y]", "--datasets", "cifar10",
        "--seeds", "4", "--chunk-size", "2", "--workers", "2", "--out", str(out),
        "--no-progress"])
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(out / "runs")
    mine = runs[runs["method"] == "my_methods:make"]
    assert len(mine) == 4 and set(mine["info_tag"]) == {"y"}
    assert "First choice" in result.output  # the method's own display name in Table I
    # the code version covers the plugin's file: editing it changes the study's version
    from asebench.study import StudySpec
    from asebench.study._code_version import code_version, study_code_version

    spec = StudySpec(methods=("my_methods:make",), datasets=("cifar10",), seeds=1)
    before = study_code_version(spec)
    assert before != code_version()
    (plugin_dir / "my_methods.py").write_text(textwrap.dedent(PLUGIN) + "\n# edited\n")
    assert study_code_version(spec) != before
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["code_version"] == before


def test_a_bad_import_path_is_one_line(tmp_path: Path) -> None:
    for name, message in [("no_such_module:make", "cannot import method"),
                          ("json:no_such_factory", "has no attribute")]:
        result = CliRunner().invoke(cli, ["run", "--methods", name, "--seeds", "1",
                                          "--out", str(tmp_path / "s")])
        assert result.exit_code == 2 and message in result.output, result.output
        assert "Traceback" not in result.output and not (tmp_path / "s").exists()


def test_a_broken_entry_point_names_its_distribution(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from asebench._registry import Registry

    info = tmp_path / "broken_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[asebench.test_methods]\nbroken = broken_plugin_missing_module:make\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry: Registry[object] = Registry("method", group="asebench.test_methods")
    with pytest.raises(AsebenchError, match="plugin 'broken' of distribution 'broken-plugin'"):
        registry.factory("broken")


def _example_installed() -> bool:
    from importlib import metadata

    return any(p.name == "greedy" for p in metadata.entry_points(group="asebench.methods"))


def test_the_example_plugin_is_installed_and_listed() -> None:
    assert _example_installed(), (
        "the example plugin is not installed: `make install` installs examples/plugin")
    result = CliRunner().invoke(cli, ["methods", "greedy", "--json"])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.output)
    assert entry["origin"] == "entry point"
    assert entry["distribution"] == "asebench-example-plugin"
    assert entry["options"] == {"patience": 10} and "warm-start" in entry["capabilities"]


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_the_example_plugin_runs_a_study(executor: str, tmp_path: Path) -> None:
    assert _example_installed(), "`make install` installs examples/plugin"
    out = tmp_path / executor
    command = [sys.executable, "-m", "asebench", "run", "--methods", "ase,greedy",
               "--datasets", "cifar100", "--seeds", "4", "--chunk-size", "2", "--workers", "2",
               "--executor", executor, "--out", str(out), "--no-progress"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    runs = pd.read_parquet(out / "runs")
    assert sorted(runs["label"].unique()) == ["ase", "greedy"]
    assert (runs.groupby("label").size() == 4).all()
    assert "Greedy mutation" in done.stdout


def test_every_method_is_listed_with_its_options() -> None:
    result = CliRunner().invoke(cli, ["methods", "--json"])
    assert result.exit_code == 0, result.output
    listed = {e["name"]: e for e in json.loads(result.output)}
    assert set(methods.names()) <= set(listed)
    assert listed["ase"]["options"]["K"] == 4 and listed["ase"]["display_name"] == "ASE-NAS"
    assert listed["ase"]["capabilities"] == ["batch", "warm-start", "transfer"]
    text = CliRunner().invoke(cli, ["methods"]).output
    assert "evolution  Regularised evolution" in text
