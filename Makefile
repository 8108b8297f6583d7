# Two commands for a newcomer:  make run  (serve the app with demo data)  and  make test.
# Only Python 3.11+ and make are needed; everything else is installed into .venv by these rules.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# pytest-xdist: one test process per core (2 on CI's machine: the suite takes 20 min instead of 48).
# PYTEST_WORKERS=0 runs it in one process (pdb, -x on the first failure in order).
PYTEST_WORKERS ?= auto

.PHONY: run test install install-test migrate seed lint check-deploy bench bench-search loadtest loadtest-signin mutation backup restore restore-archive-given clean help

help:
	@echo "make run    — installe, migre, charge la démo si la base est vide, sert sur http://$(HOST):$(PORT)"
	@echo "make test   — installe ce qu'il faut aux tests et lance toute la suite"
	@echo "make lint   — ruff, lint-imports (couches d'imports)"
	@echo "make mutation MODULE=contracts/salary.py — score de mutation d'un module (MODULE=list : les modules suivis)"
	@echo "make backup — sauvegarde la base et les fichiers dans var/backups/ (OUTPUT=chemin pour choisir)"
	@echo "make restore ARCHIVE=var/backups/….tar — restaure une sauvegarde dans une instance vide (FORCE=1 pour écraser)"
	@echo "make bench  — mesure seed_demo sur 20 000 apprenti·es (base jetable)"
	@echo "make bench-search — mesure la recherche sur 20 000 apprenti·es (BENCH_DATABASE_URL, SQLite jetable par défaut)"
	@echo "make loadtest — test de charge : 8 sessions, 60 s, gunicorn en production (LOADTEST_DB, LOADTEST_SECONDS)"
	@echo "make loadtest-signin — test de charge de l'émargement : 200 apprenti·es signent en 60 s"

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 ou plus est requis"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --if-empty

# The product's French error pages (DEBUG off); DEBUG=1 make run shows Django's debug pages.
# --insecure: runserver serves the static files itself even with DEBUG off (local use only).
DEBUG ?= 0
run: seed
	DEBUG=$(DEBUG) $(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

test: install-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

check-deploy: install
	DJANGO_SETTINGS_MODULE=alternance.settings.production \
	SECRET_KEY=$${SECRET_KEY:-check-deploy-only-$$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')} \
	NIR_ENCRYPTION_KEY=$${NIR_ENCRYPTION_KEY:-$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Mutation testing of one module with the tests that cover it (issue 16, tests/mutation/run.py).
# MODULE=list shows the modules followed, MODULE=rotation the one CI checks today.
MODULE ?= list
MUTATION_ARGS ?=
mutation: install-test
	$(BIN)/python -m tests.mutation.run $(MODULE) $(MUTATION_ARGS)

bench: install
	rm -f /tmp/alternance-bench.sqlite3
	DATABASE_URL=sqlite:////tmp/alternance-bench.sqlite3 $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:////tmp/alternance-bench.sqlite3 $(BIN)/python manage.py seed_demo --apprentices 20000

# The search box on 20 000 apprentices (issue 13 §3). On PostgreSQL, e.g.:
#   createdb -h 127.0.0.1 -U postgres alternance_bench && \
#   make bench-search BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/alternance_bench
BENCH_DATABASE_URL ?= sqlite:////tmp/alternance-bench-search.sqlite3
bench-search: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py seed_demo --apprentices 20000 --if-empty
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench_search

# Load test (issue 18 §4): gunicorn with the production settings on 127.0.0.1:$(LOADTEST_PORT), 2 workers,
# and locust (headless) with 8 logged-in sessions for LOADTEST_SECONDS; prints requests/s, p50/p95/p99 and
# the errors, stops gunicorn even on failure, fails on any error. LOADTEST_DB: a migrated and seeded
# database (DATABASE_URL); by default the SQLite demo of make run (migrated and seeded here if empty), e.g.
#   make loadtest LOADTEST_DB=postgres://postgres@127.0.0.1:5432/alternance_bench LOADTEST_SECONDS=30
LOADTEST_DB ?=
LOADTEST_SECONDS ?= 60
LOADTEST_PORT ?= 8765
loadtest: install-test $(if $(LOADTEST_DB),,seed)
	BIN=$(BIN) LOADTEST_DB="$(LOADTEST_DB)" LOADTEST_SECONDS=$(LOADTEST_SECONDS) LOADTEST_PORT=$(LOADTEST_PORT) \
	bash tests/load/run.sh

# Sign-in load test (issue 19 §4): 5 sessions of 40 apprentices (200) signing in within LOADTEST_SECONDS,
# the rooms' screens polling the code; then one signature per apprentice is checked in the database.
loadtest-signin: install-test $(if $(LOADTEST_DB),,seed)
	BIN=$(BIN) LOADTEST_DB="$(LOADTEST_DB)" LOADTEST_SECONDS=$(LOADTEST_SECONDS) LOADTEST_PORT=$(LOADTEST_PORT) \
	LOADTEST_SCENARIO=signin bash tests/load/run.sh

# Backups (issue 17 §4): the database (pg_dump or SQLite's backup API) and MEDIA_ROOT in one archive
# with a manifest; restore into an empty instance, checked against the manifest. README « Sauvegarde
# et restauration ».
OUTPUT ?=
ARCHIVE ?=
FORCE ?=
backup: install
	$(BIN)/python manage.py backup $(if $(OUTPUT),--output "$(OUTPUT)")

restore-archive-given:
	@test -n "$(ARCHIVE)" || { echo "Indiquez l'archive : make restore ARCHIVE=var/backups/alternance-AAAAMMJJ-HHMMSS.tar"; exit 2; }

restore: restore-archive-given install
	$(BIN)/python manage.py restore "$(ARCHIVE)" $(if $(FORCE),--force)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
