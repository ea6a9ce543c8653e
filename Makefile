# The README's commands. `make run` and `make test` do all set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt ingest bench train clean bytecode

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench,train]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# An editable install leaves our modules uncompiled; where PYTHONDONTWRITEBYTECODE is set (containers, CI) every
# process would compile them anew (~0.3 s of each cold `newsqa ask`). Compiled once here (skipped when current).
bytecode:
	$(BIN)/python -m compileall -q bot index corpus

run: $(STAMP) bytecode
	$(BIN)/newsqa ingest
	$(BIN)/newsqa chat

test: $(STAMP) lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check bot index corpus tests bench
	$(BIN)/ruff format --check bot index corpus tests bench
	$(BIN)/mypy bot index corpus

fmt: $(STAMP)
	$(BIN)/ruff format bot index corpus tests bench
	$(BIN)/ruff check --fix bot index corpus tests bench

ingest: $(STAMP)
	$(BIN)/newsqa ingest

bench: $(STAMP)
	$(BIN)/python -m bench.archive --quick

train: $(STAMP)
	$(BIN)/python -m bench.train

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
