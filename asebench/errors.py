"""User-facing errors.

Every error a user can cause (a malformed arch string, an unknown dataset, a corrupt data file)
is an :class:`AsebenchError`. The command line prints its message as one line and exits with
status 2; Python callers can catch it (it is also a :class:`ValueError`).
"""

from __future__ import annotations

__all__ = ["AsebenchError", "DataError", "BudgetExhausted"]


class AsebenchError(ValueError):
    """Bad input or configuration; the message names the problem in one line."""


class DataError(AsebenchError):
    """A benchmark table is missing, corrupt or of the wrong format."""


class BudgetExhausted(Exception):
    """Raised by a budgeted evaluator when the next query would exceed the budget.

    Not an error: searchers let it end their loop.
    """
