"""A backend restricted to the feasible archs of its dataset.

No second mechanism: the feasible set becomes the ``feasible`` predicate of the one sub-space
restriction (:func:`asebench.backends.restrict_backend`), so every searcher that proposes
inside ``backend.space`` proposes only feasible archs, and an infeasible arch is refused before
it is answered or charged.
"""

from __future__ import annotations

from collections.abc import Iterable

from asebench.backends import Backend, RestrictedBackend, restrict_backend
from asebench.constraints._expr import Constraint
from asebench.constraints._feasible import Feasibility, feasible_set

__all__ = ["constrained_backend"]


def constrained_backend(backend: Backend, constraints: Iterable[str | Constraint] | str
                        ) -> tuple[RestrictedBackend, Feasibility]:
    """``backend`` restricted to the archs of its dataset that meet every constraint, and
    that feasible set.

    Raises:
        AsebenchError: bad constraints, or a backend that knows no metric before a query.
    """
    feasible = feasible_set(backend, constraints)
    return restrict_backend(backend, feasible=feasible.contains), feasible
