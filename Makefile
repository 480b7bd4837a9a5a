# Two commands matter: `make run` (demo on the embedded SQLite default) and `make test` (the whole suite on
# PostgreSQL). Both install what they need on a fresh Debian machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := FLASK_APP=wsgi:app $(VENV)/bin/flask
PYTHON ?= python3
APT_RUN := fonts-dejavu-core
APT_TEST := fonts-dejavu-core poppler-utils chromium softhsm2 opensc faketime redis-server
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TEST_DATABASE_URL
PYTEST := $(VENV)/bin/pytest -q -p no:cacheprovider
# One worker per core, each with its own database (tests/conftest.py).
WORKERS ?= auto
# Instants (UTC) at which the date-sensitive tests run again with the machine's clock moved (libfaketime): the year
# changing mid-run in Bucharest (31.12.2027 23:58), a leap day (29.02.2028), the spring DST change (29.03.2026 02:59).
CLOCKS ?= 2027-12-31T21:58:00 2028-02-29T10:00:00 2026-03-29T00:59:00
FAKETIME := TZ=UTC FAKETIME_DONT_RESET=1 faketime -f

.PHONY: run test test-at bench check-processes system-run system-test postgres deps-run deps-test translations extract-messages

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.run-installed: requirements.txt constraints.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-dev.txt constraints.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	# eark-validator 1.1.2 pins lxml==5.1.0 but runs on our lxml; its other dependencies are in requirements-dev.txt.
	$(VENV)/bin/pip install -q --no-deps eark-validator==1.1.2
	touch $@ $(VENV)/.run-installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The analysts' modeler (bpmn-js + properties panel) bundled from app/static/src by esbuild; build output, not committed.
node_modules/.registratura/modeler.js: node_modules/.installed $(wildcard app/static/src/*)
	npm run build --silent

# Debian packages: installed only when missing (needs root, as on the CI and developer machines).
system-run:
	@missing=""; for p in $(APT_RUN); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; fi

system-test:
	@missing=""; for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; fi

postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  echo "Starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; fi
	@# Redis: shared rate limits in the two-node test (tests/operations/test_two_nodes.py).
	@if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
	  echo "Starting Redis"; redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
	  for i in $$(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 1; done; fi

# Compiled catalogues (.mo) are build output: made from the committed .po files.
translations: $(VENV)/.run-installed
	$(VENV)/bin/pybabel compile -q -d app/translations 2>/dev/null || $(VENV)/bin/pybabel compile -d app/translations

# Re-extract the UI strings after changing templates or code, then translate the new entries in the .po file.
extract-messages: $(VENV)/.run-installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot app
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations

deps-run: system-run $(VENV)/.run-installed node_modules/.registratura/modeler.js translations
deps-test: system-test postgres $(VENV)/.test-installed node_modules/.registratura/modeler.js translations

run: deps-run
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Open http://127.0.0.1:5000 (the accounts above, password: demo)"
	SCHEDULER_INTERVAL_SECONDS=$${SCHEDULER_INTERVAL_SECONDS:-30} $(FLASK) run --host 127.0.0.1 --port 5000 --no-reload

# The browser tests run in their own pytest process: Playwright's event loop would stop pyhanko's asyncio.run().
test: deps-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PYTEST) -n $(WORKERS) --durations=15 --ignore=tests/browser tests
	@# The date-sensitive tests run again at each clock (one process per clock) beside the browser tests, at the
	@# lowest CPU priority: they take only the time the browser tests leave idle, so no page waits on them.
	@logs=$$(mktemp -d); pids=""; for clock in $(CLOCKS); do \
	  (nice -n 19 env $(FAKETIME) "@$${clock/T/ }" $(PYTEST) -n 0 -m date_sensitive tests > "$$logs/$$clock.log" 2>&1) & \
	  pids="$$pids $$!"; \
	done; \
	echo "$(PYTEST) -n $(WORKERS) tests/browser"; \
	$(PYTEST) -n $(WORKERS) tests/browser; status=$$?; \
	for pid in $$pids; do wait $$pid || status=1; done; \
	for clock in $(CLOCKS); do echo "Date-sensitive tests with the clock at $$clock UTC"; cat "$$logs/$$clock.log"; done; \
	rm -rf "$$logs"; exit $$status

# The whole suite with the machine's clock at CLOCK (UTC), e.g. make test-at CLOCK=2027-12-31T21:58:00
test-at: deps-test
	$(FAKETIME) "@$(subst T, ,$(CLOCK))" $(PYTEST) -n $(WORKERS) --ignore=tests/browser tests
	$(FAKETIME) "@$(subst T, ,$(CLOCK))" $(PYTEST) -n $(WORKERS) tests/browser

bench: deps-test
	$(PY) bench/run.py
	$(PY) bench/signing.py
	$(PY) bench/registry.py
	$(PY) bench/scale.py

check-processes: deps-run
	$(FLASK) processes check
