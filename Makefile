# make run  — install into .venv, upgrade the SQLite database, serve web + worker on :8000
# make test — install with dev tools, lint, type-check, check the import contracts and run the tests
# make lock — re-resolve requirements/{dev,runtime}.txt from pyproject.toml (after changing dependencies)
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
# Three test processes: most tests wait on servers, subprocesses and browsers, not the CPU, so
# even two cores run the suite in about half the time. `make test PYTEST_ARGS=` runs it serially.
PYTEST_ARGS ?= -n 3
# One resolution for Python 3.11+ on any platform (Linux is what we run), every file hashed. Existing pins are kept
# unless pyproject.toml rules them out; `make lock LOCK_ARGS=--upgrade` moves everything to the newest.
LOCK_ARGS ?=
COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--quiet --custom-compile-command "make lock" $(LOCK_ARGS)

.PHONY: run test lint lock install install-dev demo bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: coolpapers needs Python 3.11 or newer" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The locked set first (hash-checked), then the project itself without letting pip pick anything else.
$(VENV)/.installed: pyproject.toml requirements/runtime.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/runtime.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# dev.txt is the whole set; runtime.txt is its runtime part at the same versions (the image installs it).
lock: | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/bootstrap.txt
	$(COMPILE) --extra dev -o requirements/dev.txt
	$(COMPILE) -c requirements/dev.txt -o requirements/runtime.txt

run: install
	$(BIN)/coolpapers db upgrade
	$(BIN)/coolpapers serve --with-worker

demo: install
	$(BIN)/coolpapers db upgrade
	$(BIN)/coolpapers demo

lint: install-dev
	$(BIN)/ruff check coolpapers tests bench migrations
	$(BIN)/ruff format --check coolpapers tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install-dev lint
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; fi; exit $$rc

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache .grimp_cache
