"""Where a ranking-fidelity study keeps its work: the settings it was started with and one
file per finished stand-alone training, each written atomically the moment it is done, so a
killed study loses only the trainings that were running.

Layout (``OUT``)::

    OUT/fidelity.json                the settings that decide every result (checked on resume)
    OUT/trainings/net07-seed1.json   one finished training: arch, seed, accuracy, losses, time
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asebench._atomic import atomic_write_text
from asebench.errors import AsebenchError

__all__ = ["FidelityStore", "LEGACY", "SCORING_ONLY", "SETTINGS", "TRAININGS", "json_ready"]

SETTINGS = "fidelity.json"
TRAININGS = "trainings"
SCORING_ONLY = ("supernet_sha256", "supernet_training", "calibration")
"""Settings that change only the supernet's scores, not a stand-alone training: a study that
differs from another only in these (and in its seeds) can reuse the other's trainings."""
LEGACY = ("split_sha256", "supernet_training")
"""Settings a study made by an earlier version may lack: it resumes without them (its
checkpoint, which ``supernet_sha256`` pins, fixes them) and records them on that run."""


def json_ready(settings: Mapping[str, Any]) -> Any:
    """``settings`` as stored (tuples as lists)."""
    return json.loads(json.dumps(dict(settings)))


def _differing(stored: Mapping[str, Any], settings: Mapping[str, Any],
               ignore: tuple[str, ...]) -> list[str]:
    """The top-level keys whose values differ between ``stored`` and ``settings`` (compared
    as stored: tuples as lists), those in ``ignore`` left out, sorted."""
    wanted = json_ready(settings)
    return sorted(k for k in set(stored) | set(wanted)
                  if k not in ignore and stored.get(k) != wanted.get(k))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AsebenchError(f"cannot read {str(path)!r} ({type(exc).__name__}: {exc})") from None


class FidelityStore:
    """The study folder ``root``: settings and finished trainings.

    Args:
        root: the ``--out`` folder.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def check(self, settings: Mapping[str, Any]) -> bool:
        """Whether ``root`` already holds this study (True: resume it; False: a new one).
        A study that differs only in :data:`SCORING_ONLY` settings (another supernet
        checkpoint, another recalibration size) is this study too: its trainings are kept.
        Writes nothing.

        Raises:
            AsebenchError: ``root`` is a file, a non-empty folder that is not a fidelity
                study, or a study with other settings (the differing ones are named).
        """
        if self.root.exists() and not self.root.is_dir():
            raise AsebenchError(f"fidelity folder {str(self.root)!r} is a file")
        if not self.root.is_dir() or not any(self.root.iterdir()):
            probe = self.root.resolve().parent
            while not probe.exists():
                probe = probe.parent
            if not probe.is_dir() or not os.access(probe, os.W_OK):
                raise AsebenchError(f"cannot write the fidelity study to {str(self.root)!r}: "
                                    f"{str(probe)!r} is not a writable folder")
            return False
        stored_path = self.root / SETTINGS
        if not stored_path.is_file():
            raise AsebenchError(f"{str(self.root)!r} is not empty and holds no fidelity study "
                                f"({SETTINGS}); choose another --out")
        stored = _read_json(stored_path)
        # another supernet, or another recalibration, against the same ground truth: the
        # trainings stay, the scores and the report are made again (a retrained supernet is
        # a new file even when its weights are the same: the checkpoint records timings)
        keys = [k for k in _differing(stored, settings, SCORING_ONLY)
                if not (k in LEGACY and k not in stored)]
        if keys:
            raise AsebenchError(
                f"{str(self.root)!r} holds a fidelity study with other settings "
                f"({', '.join(keys)} differ); resume it with the same options, or choose "
                f"another --out")
        return True

    def reusable(self, source: str | os.PathLike[str], settings: Mapping[str, Any]
                 ) -> dict[tuple[int, int], dict[str, Any]]:
        """The finished trainings of the study in ``source`` that this study (``settings``)
        can take as its own: the same settings but for :data:`SCORING_ONLY`, and only the
        seeds this study has. Writes nothing.

        Raises:
            AsebenchError: ``source`` is no fidelity study, or its trainings were made with
                other settings (the differing ones are named).
        """
        other = FidelityStore(source)
        stored_path = other.root / SETTINGS
        if not stored_path.is_file():
            raise AsebenchError(f"--reuse-trainings {str(other.root)!r} holds no fidelity "
                                f"study ({SETTINGS})")
        stored = _read_json(stored_path)
        keys = _differing(stored, settings, (*SCORING_ONLY, "seeds"))
        if keys:
            legacy = any(k in LEGACY and k not in stored for k in keys)
            hint = (" (made before studies recorded their split: run it once more with its "
                    "own options to record it)" if legacy else "")
            raise AsebenchError(f"--reuse-trainings {str(other.root)!r} trained with other "
                                f"settings ({', '.join(keys)} differ){hint}")
        seeds = set(settings["seeds"])
        names = dict(enumerate(settings["archs"]))
        return {key: record for key, record in other.finished(names).items()
                if key[1] in seeds}

    def settings(self) -> Any:
        """The stored settings (None when there are none)."""
        path = self.root / SETTINGS
        return _read_json(path) if path.is_file() else None

    def start(self, settings: Mapping[str, Any]) -> None:
        """Write the settings of a new study (atomically)."""
        atomic_write_text(self.root / SETTINGS, json.dumps(dict(settings), indent=2) + "\n")
        (self.root / TRAININGS).mkdir(exist_ok=True)

    def path(self, net: int, seed: int) -> Path:
        return self.root / TRAININGS / f"net{net:02d}-seed{seed}.json"

    def write_training(self, record: Mapping[str, Any]) -> None:
        """Store one finished training (atomically)."""
        atomic_write_text(self.path(int(record["net"]), int(record["seed"])),
                          json.dumps(dict(record), indent=2) + "\n")

    def finished(self, archs: Mapping[int, str]) -> dict[tuple[int, int], dict[str, Any]]:
        """``(net, seed) -> record`` of every stored training.

        Raises:
            AsebenchError: a stored training names another arch than the study's ``net``.
        """
        folder = self.root / TRAININGS
        done: dict[tuple[int, int], dict[str, Any]] = {}
        if not folder.is_dir():
            return done
        for path in sorted(folder.glob("net*-seed*.json")):
            record = _read_json(path)
            key = (int(record["net"]), int(record["seed"]))
            if archs.get(key[0]) != record.get("arch") or path != self.path(*key):
                raise AsebenchError(f"{str(path)!r} is not a training of this study's "
                                    f"sub-network {key[0]}")
            done[key] = record
        return done
