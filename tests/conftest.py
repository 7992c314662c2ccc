"""Settings every test shares: an isolated AIRFLOW_HOME and no stray connections."""

from __future__ import annotations

import os
import tempfile

_home = tempfile.mkdtemp(prefix="engage-airflow-home-")
os.environ.setdefault("AIRFLOW_HOME", _home)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

# The real deployments (tests/e2e) start servers and need a network namespace of their own:
# `make e2e` runs them (tests/e2e/run.py sets ENGAGE_E2E); a plain `pytest` leaves them out.
collect_ignore = [] if os.environ.get("ENGAGE_E2E") else ["e2e"]
