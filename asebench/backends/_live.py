"""The live backend: sub-networks of a trained supernet scored on a held-out image split.

``reward`` is top-1 accuracy (percent) on the held-out split with inherited weights and
recalibrated BatchNorm (or an accuracy predictor's estimate), ``cost_s`` the real seconds the
query took, ``metrics`` the MAdds and parameters (millions) for constraints such as the paper's
MAdds <= 600M. Torch is imported only when a live backend is built.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from asebench.backends._protocol import Backend
from asebench.errors import AsebenchError
from asebench.records import Arch, Evaluation
from asebench.spaces import MobileNetSpace

__all__ = ["LiveBackend", "build_live_backend"]


class LiveBackend:
    """Backend over a supernet :class:`~asebench.supernet.Scorer`.

    Args:
        scorer: scores sub-networks of one trained supernet.
        predictor: an :class:`~asebench.supernet.AccuracyPredictor`; when given it supplies
            the reward instead of measurement (``report`` still measures).
        max_madds: the MAdds limit (millions), kept as :attr:`constraint`;
            :func:`build_live_backend` also restricts the backend to it.
        cache: answer a repeated network (skips canonicalised) from memory.
    """

    def __init__(self, scorer: Any, predictor: Any | None = None,
                 max_madds: float | None = None, cache: bool = True) -> None:
        from asebench.supernet import analytic_cost

        self.scorer = scorer
        self.predictor = predictor
        self._space: MobileNetSpace = scorer.space
        self._config = scorer.supernet.config
        self._analytic_cost = analytic_cost
        self.constraint = None if max_madds is None else ("madds_m", float(max_madds))
        self._cache: dict[Arch, tuple[float, float]] | None = {} if cache else None

    @property
    def space(self) -> MobileNetSpace:
        return self._space

    @property
    def name(self) -> str:
        return "live:predicted" if self.predictor is not None else "live:measured"

    def _check(self, arch: Arch) -> Arch:
        try:
            return self._space.canonical(tuple(arch))
        except (AsebenchError, TypeError) as exc:
            raise AsebenchError(f"arch outside the mobilenet space: {exc}") from None

    def cost(self, arch: Arch) -> dict[str, float]:
        """``madds_m`` and ``params_m`` of ``arch`` (analytic)."""
        net = self._space.decode(self._check(arch))
        cost = self._analytic_cost(self._config, net)
        return {"madds_m": cost.madds_m, "params_m": cost.params_m}

    def _measure(self, arch: Arch) -> tuple[float, float]:
        if self._cache is not None and arch in self._cache:
            return self._cache[arch]
        score = self.scorer.score(arch)
        if self._cache is not None:
            self._cache[arch] = (score.top1, score.top5)
        return score.top1, score.top5

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        """Reward (top-1 %, measured or predicted), real seconds, MAdds/params metrics."""
        t0 = time.perf_counter()
        canonical = self._check(arch)
        metrics = self.cost(canonical)
        if self.predictor is not None:
            reward = float(self.predictor.predict([canonical])[0])
        else:
            reward, top5 = self._measure(canonical)
            metrics["top5"] = top5
        return Evaluation(reward, time.perf_counter() - t0, metrics)

    def report(self, arch: Arch) -> Mapping[str, float]:
        """Measured held-out top-1 as ``test_accuracy``, plus top-5, MAdds and parameters."""
        canonical = self._check(arch)
        top1, top5 = self._measure(canonical)
        return {"test_accuracy": top1, "top5": top5, **self.cost(canonical)}


def _number(name: str, value: Any, kind: type) -> Any:
    if value is None or isinstance(value, kind):
        return value
    try:
        return kind(value)
    except (TypeError, ValueError):
        what = "an integer" if kind is int else "a number"
        raise AsebenchError(f"live backend option {name}={value!r} is not {what}") from None


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise AsebenchError(f"live backend option {name}={value!r} is not a boolean")


_OPTIONS = ("device", "holdout", "calibration", "batch_size", "workers", "amp", "predictor",
            "cache", "seed")


def build_live_backend(supernet: str, data: str, madds: float | str | None = None,
                       dataset: str | None = None, **opts: Any) -> Backend:
    """Build a :class:`LiveBackend` from a checkpoint file and an image folder.

    Every option may be given as a string (as ``--backend-opt key=value`` passes it).

    Args:
        supernet: checkpoint written by ``asebench supernet train``.
        data: the image folder it was trained on (holds the held-out split).
        madds: MAdds limit in millions, optional: the backend is then restricted to the
            sub-networks within it (a :class:`RestrictedBackend`), so every method searches
            only those, and ASE-NAS also replaces a center only by one of them.
        dataset: the study's name for the image set (a label for reports; the images
            come from ``data``).
        **opts: ``device`` (auto), ``holdout`` (images, default all of the checkpoint's),
            ``calibration`` (BN recalibration images, 500), ``batch_size`` (250), ``workers``
            (0), ``amp`` (true), ``predictor`` (file from ``asebench supernet predictor``),
            ``cache`` (true), ``seed`` (0, picks the calibration images).
    """
    from asebench._extras import require

    require("live", "--backend live")
    unknown = sorted(set(opts) - set(_OPTIONS))
    if unknown:
        raise AsebenchError(
            f"unknown live backend option(s) {', '.join(unknown)}; use {', '.join(_OPTIONS)}")
    from asebench.supernet import AccuracyPredictor, Scorer

    limit: float | None = _number("madds", madds, float)
    if limit is not None and limit <= 0:
        raise AsebenchError(f"madds limit must be > 0, got {limit}")
    scorer = Scorer.from_checkpoint(
        str(supernet), str(data), device=str(opts.get("device", "auto")),
        holdout=_number("holdout", opts.get("holdout"), int),
        calibration=_number("calibration", opts.get("calibration", 500), int),
        batch_size=_number("batch_size", opts.get("batch_size", 250), int),
        workers=_number("workers", opts.get("workers", 0), int),
        amp=_flag("amp", opts.get("amp", True)), seed=_number("seed", opts.get("seed", 0), int))
    predictor = None
    if opts.get("predictor"):
        predictor = AccuracyPredictor.load(str(opts["predictor"]))
    backend = LiveBackend(scorer, predictor, limit, _flag("cache", opts.get("cache", True)))
    if limit is None:
        return backend
    # MAdds are analytic, known before any scoring: every method proposes only sub-networks
    # within the limit and none above it is ever scored or charged (as for hardware limits
    # on the tabular backend)
    from asebench.backends._restricted import restrict_backend

    def within(arch: Arch, cap: float = limit) -> bool:
        return backend.cost(arch)["madds_m"] <= cap

    return restrict_backend(backend, feasible=within)
