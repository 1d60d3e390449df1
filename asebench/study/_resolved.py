"""One resolved study: everything a study's backends decide, decided once.

:func:`resolve` builds every dataset's backend, fills in what the backend decides (the
transfer source of ``NAME+`` methods, its per-method default options, its default budget),
checks the constraints against each dataset, builds every method's searcher once (its options
are checked there), and starts each searcher on each dataset's real (constrained) space with
no query allowed: each searcher runs its own set-up checks against the real space and stops at
its first query, so a bad option fails here, before the study folder is created, and nothing is
evaluated or charged. :func:`asebench.study.run_study`, :func:`check_study`, ``make figures``
and the live demo all go through it, so whatever a run refuses, a check refuses too.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from asebench.backends import Backend, BackendInfo, describe, unwrap
from asebench.errors import AsebenchError, BudgetExhausted
from asebench.records import Arch, Budget, Evaluation
from asebench.search import Searcher, Transferable, cost_hint_of
from asebench.study._bounds import check_plan_size
from asebench.study._code_version import study_code_version
from asebench.study._execute import RunContext, make_backend, make_searcher
from asebench.study._spec import DEFAULT_SOURCE, MethodSpec, StudySpec

if TYPE_CHECKING:
    from asebench.constraints import Feasibility

__all__ = ["ResolvedStudy", "budget_identity", "check_study", "resolve", "resolve_config",
           "resolve_spec"]


@dataclass(frozen=True)
class ResolvedStudy:
    """A study as its backends decide it.

    Attributes:
        spec: the study with every default filled in (methods' options and transfer source).
        infos: ``{dataset: description}`` of the unconstrained backends.
        feasible: ``{dataset: feasible set}`` of a constrained study (empty otherwise).
        searchers: ``{label: searcher}``, each method built once on its resolved options.
        budget: what every run may spend.
        config: the resolved configuration: the study's identity (``--resume`` must match).
        context: what every worker needs to run a chunk.
    """

    spec: StudySpec
    infos: Mapping[str, BackendInfo]
    feasible: Mapping[str, Feasibility]
    searchers: Mapping[str, Searcher]
    budget: Budget
    config: Mapping[str, object]
    context: RunContext

    @property
    def code_version(self) -> str:
        """The version of the code (and plugins) whose runs this study keeps."""
        return study_code_version(self.spec)

    @property
    def data_sha256(self) -> str | None:
        data = self.config.get("data")
        return str(data["sha256"]) if isinstance(data, dict) else None

    def cost_hint(self, method: MethodSpec) -> float:
        """The declared relative cost of one run of ``method`` (a transfer method's source,
        when the study does not list it, is built for the question)."""
        searcher = self.searchers.get(method.label)
        return cost_hint_of(searcher or make_searcher(method.name, method.options))


def resolve(spec: StudySpec) -> ResolvedStudy:
    """Resolve ``spec`` and check it against the real spaces and data.

    Raises:
        AsebenchError: a study too large for one machine, unknown backend, protocol, dataset
            or method, a bad option (of a backend, method or constraint), no budget, or a
            ``NAME+`` method that cannot start from another run's final state.
    """
    if not isinstance(spec, StudySpec):
        raise AsebenchError("a study needs a StudySpec")
    check_plan_size(spec)  # first: it never plans in proportion to the seeds
    open_context = RunContext(spec.backend, spec.factory_options(), Budget(queries=1),
                              spec.master_seed)
    backends = {d: make_backend(open_context, d) for d in spec.datasets}
    infos = {d: describe(unwrap(b)) for d, b in backends.items()}
    spec = _with_backend_defaults(spec, infos)
    feasible: dict[str, Feasibility] = {}
    if spec.constraints:
        from asebench.constraints import validate_constraints

        # a NAME+ method's source runs are stored and checked too, on their own dataset
        sources = [m.transfer for m in spec.method_specs
                   if m.transfer is not None and m.transfer not in backends]
        feasible = validate_constraints(spec.constraints, {
            **backends, **{d: make_backend(open_context, d) for d in dict.fromkeys(sources)}})
    searchers = {m.label: make_searcher(m.name, m.options) for m in spec.method_specs}
    first = next(iter(infos.values()))
    seconds = spec.budget_s if spec.budget_s is not None else first.budget_s
    if seconds is None and spec.budget_queries is None:
        raise AsebenchError(
            f"backend {spec.backend!r} has no default budget: give one (--budget SECONDS)")
    budget = Budget(seconds=None if seconds is None else float(seconds),
                    queries=spec.budget_queries)
    config = _config(spec, first, budget, feasible)
    context = RunContext(spec.backend, spec.factory_options(), budget, spec.master_seed,
                         spec.constraints)
    resolved = ResolvedStudy(spec, infos, feasible, searchers, budget, config, context)
    _dry_run(resolved)
    return resolved


def budget_identity(budget: Budget) -> dict[str, object]:
    """The budget's fields in a study's identity: seconds always (None when unlimited), every
    other kind only when set, so studies without it keep their identity."""
    fields: dict[str, object] = {"budget_s": budget.seconds}
    if budget.queries is not None:
        fields["budget_queries"] = budget.queries
    return fields


def _config(spec: StudySpec, first: BackendInfo, budget: Budget,
            feasible: Mapping[str, Feasibility]) -> dict[str, object]:
    config: dict[str, object] = {
        "methods": [m.to_dict() for m in spec.method_specs],
        "datasets": list(spec.datasets),
        "seeds": spec.seeds,
        "master_seed": spec.master_seed,
        "protocol": None if first.protocol is None else dict(first.protocol),
        "backend": spec.backend,
        "backend_options": spec.factory_options(),
        "data": None if first.data is None else dict(first.data),
        "chunk_size": spec.chunk_size,
        **budget_identity(budget),
    }
    if feasible:
        from asebench.constraints import constraint_config

        config["constraints"] = constraint_config(feasible)
    plain: dict[str, object] = json.loads(json.dumps(config, default=str))
    return plain


def _with_backend_defaults(spec: StudySpec, infos: Mapping[str, BackendInfo]) -> StudySpec:
    """``spec`` with the transfer source of ``NAME+`` methods (the benchmark's own, else the
    first dataset) and the options the benchmark gives a method by default
    (``BackendInfo.method_defaults``; the user's options win)."""
    first = next(iter(infos.values()))
    source = spec.transfer_source or first.transfer_source or spec.datasets[0]
    methods: list[MethodSpec] = []
    for method in spec.method_specs:
        options = {**first.method_defaults.get(method.name, {}), **method.options}
        transfer = source if method.transfer == DEFAULT_SOURCE else method.transfer
        if transfer is not None:
            if not isinstance(make_searcher(method.name, options), Transferable):
                raise AsebenchError(
                    f"method {method.name!r} cannot start from another run's final state, "
                    f"so {method.label!r} cannot run")
            if set(spec.datasets) <= {transfer}:
                continue  # nothing to transfer to: only its source runs, as NAME's
        methods.append(dataclasses.replace(method, options=options, transfer=transfer))
    if not methods:
        raise AsebenchError(f"no method left to run: every transfer method would start from "
                            f"{source}, the study's only dataset")
    return dataclasses.replace(spec, methods=tuple(methods), transfer_source=source)


class _NoQueries:
    """The real backend's space; any query ends the run (nothing is evaluated or charged)."""

    def __init__(self, backend: Backend) -> None:
        self.space = backend.space

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        raise BudgetExhausted("dry run: no query allowed")

    def report(self, arch: Arch) -> Mapping[str, float]:
        raise BudgetExhausted("dry run: no query allowed")


def _dry_run(resolved: ResolvedStudy) -> None:
    """Start every searcher on every dataset's real space, stopping at its first query."""
    budget = Budget(seconds=resolved.budget.seconds, queries=1)
    for dataset in resolved.spec.datasets:
        backend = _NoQueries(make_backend(resolved.context, dataset))
        for searcher in resolved.searchers.values():
            try:
                searcher.run(backend, budget, np.random.default_rng(0))
            except BudgetExhausted:
                pass  # reached its first query: every set-up check passed


def check_study(spec: StudySpec) -> ResolvedStudy:
    """Raise the one-line :class:`asebench.errors.AsebenchError` that a run of ``spec`` would
    raise before writing anything, without writing or evaluating anything.

    Returns:
        The resolved study.
    """
    return resolve(spec)


def resolve_config(spec: StudySpec) -> dict[str, object]:
    """The study's fully resolved configuration (what ``--resume`` must match).

    Raises:
        AsebenchError: as :func:`resolve`.
    """
    return dict(resolve(spec).config)


def resolve_spec(spec: StudySpec) -> StudySpec:
    """``spec`` with what its backend decides filled in (see :func:`resolve`)."""
    return resolve(spec).spec
