# The two commands of the README: `make run` and `make test`. Both set up .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) messages

# Django reads compiled catalogues; they are built from the .po files, never committed.
messages: $(STAMP)
	$(BIN)/pybabel compile --domain django --directory trm/locale --use-fuzzy --statistics 2>&1 | tail -n 1

run: setup
	$(BIN)/trm demo

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
