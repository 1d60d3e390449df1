"""The NAS-Bench-Graph search space: seven categorical positions, as the package's search
code samples them.

Positions ``lk1, lk2, lk3`` (the layer that layers 2, 3, 4 read: ``0..1``, ``0..2``,
``0..3``; layer 1 always reads the raw input) and ``op1..op4`` (each layer's operation, a code
of :data:`GNN_OPS`). The Hamming distance over the seven positions is ASE-NAS's edit distance.

Many combinations are the same network (the package's canonicalisation maps the 157,464
combinations onto 26,206 architectures). The 24 combinations whose four operations are all
``skip`` are no GNN and the package stores nothing for them (their hash, 88888, is the sentinel
its NNI example tests for): :func:`dataset_space` excludes them with a feasibility rule, so a
searcher never proposes one and a direct query of one is refused. proteins was evaluated with
its own five operations only: its space allows just those codes at ``op1..op4``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from asebench.benchmarks.nbgraph._canonical import GNN_OPS, SKIP
from asebench.errors import AsebenchError
from asebench.records import Arch
from asebench.spaces import CategoricalSpace, SubSpace

__all__ = ["NBGraphSpace", "NotAllSkip", "POSITIONS", "PROTEINS_OPS", "SIZES", "code_index",
           "dataset_space"]

POSITIONS = ("lk1", "lk2", "lk3", "op1", "op2", "op3", "op4")
SIZES = (2, 3, 4, *(len(GNN_OPS),) * 4)
PROTEINS_OPS = ("gcn", "sage", "arma", "fc", "skip")
"""proteins' operations: ``gnn_list_proteins`` of the package's ``architecture.py``, the list
under which every stored proteins hash is reachable (``runnni.py``'s ``op_proteins`` reaches
736 of the 2,021)."""

_WEIGHTS = np.array([int(np.prod(SIZES[p + 1:], dtype=np.int64)) for p in range(len(SIZES))],
                    dtype=np.int64)
_STRING = re.compile(r"^0-(\d)-(\d)-(\d)/([a-z]+)-([a-z]+)-([a-z]+)-([a-z]+)$")


def code_index(archs: np.ndarray) -> np.ndarray:
    """Mixed-radix index (lk1 most significant) of each row of an ``(n, 7)`` code array."""
    index: np.ndarray = np.asarray(archs, dtype=np.int64) @ _WEIGHTS
    return index


class NBGraphSpace(CategoricalSpace):
    """Every combination of the seven positions (the full product, ``all-skip`` included);
    the space a backend searches is :func:`dataset_space`'s sub-space of it.

    The string form is the package's own pair of lists,
    ``0-l1-l2-l3/op1-op2-op3-op4``, e.g. ``0-1-2-1/gcn-gin-fc-cheb`` for
    ``Arch([0, 1, 2, 1], ['gcn', 'gin', 'fc', 'cheb'])``.
    """

    name = "nas-bench-graph"

    def __init__(self) -> None:
        links = [tuple(str(i) for i in range(n)) for n in SIZES[:3]]
        super().__init__([*links, *[GNN_OPS] * 4])

    @staticmethod
    def links(arch: Arch) -> tuple[int, int, int, int]:
        """The package's link list ``[0, lk1, lk2, lk3]``."""
        return 0, arch[0], arch[1], arch[2]

    @staticmethod
    def ops(arch: Arch) -> tuple[str, ...]:
        """The package's operation names."""
        return tuple(GNN_OPS[c] for c in arch[3:])

    def to_string(self, arch: Arch) -> str:
        return "-".join(map(str, self.links(arch))) + "/" + "-".join(self.ops(arch))

    def from_string(self, text: str) -> Arch:
        match = _STRING.match(text.strip())
        if not match:
            raise AsebenchError(f"malformed NAS-Bench-Graph arch {text!r}: expected "
                                "0-L1-L2-L3/OP1-OP2-OP3-OP4, e.g. 0-1-2-1/gcn-gin-fc-cheb")
        links = tuple(int(g) for g in match.groups()[:3])
        for position, (link, size) in enumerate(zip(links, SIZES)):
            if link >= size:
                raise AsebenchError(f"malformed NAS-Bench-Graph arch {text!r}: layer "
                                    f"{position + 2} reads layer {link}, a later one")
        ops = []
        for name in match.groups()[3:]:
            if name not in GNN_OPS:
                raise AsebenchError(f"unknown NAS-Bench-Graph operation {name!r} in {text!r};"
                                    f" operations are {', '.join(GNN_OPS)}")
            ops.append(GNN_OPS.index(name))
        return (*links, *ops)


class NotAllSkip:
    """The feasibility rule: at least one of the four operations is not ``skip``."""

    def __call__(self, arch: Arch) -> bool:
        return not all(c == SKIP for c in arch[3:])

    def __repr__(self) -> str:
        return "NotAllSkip()"


def dataset_space(ops: Sequence[str] = GNN_OPS) -> SubSpace:
    """The archs of a dataset evaluated with operations ``ops``: their codes at op1..op4,
    any links, not all skip."""
    unknown = [name for name in ops if name not in GNN_OPS]
    if unknown:
        raise AsebenchError(f"unknown NAS-Bench-Graph operation(s) {', '.join(unknown)}")
    codes = tuple(sorted(GNN_OPS.index(name) for name in ops))
    allowed = [tuple(range(n)) for n in SIZES[:3]] + [codes] * 4
    return SubSpace(NBGraphSpace(), allowed, NotAllSkip())
