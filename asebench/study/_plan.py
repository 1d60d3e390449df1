"""A study as tasks: cells (method x dataset) cut into chunks (blocks of seeds), and which
chunk's final states start which (transfer methods)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from asebench.errors import AsebenchError
from asebench.study._spec import DEFAULT_SOURCE, MethodSpec, StudySpec

__all__ = ["Cell", "Chunk", "Plan", "plan", "plan_cells", "plan_chunks", "source_label"]

_SAFE = re.compile(r"[^A-Za-z0-9_+.\-]")


@dataclass(frozen=True)
class Cell:
    """All runs of one method on one dataset.

    Attributes:
        index: position in the study's order (sources first); orders shard files.
        method: the method spec.
        dataset: the dataset.
        source: for a transfer method (ASE-NAS+), the label of the cell whose run i gives
            run i its initial centers (on dataset ``method.transfer``); None otherwise.
    """

    index: int
    method: MethodSpec
    dataset: str
    source: str | None = None

    @property
    def label(self) -> str:
        return self.method.label


@dataclass(frozen=True)
class Chunk:
    """Runs ``start..stop-1`` of one cell: the unit of work, of storage and of resume."""

    cell: Cell
    start: int
    stop: int

    @property
    def key(self) -> str:
        """File-name-safe, unique, and sorting in study order."""
        label = self.cell.label
        safe = _SAFE.sub("_", label)
        if safe != label:
            safe += "-" + hashlib.sha256(label.encode()).hexdigest()[:8]
        return (f"c{self.cell.index:03d}-s{self.start:06d}-{self.stop:06d}"
                f"__{safe}__{self.cell.dataset}")

    def __len__(self) -> int:
        return self.stop - self.start


def source_label(spec: StudySpec, method: MethodSpec) -> MethodSpec:
    """The plain method whose runs seed a transfer method (same name and options)."""
    for other in spec.method_specs:
        if other.transfer is None and other.name == method.name \
                and dict(other.options) == dict(method.options):
            return other
    return MethodSpec(method.name, method.options)


def plan_cells(spec: StudySpec) -> list[Cell]:
    """Every (method, dataset) cell, the sources of transfer methods first.

    A transfer method has no cell on its own source dataset. Its source cell is run even
    when the study does not list it (stored under the plain method's label).

    Raises:
        AsebenchError: ``spec`` still has a transfer method without its source dataset
            (:data:`DEFAULT_SOURCE`): only its backend knows it, so plan
            ``resolve_spec(spec)``, as :func:`asebench.study.run_study` does.
    """
    unresolved = [m.label for m in spec.method_specs if m.transfer == DEFAULT_SOURCE]
    if unresolved:
        raise AsebenchError(
            f"the transfer source of {', '.join(unresolved)} is not resolved yet: plan "
            "resolve_spec(spec), which asks the backend for it")
    resolved = list(spec.method_specs)
    cells: list[tuple[MethodSpec, str, str | None]] = []
    sources: list[tuple[MethodSpec, str]] = []
    for method in resolved:
        if method.transfer is not None:
            source = source_label(spec, method)
            if (source, method.transfer) not in sources:
                sources.append((source, method.transfer))
    for method in resolved:
        for dataset in spec.datasets:
            if method.transfer is not None:
                if dataset == method.transfer:
                    continue
                cells.append((method, dataset, source_label(spec, method).label))
            elif (method, dataset) not in sources:
                cells.append((method, dataset, None))
    ordered = [(m, d, None) for m, d in sources] + cells
    return [Cell(i, m, d, s) for i, (m, d, s) in enumerate(ordered)]


def plan_chunks(spec: StudySpec) -> list[Chunk]:
    """All chunks of the study in order (cells in order, seeds ascending)."""
    size = spec.chunk_size
    return [Chunk(cell, start, min(start + size, spec.seeds))
            for cell in plan_cells(spec) for start in range(0, spec.seeds, size)]


@dataclass(frozen=True)
class Plan:
    """Every chunk of a study in order, and the transfer dependencies between them.

    Attributes:
        chunks: all chunks (cells in order, seeds ascending).
        source_of: ``{chunk key: key of the chunk whose runs give its start states}`` for the
            chunks of transfer methods (run i starts from the final state of run i there).
    """

    chunks: tuple[Chunk, ...]
    source_of: Mapping[str, str]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.chunks]

    @property
    def sources(self) -> set[str]:
        """Keys of the chunks some other chunk starts from."""
        return set(self.source_of.values())


def plan(spec: StudySpec) -> Plan:
    """The chunks of a resolved ``spec`` and their transfer sources."""
    cells = {(c.label, c.dataset): c for c in plan_cells(spec)}
    chunks = plan_chunks(spec)
    source_of: dict[str, str] = {}
    for chunk in chunks:
        cell = chunk.cell
        if cell.source is not None:
            assert cell.method.transfer is not None
            source = cells[(cell.source, cell.method.transfer)]
            source_of[chunk.key] = Chunk(source, chunk.start, chunk.stop).key
    return Plan(tuple(chunks), source_of)
