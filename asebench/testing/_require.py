"""Explicit conformance failures: what ``python -O`` cannot strip."""

from __future__ import annotations

from asebench.records import Trace

__all__ = ["ConformanceError", "require", "same_trace"]


class ConformanceError(AssertionError):
    """A protocol promise that an object under test broke."""


def require(condition: object, message: str) -> None:
    """Raise :class:`ConformanceError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ConformanceError(message)


def same_trace(a: Trace, b: Trace) -> bool:
    """Whether two traces made the same queries with the same results and answer."""
    return (a.archs == b.archs and a.rewards == b.rewards and a.costs == b.costs
            and a.answer == b.answer and a.answer_reward == b.answer_reward
            and dict(a.info) == dict(b.info))
