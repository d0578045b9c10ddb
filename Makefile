# mlfleet: two commands do all set-up on a fresh machine.
#   make demo   the main job on the embedded default (no cloud account needed)
#   make test   installs everything from nothing, then lint + type check + all tests
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
# uv is installed at the pinned version into the project (.tools/uv), never looked up on PATH: a
# lookup made before the install found nothing on a fresh machine, and pip's shim directory varies.
UV_HOME := $(CURDIR)/.tools/uv
UV := $(UV_HOME)/bin/uv
# `install` syncs the environment once; later steps run in it without re-checking it.
RUN := $(UV) run --frozen --no-sync
# The SDKs are large: compile them once at install (only there: with UV_COMPILE_BYTECODE set, every
# `uv run` re-checks 27k files), and let Python write .pyc for the rest (this environment sets
# PYTHONDONTWRITEBYTECODE, which made every process recompile what it imports).
unexport PYTHONDONTWRITEBYTECODE
export PYTHONWARNINGS := ignore::DeprecationWarning

.PHONY: help
help:
	@echo "make demo   run the offline platform demo (train, serve, preview, policies)"
	@echo "make test   install everything, then lint, type check and run every test"
	@echo "make bench  benchmarks (project vs baseline side by side)"
	@echo "make rehearse STACK=dev   run what the stack deploys, for real, with podman (root)"
	@echo "make drill [DRILL_STACK=staging-global] [DRILL_ARGS=--quick]   failover drill: measured RTO/RPO"

.PHONY: uv
uv:
	@[ -x "$(UV)" ] && [ "$$($(UV) --version | cut -d' ' -f2)" = "$(UV_VERSION)" ] || \
		python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
			--upgrade --target "$(UV_HOME)" "uv==$(UV_VERSION)"

.PHONY: install
install: uv
	UV_COMPILE_BYTECODE=1 $(UV) sync --frozen --all-packages

.PHONY: tools
tools:
	bash scripts/install-tools.sh

.PHONY: demo
demo: install
	$(RUN) python -m mlfleet.demo

.PHONY: lint
lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) yamllint -s stacks Pulumi.yaml policies/PulumiPolicy.yaml
	$(RUN) actionlint .github/workflows/*.yml && $(RUN) yamllint -s .github/workflows && $(RUN) zizmor --offline --no-progress .github/workflows

.PHONY: typecheck
typecheck: install
	$(RUN) mypy mlfleet components apps/registry/mlfleet_registry apps/trainer/mlfleet_trainer apps/serving/mlfleet_serving policies/mlfleet_policies

.PHONY: unit
unit: install
	$(RUN) pytest -n auto -m "not integration"

.PHONY: integration
integration: install tools
	$(RUN) pytest -m integration

.PHONY: test
test: install tools lint typecheck
	$(RUN) pytest -n auto --timeout 600

STACK ?= local
.PHONY: rehearse
rehearse: install tools
	$(RUN) mlfleet rehearse --stack $(STACK)

# The failover drill (docs/multi-cloud.md, Failover drill): real time by default (15 min 40 s measured on
# staging-global: its 30 s x 3 checks, the 5-minute sync); DRILL_ARGS=--quick scales the interval to 1 s.
DRILL_STACK ?= staging-global
DRILL_ARGS ?=
.PHONY: drill
drill: install tools
	$(RUN) mlfleet drill --stack $(DRILL_STACK) $(DRILL_ARGS)

.PHONY: bench bench-preview bench-serving
bench: bench-preview bench-serving

bench-preview: install
	$(RUN) python bench/preview.py

bench-serving: install tools
	$(RUN) python bench/serving.py
	$(RUN) python bench/serving_grpc.py
