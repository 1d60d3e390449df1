"""The live backend on real images, end to end on CPU (``make live-demo``).

Exports Fashion-MNIST from its IDX files (or MNIST, KMNIST, scikit-learn's UCI digits), trains
the ``tiny`` elastic supernet on it with progressive shrinking, measures its largest and
smallest sub-networks on the official test split, compares ASE-NAS with random search under a
MAdds cap on paired seeds (optionally also a small ranking check against stand-alone training;
the full ranking study is ``asebench supernet fidelity``), then writes
``reports/live/fashion-mnist/``. The
search is a study (:func:`asebench.study.run_study` on the live backend, answers reported on
the test split through its ``test_data`` option), stored in the work folder's ``study/``.

>>> from asebench.livedemo import QUICK, run_demo
>>> result = run_demo("reports-live-quick", QUICK)
"""

from __future__ import annotations

from asebench.livedemo._config import DIGITS, FULL, QUICK, DemoConfig, demo_config
from asebench.livedemo._pipeline import DemoResult, run_demo
from asebench.livedemo._ranking import RankFidelity, rank_fidelity, spread_archs

__all__ = ["DIGITS", "FULL", "QUICK", "DemoConfig", "DemoResult", "RankFidelity", "demo_config",
           "rank_fidelity", "run_demo", "spread_archs"]
