"""A catalogue of bad invocations of every command: each one exits with status 2 and exactly
one ``asebench: error: ...`` line on stderr, no traceback, and leaves nothing behind (the
``--out`` folder or output file it names does not exist afterwards).

The commands run in this process through click's CliRunner (the real ``asebench`` group with
its error handling), so the catalogue stays fast; the paths live under a fresh temp folder.
A second, shorter catalogue runs ``python -m asebench`` in a process of its own and checks the
exact line: the report place of ``doctor`` (tried before any check runs), ``--benchmark`` named
in the user's word, and methods and backends given as ``module:factory`` that are no factory.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from asebench.cli import cli
from asebench.errors import AsebenchError

NO_DIR = Path("/proc/asebench-no-such-dir")
"""A folder no one can create, root included (a kernel file system refuses it)."""


@dataclass(frozen=True)
class Case:
    """A bad invocation: ``args(paths)`` -> argv; ``left(paths)`` -> what must not exist."""

    args: Callable[[dict[str, Path]], list[str]]
    left: Callable[[dict[str, Path]], list[Path]] = lambda p: [p["out"]]
    supernet: bool = False  # needs the session's tiny trained supernet


def _run(*extra: str) -> Callable[[dict[str, Path]], list[str]]:
    """``asebench run`` on one dataset with 2 seeds into ``out``, plus ``extra``."""
    return lambda p: ["run", "--datasets", "cifar10", "--seeds", "2", "--no-progress",
                      "--out", str(p["out"]), *extra]


def _figures(*extra: str) -> Callable[[dict[str, Path]], list[str]]:
    return lambda p: ["figures", "--seeds", "2", "--no-progress", "--out", str(p["out"]),
                      "--study-root", str(p["studies"]), *extra]


def _out_and_studies(p: dict[str, Path]) -> list[Path]:
    return [p["out"], p["studies"]]


CASES: dict[str, Case] = {
    # -- run: options checked against the real space and data before --out exists ----------
    "run ase.M beyond the space's L": Case(_run("--methods", "ase", "--set", "ase.M=7")),
    "run ase.M=7 into a nested folder": Case(
        lambda p: _run("--methods", "ase", "--set", "ase.M=7")(
            {**p, "out": p["out"] / "a" / "b"}),
        lambda p: [p["out"]]),
    "run random-in-subspace radius beyond L": Case(
        _run("--methods", "random-in-subspace", "--set", "random-in-subspace.M=9")),
    "run ase+ K=0": Case(_run("--methods", "ase", "--set", "ase.K=0")),
    "run unknown method": Case(_run("--methods", "nope")),
    "run unknown method option": Case(_run("--methods", "local", "--set", "local.foo=1")),
    "run malformed method list": Case(_run("--methods", "ase[K=2")),
    "run malformed --set": Case(_run("--methods", "ase", "--set", "ase.lr")),
    "run option of the wrong type": Case(_run("--methods", "ase", "--set", "ase.lr=fast")),
    "run unknown dataset": Case(lambda p: ["run", "--datasets", "mnist", "--methods", "random",
                                           "--out", str(p["out"]), "--no-progress"]),
    "run zero seeds": Case(_run("--methods", "random", "--seeds", "0")),
    "run unknown protocol": Case(_run("--methods", "random", "--protocol", "nope")),
    "run bad protocol option": Case(_run("--methods", "random", "--protocol-opt",
                                         "cost_source=zzz")),
    "run unknown backend": Case(_run("--methods", "random", "--backend", "nope")),
    "run unknown backend option": Case(_run("--methods", "random", "--backend-opt", "foo=1")),
    "run unknown metric for the backend": Case(_run("--methods", "random", "--backend-opt",
                                                    "metrics=nope")),
    "run missing table": Case(_run("--methods", "random", "--data", "/no/such/table.npz")),
    "run scheduler without dask": Case(_run("--methods", "random", "--scheduler", "tcp://x:1")),
    "run live without supernet": Case(_run("--backend", "live")),
    "run live with a missing checkpoint": Case(
        lambda p: _run("--backend", "live", "--supernet", str(p["tmp"] / "none.pt"),
                       "--data", str(p["tmp"] / "none"), "--budget", "10")(p)),
    "run madds without live": Case(_run("--methods", "random", "--madds", "100")),
    "run unknown reference": Case(_run("--methods", "random", "--reference", "nope")),
    "run bad constraint": Case(_run("--methods", "random", "--constraint", "flops_m<=abc")),
    "run unsatisfiable constraint": Case(_run("--methods", "random", "--constraint",
                                              "flops_m<=0.0000001")),
    "run unwritable table-out": Case(
        lambda p: _run("--methods", "random", "--table-out", str(p["file"] / "t.md"))(p)),
    "run more runs than one machine holds": Case(_run("--methods", "random", "--seeds",
                                                      "1000000000000")),
    "run rerun-stale without resume": Case(_run("--methods", "random", "--rerun-stale")),
    "run out under /proc": Case(
        lambda p: _run("--methods", "random")({**p, "out": NO_DIR / "study"}),
        lambda p: [NO_DIR]),
    "run table-out under /proc": Case(
        _run("--methods", "random", "--table-out", str(NO_DIR / "t.md")),
        lambda p: [p["out"], NO_DIR]),
    "run out is a file": Case(
        lambda p: _run("--methods", "random")({**p, "out": p["file"]}),
        lambda p: [p["out"]]),
    # -- table ---------------------------------------------------------------------------
    "table of a missing study": Case(
        lambda p: ["table", str(p["tmp"] / "none"), "--out", str(p["out"] / "t.md")]),
    "table out under /proc": Case(
        lambda p: ["table", str(p["tmp"] / "none"), "--out", str(NO_DIR / "t.md")],
        lambda p: [NO_DIR]),
    "table of a folder that holds no study": Case(
        lambda p: ["table", str(p["empty"]), "--out", str(p["out"])]),
    # -- figures ---------------------------------------------------------------------------
    "figures zero seeds": Case(_figures("--seeds", "0"), _out_and_studies),
    "figures bad ablation option": Case(_figures("--ablation-base", "lr=-1"), _out_and_studies),
    "figures ablation base fixes M": Case(_figures("--ablation-base", "M=7"), _out_and_studies),
    "figures ablation option type": Case(_figures("--ablation-base", "tanh_constant=abc"),
                                         _out_and_studies),
    "figures unknown ablation option": Case(_figures("--ablation-base", "nope=1"),
                                            _out_and_studies),
    "figures unknown ablation dataset": Case(_figures("--ablation-dataset", "mnist"),
                                             _out_and_studies),
    "figures more ablation seeds than seeds": Case(_figures("--ablation-seeds", "5"),
                                                   _out_and_studies),
    "figures missing table": Case(_figures("--data", "/no/such/table.npz"), _out_and_studies),
    "figures zero budget": Case(_figures("--budget", "0"), _out_and_studies),
    "figures more runs than one machine holds": Case(_figures("--seeds", "1000000000000"),
                                                     _out_and_studies),
    "figures out under /proc": Case(
        lambda p: ["figures", "--seeds", "2", "--no-progress", "--out", str(NO_DIR),
                   "--study-root", str(p["studies"])],
        lambda p: [NO_DIR, p["studies"]]),
    "figures unwritable study root": Case(
        lambda p: ["figures", "--seeds", "2", "--no-progress", "--out", str(p["out"]),
                   "--study-root", str(p["file"] / "studies")]),
    # -- query (writes nothing: the check is the one error line) ----------------------------
    "query index out of range": Case(lambda p: ["query", "99999"], lambda p: []),
    "query malformed arch": Case(lambda p: ["query", "|bad|"], lambda p: []),
    "query unknown dataset": Case(lambda p: ["query", "0", "--dataset", "mnist"],
                                  lambda p: []),
    "query unknown protocol": Case(lambda p: ["query", "0", "--protocol", "nope"],
                                   lambda p: []),
    "query missing table": Case(lambda p: ["query", "0", "--data", "/no/such.npz"],
                                lambda p: []),
    "query bad constraint": Case(lambda p: ["query", "0", "--constraint", "nope<=1"],
                                 lambda p: []),
    # -- data import -----------------------------------------------------------------------
    "data import missing source": Case(
        lambda p: ["data", "import", str(p["tmp"] / "none.pth"), "--out", str(p["out"])]),
    "data import empty folder": Case(
        lambda p: ["data", "import", str(p["empty"]), "--out", str(p["out"])]),
    "data import out under /proc": Case(
        lambda p: ["data", "import", str(p["file"]), "--out", str(NO_DIR / "t.npz")],
        lambda p: [NO_DIR]),
    "data import garbage file": Case(
        lambda p: ["data", "import", str(p["file"]), "--out", str(p["out"])]),
    # -- data digits -----------------------------------------------------------------------
    "data digits under a file": Case(
        lambda p: ["data", "digits", str(p["file"] / "digits")],
        lambda p: [p["file"] / "digits"]),
    # a folder that passes the writability probe but cannot be created (as root, only a
    # kernel file system refuses it)
    "data digits where mkdir fails": Case(
        lambda p: ["data", "digits", "/proc/asebench-no-such-dir/digits"],
        lambda p: [Path("/proc/asebench-no-such-dir")]),
    "data digits size too small": Case(lambda p: ["data", "digits", str(p["out"]),
                                                  "--size", "4"]),
    "data digits more test images than a digit has": Case(
        lambda p: ["data", "digits", str(p["out"]), "--test-per-class", "500"]),
    # -- supernet --------------------------------------------------------------------------
    "supernet train missing folder": Case(
        lambda p: ["supernet", "train", "--data", str(p["tmp"] / "none"), "--out",
                   str(p["out"])]),
    "supernet train bad phases": Case(
        lambda p: ["supernet", "train", "--data", str(p["toy"]), "--out", str(p["out"]),
                   "--phases", "bogus=1"], supernet=True),
    "supernet train unknown preset": Case(
        lambda p: ["supernet", "train", "--data", str(p["toy"]), "--out", str(p["out"]),
                   "--preset", "nope"], supernet=True),
    "supernet train holdout larger than the folder": Case(
        lambda p: ["supernet", "train", "--data", str(p["toy"]), "--out", str(p["out"]),
                   "--preset", "tiny", "--classes", "0", "--holdout", "100000",
                   "--workers", "0"], supernet=True),
    "supernet score missing checkpoint": Case(
        lambda p: ["supernet", "score", "--supernet", str(p["tmp"] / "none.pt"), "--data",
                   str(p["tmp"])], lambda p: []),
    "supernet score bad arch": Case(
        lambda p: ["supernet", "score", "--supernet", str(p["net"]), "--data", str(p["toy"]),
                   "--arch", "nope", "--calibration", "8"], lambda p: [], supernet=True),
    "supernet predictor too few samples": Case(
        lambda p: ["supernet", "predictor", "--supernet", str(p["net"]), "--data",
                   str(p["toy"]), "--out", str(p["out"]), "--samples", "2"], supernet=True),
    "supernet finetune missing checkpoint": Case(
        lambda p: ["supernet", "finetune", "--supernet", str(p["tmp"] / "none.pt"), "--arch",
                   "x", "--data", str(p["tmp"]), "--out", str(p["out"])]),
    "supernet train out under /proc": Case(
        lambda p: ["supernet", "train", "--data", str(p["empty"]), "--out",
                   str(NO_DIR / "net.pt")], lambda p: [NO_DIR]),
    "supernet predictor out under /proc": Case(
        lambda p: ["supernet", "predictor", "--supernet", str(p["file"]), "--data",
                   str(p["empty"]), "--out", str(NO_DIR / "p.pt")], lambda p: [NO_DIR]),
    "supernet finetune out under /proc": Case(
        lambda p: ["supernet", "finetune", "--supernet", str(p["file"]), "--arch", "x",
                   "--data", str(p["empty"]), "--out", str(NO_DIR / "f.pt")],
        lambda p: [NO_DIR]),
    "supernet convert out under /proc": Case(
        lambda p: ["supernet", "convert", str(p["file"]), str(NO_DIR / "net.pt")],
        lambda p: [NO_DIR]),
    "supernet convert missing source": Case(
        lambda p: ["supernet", "convert", str(p["tmp"] / "none.pth"), str(p["out"])]),
    # -- doctor (the report's place is checked before any check runs) ----------------------
    "doctor out under a file": Case(
        lambda p: ["doctor", "--quick", "--no-progress", "--out", str(p["file"] / "r.md")],
        lambda p: [p["file"] / "r.md", p["file"] / "r.json"]),
    "doctor out is a folder": Case(
        lambda p: ["doctor", "--quick", "--no-progress", "--out", str(p["empty"])],
        lambda p: [p["tmp"] / "empty.json"]),
    # -- the group itself ------------------------------------------------------------------
    "unknown command": Case(lambda p: ["nope"], lambda p: []),
    "missing required option": Case(lambda p: ["supernet", "train", "--out", str(p["out"])]),
}


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "empty").mkdir()
    (tmp_path / "report.json").mkdir()  # where a report's JSON would go
    (tmp_path / "garbage.pth").write_bytes(b"not a benchmark file")
    return {"tmp": tmp_path, "out": tmp_path / "out", "studies": tmp_path / "studies",
            "empty": tmp_path / "empty", "file": tmp_path / "garbage.pth"}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_invocation_fails_in_one_line_and_leaves_nothing(
        name: str, paths: dict[str, Path], request: pytest.FixtureRequest) -> None:
    case = CASES[name]
    if case.supernet:
        net, toy = request.getfixturevalue("trained_supernet")
        paths = {**paths, "net": net, "toy": toy}
    result = CliRunner().invoke(cli, case.args(paths))
    assert isinstance(result.exception, SystemExit), result.exception  # not a crash
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("asebench: error: "), result.stderr
    assert "Traceback" not in result.output
    for path in case.left(paths):
        assert not path.exists(), f"{path} left behind"


# -- the real command in a process of its own: the exact line ------------------------------
NOT_A_SEARCHER = "which has no name or run(backend, budget, rng)"
NOT_A_BACKEND = "which has no space, evaluate(arch, rng) or report(arch)"


def _in(p: dict[str, Path], *extra: str) -> list[str]:
    """``asebench run`` on one dataset, one seed, into ``out``, plus ``extra``."""
    return ["run", "--datasets", "cifar10", "--seeds", "1", "--no-progress",
            "--out", str(p["out"]), *extra]


@dataclass(frozen=True)
class Line:
    """A bad invocation, the one line it must print (``{tmp}``: the temp folder) and what
    must not exist afterwards."""

    args: Callable[[dict[str, Path]], list[str]]
    line: str
    left: Callable[[dict[str, Path]], list[Path]] = lambda p: [p["out"]]


LINES: dict[str, Line] = {
    # doctor: the report's place, before the environment probe and every check
    "doctor out under /proc": Line(
        lambda p: ["doctor", "--quick", "--out", "/proc/x.md"],
        "cannot write --out /proc/x.md: No such file or directory",
        lambda p: [Path("/proc/x.md"), Path("/proc/x.json")]),
    "doctor {device} out in a folder no one can create": Line(
        lambda p: ["doctor", "--quick", "--out", str(NO_DIR / "doctor-{device}.md")],
        f"cannot write --out {NO_DIR}/doctor-cpu.md: No such file or directory",
        lambda p: [NO_DIR]),
    "doctor {device} folder under a file": Line(
        lambda p: ["doctor", "--quick", "--out", str(p["file"] / "{device}" / "r.md")],
        "cannot write --out {tmp}/garbage.pth/cpu/r.md: Not a directory",
        lambda p: [p["file"] / "cpu"]),
    "doctor json beside the report is a folder": Line(
        lambda p: ["doctor", "--quick", "--out", str(p["tmp"] / "report.md")],
        "cannot write --out {tmp}/report.json: it is a folder",
        lambda p: [p["tmp"] / "report.md"]),
    # run: the user's word for the backend
    "run unknown --benchmark": Line(
        lambda p: _in(p, "--benchmark", "nope"),
        "unknown benchmark 'nope'; choose one of tabular, live, nas-bench-graph "
        "(or give package.module:factory)"),
    "run unknown --backend": Line(
        lambda p: _in(p, "--backend", "nope"),
        "unknown backend 'nope'; choose one of tabular, live, nas-bench-graph "
        "(or give package.module:factory)"),
    # run: a method given as module:function that is no searcher factory
    "run method that needs an argument": Line(
        lambda p: _in(p, "--methods", "os.path:join"),
        "method 'os.path:join' is not a searcher factory: it needs argument 'a' "
        "(called with no arguments)"),
    "run method that needs an argument, options given": Line(
        lambda p: _in(p, "--methods", "json:dumps[indent=2]"),
        "method 'json:dumps' is not a searcher factory: it needs argument 'obj' "
        "(called with keyword indent)"),
    "run method returning a str": Line(
        lambda p: _in(p, "--methods", "os:getcwd"),
        f"method 'os:getcwd' is not a searcher factory: it returned str, {NOT_A_SEARCHER}"),
    "run method returning a dict": Line(
        lambda p: _in(p, "--methods", "builtins:dict"),
        f"method 'builtins:dict' is not a searcher factory: it returned dict, {NOT_A_SEARCHER}"),
    "run method that is not callable": Line(
        lambda p: _in(p, "--methods", "os:sep"),
        "method 'os:sep' is not a searcher factory: it is a str, which cannot be called"),
    # run: a backend given as module:function that is no backend factory
    "run backend returning a dict": Line(
        lambda p: _in(p, "--backend", "builtins:dict"),
        f"backend 'builtins:dict' is not a backend factory: it returned dict, {NOT_A_BACKEND}"),
    "run backend that takes no dataset": Line(
        lambda p: _in(p, "--backend", "os:getcwd"),
        "backend 'os:getcwd' is not a backend factory: it takes no 'dataset', which every "
        "backend factory is called with"),
    "run backend that needs an argument": Line(
        lambda p: _in(p, "--backend", "json:dumps"),
        "backend 'json:dumps' is not a backend factory: it needs argument 'obj' "
        "(called with keyword dataset)"),
    "run --benchmark that is not callable": Line(
        lambda p: _in(p, "--benchmark", "os:sep"),
        "benchmark 'os:sep' is not a backend factory: it is a str, which cannot be called"),
}


@pytest.mark.parametrize("name", list(LINES))
def test_bad_invocation_in_a_process_prints_its_line(name: str, paths: dict[str, Path]) -> None:
    case = LINES[name]
    before = sorted(paths["tmp"].rglob("*"))
    done = subprocess.run([sys.executable, "-m", "asebench", *case.args(paths)],
                          cwd=paths["tmp"], capture_output=True, text=True)
    expected = "asebench: error: " + case.line.replace("{tmp}", str(paths["tmp"]))
    assert (done.returncode, done.stderr, done.stdout) == (2, expected + "\n", ""), done.stderr
    for path in case.left(paths):
        assert not path.exists(), f"{path} left behind"
    assert sorted(paths["tmp"].rglob("*")) == before  # nothing written, not even a probe


def test_the_python_api_keeps_its_word_and_the_cli_can_give_its_own() -> None:
    from asebench.backends import backends, get_backend

    with pytest.raises(AsebenchError, match=r"^unknown backend 'nope'; choose one of tabular"):
        get_backend("nope", dataset="cifar10")
    with pytest.raises(AsebenchError, match=r"^unknown benchmark 'nope'; choose one of tabular"):
        backends.factory("nope", noun="benchmark")
    with pytest.raises(AsebenchError, match=r"^backend 'builtins:dict' is not a backend factory"):
        get_backend("builtins:dict", dataset="cifar10")
