"""ASE-NAS: subspace graph, controller (against torch autograd), ablation switches."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from asebench.records import Budget
from asebench.search import get
from asebench.search._controller import Adam, Controller
from asebench.search._graph import SubspaceGraph, adjacency, reward_feature
from asebench.testing import FunctionBackend

SMALL = {"hidden": 8, "embed": 2}


# -- graph -----------------------------------------------------------------------------------
def test_edges_point_from_worse_to_better_and_ties_have_none() -> None:
    graph = SubspaceGraph([(0,), (1,), (2,)], [0.5, 0.9, 0.5])
    assert sorted(graph.edges) == [(0, 1), (2, 1)]
    assert graph.best() == 1
    a = adjacency(np.array([[3.0, 1.0, 2.0]]))
    assert a.tolist() == [[[0, 0, 0], [1, 0, 1], [1, 0, 0]]]
    assert reward_feature(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]


def test_update_rule_replaces_only_on_improvement_and_recomputes_edges() -> None:
    graph = SubspaceGraph([(0, 0), (1, 1)], [1.0, 2.0])
    assert not graph.offer(0, (0, 2), improvement=-0.5, beta_reward=0.5)
    assert graph.centers[0] == (0, 0) and graph.rewards[0] == 1.0
    assert not graph.offer(0, (0, 2), improvement=1.0, beta_reward=2.0 + 1.0, allowed=False)
    assert graph.offer(0, (0, 2), improvement=2.0, beta_reward=3.0)
    assert graph.centers[0] == (0, 2) and graph.edges == [(1, 0)]


def test_center_drift_moves_center_but_keeps_reward() -> None:
    graph = SubspaceGraph([(0, 0)], [1.0])
    assert not graph.offer(0, (2, 2), improvement=-1.0, beta_reward=0.0, drift=True)
    assert graph.centers == [(2, 2)] and graph.rewards == [1.0]


# -- controller ------------------------------------------------------------------------------
def _random_step(ctrl: Controller, B: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    theta = np.stack([ctrl.init_params(rng, 0.5) for _ in range(B)])
    centers = np.stack([[[rng.integers(s) for s in ctrl.sizes] for _ in range(ctrl.K)]
                        for _ in range(B)])
    rewards = rng.normal(size=(B, ctrl.K))
    if ctrl.K > 2:
        rewards[0, 1] = rewards[0, 2]  # a tie: no edge
    adj, z = adjacency(rewards), reward_feature(rewards)
    decisions = ctrl.sample(theta, centers, z, adj, rng.random((B, ctrl.T)))
    return theta, centers, z, adj, decisions


@pytest.mark.parametrize("sizes,K,M,graph,noop,bound", [
    ((5,) * 6, 4, 4, True, True, 1.5),
    ((5,) * 6, 4, 4, True, True, None),
    ((3, 2, 4), 3, 2, True, False, 1.5),
    ((3, 2, 4), 3, 2, True, False, None),
    ((5,) * 6, 1, 6, True, True, 0.7),
    ((5,) * 6, 4, 3, False, True, 1.5),
])
def test_backward_matches_torch_autograd(sizes, K, M, graph, noop, bound) -> None:
    torch_ref = pytest.importorskip("asebench.search._torch_reference")
    ctrl = Controller(sizes, K, M, hidden=6, embed=3, graph=graph, allow_noop=noop,
                      tanh_constant=bound, op_tanh_reduce=2.5)
    theta, centers, z, adj, _ = _random_step(ctrl, B=3)
    advantage = np.array([1.5, -0.7, 0.2])
    grad = ctrl.backward(advantage, 0.3, np.empty_like(theta))
    logp, ent = ctrl.log_prob_entropy()
    for b in range(3):
        loss, expected = torch_ref.reference_grad(
            ctrl, theta[b], centers[b], z[b], adj[b], ctrl.cache["chosen"][b], advantage[b], 0.3)
        assert loss == pytest.approx(-advantage[b] * logp[b] - 0.3 * ent[b], abs=1e-12)
        np.testing.assert_allclose(grad[b], expected, rtol=1e-9, atol=1e-12)


def test_joint_policy_sums_to_one_over_all_decisions() -> None:
    torch = pytest.importorskip("torch")
    torch_ref = pytest.importorskip("asebench.search._torch_reference")
    ctrl = Controller((2, 3), K=2, M=2, hidden=4, embed=2)
    theta, centers, z, adj, _ = _random_step(ctrl, B=1)
    t = torch.tensor(theta[0])
    total = 0.0
    for chosen in itertools.product(range(2), range(2), range(3), range(2), range(3)):
        if chosen[2] >= ctrl.sizes[chosen[1]] or chosen[4] >= ctrl.sizes[chosen[3]]:
            continue
        logp = -torch_ref.reference_loss(ctrl, t, centers[0], z[0], adj[0],
                                         np.array(chosen), 1.0, 0.0)
        total += float(logp.exp())
    assert total == pytest.approx(1.0, abs=1e-12)


def test_sampled_log_prob_matches_probabilities_and_stays_in_subspace() -> None:
    ctrl = Controller((5,) * 6, K=4, M=2, hidden=8, embed=2)
    theta, centers, z, adj, (node, positions, ops) = _random_step(ctrl, B=200, seed=1)
    logp, ent = ctrl.log_prob_entropy()
    assert np.all(logp < 0) and np.all(ent > 0)
    for b in range(200):
        beta = list(centers[b, node[b]])
        for p, c in zip(positions[b], ops[b]):
            beta[p] = c
        assert np.sum(np.array(beta) != centers[b, node[b]]) <= 2
    np.testing.assert_allclose(ctrl.cache["P"].sum(axis=2), 1.0)


def test_noop_masking_changes_every_edit() -> None:
    ctrl = Controller((5,) * 6, K=3, M=3, hidden=8, embed=2, allow_noop=False)
    theta, centers, z, adj, (node, positions, ops) = _random_step(ctrl, B=300, seed=2)
    for b in range(300):
        beta = list(centers[b, node[b]])
        for p, c in zip(positions[b], ops[b]):
            assert beta[p] != c
            beta[p] = c


def test_gradients_reach_every_parameter_group() -> None:
    ctrl = Controller((5,) * 6, K=4, M=4, hidden=8, embed=2)
    theta, *_ = _random_step(ctrl, B=1, seed=3)
    grad = ctrl.backward(np.array([2.0]), 0.1, np.empty_like(theta))
    for name, (a, b) in ctrl.slices.items():
        assert np.abs(grad[0, a:b]).sum() > 0, name


def test_adam_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(1, 5))
    ref = torch.tensor(theta[0].copy(), requires_grad=True)
    opt = torch.optim.Adam([ref], lr=1e-2)
    adam = Adam(theta.shape, 1e-2)
    for _ in range(5):
        g = rng.normal(size=(1, 5))
        ref.grad = torch.tensor(g[0].copy())
        opt.step()
        adam.step(theta, g.copy())
    np.testing.assert_allclose(theta[0], ref.detach().numpy(), rtol=1e-12)


# -- searcher and ablation switches ----------------------------------------------------------
def _peaked(arch) -> float:
    """One optimum at (2, 2, 2, 2, 2); reward falls with distance to it."""
    return -float(sum(c != 2 for c in arch))


BACKEND = FunctionBackend(sizes=(3,) * 5, reward_fn=_peaked)


def _run(budget: int = 60, seed: int = 0, **options):
    return get("ase", **SMALL, **options).run(BACKEND, Budget(queries=budget),
                                              np.random.default_rng(seed))


def test_initial_centers_are_queried_first_and_info_is_complete() -> None:
    centers = [(0,) * 5, (1,) * 5]
    trace = _run(K=2, initial_centers=centers)
    assert list(trace.archs[:2]) == centers
    info = trace.info
    assert len(info["final_centers"]) == 2 and len(info["final_center_rewards"]) == 2
    assert info["iterations"] == len(trace) - 2
    assert 2 <= info["subspaces_explored"] <= 2 + info["replacements"]
    assert trace.answer_reward == max(info["final_center_rewards"])
    for arch, reward in zip(info["final_centers"], info["final_center_rewards"]):
        assert _peaked(arch) == reward


def test_update_false_keeps_initial_centers() -> None:
    trace = _run(update=False)
    assert [tuple(a) for a in trace.info["final_centers"]] == list(trace.archs[:4])
    assert trace.info["replacements"] == 0 and trace.info["subspaces_explored"] <= 4


def test_update_finds_the_optimum_on_a_smooth_function() -> None:
    trace = _run(budget=120, M=2)
    assert trace.answer_reward == 0.0 and trace.answer == (2,) * 5


def test_absolute_reward_and_no_graph_change_the_search() -> None:
    base = _run()
    assert _run(reward="absolute").archs != base.archs
    no_graph = _run(graph=False)
    assert no_graph.archs != base.archs


def test_center_drift_leaves_stale_rewards() -> None:
    stale = 0
    for seed in range(5):
        info = _run(seed=seed, center_drift=True).info
        stale += sum(_peaked(a) != r for a, r in zip(info["final_centers"],
                                                      info["final_center_rewards"]))
    assert stale > 0
    info = _run(seed=0).info
    assert all(_peaked(a) == r for a, r in zip(info["final_centers"], info["final_center_rewards"]))


def test_max_iterations_and_constraint() -> None:
    trace = _run(max_iterations=7)
    assert trace.info["iterations"] == 7 and len(trace) == 4 + 7
    constrained = _run(budget=100, seed=1, constraint=("size", 6.0))
    initial = set(constrained.archs[:4])
    for arch in map(tuple, constrained.info["final_centers"]):
        assert arch in initial or sum(arch) <= 6.0


def test_random_in_subspace_samples_the_evoked_ball() -> None:
    searcher = get("random-in-subspace", M=2, ase_options=SMALL)
    trace = searcher.run(BACKEND, Budget(queries=30), np.random.default_rng(0))
    center = tuple(trace.info["center"])
    assert all(sum(x != y for x, y in zip(a, center)) <= 2 for a in trace.archs)
    ase = get("ase", M=2, **SMALL)
    explicit = get("random-in-subspace", center=(0,) * 5, M=1).run(
        BACKEND, Budget(queries=30), np.random.default_rng(0))
    assert all(sum(a) <= 2 for a in explicit.archs) and ase.M == 2


def test_run_batch_with_per_seed_initial_centers_equals_single_runs() -> None:
    from asebench.backends import TabularBackend
    from asebench.records import Budget
    from asebench.search import get

    backend = TabularBackend("cifar100")
    space = backend.space
    starts = [[space.sample(np.random.default_rng([s, k])) for k in range(4)] for s in range(3)]
    budget = Budget(seconds=3_000)
    batched = get("ase").run_batch(backend, budget, [np.random.default_rng(s) for s in range(3)],
                                   initial_centers=starts)
    for s, trace in enumerate(batched):
        alone = get("ase", initial_centers=starts[s]).run(backend, budget,
                                                          np.random.default_rng(s))
        assert trace.archs[:4] == tuple(tuple(a) for a in starts[s])
        assert trace.archs == alone.archs and trace.rewards == alone.rewards


# -- the published decision head: bounded logits -----------------------------------------------
def _policy_stats(**options) -> tuple[float, float, float]:
    """Mean distinct-query fraction, final entropy fraction and test accuracy: 20 CIFAR-100
    seeds, the paper's protocol and budget (seeds 1000.. are not the study's)."""
    from asebench.backends import TabularBackend

    backend = TabularBackend("cifar100", protocol="paper")
    rngs = [np.random.default_rng(1000 + s) for s in range(20)]
    traces = get("ase", **options).run_batch(backend, Budget(seconds=25_000), rngs)
    distinct = np.mean([t.info["distinct_fraction"] for t in traces])
    entropy = np.mean([t.info["entropy_fraction"][-1] for t in traces])
    acc = np.mean([backend.report(t.answer)["test_accuracy"] for t in traces])
    return float(distinct), float(entropy), float(acc)


def test_bounded_policy_keeps_exploring_and_unbounded_collapses() -> None:
    distinct, entropy, _ = _policy_stats()
    assert distinct >= 0.85 and entropy >= 0.5
    distinct_free, entropy_free, _ = _policy_stats(tanh_constant=None)
    assert distinct_free < distinct - 0.2 and entropy_free < entropy - 0.3


def test_bound_caps_every_decision_probability() -> None:
    ctrl = Controller((5,) * 6, 4, 4, hidden=6, embed=3, tanh_constant=1.5, op_tanh_reduce=2.5)
    rng = np.random.default_rng(0)
    theta = np.stack([ctrl.init_params(rng, 50.0) for _ in range(8)])  # saturating weights
    centers = rng.integers(0, 5, size=(8, 4, 6))
    rewards = rng.normal(size=(8, 4))
    ctrl.sample(theta, centers, reward_feature(rewards), adjacency(rewards),
                rng.random((8, ctrl.T)))
    probs = ctrl.cache["P"]
    top_node = np.exp(1.5) / (np.exp(1.5) + 3 * np.exp(-1.5))
    top_op = np.exp(0.6) / (np.exp(0.6) + 4 * np.exp(-0.6))
    assert probs[:, 0].max() <= top_node + 1e-12
    assert probs[:, 1:].max() <= top_op + 1e-12 < 0.46
    assert np.all(ctrl.entropy_fraction() > 0.7)


def test_uniform_policy_never_learns_but_still_evokes_and_updates() -> None:
    trace = _run(budget=80, policy="uniform")
    assert all(x == 1.0 for x in trace.info["entropy_fraction"])
    assert trace.info["replacements"] > 0
    ctrl = Controller((3,) * 5, 4, 2, hidden=4, embed=2, uniform=True)
    theta, *_ = _random_step(ctrl, B=2)
    assert not ctrl.backward(np.ones(2), 0.1, np.empty_like(theta)).any()


@pytest.mark.parametrize("options", [{"tanh_constant": 0}, {"tanh_constant": "big"},
                                     {"op_tanh_reduce": -1.0}, {"policy": "greedy"}])
def test_bad_bound_options_are_one_line_errors(options) -> None:
    from asebench.errors import AsebenchError

    with pytest.raises(AsebenchError, match="ase: option"):
        get("ase", **options)


# -- restricted spaces: sub-spaces and hardware constraints ------------------------------------
def _restricted(feasible=None, allowed=None):
    from asebench.backends import TabularBackend, restrict_backend

    return restrict_backend(TabularBackend("cifar100"), allowed=allowed, feasible=feasible)


def test_ase_stays_inside_a_sub_space_of_allowed_ops() -> None:
    allowed = [(1, 3)] * 3 + [(0, 2, 4)] * 3
    backend = _restricted(allowed=allowed)
    traces = get("ase").run_batch(backend, Budget(seconds=8_000),
                                  [np.random.default_rng(s) for s in range(4)])
    for trace in traces:
        assert all(a[p] in allowed[p] for a in trace.archs for p in range(6))
        assert trace.info["infeasible_steps"] == 0  # masked, never proposed
        assert trace.info["iterations"] > 20


def test_ase_never_queries_or_charges_an_infeasible_edit() -> None:
    limit = 8  # at most 8 of the 6 positions' codes summed: a non-product, feasible set
    backend = _restricted(feasible=lambda arch: sum(arch) <= limit)
    budget = Budget(seconds=25_000)
    for trace in get("ase").run_batch(backend, budget,
                                      [np.random.default_rng(s) for s in range(6)]):
        assert all(sum(a) <= limit for a in trace.archs)
        assert all(sum(c) <= limit for c in trace.info["final_centers"])
        assert sum(trace.answer) <= limit
        assert trace.info["infeasible_steps"] > 0
        assert trace.info["iterations"] > len(trace) - 4  # skipped steps were not charged
    single = get("ase").run(backend, budget, np.random.default_rng(3))
    batched = get("ase").run_batch(backend, budget, [np.random.default_rng(3)])[0]
    assert single.archs == batched.archs


def test_paper_rule_queries_infeasible_edits_but_keeps_centers_feasible() -> None:
    limit = 8
    backend = _restricted(feasible=lambda arch: sum(arch) <= limit)
    trace = get("ase", infeasible="query").run(backend, Budget(seconds=25_000),
                                               np.random.default_rng(0))
    assert any(sum(a) > limit for a in trace.archs)  # charged, as the paper does
    assert all(sum(c) <= limit for c in trace.info["final_centers"])
    assert sum(trace.answer) <= limit


def test_given_centers_outside_a_restricted_space_are_replaced_by_feasible_ones() -> None:
    limit = 8
    backend = _restricted(feasible=lambda arch: sum(arch) <= limit)
    outside = [(4,) * 6, (3,) * 6, (0,) * 6, (1,) * 6]  # the first two break the limit
    trace = get("ase").run_batch(backend, Budget(seconds=5_000), [np.random.default_rng(0)],
                                 initial_centers=[outside])[0]
    assert trace.info["replaced_initial_centers"] == 2
    assert trace.archs[2:4] == ((0,) * 6, (1,) * 6)
    assert all(sum(a) <= limit for a in trace.archs)


# -- determinism and precision ------------------------------------------------------------
def _paper_traces(seeds, **options):
    from asebench.backends import TabularBackend

    backend = TabularBackend("cifar100")
    return get("ase", **options).run_batch(backend, Budget(seconds=25_000),
                                           [np.random.default_rng(s) for s in seeds])


def test_default_precision_is_float64_everywhere_in_the_controller() -> None:
    ase = get("ase")
    assert ase.precision == "float64"
    ctrl = ase.controller((5,) * 6)
    assert ctrl.dtype == np.float64
    theta = ctrl.init_params(np.random.default_rng(0))[None]
    rng = np.random.default_rng(1)
    centers = rng.integers(0, 5, size=(1, 4, 6))
    rewards = rng.normal(size=(1, 4))
    ctrl.sample(theta, centers, reward_feature(rewards), adjacency(rewards),
                rng.random((1, ctrl.T)))
    assert ctrl.cache["P"].dtype == np.float64 and ctrl.cache["gates"].dtype == np.float64
    grad = ctrl.backward(np.array([0.3]), 1e-3, np.empty_like(theta))
    assert grad.dtype == np.float64


def test_same_seed_same_trace_twice_in_one_process_and_alone_or_batched() -> None:
    first = _paper_traces(range(3))
    again = _paper_traces(range(3))
    alone = [get("ase").run(backend, Budget(seconds=25_000), np.random.default_rng(s))
             for s, backend in zip(range(3), [_cifar100()] * 3)]
    for a, b, c in zip(first, again, alone):
        assert a.archs == b.archs == c.archs and a.rewards == b.rewards == c.rewards
        assert a.info == b.info
    assert len({trace_digest(t) for t in first}) == 3


def _cifar100():
    from asebench.backends import TabularBackend

    return TabularBackend("cifar100")


def test_same_seed_same_trace_in_another_process() -> None:
    import subprocess
    import sys

    code = ("import numpy as np, sys; sys.path.insert(0, {tests!r})\n"
            "from test_search_ase import _paper_traces, trace_digest\n"
            "print(' '.join(trace_digest(t) for t in _paper_traces(range(3))))")
    done = subprocess.run([sys.executable, "-c",
                           code.format(tests=str(Path(__file__).parent))],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == [trace_digest(t) for t in _paper_traces(range(3))]


def test_float32_is_an_opt_in_that_still_runs_its_own_trajectory() -> None:
    ase32 = get("ase", precision="float32")
    assert ase32.controller((5,) * 6).dtype == np.float32
    f32 = _paper_traces(range(4), precision="float32")
    f64 = _paper_traces(range(4))
    for t32 in f32:
        assert t32.info["iterations"] > 100 and sum(t32.costs) <= 25_000
        assert len(set(t32.archs)) > 0.8 * len(t32)
    alone = get("ase", precision="float32").run(_cifar100(), Budget(seconds=25_000),
                                                np.random.default_rng(2))
    assert alone.archs == f32[2].archs
    # the first K centers are drawn before the controller computes anything
    assert all(a.archs[:4] == b.archs[:4] for a, b in zip(f32, f64))
    assert any(a.archs != b.archs for a, b in zip(f32, f64))


def test_bad_precision_is_a_one_line_error() -> None:
    from asebench.errors import AsebenchError

    with pytest.raises(AsebenchError, match="ase: option precision"):
        get("ase", precision="float16")


# -- float64 traces: the same on every machine and after every speed-up ---------------------
# The digests of ASE-NAS's traces (archs and rewards in query order) for a few hundred seeds,
# as recorded by the float64 controller before its speed work. Every machine, BLAS kernel,
# thread count and SIMD target must reproduce them; after an intended change of ASE-NAS's
# search, rewrite them with ``python tests/test_search_ase.py``.
RECORDED = Path(__file__).with_name("ase_float64_traces.json")
RECORDED_SEEDS = 100  # per dataset, default options (run_batch in chunks of 25, as a study)
VARIANT_SEEDS = 10  # per variant below (cifar100)
VARIANTS: dict[str, dict[str, object]] = {
    "graph=False": {"graph": False},
    "allow_noop=False": {"allow_noop": False},
    "tanh_constant=None": {"tanh_constant": None},
    "policy=uniform": {"policy": "uniform"},
    "reward=absolute": {"reward": "absolute"},
    "K=6,M=2,hidden=16": {"K": 6, "M": 2, "hidden": 16},
}


def trace_digest(trace) -> str:
    """sha256 (first 16 hex digits) of a trace's archs and rewards, in query order."""
    h = hashlib.sha256()
    h.update(repr([tuple(int(c) for c in a) for a in trace.archs]).encode())
    h.update(np.asarray(trace.rewards, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


def recorded_traces() -> dict[str, str]:
    """Digest of every recorded case: ``"case|dataset|seed"`` -> :func:`trace_digest`."""
    from asebench.backends import TabularBackend

    out: dict[str, str] = {}

    def batch(case: str, backend, seeds: range, chunk: int = 25, **options) -> None:
        dataset = getattr(backend, "wrapped", backend).dataset
        budget = Budget(seconds=25_000)
        searcher = get("ase", **options)
        for start in range(seeds.start, seeds.stop, chunk):
            block = range(start, min(start + chunk, seeds.stop))
            traces = searcher.run_batch(backend, budget,
                                        [np.random.default_rng(s) for s in block])
            for s, trace in zip(block, traces):
                out[f"{case}|{dataset}|{s}"] = trace_digest(trace)

    for dataset in ("cifar10", "cifar100", "ImageNet16-120"):
        batch("default", TabularBackend(dataset), range(RECORDED_SEEDS))
    backend = TabularBackend("cifar100")
    for case, options in VARIANTS.items():
        batch(case, backend, range(1000, 1000 + VARIANT_SEEDS), **options)
    allowed = [(1, 3)] * 3 + [(0, 2, 4)] * 3
    batch("sub-space", _restricted(allowed=allowed), range(2000, 2000 + VARIANT_SEEDS))
    batch("feasible", _restricted(feasible=lambda arch: sum(arch) <= 8),
          range(3000, 3000 + VARIANT_SEEDS))
    batch("feasible,infeasible=query", _restricted(feasible=lambda arch: sum(arch) <= 8),
          range(3000, 3000 + VARIANT_SEEDS), infeasible="query")
    return out


@pytest.mark.slow
def test_float64_traces_are_the_recorded_ones() -> None:
    recorded = json.loads(RECORDED.read_text())
    now = recorded_traces()
    differ = sorted(k for k in recorded if now.get(k) != recorded[k])
    assert now.keys() == recorded.keys()
    assert not differ, f"{len(differ)} of {len(recorded)} traces changed, e.g. {differ[:5]}"


if __name__ == "__main__":
    RECORDED.write_text(json.dumps(recorded_traces(), indent=0, sort_keys=True) + "\n")
