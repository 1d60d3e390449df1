"""``asebench doctor``: checks a machine for the live backend before a long job.

An environment report (versions, devices, bf16, CPU cores, extras) and short checks of the
real training, scoring, fine-tuning and DDP code on generated images, each in its own process
with its own time limit. Importing this package does not import torch.
"""

from __future__ import annotations

from asebench.doctor._checks import CHECKS, Check, Outcome, Setting
from asebench.doctor._env import environment, extras
from asebench.doctor._report import device_tag, report_paths, to_markdown, write_report
from asebench.doctor._runner import BOUND_S, QUICK_BOUND_S, CheckResult, DoctorReport, run_doctor

__all__ = ["BOUND_S", "CHECKS", "Check", "CheckResult", "DoctorReport", "Outcome",
           "QUICK_BOUND_S", "Setting", "device_tag", "environment", "extras", "report_paths",
           "run_doctor", "to_markdown", "write_report"]
