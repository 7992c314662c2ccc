"""Triggers: the deferral triggers the sensors wait with (and, on Airflow 3, event triggers)."""
