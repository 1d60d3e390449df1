"""The live backend: sub-networks of a trained supernet scored on a held-out image split.

``reward`` is top-1 accuracy (percent) on the held-out split with inherited weights and
recalibrated BatchNorm (or an accuracy predictor's estimate), ``cost_s`` the real seconds the
query took, ``metrics`` the MAdds and parameters (millions). Both are analytic, known before a
query (:meth:`LiveBackend.arch_metrics`), so a constraint such as the paper's MAdds <= 600M
(``--constraint madds_m<=600``) restricts the search before anything is scored. Torch is
imported only when a live backend is built.

``report`` (a study's ``test_accuracy`` and ``top5`` columns) is measured on the same held-out
split as the reward unless the backend is given a separate test split (``test_data=FOLDER``,
an image folder with one subfolder per class): then on that folder's images, with BatchNorm
recalibrated from the same training images as the reward, so the reported accuracy is not the
number the search maximised.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from asebench.backends._describe import BackendInfo, MetricInfo
from asebench.backends._protocol import Backend
from asebench.errors import AsebenchError
from asebench.records import Arch, Evaluation
from asebench.spaces import MobileNetSpace

__all__ = ["LIVE_ASE_DEFAULTS", "LiveBackend", "build_live_backend", "live_datasets"]

LIVE_ASE_DEFAULTS: Mapping[str, object] = {"K": 10, "M": 3, "lr": 3e-4, "entropy_weight": 1e-3}
"""ASE-NAS's settings on the MobileNet space (paper IV-B, ImageNet)."""


class LiveBackend:
    """Backend over a supernet :class:`~asebench.supernet.Scorer`.

    Args:
        scorer: scores sub-networks of one trained supernet.
        predictor: an :class:`~asebench.supernet.AccuracyPredictor`; when given it supplies
            the reward instead of measurement (``report`` still measures).
        cache: answer a repeated network (skips canonicalised) from memory.
        dataset: the study's name for the image set (a label for reports).
        test_scorer: scores the same supernet on a separate test split (same BatchNorm
            calibration images as ``scorer``); when given, ``report`` measures on it instead
            of on the reward's held-out split.
        test_split: a label for that split in :meth:`describe` (e.g. its folder).
    """

    def __init__(self, scorer: Any, predictor: Any | None = None, cache: bool = True,
                 dataset: str = "", test_scorer: Any | None = None,
                 test_split: str = "") -> None:
        from asebench.supernet import analytic_cost

        self.scorer = scorer
        self.predictor = predictor
        self.test_scorer = test_scorer
        self.test_split = test_split
        self._space: MobileNetSpace = scorer.space
        self._config = scorer.supernet.config
        self._analytic_cost = analytic_cost
        self.dataset = dataset
        self._cache: dict[Arch, tuple[float, float]] | None = {} if cache else None
        self._test_cache: dict[Arch, tuple[float, float]] | None = {} if cache else None

    @property
    def space(self) -> MobileNetSpace:
        return self._space

    @property
    def name(self) -> str:
        return "live:predicted" if self.predictor is not None else "live:measured"

    def describe(self) -> BackendInfo:
        """The live MobileNet space; MAdds and parameters are known before a query, and
        ASE-NAS takes the paper's ImageNet settings (Sec. IV-B) here. ``reward`` names the
        split the report columns are measured on as well (the reward's held-out split, or
        the separate test split)."""
        reward = "predicted top-1" if self.predictor is not None else "held-out top-1"
        if self.test_scorer is not None:
            where = f" {self.test_split}" if self.test_split else ""
            reward += f"; report: top-1 on the separate test split{where}"
        else:
            reward += "; report: top-1 on the same held-out split"
        return BackendInfo(
            benchmark="live", dataset=self.dataset, reward=reward,
            report_columns=("test_accuracy", "top5", "madds_m", "params_m"),
            metrics=(MetricInfo("madds_m", "M MAdds"), MetricInfo("params_m", "M params")),
            method_defaults={"ase": LIVE_ASE_DEFAULTS})

    def arch_metrics(self, arch: Arch) -> Mapping[str, float]:
        """MAdds and parameters (millions), analytic."""
        return self.cost(arch)

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
        return _scored(self.scorer, self._cache, arch)

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
        """Measured top-1 as ``test_accuracy``, plus top-5, MAdds and parameters.

        Measured on the separate test split when the backend has one (``test_scorer``),
        else on the reward's held-out split (then ``test_accuracy`` is the measured reward).
        """
        canonical = self._check(arch)
        if self.test_scorer is not None:
            top1, top5 = _scored(self.test_scorer, self._test_cache, canonical)
        else:
            top1, top5 = self._measure(canonical)
        return {"test_accuracy": top1, "top5": top5, **self.cost(canonical)}


def _scored(scorer: Any, cache: dict[Arch, tuple[float, float]] | None,
            arch: Arch) -> tuple[float, float]:
    """``(top-1, top-5)`` of ``arch`` by ``scorer``, from ``cache`` when it holds them."""
    if cache is not None and arch in cache:
        return cache[arch]
    score = scorer.score(arch)
    if cache is not None:
        cache[arch] = (score.top1, score.top5)
    return score.top1, score.top5


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
            "cache", "seed", "test_data", "supernet_sha256")


def _check_digest(supernet: str, expected: str) -> None:
    """Refuse a checkpoint file whose sha256 is not ``expected``."""
    from asebench.tables import sha256_file

    try:
        digest = sha256_file(Path(supernet))
    except OSError as exc:
        raise AsebenchError(f"cannot read supernet {supernet!r}: {exc.strerror or exc}") from None
    if digest != expected.strip().lower():
        raise AsebenchError(
            f"supernet {supernet!r} has sha256 {digest[:16]}..., not the "
            f"supernet_sha256 {expected.strip()[:16]}... the study names")


def _test_scorer(scorer: Any, folder: str, workers: int, amp: bool) -> Any:
    """A scorer of ``scorer``'s supernet on the images of ``folder`` (one subfolder per class,
    exactly the checkpoint's classes), recalibrating BatchNorm from ``scorer``'s images."""
    from asebench.supernet import Scorer, load_images, scan_image_folder

    if not Path(folder).is_dir():
        raise AsebenchError(f"live backend option test_data={folder!r}: no such folder")
    if (Path(folder) / "train").is_dir():  # an image folder reader would read train/ there
        raise AsebenchError(f"live backend option test_data={folder!r} holds a train/ folder; "
                            "give the test split's own folder (one subfolder per class)")
    classes = tuple(scorer.checkpoint.classes)
    found = scan_image_folder(folder).classes
    if set(found) != set(classes):
        extra = sorted(set(found) - set(classes))
        missing = sorted(set(classes) - set(found))
        raise AsebenchError(
            f"live backend option test_data={folder!r}: its classes do not match the "
            f"checkpoint's ({len(found)} class folders vs {len(classes)} classes"
            + (f"; missing {missing[:5]}" if missing else "")
            + (f"; not in the checkpoint {extra[:5]}" if extra else "") + ")")
    images = load_images(scan_image_folder(folder, classes=classes),
                         scorer.supernet.config.resolution, workers=workers)
    return Scorer(scorer.supernet, images, scorer.calibration, scorer.batch_size, amp)


def build_live_backend(dataset: str | None = None, supernet: str | None = None,
                       data: str | None = None, **opts: Any) -> Backend:
    """Build a :class:`LiveBackend` from a checkpoint file and an image folder.

    Every option may be given as a string (as ``--backend-opt key=value`` passes it). A MAdds
    limit is a constraint like any other (``--constraint madds_m<=600``): the study restricts
    the backend to the sub-networks within it.

    Args:
        supernet: checkpoint written by ``asebench supernet train``.
        data: the image folder it was trained on (holds the held-out split).
        dataset: the study's name for the image set (a label for reports; the images
            come from ``data``).
        **opts: ``device`` (auto), ``holdout`` (images, default all of the checkpoint's),
            ``calibration`` (BN recalibration images, 500), ``batch_size`` (250), ``workers``
            (0), ``amp`` (true), ``predictor`` (file from ``asebench supernet predictor``),
            ``cache`` (true), ``seed`` (0, picks the calibration images), ``test_data`` (an
            image folder with one subfolder per class of the checkpoint, such as the
            digits export's ``test``; ``report()``, the study's ``test_accuracy`` and
            ``top5``, is then measured on its images with the same BatchNorm calibration
            as the reward; without it ``report()`` measures on the reward's own held-out
            split), ``supernet_sha256`` (the checkpoint file's expected sha256: the study
            then records which weights it ran on, and a different file is refused).

    Raises:
        AsebenchError: a missing option or file, an unknown or malformed option, a
            ``test_data`` folder that does not exist or whose classes are not the
            checkpoint's, a checkpoint whose sha256 is not ``supernet_sha256``.
    """
    from asebench._extras import require

    require("live", "--backend live")
    unknown = sorted(set(opts) - set(_OPTIONS))
    if unknown:
        raise AsebenchError(
            f"unknown live backend option(s) {', '.join(unknown)}; use {', '.join(_OPTIONS)}")
    if supernet is None:
        raise AsebenchError("the live backend needs --supernet CHECKPOINT")
    if data is None:
        raise AsebenchError("the live backend needs --data IMAGE_FOLDER")
    try:
        from asebench.supernet import AccuracyPredictor, Scorer
    except ImportError as exc:
        raise AsebenchError(
            f"the live backend needs torch ({exc}); install it with "
            "pip install 'asebench[live]'") from None

    if opts.get("supernet_sha256") is not None and Path(str(supernet)).is_file():
        _check_digest(str(supernet), str(opts["supernet_sha256"]))
    workers = _number("workers", opts.get("workers", 0), int)
    amp = _flag("amp", opts.get("amp", True))
    test_data = opts.get("test_data")
    if test_data is not None and not str(test_data).strip():
        raise AsebenchError("live backend option test_data is empty; give an image folder")
    scorer = Scorer.from_checkpoint(
        str(supernet), str(data), device=str(opts.get("device", "auto")),
        holdout=_number("holdout", opts.get("holdout"), int),
        calibration=_number("calibration", opts.get("calibration", 500), int),
        batch_size=_number("batch_size", opts.get("batch_size", 250), int),
        workers=workers, amp=amp, seed=_number("seed", opts.get("seed", 0), int))
    test_scorer = None
    if test_data is not None:
        test_scorer = _test_scorer(scorer, str(test_data), workers, amp)
    predictor = None
    if opts.get("predictor"):
        predictor = AccuracyPredictor.load(str(opts["predictor"]))
    return LiveBackend(scorer, predictor, _flag("cache", opts.get("cache", True)),
                       dataset or "", test_scorer,
                       "" if test_data is None else str(test_data))


def live_datasets(**options: Any) -> tuple[str, ...]:
    """A live study's one dataset: the image folder's name."""
    data = options.get("data")
    if data is None:
        raise AsebenchError("the live backend needs --data IMAGE_FOLDER")
    return (Path(str(data)).resolve().name,)
