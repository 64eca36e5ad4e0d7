# make run  — install into .venv, upgrade the SQLite database, serve web + worker on :8000
# make test — install with dev tools, lint, type-check and run the test suite
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint install install-dev demo bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: coolpapers needs Python 3.11 or newer" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/coolpapers db upgrade
	$(BIN)/coolpapers serve --with-worker

demo: install
	$(BIN)/coolpapers db upgrade
	$(BIN)/coolpapers demo

lint: install-dev
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check coolpapers tests bench migrations
	$(BIN)/ruff format --check coolpapers tests bench migrations
	$(BIN)/mypy

test: install-dev lint
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; fi; exit $$rc

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
