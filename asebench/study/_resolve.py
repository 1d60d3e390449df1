"""What a study's backend decides: its datasets' backends, their descriptions, and the
study with the backend's defaults filled in."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from asebench.backends import Backend, BackendInfo, describe, unwrap
from asebench.errors import AsebenchError
from asebench.study._execute import RunContext, make_backend, make_searcher
from asebench.study._spec import DEFAULT_SOURCE, MethodSpec, StudySpec

__all__ = ["backends_of", "infos_of", "resolve_spec"]


def backends_of(spec: StudySpec) -> dict[str, Backend]:
    """``{dataset: backend}`` as every worker builds them (unconstrained)."""
    context = RunContext(spec.backend, spec.factory_options(), spec.budget_s,
                         spec.master_seed, (), spec.budget_queries)
    return {d: make_backend(context, d) for d in spec.datasets}


def infos_of(spec: StudySpec) -> dict[str, BackendInfo]:
    return {d: describe(unwrap(b)) for d, b in backends_of(spec).items()}


def resolve_spec(spec: StudySpec, infos: Mapping[str, BackendInfo] | None = None
                 ) -> StudySpec:
    """``spec`` with what its backend decides filled in: the transfer source of ``NAME+``
    methods (the benchmark's own, else the first dataset) and the options the benchmark
    gives a method by default (``BackendInfo.method_defaults``; the user's options win).

    Args:
        spec: the study.
        infos: its backends' descriptions, if the caller has built them already
            (:func:`infos_of`; resolving changes no backend option, so they stay valid).

    Raises:
        AsebenchError: unknown backend, option or dataset, or a ``NAME+`` method that
            cannot start from another run's final state.
    """
    if infos is None:
        infos = infos_of(spec)
    first = next(iter(infos.values()))
    source = spec.transfer_source or first.transfer_source or spec.datasets[0]
    methods: list[MethodSpec] = []
    for method in spec.method_specs:
        options = {**first.method_defaults.get(method.name, {}), **method.options}
        transfer = source if method.transfer == DEFAULT_SOURCE else method.transfer
        if transfer is not None:
            from asebench.search import Transferable

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
