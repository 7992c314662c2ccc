"""`make demo`: the example campaign DAG through real Airflow against the offline emulator."""
