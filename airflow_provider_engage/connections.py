"""The two connection types: their fields, form labels and the addresses a region stands for.

One source of truth, pure (no Airflow import): ``get_provider_info`` declares the fields from here
for Airflow 3.2+ (``conn-fields``, ``ui-field-behaviour``, read without importing a hook), and
the hooks build their Airflow 2.11 form widgets and read their extras from the same specs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "ENGAGELAB",
    "ENGAGELAB_BASE_URLS",
    "PAI",
    "PAI_GATEWAY_HOSTS",
    "PAI_ROA_HOST",
    "ConnField",
    "ConnectionSpec",
    "base_url",
    "extra_value",
]

ENGAGELAB_BASE_URLS = {
    "singapore": "https://pushapi-sgp.engagelab.com",
    "hongkong": "https://pushapi-hk.engagelab.com",
    "virginia": "https://pushapi-usva.engagelab.com",
    "frankfurt": "https://pushapi-defra.engagelab.com",
    "japan": "https://pushapi-jpn.engagelab.com",
    "brazil": "https://pushapi-bra.engagelab.com",
}
PAI_GATEWAY_HOSTS = {"cn": "https://api.aliyun.com", "intl": "https://api.alibabacloud.com"}
PAI_ROA_HOST = "https://paiplugin.aliyuncs.com"
PAI_API_STYLES = ("gateway", "roa")

_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


@dataclass(frozen=True)
class ConnField:
    """One extra field of a connection form."""

    name: str
    label: str
    description: str
    type: str = "string"  # a JSON-schema type: string, integer, number, boolean
    default: Any = None
    enum: tuple[str, ...] = ()
    secret: bool = False

    def conn_field(self) -> dict[str, Any]:
        """The ``conn-fields`` entry (JSON schema) Airflow 3.2+ builds its form from."""
        schema: dict[str, Any] = {"type": [_JSON_TYPES[self.type], "null"]}
        if self.default is not None:
            schema["default"] = self.default
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.secret:
            schema["format"] = "password"
        return {"label": self.label, "description": self.description, "schema": schema}


@dataclass(frozen=True)
class ConnectionSpec:
    """A connection type as Airflow's UI and this provider's hooks see it."""

    conn_type: str
    hook_name: str
    hook_class: str
    fields: tuple[ConnField, ...]
    hidden: tuple[str, ...] = ("schema", "port")
    relabeling: Mapping[str, str] = field(default_factory=dict)
    placeholders: Mapping[str, str] = field(default_factory=dict)

    def provider_entry(self) -> dict[str, Any]:
        """The ``connection-types`` item of the provider dict."""
        return {
            "hook-class-name": self.hook_class,
            "connection-type": self.conn_type,
            "hook-name": self.hook_name,
            "ui-field-behaviour": {
                "hidden-fields": list(self.hidden),
                "relabeling": dict(self.relabeling),
                "placeholders": dict(self.placeholders),
            },
            "conn-fields": {f.name: f.conn_field() for f in self.fields},
        }

    def ui_field_behaviour(self) -> dict[str, Any]:
        """What ``BaseHook.get_ui_field_behaviour`` returns (Airflow 2.11)."""
        return {
            "hidden_fields": list(self.hidden),
            "relabeling": dict(self.relabeling),
            "placeholders": dict(self.placeholders),
        }

    def form_widgets(self) -> dict[str, Any]:
        """What ``BaseHook.get_connection_form_widgets`` returns (Airflow 2.11, which has wtforms).

        Airflow accepts only String, Password, Integer and Boolean fields, so decimals and choices
        are strings here and the hooks parse them.
        """
        # Only Airflow 2.11 installs these (with its Flask UI); mypy here may not see them.
        from flask_appbuilder.fieldwidgets import (  # type: ignore[import-not-found,unused-ignore]
            BS3PasswordFieldWidget,
            BS3TextFieldWidget,
        )
        from flask_babel import lazy_gettext  # type: ignore[import-not-found,unused-ignore]
        from wtforms import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            BooleanField,
            IntegerField,
            PasswordField,
            StringField,
        )

        widgets: dict[str, Any] = {}
        for f in self.fields:
            label = lazy_gettext(f.label)
            if f.secret:
                widgets[f.name] = PasswordField(
                    label, widget=BS3PasswordFieldWidget(), description=f.description
                )
            elif f.type == "integer":
                widgets[f.name] = IntegerField(label, default=f.default, description=f.description)
            elif f.type == "boolean":
                widgets[f.name] = BooleanField(label, default=f.default, description=f.description)
            else:
                default = None if f.default is None else str(f.default)
                widgets[f.name] = StringField(
                    label, widget=BS3TextFieldWidget(), default=default, description=f.description
                )
        return widgets


def extra_value(extra: Mapping[str, Any], conn_type: str, key: str) -> Any:
    """An extra under its plain key, else under the ``extra__<type>__<key>`` form name."""
    for name in (key, f"extra__{conn_type}__{key}"):
        value = extra.get(name)
        if value is not None and value != "":
            return value
    return None


def base_url(host: str | None, default: str, port: int | None = None) -> str:
    """The connection host as a base URL: a full URL is used as it is, a bare host gets https.

    ``port`` is the connection's port field (a connection URI puts the port there).
    """
    if not host:
        return default
    host = host.strip().rstrip("/")
    if urlsplit(host).scheme not in ("http", "https"):
        host = f"https://{host}"
    parts = urlsplit(host)
    if port and parts.port is None:
        parts = parts._replace(netloc=f"{parts.netloc}:{port}")
    return urlunsplit(parts).rstrip("/")


_TRANSPORT_FIELDS = (
    ConnField("timeout", "Read timeout (s)", "Seconds to wait for an answer.", "number", 30),
    ConnField("connect_timeout", "Connect timeout (s)", "Seconds to wait for a connection.", "number", 10),
    ConnField("max_retries", "Retries", "Retries after a transient failure (429, 5xx).", "integer", 5),
    ConnField("retry_min_wait", "Retry min wait (s)", "First backoff step before jitter.", "number", 0.5),
    ConnField("retry_max_wait", "Retry max wait (s)", "Longest pause between tries.", "number", 30),
)

# Neither Airflow 3.3's connection form (standard fields take only hidden, title and placeholder)
# nor 2.11's (its login and password fields are always optional) can mark a standard field
# required, so the label and the placeholder say it.
_ENGAGELAB_HOST = "Base URL"

ENGAGELAB = ConnectionSpec(
    conn_type="engagelab",
    hook_name="EngageLab AppPush",
    hook_class="airflow_provider_engage.hooks.engagelab.EngageLabHook",
    fields=(
        ConnField(
            "region",
            "Data centre",
            f"Where the app lives; picks the API base URL unless {_ENGAGELAB_HOST} is set.",
            default="singapore",
            enum=tuple(ENGAGELAB_BASE_URLS),
        ),
        ConnField(
            "site_timezone",
            "Site time zone",
            "Must match the app's main-site time zone in the EngageLab console (an IANA name such as "
            "Europe/Berlin, or +08:00): zone_type 1 times are converted to it, so a wrong zone moves "
            "every push. Asia/Shanghai (UTC+8) unless set.",
            default="Asia/Shanghai",
        ),
        *_TRANSPORT_FIELDS,
    ),
    relabeling={
        "login": "AppKey (required)",
        "password": "Master Secret (required)",
        "host": _ENGAGELAB_HOST,
    },
    placeholders={
        "login": "Required: the AppKey from the EngageLab console (Application Settings)",
        "password": "Required: the Master Secret from the EngageLab console",
        "host": "Optional, e.g. http://127.0.0.1:8080 for the emulator; the data centre's URL otherwise",
    },
)

PAI = ConnectionSpec(
    conn_type="pai_engagement",
    hook_name="Alibaba Cloud PAI User Engagement",
    hook_class="airflow_provider_engage.hooks.pai.PaiEngagementHook",
    fields=(
        ConnField(
            "api_style",
            "API style",
            "gateway: Bearer key, POST .../CreateSchedule (the documented contract); "
            "roa: the signed /api/v2 API with an AccessKey.",
            default="gateway",
            enum=PAI_API_STYLES,
        ),
        ConnField(
            "region",
            "Region",
            "cn (api.aliyun.com) or intl (api.alibabacloud.com); gateway style only.",
            default="cn",
            enum=tuple(PAI_GATEWAY_HOSTS),
        ),
        ConnField("security_token", "STS security token", "Optional STS token (roa style).", secret=True),
        *_TRANSPORT_FIELDS,
    ),
    relabeling={"login": "AccessKey ID", "password": "API key / AccessKey secret", "host": "Host"},
    placeholders={
        "login": "roa style only: AccessKey ID",
        "password": "gateway: API key (else env DASHSCOPE_API_KEY); roa: AccessKey secret",
        "host": "Optional, e.g. http://127.0.0.1:8080 for the emulator",
    },
)
