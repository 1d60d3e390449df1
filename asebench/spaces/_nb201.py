"""The NAS-Bench-201 cell space: 6 edges, 5 ops, 15,625 archs."""

from __future__ import annotations

import re

import numpy as np

from asebench.errors import AsebenchError
from asebench.records import Arch
from asebench.spaces._categorical import CategoricalSpace

__all__ = ["NB201Space", "NB201_OPS", "NB201_EDGES"]

NB201_OPS: tuple[str, ...] = (
    "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
NB201_EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
"""Edge ``(source node, target node)`` of each position, in string order."""

_TOKEN = re.compile(r"^([a-z0-9_]+)~(\d)$")


class NB201Space(CategoricalSpace):
    """NB201 cell: positions e01, e02, e12, e03, e13, e23; op codes 0..4 as in NB201_OPS.

    Index <-> arch uses the benchmark's own enumeration (NATS order), read from the table.
    """

    name = "nb201"

    def __init__(self) -> None:
        super().__init__([NB201_OPS] * len(NB201_EDGES))
        self._powers = 5 ** np.arange(5, -1, -1)

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
        from asebench.tables import default_table

        code = int(np.dot(self.validate(arch), self._powers))
        return int(default_table().index_by_code[code])

    def from_index(self, index: int) -> Arch:
        """The arch with NB201/NATS index ``index``."""
        from asebench.tables import default_table

        table = default_table()
        if not 0 <= index < table.num_archs:
            raise AsebenchError(f"NB201 index {index} outside 0..{table.num_archs - 1}")
        return tuple(int(c) for c in table.arch_codes[index])

    def parse(self, text: str) -> Arch:
        """An arch from its string or its decimal NB201 index."""
        text = text.strip()
        if text.lstrip("-").isdigit():
            return self.from_index(int(text))
        return self.from_string(text)
