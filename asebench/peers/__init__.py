"""The optimizers researchers would pick instead of ASE-NAS, from their own libraries, as
asebench methods through one ask/tell adapter (:class:`AskTellSearcher`).

Registered the way a third party's method is: by entry points in the ``asebench.methods``
group, declared in asebench's own package metadata, so importing this package imports no
optimizer library. Each library is an optional extra; a method whose library is missing
fails its first run (a study: while it checks its methods, before it writes anything) with
a one-line error naming the extra (``pip install 'asebench[optuna]'``).

========== ============================================================= ================
method     selector (default first)                                      extra
========== ============================================================= ================
optuna     ``sampler=tpe|gp|cmaes|random|qmc|nsga2``                     ``optuna``
smac       ``facade=hpo|bb|random``                                      ``smac``
nevergrad  ``optimizer=NGOpt|DiscreteOnePlusOne|...`` (any registered)    ``nevergrad``
synetune   ``scheduler=REA|BORE|TPE|BOTorch|CQR|RandomSearch``           ``synetune``
========== ============================================================= ================

Every other option goes by name to the library's constructor
(``optuna[sampler=tpe,n_startup_trials=20]``); its name and value are checked against the
library's documentation before a study writes anything. ``preset=informed`` sets each
library up as its documentation advises for a known number of evaluations, that number the
protocol's expected number of queries (``optuna[preset=informed]``, ``smac[preset=informed]``,
``nevergrad[preset=informed]``, ``synetune[preset=informed]``; see ``docs/peers.md``).
"""

from __future__ import annotations

from asebench.peers._asktell import AskTellSearcher, AskTellSession, PeerLibrary, Timings
from asebench.peers._nevergrad import nevergrad
from asebench.peers._optuna import optuna
from asebench.peers._smac import smac
from asebench.peers._synetune import synetune

__all__ = ["AskTellSearcher", "AskTellSession", "PeerLibrary", "Timings", "nevergrad",
           "optuna", "smac", "synetune"]
