# Ketenwacht — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?= -n 2

.PHONY: run test test-postgres test-browser lint format typecheck openapi openapi-check bench messages ci install install-dev clean \
	prod-local faults load security

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed-base: requirements/base.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/base.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-dev
	touch $@

$(VENV)/.installed-dev: requirements/dev.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(VENV)/.installed-base $@

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

## Run the platform on 127.0.0.1:$(PORT) with an embedded SQLite database and demo data.
run: install
	$(BIN)/python -m ketenwacht.keys var/keys
	$(MANAGE) migrate --noinput
	$(MANAGE) compilemessages --ignore=.venv -v 0 2>/dev/null || true
	$(MANAGE) demo_load
	@echo "Ketenwacht runs at http://127.0.0.1:$(PORT)/  (stop with Ctrl-C)"
	$(MANAGE) runserver 127.0.0.1:$(PORT)

## Run the whole test suite on SQLite.
test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## Only the page tests in Debian Chromium (Playwright + axe-core).
test-browser: install-dev
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

## Run the same suite on PostgreSQL ($(DATABASE_URL)).
test-postgres: install-dev
	DATABASE_URL=$(DATABASE_URL) $(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install-dev
	$(BIN)/mypy src

## Regenerate the committed OpenAPI schema, or check that it has not drifted from the code.
openapi: install-dev
	DJANGO_SETTINGS_MODULE=ketenwacht.conf.test $(BIN)/python manage.py spectacular --validate --file openapi/v1.yaml

openapi-check: install-dev
	DJANGO_SETTINGS_MODULE=ketenwacht.conf.test $(BIN)/python manage.py spectacular --validate --file $(VENV)/openapi-current.yaml
	@diff -u openapi/v1.yaml $(VENV)/openapi-current.yaml && echo "openapi/v1.yaml is up to date" || \
	  (echo "openapi/v1.yaml drifted from the code: run 'make openapi' and commit it"; exit 1)

# Apps with their own catalogue (<app>/locale) are left out of the project's and done in place.
APP_CATALOGUE_APPS = $(patsubst src/ketenwacht/%/locale,%,$(wildcard src/ketenwacht/*/locale))
MAKEMESSAGES = makemessages -l nl --no-obsolete --ignore='conf/*' --ignore='*/tests/*' --ignore='tests/*' --ignore=browser_testing.py
messages: install-dev
	cd src/ketenwacht && ../../$(BIN)/django-admin $(MAKEMESSAGES) $(foreach app,$(APP_CATALOGUE_APPS),--ignore='$(app)/*')
	for app in $(APP_CATALOGUE_APPS); do (cd src/ketenwacht/$$app && ../../../$(BIN)/django-admin $(MAKEMESSAGES)) || exit 1; done
	cd src/ketenwacht && ../../$(BIN)/django-admin compilemessages

bench: install-dev
	$(BIN)/python -m bench

## Production on loopback: two gunicorn apps, two Celery workers and beat behind a TCP
## balancer, on the local PostgreSQL and an own Redis (Ctrl-C stops). See suites/prod_local.py.
prod-local: install-dev
	$(BIN)/python -m suites.prod_local up

## Reliability and security suites against prod-local (docs/operations/README.md).
faults: install-dev
	$(BIN)/pytest -p no:xdist -q suites/test_prod_local.py suites/faults

## LOAD_SECONDS per open-loop step (60; the issue's 10-minute run: make load LOAD_SECONDS=600).
LOAD_SECONDS ?= 60
load: install-dev
	LOAD_SECONDS=$(LOAD_SECONDS) $(BIN)/python -m bench load

security: install-dev
	$(BIN)/pytest -p no:xdist -q -rs suites/security

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var/ketenwacht.sqlite3
