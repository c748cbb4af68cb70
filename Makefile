# dqn: two commands on a fresh machine.
#   make train   set up what is missing, build in release mode, train breakout with the preset that fits
#                the machine (the full Nature/CleanRL preset on a GPU, `breakout-cpu` otherwise)
#   make test    set up what is missing, then run every test: unit, property, end-to-end CLI, window
#                tests under xvfb-run, cargo fmt --check and cargo clippy -D warnings
#   make tensorboard   TensorBoard on runs/ at http://localhost:6006 (LOGDIR=... for another folder)
# Other targets: bootstrap, build, bench, bench-env, bench-learner, bench-e2e, bench-segnet, clean-venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help
TORCH_VERSION ?= 2.13.0
# Python packages the tests need beside torch (the TensorBoard round-trip test reads our event files).
TEST_PY_PACKAGES := tensorboard==2.21.0 pillow==13.0.0 safetensors==0.8.0
VENV_PY := .venv/bin/python
CARGO ?= cargo
# `make train ARGS="--steps 100000"` passes extra arguments to `dqn train`.
ARGS ?=
# `make tensorboard LOGDIR=docs/gpu` shows another folder of runs.
LOGDIR ?= runs

.PHONY: help bootstrap test-deps build train tensorboard test bench bench-env bench-learner bench-e2e bench-segnet clean-venv

help:
	@sed -n '1,9p' Makefile | sed 's/^# \{0,1\}//'

bootstrap:
	@TORCH_VERSION=$(TORCH_VERSION) scripts/bootstrap-libtorch.sh

# Installed once, recorded by a stamp that names the package list.
test-deps: bootstrap
	@scripts/bootstrap-python-deps.sh "$(TEST_PY_PACKAGES)"

build: bootstrap
	$(CARGO) build --release --bin dqn

train: build
	./target/release/dqn train --env breakout $(ARGS)

tensorboard: test-deps
	$(VENV_PY) -m tensorboard.main --logdir $(LOGDIR) --host 127.0.0.1 --port 6006

test: test-deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	DQN_REQUIRE_PYTHON=1 scripts/with-display.sh $(CARGO) test --workspace --all-targets --no-fail-fast
	$(CARGO) test --doc -p envs

bench: bench-env bench-learner bench-segnet

bench-env: build
	scripts/bench_env.sh

bench-learner: build
	scripts/bench_learner.sh

bench-e2e: build
	scripts/bench_e2e.sh

bench-segnet: build
	scripts/bench_segnet.sh

clean-venv:
	rm -rf .venv .venv.partial .libtorch
