"""The live demo's settings: the full run (``make live-demo``) and a quick one for the tests."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from asebench.supernet import Phase, default_phases

__all__ = ["DemoConfig", "FULL", "QUICK"]


@dataclass(frozen=True)
class DemoConfig:
    """Everything the demo does, as plain values (written beside its results).

    Attributes:
        size: exported digit image side (pixels), also the supernet's input resolution.
        test_per_class: the fixed held-out test split (images per digit).
        train_per_class: training pool per digit (None: every remaining image).
        holdout: training-pool images kept out as the search's validation split.
        phases: progressive-shrinking schedule (every phase: full, kernel, depth, expand).
        batch_size, lr, kd_ratio: supernet training (SGD, cosine per phase, distillation).
        crop_scale, flip: augmentation (gentle crops, no flips: a mirrored digit is not a
            digit).
        calibration: training images for BatchNorm recalibration of every scored sub-network.
        cap_quantile: the MAdds cap is this quantile of MAdds over random sub-networks.
        methods, search_seeds, queries: the search comparison (paired seeds, equal budgets).
        rank_archs, bootstrap: the ranking-fidelity check: sub-networks, CI resamples.
        rank_size, rank_train_per_class, rank_holdout: the ranking check's harder task. At
            32 px every sub-network of the tiny supernet, trained alone, reaches nearly the
            same accuracy, so a rank correlation would measure noise; at a lower resolution
            (16 px: twice the 8x8 source) and/or with fewer training images per digit
            capacity starts to matter. When either is set, a second supernet is trained on
            that task with the same schedule for the check (``rank_holdout`` images kept out
            of its training pool); None for both: the main task and its supernet.
        standalone_epochs: epochs of every stand-alone network (None: the supernet's total
            epochs over all phases).
        standalone_seeds: stand-alone trainings per sub-network (different initial weights
            and data order); their mean is the ground truth, their spread its noise.
        workers: processes for the stand-alone trainings.
        seed: master seed of everything.
    """

    size: int = 32
    test_per_class: int = 50
    train_per_class: int | None = None
    holdout: int = 300
    phases: tuple[Phase, ...] = field(default_factory=lambda: default_phases(20, 6, 6, 8))
    batch_size: int = 32
    lr: float = 0.1
    kd_ratio: float = 1.0
    crop_scale: tuple[float, float] = (0.5, 1.0)
    flip: bool = False
    calibration: int = 300
    cap_quantile: float = 0.4
    methods: tuple[str, ...] = ("ase", "random")
    search_seeds: int = 5
    queries: int = 50
    rank_archs: int = 10
    rank_size: int | None = None
    rank_train_per_class: int | None = 25
    rank_holdout: int = 50
    standalone_epochs: int | None = None
    standalone_seeds: int = 2
    bootstrap: int = 2000
    workers: int = 2
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["phases"] = [asdict(p) for p in self.phases]
        return out

    @property
    def total_epochs(self) -> int:
        return sum(p.epochs for p in self.phases)


FULL = DemoConfig()
"""``make live-demo``: on 2 CPU cores in well under 15 minutes."""

QUICK = DemoConfig(size=16, test_per_class=20, train_per_class=40, holdout=100,
                   phases=default_phases(4, 1, 1, 1), calibration=100, search_seeds=2,
                   queries=12, rank_archs=3, rank_size=None,
                   standalone_epochs=1, standalone_seeds=1, bootstrap=100, workers=1)
"""A subset for the tests: every step of the pipeline in seconds."""
