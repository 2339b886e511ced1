# The one entrance: every way to set up, run, test, lint, type-check and benchmark.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# uv from PATH if it works; otherwise one installed with pip into .tools/ (a virtual
# environment, so it also works where the system Python refuses pip installs).
UV := $(shell uv --version >/dev/null 2>&1 && echo uv || echo .tools/bin/uv)
RUN := $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup migrate demo worker run test test-unit test-e2e test-postgres lint format typecheck bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(if $(filter uv,$(UV)),,.tools/bin/uv) ## Create the environment and install the locked dependencies
	$(UV) sync --frozen
	@if [ -x /usr/bin/chromium ]; then :; else echo "note: browser tests need Debian's chromium (apt-get install -y chromium)"; fi

migrate: setup ## Apply database migrations
	$(RUN) coproduce migrate --no-input

demo: migrate ## Load the demo portfolio and serve it on http://$(HOST):$(PORT), with a background worker
	$(RUN) coproduce demo
	@echo "Open http://$(HOST):$(PORT)/ and sign in with the details above."
	@# The worker runs long forecasts in the background; it stops when the site does.
	$(RUN) coproduce db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN) coproduce runserver $(HOST):$(PORT)

worker: migrate ## Run the background worker on its own (long forecasts)
	$(RUN) coproduce db_worker

run: migrate ## Serve the site without changing its data
	$(RUN) coproduce runserver $(HOST):$(PORT)

test: setup ## Run the whole suite (unit, integration, browser) on SQLite, or on DATABASE_URL
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(RUN) pytest $(PYTEST_ARGS)

test-postgres: setup ## Run the whole suite on a throwaway PostgreSQL server
	scripts/with-postgres $(MAKE) --no-print-directory test

lint: setup ## ruff check and ruff format --check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: setup ## Format the code and fix what ruff can
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

typecheck: setup ## mypy with django-stubs on coproduce/
	$(RUN) mypy coproduce

bench: setup ## Print the benchmark figures
	$(RUN) python -m bench

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

clean: ## Remove the environment and the local database
	rm -rf .venv .tools data .pytest_cache .mypy_cache .ruff_cache
