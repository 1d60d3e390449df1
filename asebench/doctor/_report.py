"""The doctor's report as markdown and JSON, and writing both atomically."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from asebench.doctor._runner import DoctorReport
from asebench.errors import AsebenchError

__all__ = ["to_markdown", "device_tag", "report_paths", "check_writable", "write_report"]


def device_tag(env: dict[str, Any]) -> str:
    """``cpu``, or the first GPU's name as a file-name slug (``nvidia-h200``, ``-x2`` for
    two of them)."""
    devices = env.get("devices") or []
    if not devices:
        return "cpu"
    slug = re.sub(r"[^a-z0-9]+", "-", str(devices[0]["name"]).lower()).strip("-")
    return slug + (f"-x{len(devices)}" if len(devices) > 1 else "")


def _or_dash(value: Any) -> str:
    return "-" if value in (None, "", []) else str(value)


def _environment_rows(env: dict[str, Any]) -> list[tuple[str, str]]:
    extras = env.get("extras") or {}
    have = [name for name, info in extras.items() if info["installed"]]
    lack = [f"{name} (needs {', '.join(info['missing'])})" for name, info in extras.items()
            if not info["installed"]]
    if env["torch"] is None:
        torch_text = str(env.get("torch_missing"))
    else:
        torch_text = f"{env['torch']} ({env['torch_threads']} threads)"
    devices = "; ".join(f"{d['index']}: {d['name']}, {d['memory_gib']} GiB, "
                        f"compute {d['capability']}" for d in env.get("devices") or [])
    if env.get("cuda_available"):
        cuda = f"available (torch built with CUDA {env['cuda_build']})"
    else:
        cuda = "not available" + (f" (torch built with CUDA {env['cuda_build']})"
                                  if env.get("cuda_build") else " (a CPU build of torch)")
    return [("asebench", env["asebench"]), ("Python", env["python"]),
            ("platform", env["platform"]), ("torch", torch_text), ("CUDA", cuda),
            ("cuDNN", _or_dash(env.get("cudnn"))), ("NVIDIA driver", _or_dash(env.get("driver"))),
            ("devices", devices or "none"),
            ("bf16", "supported" if env.get("bf16") else "no (no CUDA GPU with bf16)"),
            ("CPU cores", f"{env['cpu_cores']} ({_or_dash(env.get('cpu_cores_usable'))} usable)"),
            ("extras installed", ", ".join(have) or "none"),
            ("extras missing", ", ".join(lack) or "none")]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: DoctorReport) -> str:
    """The report as a markdown page."""
    counts = {s: sum(c.status == s for c in report.checks) for s in ("pass", "fail", "skip")}
    mode = "`asebench doctor --quick`" if report.quick else "`asebench doctor`"
    lines = [f"# asebench doctor: {device_tag(report.environment)}", "",
             f"{mode} on {report.started}: {counts['pass']} passed, {counts['fail']} failed, "
             f"{counts['skip']} skipped in {report.seconds:.0f} s.", ""]
    lines += [f"> {note}" for note in report.notes]
    lines += ["", "## Environment", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {_cell(v)} |" for k, v in _environment_rows(report.environment)]
    lines += ["", "## Checks", "", "| check | result | figure | seconds (limit) |",
              "|---|---|---|---|"]
    for c in report.checks:
        took = f"{c.seconds:.1f} ({c.limit_s:.0f})" if c.limit_s else "-"
        lines.append(f"| {_cell(c.title)} | {c.status.upper()} | {_cell(c.summary)} | {took} |")
    lines += ["", "The figures of every check, in full, are in the JSON file of the same name.",
              ""]
    return "\n".join(lines)


def report_paths(out: str | os.PathLike[str], env: dict[str, Any]) -> tuple[Path, Path]:
    """The markdown and JSON files for ``--out`` (``{device}`` in it becomes
    :func:`device_tag`): ``X.md`` and ``X.json``."""
    path = Path(str(out).replace("{device}", device_tag(env)))
    if path.suffix in (".md", ".json"):
        return path.with_suffix(".md"), path.with_suffix(".json")
    return path, path.with_name(path.name + ".json")


def check_writable(paths: tuple[Path, ...]) -> None:
    """AsebenchError (one line, naming ``--out``) unless every path can be written: not a
    folder, and a file can be made where it goes. Run before any check, so a report that
    cannot be written fails in a second, not after minutes of checks; it leaves nothing."""
    from asebench._outputs import check_output_file

    for path in paths:
        check_output_file(path, "--out")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_report(report: DoctorReport, md: Path, js: Path) -> None:
    """Write both files, each through a temp file renamed into place (all or nothing)."""
    texts = {md: to_markdown(report), js: json.dumps(report.to_dict(), indent=1) + "\n"}
    temps: dict[Path, str] = {}
    try:
        md.parent.mkdir(parents=True, exist_ok=True)
        for path, text in texts.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            temps[path] = tmp
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 is not what a report wants
        for path, tmp in temps.items():
            os.replace(tmp, path)
    except OSError as exc:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)
        raise AsebenchError(f"cannot write the report {str(md)!r}: {exc.strerror}") from None
