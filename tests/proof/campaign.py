"""What every campaign starts from: the connection as deployed, a push, the site's wall clock."""

from __future__ import annotations

from typing import Any

import pendulum

from tests.helpers import connection

PUSH: dict[str, Any] = {"to": "all", "body": {"platform": "all", "notification": {"alert": "proof"}}}
SITE_TZ = "Asia/Shanghai"  # the emulator's and the connection's default site zone
SECRET = "demo-master-secret"  # the emulator's Master Secret: it must never reach a message


def proof_connection(url: str, **extra: Any) -> str:
    """The ``engagelab`` connection as deployed (5 hook retries, the default), with the short waits
    a test can afford."""
    return connection(url, **{"max_retries": 5, "retry_min_wait": 0.01, "retry_max_wait": 0.05, **extra})


def wall(instant: pendulum.DateTime) -> str:
    """``instant`` as the API's wall clock in the site zone, to the minute."""
    return instant.in_timezone(SITE_TZ).format("YYYY-MM-DD HH:mm:00")
