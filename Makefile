# asebench: every target does its own set-up (a local virtual environment in .venv).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LINT_STAMP := $(VENV)/.lint-installed
PEERS_STAMP := $(VENV)/.peers-installed
PEER_SEEDS ?= 500
SEEDS  ?= 500
STUDY  ?= studies/table1

.PHONY: install test run figures bench data lint clean live-demo figures-peers

install: $(STAMP)

# torch first, pinned to the local CPU wheel: a bare `torch` requirement would pull CUDA.
# The core (tabular study) needs no torch; the tests cover the live and dask extras too.
$(STAMP): setup.cfg setup.py pyproject.toml examples/plugin/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[live,dask,test]'
	# the example plugin (a separate package): the tests run studies with its method
	$(PY) -m pip install -q --no-deps -e examples/plugin
	touch $(STAMP)

test: install $(PEERS_STAMP)
	$(PY) -m pytest -q

run: install
	$(VENV)/bin/asebench run --seeds $(SEEDS) --out $(STUDY) --resume --table-out reports/table1.md

figures: install
	$(VENV)/bin/asebench figures --seeds $(SEEDS) --out reports

bench: install
	$(PY) benchmarks/query_speed.py
	$(PY) benchmarks/search_speed.py
	$(PY) benchmarks/study_speed.py
	$(PY) benchmarks/constrained_speed.py
	$(PY) benchmarks/supernet_speed.py

data: install
	$(PY) scripts/build_nb201.py

# The live backend on real images (scikit-learn's UCI digits), end to end on CPU: supernet
# quality, ranking fidelity, ASE-NAS vs random search under a MAdds cap -> reports/live/
live-demo: install
	$(PY) -m pip install -q -e '.[live,digits]'
	$(PY) -m asebench.livedemo --out reports/live --work build/live-demo

# Checks this machine for the live backend (versions, devices, training / scoring /
# fine-tuning speed, DDP) -> reports/doctor-<cpu or GPU name>.md and .json; DOCTOR=--quick
# for the short run (under 3 minutes; the full one stays under 8 on one GPU)
DOCTOR ?=
.PHONY: doctor
doctor: install
	$(VENV)/bin/asebench doctor $(DOCTOR) --out 'reports/doctor-{device}.md'

# the pinned linters and stubs of the `lint` extra, reinstalled whenever setup.cfg changes
$(LINT_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[live,dask,test,lint]'
	touch $(LINT_STAMP)

lint: $(LINT_STAMP)
	$(PY) -m ruff check asebench tests benchmarks scripts
	$(PY) -m mypy asebench

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# the optimizer libraries (the `peers` extra): the tests of asebench.peers and the peer studies
$(PEERS_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,peers]'
	touch $(PEERS_STAMP)

# ASE-NAS against Optuna, SMAC3, Nevergrad and Syne Tune: runs (or resumes) the peer studies
# under studies/peers/, then writes reports/peers/ (tables, anytime curves, the anchor test)
figures-peers: $(PEERS_STAMP)
	nice -n 10 $(PY) -m asebench.figures.peers_report --seeds $(PEER_SEEDS) --studies studies/peers --out reports/peers --workers 2
