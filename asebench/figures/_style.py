"""One place for colours, display names and the paper-size look of every figure."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import matplotlib as mpl
from matplotlib.figure import Figure

__all__ = [
    "DATASET_NAMES",
    "ARM_NAMES",
    "METHOD_COLORS",
    "PAPER_WIDTH_IN",
    "color_for",
    "dataset_name",
    "display_name",
    "linestyle_for",
    "new_figure",
    "ordered",
    "paper_style",
    "styled",
]

PAPER_WIDTH_IN = 7.0
"""Width of a two-column IEEE figure in inches; single-column figures use half of it."""

# key (a method name or a study label) -> colour. The paper draws ASE-NAS red, random search
# over the whole space purple, random search in the evoked subspace orange and the ablated
# variants blue; we keep those (in shades) and give every other method its own colour.
METHOD_COLORS: dict[str, str] = {
    "ase": "#d62728",
    "ase+": "#8c1d18",
    "random": "#9467bd",
    "random-in-subspace": "#ff7f0e",
    "ase-no-update": "#1f77b4",
    "ase-absolute": "#4c72b0",
    "ase-no-graph": "#17becf",
    "reinforce": "#2ca02c",
    "evolution": "#e377c2",
    "local": "#7f7f7f",
    "nse": "#bcbd22",
    "autospace": "#8c564b",
}

ARM_NAMES: dict[str, str] = {
    "ase-no-update": "ASE-NAS w/o update",
    "ase-absolute": "ASE-NAS, absolute reward",
    "ase-no-graph": "ASE-NAS w/o graph",
}
"""Names of the ablation arms (study labels that are no method's name); every method's name
comes from its own ``display_name`` (:func:`asebench.search.method_display_name`)."""

_FALLBACK_COLORS = ("#bcbd22", "#8c564b", "#aec7e8", "#98df8a", "#c49c94")

DATASET_NAMES: dict[str, str] = {
    "cifar10": "CIFAR-10",
    "cifar100": "CIFAR-100",
    "ImageNet16-120": "ImageNet16-120",
}

DATASET_COLORS: dict[str, str] = {
    "cifar10": "#1b9e77",
    "cifar100": "#d95f02",
    "ImageNet16-120": "#7570b3",
}


def _canonical(key: str) -> str:
    lowered = key.lower()
    for known in METHOD_COLORS:
        if lowered == known or lowered == display_name(known).lower():
            return known
    return key


def _split_variant(key: str) -> tuple[str, str]:
    """``"ase[lr=0.001]"`` -> ``("ase", "[lr=0.001]")``; ``"ase"`` -> ``("ase", "")``."""
    base, bracket, rest = key.partition("[")
    return (base, bracket + rest) if bracket and rest.endswith("]") else (key, "")


def display_name(key: str) -> str:
    """Human name of a method or study label (``ase[lr=0.001]`` -> ``ASE-NAS [lr=0.001]``)."""
    if key in ARM_NAMES:
        return ARM_NAMES[key]
    from asebench.analysis import display_name as method_display_name

    return method_display_name(key)


def linestyle_for(key: str) -> str:
    """Solid for a method, dashed for a variant of it with other options (``ase[lr=...]``)."""
    known = _canonical(key)
    return "-" if known in METHOD_COLORS or not _split_variant(key)[1] else "--"


def color_for(key: str) -> str:
    """The colour of a method or study label; a variant (``ase[lr=0.001]``) has its base's
    colour (drawn dashed, see :func:`linestyle_for`); unknown keys get a stable fallback."""
    known = _canonical(key)
    if known in METHOD_COLORS:
        return METHOD_COLORS[known]
    base = _canonical(_split_variant(key)[0])
    if base in METHOD_COLORS:
        return METHOD_COLORS[base]
    if key in DATASET_COLORS:
        return DATASET_COLORS[key]
    return _FALLBACK_COLORS[sum(map(ord, key)) % len(_FALLBACK_COLORS)]


def dataset_name(dataset: str) -> str:
    """Display name of a dataset."""
    return DATASET_NAMES.get(dataset, dataset)


def ordered(keys: Iterable[str], order: Iterable[str] = ()) -> list[str]:
    """Unique ``keys`` in a stable order: those in ``order`` (or METHOD_COLORS) first."""
    seen = list(dict.fromkeys(keys))
    rank = {k: i for i, k in enumerate(list(order) or list(METHOD_COLORS))}
    return sorted(seen, key=lambda k: (rank.get(_canonical(k), rank.get(
        _canonical(_split_variant(k)[0]), len(rank))), str(k)))


_RC: Any = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 200,
    "pdf.fonttype": 42,  # embed TrueType so the PDF text stays editable
}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Matplotlib settings for figures readable at IEEE paper size."""
    with mpl.rc_context(_RC):
        yield


_F = TypeVar("_F", bound=Callable[..., Any])


def styled(function: _F) -> _F:
    """Run a plot function inside :func:`paper_style` (text sizes are fixed when drawn)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with paper_style():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(ncols: int = 1, nrows: int = 1, width: float = PAPER_WIDTH_IN,
               height: float = 2.3, **kwargs: Any) -> tuple[Figure, list[Any]]:
    """A figure at paper size and its axes as a flat list (not tied to pyplot's state)."""
    with paper_style():
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, [ax for row in axes for ax in row]
