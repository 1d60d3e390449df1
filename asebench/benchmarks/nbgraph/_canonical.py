"""NAS-Bench-Graph's canonical form of a macro architecture, and the integer key of its tables.

An architecture is four GNN layers: ``links[i]`` is the node layer ``i + 1`` reads (0 is the
raw input, ``j`` the output of layer ``j``; ``links[0]`` is always 0) and ``ops[i]`` its
operation, a code of :data:`GNN_OPS`. Many such lists describe the same network; the package
(``nas_bench_graph.Arch.valid_hash``) maps each to one representative in three steps, which
:func:`canonical` reproduces:

1. relabel the layers so that the link list is one of the nine :data:`LINK_PATTERNS`;
2. move every ``skip`` layer that does not change the computation to the front (its readers
   read its input instead), then bring the links back to a pattern;
3. among the relabelings that leave the pattern unchanged (its automorphisms), keep the one
   whose op codes are smallest lexicographically.

:func:`valid_hash` then encodes ``(pattern index, ops)`` in base 10, the key of the package's
tables. The codes are the package's (``gnn_list`` order) for every dataset: proteins uses
five of them, and the package hashes its archs with the same nine-op codes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cache

__all__ = ["GNN_OPS", "LINK_PATTERNS", "SKIP", "canonical", "valid_hash"]

GNN_OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
"""The nine operations, in the order of the package's codes."""

SKIP = GNN_OPS.index("skip")

LINK_PATTERNS: tuple[tuple[int, ...], ...] = (
    (0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 1, 1), (0, 0, 1, 2), (0, 0, 1, 3),
    (0, 1, 1, 1), (0, 1, 1, 2), (0, 1, 2, 2), (0, 1, 2, 3))
"""The canonical link lists, in the order of the hash's leading digit."""

_HASH_BASE = len(GNN_OPS) + 1

Links = tuple[int, ...]
Ops = tuple[int, ...]
Perm = tuple[int, ...]


def _relabel(links: Links, perm: Perm) -> Links | None:
    """Links after layer ``perm[j]`` becomes layer ``j`` (None if a layer would read a later
    one)."""
    new_label = {0: 0, **{old + 1: new + 1 for new, old in enumerate(perm)}}
    out = tuple(new_label[links[old]] for old in perm)
    return out if all(src <= j for j, src in enumerate(out)) else None


@cache
def _to_pattern(links: Links) -> tuple[Links, Perm]:
    """The pattern ``links`` relabels to, by the first such relabeling in permutation order
    (another one differs from it by an automorphism of the pattern, which step 3 undoes)."""
    if links in LINK_PATTERNS:
        return links, (0, 1, 2, 3)
    for perm in itertools.permutations(range(4)):
        target = _relabel(links, perm)
        if target in LINK_PATTERNS:
            return target, perm
    raise ValueError(f"links {links} relabel to no pattern")


@cache
def _automorphisms(pattern: Links) -> tuple[Perm, ...]:
    return tuple(p for p in itertools.permutations(range(4)) if _relabel(pattern, p) == pattern)


def _skip_to_front(k: int, links: Links, ops: Ops) -> tuple[Links, Ops]:
    """Layer ``k`` (a skip) becomes layer 1, reading the raw input; the layers that read the
    raw input read it, and its readers read its former input."""
    parent = links[k]

    def moved(label: int) -> int:
        if label == k + 1:
            return parent + 1
        return label + 1 if label <= k else label

    rest = [j for j in range(4) if j != k]
    return (0, *(moved(links[j]) for j in rest)), (ops[k], *(ops[j] for j in rest))


def _only_skips_below(k: int, links: Links, ops: Ops) -> bool:
    """Whether every layer from ``k`` down to the raw input is a skip."""
    while k >= 0:
        if ops[k] != SKIP:
            return False
        k = links[k] - 1
    return True


def _move_skips(links: Links, ops: Ops) -> tuple[Links, Ops]:
    for i in range(4):
        if ops[i] != SKIP:
            continue
        has_reader = any(src == i + 1 for src in links)
        has_sibling = any(j != i and src == links[i] for j, src in enumerate(links))
        if has_reader or not has_sibling or _only_skips_below(i, links, ops):
            links, ops = _skip_to_front(i, links, ops)
    if links not in LINK_PATTERNS:
        links, perm = _to_pattern(links)
        ops = tuple(ops[p] for p in perm)
    return links, ops


def _tidy(pattern: Links, ops: Ops) -> Ops:
    return min(tuple(ops[p] for p in perm) for perm in _automorphisms(pattern))


def canonical(links: Sequence[int], ops: Sequence[int]) -> tuple[Links, Ops]:
    """The package's representative ``(pattern, ops)`` of an architecture.

    Args:
        links: four input labels, ``links[i]`` in ``0..i``.
        ops: four op codes of :data:`GNN_OPS`.

    Raises:
        ValueError: malformed links or ops.
    """
    links_t, ops_t = tuple(int(x) for x in links), tuple(int(x) for x in ops)
    if (len(links_t) != 4 or len(ops_t) != 4
            or any(not 0 <= src <= i for i, src in enumerate(links_t))
            or any(not 0 <= op < len(GNN_OPS) for op in ops_t)):
        raise ValueError(f"not an architecture: links {links_t}, ops {ops_t}")
    pattern, perm = _to_pattern(links_t)
    pattern, moved = _move_skips(pattern, tuple(ops_t[p] for p in perm))
    return pattern, _tidy(pattern, moved)


def valid_hash(links: Sequence[int], ops: Sequence[int]) -> int:
    """The key of the package's tables for this architecture (equal to ``Arch.valid_hash``)."""
    pattern, ops_c = canonical(links, ops)
    key = LINK_PATTERNS.index(pattern)
    for op in ops_c:
        key = key * _HASH_BASE + op
    return key
