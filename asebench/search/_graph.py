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
    mean = rewards.mean(axis=-1, keepdims=True)
    std = rewards.std(axis=-1, keepdims=True)
    safe = np.where(std > 0, std, 1.0)
    return np.where(std > 0, (rewards - mean) / safe, 0.0)


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
