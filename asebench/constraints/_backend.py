"""A tabular backend restricted to the feasible archs of its dataset.

No second mechanism: the feasible set becomes the ``feasible`` predicate of the one sub-space
restriction (:func:`asebench.backends.restrict_backend`), so every searcher that proposes
inside ``backend.space`` proposes only feasible archs, and an infeasible arch is refused before
it is answered or charged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asebench.constraints._expr import Constraint
from asebench.constraints._feasible import FeasibleSet, feasible_set

__all__ = ["constrained_backend"]


def constrained_backend(backend: Any, constraints: Iterable[str | Constraint] | str
                        ) -> tuple[Any, FeasibleSet]:
    """``backend`` (a :class:`~asebench.backends.TabularBackend`) restricted to the archs of
    its dataset that meet every constraint, and that feasible set.

    Raises:
        AsebenchError: bad constraints, or a backend without a table and a dataset.
    """
    from asebench.backends import restrict_backend
    from asebench.errors import AsebenchError

    table, dataset = getattr(backend, "table", None), getattr(backend, "dataset", None)
    if table is None or not isinstance(dataset, str):
        raise AsebenchError("constraints need the tabular backend (a table and a dataset)")
    feasible = feasible_set(table, dataset, constraints)
    return restrict_backend(backend, feasible=feasible.contains), feasible
