"""The trigger tests share the sensors' emulator, clock and connections.

``test_events.py`` is collected on Airflow 3 only: its triggers exist for AssetWatcher, which
Airflow 2 lacks (``test_event_triggers_on_airflow_2.py`` checks what 2.11 gets instead).
"""

from airflow import __version__ as airflow_version

from tests.unit.sensors.conftest import (  # noqa: F401 (fixtures)
    emulator,
    emulator_base_url,
    simulated,
)

collect_ignore = [] if airflow_version.startswith("3.") else ["test_events.py"]
