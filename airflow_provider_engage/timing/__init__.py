"""Every rule about time the provider keeps: API formats, zones, occurrences and trigger checks.

Operators and hooks turn what a DAG author has into the APIs' strings here, the preview command
says here when a schedule will fire, and the emulator fires schedules by the same rules, so they
never disagree. Pure and quick to import: pendulum and the shared error, no Airflow.

One public face, three models behind it (``docs/timing.md`` tells users the rules):

- :mod:`~airflow_provider_engage.timing.formats`: strict API formats, epochs, zones and
  :class:`InvalidTimeError`;
- :mod:`~airflow_provider_engage.timing.engagelab`: EngageLab single and periodical triggers,
  their checks and their occurrences (:class:`Occurrence`);
- :mod:`~airflow_provider_engage.timing.pai`: when a PAI plan sends and how often it repeats.

:mod:`~airflow_provider_engage.timing.cli` is ``python -m airflow_provider_engage.timing preview``.
"""

from __future__ import annotations

from airflow_provider_engage.timing.engagelab import (
    EARLIEST_ZONE,
    LATEST_ZONE,
    SCHEDULE_INVALID_CODE,
    SITE_TZ_DEFAULT,
    TIME_UNITS,
    TRIGGER_KINDS,
    WEEKDAYS,
    ZONE_TYPE_DEVICE,
    ZONE_TYPE_SITE,
    Occurrence,
    occurrences,
    schedule_is_expired,
    trigger_kind,
    validate_trigger,
)
from airflow_provider_engage.timing.formats import (
    API_DATE_FORM,
    API_DATETIME_FORM,
    API_TIME_FORM,
    COMPACT_DATE_FORM,
    EPOCH_MILLIS_FROM,
    PAI_TZ,
    InvalidTimeError,
    Zone,
    ZoneLike,
    epoch_seconds,
    format_api_date,
    format_api_datetime,
    format_compact_date,
    format_pai_time,
    format_wall_clock,
    parse_api_date,
    parse_api_datetime,
    parse_api_time,
    parse_compact_date,
    parse_day,
    resolve_zone,
    to_utc,
)
from airflow_provider_engage.timing.pai import (
    PAI_DAY,
    PAI_HOUR,
    PAI_MONTH,
    PAI_NEVER,
    PAI_REPEAT_FOREVER,
    PAI_WEEK,
    pai_occurrences,
    pai_repeat_count,
)

__all__ = [
    "API_DATETIME_FORM",
    "API_DATE_FORM",
    "API_TIME_FORM",
    "COMPACT_DATE_FORM",
    "EARLIEST_ZONE",
    "EPOCH_MILLIS_FROM",
    "LATEST_ZONE",
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
    "InvalidTimeError",
    "Occurrence",
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
    "parse_day",
    "resolve_zone",
    "schedule_is_expired",
    "to_utc",
    "trigger_kind",
    "validate_trigger",
]
