"""``asebench doctor``: the environment report, checks isolated in processes with limits, the
report files, a missing torch, and (slow) the real quick run on this machine's CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import doctor_checks
import pytest
import torch
from click.testing import CliRunner

from asebench.cli import cli
from asebench.doctor import (
    QUICK_BOUND_S,
    Check,
    CheckResult,
    DoctorReport,
    environment,
    run_doctor,
)
from asebench.doctor._report import device_tag, report_paths, to_markdown, write_report

HERE = Path(__file__).parent


def test_environment_reports_this_installation() -> None:
    env = environment()
    assert env["torch"] == torch.__version__
    assert env["cuda_available"] == torch.cuda.is_available()
    assert env["cpu_cores"] == os.cpu_count() and env["cpu_cores_usable"] >= 1
    assert len(env["devices"]) == (torch.cuda.device_count() if env["cuda_available"] else 0)
    assert env["extras"]["test"] == {"installed": True, "missing": []}  # pytest runs this


def test_the_doctor_process_never_imports_torch() -> None:
    """torch and CUDA are probed in a child: the doctor itself holds no CUDA context."""
    code = ("import sys, asebench.doctor, asebench.cli._doctor; "
            "env = asebench.doctor.environment(); "
            "sys.exit(2 if env['torch'] is None else int('torch' in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    path = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)


def test_each_check_fails_alone_and_the_others_still_run(stand_ins: None) -> None:
    # the limits of the checks that end by themselves are far above what a busy machine
    # needs to start a process: only "hangs" (asleep for 120 s) can reach its limit
    checks = (Check("a", "raises", 150, 150, doctor_checks.raises),
              Check("b", "hangs", 3, 3, doctor_checks.hangs),
              Check("c", "dies", 150, 150, doctor_checks.dies),
              Check("d", "passes", 150, 150, doctor_checks.passes),
              Check("e", "not quick", 150, 0, doctor_checks.passes),
              Check("f", "cuda only", 150, 150, doctor_checks.passes, needs_cuda=True))
    cpu = {"torch": "2.13.0", "cuda_available": False, "devices": [], "cpu_cores": 2}
    report = run_doctor(quick=True, checks=checks, env=cpu)
    by = {c.name: c for c in report.checks}
    assert by["a"].status == "fail" and by["a"].summary == "RuntimeError: broken across lines"
    # killed at its limit: waited for, the sleeper would have passed ("too late")
    assert by["b"].status == "fail" and by["b"].summary == "timed out after 3 s"
    assert by["c"].status == "fail" and "died" in by["c"].summary
    assert by["d"].status == "pass" and by["d"].figures == {"value": 1.5}
    assert "asebench-doctor-d-" in by["d"].summary  # ran in a folder of its own
    assert by["e"].status == "skip" and "--quick" in by["e"].summary
    assert by["f"].status == "skip" and by["f"].summary == "skipped: no CUDA GPU"
    assert report.failed and report.notes[0].startswith("No CUDA GPU")


def test_without_torch_the_live_extra_is_reported_missing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    env = environment()
    assert env["torch"] is None and "pip install 'asebench[live]'" in env["torch_missing"]
    result = CliRunner().invoke(cli, ["doctor", "--out", str(tmp_path / "r.md"),
                                      "--no-progress"])
    assert isinstance(result.exception, SystemExit), result.exception  # not a crash
    assert result.exit_code == 1 and "Traceback" not in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert all(c["status"] == "skip" and "asebench[live]" in c["summary"]
               for c in report["checks"])
    assert "the live extra is missing" in (tmp_path / "r.md").read_text()


def _report(**env: object) -> DoctorReport:
    base = {"asebench": "0.1.0", "python": "3.11.7", "platform": "Linux", "cpu_cores": 2,
            "cpu_cores_usable": 2, "torch": "2.13.0", "torch_threads": 2, "cuda_build": "12.8",
            "cudnn": 91002, "driver": "570.1", "devices": [], "cuda_available": True,
            "bf16": True, "extras": {"live": {"installed": True, "missing": []}}}
    base.update(env)
    return DoctorReport(base, (CheckResult("x", "a | check", "pass", "3 img/s", {"n": 3}, 1.0,
                                           5.0),), True, "2026-01-01 00:00 UTC", 1.0)


def test_report_files_and_device_tag(tmp_path: Path) -> None:
    gpus = [{"index": i, "name": "NVIDIA H200", "memory_gib": 139.8, "capability": "9.0"}
            for i in range(2)]
    assert device_tag({"devices": []}) == "cpu"
    assert device_tag({"devices": gpus[:1]}) == "nvidia-h200"
    assert device_tag({"devices": gpus}) == "nvidia-h200-x2"
    md, js = report_paths(tmp_path / "doctor-{device}.md", {"devices": gpus[:1]})
    assert (md.name, js.name) == ("doctor-nvidia-h200.md", "doctor-nvidia-h200.json")
    assert report_paths(tmp_path / "r", {"devices": []})[1].name == "r.json"
    report = _report(devices=gpus[:1])
    text = to_markdown(report)
    assert "| a \\| check | PASS | 3 img/s | 1.0 (5) |" in text
    assert "NVIDIA H200, 139.8 GiB" in text
    mask = os.umask(0o022)
    try:
        write_report(report, tmp_path / "sub" / "r.md", tmp_path / "sub" / "r.json")
    finally:
        os.umask(mask)
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["r.json", "r.md"]
    assert (tmp_path / "sub" / "r.md").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    assert json.loads((tmp_path / "sub" / "r.json").read_text())["checks"][0]["figures"] == \
        {"n": 3}


@pytest.mark.slow
def test_quick_doctor_on_this_machine(tmp_path: Path) -> None:
    out = tmp_path / "doctor-{device}.md"
    proc = subprocess.run([sys.executable, "-m", "asebench", "doctor", "--quick", "--out",
                           str(out), "--no-progress"], capture_output=True, text=True,
                          timeout=400)
    tag = "cpu" if not torch.cuda.is_available() else device_tag(environment())
    report = json.loads((tmp_path / f"doctor-{tag}.json").read_text())
    by = {c["name"]: c for c in report["checks"]}
    assert set(by) == {"train", "score", "finetune", "ddp", "gpu-tests"}
    assert by.pop("gpu-tests")["status"] == "skip"
    # each check passes, or (a machine too busy for its limits: the doctor's verdict on the
    # machine's speed, which this test must not depend on) ran out of time
    out_of_time = ("timed out after ", f"skipped: the {QUICK_BOUND_S:.0f} s bound is used up")
    for check in by.values():
        assert check["status"] == "pass" or check["summary"].startswith(out_of_time), check
    failed = any(c["status"] == "fail" for c in by.values())
    assert proc.returncode == int(failed), proc.stdout[-3000:] + proc.stderr[-2000:]
    if by["ddp"]["status"] == "pass":
        assert by["ddp"]["figures"]["equal"] and not by["ddp"]["figures"]["stride_warning"]
    if not torch.cuda.is_available():
        assert "No CUDA GPU" in (tmp_path / "doctor-cpu.md").read_text()


@pytest.mark.usefixtures("one_thread")
def test_ddp_reference_tells_a_shard_apart() -> None:
    """The DDP check's tolerance is far below what one shard of the global batch changes."""
    from asebench.doctor import _ddp

    cpu = torch.device("cpu")
    runs = []
    for shards in ([0, 1], [1, 0], [0]):
        net, _ = _ddp._net(False, cpu)
        _ddp._steps(net, net, cpu, 2, 2, shards)
        runs.append(_ddp._flat(net))
    assert torch.allclose(runs[0], runs[1], rtol=_ddp.RTOL, atol=_ddp.ATOL)
    assert (runs[0] - runs[2]).abs().max() > 100 * _ddp.ATOL


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="checks how a CPU machine fares")
def test_gpu_tests_check_runs_the_marked_tests(tmp_path: Path) -> None:
    """Told there is CUDA where there is none, the check runs pytest on the gpu-marked tests,
    which then skip: a failure that names them, not a pass."""
    from asebench.doctor import Setting
    from asebench.doctor._checks import check_gpu_tests

    outcome = check_gpu_tests(Setting(cuda=True, quick=False, workdir=str(tmp_path),
                                      limit_s=300))
    assert outcome.status == "fail" and "skipped" in outcome.summary
    assert " deselected" in outcome.summary and outcome.figures["exit"] == 0
