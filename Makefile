# Kundweb: `make run` serves the demo, `make test` runs the whole suite with real servers.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT ?= 5000
export FLASK_APP := app.py

.PHONY: run test bench install install-test migrate-check clean

$(VENV)/.installed: requirements.txt
	bash scripts/ensure-venv.sh $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) kundweb seed-demo
	PORT=$(PORT) bash scripts/run-dev.sh

test: $(VENV)/.installed-test
	bash scripts/install-test-deps.sh
	bash scripts/run-tests.sh

bench: $(VENV)/.installed
	bash scripts/install-test-deps.sh bench
	$(PY) scripts/bench.py $(BENCH_ARGS)

# Fails when the models and the migrations disagree.
migrate-check: $(VENV)/.installed
	KUNDWEB_DATABASE_URL=sqlite:///$$(mktemp -d)/check.sqlite3 bash -c '$(FLASK) db upgrade && $(FLASK) db check'

clean:
	rm -rf $(VENV) .testservers .cache bench/work
