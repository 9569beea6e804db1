# tgw-peering: build, test and demo. Every target installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PYTHON      := $(VENV)/bin/python
VENV_STAMP  := $(VENV)/.installed-$(shell cksum < tests/emulator/requirements.txt | cut -d' ' -f1)
LAMBDA_STAMP := $(VENV)/.lambda-installed-$(shell cksum < tools/lambda-requirements.txt | cut -d' ' -f1)
INFRA_VENV  := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed-$(shell cksum < tools/infra-requirements.txt | cut -d' ' -f1)
CARGO       ?= cargo
FUNCTIONS   := reconciler attachment-watcher
# The CLI and both functions in one build (dev): one feature set, built once
# for every target that runs them.
BINARIES    := $(CARGO) build -p tgw-peering $(addprefix -p ,$(FUNCTIONS))

.PHONY: help venv lambda-tools infra-tools graphviz picture build fmt fmt-check clippy check msrv sizes test test-unit test-emulator test-integration test-deadline test-infra lint-infra lambda-local package deploy demo clean-venv bench bench-planner bench-plan-instructions bench-emulator bench-storm bench-cadence bench-coldstart bench-modes bench-organizations bench-segments bench-verify bench-deadline

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV_STAMP): tests/emulator/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/emulator/requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(VENV_STAMP) ## Create .venv with the pinned emulator (moto) from PyPI

$(LAMBDA_STAMP): tools/lambda-requirements.txt $(VENV_STAMP)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/lambda-requirements.txt
	rm -f $(VENV)/.lambda-installed-*
	touch $@

lambda-tools: $(LAMBDA_STAMP) ## Install the pinned cargo-lambda (with zig) into .venv from PyPI

$(INFRA_STAMP): tools/infra-requirements.txt
	python3 -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/infra-requirements.txt
	rm -f $(INFRA_VENV)/.installed-*
	touch $@

infra-tools: $(INFRA_STAMP) ## Create .venv-infra with the pinned checkov and SAM CLI from PyPI

graphviz: ## Graphviz's `dot` (the mesh picture and its test), from the system's packages where it is missing
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; \
	  else echo "error: Graphviz (dot) is missing and installing it needs root: install the graphviz package" >&2; exit 1; fi; \
	  if command -v apt-get >/dev/null 2>&1; then \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz >/dev/null 2>&1 || \
	      { $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz; }; \
	  elif command -v brew >/dev/null 2>&1; then brew install graphviz; \
	  else echo "error: install Graphviz (the dot command) with your system's packages" >&2; exit 1; fi; }
	@dot -V

picture: venv graphviz ## The README's picture: the demo world's mesh from `tgw-peering status --output dot`, drawn by Graphviz (docs/mesh.svg)
	$(CARGO) build -p tgw-peering
	PYTHON=$(PYTHON) DEMO_DOT=docs/mesh.dot bash scripts/demo.sh >/dev/null
	dot -Tsvg docs/mesh.dot -o docs/mesh.svg
	@echo "docs/mesh.svg: drawn from docs/mesh.dot"

build: ## Build the CLI and every crate (dev profile)
	$(CARGO) build --workspace

fmt: ## Format the code
	$(CARGO) fmt --all

fmt-check: ## Check formatting
	$(CARGO) fmt --all -- --check

clippy: ## Lint, warnings are errors
	$(CARGO) clippy --workspace --all-targets -- -D warnings

check: fmt-check clippy msrv sizes ## The fast loop: format, lint (the functions never sleep: functions/clippy.toml), the MSRV, the size guide, unit and planner tests
	$(CARGO) test -p tgw-peering-core

msrv: ## The workspace's rust-version is what its dependencies need (scripts/msrv.py)
	python3 scripts/msrv.py

sizes: ## No production function over 80 lines (but named exhaustive matches), no file over 600 (scripts/sizes.py)
	python3 scripts/sizes.py

test-unit: ## Unit and planner tests (no emulator)
	$(CARGO) test --workspace --exclude tgw-peering-tests

test-emulator: venv ## The emulator's own tests: each patch behaves as the AWS page it cites
	$(PYTHON) tests/emulator/test_emulator.py

test-deadline: venv ## The reconciler's binary under a Runtime API stub with 20 s deadlines replaces a 2,000-route peering (EC2 slowed to 50 ms a call)
	$(BINARIES)
	$(PYTHON) tests/benches/deadline.py --binaries target/debug

test-integration: venv graphviz ## Integration tests against the EC2 emulator
	$(CARGO) test -p tgw-peering-tests

test: venv graphviz fmt-check clippy msrv sizes ## Everything CI runs: format, lint, all tests, the functions under cargo-lambda, the templates
	$(MAKE) test-emulator
	$(CARGO) test --workspace
	$(MAKE) lambda-local
	$(MAKE) test-deadline
	$(MAKE) test-infra

lint-infra: venv infra-tools ## cfn-lint, sam validate --lint and checkov on infra/ (offline)
	$(VENV)/bin/cfn-lint infra/hub.yaml infra/forwarder.yaml infra/spoke-role.yaml infra/workload.yaml
	SAM_CLI_TELEMETRY=0 $(INFRA_VENV)/bin/sam validate --lint --template infra/hub.yaml --region us-east-1
	$(INFRA_VENV)/bin/checkov -d infra --framework cloudformation --quiet --compact --skip-download

test-infra: lint-infra ## The template checks, then the rule-pattern and env/IAM consistency tests
	$(BINARIES)
	$(PYTHON) infra/tests/test_templates.py

lambda-local: venv lambda-tools ## Run the real function binaries under `cargo lambda watch` and invoke them
	$(BINARIES)
	PYTHON=$(PYTHON) bash scripts/lambda-local.sh

package: lambda-tools ## Build both functions for Lambda (release, arm64) as zips in target/lambda/
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CARGO) lambda build --release --arm64 --output-format zip $(addprefix --bin ,$(FUNCTIONS))
	@for f in $(FUNCTIONS); do test -s target/lambda/$$f/bootstrap.zip || { echo "error: no target/lambda/$$f/bootstrap.zip" >&2; exit 1; }; \
		echo "target/lambda/$$f/bootstrap.zip: $$(du -h target/lambda/$$f/bootstrap.zip | cut -f1)"; done

deploy: lambda-tools infra-tools ## Deploy the hub and the forwarders (PEERING_REGIONS=…; needs AWS credentials)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/deploy.sh

demo: venv ## The whole flow on a local two-Region emulator
	$(CARGO) build -p tgw-peering
	PYTHON=$(PYTHON) bash scripts/demo.sh

bench: bench-planner bench-plan-instructions bench-emulator bench-storm bench-modes bench-organizations bench-segments bench-verify bench-cadence bench-coldstart bench-deadline ## Every benchmark of BENCHMARKS.md (slow: release builds)

bench-planner: ## Criterion: plan() time, 2 and 5 Regions, 10 to 10,000 VPCs per Region
	$(CARGO) bench -p tgw-peering-core --bench planner

bench-plan-instructions: ## Instructions per plan() under valgrind (repeatable counts)
	bash scripts/plan-instructions.sh

bench-emulator: venv ## EC2 calls per reconcile, handler latency, route-write throughput on the emulator
	$(CARGO) bench -p tgw-peering-tests --bench emulator --profile dev

bench-storm: venv ## 1,000 tag events within 60 s through the FIFO reconcile queue, EC2 rate-limited
	$(CARGO) bench -p tgw-peering-tests --bench storm --profile dev

bench-modes: venv ## ROUTE_MODE static against prefix-list in 5 Regions: writes to add a VPC, quota count, no-op reads
	$(CARGO) bench -p tgw-peering-tests --bench modes --profile dev

bench-organizations: venv ## Workload accounts: reads of a no-op reconcile with 0 to 5 accounts (one DescribeVpcs per account and Region)
	$(CARGO) bench -p tgw-peering-tests --bench organizations --profile dev

bench-segments: venv ## Segments: reads of a no-op reconcile with a peering table and 0 to 3 more segment tables per Region
	$(CARGO) bench -p tgw-peering-tests --bench segments --profile dev

bench-verify: venv ## Path verification: extra reads and time with 100 and 1,000 VPCs per Region
	$(CARGO) bench -p tgw-peering-tests --bench verify --profile dev

bench-cadence: ## The watcher's cadence against AWS phases of 30 s to 10 min (time added, messages)
	$(CARGO) bench -p tgw-peering-core --bench cadence

bench-coldstart: venv ## Init time, peak RSS and zip size of the functions' release builds
	$(CARGO) build --release $(addprefix -p ,$(FUNCTIONS))
	$(PYTHON) tests/benches/coldstart.py --binaries target/release

bench-deadline: test-deadline ## The 2,000-route peering replacement under 20 s deadlines: invocations, time, writes (the table of test-deadline)

clean-venv: ## Remove .venv and .venv-infra
	rm -rf $(VENV) $(INFRA_VENV)
