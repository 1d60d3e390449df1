"""StudySpec, method parsing, paired seeds and the chunk plan (no searches run here)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from asebench.errors import AsebenchError
from asebench.study import (
    DEFAULT_LABELS,
    DEFAULT_SOURCE,
    MethodSpec,
    StudySpec,
    parse_methods,
    plan_cells,
    plan_chunks,
    resolve_spec,
    run_seed_sequences,
)


def test_default_methods_are_table1_set_with_transfer_variant() -> None:
    specs = parse_methods(None)
    assert tuple(s.label for s in specs) == DEFAULT_LABELS
    plus = specs[1]
    assert (plus.name, plus.label, plus.transfer) == ("ase", "ase+", DEFAULT_SOURCE)
    assert DEFAULT_LABELS == ("ase", "ase+", "random", "reinforce", "evolution", "local")
    tuned_plus = parse_methods("ase[lr=0.001],ase+[lr=0.001]")[1]
    assert (tuned_plus.name, dict(tuned_plus.options), tuned_plus.transfer) == (
        "ase", {"lr": 0.001}, DEFAULT_SOURCE)
    assert all(s.transfer is None for s in specs if not s.label.startswith("ase+"))


def test_set_options_reach_method_and_its_transfer_variant_brackets_win() -> None:
    specs = parse_methods("ase,ase+,ase[K=6],random", {"ase": {"K": 2, "M": 3},
                                                        "ase+": {"lr": 0.1}})
    by = {s.label: s for s in specs}
    assert dict(by["ase"].options) == {"K": 2, "M": 3}
    assert dict(by["ase+"].options) == {"K": 2, "M": 3, "lr": 0.1}
    assert dict(by["ase[K=6]"].options) == {"K": 6, "M": 3}
    assert dict(by["random"].options) == {}


@pytest.mark.parametrize("text, settings, message", [
    ("ase,ase", None, "given twice"),
    ("ase[K6]", None, "KEY=VALUE"),
    ("ase;random", None, "malformed method"),
    ("random", {"ase": {"K": 2}}, "not in the study"),
])
def test_bad_method_lists_are_one_line_errors(text: str, settings: dict | None,
                                              message: str) -> None:
    with pytest.raises(AsebenchError, match=message):
        parse_methods(text, settings)


@pytest.mark.parametrize("changes, message", [
    ({"seeds": 0}, "seeds"), ({"budget_s": -1.0}, "budget"), ({"master_seed": -3}, "seed"),
    ({"datasets": ()}, "no datasets"), ({"datasets": ("cifar10", "cifar10")}, "twice"),
    ({"chunk_size": 0}, "chunk"),
])
def test_spec_rejects_bad_values(changes: dict, message: str) -> None:
    with pytest.raises(AsebenchError, match=message):
        StudySpec(methods=("random",), **changes)


def test_spec_is_frozen_and_accepts_names_or_specs() -> None:
    spec = StudySpec(methods=("random", "ase+"), seeds=3, options={"ase": {"K": 2}})
    assert [m.label for m in spec.method_specs] == ["random", "ase+"]
    assert dict(spec.method("ase+").options) == {"K": 2}
    again = StudySpec(methods=spec.method_specs, seeds=3)
    assert again.method_specs == spec.method_specs
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.seeds = 4  # type: ignore[misc]


def test_run_seeds_are_children_of_master_and_independent_of_block() -> None:
    whole = np.random.SeedSequence(7).spawn(10)
    block = run_seed_sequences(7, 4, 8)
    assert [s.spawn_key for s in block] == [(4,), (5,), (6,), (7,)]
    for a, b in zip(block, whole[4:8]):
        assert np.array_equal(a.generate_state(4), b.generate_state(4))
    assert not np.array_equal(whole[0].generate_state(4), whole[1].generate_state(4))


def test_plan_runs_transfer_sources_first_and_skips_source_dataset() -> None:
    spec = resolve_spec(StudySpec(seeds=5, chunk_size=2))
    cells = plan_cells(spec)
    assert (cells[0].label, cells[0].dataset) == ("ase", "cifar10")
    pairs = [(c.label, c.dataset) for c in cells]
    assert ("ase+", "cifar10") not in pairs
    # 6 labels x 3 datasets, less the transfer label on its source dataset
    assert len(pairs) == len(set(pairs)) == 6 * 3 - 1
    plus = [c for c in cells if c.label == "ase+"]
    assert {c.source for c in plus} == {"ase"}
    tuned_spec = StudySpec(methods=("ase[lr=0.001]", "ase+[lr=0.001]"), seeds=2)
    tuned = [c for c in plan_cells(resolve_spec(tuned_spec)) if c.label == "ase+[lr=0.001]"]
    assert {c.source for c in tuned} == {"ase[lr=0.001]"}
    chunks = plan_chunks(spec)
    assert [(c.start, c.stop) for c in chunks[:3]] == [(0, 2), (2, 4), (4, 5)]
    assert len({c.key for c in chunks}) == len(chunks) == len(cells) * 3
    assert sorted(c.key for c in chunks) == [c.key for c in chunks]


def test_transfer_without_its_source_in_the_study_runs_the_source_anyway() -> None:
    spec = StudySpec(methods=("ase+",), datasets=("cifar100",), seeds=2)
    # NB201 names its transfer source (CIFAR-10): resolving the spec against the backend
    # fills it in; an unresolved spec cannot be planned (it would guess the source)
    cells = plan_cells(resolve_spec(spec))
    assert [(c.label, c.dataset, c.source) for c in cells] == [
        ("ase", "cifar10", None), ("ase+", "cifar100", "ase")]
    assert resolve_spec(spec).transfer_source == "cifar10"
    with pytest.raises(AsebenchError, match="not resolved"):
        plan_cells(spec)


def test_unsafe_labels_get_unique_file_names() -> None:
    spec = StudySpec(methods=(MethodSpec("ase", {"K": 6}), MethodSpec("ase", {"K": 8})),
                     datasets=("cifar10",), seeds=1)
    keys = [c.key for c in plan_chunks(spec)]
    assert len(set(keys)) == 2
    assert all("[" not in k and "=" not in k for k in keys)
