"""The demo's ranking-fidelity statistics: those of ``asebench supernet fidelity``
(:mod:`asebench.supernet._ranking`)."""

from __future__ import annotations

from asebench.supernet._ranking import RankFidelity, rank_fidelity, spread_archs

__all__ = ["RankFidelity", "rank_fidelity", "spread_archs"]
