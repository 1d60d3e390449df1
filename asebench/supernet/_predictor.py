"""An accuracy predictor (OFA style): an MLP on the arch encoding, fit to measured scores."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from asebench.errors import AsebenchError
from asebench.spaces import MobileNetArch, MobileNetSpace
from asebench.supernet._checkpoint import save_torch_file

__all__ = ["AccuracyPredictor", "encode_arch"]

_FORMAT = "asebench-predictor"


def encode_arch(space: MobileNetSpace, net: MobileNetArch) -> np.ndarray:
    """Per layer slot one-hot kernel and expand (zeros where the unit is shallower), per unit
    one-hot depth; duplicates of one network encode the same."""
    nk, ne, nd = len(space.kernels), len(space.expands), len(space.depth_choices)
    out = np.zeros(space.num_units * (space.max_depth * (nk + ne) + nd), np.float32)
    pos = 0
    for unit in net.units:
        for slot in range(space.max_depth):
            if slot < len(unit):
                k, e = unit[slot]
                out[pos + space.kernels.index(k)] = 1
                out[pos + nk + space.expands.index(e)] = 1
            pos += nk + ne
        out[pos + space.depth_choices.index(len(unit))] = 1
        pos += nd
    return out


class AccuracyPredictor(nn.Module):
    """``accuracy ~ base + MLP(encoding)``; 3 hidden layers of ``hidden`` units.

    Args:
        space: the arch space it encodes.
        hidden: hidden width.
    """

    base: torch.Tensor  # a registered buffer: the mean accuracy it was fit on

    def __init__(self, space: MobileNetSpace, hidden: int = 400) -> None:
        super().__init__()
        self.space = space
        width = len(encode_arch(space, space.decode(space.largest())))
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                 nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 1))
        self.register_buffer("base", torch.zeros(()))
        self.hidden = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.mlp(x).squeeze(-1) + self.base
        return out

    @torch.no_grad()
    def predict(self, archs: Sequence[Sequence[int] | MobileNetArch]) -> np.ndarray:
        """Predicted accuracy (the unit it was fit on) of each arch."""
        x = torch.from_numpy(np.stack([self._encode(a) for a in archs]))
        y: torch.Tensor = self.eval()(x)
        return y.numpy().astype(np.float64)

    def _encode(self, arch: Sequence[int] | MobileNetArch) -> np.ndarray:
        net = arch if isinstance(arch, MobileNetArch) else self.space.decode(tuple(arch))
        return encode_arch(self.space, net)

    def fit(self, archs: Sequence[Sequence[int] | MobileNetArch], accuracies: Sequence[float],
            epochs: int = 300, lr: float = 1e-3, seed: int = 0) -> float:
        """Fit by full-batch Adam on squared error; returns the final RMSE."""
        if len(archs) != len(accuracies) or len(archs) < 2:
            raise AsebenchError("a predictor needs >= 2 archs with one accuracy each")
        torch.manual_seed(seed)
        x = torch.from_numpy(np.stack([self._encode(a) for a in archs]))
        y = torch.tensor(accuracies, dtype=torch.float32)
        with torch.no_grad():
            self.base.fill_(float(y.mean()))
        optimizer = torch.optim.Adam(self.mlp.parameters(), lr=lr)
        self.train()
        loss = torch.zeros(())
        for _ in range(epochs):
            optimizer.zero_grad()
            loss = ((self(x) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
        return float(loss.detach().sqrt())

    def save(self, path: str | os.PathLike[str]) -> None:
        path = Path(path)
        s = self.space
        payload = {"format": _FORMAT, "hidden": self.hidden, "state": self.state_dict(),
                   "space": {"num_units": s.num_units, "kernels": list(s.kernels),
                             "expands": list(s.expands), "depths": list(s.depth_choices)}}
        save_torch_file(path, payload)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AccuracyPredictor:
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
            assert payload["format"] == _FORMAT
            model = cls(MobileNetSpace(**payload["space"]), payload["hidden"])
            model.load_state_dict(payload["state"])
        except Exception:
            raise AsebenchError(f"{str(path)!r} is not a readable asebench predictor") from None
        return model.eval()
