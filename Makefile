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
.PHONY: help serve build check test lint clean new-case docs

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

check: $(VENV)/.build-deps ## Check cases and taxonomy without building; lists every problem
	$(BIN)/python -m casebook check

test: $(VENV)/.dev-deps ## Run the whole test suite (includes strict builds)
	$(BIN)/python -m pytest

lint: $(VENV)/.dev-deps ## Lint the Python code
	$(BIN)/ruff check hooks tests
	$(BIN)/ruff format --check hooks tests

clean: ## Remove the built site and caches (keeps .venv)
	rm -rf site .pytest_cache .ruff_cache

new-case: $(VENV)/.build-deps ## Create cases/$(ID).md from the template: make new-case ID=my-programme
	@test -n "$(ID)" || { echo "Give the new case's id: make new-case ID=my-programme" >&2; exit 2; }
	$(BIN)/python -m casebook new "$(ID)"

docs: $(VENV)/.build-deps ## Regenerate the field reference in CONTRIBUTING.md from the schema
	$(BIN)/python -m casebook docs
