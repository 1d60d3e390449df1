"""An asebench search method in a package of its own: greedy mutation of the best arch.

Installed, it is known to asebench by its entry point (``--methods greedy``); not installed,
by its import path (``--methods asebench_example_plugin:greedy``). asebench's own files are
not edited either way.
"""

from __future__ import annotations

from asebench_example_plugin._greedy import GreedyMutation, greedy

__all__ = ["GreedyMutation", "greedy"]
