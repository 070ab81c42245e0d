# supportdesk: the two commands of the README are `make run` and `make test`.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# A database name per run, so that two checkouts testing at once never share a test database.
PG_URL ?= postgres://postgres@127.0.0.1:5432/supportdesk_ci_$(shell date +%s%N | tail -c 9)
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: setup run test test-fast test-sqlite test-pg lint bench clean messages

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

## Run the app on SQLite with demo data at http://$(HOST):$(PORT) (make run HOST=0.0.0.0 PORT=8080)
# Links in e-mails point where the desk is served, unless SUPPORTDESK_SITE_URL says otherwise.
run: export SUPPORTDESK_SITE_URL ?= http://$(HOST):$(PORT)
run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_config
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py rundesk $(HOST):$(PORT)

## Run the whole test suite: lint, architecture contract, SQLite, then PostgreSQL
test: setup lint test-sqlite test-pg

lint:
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r supportdesk config -x '*/tests/*,*/migrations/*' -ll
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

## The edit-test loop: SQLite, without the slow (property, concurrency) and browser tests
test-fast: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -q -p no:cacheprovider -m "not slow and not browser"

# The full run fuzzes the API with 100 examples per operation and role (docs/security.md #37);
# the edit-test loop (test-fast) keeps the fuzzers' small default.
FUZZ_EXAMPLES ?= 100

test-sqlite:
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -q -p no:cacheprovider

test-pg:
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider -m "not browser" --migrations

bench: setup
	$(BIN)/python bench/bench_calendar.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_billing $(BIN)/python bench/bench_billing.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_desk $(BIN)/python bench/bench_desk.py

messages:
	for app in supportdesk/*/locale/..; do (cd $$app && ../../$(BIN)/django-admin compilemessages) ; done

clean:
	rm -rf $(VENV) var artifacts .pytest_cache
