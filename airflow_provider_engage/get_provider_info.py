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
        "hooks": _per_integration("hooks"),
        "operators": _per_integration("operators"),
        "sensors": _per_integration("sensors"),
        "triggers": _per_integration("triggers"),
        "extra-links": [
            "airflow_provider_engage.links.EngageLabScheduleLink",
            "airflow_provider_engage.links.PaiScheduleLink",
        ],
        "connection-types": [ENGAGELAB.provider_entry(), PAI.provider_entry()],
    }


def _per_integration(kind: str) -> list[dict[str, Any]]:
    """One entry per vendor: ``airflow_provider_engage.<kind>.engagelab`` and ``.pai``."""
    vendors = ((ENGAGELAB_INTEGRATION, "engagelab"), (PAI_INTEGRATION, "pai"))
    return [
        {"integration-name": name, "python-modules": [f"airflow_provider_engage.{kind}.{module}"]}
        for name, module in vendors
    ]
