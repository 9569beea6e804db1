# tgw-peering: build, test and demo. Every target installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PYTHON      := $(VENV)/bin/python
VENV_STAMP  := $(VENV)/.installed-$(shell cksum < tests/emulator/requirements.txt | cut -d' ' -f1)
CARGO       ?= cargo

.PHONY: help venv build fmt fmt-check clippy test test-unit test-integration demo clean-venv

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV_STAMP): tests/emulator/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/emulator/requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(VENV_STAMP) ## Create .venv with the pinned emulator (moto) from PyPI

build: ## Build the CLI and every crate (dev profile)
	$(CARGO) build --workspace

fmt: ## Format the code
	$(CARGO) fmt --all

fmt-check: ## Check formatting
	$(CARGO) fmt --all -- --check

clippy: ## Lint, warnings are errors
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-unit: ## Unit and planner tests (no emulator)
	$(CARGO) test --workspace --exclude tgw-peering-tests

test-integration: venv ## Integration tests against the EC2 emulator
	$(CARGO) test -p tgw-peering-tests

test: venv fmt-check clippy ## Everything CI runs: format, lint, all tests
	$(CARGO) test --workspace

demo: venv ## The whole flow on a local two-Region emulator
	$(CARGO) build -p tgw-peering
	PYTHON=$(PYTHON) bash scripts/demo.sh

clean-venv: ## Remove .venv
	rm -rf $(VENV)
