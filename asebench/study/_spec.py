"""What a study runs: methods (with options and display labels), datasets, seeds, protocol."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from asebench.errors import AsebenchError
from asebench.tables import DATASETS

__all__ = [
    "DEFAULT_LABELS",
    "DEFAULT_SOURCE",
    "MethodSpec",
    "StudySpec",
    "parse_assignments",
    "parse_methods",
    "parse_value",
]

DEFAULT_LABELS: tuple[str, ...] = ("ase", "ase+", "random", "reinforce", "evolution", "local")
"""The Table-I method set: ASE-NAS and ASE-NAS+ with the paper's hyper-parameters (and the
published controller's bounded logits), and the baselines. Variants such as
``ase[lr=0.001]`` stay available by name."""

DEFAULT_SOURCE = "*"
"""The ``transfer`` of a ``NAME+`` method before the study resolves it: the benchmark's own
transfer source (CIFAR-10 on NB201), else the study's first dataset."""

_METHOD = re.compile(r"^((?:[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*:)?[A-Za-z0-9_.\-]+\+?)"
                     r"(?:\[(.*)\])?$")


def parse_value(text: str) -> object:
    """A command-line value: JSON or Python literal when it parses, else the plain string."""
    text = text.strip()
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return text


def parse_assignments(items: Iterable[str], what: str) -> dict[str, object]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``; a malformed item is a one-line error."""
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AsebenchError(f"malformed {what} {item!r}: expected KEY=VALUE")
        out[key] = parse_value(value)
    return out


@dataclass(frozen=True)
class MethodSpec:
    """One method + options combination of a study.

    Attributes:
        name: registered search method (``ase``, ``random``, a plugin's name, or an import
            path ``package.module:factory``).
        options: keyword options for the method's factory.
        label: unique display name (``ase``, ``ase+``, ``ase[K=6]``, ...).
        transfer: for ``NAME+`` (a method that declares
            :class:`~asebench.search.Transferable`, e.g. ASE-NAS+), the dataset whose
            ``NAME`` runs give the start states (run i starts from the final state of run i
            there); :data:`DEFAULT_SOURCE` until the study resolves it; None otherwise.
    """

    name: str
    options: Mapping[str, object] = field(default_factory=dict)
    label: str = ""
    transfer: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", dict(self.options))
        if not self.label:
            object.__setattr__(self, "label", _default_label(self.name, self.options,
                                                             self.transfer))

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "label": self.label, "options": dict(self.options),
                "transfer": self.transfer}


def _default_label(name: str, options: Mapping[str, object], transfer: str | None) -> str:
    base = name + ("+" if transfer else "")
    if not options:
        return base
    inner = ",".join(f"{k}={_short(v)}" for k, v in sorted(options.items()))
    return f"{base}[{inner}]"


def _short(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def parse_methods(text: str | Sequence[str] | None,
                  settings: Mapping[str, Mapping[str, object]] | None = None
                  ) -> tuple[MethodSpec, ...]:
    """Method specs from ``"ase,ase+,random,ase[K=6]"`` plus ``--set`` options.

    ``settings`` maps a label or a method name to options (``{"ase": {"K": 6}}``): options
    given for a method name apply to every entry of that method (``ase`` options also reach
    ``ase+``, whose centers must match), options for a label only to that entry; options in
    brackets win. ``NAME+`` is ``NAME`` started from the final state of the ``NAME`` runs on
    the transfer source dataset (``ase+``: ASE-NAS from the CIFAR-10 runs' final centers).
    """
    if text is None:
        items: list[str] = list(DEFAULT_LABELS)
    elif isinstance(text, str):
        items = _split_top_level(text)
    else:
        items = [s for t in text for s in _split_top_level(t)]
    if not items:
        raise AsebenchError("no methods given")
    settings = settings or {}
    specs: list[MethodSpec] = []
    for item in items:
        match = _METHOD.match(item.strip())
        if not match:
            raise AsebenchError(f"malformed method {item!r}: expected NAME or NAME[KEY=VALUE,...]")
        written, bracket = match.group(1), match.group(2)
        transfer = DEFAULT_SOURCE if written.endswith("+") else None
        name = written.rstrip("+")
        inline = parse_assignments(_split_top_level(bracket), "method option") if bracket else {}
        options = {**settings.get(name, {}), **settings.get(written, {})}
        label = item.strip() if inline else written
        options.update(inline)
        specs.append(MethodSpec(name, options, label, transfer))
    labels = [s.label for s in specs]
    duplicates = sorted({x for x in labels if labels.count(x) > 1})
    if duplicates:
        raise AsebenchError(f"method label(s) given twice: {', '.join(duplicates)}")
    known = {s.name for s in specs} | {s.label for s in specs} | {
        s.name + "+" for s in specs if s.transfer}
    unused = sorted(set(settings) - known)
    if unused:
        raise AsebenchError(
            f"--set names method(s) not in the study: {', '.join(unused)}; "
            f"methods are {', '.join(labels)}")
    return tuple(specs)


def _is_int(value: object, minimum: int) -> bool:
    """An ``int`` (not a bool) of at least ``minimum`` (the spec is checked at run time)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets (``"ase[K=6,M=3],random"`` -> 2 items)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class StudySpec:
    """A whole study: every (method, dataset, seed) run, and how runs are evaluated.

    Attributes:
        methods: method specs or plain names (``"ase+"`` is understood).
        datasets: dataset names.
        seeds: number of runs per method and dataset; run i uses child i of
            ``SeedSequence(master_seed)`` for every method and dataset (paired).
        protocol: evaluation protocol name (``paper``, ``valid200``); None = the backend's
            default (``paper`` on NB201). Passed to the backend factory.
        budget_s: simulated seconds per run; None = the backend's default (its protocol's).
        budget_queries: queries per run (with or without ``budget_s``); None = no limit.
        master_seed: root of all randomness.
        options: extra per-method options (``{"ase": {"K": 6}}``), applied as in
            :func:`parse_methods` when ``methods`` holds names.
        protocol_options: field changes of the protocol (``{"cost_source": "own"}``).
        backend: backend name (``tabular`` by default; ``nb201`` is the same), a plugin's
            name or ``package.module:factory``.
        backend_options: keyword options of the backend factory.
        data: the backend's data (a benchmark table file, the live backend's image folder),
            passed to the factory as ``data``; None = its default (the embedded table).
        chunk_size: runs per task (one method x dataset x a block of seeds); part of the
            spec because a searcher may batch the runs of one task.
        constraints: hardware constraints every run must meet (all of them), e.g.
            ``("flops_m<=100", "latency:pixel3<=20")``; see :mod:`asebench.constraints`.
            Stored in canonical form; part of the study's identity when given.
        transfer_source: the dataset ``NAME+`` methods start from; None = the benchmark's
            own (CIFAR-10 on NB201), else the first dataset.
    """

    methods: tuple[MethodSpec | str, ...] = DEFAULT_LABELS
    datasets: tuple[str, ...] = DATASETS
    seeds: int = 500
    protocol: str | None = None
    budget_s: float | None = None
    master_seed: int = 0
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    protocol_options: Mapping[str, object] = field(default_factory=dict)
    backend: str = "tabular"
    backend_options: Mapping[str, object] = field(default_factory=dict)
    data: str | None = None
    chunk_size: int = 25
    constraints: tuple[str, ...] = ()
    budget_queries: int | None = None
    transfer_source: str | None = None

    def __post_init__(self) -> None:
        names = [m for m in self.methods if isinstance(m, str)]
        specs = [m for m in self.methods if isinstance(m, MethodSpec)]
        if names and specs:
            raise AsebenchError("give methods either all as names or all as MethodSpec")
        given: object = self.methods  # a comma-separated string is accepted too
        if isinstance(given, str):
            resolved = parse_methods(given, self.options)
        elif names:
            resolved = parse_methods(names, self.options)
        else:
            resolved = tuple(specs)
            labels = [s.label for s in resolved]
            if len(set(labels)) != len(labels):
                raise AsebenchError(f"method labels must be unique: {', '.join(labels)}")
        object.__setattr__(self, "methods", resolved)
        raw: object = self.datasets  # a comma-separated string is accepted too
        datasets = tuple(d.strip() for d in raw.split(",") if d.strip()) if isinstance(
            raw, str) else tuple(self.datasets)
        if not datasets:
            raise AsebenchError("no datasets given")
        if len(set(datasets)) != len(datasets):
            raise AsebenchError(f"dataset given twice in {', '.join(datasets)}")
        object.__setattr__(self, "datasets", datasets)
        if not _is_int(self.seeds, 1):
            raise AsebenchError(f"seeds must be a positive integer, got {self.seeds!r}")
        if self.budget_s is not None and not float(self.budget_s) > 0:
            raise AsebenchError(f"budget must be > 0 seconds, got {self.budget_s}")
        if not _is_int(self.master_seed, 0):
            raise AsebenchError(f"master seed must be an integer >= 0, got {self.master_seed!r}")
        if self.budget_queries is not None and not _is_int(self.budget_queries, 1):
            raise AsebenchError(
                f"query budget must be a positive integer, got {self.budget_queries!r}")
        if not _is_int(self.chunk_size, 1):
            raise AsebenchError(f"chunk size must be a positive integer, got {self.chunk_size!r}")
        for name in ("options", "protocol_options", "backend_options"):
            object.__setattr__(self, name, dict(getattr(self, name)))
        from asebench.constraints import parse_constraints

        object.__setattr__(self, "constraints",
                           tuple(c.text for c in parse_constraints(self.constraints)))

    @property
    def method_specs(self) -> tuple[MethodSpec, ...]:
        return tuple(m for m in self.methods if isinstance(m, MethodSpec))  # all, once resolved

    def factory_options(self) -> dict[str, object]:
        """The backend factory's options: ``backend_options`` plus the protocol, its field
        changes and the data, where the study names them."""
        options = dict(self.backend_options)
        if self.protocol is not None:
            options["protocol"] = self.protocol
        if self.protocol_options:
            options["protocol_options"] = dict(self.protocol_options)
        if self.data is not None:
            options["data"] = self.data
        return options

    def method(self, label: str) -> MethodSpec:
        for spec in self.method_specs:
            if spec.label == label:
                return spec
        raise AsebenchError(f"no method labelled {label!r} in the study")
