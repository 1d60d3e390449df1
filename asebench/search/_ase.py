"""ASE-NAS (paper Sec. III, Alg. 1): evoke a subspace, edit its center, update the graph.

The controller's decision head is the published one: bounded logits (``tanh_constant``).

Each step samples (subspace alpha, M edits) from the joint policy, queries
``beta = alpha (+) edits`` through the BudgetedEvaluator, rewards the policy with
``R = reward(beta) - reward(alpha)`` (REINFORCE, moving-average baseline, entropy bonus, Adam)
and lets beta replace alpha when ``reward(beta) > reward(alpha)``. ``run_batch`` runs many
seeds as batched numpy models (groups of up to 16 seeds); ``run`` is ``run_batch`` with one
seed, so both give the same trace for the same generator state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator, RestrictedBackend
from asebench.errors import AsebenchError, BudgetExhausted
from asebench.records import Arch, Budget, Trace
from asebench.search._controller import Adam, Controller
from asebench.search._graph import SubspaceGraph, adjacency, reward_feature
from asebench.search._options import check_choice, check_float, check_int
from asebench.search._protocol import JSONValue, Searcher
from asebench.spaces import SubSpace

__all__ = ["ASESearch"]

REWARDS = ("improvement", "absolute")
POLICIES = ("learned", "uniform")
INFEASIBLE = ("skip", "query")
PRECISIONS = ("float32", "float64")
_MAX_INFEASIBLE_STREAK = 10_000  # free steps in a row before a seed gives up (never seen)
_MAX_POSITIONS = 64  # option M is re-checked against the real space at run time
_GROUP = 16  # seeds run at once by run_batch (measured fastest of 8, 16, 32, 100 per seed)


@dataclass(frozen=True)
class ASESearch:
    """ASE-NAS; defaults are the paper's NB201 settings (IV-A).

    Args:
        K: number of candidate subspaces (graph nodes).
        M: local search distance (edits per step), 1..L.
        lr: Adam learning rate.
        entropy_weight: weight of the entropy bonus.
        baseline_decay: moving-average decay of the reward baseline (0.9 as published; the
            average starts at the first reward and is updated before the advantage is taken).
        hidden: width of the GNN and LSTM; embed: width of one (position, choice) vector
            (not given in the paper; 32 as NB201's ENAS controller, and fast).
        init_scale: parameters start uniform in [-init_scale, init_scale].
        update: False freezes the K initial subspaces (ablation, paper V-B).
        reward: ``improvement`` (paper) or ``absolute`` (R = reward(beta); ablation V-C).
        graph: False replaces the GNN by two dense layers per node (ablation V-D).
        center_drift: ablation of a public implementation's in-place edit: a rejected beta
            still becomes the node's center while the node keeps the old reward.
        allow_noop: True (paper) lets an edit pick the op a position already has (a no-op);
            False masks that op, so every edit changes the arch (an option of ours: with the
            improvement reward a no-op earns exactly 0, above the typical negative reward,
            and the paper-default policy drifts towards spending queries on beta == alpha).
        max_iterations: optional cap on controller steps besides the budget.
        initial_centers: exactly K archs to start from (ASE-NAS+); default: K random archs.
        constraint: optional ``(metric, max_value)``: beta replaces a center only if
            ``evaluation.metrics[metric] <= max_value`` (the backend must report it).
        tanh_constant: bound of the decision logits, as published (ENAS "tanh constant"):
            the subspace logits become ``tanh_constant * tanh(logits)``; ``None`` leaves every
            logit unbounded (ablation: the policy then collapses onto no-op edits at lr 1e-2).
        op_tanh_reduce: position and op logits are bounded by ``tanh_constant /
            op_tanh_reduce`` (1.5 / 2.5 = 0.6, as published).
        policy: ``learned`` (the paper) or ``uniform``: every decision uniform and never
            trained, while the subspaces are evoked, updated and graphed as usual (the
            published controller's ``force_uniform``; ablation of the learned policy).
        infeasible: what happens when ``backend.space`` is restricted (a sub-space, or a
            hardware constraint through :class:`asebench.backends.RestrictedBackend`) and an
            edit leaves it. ``skip`` (default): beta is not queried and costs nothing; the
            policy receives the worst reward it has observed in this run (0 before any), so
            it learns to avoid such edits without a magic constant on another scale; the
            center stays. ``query``: the paper's ImageNet rule: beta is queried and charged
            like any candidate (through the unrestricted backend) but never replaces a
            center. Either way every center, and so the answer, lies in the restricted space;
            op choices outside a position's allowed set are masked out of the policy.
        precision: float type of the controller's parameters, Adam state and activations.
            ``float64`` (default) makes a seed's trace the same on every machine: BLAS kernels
            (``OPENBLAS_CORETYPE``), thread counts and numpy's SIMD targets round the
            controller's arithmetic differently, and a decision flips only when a uniform
            draw falls within that rounding of a boundary of its inverse CDF, about once in
            10^8 runs in float64 (see :mod:`asebench.search._controller`). ``float32`` is an
            opt-in for speed and is NOT machine-independent: its rounding is 2^29 times
            coarser, and about one run in 20 changed between two OpenBLAS kernels of one
            machine. The two precisions give different trajectories for a seed, not a
            different distribution.

    Differences from the published implementation (GitHub chenyaofo/DSM-NAS,
    ``NASBench201ModificationController`` + ``entry/train201.py``), each kept on purpose:

    * Width 32 (published 64) and learnable (position, choice) embeddings plus a z-scored
      reward as the node input (published: raw one-hot and the raw accuracy in percent through
      a linear layer). Measured in the published code on this table (CIFAR-100, 100 seeds,
      bound kept): width 32 72.89 +- 0.62, z-scored reward 72.93 +- 0.58, as published
      72.91 +- 0.52; ours is 2-3x cheaper per step and scale-free across backends.
    * Subspace head: a bilinear score ``g_k . (h Ws)`` instead of additive attention
      ``v . tanh(We g_k + Wh h)``; LSTM inputs after a decision are the chosen node's GNN
      feature, a per-position vector and a per-(position, op) vector instead of index
      embeddings of the node, layer and op. Both are bounded the same way; the bilinear head
      keeps the hand-written backward short.
    * GNN messages average over a node's neighbours (published: over all K-1 other nodes,
      absent edges contributing a learned bias through an extra pooling layer); edges join
      strictly worse to better centers (published: ``<=``, so equal rewards get one edge).
    * Adam without weight decay (published default 2.37e-5, negligible at 190 steps); the
      paper's lr 1e-2 and entropy weight 7.5e-4 (the published script's defaults are the
      tuned 9.45e-3 and 5.05e-4).
    * Every query is charged to the budget, the K initial centers included, and a query that
      would exceed the budget ends the run uncounted (published: initial centers are free and
      the last query may overshoot): the same budget rule as every other method here. No
      200-iteration cap by default (the 25,000 s budget allows ~185 steps on NB201 anyway).
    * The published in-place edit of a rejected beta (the center moves while its node keeps
      the old reward) is fixed; ``center_drift=True`` reproduces it.

    Trace.info: ``final_centers`` (K archs as lists, node order), ``final_center_rewards``,
    ``subspaces_explored`` (distinct archs that ever were a center, initial ones included),
    ``iterations`` (controller steps), ``replacements``, ``noop_steps`` (beta == alpha),
    ``last_evoked_center`` (alpha of the last completed step; the best center if none),
    ``entropy_fraction`` (per step: the policy's summed entropy over its maximum),
    ``distinct_fraction`` (distinct archs among all queries), ``infeasible_steps`` (edits
    that left a restricted space), ``replaced_initial_centers`` (given centers outside it,
    replaced by feasible random ones).
    The answer is the best center by its node's reward.
    """

    name: ClassVar[str] = "ase"
    display_name: ClassVar[str] = "ASE-NAS"
    cost_hint: ClassVar[float] = 10.0

    K: int = 4
    M: int = 4
    lr: float = 1e-2
    entropy_weight: float = 7.5e-4
    baseline_decay: float = 0.9
    hidden: int = 32
    embed: int = 8
    init_scale: float = 0.1
    update: bool = True
    reward: str = "improvement"
    graph: bool = True
    center_drift: bool = False
    allow_noop: bool = True
    max_iterations: int | None = None
    initial_centers: tuple[Arch, ...] | None = field(default=None)
    constraint: tuple[str, float] | None = None
    tanh_constant: float | None = 1.5
    op_tanh_reduce: float = 2.5
    policy: str = "learned"
    infeasible: str = "skip"
    precision: str = "float64"

    def __post_init__(self) -> None:
        m = self.name
        check_int(m, "K", self.K, 1)
        check_int(m, "M", self.M, 1, _MAX_POSITIONS)
        check_float(m, "lr", self.lr, 0.0, low_open=True)
        check_float(m, "entropy_weight", self.entropy_weight, 0.0)
        check_float(m, "baseline_decay", self.baseline_decay, 0.0, 1.0, high_open=True)
        check_int(m, "hidden", self.hidden, 1)
        check_int(m, "embed", self.embed, 1)
        check_float(m, "init_scale", self.init_scale, 0.0, low_open=True)
        check_choice(m, "reward", self.reward, REWARDS)
        check_choice(m, "policy", self.policy, POLICIES)
        check_choice(m, "infeasible", self.infeasible, INFEASIBLE)
        check_choice(m, "precision", self.precision, PRECISIONS)
        if self.tanh_constant is not None:
            check_float(m, "tanh_constant", self.tanh_constant, 0.0, low_open=True)
        check_float(m, "op_tanh_reduce", self.op_tanh_reduce, 0.0, low_open=True)
        for flag in ("update", "graph", "center_drift", "allow_noop"):
            check_choice(m, flag, getattr(self, flag), (True, False))
        check_int(m, "max_iterations", self.max_iterations, 1, allow_none=True)
        if self.initial_centers is not None:
            try:
                centers = tuple(tuple(int(c) for c in arch) for arch in self.initial_centers)
            except (TypeError, ValueError):
                raise AsebenchError(f"{m}: initial_centers must be a list of archs") from None
            if len(centers) != self.K:
                raise AsebenchError(
                    f"{m}: initial_centers needs exactly K={self.K} archs, got {len(centers)}")
            object.__setattr__(self, "initial_centers", centers)
        raw: object = self.constraint  # user input: check the shape the type promises
        if raw is not None:
            if (not isinstance(raw, (tuple, list)) or len(raw) != 2
                    or not isinstance(raw[0], str)):
                raise AsebenchError(f"{m}: constraint must be (metric name, max value)")
            check_float(m, "constraint value", raw[1])
            object.__setattr__(self, "constraint", (raw[0], float(raw[1])))

    def controller(self, sizes: Sequence[int],
                   allowed: Sequence[Sequence[int]] | None = None) -> Controller:
        """The policy network for a space with ``sizes`` choices per position (``allowed``:
        the op codes edits may choose per position, None for all)."""
        return Controller(sizes, self.K, self.M, self.hidden, self.embed, self.graph,
                          self.allow_noop, self.tanh_constant, self.op_tanh_reduce,
                          self.policy == "uniform", allowed,
                          np.float32 if self.precision == "float32" else np.float64)

    def _check_space(self, backend: Backend,
                     starts: Sequence[tuple[Arch, ...] | None]) -> tuple[int, ...]:
        space = backend.space
        L = space.num_positions
        if self.M > L:
            raise AsebenchError(f"{self.name}: option M must be in 1..{L}, got {self.M}")
        # given centers must be archs of the whole space; outside a restriction they are
        # replaced at the start of the run
        for centers in starts:
            for arch in centers or ():
                space.parent.validate(arch)
        return tuple(space.sizes)

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        return self.run_batch(backend, budget, [rng])[0]

    # -- what the study may do with ASE-NAS (the optional method protocols) -------------
    def warm_started(self, known: Sequence[tuple[Arch, float]]) -> Searcher:
        """Start from the best K known archs as centers (itself when fewer are known)."""
        if len(known) < self.K:
            return self
        return replace(self, initial_centers=tuple(arch for arch, _ in known[:self.K]))

    def transfer_state(self, trace: Trace) -> JSONValue:
        """ASE-NAS+ starts from the final subspace centers of an ASE-NAS run."""
        centers = trace.info["final_centers"]
        assert isinstance(centers, list)  # reported as K lists of op codes
        return [[int(c) for c in arch] for arch in centers]

    def started_from(self, state: JSONValue) -> Searcher:
        """This method with ``state`` (K archs) as its initial centers."""
        return replace(self, initial_centers=_centers_of_state(self.name, state))

    def run_batch_from(self, backend: Backend, budget: Budget,
                       rngs: Sequence[np.random.Generator],
                       states: Sequence[JSONValue]) -> list[Trace]:
        """A batch with seed i started from the K centers ``states[i]``."""
        return self.run_batch(backend, budget, rngs,
                              initial_centers=[_centers_of_state(self.name, s) for s in states])

    def run_batch(self, backend: Backend, budget: Budget,
                  rngs: Sequence[np.random.Generator],
                  initial_centers: Sequence[Sequence[Arch]] | None = None) -> list[Trace]:
        """Run ``len(rngs)`` independent seeds as one batched controller.

        Args:
            initial_centers: optional K archs per seed (ASE-NAS+ with a different source run
                per seed); overrides the ``initial_centers`` option.
        """
        starts: list[tuple[Arch, ...] | None]
        if initial_centers is None:
            starts = [self.initial_centers] * len(rngs)
        else:
            if len(initial_centers) != len(rngs):
                raise AsebenchError(
                    f"ase: {len(initial_centers)} initial-center sets for {len(rngs)} seeds")
            starts = [replace(self, initial_centers=tuple(map(tuple, c))).initial_centers
                      for c in initial_centers]
        sizes = self._check_space(backend, starts)
        space = backend.space
        allowed = [tuple(space.allowed_choices(p)) for p in range(len(sizes))]
        restricted = any(len(a) < s for a, s in zip(allowed, sizes))
        ctrl = self.controller(sizes, allowed if restricted else None)
        # the seeds run in groups of at most _GROUP, one group after the other: a group's
        # parameters, gradients and Adam moments stay in the CPU's cache from step to step,
        # where 100 seeds' (80 MB in float64) stream through memory every step. Rows never
        # mix, so a seed's trace does not depend on the grouping.
        groups = -(-len(rngs) // _GROUP)
        traces: list[Trace] = []
        for g in range(groups):
            part = slice(g * len(rngs) // groups, (g + 1) * len(rngs) // groups)
            traces += _BatchRun(self, ctrl, backend, budget, rngs[part], starts[part]).run()
        return traces


def _centers_of_state(method: str, state: JSONValue) -> tuple[Arch, ...]:
    centers: list[Arch] = []
    for arch in state if isinstance(state, list) else [None]:
        if not isinstance(arch, list) or not all(isinstance(c, int) for c in arch):
            raise AsebenchError(f"{method}: a transfer state must be a list of archs")
        centers.append(tuple(c for c in arch if isinstance(c, int)))
    return tuple(centers)


class _Seed:
    """One seed's mutable state during a batched run."""

    __slots__ = ("rng", "evaluator", "graph", "explored", "iterations", "replacements",
                 "noops", "last_alpha", "baseline", "done", "entropy", "worst", "infeasible",
                 "streak", "replaced")

    def __init__(self, rng: np.random.Generator, evaluator: BudgetedEvaluator) -> None:
        self.rng, self.evaluator = rng, evaluator
        self.graph = SubspaceGraph([], [])
        self.explored: set[Arch] = set()
        self.iterations = self.replacements = self.noops = 0
        self.last_alpha: Arch | None = None
        self.baseline: float | None = None  # set to the first reward, as published
        self.done = False
        self.entropy: list[float] = []  # policy entropy / its maximum, per step
        self.worst: float | None = None  # lowest reward R observed (an infeasible edit's R)
        self.infeasible = 0  # edits that left the restricted space
        self.streak = 0  # consecutive infeasible edits
        self.replaced = 0  # given initial centers outside the restricted space


class _BatchRun:
    def __init__(self, method: ASESearch, ctrl: Controller, backend: Backend, budget: Budget,
                 rngs: Sequence[np.random.Generator],
                 starts: Sequence[tuple[Arch, ...] | None]) -> None:
        self.m, self.ctrl, self.backend, self.budget = method, ctrl, backend, budget
        space = backend.space
        # membership is checked only where the space is restricted (the hot path stays bare)
        self.contains = (space.contains if isinstance(space, SubSpace) and not space.is_full
                         else None)
        # the paper's query-then-reject rule queries outside archs through the wrapped backend
        queried = (backend.backend if method.infeasible == "query"
                   and isinstance(backend, RestrictedBackend) else backend)
        self.seeds = [_Seed(rng, BudgetedEvaluator(queried, budget, rng)) for rng in rngs]
        self.starts = starts

    def _init_seed(self, seed: _Seed, start: tuple[Arch, ...] | None) -> np.ndarray:
        """Parameters, then K evaluated initial centers (they cost budget like any query)."""
        theta = self.ctrl.init_params(seed.rng, self.m.init_scale)
        space = self.backend.space
        archs = (list(start) if start is not None
                 else [space.sample(seed.rng) for _ in range(self.m.K)])
        if self.contains is not None:
            # a given center outside a restricted space (an ASE-NAS+ center from another
            # dataset just over a limit there) is replaced by a feasible random one
            for i, arch in enumerate(archs):
                if not self.contains(arch):
                    archs[i] = space.sample(seed.rng)
                    seed.replaced += 1
        try:
            for arch in archs:
                result = seed.evaluator.evaluate(arch)
                seed.graph.centers.append(arch)
                seed.graph.rewards.append(result.reward)
                seed.explored.add(arch)
        except BudgetExhausted:
            seed.done = True
        return theta

    def run(self) -> list[Trace]:
        m, ctrl = self.m, self.ctrl
        seeds = self.seeds
        theta = np.stack([self._init_seed(seed, start) for seed, start in zip(seeds, self.starts)])
        active = [i for i, seed in enumerate(seeds) if not seed.done]
        theta = theta[active]
        adam = Adam(theta.shape, m.lr, dtype=ctrl.dtype.type)
        grad = np.empty_like(theta)
        absolute = m.reward == "absolute"
        decay, ent_w = m.baseline_decay, m.entropy_weight
        constraint, drift, update = m.constraint, m.center_drift, m.update
        cap = m.max_iterations
        learn = m.policy == "learned"
        contains, query_outside = self.contains, m.infeasible == "query"
        T = ctrl.T
        rows = active  # seed index of each parameter row; finished rows stay until compaction
        while active:
            n = len(rows)
            centers = np.array([seeds[i].graph.centers for i in rows], dtype=np.int64)
            rewards = np.array([seeds[i].graph.rewards for i in rows], dtype=np.float64)
            u = np.zeros((n, T))
            for r, i in enumerate(rows):
                if not seeds[i].done:
                    u[r] = seeds[i].rng.random(T)
            node, positions, ops = ctrl.sample(theta, centers, reward_feature(rewards),
                                               adjacency(rewards), u)
            entropy = ctrl.entropy_fraction().tolist()
            advantage = np.zeros(n)
            for r, i in enumerate(rows):
                seed = seeds[i]
                if seed.done:
                    continue
                k = int(node[r])
                graph = seed.graph
                alpha = graph.centers[k]
                beta_list = list(alpha)
                for p, c in zip(positions[r].tolist(), ops[r].tolist()):
                    beta_list[p] = c
                beta = tuple(beta_list)
                inside = contains is None or contains(beta)
                if not inside:
                    seed.infeasible += 1
                if inside or query_outside:
                    try:
                        result = seed.evaluator.evaluate(beta)
                    except BudgetExhausted:
                        seed.done = True
                        continue
                    improvement = result.reward - graph.rewards[k]
                    R = result.reward if absolute else improvement
                    seed.worst = R if seed.worst is None else min(seed.worst, R)
                    seed.streak = 0
                else:  # skipped: nothing queried or charged; the worst reward seen so far
                    result = None
                    R = 0.0 if seed.worst is None else seed.worst
                    seed.streak += 1
                seed.iterations += 1
                seed.entropy.append(entropy[r])
                seed.last_alpha = alpha
                seed.noops += beta == alpha
                # the published moving average: starts at the first reward and is updated
                # before the advantage is taken
                seed.baseline = (R if seed.baseline is None
                                 else decay * seed.baseline + (1.0 - decay) * R)
                advantage[r] = R - seed.baseline
                if update and result is not None:
                    allowed = inside and (constraint is None
                                          or result.metrics[constraint[0]] <= constraint[1])
                    if graph.offer(k, beta, improvement, result.reward, allowed,
                                   drift and inside):
                        seed.replacements += 1
                    seed.explored.add(graph.centers[k])
                if (cap is not None and seed.iterations >= cap) or \
                        seed.streak >= _MAX_INFEASIBLE_STREAK:
                    seed.done = True
            if learn:
                # rows of finished seeds are updated too (harmless: they never sample again)
                ctrl.backward(advantage, ent_w, grad)
                adam.step(theta, grad)
            active = [i for i in rows if not seeds[i].done]
            if len(active) < 0.75 * len(rows):
                keep = np.array([r for r, i in enumerate(rows) if not seeds[i].done],
                                dtype=np.int64)
                theta, grad = theta[keep], grad[keep]
                adam.take(keep)
                rows = active
        return [self._trace(seed) for seed in seeds]

    def _trace(self, seed: _Seed) -> Trace:
        graph = seed.graph
        if not graph.centers:
            return seed.evaluator.trace()  # the budget ended during initialisation
        best = graph.best()
        last = seed.last_alpha if seed.last_alpha is not None else graph.centers[best]
        info = {
            "final_centers": [list(a) for a in graph.centers],
            "final_center_rewards": [float(r) for r in graph.rewards],
            "subspaces_explored": len(seed.explored),
            "iterations": seed.iterations,
            "replacements": seed.replacements,
            "noop_steps": seed.noops,
            "last_evoked_center": list(last),
            "entropy_fraction": [round(x, 4) for x in seed.entropy],
            "distinct_fraction": len(set(seed.evaluator.archs)) / len(seed.evaluator.archs),
            "queries_outside_space": self.m.infeasible == "query",
            "infeasible_steps": seed.infeasible,
            "replaced_initial_centers": seed.replaced,
        }
        return seed.evaluator.trace(graph.centers[best], graph.rewards[best], info)
