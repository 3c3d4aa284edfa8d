# The two commands: `make demo` starts exopool with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

SNIPPETS := tests/e2e/node_modules/request/package.json tests/e2e/node_modules/standardwebhooks/package.json

COVERAGE_FLOOR := 92

.PHONY: demo test lint image bench bench-instructions bench-statements clean snippets screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[server,dev]'
	rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/exopool serve --sandbox --demo --host 127.0.0.1 --port 8080

test: lint snippets
	scripts/ensure-chromium
	$(BIN)/python -m pytest -n 2 --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR) $(PYTEST_ARGS)

# The structure's own checks: ruff (lint and import order) and mypy (strict on src/).
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# The docs' Node snippets need `request` and `standardwebhooks`; without npm their tests send the same requests
# themselves or skip. A clone that has only the older of the two gets the newer one.
snippets:
	@if command -v npm >/dev/null && ! ls $(SNIPPETS) >/dev/null 2>&1; then \
		npm install --prefix tests/e2e --no-package-lock --no-audit --no-fund --loglevel=error \
		|| echo "npm could not install the snippet packages; the Node snippet test sends its GET itself"; fi

# The container image, localhost/exopool:latest (IMAGE=... for another name; BASE_IMAGE=... for another base).
# Without a reachable container registry its base image is built from Debian's packages; docs/deploy.md.
image:
	deploy/build-image

bench: $(STAMP)
	$(BIN)/python bench/api.py $(BENCH_ARGS)

bench-instructions: $(STAMP)
	$(BIN)/python bench/instructions.py $(BENCH_ARGS)

bench-statements: $(STAMP)
	$(BIN)/python bench/statements.py $(BENCH_ARGS)

# Refresh the dashboard pictures in docs/ from the browser tests.
screenshots: $(STAMP)
	scripts/ensure-chromium
	EXOPOOL_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/web/test_dashboard_browser.py \
		tests/web/test_operator_browser.py tests/web/test_dashboard_layout.py

clean:
	rm -rf $(VENV) dist tests/e2e/node_modules .pytest_cache .mypy_cache .ruff_cache .coverage exopool.db exopool.db-wal \
		exopool.db-shm .exopool
