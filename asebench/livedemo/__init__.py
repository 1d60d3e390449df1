"""The live backend on real images, end to end on CPU (``make live-demo``).

Exports scikit-learn's UCI digits, trains the ``tiny`` elastic supernet on them with
progressive shrinking, measures its largest and smallest sub-networks on a held-out test split,
checks its ranking of sub-networks against stand-alone training (Kendall tau, Spearman rho) and
compares ASE-NAS with random search under a MAdds cap, then writes ``reports/live/``. The
search is a study (:func:`asebench.study.run_study` on the live backend, answers reported on
the test split through its ``test_data`` option), stored in the work folder's ``study/``.

>>> from asebench.livedemo import QUICK, run_demo
>>> result = run_demo("reports-live-quick", QUICK)
"""

from __future__ import annotations

from asebench.livedemo._config import FULL, QUICK, DemoConfig
from asebench.livedemo._pipeline import DemoResult, run_demo
from asebench.livedemo._ranking import RankFidelity, rank_fidelity, spread_archs

__all__ = ["FULL", "QUICK", "DemoConfig", "DemoResult", "RankFidelity", "rank_fidelity",
           "run_demo", "spread_archs"]
