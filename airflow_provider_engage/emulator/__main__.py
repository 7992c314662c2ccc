"""``engage-emulator`` / ``python -m airflow_provider_engage.emulator``: serve until interrupted.

Prints the base URL (the real port when ``--port 0``) and the credentials it accepts, then
serves in the foreground; Ctrl-C or SIGTERM stops it cleanly (with ``--db``, state is saved as it
changes and once more as it stops).
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from airflow_provider_engage import timing
from airflow_provider_engage.emulator import Credentials, EmulatorConfig
from airflow_provider_engage.emulator.process import BANNER_PREFIX
from airflow_provider_engage.input_errors import InvalidFieldError

DEFAULT_PORT = 8765
"""Not 8080: Airflow 3's api-server (and 2.x's webserver) listens there, and both often run side
by side; nor Airflow's other ports (8793 worker logs, 8794 triggerer logs, 8974 scheduler health)."""


def _instant(text: str) -> datetime:
    try:
        return timing.to_utc(text, field="--start-time")
    except InvalidFieldError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _zone(text: str) -> str:
    try:
        timing.format_api_datetime(datetime.now(UTC), text, field="--site-tz")
    except InvalidFieldError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    defaults = EmulatorConfig()
    demo = defaults.credentials
    parser = argparse.ArgumentParser(
        prog="engage-emulator",
        description="An offline EngageLab AppPush + PAI User Engagement server (see docs/emulator.md).",
    )
    parser.add_argument("--host", default=defaults.host, help="address to bind (default: loopback only)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"default {DEFAULT_PORT} (8080 is Airflow's api-server); 0 picks a free port and prints it",
    )
    creds = parser.add_argument_group("credentials (the defaults are the documented demo values)")
    creds.add_argument("--app-key", default=demo.app_key)
    creds.add_argument("--master-secret", default=demo.master_secret)
    creds.add_argument("--pai-api-key", default=demo.pai_api_key)
    creds.add_argument("--pai-ak-id", default=demo.pai_ak_id)
    creds.add_argument("--pai-ak-secret", default=demo.pai_ak_secret)
    behaviour = parser.add_argument_group("behaviour")
    behaviour.add_argument("--site-tz", type=_zone, default=defaults.site_tz, help="EngageLab site zone")
    behaviour.add_argument(
        "--legacy-msgids", action="store_true", help="msg-ids as the pre-2024 'msgids' list"
    )
    behaviour.add_argument(
        "--get-as-array", action="store_true", help="GET /v4/schedules/{id} answers a one-element array"
    )
    # Numbers whose flag and default are the config field's: --engagelab-qps is engagelab_qps.
    numbers: list[tuple[str, type[int | float], str]] = [
        ("engagelab_qps", float, "per AppKey; 0 turns it off"),
        ("pai_qps", float, "per key; 0 turns it off"),
        (
            "plan_query_qps",
            float,
            "per AppKey on each push-plan query endpoint; over it 3010; 0 (default) off",
        ),
        ("max_schedules", int, "unexpired EngageLab tasks per app"),
        ("fire_interval", float, "real seconds between the background firings of what has come due"),
    ]
    for name, kind, text in numbers:
        flag = "--" + name.replace("_", "-")
        behaviour.add_argument(flag, type=kind, default=getattr(defaults, name), help=text)
    behaviour.add_argument(
        "--no-plan-permission",
        action="store_true",
        help="the AppKey lacks the push-plan permission (21004; msg ids by plan 23001)",
    )
    behaviour.add_argument("--db", type=Path, help="sqlite file that keeps state across restarts")
    behaviour.add_argument("--start-time", type=_instant, help="ISO-8601 instant the clock starts at")
    behaviour.add_argument("--frozen", action="store_true", help="the clock stands still until moved")
    behaviour.add_argument("--seed", type=int, help="makes ids, fault draws and statistics repeatable")
    behaviour.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """The config the flags give: each flag is the field of its name (the credentials' too)."""
    given = vars(args)
    credentials = Credentials(**{f.name: given[f.name] for f in dataclasses.fields(Credentials)})
    fields = {f.name: given[f.name] for f in dataclasses.fields(EmulatorConfig) if f.name != "credentials"}
    return EmulatorConfig(credentials=credentials, **fields)


def banner(url: str, config: EmulatorConfig) -> str:
    creds = config.credentials
    lines = [
        f"{BANNER_PREFIX}{url}",
        f"  EngageLab   Basic auth  AppKey={creds.app_key}  MasterSecret={creds.master_secret}",
        f"  PAI gateway Bearer      {creds.pai_api_key}",
        f"  PAI roa     AccessKey   id={creds.pai_ak_id}  secret={creds.pai_ak_secret}",
        f"  control API {url}/_emulator/state  (clock, reset, faults)",
    ]
    if not _is_loopback(config.host):
        lines.append("  WARNING: not bound to loopback; the control API has no authentication")
    return "\n".join(lines)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = config_from_args(args)
    from airflow_provider_engage.emulator.server import EmulatorServer

    server = EmulatorServer(config, log_level=args.log_level)
    print(banner(server.url, config), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled; stopping was asked for
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
