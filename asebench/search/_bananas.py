"""BANANAS: Bayesian optimisation with an ensemble of neural predictors on the path encoding.

White, Neiswanger & Savani, "BANANAS: Bayesian Optimization with Neural Architectures for
Neural Architecture Search", AAAI 2021. Implemented from the paper and the authors' code
(naszilla: ``nas_algorithms.bananas``, ``params.meta_neuralnet_params('standard')``,
``acquisition_functions.acq_fn``, ``nas_benchmarks.get_candidates``, the NB201 cell's
encodings and mutation), with its defaults; see :class:`Bananas` for what differs and why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator, KeyedBackend, unwrap
from asebench.errors import AsebenchError, BudgetExhausted
from asebench.records import Arch, Budget, Trace
from asebench.search._mlp import MLPConfig, MLPEnsemble
from asebench.search._options import check_choice, check_float, check_int, known_pairs
from asebench.search._protocol import Searcher
from asebench.search._within import allowed_table, feasibility, mutable_positions
from asebench.spaces import Encodable, Space

__all__ = ["Bananas", "ENCODINGS", "ACQUISITIONS"]

ENCODINGS = ("path", "onehot")
ACQUISITIONS = ("its", "ucb", "ei")
PATIENCE = 5
"""The published ``patience_factor``: parents are the best ``5 x num_arches_to_mutate``
archs, random initial archs get ``5 x num_init`` draws."""
UCB_EXPLORE = 0.5
"""The published UCB ``explore_factor``."""
EI_CALIBRATION = 5.0
"""The published EI ``ei_calibration_factor`` (the ensemble's spread is divided by it)."""
LOSS_OFFSET = 100.0
"""The predictor learns ``100 - reward``: the published target is the validation error in
percent, and rewards here are accuracies in percent."""


@runtime_checkable
class _Canonicalising(Protocol):
    """A space that names one encoding per network (MobileNet: skips moved last)."""

    def canonical(self, arch: Arch) -> Arch:
        ...


@dataclass(frozen=True)
class Bananas:
    """BANANAS (White, Neiswanger & Savani, AAAI 2021), with the published defaults.

    ``num_init`` random distinct archs are queried; then every iteration (1) makes
    candidates by mutating the best archs queried so far, (2) trains an ensemble of
    ``ensemble`` feed-forward networks from scratch on the encoding of every queried arch
    (target: its error, ``100 - reward``), (3) ranks the candidates by the acquisition over
    the ensemble's predictions (default independent Thompson sampling: one draw per candidate
    from a normal of the ensemble's mean and spread) and (4) queries the best ``k``. It runs
    until the budget ends; the answer is the best reward queried.

    Candidates (the published ``get_candidates``, ``acq_opt_type='mutation'``): parents are
    the best ``5 * num_arches_to_mutate`` archs by reward (ties: the earlier query); from each
    in turn, until ``candidates`` are collected (checked between parents, so up to about
    twice as many), ``candidates // num_arches_to_mutate // max_mutation_rate`` mutations per
    rate ``1..max_mutation_rate``. A mutation at rate r changes each position with
    probability ``r / (L - 2)`` to a different choice drawn uniformly: the published NB201 rule
    (1/4 for its six edges), applied to the L positions that can change.

    Duplicates (``allow_isomorphisms=False``, the published default): an initial arch or a
    candidate is dropped when its network was already queried or is already a candidate;
    the network is the benchmark's own key of an arch where the backend has one
    (NAS-Bench-Graph: the package's hash, which merges equivalent encodings), else the space's
    canonical form (MobileNet: skips last), else the arch itself (NB201: its string, as the
    published NB201 code hashes it). With ``allow_isomorphisms=True`` nothing is dropped and
    an arch may be queried again (and charged again).

    Options:
        num_init: random archs queried first (10).
        k: archs queried per iteration (10).
        ensemble: networks in the ensemble (5).
        candidates: candidates collected per iteration (100).
        num_arches_to_mutate: parents are the best ``5 x`` this many archs (1).
        max_mutation_rate: mutation rates 1..this (1).
        acquisition: ``its`` (default), ``ucb`` (mean - 0.5 std of the error) or ``ei``
            (expected improvement on the error, spread divided by 5), as published.
        encoding: ``path``: the space's path encoding (:class:`~asebench.spaces.Encodable`:
            NB201), else a one-hot of the choice codes; ``onehot``: the one-hot always.
        cutoff: path-encoding features kept; 0 = the space's published truncation (NB201:
            30, the paths of one and two edges); 155 = NB201's full encoding.
        allow_isomorphisms: keep duplicate networks (False).
        layers, width, epochs, batch_size, lr: every network (the published ``standard``
            predictor: 10 x 20 ReLU, 150 epochs, batch 32, Adam lr 0.01, MAE loss).
        initial: known ``(arch, reward)`` pairs (from a space-evolution method's earlier
            rounds): the first data, not queried again; random archs make up ``num_init``.

    Differences from the published code, and why:

    * The networks are numpy float64 (:mod:`asebench.search._mlp`), not TensorFlow/Keras
      float32: the core install has no deep-learning framework, and float64 with every
      random number (initial weights, shuffles, draws) from the run's generator makes a
      seed's trace reproducible. Keras' defaults are kept: Glorot-uniform weights, zero
      biases, reshuffling every epoch, TensorFlow's Adam (beta_2 0.99 as published, epsilon
      1e-7). The five networks are trained side by side as batched matmuls; each keeps its
      own initial weights and shuffles.
    * The run ends when the budget does (simulated seconds and/or queries), not after a fixed
      150 queries; an iteration cut short by the budget queries its best candidates first.
    * A candidate that the space refuses (outside a sub-space's allowed choices, or failing
      its feasibility rule, e.g. under ``--constraint``) is dropped like a duplicate, so every
      query lies inside ``backend.space``. Mutations draw only allowed choices.
    * When mutation gives no new candidate (a small or exhausted sub-space), up to
      ``5 x candidates`` random archs are tried instead; when those give none either, the
      run ends early (``Trace.info['exhausted']``). The published loop would spin.
    * Candidates with identical encodings (e.g. NB201 archs that differ only on edge e12,
      which the truncated encoding leaves out) get one prediction, so their mean and spread
      are exactly equal; rankings sort stably (ties: candidate order).
    * EI where the ensemble agrees exactly (spread 0) is the improvement of the mean (the
      published formula divides by zero there).
    * Rewards not in percent are learned as they come (no rescaling, as published).

    Trace.info: ``iterations`` (ensembles trained), ``encoding`` (``path`` or ``onehot``),
    ``features``, ``candidates`` (scored, all iterations), ``exhausted`` (the run ended
    before the budget: no new arch was found).
    """

    name: ClassVar[str] = "bananas"
    display_name: ClassVar[str] = "BANANAS"
    cost_hint: ClassVar[float] = 1500.0  # measured: about 1,700 random-search runs
    num_init: int = 10
    k: int = 10
    ensemble: int = 5
    candidates: int = 100
    num_arches_to_mutate: int = 1
    max_mutation_rate: int = 1
    acquisition: str = "its"
    encoding: str = "path"
    cutoff: int = 0
    allow_isomorphisms: bool = False
    layers: int = 10
    width: int = 20
    epochs: int = 150
    batch_size: int = 32
    lr: float = 0.01
    initial: tuple[tuple[Arch, float], ...] = ()

    def __post_init__(self) -> None:
        n = self.name
        check_int(n, "num_init", self.num_init, 1)
        check_int(n, "k", self.k, 1)
        check_int(n, "ensemble", self.ensemble, 1)
        check_int(n, "candidates", self.candidates, 1)
        check_int(n, "num_arches_to_mutate", self.num_arches_to_mutate, 1, self.candidates)
        check_int(n, "max_mutation_rate", self.max_mutation_rate, 1)
        if self.candidates // self.num_arches_to_mutate // self.max_mutation_rate < 1:
            raise AsebenchError(
                f"{n}: candidates ({self.candidates}) must be at least num_arches_to_mutate x "
                f"max_mutation_rate ({self.num_arches_to_mutate * self.max_mutation_rate})")
        check_choice(n, "acquisition", self.acquisition, ACQUISITIONS)
        check_choice(n, "encoding", self.encoding, ENCODINGS)
        check_int(n, "cutoff", self.cutoff, 0)
        if not isinstance(self.allow_isomorphisms, bool):
            raise AsebenchError(
                f"{n}: option allow_isomorphisms must be true or false, "
                f"got {self.allow_isomorphisms!r}")
        check_int(n, "layers", self.layers, 1)
        check_int(n, "width", self.width, 1)
        check_int(n, "epochs", self.epochs, 1)
        check_int(n, "batch_size", self.batch_size, 1)
        check_float(n, "lr", self.lr, 0.0, low_open=True)
        object.__setattr__(self, "initial", known_pairs(n, self.initial))

    def warm_started(self, known: Sequence[tuple[Arch, float]]) -> Searcher:
        """Start from ``known`` (remembered, not re-queried)."""
        return replace(self, initial=tuple(known))

    @property
    def network(self) -> MLPConfig:
        """Every ensemble member's architecture and training."""
        return MLPConfig(layers=self.layers, width=self.width, epochs=self.epochs,
                         batch_size=self.batch_size, lr=self.lr)

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        space = backend.space
        encode, encoding = _encoder(space, self.encoding, self.cutoff)
        network_of = _identity(backend)
        evaluator = BudgetedEvaluator(backend, budget, rng)
        seen: set[Hashable] = set()
        archs: list[Arch] = []
        rewards: list[float] = []
        for arch, reward in self.initial:
            arch = space.validate(arch)
            seen.add(network_of(arch))
            archs.append(arch)
            rewards.append(reward)
        proposer = _Proposer(space, network_of, self.allow_isomorphisms)
        iterations = scored = 0
        exhausted = False
        try:
            for arch in proposer.random(rng, seen, self.num_init - len(archs),
                                        PATIENCE * self.num_init):
                rewards.append(evaluator.evaluate(arch).reward)
                archs.append(arch)
                seen.add(network_of(arch))
            while True:
                if not archs:
                    exhausted = True
                    break
                pool = proposer.mutants(rng, seen, archs, rewards, self)
                if not pool:
                    pool = proposer.random(rng, seen, self.candidates,
                                           PATIENCE * self.candidates)
                if not pool:
                    exhausted = True
                    break
                if budget.queries is not None and evaluator.num_queries >= budget.queries:
                    break  # no query left to spend the predictor on
                x = encode(archs)
                y = LOSS_OFFSET - np.asarray(rewards, dtype=np.float64)
                nets = MLPEnsemble(self.ensemble, x.shape[1], self.network, rng)
                nets.fit(x, y, rng)
                iterations += 1
                scored += len(pool)
                order = _rank(self.acquisition, _predict(nets, encode(pool)), y, rng)
                for i in order[:self.k]:
                    arch = pool[int(i)]
                    rewards.append(evaluator.evaluate(arch).reward)
                    archs.append(arch)
                    seen.add(network_of(arch))
        except BudgetExhausted:
            pass
        return evaluator.trace(info={
            "iterations": iterations, "encoding": encoding,
            "features": int(encode(archs[:1]).shape[1]) if archs else 0,
            "candidates": scored, "exhausted": exhausted})


class _Proposer:
    """New archs inside ``space``: random ones and the published mutation candidates."""

    def __init__(self, space: Space, network_of: Callable[[Arch], Hashable],
                 allow_isomorphisms: bool) -> None:
        self.space = space
        self.allowed = allowed_table(space)
        self.positions = mutable_positions(space, self.allowed)
        self.inside = feasibility(space)
        self.network_of = network_of
        self.allow_isomorphisms = allow_isomorphisms
        # per position: the allowed choices other than each current one
        self.others = [{c: np.array([o for o in self.allowed[p] if o != c], dtype=np.int64)
                        for c in self.allowed[p]} for p in range(len(self.allowed))]

    def _admit(self, arch: Arch, taken: set[Hashable]) -> bool:
        if self.inside is not None and not self.inside(arch):
            return False
        if self.allow_isomorphisms:
            return True
        key = self.network_of(arch)
        if key in taken:
            return False
        taken.add(key)
        return True

    def random(self, rng: np.random.Generator, seen: set[Hashable], count: int,
               tries: int) -> list[Arch]:
        """Up to ``count`` random archs of new networks, in at most ``tries`` draws."""
        taken = set(seen)
        out: list[Arch] = []
        while len(out) < count and tries > 0:
            tries -= 1
            arch = self.space.sample(rng)
            if self._admit(arch, taken):
                out.append(arch)
        return out

    def mutants(self, rng: np.random.Generator, seen: set[Hashable], archs: Sequence[Arch],
                rewards: Sequence[float], options: Bananas) -> list[Arch]:
        """The published mutation candidates of the best archs queried so far."""
        taken = set(seen)
        out: list[Arch] = []
        best = sorted(range(len(archs)), key=lambda i: -rewards[i])
        parents = [archs[i] for i in best[:PATIENCE * options.num_arches_to_mutate]]
        tries = options.candidates // options.num_arches_to_mutate // options.max_mutation_rate
        rates = range(1, options.max_mutation_rate + 1)
        free = max(len(self.positions) - 2, 1)
        for parent in parents:
            if len(out) >= options.candidates:
                break
            for rate in rates:
                for child in self._mutate(parent, tries, min(1.0, rate / free), rng):
                    if self._admit(child, taken):
                        out.append(child)
        return out

    def _mutate(self, parent: Arch, count: int, prob: float,
                rng: np.random.Generator) -> list[Arch]:
        """``count`` mutations of ``parent``: each mutable position changes with ``prob``."""
        positions = self.positions
        if not positions:
            return [parent] * count
        change = rng.random((count, len(positions))) < prob
        pick = rng.random((count, len(positions)))
        children = np.tile(np.asarray(parent, dtype=np.int64), (count, 1))
        for j, p in enumerate(positions):
            others = self.others[p].get(parent[p])
            if others is None or not len(others):
                continue
            rows = np.flatnonzero(change[:, j])
            index = np.minimum((pick[rows, j] * len(others)).astype(np.int64), len(others) - 1)
            children[rows, p] = others[index]
        return [tuple(row) for row in children.tolist()]


def _identity(backend: Backend) -> Callable[[Arch], Hashable]:
    """What names the network of an arch: the benchmark's key, the space's canonical form,
    or the arch itself."""
    inner = unwrap(backend)
    if isinstance(inner, KeyedBackend):
        return inner.key_of
    parent = backend.space.parent
    if isinstance(parent, _Canonicalising):
        return parent.canonical
    return _same


def _same(arch: Arch) -> Hashable:
    return arch


def _encoder(space: Space, encoding: str, cutoff: int
             ) -> tuple[Callable[[Sequence[Arch]], np.ndarray], str]:
    """The features of a list of archs, and the encoding's name."""
    parent = space.parent
    if encoding == "path" and isinstance(parent, Encodable):
        def path(archs: Sequence[Arch]) -> np.ndarray:
            return np.asarray(parent.path_encoding(archs, cutoff), dtype=np.float64)
        return path, "path"
    sizes = np.asarray(space.sizes, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    width = int(sizes.sum())

    def onehot(archs: Sequence[Arch]) -> np.ndarray:
        codes = np.asarray(archs, dtype=np.int64).reshape(-1, len(sizes))
        out = np.zeros((len(codes), width))
        out[np.arange(len(codes))[:, None], offsets + codes] = 1.0
        return out
    return onehot, "onehot"


def _predict(nets: MLPEnsemble, x: np.ndarray) -> np.ndarray:
    """``(E, m)`` predictions; identical rows of ``x`` get one (so exactly equal) value."""
    unique, inverse = np.unique(x, axis=0, return_inverse=True)
    predictions: np.ndarray = nets.predict(unique)[:, inverse.reshape(-1)]
    return predictions


def _rank(acquisition: str, predictions: np.ndarray, y: np.ndarray,
          rng: np.random.Generator) -> np.ndarray:
    """Candidate indices, best first, by the acquisition over predicted errors (lower is
    better), as the published ``acq_fn``; stable sort."""
    mean = predictions.mean(axis=0)
    std = np.sqrt(predictions.var(axis=0))
    if acquisition == "its":
        score = rng.normal(mean, std)
    elif acquisition == "ucb":
        score = mean - UCB_EXPLORE * std
    else:
        score = -_expected_improvement(mean, std / EI_CALIBRATION, float(y.min()))
    order: np.ndarray = np.argsort(score, kind="stable")
    return order


def _expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """E[max(best - f, 0)] for f ~ N(mean, std) (std 0: the plain improvement)."""
    gain = best - mean
    out = np.maximum(gain, 0.0)
    spread = std > 0
    z = gain[spread] / std[spread]
    # libm's erfc and exp, not numpy's SIMD exp: the same value on every machine
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z.tolist()])
    pdf = np.array([math.exp(-0.5 * v * v) for v in z.tolist()]) / math.sqrt(2.0 * math.pi)
    out[spread] = std[spread] * (z * cdf + pdf)
    return out
