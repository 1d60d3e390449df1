"""The studies behind the figures: what they run and where they are cached.

Four studies share paired seeds (run i of every study uses child i of one master seed):

- ``table1``: every Table I method on every dataset, ``seeds`` runs (also gives the anytime
  curves, and the ``ase`` / ``random`` runs that the ablations compare with);
- ``subspace-update`` (Fig. 7): ASE-NAS without subspace update and random search inside the
  final evoked subspace, on every dataset, ``ablation_seeds`` runs;
- ``ablations`` (Figs. 8, 9): absolute reward, no graph, and every K and M other than the
  default, on one dataset, ``ablation_seeds`` runs;
- ``policy``: the decision head: unbounded logits (``tanh_constant=None``) and a uniform
  policy that never learns (``policy=uniform``), on every dataset, ``ablation_seeds`` runs.

Every ablated arm is ASE-NAS with ``base_options`` plus one change. When ``table1`` already
runs ASE-NAS with exactly ``base_options`` (by default it runs ``ase``), those runs
are the reference arm: the K=4 / M=4 points, the "with update" / "improvement reward" /
"with graph" arms. Otherwise the ablation studies run the reference arm themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asebench.errors import AsebenchError
from asebench.tables import DATASETS

if TYPE_CHECKING:  # the study package is imported lazily: it is heavy
    from asebench.study import MethodSpec, ResolvedStudy, StudySpec

__all__ = ["FigureStudies", "protocol_option", "study_directory"]

DEFAULT_PROTOCOL = "paper"
"""The NB201 backend's own default protocol."""


def protocol_option(protocol: str) -> str | None:
    """What a figure study passes as its protocol: None for the backend's default, so that a
    study is the same study (the same identity and folder) as the ``asebench run`` that
    leaves ``--protocol`` out; ``make figures`` then reuses ``make run``'s Table I."""
    return None if protocol == DEFAULT_PROTOCOL else protocol

DEFAULT_ABLATION_SEEDS = 100
"""Ablation runs per arm when not given (the ablations are 18 ASE-NAS arms; see README)."""

DEFAULT_BASE_OPTIONS: Mapping[str, Any] = {}
"""Options of the ASE-NAS every ablation starts from: ``{}``, the paper's hyper-parameters
(with the published bounded logits), the same ``ase`` that Table I runs."""

POLICY_LABELS: dict[str, dict[str, Any]] = {"ase-unbounded": {"tanh_constant": None},
                                             "ase-uniform": {"policy": "uniform"}}
"""The arms of the policy study beside the reference: logits without the bound, and a uniform
policy that never learns (subspaces evoked, updated and graphed as usual)."""

REFERENCE = "ase"
"""The label the reference arm gets in the figures' data, whatever its study label."""


@dataclass(frozen=True)
class FigureStudies:
    """Settings of the three studies behind the figures.

    Attributes:
        seeds: runs per method and dataset of the Table I study.
        ablation_seeds: runs per arm of the ablation studies (default: min(seeds, 100)).
        datasets: datasets of Table I and Fig. 7.
        ablation_dataset: the one dataset of Figs. 8 and 9 (the paper ran those ablations on
            ImageNet; ImageNet16-120 is NB201's closest).
        k_values: K values of Fig. 9(a); m_values: M values of Fig. 9(b).
        base_options: options of the ASE-NAS every ablated arm starts from.
        master_seed: root seed shared by all three studies (runs are paired across them).
        protocol: evaluation protocol name.
        budget_s: simulated seconds per run (None: the protocol's, 25,000 s for ``paper``).
        data: benchmark table file (None: the embedded one).
    """

    seeds: int = 500
    ablation_seeds: int | None = None
    datasets: tuple[str, ...] = DATASETS
    ablation_dataset: str = "ImageNet16-120"
    k_values: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    m_values: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    base_options: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_BASE_OPTIONS))
    master_seed: int = 0
    protocol: str = "paper"
    budget_s: float | None = None
    data: str | None = None
    defaults: dict[str, int] = field(default_factory=lambda: {"K": 4, "M": 4})

    def __post_init__(self) -> None:
        if not _positive_int(self.seeds):
            raise AsebenchError(f"seeds must be a positive integer, got {self.seeds!r}")
        ablation = self.ablation_seeds
        if ablation is None:
            ablation = min(self.seeds, DEFAULT_ABLATION_SEEDS)
        if not _positive_int(ablation):
            raise AsebenchError(f"ablation seeds must be a positive integer, got {ablation!r}")
        if ablation > self.seeds:
            raise AsebenchError(
                f"ablation seeds ({ablation}) cannot exceed seeds ({self.seeds}): the ablations "
                "reuse the Table I runs of the same seeds")
        object.__setattr__(self, "ablation_seeds", ablation)
        object.__setattr__(self, "base_options", dict(self.base_options))
        swept = sorted({"K", "M"} & set(self.base_options))
        if swept:
            raise AsebenchError(f"the ablation base cannot fix {', '.join(swept)}: Fig. 9 "
                                "sweeps them")
        object.__setattr__(self, "datasets", tuple(self.datasets))
        if self.ablation_dataset not in self.datasets:
            raise AsebenchError(f"ablation dataset {self.ablation_dataset!r} must be one of "
                                f"the datasets {', '.join(self.datasets)}")
        for name in ("k_values", "m_values"):
            values = tuple(getattr(self, name))
            if not values or any(isinstance(v, bool) or int(v) != v or v < 1 for v in values):
                raise AsebenchError(f"{name} must be positive integers, got {values!r}")
            object.__setattr__(self, name, tuple(sorted({int(v) for v in values})))

    # -- the three study specs (the study package is imported lazily: it is heavy) ---------
    def _spec(self, methods: Sequence[MethodSpec | str], datasets: tuple[str, ...],
              seeds: int) -> StudySpec:
        from asebench.study import StudySpec

        return StudySpec(methods=tuple(methods), datasets=datasets, seeds=seeds,
                         protocol=protocol_option(self.protocol),
                         budget_s=self.budget_s, master_seed=self.master_seed, data=self.data)

    @property
    def arm_seeds(self) -> int:
        """Runs per ablation arm (``ablation_seeds`` once resolved)."""
        assert self.ablation_seeds is not None  # resolved in __post_init__
        return self.ablation_seeds

    def table1_spec(self) -> StudySpec:
        from asebench.study import DEFAULT_LABELS

        return self._spec(DEFAULT_LABELS, self.datasets, self.seeds)

    @property
    def shared_base_label(self) -> str | None:
        """The ``table1`` label of ASE-NAS with exactly ``base_options``, if it runs one."""
        for spec in self.table1_spec().method_specs:
            if spec.name == REFERENCE and spec.transfer is None and \
                    dict(spec.options) == dict(self.base_options):
                return str(spec.label)
        return None

    def _base(self, **changes: Any) -> dict[str, Any]:
        return {**self.base_options, **changes}

    def subspace_spec(self) -> StudySpec:
        from asebench.study import MethodSpec

        methods = [MethodSpec("ase", self._base(update=False), "ase-no-update"),
                   MethodSpec("random-in-subspace", {"ase_options": self._base()},
                              "random-in-subspace")]
        if self.shared_base_label is None:
            methods.append(MethodSpec("ase", self._base(), REFERENCE))
        return self._spec(methods, self.datasets, self.arm_seeds)

    def ablation_spec(self) -> StudySpec:
        from asebench.study import MethodSpec

        methods = [MethodSpec("ase", self._base(reward="absolute"), "ase-absolute"),
                   MethodSpec("ase", self._base(graph=False), "ase-no-graph")]
        methods += [MethodSpec("ase", self._base(K=k), f"ase[K={k}]")
                    for k in self.k_values if k != self.defaults["K"]]
        methods += [MethodSpec("ase", self._base(M=m), f"ase[M={m}]")
                    for m in self.m_values if m != self.defaults["M"]]
        if self.shared_base_label is None:
            methods.append(MethodSpec("ase", self._base(), REFERENCE))
        return self._spec(tuple(methods), (self.ablation_dataset,),
                          self.arm_seeds)

    def policy_spec(self) -> StudySpec:
        from asebench.study import MethodSpec

        methods = [MethodSpec("ase", self._base(**options), label)
                   for label, options in POLICY_LABELS.items()]
        if self.shared_base_label is None:
            methods.append(MethodSpec("ase", self._base(), REFERENCE))
        return self._spec(methods, self.datasets, self.arm_seeds)

    def base_text(self) -> str:
        """How the reference arm is described in captions."""
        if not self.base_options:
            return "ASE-NAS arms use the paper's hyper-parameters"
        opts = ", ".join(f"{k}={v}" for k, v in sorted(self.base_options.items()))
        return f"ASE-NAS arms use {opts} (the paper's hyper-parameters otherwise)"

    def specs(self) -> dict[str, StudySpec]:
        """``{directory name: StudySpec}`` in the order they should run."""
        return {"table1": self.table1_spec(), "subspace-update": self.subspace_spec(),
                "ablations": self.ablation_spec(), "policy": self.policy_spec()}


def study_directory(root: Path, name: str, spec: StudySpec | ResolvedStudy) -> Path:
    """Where the study ``spec`` is cached under ``root``.

    A cached study is keyed by its resolved configuration AND the code version
    (:func:`asebench.study.study_code_version`, a hash of every source file that affects its
    results), so a change to a method, a backend or the study machinery never reuses stale
    runs.
    ``root/name`` when it already holds exactly this study run by exactly this code (every
    session of it, resumed ones included), or when it is free and ``spec`` is what
    ``asebench run`` would run with its defaults for ``table1`` (so ``make run`` and
    ``make figures`` share it); otherwise ``root/name-<hash of config and code version>``.
    """
    from asebench.errors import AsebenchError
    from asebench.store import ParquetStore
    from asebench.study import ResolvedStudy, resolve

    resolved = spec if isinstance(spec, ResolvedStudy) else resolve(spec)
    config = dict(resolved.config)
    version = resolved.code_version
    plain = root / name
    store = ParquetStore(plain)
    if store.layout.metadata.is_file():
        try:
            if store.holds(config, version):
                return plain
        except AsebenchError:  # unreadable metadata: not this study
            pass
    elif not plain.exists() and name == "table1" and _is_cli_default(resolved):
        return plain
    key = json.dumps({"study": config, "code_version": version}, sort_keys=True)
    return root / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def _is_cli_default(resolved: ResolvedStudy) -> bool:
    """Whether the study is the one ``asebench run`` runs with its defaults."""
    from asebench.study import DEFAULT_LABELS, StudySpec, resolve

    default = StudySpec(methods=DEFAULT_LABELS, data=resolved.spec.data)
    return dict(resolved.config) == dict(resolve(default).config)


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
