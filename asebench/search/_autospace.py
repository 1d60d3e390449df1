"""AutoSpace (evolve the space, then search in it) as a query-based searcher.

The rule: phase 1 (``evolve_fraction`` of the budget) evolves a population of sub-spaces, each
a per-position subset of at most ``subset`` choices. A sub-space's fitness is cheap and
differentiable: per-(position, choice) scores fitted by gradient steps to the rewards of every
arch queried so far (an additive surrogate), a sub-space scoring the sum over positions of its
best member's score, so candidates are ranked without a query. Each generation mutates the
fittest half (swap one choice at one position for one outside), ranks parents and children
with the scores, queries ``samples`` archs drawn from the ``top`` ranked ones, refits the
scores and keeps the ``population`` fittest. The reference architecture (best arch so far) is
kept inside every sub-space. Phase 2 runs the ``inner`` method inside the fittest final
sub-space (a :class:`~asebench.backends.RestrictedBackend`) with the rest of the budget. The
answer is the best-reward arch of both phases.

Adapted from the paper (supernet training on ImageNet, cells built from basic operators) to
query-based search, and why:

* The paper's candidate pool is cell structures built from basic operators; here a sub-space is
  a per-position subset of the space's choices, the unit every searcher can be restricted to.
* The paper's differentiable fitness scores cells from supernet weights; with queries the
  rewards seen are the evidence, so the scores are the weights of an additive surrogate
  (one score per position and choice) fitted by full-batch gradient descent on the squared
  error to the standardised rewards (``steps`` steps per generation from the previous scores,
  step 1/(L+1), the largest step that is stable for one-hot inputs; a choice never queried
  scores 0, the mean), summed in a fixed order without BLAS, so that ties between scores break
  the same way on every machine. A sub-space scores the surrogate's reward of its best member.
* The paper evaluates sub-spaces by sampling paths in the supernet; here ``samples`` queries a
  generation, drawn uniformly from the ``top`` ranked sub-spaces (round robin), are what refits
  the scores, each charged to the one budget.
* The reference architecture keeps the evolution away from poor sub-spaces: whenever a better
  arch is found it becomes the reference and its choices are put into every sub-space (each
  position drops its lowest-scored other choice to make room); mutations never remove it.
* Defaults: ``population`` 8 and ``evolve_fraction`` 0.5 as we read the paper;
  ``subset`` 3 (729 of NB201's 15,625 archs, so phase 2 has more archs than queries) and
  ``samples`` 8 were chosen among {2, 3} x {4, 8} on a separate seed range (200 runs from
  master seed 12345 on each NB201 dataset), never on the study's seeds; with 8 samples a
  generation's ranking overhead is shared by more queries (half the run time of 4).
* Phase 2 starts afresh in the learned space (the paper hands the space to a NAS method); a
  MobileNet slot's ``skip`` (its depth) is always allowed: the subset is of kernel x expand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from asebench.backends import Backend, RestrictedBackend
from asebench.errors import BudgetExhausted
from asebench.records import Arch, Budget, Trace
from asebench.search._nse import fixed_choices, inner_searcher
from asebench.search._options import check_float, check_int
from asebench.search._phases import Phases
from asebench.search._within import MUTATION_TRIES, feasibility
from asebench.spaces import Space, restrict

__all__ = ["AutoSpace", "AdditiveScores"]


class AdditiveScores:
    """Per-(position, choice) scores fitted by gradient steps to the rewards seen.

    Fits on the least-squares loss's sufficient statistics (X^T X and X^T y over one-hot rows
    plus a bias), so a gradient step costs one small matrix-vector product whatever the number
    of queries.

    The scores rank sub-spaces, so they are computed in the same order on every machine:
    X^T X holds counts (exact in any summation order), and every other sum is a numpy
    elementwise product reduced along an axis (a fixed order, IEEE operations only), never a
    BLAS product, whose rounding depends on the kernel and would break ties between
    mathematically equal scores differently on different CPUs.
    """

    def __init__(self, sizes: tuple[int, ...], capacity: int = 64) -> None:
        self.offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        self.dim = int(sum(sizes)) + 1  # one-hot codes, then the bias
        self.rows = np.zeros((capacity, self.dim))
        self.rows[:, -1] = 1.0
        self.rewards: list[float] = []
        self._sum = self._squares = 0.0
        self.weights = np.zeros(self.dim)
        self.step = 1.0 / (len(sizes) + 1)
        self._eye = np.eye(self.dim)

    def add(self, arch: Arch, reward: float) -> None:
        n = len(self.rewards)
        if n == len(self.rows):
            grown = np.zeros((2 * n, self.dim))
            grown[:, -1] = 1.0
            grown[:n] = self.rows
            self.rows = grown
        self.rows[n, self.offsets + arch] = 1.0
        self.rewards.append(reward)
        self._sum += reward
        self._squares += reward * reward

    def fit(self, steps: int) -> None:
        """``steps`` gradient steps on the mean squared error to the standardised rewards.

        A step is the affine map ``w -> (I - rG) w + r t``; it is applied as one elementwise
        product of ``[I - rG | r t]`` with ``[w; 1]`` reduced along the rows.
        """
        n = len(self.rewards)
        if not n:
            return
        mean = self._sum / n
        std = max(self._squares / n - mean * mean, 0.0) ** 0.5 or 1.0
        rate = self.step / n
        x = self.rows[:n]
        target = (np.asarray(self.rewards) - mean) / std
        d = self.dim
        affine = np.empty((d, d + 1))
        np.subtract(self._eye, rate * (x.T @ x), out=affine[:, :d])  # counts: exact
        affine[:, d] = rate * np.add.reduce(x * target[:, None], axis=0)
        w = np.empty(d + 1)
        w[:d] = self.weights
        w[d] = 1.0
        product = np.empty_like(affine)
        head, multiply, reduce = w[:d], np.multiply, np.add.reduce
        for _ in range(steps):
            multiply(affine, w, product)
            reduce(product, axis=1, out=head)
        self.weights = head.copy()

    def subspace_scores(self, masks: np.ndarray) -> np.ndarray:
        """Score of each sub-space (rows of a bool mask over codes): the sum over positions
        of the best allowed choice's score."""
        scored = np.where(masks, self.weights[:-1], -np.inf)
        best: np.ndarray = np.maximum.reduceat(scored, self.offsets, axis=1)
        total: np.ndarray = best.sum(axis=1)
        return total


@dataclass(frozen=True)
class AutoSpace:
    """Evolve a population of sub-spaces with a cheap fitness, then search the fittest.

    Args:
        evolve_fraction: share of the budget spent evolving the space (phase 1).
        population: number of sub-spaces kept each generation.
        subset: at most this many choices per position in a sub-space.
        samples: archs queried per generation, drawn from the top-ranked sub-spaces.
        top: number of top-ranked sub-spaces the samples come from.
        steps: gradient steps refitting the scores per generation.
        inner: registered method run inside the final sub-space (phase 2).
        inner_options: options of the inner method.

    Trace.info (one entry per generation, then one for phase 2): ``space_elapsed_s``,
    ``space_size`` (archs in the fittest sub-space), ``space_best_reward`` (best reward so
    far); plus ``generations``, ``evolve_queries``, ``final_allowed`` (codes per position of
    the phase-2 sub-space), ``reference`` (list) and ``iterations``.
    """

    name: ClassVar[str] = "autospace"
    display_name: ClassVar[str] = "AutoSpace"
    cost_hint: ClassVar[float] = 1.0
    evolve_fraction: float = 0.5
    population: int = 8
    subset: int = 3
    samples: int = 8
    top: int = 2
    steps: int = 20
    inner: str = "evolution"
    inner_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_float(self.name, "evolve_fraction", self.evolve_fraction, 0.0, 1.0,
                    low_open=True, high_open=True)
        check_int(self.name, "population", self.population, 2)
        check_int(self.name, "subset", self.subset, 1)
        check_int(self.name, "samples", self.samples, 1)
        check_int(self.name, "top", self.top, 1, self.population)
        check_int(self.name, "steps", self.steps, 1)
        object.__setattr__(self, "inner_options", dict(self.inner_options))
        object.__setattr__(self, "_inner", inner_searcher(self.name, self.inner,
                                                          self.inner_options))

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        space = backend.space
        evolution = _Evolution(self, space, rng)
        phases = Phases(budget)
        log: dict[str, list[Any]] = {
            "space_elapsed_s": [], "space_size": [], "space_best_reward": []}
        share = phases.share(1, self.evolve_fraction)
        generations = 0
        if share is not None:
            evaluator = phases.evaluator(backend, share, rng)
            try:
                evolution.start(evaluator.evaluate(evolution.reference).reward)
                while evolution.generation(evaluator.evaluate):
                    generations += 1
                    log["space_elapsed_s"].append(evaluator.spent_s)
                    log["space_size"].append(evolution.size(evolution.fittest()))
                    log["space_best_reward"].append(evaluator.best_reward)
            except BudgetExhausted:
                pass
            evolution.settle()
            phases.close(evaluator)
        evolve_queries = phases.num_queries
        final = evolution.fittest()
        sub = restrict(space, evolution.allowed(final))
        rest = phases.share(1)
        if rest is not None:
            seed = int(rng.integers(0, 2**63))
            phases.run(self._inner, RestrictedBackend(backend, sub), rest,  # type: ignore[attr-defined]
                       np.random.default_rng(seed))
        log["space_elapsed_s"].append(phases.spent_s)
        log["space_size"].append(sub.size)
        log["space_best_reward"].append(phases.best_reward)
        info: dict[str, object] = dict(log)
        info.update(generations=generations, evolve_queries=evolve_queries,
                    final_allowed=[list(codes) for codes in sub.allowed],
                    reference=list(evolution.reference), iterations=phases.num_queries)
        return phases.trace(info)


class _Evolution:
    """Phase 1's state: the population of sub-spaces (bool masks over codes), the scores and
    the reference arch."""

    def __init__(self, options: AutoSpace, space: Space, rng: np.random.Generator) -> None:
        self.options, self.space, self.rng = options, space, rng
        L = space.num_positions
        self.sizes = tuple(len(space.choices(p)) for p in range(L))
        self.scores = AdditiveScores(self.sizes)
        self.offsets = self.scores.offsets
        self.fixed = [fixed_choices(space, p) for p in range(L)]
        self.free = [tuple(c for c in space.allowed_choices(p) if c not in self.fixed[p])
                     for p in range(L)]
        self.inside = feasibility(space)
        self.free_mask = np.zeros(sum(self.sizes), dtype=bool)
        for p, free in enumerate(self.free):
            self.free_mask[self.offsets[p] + np.asarray(free, dtype=np.int64)] = True
        self.position_of = np.repeat(np.arange(L), self.sizes)
        self.position_mask_of_allowed = np.zeros(sum(self.sizes), dtype=bool)
        for p in range(L):
            codes = np.asarray(space.allowed_choices(p), dtype=np.int64)
            self.position_mask_of_allowed[self.offsets[p] + codes] = True
        self.reference = space.sample(rng)
        self.best = -np.inf
        self.population = self._random_masks(options.population)

    # -- sub-spaces as masks ---------------------------------------------------------------
    def _random_masks(self, count: int) -> np.ndarray:
        """``count`` random sub-spaces: per position the fixed choices, the reference's and
        random others up to ``subset``."""
        ref = np.zeros(len(self.free_mask), dtype=bool)
        ref[self.offsets + np.asarray(self.reference)] = True
        masks = np.tile(~self.free_mask | (ref & self.free_mask), (count, 1))
        masks &= self.position_mask_of_allowed
        keys = np.where(self.free_mask & ~ref, self.rng.random(masks.shape), -1.0)
        for p, free in enumerate(self.free):
            o, n = self.offsets[p], self.sizes[p]
            take = min(self.options.subset, len(free)) - int(self.reference[p] in free)
            if take > 0:
                picks = np.argsort(-keys[:, o:o + n], axis=1, kind="stable")[:, :take]
                np.put_along_axis(masks[:, o:o + n], picks, True, axis=1)
        return masks

    def allowed(self, mask: np.ndarray) -> list[list[int]]:
        """Allowed codes per position of a sub-space."""
        return [[int(c) for c in np.flatnonzero(mask[o:o + n])]
                for o, n in zip(self.offsets, self.sizes)]

    def size(self, mask: np.ndarray) -> int:
        counts = np.add.reduceat(mask.astype(np.int64), self.offsets)
        return int(np.prod(counts.astype(object)))

    def fittest(self) -> np.ndarray:
        """The best-scored sub-space (the population is kept in rank order)."""
        first: np.ndarray = self.population[0]
        return first

    def _children(self, parents: np.ndarray, count: int) -> np.ndarray:
        """``count`` children, parent i % len(parents) each: one allowed choice (not the
        reference's, not a fixed one) swapped for one outside, at a random position where
        both exist (a copy when there is none)."""
        children = parents[np.arange(count) % len(parents)].copy()
        ref = np.zeros(children.shape[1], dtype=bool)
        ref[self.offsets + np.asarray(self.reference)] = True
        inn = children & self.free_mask & ~ref
        out = ~children & self.free_mask
        segment = np.add.reduceat
        ok = (segment(inn, self.offsets, axis=1) > 0) & (segment(out, self.offsets, axis=1) > 0)
        position = np.argmax(np.where(ok, self.rng.random(ok.shape), -1.0), axis=1)
        rows = np.flatnonzero(ok.any(axis=1))
        at = self.position_of[None, :] == position[:, None]
        keys = self.rng.random((2,) + children.shape)
        drop = np.argmax(np.where(inn & at, keys[0], -1.0), axis=1)
        add = np.argmax(np.where(out & at, keys[1], -1.0), axis=1)
        children[rows, drop[rows]] = False
        children[rows, add[rows]] = True
        return children

    def _keep_reference(self, masks: np.ndarray) -> None:
        """Put the reference's choices into every sub-space, each position dropping its
        lowest-scored other choice when it would exceed ``subset``."""
        w = self.scores.weights
        for p, free in enumerate(self.free):
            c = self.reference[p]
            if c not in free:
                continue
            o = self.offsets[p]
            for mask in masks:
                if mask[o + c]:
                    continue
                allowed = [d for d in free if mask[o + d]]
                if len(allowed) >= self.options.subset:
                    worst = min(allowed, key=lambda d: (w[o + d], d))
                    mask[o + worst] = False
                mask[o + c] = True

    def _sampler(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What :meth:`_draw` needs of a sub-space: its codes minus the position offsets,
        the first of each position's, and how many each position has."""
        codes = np.flatnonzero(mask)
        counts = np.add.reduceat(mask, self.offsets, dtype=np.int64)
        return codes - self.offsets[self.position_of[codes]], np.cumsum(counts) - counts, counts

    def _draw(self, codes: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> Arch | None:
        """A uniform arch of a sub-space (bounded rejection under a predicate)."""
        for _ in range(MUTATION_TRIES if self.inside is not None else 1):
            picks = starts + (self.rng.random(len(counts)) * counts).astype(np.int64)
            arch = tuple(codes[picks].tolist())
            if self.inside is None or self.inside(arch):
                return arch
        return None

    # -- one generation --------------------------------------------------------------------
    def start(self, reward: float) -> None:
        self.scores.add(self.reference, reward)
        self.best = reward

    def settle(self) -> None:
        """Refit and put the reference back in every sub-space (after a cut-off generation)."""
        self.scores.fit(self.options.steps)
        self._keep_reference(self.population)
        pool = _distinct(self.population)
        self.population = pool[np.argsort(-self.scores.subspace_scores(pool), kind="stable")]

    def generation(self, query: Any) -> bool:
        """Mutate, rank, query ``samples`` archs from the top, refit, select. False when no
        feasible arch could be drawn (phase 1 ends early)."""
        options = self.options
        parents = self.population[:max(1, options.population // 2)]  # kept in rank order
        children = self._children(parents, options.population)
        pool = _distinct(np.concatenate([self.population, children]))
        pool = pool[np.argsort(-self.scores.subspace_scores(pool), kind="stable")]
        drew = moved = False
        tops = [self._sampler(mask) for mask in pool[:options.top]]
        for j in range(options.samples):
            arch = self._draw(*tops[j % len(tops)])
            if arch is None:
                continue
            drew = True
            reward = query(arch).reward
            self.scores.add(arch, reward)
            if reward > self.best:
                self.best, self.reference, moved = reward, arch, True
        self.scores.fit(options.steps)
        if moved:  # children keep the old reference's choices: only a new one is missing
            self._keep_reference(pool)
            pool = _distinct(pool)
        order = np.argsort(-self.scores.subspace_scores(pool), kind="stable")
        self.population = pool[order[:options.population]]
        return drew


def _distinct(masks: np.ndarray) -> np.ndarray:
    """Rows of ``masks`` without repeats, first occurrence order."""
    seen: dict[bytes, int] = {}
    for i, row in enumerate(masks):
        seen.setdefault(row.tobytes(), i)
    return masks[list(seen.values())] if len(seen) < len(masks) else masks
