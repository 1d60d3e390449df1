"""The live demo's settings: the full run on Fashion-MNIST (``make live-demo``), the earlier one
on scikit-learn's digits, and a quick one for the tests."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from asebench.datasets import get_dataset
from asebench.errors import AsebenchError
from asebench.supernet import Phase, default_phases

__all__ = ["DATASETS", "DIGITS", "DemoConfig", "FULL", "QUICK", "demo_config"]

DATASETS = ("fashion-mnist", "mnist", "kmnist", "digits")
"""What the demo trains on: the MNIST family from its IDX files, or scikit-learn's digits."""


@dataclass(frozen=True)
class DemoConfig:
    """Everything the demo does, as plain values (written beside its results).

    Attributes:
        dataset: one of :data:`DATASETS`. The MNIST family keeps its official test split
            (never trained, searched or selected on); the digits have none, so the demo
            draws one.
        data_dir: the folder of the four IDX files (None: the dataset's default folder, on
            Debian ``/usr/share/datasets/<dataset>``); unused for the digits.
        size: exported image side (pixels), also the supernet's input resolution.
        test_per_class: test images per class (None: the whole official test split; the
            digits need a number).
        train_per_class: training pool per class (None: every training image).
        holdout: training-pool images kept out as the search's validation split.
        phases: progressive-shrinking schedule (every phase: full, kernel, depth, expand).
        batch_size, lr, kd_ratio: supernet training (SGD, cosine per phase, distillation).
        crop_scale, flip: augmentation (gentle crops, no flips: a mirrored digit is not a
            digit).
        calibration: training images for BatchNorm recalibration of every scored sub-network.
        cap_quantile: the MAdds cap is this quantile of MAdds over random sub-networks.
        methods, search_seeds, queries: the search comparison (paired seeds, equal budgets).
        rank_archs, bootstrap: the ranking-fidelity check: sub-networks (0: no check; the
            full ranking study is ``asebench supernet fidelity``), CI resamples.
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

    dataset: str = "digits"
    data_dir: str | None = None
    size: int = 32
    test_per_class: int | None = 50
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

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise AsebenchError(f"unknown live-demo dataset {self.dataset!r}; choose from "
                                f"{', '.join(DATASETS)}")
        if self.dataset == "digits" and self.test_per_class is None:
            raise AsebenchError("the digits have no official test split: give test_per_class")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["phases"] = [asdict(p) for p in self.phases]
        return out

    @property
    def total_epochs(self) -> int:
        return sum(p.epochs for p in self.phases)


DIGITS = DemoConfig()
"""The earlier demo on the 1,797 UCI digits (``--dataset digits``): about 17 minutes on 2 cores."""

FULL = DemoConfig(dataset="fashion-mnist", test_per_class=None, train_per_class=600,
                  holdout=500, phases=default_phases(10, 3, 3, 4), batch_size=64,
                  crop_scale=(0.5, 1.0), flip=True, calibration=300, search_seeds=10,
                  queries=50, rank_archs=0, rank_train_per_class=None)
"""``make live-demo``: Fashion-MNIST (6,000 training images, the official 10,000 test
images), the supernet schedule of ``make fidelity``, 10 paired seeds; within 30 minutes on 2
CPU cores. Its ranking study is ``make fidelity`` (30 sub-networks x 2 seeds), not repeated
here. Flips: a mirrored garment is still the same garment (unlike a digit)."""

QUICK = DemoConfig(size=16, test_per_class=20, train_per_class=40, holdout=100,
                   phases=default_phases(4, 1, 1, 1), calibration=100, search_seeds=2,
                   queries=12, rank_archs=3, rank_size=None,
                   standalone_epochs=1, standalone_seeds=1, bootstrap=100, workers=1)
"""A subset for the tests: every step of the pipeline in seconds."""


def demo_config(dataset: str = "fashion-mnist", data_dir: str | None = None,
                quick: bool = False) -> DemoConfig:
    """The settings for ``dataset``: :data:`FULL` (the MNIST family), :data:`DIGITS`, or
    :data:`QUICK` on that dataset (a few images per class of the real files)."""
    if quick:
        if dataset == "digits":
            return QUICK
        return replace(QUICK, dataset=dataset, data_dir=data_dir, rank_archs=0,
                       rank_train_per_class=None, flip=get_dataset(dataset).mirror_safe)
    if dataset == "digits":
        return DIGITS
    return replace(FULL, dataset=dataset, data_dir=data_dir,
                   flip=get_dataset(dataset).mirror_safe)
