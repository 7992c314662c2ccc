"""The timing package as other code sees it: one public face, and nothing heavy imported."""

from __future__ import annotations

import subprocess
import sys

from airflow_provider_engage import timing

# Every public name of timing.py before it became a package; hooks, operators, the emulator, the demo,
# the tests and the docs use them as ``timing.X``.
PUBLIC_NAMES = frozenset(
    {
        "API_DATETIME_FORM",
        "API_DATE_FORM",
        "API_TIME_FORM",
        "COMPACT_DATE_FORM",
        "EARLIEST_ZONE",
        "EPOCH_MILLIS_FROM",
        "InvalidTimeError",
        "LATEST_ZONE",
        "Occurrence",
        "PAI_DAY",
        "PAI_HOUR",
        "PAI_MONTH",
        "PAI_NEVER",
        "PAI_REPEAT_FOREVER",
        "PAI_TZ",
        "PAI_WEEK",
        "SCHEDULE_INVALID_CODE",
        "SITE_TZ_DEFAULT",
        "TIME_UNITS",
        "TRIGGER_KINDS",
        "WEEKDAYS",
        "ZONE_TYPE_DEVICE",
        "ZONE_TYPE_SITE",
        "Zone",
        "ZoneLike",
        "epoch_seconds",
        "format_api_date",
        "format_api_datetime",
        "format_compact_date",
        "format_pai_time",
        "format_wall_clock",
        "occurrences",
        "pai_occurrences",
        "pai_repeat_count",
        "parse_api_date",
        "parse_api_datetime",
        "parse_api_time",
        "parse_compact_date",
        "parse_day",  # added since: a report's day (the PAI metrics operator's range)
        "resolve_zone",
        "schedule_is_expired",
        "to_utc",
        "trigger_kind",
        "validate_trigger",
    }
)


def test_the_package_offers_every_public_name_it_always_had() -> None:
    assert set(timing.__all__) == PUBLIC_NAMES
    namespace: dict[str, object] = {}
    exec("from airflow_provider_engage.timing import *", namespace)
    assert set(namespace) - {"__builtins__"} == PUBLIC_NAMES


def test_importing_timing_pulls_in_no_airflow_aiohttp_or_fastapi() -> None:
    code = (
        "import sys\n"
        "import airflow_provider_engage.timing, airflow_provider_engage.timing.cli\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'airflow', 'aiohttp', 'fastapi'})\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
