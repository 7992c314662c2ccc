"""What an emulator instance is started with: credentials, behaviour flags and limits.

Plain dataclasses, so the CLI, ``running_emulator`` and tests build the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Credentials:
    """The secrets the emulated services accept; the defaults are the documented demo values."""

    app_key: str = "demo-app-key"
    master_secret: str = "demo-master-secret"
    pai_api_key: str = "demo-api-key"
    pai_ak_id: str = "demo-ak-id"
    pai_ak_secret: str = "demo-ak-secret"


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator instance needs; the CLI's flags are these fields, kebab-cased."""

    host: str = "127.0.0.1"
    port: int = 0
    credentials: Credentials = field(default_factory=Credentials)
    # The EngageLab app's main-site zone: zone_type 1 times are wall clock here.
    site_tz: str = "Asia/Shanghai"
    # Serve msg-ids in the pre-2024-02-22 shape {"count", "msgids": [id, ...]}.
    legacy_msgids: bool = False
    # Answer GET /v4/schedules/{id} with a one-element array, as the vendor SDKs type it.
    get_as_array: bool = False
    # Requests per second per AppKey / per PAI key; 0 turns the limit off.
    engagelab_qps: float = 500.0
    pai_qps: float = 100.0
    max_schedules: int = 1000
    # sqlite file that keeps state across restarts; None keeps everything in memory.
    db: Path | None = None
    # Where the emulated clock starts, and whether it stands still; None means real time.
    start_time: datetime | None = None
    frozen: bool = False
    # Seed for everything random the emulator does (ids, fault draws, statistics).
    seed: int | None = None
    # How often (real seconds) the background task fires what has come due.
    fire_interval: float = 0.5
