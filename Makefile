# asebench: every target does its own set-up (a local virtual environment in .venv).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LINT_STAMP := $(VENV)/.lint-installed
PEERS_STAMP := $(VENV)/.peers-installed
CORE_STAMP := $(VENV)/.core-installed
PEER_SEEDS ?= 500
SEEDS  ?= 500
STUDY  ?= studies/table1

.PHONY: install test run figures figures-hardware ranks bench data lint clean live-demo figures-peers fashion-data fidelity fidelity-variants

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
	touch $(STAMP) $(CORE_STAMP)

# what `make run` and `make figures` need: the core, the HTML report's plotly and the ranks'
# scikit-posthocs; no torch, dask or test tools (a fresh clone's first `make run` installs only
# this). `make install` (and every target that needs more) adds the rest.
$(CORE_STAMP): setup.cfg setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[html,rank]'
	touch $(CORE_STAMP)

test: install $(PEERS_STAMP)
	$(PY) -m pytest -q

# --rerun-stale: after a code change the study recomputes exactly the chunks other code made
run: $(CORE_STAMP)
	$(VENV)/bin/asebench run --seeds $(SEEDS) --out $(STUDY) --resume --rerun-stale --table-out reports/table1.md

figures: $(CORE_STAMP)
	$(VENV)/bin/asebench figures --seeds $(SEEDS) --out reports

# the hardware-limited studies (Pixel 3 latency and FLOPs at four limits each, the Table I
# methods, 100 seeds): about 7 minutes on 2 cores, so not part of make figures
figures-hardware: $(CORE_STAMP)
	$(VENV)/bin/asebench figures --part hardware --seeds $(SEEDS) --out reports/hardware

# Average ranks over the 12 tasks of both benchmarks (reports/ranks): Table I, the
# NAS-Bench-Graph study (the Table I methods, NSE and AutoSpace; run or resumed here) and the
# fast peers on both benchmarks (studies/peers/main and nbgraph, made by make figures-peers)
RANK_STUDIES := $(STUDY) studies/nbgraph studies/peers/main studies/peers/nbgraph
ranks: $(CORE_STAMP)
	@test -d studies/peers/main -a -d studies/peers/nbgraph || { echo "make ranks: studies/peers/main and studies/peers/nbgraph are missing; run make figures-peers first" >&2; exit 2; }
	$(VENV)/bin/asebench run --seeds $(SEEDS) --out $(STUDY) --resume --rerun-stale --no-progress >/dev/null
	$(VENV)/bin/asebench run --benchmark nas-bench-graph --methods ase,ase+,random,reinforce,evolution,local,nse,autospace --seeds 500 --out studies/nbgraph --resume --rerun-stale
	$(VENV)/bin/asebench rank $(RANK_STUDIES) --out reports/ranks

bench: install
	$(PY) benchmarks/query_speed.py
	$(PY) benchmarks/search_speed.py
	$(PY) benchmarks/study_speed.py
	$(PY) benchmarks/constrained_speed.py
	$(PY) benchmarks/supernet_speed.py

data: install
	$(PY) scripts/build_nb201.py

# The live backend on real images (Fashion-MNIST from its IDX files), end to end on CPU:
# supernet quality on the official test split, ASE-NAS vs random search under a MAdds cap on
# paired seeds -> reports/live/fashion-mnist/ (the ranking study is `make fidelity`)
live-demo: install fashion-data
	$(PY) -m pip install -q -e '.[live]'
	$(PY) -m asebench.livedemo --out reports/live/fashion-mnist --work build/live-demo --data $(FASHION_DIR)

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

# Fashion-MNIST's four IDX files (Debian's dataset-fashion-mnist, MIT): installed with apt when
# missing and apt is there (as root), else one line saying where to put them; nothing downloads
FASHION_DIR ?= /usr/share/datasets/fashion-mnist

fashion-data:
	@if ls $(FASHION_DIR)/train-images-idx3-ubyte* >/dev/null 2>&1; then :; \
	elif [ "$(FASHION_DIR)" = /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null \
	        && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
	        || { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null; }; \
	else \
	    echo "Fashion-MNIST: put its four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in $(FASHION_DIR), or apt-get install dataset-fashion-mnist, or pass FASHION_DIR=DIR" >&2; \
	    exit 2; \
	fi

# The ranking-fidelity study on Fashion-MNIST on CPU: export, supernet, 30 sub-networks x 2
# stand-alone seeds -> reports/live/fidelity (resumable: finished trainings are kept); its
# report lists the held-out-split study and every supernet variant under
# reports/live/fidelity-variants (make fidelity-variants)
FIDELITY_TRAIN = OMP_NUM_THREADS=1 $(PY) -m asebench supernet train --data build/fidelity/fashion --preset tiny --resolution 32 --classes 0 --holdout 1000 --batch-size 64 --min-crop 0.5 --workers 0 --preload --device cpu
FIDELITY_STUDY = $(PY) -m asebench supernet fidelity --data build/fidelity/fashion --eval-data build/fidelity/fashion/test --archs 30 --seeds 2 --epochs 8 --batch-size 64 --device cpu --workers 2
FIDELITY_VARIANTS = reports/live/fidelity-variants

fidelity: install fashion-data
	$(PY) -m pip install -q -e '.[live]'
	test -f build/fidelity/fashion/fashion-mnist.json || $(PY) -m asebench data fashion-mnist build/fidelity/fashion --data $(FASHION_DIR) --train-per-class 600
	$(FIDELITY_TRAIN) --out build/fidelity/supernet.pt --phases full=10,kernel=3,depth=3,expand=4
	$(FIDELITY_STUDY) --supernet build/fidelity/supernet.pt --out reports/live/fidelity --compare reports/live/fidelity-heldout $(foreach d,$(wildcard $(FIDELITY_VARIANTS)/*),--compare $(d))

# What else was tried. Supernet variants against the same ground truth (each copies the 60
# stand-alone trainings of reports/live/fidelity, so it costs its supernet training and its
# scoring): the sandwich rule with in-place distillation, phases twice as long, BatchNorm
# recalibration on 2,000 images. Then the ground truth itself: stand-alone training twice as
# long (16 epochs: 60 new trainings, about an hour on 2 cores).
fidelity-variants: fidelity
	$(FIDELITY_TRAIN) --out build/fidelity/supernet-sandwich.pt --phases full=10,kernel=3:2,depth=3:2,expand=4:4 --sandwich --inplace-distillation
	$(FIDELITY_TRAIN) --out build/fidelity/supernet-longer.pt --phases full=20,kernel=6,depth=6,expand=8
	$(FIDELITY_STUDY) --supernet build/fidelity/supernet-sandwich.pt --out $(FIDELITY_VARIANTS)/sandwich --reuse-trainings reports/live/fidelity --compare reports/live/fidelity
	$(FIDELITY_STUDY) --supernet build/fidelity/supernet-longer.pt --out $(FIDELITY_VARIANTS)/longer-phases --reuse-trainings reports/live/fidelity --compare reports/live/fidelity
	$(FIDELITY_STUDY) --supernet build/fidelity/supernet.pt --calibration 2000 --out $(FIDELITY_VARIANTS)/calibration-2000 --reuse-trainings reports/live/fidelity --compare reports/live/fidelity
	$(FIDELITY_STUDY) --supernet build/fidelity/supernet.pt --epochs 16 --out $(FIDELITY_VARIANTS)/standalone-16-epochs --compare reports/live/fidelity
	$(FIDELITY_STUDY) --supernet build/fidelity/supernet.pt --out reports/live/fidelity --compare reports/live/fidelity-heldout $(foreach d,$(wildcard $(FIDELITY_VARIANTS)/*),--compare $(d))
