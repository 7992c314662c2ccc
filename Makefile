# The two commands: `make demo` and `make test`. Both create .venv when it is missing and
# install the project with the pinned constraints, so a fresh clone needs only Python 3.11 and make.
# `make test` also builds the user guide (`make docs`), runs the whole suite once more under
# Airflow 2.11 (.venv-airflow2), the oldest Airflow the provider supports, then the real
# deployments (`make e2e`, docs/deployments.md). Each part prints what it took ("[time] ...").
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := constraints/constraints-3.11.txt
INSTALLED := $(VENV)/.installed
VENV2 := .venv-airflow2
CONSTRAINTS2 := constraints/constraints-3.11-airflow-2.11.txt
INSTALLED2 := $(VENV2)/.installed
INSTALLED_E2E := $(VENV)/.installed-e2e
PIP_FLAGS := --disable-pip-version-check --no-input -q
EXTRAS := dev,emulator,docs
EXTRAS2 := dev,emulator
EXTRAS_E2E := $(EXTRAS),e2e
SITE := site

.PHONY: demo test lint types docs bench unit unit-shifted unit-airflow2 e2e e2e-system install constraints clean

$(INSTALLED): pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -c $(CONSTRAINTS) -e '.[$(EXTRAS)]'
	touch $@

$(INSTALLED2): pyproject.toml $(CONSTRAINTS2)
	test -x $(VENV2)/bin/python || $(PYTHON) -m venv $(VENV2)
	$(VENV2)/bin/python -m pip install $(PIP_FLAGS) -c $(CONSTRAINTS2) 'apache-airflow==2.11.2' -e '.[$(EXTRAS2)]'
	touch $@

# The deployments' Python packages (the e2e extra, pinned like the rest) go into .venv too.
$(INSTALLED_E2E): $(INSTALLED)
	@s=$$(date +%s); $(BIN)/python -m pip install $(PIP_FLAGS) -c $(CONSTRAINTS) -e '.[$(EXTRAS_E2E)]' \
	  && echo "[time] e2e Python packages: $$(( $$(date +%s) - s )) s"
	touch $@

install: $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/python -m demo

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(INSTALLED)
	$(BIN)/mypy

# The user guide into $(SITE)/ (open $(SITE)/index.html). Strict: mkdocs.yml turns every warning,
# broken link and missing anchor into a failure; the figures, the code tables and the API
# reference are generated from this checkout's code as it builds. NO_MKDOCS_2_WARNING silences
# the theme's end-of-life banner (Material for MkDocs gets fixes until May 2027), not a warning.
docs: $(INSTALLED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --clean --site-dir $(SITE)

# Every benchmark, each beside its peer (about 7 minutes on a 2-core machine), and the proof
# campaigns in full (about 30 more, most of it the fuzz and the secrets scan): bench/results.json, which docs/performance.md is generated from at `make docs`,
# and its charts in bench/charts/. One benchmark again: $(BIN)/python -m bench.run_all --only NAME.
# The proof alone: --only with no name.
bench: $(INSTALLED)
	$(BIN)/python -m bench.run_all

# pytest exits 5 when it collected nothing; that is a failure here like any other non-zero code.
# The suite runs in $(WORKERS) processes (pytest-xdist): most of its time is spent waiting for
# firings in real time (`airflow dags test` runs, emulated services), not on the CPU.
WORKERS ?= 3
unit: $(INSTALLED)
	@s=$$(date +%s); $(BIN)/python -m pytest -n $(WORKERS); rc=$$?; \
	  echo "[time] unit (Airflow 3.3): $$(( $$(date +%s) - s )) s"; exit $$rc

# The unit suites with every Python process's clock moved (tests/shifted_clock/sitecustomize.py):
# a year and a half ahead, then half a year back. A test that passes today and fails here depends
# on today's date. `make test` runs the year and a half ahead (the way time goes); the two take
# about 4 minutes each on a 2-core machine.
SHIFTS ?= 548 -183
unit-shifted: $(INSTALLED)
	@for days in $(SHIFTS); do s=$$(date +%s); \
	  ENGAGE_CLOCK_SHIFT_DAYS=$$days PYTHONPATH=$(CURDIR)/tests/shifted_clock \
	    $(BIN)/python -m pytest tests/unit -n $(WORKERS) -p no:cacheprovider \
	      -W ignore::pytest.PytestAssertRewriteWarning || exit $$?; \
	  echo "[time] unit, clock moved $$days days: $$(( $$(date +%s) - s )) s"; done

unit-airflow2: $(INSTALLED2)
	@s=$$(date +%s); $(VENV2)/bin/python -m pytest -n $(WORKERS) -p no:cacheprovider -W ignore::DeprecationWarning; rc=$$?; \
	  echo "[time] unit (Airflow 2.11): $$(( $$(date +%s) - s )) s"; exit $$rc

# Debian packages (Redis, Chromium, ChromeDriver), with apt-get where missing.
e2e-system:
	bash tests/e2e/install-system.sh

# The real deployments, each in a network namespace of its own (docs/deployments.md).
e2e: $(INSTALLED_E2E) e2e-system
	@s=$$(date +%s); $(BIN)/python -m tests.e2e.run; rc=$$?; \
	  echo "[time] e2e deployments: $$(( $$(date +%s) - s )) s"; exit $$rc

test: SHIFTS = 548
test: lint types docs unit unit-shifted unit-airflow2 e2e

# Re-resolve the pins from scratch (needs the package registry). The 3.3 pins include the e2e
# extra (the deployments run on 3.3 only).
constraints:
	$(call resolve,apache-airflow==3.3.2,$(CONSTRAINTS),/tmp/engage-constraints-venv,$(EXTRAS_E2E))
	$(call resolve,apache-airflow==2.11.2,$(CONSTRAINTS2),/tmp/engage-constraints-venv2,$(EXTRAS2))

define resolve
	rm -rf $(3)
	$(PYTHON) -m venv $(3)
	$(3)/bin/pip install $(PIP_FLAGS) '$(1)' -e '.[$(4)]'
	{ echo "# Pinned versions for Python 3.11 with $(1), resolved with the extras $(4) of this project."; \
	  echo "# Regenerate with: make constraints"; \
	  $(3)/bin/pip freeze --exclude-editable | grep -v '^airflow-provider-engage'; } > $(2)
endef

clean:
	rm -rf $(VENV) $(VENV2) .mypy_cache .pytest_cache .ruff_cache build dist .demo $(SITE)
