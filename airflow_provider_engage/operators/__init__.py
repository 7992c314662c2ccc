"""Operators: what DAG authors write to create, change and delete schedules and plans."""
