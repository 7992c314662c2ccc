"""``python -m airflow_provider_engage.timing``: runs the preview command of :mod:`.cli`."""

from airflow_provider_engage.timing.cli import main

raise SystemExit(main())
