# Klantwijs: `make run` serves the app on http://127.0.0.1:5000, `make test` runs every test.
# Each target sets up .venv itself; a second run reuses it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SECRET := instance/secret_key

.PHONY: run test lint bench clean

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

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
