# Klantwijs: `make run` serves the app on http://127.0.0.1:5000, `make test` runs every test.
# Each target sets up .venv itself; a second run reuses it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SECRET := instance/secret_key

.PHONY: run test lint bench clean interop-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SECRET):
	mkdir -p instance
	umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $(SECRET)

run: $(STAMP) $(SECRET)
	SECRET_KEY="$$(cat $(SECRET))" FLASK_APP=app $(BIN)/flask db upgrade
	SECRET_KEY="$$(cat $(SECRET))" SESSION_COOKIE_SECURE=0 FLASK_APP=app \
		$(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(STAMP) interop-tools oidc-provider
	$(BIN)/python -m pytest

# Real consumers for the SCORM/xAPI/GIFT tests: npm packages (only where npm exists; without
# it those tests skip, and fail under CI=true or REQUIRE_BROWSER=1) and the Ralph LRS in a
# venv of its own (its exact pins clash with Flask's click).
INTEROP := tests/interop
RALPH := $(INTEROP)/.venv-ralph/bin/ralph

interop-tools: $(RALPH)
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(INTEROP)/node_modules/.package-lock.json; \
	else echo "npm not found: the SCORM/xAPI/GIFT consumer tests will skip"; fi

$(INTEROP)/node_modules/.package-lock.json: $(INTEROP)/package-lock.json
	npm ci --prefix $(INTEROP) --ignore-scripts --no-audit --no-fund --loglevel=error

$(RALPH):
	$(PYTHON) -m venv $(INTEROP)/.venv-ralph
	$(INTEROP)/.venv-ralph/bin/python -m pip install --quiet 'ralph-malph[cli,lrs]==5.1.0' 'requests>=2.31,<3'

# The real OpenID Provider for the single sign-on tests (only where npm exists; without it
# those tests skip, and fail under CI=true or REQUIRE_BROWSER=1).
OIDC := tests/oidc
.PHONY: oidc-provider
oidc-provider:
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(OIDC)/node_modules/.package-lock.json; \
	else echo "npm not found: the single sign-on tests will skip"; fi

$(OIDC)/node_modules/.package-lock.json: $(OIDC)/package-lock.json
	npm ci --prefix $(OIDC) --ignore-scripts --no-audit --no-fund --loglevel=error

lint: $(STAMP)
	$(BIN)/ruff check .

# Lighthouse (mobile) on every learner page, served by gunicorn and logged in: fails below 95 on
# performance, accessibility, best practices or SEO. Without npm it says so and skips.
LIGHTHOUSE := bench/lighthouse
.PHONY: lighthouse
lighthouse: $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(LIGHTHOUSE)/node_modules/.package-lock.json && \
		$(BIN)/python -m bench.lighthouse; \
	else echo "npm not found: make lighthouse skipped (apt-get install npm)"; fi

$(LIGHTHOUSE)/node_modules/.package-lock.json: $(LIGHTHOUSE)/package-lock.json
	npm ci --prefix $(LIGHTHOUSE) --ignore-scripts --no-audit --no-fund --loglevel=error

# make bench BENCH_ARGS="--people 10000": the scale run (bench/README.md)
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
