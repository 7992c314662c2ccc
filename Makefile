# The two commands: `make demo` and `make test`. Both create .venv when it is missing and
# install the project with the pinned constraints, so a fresh clone needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := constraints/constraints-3.11.txt
INSTALLED := $(VENV)/.installed
PIP_FLAGS := --disable-pip-version-check --no-input -q

.PHONY: demo test lint types unit install constraints clean

$(INSTALLED): pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -c $(CONSTRAINTS) -e '.[dev,emulator]'
	touch $@

install: $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/python -m demo

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(INSTALLED)
	$(BIN)/mypy

# pytest exits 5 when it collected nothing; that is a failure here like any other non-zero code.
unit: $(INSTALLED)
	$(BIN)/python -m pytest

test: lint types unit

# Re-resolve the pins from scratch (needs the package registry).
constraints:
	rm -rf /tmp/engage-constraints-venv
	$(PYTHON) -m venv /tmp/engage-constraints-venv
	/tmp/engage-constraints-venv/bin/pip install $(PIP_FLAGS) 'apache-airflow==3.3.2' -e '.[dev,emulator]'
	{ echo "# Pinned versions for Python 3.11, resolved from apache-airflow==3.3.2 with every extra of this"; \
	  echo "# project (pip freeze of a fresh venv). Regenerate with: make constraints"; \
	  /tmp/engage-constraints-venv/bin/pip freeze --exclude-editable | grep -v '^airflow-provider-engage'; } > $(CONSTRAINTS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
