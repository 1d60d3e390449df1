"""Every registered search method passes the shared Searcher contract."""

from __future__ import annotations

import pytest

from asebench.backends import TabularBackend
from asebench.records import Budget
from asebench.search import get, methods
from asebench.testing import FunctionBackend, check_searcher

# small ASE controller so the contract runs fast; behaviour is the same code path
_FAST = {"ase": {"hidden": 8, "embed": 2},
         "random-in-subspace": {"ase_options": {"hidden": 8, "embed": 2}, "M": 2}}


@pytest.mark.parametrize("name", methods.names())
@pytest.mark.parametrize("budget", [Budget(seconds=25.0), Budget(queries=17)],
                         ids=["seconds", "queries"])
def test_contract_on_function_backend(name: str, budget: Budget) -> None:
    backend = FunctionBackend(sizes=(3, 2, 4, 3), cost_fn=lambda a: 1.0 + 0.5 * a[0])
    trace = check_searcher(get(name, **_FAST.get(name, {})), backend, budget, seed=3)
    assert len(trace) >= 5


@pytest.mark.parametrize("name", methods.names())
def test_contract_on_nb201_table(name: str) -> None:
    backend = TabularBackend("cifar100")
    trace = check_searcher(get(name, **_FAST.get(name, {})), backend, Budget(seconds=3000.0))
    # the next query would not have fitted: nothing was left unspent that a query could use
    assert trace.spent_s <= 3000.0
    assert backend.report(trace.answer)["test_accuracy"] > 0


def test_registry_names() -> None:
    builtin = {n for n in methods.names() if methods.entry(n).origin == "builtin"}
    assert builtin == {
        "ase", "random", "reinforce", "evolution", "local", "random-in-subspace", "nse",
        "autospace", "bananas"}
