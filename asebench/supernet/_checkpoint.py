"""Supernet checkpoints: one torch file with weights, layout, data split and training state."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from asebench._atomic import atomic_write
from asebench.errors import AsebenchError
from asebench.supernet._config import SupernetConfig
from asebench.supernet._supernet import SuperNet

__all__ = ["Checkpoint", "save_checkpoint", "read_checkpoint", "load_supernet", "FORMAT"]

FORMAT = "asebench-supernet"
VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint holds (tensors stay in ``state``).

    Attributes:
        config: the supernet layout.
        classes: class folder names, in label order.
        holdout: held-out image files (relative to the class root) used for scoring only.
        data_root: the folder it was trained on (informative).
        epoch: epochs finished.
        train: the training configuration as a plain dict.
        history: one dict per finished epoch.
        state: model weights and training state (``model``, ``optimizer``, ``teacher``, ...).
    """

    config: SupernetConfig
    classes: tuple[str, ...]
    holdout: tuple[str, ...]
    data_root: str
    epoch: int
    train: Mapping[str, Any] = field(default_factory=dict)
    history: tuple[Mapping[str, Any], ...] = ()
    state: Mapping[str, Any] = field(default_factory=dict)


def make_parent(path: str | os.PathLike[str]) -> None:
    """Create the folder ``path`` will be written to (AsebenchError if it cannot be)."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AsebenchError(f"cannot create the folder of {str(path)!r}: "
                            f"{exc.strerror or exc}") from None


def save_torch_file(path: Path, payload: Mapping[str, Any]) -> None:
    """``torch.save`` atomically (:func:`asebench._atomic.atomic_write`)."""
    atomic_write(path, lambda tmp: torch.save(dict(payload), tmp))


def load_torch_file(path: Path, what: str, unreadable: str | None = None) -> Any:
    """``torch.load`` (weights only, on the CPU) with one-line errors: ``what`` names the file
    when it is missing, ``unreadable`` (default ``what``) when torch cannot read it."""
    if not path.is_file():
        raise AsebenchError(f"{what} {str(path)!r} does not exist")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a corrupt or foreign file
        raise AsebenchError(
            f"{str(path)!r} is not a readable {unreadable or what} "
            f"({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None


def save_checkpoint(path: str | os.PathLike[str], ckpt: Checkpoint) -> None:
    """Write atomically (:func:`save_torch_file`)."""
    path = Path(path)
    make_parent(path)
    payload = {
        "format": FORMAT, "version": VERSION, "config": ckpt.config.to_dict(),
        "classes": list(ckpt.classes), "holdout": list(ckpt.holdout),
        "data_root": ckpt.data_root, "epoch": ckpt.epoch, "train": dict(ckpt.train),
        "history": [dict(h) for h in ckpt.history], "state": dict(ckpt.state),
    }
    save_torch_file(path, payload)


def read_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint (AsebenchError if missing or not an asebench supernet checkpoint)."""
    path = Path(path)
    payload = load_torch_file(path, "supernet checkpoint")
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise AsebenchError(f"{str(path)!r} is not an asebench supernet checkpoint")
    if payload.get("version") != VERSION:
        raise AsebenchError(
            f"{str(path)!r} has checkpoint version {payload.get('version')}, expected {VERSION}")
    try:
        return Checkpoint(
            SupernetConfig.from_dict(payload["config"]), tuple(payload["classes"]),
            tuple(payload["holdout"]), str(payload["data_root"]), int(payload["epoch"]),
            payload.get("train", {}), tuple(payload.get("history", ())), payload["state"])
    except (KeyError, TypeError) as exc:
        raise AsebenchError(f"{str(path)!r} is an incomplete supernet checkpoint: {exc}") from None


def load_supernet(path: str | os.PathLike[str],
                  device: str | torch.device = "cpu") -> tuple[SuperNet, Checkpoint]:
    """The trained supernet of a checkpoint (eval mode) and the checkpoint itself."""
    ckpt = read_checkpoint(path)
    net = SuperNet(ckpt.config)
    try:
        net.load_state_dict(ckpt.state["model"])
    except (KeyError, RuntimeError) as exc:
        raise AsebenchError(
            f"{str(path)!r}: weights do not fit the stored supernet layout "
            f"({' '.join(str(exc).split())[:120]})") from None
    return net.to(device).eval(), ckpt
