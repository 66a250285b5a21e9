# Two commands: `make run` (install, migrate, demo data, serve on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The settings refuse to start without SECRET_KEY outside DEBUG; these local targets (never production, where
# docker-compose.yml requires one) sign with a development key unless one is set.
export SECRET_KEY ?= local-development-only-key-not-for-production
# Benchmarks measure the production database; without DATABASE_URL they use a local PostgreSQL database.
BENCH_DB ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/drawback_bench)

.PHONY: help install run test lint format migrate demo worker beat bench-db bench-ingest bench-optimize bench-preflight bench-web bench-assess bench-build bench-types clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# pip warns about every missing local mirror folder of this machine's index; only real messages pass
	$(PIP) install -q -r requirements.lock 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the locked dependencies

migrate: install ## apply database migrations
	$(PY) manage.py migrate --noinput

# The demo files claims with the sandbox CBP: claim files need an ABI communication password (A-record).
demo run: export CATAIR_PASSWORD ?= DEMO26

demo: migrate ## load the demo firm, clients, data and users (repeatable)
	$(PY) manage.py seed_demo --address http://$(HOST):$(PORT)

run: demo ## install, migrate, load demo data and serve http://127.0.0.1:8000 (SQLite, Celery eager; PORT=, HOST=)
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install ## install and run the whole test suite
	$(VENV)/bin/pytest -q

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install ## run a Celery worker (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A drawback worker -l INFO

beat: install ## run Celery beat with the database scheduler (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A drawback beat -l INFO

bench-db: install
	@psql "$(BENCH_DB:%/$(lastword $(subst /, ,$(BENCH_DB)))=%/postgres)" -tAc "SELECT 1 FROM pg_database WHERE datname='$(lastword $(subst /, ,$(BENCH_DB)))'" | grep -q 1 \
	  || psql "$(BENCH_DB:%/$(lastword $(subst /, ,$(BENCH_DB)))=%/postgres)" -qc "CREATE DATABASE $(lastword $(subst /, ,$(BENCH_DB)))"
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py migrate --noinput -v0

bench-ingest: bench-db ## load a generated 1,000,000-row ES-003 file into PostgreSQL and print figures
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py bench_ingest --rows $${ROWS:-1000000}

bench-optimize: install ## run the optimizer on generated data at three sizes and on ../shared/bench/large-4711 (if present); print figures
	$(PY) manage.py bench_optimize

bench-types: install ## run the drawback type choice on a generated manufacturer and print figures
	$(PY) manage.py bench_types

bench-preflight: bench-db ## time pre-flight and validation of a generated 10,000-designation claim
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py bench_preflight --designations $${DESIGNATIONS:-10000}
bench-web: bench-db ## time the client pages, dashboard and API over a generated 1,000,000-line, 5,000-claim client (PostgreSQL)
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py bench_web --lines $${ROWS:-1000000} --claims $${CLAIMS:-5000}
bench-assess: bench-db ## generate a client with LINES import lines (default 1,000,000) and time the risk assessment
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py bench_assess --lines $${LINES:-1000000}

bench-build: bench-db ## time a claim build, its save and money at risk on a generated client (PostgreSQL)
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py bench_build --imports $${IMPORTS:-100000} --exports $${EXPORTS:-25000}

clean: ## remove the virtualenv, local database and media
	rm -rf $(VENV) db.sqlite3 media staticfiles
