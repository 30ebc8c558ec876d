# eparticipation — `make run` serves the demo, `make test` runs the tests. `make help` lists the rest.
# Each target does its own set-up: a virtual environment, the Python packages of setup.cfg,
# the front-end assets from npm, the compiled message catalogues and, for `run`, the database.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
INI ?= development.ini
VENDOR := eparticipation/static/vendor
DOMAINS := eparticipation colander deform
PO_FILES := $(foreach lang,fa en,$(foreach domain,$(DOMAINS),locale/$(lang)/LC_MESSAGES/$(domain).po))
MO_FILES := $(PO_FILES:.po=.mo)

# deform and pyramid still import pkg_resources; its deprecation notice says nothing actionable here.
export PYTHONWARNINGS := ignore:pkg_resources is deprecated:UserWarning

.DEFAULT_GOAL := help
.PHONY: help run test setup assets db demo demo-code catalogues check-catalogues clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

run: setup db demo  ## set up, migrate the SQLite database, load demo data, serve on http://localhost:6543
	$(BIN)/pserve $(INI)

test: setup  ## set up and run the tests (SQLite; TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
	$(BIN)/pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed assets $(MO_FILES)  ## virtual environment, packages, assets, compiled catalogues

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools<81"
	$(BIN)/python -m pip install --quiet -e ".[testing]"
	touch $@

assets: $(VENDOR)/.copied  ## front-end packages from npm, copied where the site serves them

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/.copied: node_modules/.package-lock.json
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/bootstrap $(VENDOR)/vazirmatn $(VENDOR)/axe-core
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.rtl.min.css $(VENDOR)/bootstrap/
	cp node_modules/vazirmatn/fonts/webfonts/*.woff2 node_modules/vazirmatn/OFL.txt $(VENDOR)/vazirmatn/
	# The PDF reports embed the TrueType files (WeasyPrint).
	cp node_modules/vazirmatn/fonts/ttf/Vazirmatn-Regular.ttf node_modules/vazirmatn/fonts/ttf/Vazirmatn-Bold.ttf $(VENDOR)/vazirmatn/
	cp node_modules/axe-core/axe.min.js $(VENDOR)/axe-core/
	touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

db: setup  ## migrate the database of $(INI) to the newest schema
	mkdir -p var
	$(BIN)/alembic -c $(INI) upgrade head

demo: db  ## load the demo agencies, users and content (idempotent)
	$(BIN)/eparticipation-demo $(INI)

demo-code: setup  ## the current sign-in code of a demo staff account: make demo-code EMAIL=editor.tax@example.org
	$(BIN)/eparticipation-demo-code $(INI) $(EMAIL)

catalogues: $(VENV)/.installed  ## extract the .pot from code and templates, merge it into the fa and en catalogues
	$(BIN)/pot-create -c lingua.cfg -k _ -o locale/eparticipation.pot eparticipation
	for lang in fa en; do \
	  $(BIN)/pybabel update --no-fuzzy-matching --width 100 -D eparticipation -i locale/eparticipation.pot -d locale -l $$lang; \
	done
	$(BIN)/python -m eparticipation.scripts.fill_english_catalogue locale/en/LC_MESSAGES/*.po

clean:  ## remove the virtual environment, node_modules, vendored assets and compiled catalogues
	rm -rf $(VENV) node_modules $(VENDOR) $(MO_FILES)
