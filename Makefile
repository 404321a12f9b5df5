.DEFAULT_GOAL := help
PY := .venv/bin/python

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

setup: ## Install Python and npm packages, vendor assets, compiled catalogues
	./scripts/bootstrap.sh

run: ## Load the demo data and serve both apps (portal :5000, contact center :5001)
	./scripts/run-demo.sh

test: ## Run the whole test suite (SQLite unless TEST_DATABASE_URL is set)
	./scripts/test.sh

ci: ## What CI runs: tests on SQLite, then PostgreSQL + Redis, then ruff
	bash .ci/run

lint: ## ruff
	.venv/bin/ruff check .

extract: ## Extract translatable strings into translations/messages.pot
	$(PY) -m core.i18n_tools extract

update: ## Merge messages.pot into the five catalogues (no fuzzy matching)
	$(PY) -m core.i18n_tools update

compile: ## Compile the catalogues
	$(PY) -m core.i18n_tools compile

check-strings: ## Fail on a stale messages.pot or an untranslated/fuzzy/mismatched entry
	$(PY) -m core.i18n_tools check

migration: ## Autogenerate a migration: make migration m="what changed"
	.venv/bin/alembic revision --autogenerate -m "$(m)"

.PHONY: help setup run test ci lint extract update compile check-strings migration
