# Settle: `make run` starts everything, `make test` runs every test. Both set up what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
# uv: the one on PATH, else one installed into .tools by pip
UV := $(or $(shell command -v uv 2>/dev/null),$(ROOT)/.tools/bin/uv)
# Python 3.11+ for the app, 3.10 for Rasa 3.6 (pyenv's when there is one, else uv's)
PYENV_ROOT_DIR := $(shell pyenv root 2>/dev/null)
PY311 := $(or $(lastword $(wildcard $(PYENV_ROOT_DIR)/versions/3.11.*/bin/python3)),$(shell command -v python3.11 2>/dev/null),3.11)
PY310 := $(or $(lastword $(wildcard $(PYENV_ROOT_DIR)/versions/3.10.*/bin/python3)),$(shell command -v python3.10 2>/dev/null))
RASA_ENV := SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3
BOT_FILES := bot/config.yml $(shell find bot/domain bot/data -name '*.yml' 2>/dev/null)
MODEL := models/settle.tar.gz

.PHONY: help run test bench train lint clean setup

help:
	@echo "make run    start Settle (gateway, Rasa, actions) on http://127.0.0.1:8000"
	@echo "make test   lint, type-check, validate the bot and run every test"
	@echo "make bench  benchmark a running system (start it with make run first)"

$(ROOT)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.stamp: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$(PY311)"
	touch $@

.venv-rasa/.stamp: bot/requirements-rasa.txt | $(UV)
	@py="$(PY310)"; if [ -z "$$py" ]; then py="$$($(UV) python find 3.10 2>/dev/null || ($(UV) python install 3.10 >&2 && $(UV) python find 3.10))"; fi; \
	  echo "Rasa environment on $$py"; \
	  $(UV) venv --allow-existing --python "$$py" .venv-rasa
	$(UV) pip install --quiet --python .venv-rasa/bin/python -r bot/requirements-rasa.txt
	touch $@

$(MODEL): $(BOT_FILES) .venv-rasa/.stamp
	@mkdir -p var models
	@echo "Training the Rasa model (about 3 minutes; log in var/train.log)..."
	@$(RASA_ENV) .venv-rasa/bin/rasa train --config bot/config.yml --domain bot/domain \
	  --data bot/data --out models --fixed-model-name settle > var/train.log 2>&1 \
	  || { tail -40 var/train.log; exit 1; }
	@touch $@

setup: .venv/.stamp .venv-rasa/.stamp $(MODEL)

train: .venv-rasa/.stamp
	rm -f $(MODEL)
	$(MAKE) $(MODEL)

run: setup
	.venv/bin/python -m scripts.run

test: setup
	@start=$$(date +%s); \
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && \
	.venv/bin/pytest && status=0 || status=$$?; \
	echo "make test took $$(( $$(date +%s) - start )) s (after set-up)"; \
	for f in var/rasa-test/*.json; do [ -f "$$f" ] && echo "$$f: $$(tr -d '\n ' < $$f)"; done; \
	exit $$status

bench: .venv/.stamp
	.venv/bin/python -m tests.bench.bench_turns $(ARGS)

lint: .venv/.stamp
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

clean:
	rm -rf .venv .venv-rasa .tools models var .rasa
