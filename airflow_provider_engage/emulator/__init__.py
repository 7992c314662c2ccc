"""An offline EngageLab AppPush + PAI User Engagement server for tests, demos and DAG authors.

Import-light on purpose: FastAPI and uvicorn load only when an emulator is started.
"""

from __future__ import annotations

from airflow_provider_engage.emulator.config import Credentials, EmulatorConfig

__all__ = ["Credentials", "EmulatorConfig"]
