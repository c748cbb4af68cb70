# dqn: two commands on a fresh machine.
#   make train   set up what is missing, build in release mode, train breakout with the preset that fits
#                the machine (the full Nature/CleanRL preset on a GPU, `breakout-cpu` otherwise)
#   make test    set up what is missing, then run every test: unit, property, end-to-end CLI, window
#                tests under xvfb-run, cargo fmt --check and cargo clippy -D warnings
#   make tensorboard   TensorBoard on runs/ at http://localhost:6006 (LOGDIR=... for another folder)
# Other targets: bootstrap, gym, sb3, python, test-python, build, bench, bench-env, bench-learner,
# bench-e2e, bench-segnet, bench-python, fuzz, tensorboard, clean-venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help
TORCH_VERSION ?= 2.13.0
# Python packages the tests need beside torch (the TensorBoard round-trip test reads our event files).
TEST_PY_PACKAGES := tensorboard==2.21.0 pillow==13.0.0 safetensors==0.8.0
# The gym bridge's packages (`--env gym:<id>`): gymnasium, ALE with its ROMs, OpenCV for resizing.
GYM_PY_PACKAGES := gymnasium==1.4.0 ale-py==0.12.1 opencv-python-headless==5.0.0.93
# The head-to-head peer (scripts/h2h_ale.sh), beside the gym packages.
SB3_PY_PACKAGES := stable-baselines3==2.9.0
VENV_PY := .venv/bin/python
CARGO ?= cargo
# `make train ARGS="--steps 100000"` passes extra arguments to `dqn train`.
ARGS ?=
# `make tensorboard LOGDIR=docs/gpu` shows another folder of runs.
LOGDIR ?= runs

.PHONY: help bootstrap test-deps gym sb3 build train tensorboard test bench bench-env bench-learner bench-e2e bench-segnet fuzz clean-venv
.PHONY: python python-deps test-python bench-python

help:
	@sed -n '1,10p' Makefile | sed 's/^# \{0,1\}//'

bootstrap:
	@TORCH_VERSION=$(TORCH_VERSION) scripts/bootstrap-libtorch.sh

# Installed once, recorded by a stamp that names the package list.
test-deps: bootstrap
	@scripts/bootstrap-python-deps.sh "$(TEST_PY_PACKAGES)"

# The gym bridge's Python packages, in the project venv that `dqn` finds by itself.
gym: bootstrap
	@scripts/bootstrap-python-deps.sh "$(GYM_PY_PACKAGES)" .python-deps-gym

# Stable-Baselines3 for scripts/h2h_ale.sh.
sb3: gym
	@scripts/bootstrap-python-deps.sh "$(SB3_PY_PACKAGES)" .python-deps-sb3

build: bootstrap
	$(CARGO) build --release --bin dqn

train: build
	./target/release/dqn train --env breakout $(ARGS)

tensorboard: test-deps
	$(VENV_PY) -m tensorboard.main --logdir $(LOGDIR) --host 127.0.0.1 --port 6006

test: test-deps gym
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	DQN_REQUIRE_PYTHON=1 DQN_REQUIRE_DISPLAY=1 scripts/with-display.sh $(CARGO) test --workspace --all-targets --no-fail-fast
	$(CARGO) test --doc -p envs
	$(MAKE) test-python

bench: bench-env bench-learner bench-segnet

bench-env: build
	scripts/bench_env.sh

bench-learner: build
	scripts/bench_learner.sh

bench-e2e: build
	scripts/bench_e2e.sh

bench-segnet: build
	scripts/bench_segnet.sh

# The Python package dqn_envs (python/, PyO3 + maturin): its build tool, and what its tests,
# examples and benchmark use. EnvPool is optional: bench-python says so when it is missing.
PYTHON_PKG_PACKAGES := maturin==1.16.0 gymnasium==1.4.0 stable-baselines3==2.9.0 ale-py==0.12.1 pytest==9.2.0

python-deps: bootstrap
	@scripts/bootstrap-python-deps.sh "$(PYTHON_PKG_PACKAGES)" .python-package-deps

# Builds the wheel into target/wheels/ and installs it into .venv.
python: python-deps
	$(VENV_PY) -m maturin build --release --quiet -m $(CURDIR)/python/Cargo.toml --out $(CURDIR)/target/wheels --interpreter $(VENV_PY)
	$(VENV_PY) -m pip install --quiet --force-reinstall --no-deps $(CURDIR)/target/wheels/dqn_envs-*.whl

# With a display, so that gymnasium's env checker also opens render_mode="human"'s window.
test-python: python
	scripts/with-display.sh $(VENV_PY) -m pytest -q -p no:cacheprovider python/tests

bench-python: python
	scripts/bench_python.sh

# Coverage-guided fuzzing of the file parsers (fuzz/, cargo-fuzz, no sanitizer), FUZZ_SECS seconds
# per target, two targets at a time: `make fuzz FUZZ_SECS=600 FUZZ_TARGETS="config png_label"`.
# `make test` needs none of it: it replays fuzz/seeds and fuzz/regressions through the targets.
FUZZ_SECS ?= 60
FUZZ_TARGETS ?=
fuzz: bootstrap
	scripts/fuzz.sh $(FUZZ_SECS) $(FUZZ_TARGETS)

clean-venv:
	scripts/bootstrap-libtorch.sh --remove
