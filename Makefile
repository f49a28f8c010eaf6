# The two commands: `make run` and `make test`. Everything they need is installed on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLIENT_STAMP := client/node_modules/.installed
DATA ?= data

.PHONY: run test check format pytest install system-packages browser stage proxy services demo clean

## run: install, create the demo event, print its invitation links, serve on :8080
run: install system-packages stage
	PRESESSION_DATA_DIR=$(DATA) $(BIN)/presession demo
	PRESESSION_DATA_DIR=$(DATA) $(BIN)/presession serve

## test: install, check formatting, lint, types, then the whole test suite
test: install system-packages check pytest

## check: ruff (format and lint), mypy (strict on server/ and media/), the import-direction contract
check: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q tests/unit/test_import_direction.py

pytest: install system-packages browser stage proxy services
	$(BIN)/pytest

## format: apply ruff's formatting and safe fixes
format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(STAMP) $(CLIENT_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The browser's libraries (hls.js, socket.io-client, tus-js-client; axe-core for the tests),
# from client/package-lock.json, copied into client/vendor/ where the pages load them.
$(CLIENT_STAMP): client/package.json client/package-lock.json client/scripts/vendor.mjs
	@scripts/system-packages.sh --node
	cd client && npm ci --no-audit --no-fund --loglevel=error
	cd client && node scripts/vendor.mjs
	touch $(CLIENT_STAMP)

system-packages:
	@scripts/system-packages.sh

## browser: Debian's Chromium, for the browser tests
browser:
	@scripts/system-packages.sh --browser

## stage: Debian's Janus and coturn, for the live stage (optional: without them it is unavailable)
stage:
	@scripts/system-packages.sh --stage

## proxy: Debian's nginx, for the test of the production path (nginx in front of two servers)
proxy:
	@scripts/system-packages.sh --proxy

services:
	@scripts/services.sh

## demo: print the demo's invitation links again (as JSON)
demo: install
	PRESESSION_DATA_DIR=$(DATA) $(BIN)/presession demo --json

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts client/node_modules client/vendor
