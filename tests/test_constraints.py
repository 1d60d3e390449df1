"""Hardware constraints on the real embedded table: parsing, the feasible mask, the oracle,
every method searching only feasible archs, nothing infeasible charged, errors."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from asebench import search
from asebench.backends import BudgetedEvaluator, TabularBackend
from asebench.constraints import (
    ConstraintViolation,
    constrained_backend,
    feasible_set,
    metric_names,
    metric_values,
    parse_constraint,
    regret_table,
    store_check,
)
from asebench.errors import AsebenchError
from asebench.records import Budget
from asebench.spaces import NB201Space
from asebench.tables import default_table


def _nb201(dataset: str) -> TabularBackend:
    return TabularBackend(dataset, table=default_table())

TABLE = default_table()
DEVICES = TABLE.meta.help_devices


def brute_force_mask(dataset: str, rules: list[tuple[str, str, float]]) -> np.ndarray:
    """Per arch, in plain Python, straight from the stored columns."""
    ops = {"<=": lambda a, b: a <= b, "<": lambda a, b: a < b,
           ">=": lambda a, b: a >= b, ">": lambda a, b: a > b}
    out = []
    for i in range(TABLE.num_archs):
        ok = True
        for metric, op, limit in rules:
            if metric.startswith("latency:"):
                value = float(TABLE.extra["help_latency_ms"][i, DEVICES.index(metric[8:])])
            else:
                value = float(TABLE.column(dataset, metric)[i])
            ok = ok and ops[op](value, limit)
        out.append(ok)
    return np.array(out)


# -- parsing and resolving ------------------------------------------------------------------
@pytest.mark.parametrize("text, metric, op, limit, percentile", [
    ("flops_m<=100", "flops_m", "<=", 100.0, None),
    (" params_m < 0.8 ", "params_m", "<", 0.8, None),
    ("latency:pixel3<=20", "latency:pixel3", "<=", 20.0, None),
    ("latency_nats_s>=0.015", "latency_nats_s", ">=", 0.015, None),
    ("flops_m<=p25", "flops_m", "<=", None, 25.0),
])
def test_parse(text: str, metric: str, op: str, limit: float | None,
               percentile: float | None) -> None:
    c = parse_constraint(text)
    assert (c.metric, c.op, c.limit, c.percentile) == (metric, op, limit, percentile)
    assert parse_constraint(c.text) == c


@pytest.mark.parametrize("text, message", [
    ("flops_m", "malformed constraint"),
    ("flops_m=<100", "malformed constraint"),
    ("flops_m<=abc", "neither a number nor a percentile"),
    ("flops_m<=nan", "finite"),
    ("flops_m<=p0", "percentile must be in"),
    ("flops_m<=p101", "percentile must be in"),
    ("flops<=100", "unknown constraint metric 'flops'; metrics are flops_m"),
    ("latency:pixel9<=20", "unknown latency device 'pixel9'; devices are 1080ti_1"),
    ("flops_m<=1", "admits no arch of cifar10"),
    ("params_m>5", "admits no arch of cifar10"),
])
def test_bad_expressions_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(AsebenchError, match=message) as info:
        feasible_set(_nb201("cifar10"), [text])
    assert "\n" not in str(info.value)


def test_conjunction_no_arch_meets_is_an_error() -> None:
    with pytest.raises(AsebenchError, match="together admit no arch"):
        feasible_set(_nb201("cifar10"), ["flops_m<=p10", "flops_m>p90"])
    with pytest.raises(AsebenchError, match="given twice"):
        feasible_set(_nb201("cifar10"), ["flops_m<=100", "flops_m<=100"])


def test_metric_names_are_what_is_stored() -> None:
    names = metric_names(TABLE)
    assert names[:3] == ("flops_m", "params_m", "latency_nats_s")
    assert len(names) == 3 + 27 and "latency:pixel3" in names
    for name in names:
        assert metric_values(TABLE, "cifar100", name).shape == (15_625,)


@pytest.mark.parametrize("dataset", ["cifar10", "ImageNet16-120"])
def test_mask_and_oracle_equal_brute_force(dataset: str) -> None:
    rules = [("flops_m", "<=", float(np.median(TABLE.column(dataset, "flops_m")))),
             ("latency:pixel3", "<", 12.0), ("params_m", ">=", 0.2)]
    feasible = feasible_set(_nb201(dataset), [f"{m}{o}{v!r}" for m, o, v in rules])
    expected = brute_force_mask(dataset, rules)
    assert np.array_equal(feasible.mask, expected)
    assert feasible.count == int(expected.sum()) > 0
    space = NB201Space(order=TABLE.arch_codes)
    for i in (0, 123, 15_624):
        assert feasible.contains(space.from_index(i)) == expected[i]
    test = TABLE.column(dataset, "test_acc_200_mean")
    best_i, best = -1, -np.inf
    for i in range(TABLE.num_archs):  # brute force over the table
        if expected[i] and test[i] > best:
            best_i, best = i, float(test[i])
    oracle = feasible.oracle("test_acc_200_mean")
    assert (oracle.index, oracle.accuracy) == (best_i, best)
    assert oracle.arch == space.from_index(best_i)


def test_percentile_limits_resolve_per_dataset() -> None:
    for dataset in ("cifar10", "ImageNet16-120"):
        flops = TABLE.column(dataset, "flops_m").astype(np.float64)
        feasible = feasible_set(_nb201(dataset), ["flops_m<=p25"])
        assert feasible.limits == (pytest.approx(float(np.percentile(flops, 25))),)
        assert feasible.fraction == pytest.approx(0.25, abs=0.01)


# -- searching under constraints --------------------------------------------------------------
METHODS = {
    "ase": {},
    "random": {},
    "reinforce": {},
    "evolution": {},
    "local": {},
}


def _random_limits(n: int) -> list[list[str]]:
    """Constraint sets with random limits (seeded): one metric, or FLOPs and a latency."""
    rng = np.random.default_rng(12)
    sets = []
    for _ in range(n):
        device = str(rng.choice(DEVICES))
        q1, q2 = rng.uniform(3, 60, size=2)
        sets.append([f"flops_m<=p{q1:.1f}", f"latency:{device}<=p{q2 + 30:.1f}"])
    sets.append([f"params_m<{float(rng.uniform(0.3, 0.8)):.3f}"])
    return sets


@pytest.mark.parametrize("constraints", _random_limits(3), ids=lambda c: "&".join(c))
@pytest.mark.parametrize("dataset", ["cifar100"])
def test_every_method_queries_and_answers_only_feasible_archs(
        constraints: list[str], dataset: str) -> None:
    base = TabularBackend(dataset)
    backend, feasible = constrained_backend(base, constraints)
    center = feasible.oracle("test_acc_200_mean").arch
    methods = dict(METHODS, **{"random-in-subspace": {"center": center, "M": 3}})
    budget = Budget(seconds=8_000)
    for name, options in methods.items():
        searcher = search.get(name, **options)
        for seed in range(2):
            trace = searcher.run(backend, budget, np.random.default_rng(seed))
            assert len(trace) > 10, name
            outside = [a for a in trace.archs if not feasible.contains(a)]
            assert not outside, f"{name} queried infeasible {outside[:3]}"
            assert feasible.contains(trace.answer), name
            assert trace.spent_s <= budget.seconds
    # ASE-NAS+ from feasible initial centers; the paper's query-then-reject rule pays for
    # infeasible candidates but its centers, so its answer, stay feasible
    centers = [backend.space.sample(np.random.default_rng(s)) for s in range(4)]
    plus = search.get("ase", initial_centers=centers).run(backend, budget,
                                                           np.random.default_rng(0))
    assert all(feasible.contains(a) for a in plus.archs) and feasible.contains(plus.answer)
    paper = search.get("ase", infeasible="query").run(backend, budget, np.random.default_rng(0))
    assert feasible.contains(paper.answer)
    assert all(feasible.contains(c) for c in map(tuple, paper.info["final_centers"]))


def test_infeasible_arch_is_refused_and_never_charged() -> None:
    backend, feasible = constrained_backend(TabularBackend("cifar10"), ["flops_m<=p10"])
    infeasible = tuple(int(c) for c in TABLE.arch_codes[int(np.argmin(feasible.mask))])
    assert not feasible.contains(infeasible)
    evaluator = BudgetedEvaluator(backend, Budget(seconds=25_000), np.random.default_rng(0))
    with pytest.raises(AsebenchError, match="outside the sub-space"):
        evaluator.evaluate(infeasible)
    assert evaluator.spent_s == 0.0 and evaluator.num_queries == 0
    ok = tuple(int(c) for c in TABLE.arch_codes[int(np.argmax(feasible.mask))])
    assert evaluator.evaluate(ok).cost_s > 0 and evaluator.num_queries == 1


def test_store_check_refuses_an_infeasible_answer_or_query() -> None:
    feasible = feasible_set(_nb201("cifar10"), ["flops_m<=p10"])
    check = store_check({"cifar10": feasible})
    space = NB201Space(order=TABLE.arch_codes)
    good = int(np.argmax(feasible.mask))
    bad = int(np.argmin(feasible.mask))

    def tables(answer: int, queried: list[int]) -> tuple[pa.Table, pa.Table]:
        runs = pa.table({"dataset": ["cifar10"],
                         "arch": [space.to_string(space.from_index(answer))]})
        traces = pa.table({"dataset": ["cifar10"] * len(queried), "arch_index": queried})
        return runs, traces

    check(*tables(good, [good, good]))
    runs, traces = tables(good, [good, bad])  # the paper's rule charges infeasible queries
    check(runs.append_column("info_queries_outside_space", pa.array([True])), traces)
    with pytest.raises(ConstraintViolation, match="answered an infeasible arch"):
        check(*tables(bad, [good]))
    with pytest.raises(ConstraintViolation, match="infeasible quer"):
        check(*tables(good, [good, bad]))


# -- the study and the command line -----------------------------------------------------------
def _invoke(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from asebench.cli import cli

    result = CliRunner().invoke(cli, list(args), standalone_mode=False)
    code = result.exit_code
    if isinstance(result.exception, SystemExit):
        code = int(result.exception.code or 0)
    return code, result.stdout, result.stderr


def test_constrained_study_records_identity_oracle_and_regret(tmp_path, one_thread) -> None:
    from asebench.analysis import load, study_markdown
    from asebench.study import StudySpec, resolve_config, run_study

    plain = StudySpec(methods=("random",), datasets=("cifar10",), seeds=3)
    assert "constraints" not in resolve_config(plain)  # unconstrained identity unchanged
    spec = StudySpec(methods=("random", "evolution"), datasets=("cifar10", "cifar100"),
                     seeds=3, constraints=("latency:pixel3<=p30", "flops_m<= 60"))
    assert spec.constraints == ("latency:pixel3<=p30", "flops_m<=60")
    path = run_study(spec, tmp_path / "s", workers=1, progress=False)
    study = load(path)
    config = study.config["constraints"]
    assert config["expressions"] == ["latency:pixel3<=p30", "flops_m<=60"]
    for dataset in ("cifar10", "cifar100"):
        feasible = feasible_set(_nb201(dataset), spec.constraints)
        assert config["feasible_archs"][dataset] == feasible.count
        oracle = study.metadata["constraint_oracle"][dataset]
        assert oracle["accuracy"] == feasible.oracle("test_acc_200_mean").accuracy
        runs = study.runs[study.runs["dataset"] == dataset]
        index = {NB201Space().to_string(tuple(c)): i
                 for i, c in enumerate(TABLE.arch_codes.tolist())}
        assert all(feasible.mask[index[a]] for a in runs["arch"])
        assert (runs["test_accuracy"] <= oracle["accuracy"] + 1e-9).all()
    traces = study.traces
    assert len(traces) > 0
    text = study_markdown(study)
    assert "regret to the oracle" in text
    assert "12 of 12 runs answered a feasible arch (re-checked against the table)" in text
    from click.testing import CliRunner

    from asebench.cli import cli

    latex = CliRunner().invoke(cli, ["table", str(path), "--latex"])
    assert latex.exit_code == 0, latex.output
    regret = regret_table(study)
    assert "Oracle &" in latex.output and r"\bottomrule" in latex.output
    first = regret.iloc[0]
    assert f"{first['mean']:.2f} $\\pm$ {first['std']:.2f} ({first['regret']:+.2f})" in latex.output
    other = StudySpec(methods=("random", "evolution"), datasets=("cifar10", "cifar100"),
                      seeds=3, constraints=("flops_m<=60",))
    with pytest.raises(AsebenchError, match="different study"):
        run_study(other, path, workers=1, progress=False, resume=True)


@pytest.mark.parametrize("expr", ["flops_m<=1", "gpu_ms<=3", "flops_m=>3", "latency:tpu<=2"])
def test_cli_bad_constraint_exits_2_and_writes_nothing(tmp_path, expr: str) -> None:
    out = tmp_path / "study"
    code, _, stderr = _invoke("run", "--methods", "random", "--seeds", "2", "--no-progress",
                              "--constraint", expr, "--out", str(out))
    assert code == 2
    assert stderr.startswith("asebench: error: ") and stderr.count("\n") == 1
    assert not out.exists()


def test_cli_query_shows_feasibility() -> None:
    code, stdout, _ = _invoke("query", "11972", "--json", "--constraint", "flops_m<=25",
                              "--constraint", "latency:pixel3<=5")
    assert code == 0
    record = json.loads(stdout)
    assert record["flops_m"] <= 25 and record["help_latency_ms"]["pixel3"] > 5
    assert record["constraint flops_m<=25"].endswith("meets <=25")
    assert "violates" in record["constraint latency:pixel3<=5"]
    assert record["feasible"] is False


@pytest.mark.parametrize("name", ["ase", "random", "reinforce", "evolution", "local"])
def test_searcher_contract_holds_under_a_constraint(name: str) -> None:
    from asebench.testing import check_searcher

    backend, feasible = constrained_backend(TabularBackend("ImageNet16-120"),
                                            ["latency:raspi4<=p20"])
    trace = check_searcher(search.get(name), backend, Budget(seconds=4_000))
    assert feasible.contains(trace.answer)


def test_a_transfer_method_without_its_source_dataset_is_checked_there_too(
        tmp_path, one_thread) -> None:
    # ase+ starts from ASE-NAS's runs on cifar10, which the study stores and the store checks
    # under the limit even though cifar10 is not one of the study's datasets
    from asebench.analysis import load
    from asebench.study import StudySpec, run_study

    spec = StudySpec(methods=("ase", "ase+"), datasets=("cifar100",), seeds=2,
                     budget_s=3000.0, constraints=("flops_m<=p10",))
    study = load(run_study(spec, tmp_path / "s", workers=1, progress=False))
    assert set(study.config["constraints"]["feasible_archs"]) == {"cifar100", "cifar10"}
    source = study.runs[study.runs["dataset"] == "cifar10"]
    assert len(source) == 2
    feasible = feasible_set(_nb201("cifar10"), spec.constraints)
    index = {NB201Space().to_string(tuple(c)): i for i, c in enumerate(TABLE.arch_codes.tolist())}
    assert all(feasible.mask[index[a]] for a in source["arch"])
