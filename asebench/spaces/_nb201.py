"""The NAS-Bench-201 cell space: 6 edges, 5 ops, 15,625 archs."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from asebench.errors import AsebenchError
from asebench.records import Arch
from asebench.spaces._categorical import CategoricalSpace

__all__ = ["NB201Space", "NB201_OPS", "NB201_EDGES", "NB201_PATHS", "NB201_PATH_CUTOFF"]

NB201_OPS: tuple[str, ...] = (
    "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
NB201_EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
"""Edge ``(source node, target node)`` of each position, in string order."""

_TOKEN = re.compile(r"^([a-z0-9_]+)~(\d)$")

NB201_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
"""The positions (edges) along each input-to-output path of the cell: e03; e01-e13;
e02-e23; e01-e12-e23."""
NB201_PATH_CUTOFF = 30
"""BANANAS' truncation of the NB201 path encoding (the published default): the 5 one-edge and
25 two-edge paths; the 125 three-edge ones, and with them edge e12, are left out."""
# the published encoding numbers the ops alphabetically: avg_pool_3x3, nor_conv_1x1,
# nor_conv_3x3, none, skip_connect; this maps the codes of NB201_OPS to those numbers
_PATH_OP = np.array([3, 4, 1, 2, 0], dtype=np.int64)
_NUM_PATHS = sum(len(NB201_OPS) ** n for n in range(1, 4))  # 5 + 25 + 125


class NB201Space(CategoricalSpace):
    """NB201 cell: positions e01, e02, e12, e03, e13, e23; op codes 0..4 as in NB201_OPS.

    Args:
        order: the benchmark's own enumeration (NATS order, not the base-5 order of the
            codes): row i holds the op codes of the arch with index i, e.g.
            ``table.arch_codes``. Only :meth:`index`, :meth:`from_index` and index strings in
            :meth:`parse` need it; the space never reads a benchmark table itself.
    """

    name = "nb201"

    def __init__(self, order: ArrayLike | None = None) -> None:
        super().__init__([NB201_OPS] * len(NB201_EDGES))
        self._powers = 5 ** np.arange(5, -1, -1)
        self._order: np.ndarray | None = None
        self._index_by_code: np.ndarray | None = None
        if order is not None:
            self._set_order(np.asarray(order))

    def _set_order(self, codes: np.ndarray) -> None:
        if (codes.ndim != 2 or codes.shape[1] != len(NB201_EDGES) or codes.size == 0
                or codes.min() < 0 or codes.max() >= len(NB201_OPS)):
            raise AsebenchError("an NB201 index order is an (n, 6) array of op codes 0..4")
        keys = codes.astype(np.int64) @ self._powers
        lookup = np.full(len(NB201_OPS) ** len(NB201_EDGES), -1, dtype=np.int64)
        lookup[keys] = np.arange(len(codes))
        if np.count_nonzero(lookup >= 0) != len(codes):
            raise AsebenchError("an NB201 index order lists an arch twice")
        self._order, self._index_by_code = codes.astype(np.int64), lookup

    def _lookup(self) -> tuple[np.ndarray, np.ndarray]:
        if self._order is None or self._index_by_code is None:
            raise AsebenchError("NB201 indices follow the benchmark's enumeration: build the "
                                "space with NB201Space(order=table.arch_codes)")
        return self._order, self._index_by_code

    def path_encoding(self, archs: Sequence[Arch], cutoff: int = 0) -> np.ndarray:
        """BANANAS' path encoding (White, Neiswanger & Savani, AAAI 2021), as its authors'
        code builds it for NB201: ``(len(archs), F)`` float64 of 0/1.

        A cell has four input-to-output paths (:data:`NB201_PATHS`); the sequence of ops
        along each is one of 5 + 25 + 125 = 155 features, numbered by path length, then in
        base 5 with the first op least significant, ops numbered alphabetically (the
        published order). Paths through ``none`` are features like any other.

        Args:
            archs: NB201 archs.
            cutoff: keep the first ``cutoff`` features (at most 155); 0 keeps the published
                truncation, :data:`NB201_PATH_CUTOFF` = 30 (the 1- and 2-edge paths).
        """
        value: object = cutoff
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise AsebenchError(f"path encoding cutoff must be an int >= 0, got {cutoff!r}")
        width = min(int(cutoff), _NUM_PATHS) if cutoff else NB201_PATH_CUTOFF
        codes = np.asarray(archs, dtype=np.int64).reshape(-1, len(NB201_EDGES))
        if codes.size and (codes.min() < 0 or codes.max() >= len(NB201_OPS)):
            raise AsebenchError("NB201 op codes are 0..4")
        ops = _PATH_OP[codes]
        out = np.zeros((len(codes), _NUM_PATHS))
        rows = np.arange(len(codes))
        base = len(NB201_OPS)
        for path in NB201_PATHS:
            offset = sum(base ** n for n in range(1, len(path)))
            index = offset + sum(ops[:, p] * base ** j for j, p in enumerate(path))
            out[rows, index] = 1.0
        return np.ascontiguousarray(out[:, :width])

    def to_string(self, arch: Arch) -> str:
        ops = [f"{NB201_OPS[c]}~{src}" for c, (src, _) in zip(arch, NB201_EDGES)]
        return f"|{ops[0]}|+|{ops[1]}|{ops[2]}|+|{ops[3]}|{ops[4]}|{ops[5]}|"

    def from_string(self, text: str) -> Arch:
        nodes = text.strip().split("+")
        if len(nodes) != 3:
            raise AsebenchError(
                f"malformed NB201 arch {text!r}: expected 3 node groups joined by '+'")
        arch: list[int] = []
        for target, group in enumerate(nodes, start=1):
            if not (group.startswith("|") and group.endswith("|")):
                raise AsebenchError(f"malformed NB201 arch {text!r}: group {group!r}")
            tokens = group[1:-1].split("|")
            if len(tokens) != target:
                raise AsebenchError(
                    f"malformed NB201 arch {text!r}: node {target} needs {target} inputs")
            for source, token in enumerate(tokens):
                match = _TOKEN.match(token)
                if not match or int(match.group(2)) != source:
                    raise AsebenchError(f"malformed NB201 arch {text!r}: token {token!r}")
                if match.group(1) not in NB201_OPS:
                    raise AsebenchError(
                        f"unknown NB201 op {match.group(1)!r} in {text!r}; "
                        f"ops are {', '.join(NB201_OPS)}")
                arch.append(NB201_OPS.index(match.group(1)))
        return tuple(arch)

    def index(self, arch: Arch) -> int:
        """NB201/NATS index (0..15624) of ``arch``."""
        _, index_by_code = self._lookup()
        index = int(index_by_code[int(np.dot(self.validate(arch), self._powers))])
        if index < 0:
            raise AsebenchError(f"{self.to_string(arch)} is not in the benchmark's enumeration")
        return index

    def from_index(self, index: int) -> Arch:
        """The arch with NB201/NATS index ``index``."""
        order, _ = self._lookup()
        if not 0 <= index < len(order):
            raise AsebenchError(f"NB201 index {index} outside 0..{len(order) - 1}")
        return tuple(int(c) for c in order[index])

    def parse(self, text: str) -> Arch:
        """An arch from its string or its decimal NB201 index."""
        text = text.strip()
        if text.lstrip("-").isdigit():
            return self.from_index(int(text))
        return self.from_string(text)
