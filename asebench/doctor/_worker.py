"""One doctor check in a process of its own:
``python -m asebench.doctor._worker MODULE:FUNCTION SETTING_JSON RESULT_FILE``.

The outcome is written (atomically) to ``RESULT_FILE`` as JSON; an exception in the check is
its failure, in one line, not the worker's.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from asebench.doctor._checks import Outcome, Setting

__all__ = ["main"]


def main(target: str, setting: str, result: str) -> None:
    """Run the check function ``target`` (``module:function``) with ``setting`` (JSON) and
    write its outcome to ``result``."""
    module, _, function = target.partition(":")
    run = getattr(importlib.import_module(module), function)
    try:
        outcome = run(Setting.from_json(setting))
    except Exception as exc:  # noqa: BLE001 - any error is this check's failure
        outcome = Outcome("fail", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
    path = Path(result)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"status": outcome.status, "summary": outcome.summary,
                               "figures": outcome.figures}))
    os.replace(tmp, path)


if __name__ == "__main__":
    main(*sys.argv[1:4])
