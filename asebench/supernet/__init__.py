"""The live backend's engine: an OFA-style elastic MobileNetV3 supernet in plain PyTorch.

Importing this package imports torch; the rest of asebench does not need it.
"""

from __future__ import annotations

from asebench.supernet._augment import augment, normalize
from asebench.supernet._checkpoint import Checkpoint, load_supernet, read_checkpoint
from asebench.supernet._config import PRESETS, SupernetConfig, get_config, make_divisible
from asebench.supernet._cost import Cost, analytic_cost, count_cost
from asebench.supernet._data import (
    ImageFolder,
    load_images,
    make_loader,
    scan_image_folder,
    split_holdout,
)
from asebench.supernet._finetune import FinetuneConfig, FinetuneResult, finetune
from asebench.supernet._ofa import convert_ofa, ofa_to_state
from asebench.supernet._predictor import AccuracyPredictor, encode_arch
from asebench.supernet._score import Score, Scorer, accuracy, recalibrate_bn
from asebench.supernet._static import MobileNet
from asebench.supernet._supernet import SuperNet
from asebench.supernet._synthetic import make_toy_image_folder
from asebench.supernet._train import (
    PHASE_NAMES,
    Phase,
    TrainConfig,
    TrainResult,
    default_phases,
    sample_subnet,
    train_supernet,
)

__all__ = [
    "AccuracyPredictor",
    "Checkpoint",
    "Cost",
    "FinetuneConfig",
    "FinetuneResult",
    "ImageFolder",
    "MobileNet",
    "PHASE_NAMES",
    "PRESETS",
    "Phase",
    "Score",
    "Scorer",
    "SuperNet",
    "SupernetConfig",
    "TrainConfig",
    "TrainResult",
    "accuracy",
    "analytic_cost",
    "augment",
    "convert_ofa",
    "count_cost",
    "default_phases",
    "encode_arch",
    "finetune",
    "get_config",
    "load_images",
    "load_supernet",
    "make_divisible",
    "make_loader",
    "make_toy_image_folder",
    "normalize",
    "ofa_to_state",
    "read_checkpoint",
    "recalibrate_bn",
    "sample_subnet",
    "scan_image_folder",
    "split_holdout",
    "train_supernet",
]
