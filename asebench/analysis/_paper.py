"""The paper's reported numbers (ASE-NAS, Table I: NAS-Bench-201, 25k s search)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["PAPER_ROW_NAMES", "PAPER_TABLE1", "algorithm_name", "display_name"]

_C10, _C100, _IN = "cifar10", "cifar100", "ImageNet16-120"

PAPER_TABLE1: Mapping[str, Mapping[str, tuple[float, float]]] = MappingProxyType({
    "random": {_C10: (93.88, 0.27), _C100: (71.54, 1.04), _IN: (45.19, 1.06)},
    "reinforce": {_C10: (93.85, 0.37), _C100: (71.71, 1.09), _IN: (45.24, 1.18)},
    "pnas": {_C10: (93.71, 0.29), _C100: (70.89, 0.99), _IN: (44.75, 0.80)},
    "cnas": {_C10: (93.95, 0.28), _C100: (71.73, 1.05), _IN: (45.46, 0.97)},
    "enas": {_C10: (53.89, 0.58), _C100: (13.96, 2.33), _IN: (14.84, 2.10)},
    "darts": {_C10: (54.30, 0.00), _C100: (15.61, 0.00), _IN: (16.32, 0.00)},
    "setn": {_C10: (87.64, 0.00), _C100: (59.05, 0.24), _IN: (32.52, 0.21)},
    "gdas": {_C10: (93.61, 0.09), _C100: (70.70, 0.30), _IN: (41.71, 0.98)},
    "dsnas": {_C10: (93.08, 0.13), _C100: (31.01, 16.38), _IN: (41.07, 0.09)},
    "pc-darts": {_C10: (93.41, 0.30), _C100: (67.48, 0.89), _IN: (41.31, 0.22)},
    "ase": {_C10: (94.23, 0.22), _C100: (72.76, 0.80), _IN: (46.13, 0.67)},
    "ase+": {_C100: (73.12, 0.61), _IN: (46.66, 0.52)},
})
"""``{label: {dataset: (mean, std)}}``: test accuracy (%) over 500 runs, as printed in the
paper (rows it marks as run with official code under its settings: random, reinforce, pnas,
cnas; ASE-NAS+ has no CIFAR-10 entry)."""

PAPER_ROW_NAMES: Mapping[str, str] = MappingProxyType({
    "random": "Random Search", "reinforce": "REINFORCE", "pnas": "PNAS", "cnas": "CNAS",
    "enas": "ENAS", "darts": "DARTS", "setn": "SETN", "gdas": "GDAS", "dsnas": "DSNAS",
    "pc-darts": "PC-DARTS", "ase": "ASE-NAS (Ours)", "ase+": "ASE-NAS+ (Ours)"})

@functools.cache
def algorithm_name(label: str) -> str | None:
    """The name a method built with ``label``'s options gives itself, options not shown
    (``optuna[sampler=random]`` -> ``Optuna random``); None for a label that is no method's
    (an ablation arm's own label) or whose options it refuses."""
    from asebench.errors import AsebenchError
    from asebench.search import display_name_of, get
    from asebench.study import parse_methods

    try:
        [spec] = parse_methods(label)
        return display_name_of(get(spec.name, **spec.options))
    except (AsebenchError, TypeError, ValueError):
        return None


@functools.cache
def display_name(label: str) -> str:
    """``ase`` -> ``ASE-NAS``; ``ase[K=6]`` -> ``ASE-NAS [K=6]``; unknown labels unchanged (the
    name comes from the method's own ``display_name``).

    The name is that of the method built with the label's options, which is another
    algorithm's where an option picks one: ``synetune[scheduler=TPE]`` ->
    ``Syne Tune TPE [scheduler=TPE]``, not the default scheduler's ``Syne Tune REA``.
    """
    from asebench.search import method_display_name
    from asebench.study import parse_methods

    shown = method_display_name(label)
    built = algorithm_name(label)
    if built is None:
        return shown
    [spec] = parse_methods(label)  # it parses: algorithm_name built it
    default = algorithm_name(spec.name)
    return shown.replace(default, built, 1) if default and built != default else shown
