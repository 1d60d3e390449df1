"""The live backend's engine: an OFA-style elastic MobileNetV3 supernet in plain PyTorch.

Importing this package imports torch; the rest of asebench does not need it.
"""

from __future__ import annotations

from asebench.supernet._config import PRESETS, SupernetConfig, get_config, make_divisible
from asebench.supernet._cost import Cost, analytic_cost, count_cost
from asebench.supernet._static import MobileNet
from asebench.supernet._supernet import SuperNet

__all__ = [
    "Cost",
    "MobileNet",
    "PRESETS",
    "SuperNet",
    "SupernetConfig",
    "analytic_cost",
    "count_cost",
    "get_config",
    "make_divisible",
]
