"""Further tabular benchmarks, each plugged in through the ``asebench.backends`` entry points
exactly as a third-party distribution would (see ``setup.cfg``)."""
