# Tosca — set-up and everyday commands. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
CATALOGS := $(patsubst %.po,%.mo,$(wildcard */locale/*/LC_MESSAGES/*.po))
# Databases the DB-touching tests run on again after SQLite (the CI machine provides both).
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_MARIADB_URL ?= mysql://root@127.0.0.1:3306/test
PYTEST_ARGS ?=

# Python 3.12: PYTHON=… if given, else python3.12 if it runs, else pyenv's newest 3.12.x.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell \
	if python3.12 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then echo python3.12; \
	else for p in $$(ls -d "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/3.12.* 2>/dev/null | sort -V -r); do \
		if "$$p/bin/python3.12" -c '' >/dev/null 2>&1; then echo "$$p/bin/python3.12"; break; fi; done; fi)
endif

.PHONY: help run test test-sqlite test-postgres test-mariadb lint bench messages clean

help:
	@echo "make run     set up .venv, migrate, load the demo repertory, serve on http://127.0.0.1:$(PORT)"
	@echo "make test    set up .venv, run the tests (SQLite, then PostgreSQL and MariaDB when reachable)"
	@echo "make lint    ruff and the import-linter dependency contracts"
	@echo "make bench   repertory import and search, evidence throughput, course import, page renders, quiz submissions, SCORM export"
	@echo "make messages  refresh the translation catalogues (.po) from the code; needs GNU gettext"

$(STAMP): setup.cfg pyproject.toml build_backend/tosca_build.py build_backend/catalogs.py
	@if [ -z "$(PYTHON)" ]; then \
		echo "Tosca needs Python 3.12 and none was found."; \
		echo "Install it (Debian/Ubuntu: apt install python3.12 python3.12-venv; or: pyenv install 3.12)"; \
		echo "or point to one: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)"; \
		exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	@# mysqlclient builds against MariaDB's client headers; without them only the MariaDB tests are skipped.
	@$(PY) -m pip install --quiet -e '.[mysql]' 2>/dev/null || \
		echo "note: mysqlclient could not be built (Debian: apt install libmariadb-dev pkg-config); MariaDB support is off."
	@touch $@

%.mo: %.po $(STAMP)
	@$(PY) build_backend/catalogs.py

var:
	@mkdir -p var

run: $(STAMP) $(CATALOGS) | var
	$(PY) -m tosca.cli migrate --no-input
	$(PY) -m tosca.cli load_demo --accounts
	@echo ""
	@echo "Tosca is serving on http://127.0.0.1:$(PORT)/"
	@echo "  Open courses:    http://127.0.0.1:$(PORT)/courses/  (register, or demo learner: demo / demo)"
	@echo "  Authoring:       http://127.0.0.1:$(PORT)/authoring/  (demo designer: progettista / progettista)"
	@echo "  Repertory:       http://127.0.0.1:$(PORT)/repertory/"
	@echo "  Libretto:        http://127.0.0.1:$(PORT)/libretto/  (demo learner: demo / demo; operator: operatore / operatore)"
	@echo "  Search API:      http://127.0.0.1:$(PORT)/api/repertory/v1/competences/?q=progettazione"
	@echo "  LTI 1.3 tool:    http://127.0.0.1:$(PORT)/lti/  (URLs and configuration for Moodle, Canvas, Open edX…)"
	@echo "  Admin:           http://127.0.0.1:$(PORT)/admin/  (create an account: .venv/bin/tosca createsuperuser)"
	@echo ""
	TOSCA_DEBUG=$${TOSCA_DEBUG:-true} $(PY) -m tosca.cli runserver 127.0.0.1:$(PORT)

# Lint first: the dependency rule between apps is part of what the tests guarantee.
test: lint test-sqlite test-postgres test-mariadb

test-sqlite: $(STAMP) $(CATALOGS)
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

# The same tests again where the database matters, on the production databases.
test-postgres: $(STAMP) $(CATALOGS)
	DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest --database-tests-only -q $(PYTEST_ARGS)

test-mariadb: $(STAMP) $(CATALOGS)
	DATABASE_URL=$(TEST_MARIADB_URL) $(PY) -m pytest --database-tests-only -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP) $(CATALOGS)
	$(PY) bench/run.py --postgres-url $(TEST_POSTGRES_URL)
	$(PY) -m bench.courses --postgres-url $(TEST_POSTGRES_URL)
	$(PY) -m bench.lti
	$(PY) -m bench.scorm

messages: $(STAMP)
	for app in repertory libretto sync xblocks lti_tool scorm_export tosca; do \
		(cd $$app && ../$(PY) -m tosca.cli makemessages --locale it --no-obsolete) || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
