"""The subspace graph of ASE-NAS: K center archs, their rewards, directed edges worse -> better.

Node i is the subspace ``ball(center_i, M)``. An edge i -> j exists when center i's reward is
strictly below center j's (ties: no edge). Edges are a pure function of the rewards, so
"recomputing the edges" after a center is replaced is just recomputing :func:`adjacency`.
Arrays carry a leading batch axis (one graph per seed) so that many runs share one call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asebench.records import Arch

__all__ = ["SubspaceGraph", "adjacency", "reward_feature"]


def adjacency(rewards: np.ndarray) -> np.ndarray:
    """``A[..., i, j] = 1.0`` iff center i is worse than center j (an edge i -> j).

    Args:
        rewards: ``(..., K)`` center rewards.
    """
    return (rewards[..., :, None] < rewards[..., None, :]).astype(np.float64)


def reward_feature(rewards: np.ndarray) -> np.ndarray:
    """Per-graph z-score of the center rewards (0 where all rewards are equal); ``(..., K)``.

    Scale-free, so the controller sees the same kind of input on any backend.
    """
    # numpy's mean and std, step for step (the same bits), without their wrappers' overhead
    n = rewards.shape[-1]
    dev = rewards - np.add.reduce(rewards, axis=-1, keepdims=True) / n
    std = np.sqrt(np.add.reduce(dev * dev, axis=-1, keepdims=True) / n)
    out: np.ndarray = np.divide(dev, std, out=np.zeros_like(dev), where=std > 0)
    return out


@dataclass
class SubspaceGraph:
    """One run's graph: mutable node state over immutable archs.

    Attributes:
        centers: the K center archs, in node order.
        rewards: the reward each node believes its center has.
    """

    centers: list[Arch]
    rewards: list[float]

    @property
    def edges(self) -> list[tuple[int, int]]:
        """Directed edges ``(worse, better)``."""
        a = adjacency(np.asarray(self.rewards, dtype=np.float64))
        return [(int(i), int(j)) for i, j in zip(*np.nonzero(a))]

    def best(self) -> int:
        """Node index of the best center (first one on ties)."""
        return int(np.argmax(self.rewards))

    def offer(self, node: int, beta: Arch, improvement: float, beta_reward: float,
              allowed: bool = True, drift: bool = False) -> bool:
        """Apply the update rule; return whether ``beta`` replaced the node's center.

        ``beta`` replaces the center when ``improvement > 0`` and ``allowed`` (a constraint).
        With ``drift`` (ablation of an in-place-edit bug) the center moves to ``beta`` anyway
        while a rejected node keeps its old reward.
        """
        accept = improvement > 0 and allowed
        if accept:
            self.centers[node], self.rewards[node] = beta, beta_reward
        elif drift:
            self.centers[node] = beta
        return accept
