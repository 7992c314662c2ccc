"""The provider dict Airflow reads through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_provider_engage import __version__


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-engage",
        "name": "Engage (EngageLab AppPush, Alibaba Cloud PAI User Engagement)",
        "description": "Engagement campaigns from DAGs: scheduled pushes, push plans and reach plans.",
        "versions": [__version__],
    }
