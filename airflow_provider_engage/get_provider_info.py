"""The provider dict Airflow reads through the ``apache_airflow_provider`` entry point.

Cheap to call: it imports only the pure connection specs, never a hook, because Airflow 3.2+
builds connection forms from ``conn-fields`` without importing hooks.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_engage import __version__
from airflow_provider_engage.connections import ENGAGELAB, PAI

ENGAGELAB_INTEGRATION = "EngageLab AppPush"
PAI_INTEGRATION = "Alibaba Cloud PAI User Engagement"


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-engage",
        "name": "Engage",
        "description": (
            "Engagement campaigns from DAGs: scheduled pushes and push plans on EngageLab AppPush, "
            "reach plans on Alibaba Cloud PAI User Engagement."
        ),
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": ENGAGELAB_INTEGRATION,
                "external-doc-url": "https://www.engagelab.com/docs/app-push/rest-api/rest-api-overview",
                "tags": ["service"],
            },
            {
                "integration-name": PAI_INTEGRATION,
                "external-doc-url": "https://www.alibabacloud.com/help/en/pai/",
                "tags": ["service"],
            },
        ],
        "hooks": [
            {
                "integration-name": ENGAGELAB_INTEGRATION,
                "python-modules": ["airflow_provider_engage.hooks.engagelab"],
            },
            {
                "integration-name": PAI_INTEGRATION,
                "python-modules": ["airflow_provider_engage.hooks.pai"],
            },
        ],
        "operators": [
            {
                "integration-name": ENGAGELAB_INTEGRATION,
                "python-modules": ["airflow_provider_engage.operators.engagelab"],
            },
            {
                "integration-name": PAI_INTEGRATION,
                "python-modules": ["airflow_provider_engage.operators.pai"],
            },
        ],
        "extra-links": [
            "airflow_provider_engage.links.EngageLabScheduleLink",
            "airflow_provider_engage.links.PaiScheduleLink",
        ],
        "connection-types": [ENGAGELAB.provider_entry(), PAI.provider_entry()],
    }
