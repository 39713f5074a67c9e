# Bujian: `make run` to use it, `make test` to check it. Needs only python3.11 and make.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
# compilemessages and makemessages walk every folder named "locale"; skip the
# virtualenv (Django's own catalogs) and runtime data.
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=build

PORT ?= 8000
# gunicorn (bench/README.md, "Server settings"): on SQLite (the default, and the field
# node) 6 processes of one thread: the write lock's holder never shares its GIL; on
# PostgreSQL (DATABASE_URL set) 2 x cores + 1 processes of 2 threads.
# On SQLite a process also holds at most 12 connections (gunicorn's
# --worker-connections), so the clients' keep-alive connections spread over all 6
# instead of piling on one that then sets the pace for everyone.
ifeq ($(strip $(DATABASE_URL)),)
WEB_WORKERS ?= 6
WEB_THREADS ?= 1
WEB_CONNECTIONS ?= 12
else
WEB_WORKERS ?= 5
WEB_THREADS ?= 2
WEB_CONNECTIONS ?= 1000
endif
TEST_PROCESSES ?= 2
HOST ?= 127.0.0.1

.PHONY: help run node node-reset test lint messages clean compiled-messages bench

help:
	@echo "make run       set up (first time), migrate, load demo data on a new database,"
	@echo "               serve on http://$(HOST):$(PORT)/  (PORT=8080 make run to change)"
	@echo "make test      the whole test suite; DATABASE_URL=postgres://... for PostgreSQL"
	@echo "make lint      ruff check, ruff format --check, mypy"
	@echo "make messages  update locale/*/LC_MESSAGES/django.po from the code"
	@echo "make clean     remove caches and collected static files (keeps .venv and var/*.sqlite3)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependencies may have changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

var:
	mkdir -p var

# The committed .mo files are enough; rebuild them when gettext is installed.
compiled-messages: $(STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages -v0 $(I18N_IGNORE); \
	fi

# A field node (docs/panduan/perangkat-lapangan.md): the same app on its own SQLite file,
# listening on the hotspot, with a pusher that sends waiting records every 5 minutes.
NODE_ENV := BUJIAN_FIELD_NODE=true BUJIAN_SQLITE_PATH=var/node.sqlite3

node: $(STAMP) compiled-messages | var
	$(NODE_ENV) $(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput -v0
	@echo
	@echo "Field node at http://0.0.0.0:$(PORT)/ ; pair it at http://127.0.0.1:$(PORT)/sinkron/"
	@echo
	$(NODE_ENV) $(MANAGE) db_worker & worker=$$!; \
	$(NODE_ENV) $(MANAGE) node_push --every 300 & pusher=$$!; \
	trap 'kill $$worker $$pusher 2>/dev/null' EXIT INT TERM; \
	$(NODE_ENV) $(BIN)/gunicorn bujian.wsgi --bind 0.0.0.0:$(PORT) --workers $(WEB_WORKERS) --threads $(WEB_THREADS) --worker-connections $(WEB_CONNECTIONS)

# An empty node database for the next visit; refuses while records still wait.
node-reset: $(STAMP)
	@$(NODE_ENV) $(MANAGE) node_status --json | $(BIN)/python -c "import json,sys; r=json.load(sys.stdin); sys.exit('Records still wait: push them first.' if r['waiting'] else 0)"
	rm -f var/node.sqlite3 var/node.sqlite3-wal var/node.sqlite3-shm

run: $(STAMP) compiled-messages | var
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) seed_demo
	@echo
	@echo "Bujian is running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo
	@# The background worker (Excel imports) runs beside the web server and stops with it.
	$(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn bujian.wsgi --bind $(HOST):$(PORT) --workers $(WEB_WORKERS) --threads $(WEB_THREADS) --worker-connections $(WEB_CONNECTIONS) --access-logfile -

# DATABASE_URL, when set, reaches pytest through the environment (settings read it).
# Two processes (pytest-xdist): the suite takes about half the time on two cores.
test: $(STAMP) compiled-messages
	$(BIN)/pytest -n $(TEST_PROCESSES)

# The queue benchmark (bench/README.md): a visit day over HTTP against gunicorn.
# DB=sqlite or DB=postgres for one database; BENCH_ARGS="--residents 200" and so on.
DB ?= both
# Each benchmark writes var/bench/<name>*.json; BENCH=queue (or planner, report, fault,
# soak, sync, reference: the machine's yardstick, which queue also runs) runs one.
# soak: 10 minutes per database at 10x the expected peak. sync: a 2,000-resident visit
# pushed from a field node (the fault script: python -m bench.sync_fault).
BENCH ?= queue planner report fault soak sync
bench: $(STAMP)
	@for name in $(BENCH); do \
		if [ -f bench/$${name}_bench.py ]; then \
			echo "==> $$name benchmark"; \
			$(BIN)/python -m bench.$${name}_bench --db $(DB) $(BENCH_ARGS) || exit 1; \
		fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bujian

# Apps with their own bujian/<app>/locale keep their own catalog (Django finds it by
# itself); the project catalog in locale/ holds everything else.
APP_LOCALES := $(wildcard bujian/*/locale)
APP_DIRS := $(patsubst %/locale,%,$(APP_LOCALES))

messages: $(STAMP)
	$(MANAGE) makemessages -l id -l en --no-location --no-obsolete $(I18N_IGNORE) \
		$(foreach dir,$(APP_DIRS),--ignore=$(dir)/*)
	@for dir in $(APP_DIRS); do \
		echo "$$dir"; \
		(cd $$dir && ../../$(BIN)/python ../../manage.py makemessages -l id -l en --no-location --no-obsolete) || exit 1; \
	done

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .mypy_cache .ruff_cache .pytest_cache test-artifacts var/static
