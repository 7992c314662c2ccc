"""Settings every test shares: an isolated AIRFLOW_HOME and no stray connections."""

from __future__ import annotations

import importlib.util
import os
import tempfile

_home = tempfile.mkdtemp(prefix="engage-airflow-home-")
os.environ.setdefault("AIRFLOW_HOME", _home)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

# The real deployments (tests/e2e) start servers and need a network namespace of their own:
# `make e2e` runs them (tests/e2e/run.py sets ENGAGE_E2E); a plain `pytest` leaves them out.
collect_ignore: list[str] = [] if os.environ.get("ENGAGE_E2E") else ["e2e"]

# The user guide is built by `make docs` in .venv (Airflow 3.3, with the docs extra); the tests of
# the site and its API reference need that extra (griffe), so they run where it is installed.
if importlib.util.find_spec("griffe") is None:
    collect_ignore.append("unit/test_docs.py")
