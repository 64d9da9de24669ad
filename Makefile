# Settle: `make run` starts everything, `make test` runs every check. Both first create
# whatever is missing (uv, .venv, .venv-rasa, the trained model), so a fresh clone needs
# nothing else than python3 and make.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# when make started (for `make test`'s timing, set-up included)
STARTED := $(shell date +%s)

# uv: the one on PATH if it works (a pyenv shim may exist without uv behind it),
# else one installed from PyPI into .tools/
UV := $(shell uv --version >/dev/null 2>&1 && command -v uv || echo .tools/bin/uv)
# Python 3.11+ for the app, 3.10 for Rasa 3.6 (pyenv's when there is one, else uv's)
PYENV_ROOT_DIR := $(shell pyenv root 2>/dev/null)
PY311 := $(or $(lastword $(sort $(wildcard $(PYENV_ROOT_DIR)/versions/3.11.*/bin/python3))),$(shell command -v python3.11 2>/dev/null),3.11)
PY310 := $(or $(lastword $(sort $(wildcard $(PYENV_ROOT_DIR)/versions/3.10.*/bin/python3))),$(shell command -v python3.10 2>/dev/null))
RASA_ENV := SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3 RASA_TELEMETRY_ENABLED=false \
  PYTHONWARNINGS=ignore::DeprecationWarning
RASA_FILES := --config bot/config.yml --domain bot/domain --data bot/data
# the directories too, so that a removed file also means a new model
BOT_FILES := bot/config.yml $(shell find bot/domain bot/data 2>/dev/null)
MODEL := models/settle.tar.gz

.PHONY: help setup run test docs bench train lint clean chromium

help:
	@echo "make run    start Settle (gateway, Rasa, action server) on http://127.0.0.1:8000"
	@echo "make test   ruff, mypy, the docs and every test (pytest tests/, the bot data validated among them)"
	@echo "make docs   build the documentation (docs/, MkDocs) into var/site, strictly"
	@echo "make bench  benchmark a running system (start it with make run first)"
	@echo "make train  retrain the Rasa model    make lint  fix and format the code"
	@echo "make clean  remove the environments, the model and var/"
	@echo "every operator task (migrate, import, reminders, collectors, ...): .venv/bin/settle --help"

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

# the app environment (Python 3.11+, dev group included), exactly as uv.lock says
.venv/.stamp: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$(PY311)"
	@touch $@

# Rasa 3.6 needs Python < 3.11: its own environment, redone when its requirements change
.venv-rasa/.stamp: bot/requirements-rasa.txt | $(UV)
	@py="$(PY310)"; \
	  if [ -z "$$py" ]; then \
	    py="$$($(UV) python find 3.10 2>/dev/null)" || { $(UV) python install 3.10 && py="$$($(UV) python find 3.10)"; }; \
	  fi; \
	  echo "Rasa environment on $$py"; \
	  $(UV) venv --no-project --allow-existing --python "$$py" .venv-rasa
	$(UV) pip install --quiet --python .venv-rasa/bin/python -r bot/requirements-rasa.txt
	@touch $@

$(MODEL): $(BOT_FILES) .venv-rasa/.stamp
	@mkdir -p var models
	@echo "Training the Rasa model (a few minutes; log in var/train.log)..."
	@$(RASA_ENV) .venv-rasa/bin/rasa train $(RASA_FILES) --out models \
	  --fixed-model-name settle > var/train.log 2>&1 \
	  || { tail -40 var/train.log; echo "rasa train failed (var/train.log)"; exit 1; }
	@touch $@

setup: .venv/.stamp .venv-rasa/.stamp $(MODEL)

run: setup
	.venv/bin/settle run

# The browser tests' accessibility checker: axe-core from the npm registry, into var/axe/
# (git-ignored; never committed), injected into the pages by tests/browser/chromium.py.
AXE_VERSION := 4.14.1
AXE := var/axe/node_modules/axe-core/axe.min.js

$(AXE):
	@mkdir -p var/axe
	npm install --silent --no-save --no-audit --no-fund --prefix var/axe axe-core@$(AXE_VERSION)
	@touch $@

# The browser tests drive Debian's Chromium (/usr/bin/chromium), never a downloaded one.
chromium: $(AXE)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
	  || { $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; \
	}

# Every step runs even when an earlier one failed; the exit code is non-zero if any failed.
test: setup chromium
	@tests_started=$$(date +%s); failed=""; \
	step() { local name=$$1; shift; echo "=== $$name: $$*"; "$$@" || failed="$$failed $$name"; }; \
	step ruff .venv/bin/ruff check . ; \
	step ruff-format .venv/bin/ruff format --check . ; \
	step mypy .venv/bin/mypy ; \
	step docs $(DOCS_BUILD) ; \
	step pytest .venv/bin/pytest ; \
	now=$$(date +%s); \
	for f in var/rasa-test/*.json; do [ -f "$$f" ] && echo "$$f: $$(tr -d '\n ' < $$f)"; done; \
	echo "make test: $$(( now - tests_started )) s of checks and tests, $$(( now - $(STARTED) )) s in all (set-up included)"; \
	if [ -n "$$failed" ]; then echo "make test FAILED:$$failed"; exit 1; fi; \
	echo "make test passed"

# The reference (docs/ and mkdocs.yml) as a site in var/site; --strict: a broken link or anchor,
# or a page missing from the nav, fails. Offline: no plugin fetches anything.
DOCS_BUILD := env NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir var/site

docs: .venv/.stamp
	$(DOCS_BUILD)

bench: .venv/.stamp
	.venv/bin/settle bench $(ARGS)

train: .venv-rasa/.stamp
	rm -f $(MODEL)
	$(MAKE) $(MODEL)

lint: .venv/.stamp
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

clean:
	rm -rf .venv .venv-rasa .tools models var .rasa
