"""Settings every test shares: an isolated AIRFLOW_HOME and no stray connections."""

from __future__ import annotations

import os
import tempfile

_home = tempfile.mkdtemp(prefix="engage-airflow-home-")
os.environ.setdefault("AIRFLOW_HOME", _home)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
