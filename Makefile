# Casebook: every routine action has one short name. Each target installs
# what it needs into .venv on first use, so each works on a fresh clone.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ADDR   ?= 127.0.0.1:8000

# Keep Material's MkDocs 2.0 / end-of-life notice out of every target's output
# (see README, "MkDocs and Material's future").
export NO_MKDOCS_2_WARNING := 1
export PYTHONPATH := hooks
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help serve build check test lint clean new-case docs chromium build-properdocs

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.build-deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements-dev.txt $(VENV)/.build-deps
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

serve: $(VENV)/.build-deps ## Build and serve the site on http://127.0.0.1:8000 with live reload
	$(BIN)/mkdocs serve --strict --livereload --dev-addr $(ADDR)

build: $(VENV)/.build-deps ## Build the site into site/
	$(BIN)/mkdocs build --strict --clean --site-dir site

check: $(VENV)/.build-deps ## Check extra.casebook, the contract, cases and taxonomy without building; lists every problem
	@status=0; $(BIN)/python -m casebook_options || status=1; $(BIN)/python -m casebook check || status=1; exit $$status

test: $(VENV)/.dev-deps chromium ## Run the whole test suite (strict builds, browser tests in Chromium)
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium with Playwright (no browser download).
chromium:
	@[ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; }

lint: $(VENV)/.dev-deps ## Lint the Python code
	$(BIN)/ruff check hooks tests
	$(BIN)/ruff format --check hooks tests

build-properdocs: $(VENV)/.dev-deps ## Build the site with ProperDocs (the MkDocs 1.x fork) in strict mode
	$(BIN)/properdocs build --strict -f mkdocs.yml --clean --site-dir site-properdocs

clean: ## Remove the built site and caches, the build cache too (keeps .venv)
	rm -rf site site-properdocs .pytest_cache .ruff_cache .cache/casebook

new-case: $(VENV)/.build-deps ## Create cases/$(ID).md from the template: make new-case ID=my-programme
	@test -n "$(ID)" || { echo "Give the new case's id: make new-case ID=my-programme" >&2; exit 2; }
	$(BIN)/python -m casebook new -- "$(ID)"

docs: $(VENV)/.build-deps ## Regenerate the field reference in CONTRIBUTING.md from the schema
	$(BIN)/python -m casebook docs

# Benchmark (bench/bench.py): our build against plain MkDocs + Material, with
# synthetic cases. N="100 1000 10000" picks the sizes (default 100 1000, or
# BENCH_FULL=1 for 10000 too); BENCH_REPEAT (3; 2 at 10,000 cases), BENCH_WARM and
# BENCH_EDITS (3), BENCH_SERVE_EDITS (5), BENCH_BROWSER=0 skips Chromium,
# BENCH_KEEP=1 keeps the work folder.
.PHONY: bench
bench: $(VENV)/.dev-deps chromium ## Benchmark build time, memory, size, search and explorer: make bench N="100 1000"
	$(BIN)/python bench/bench.py $(N)
