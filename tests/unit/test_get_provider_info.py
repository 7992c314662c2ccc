"""Registration: what Airflow learns from the provider dict, on 3.x and (through the hooks) on 2.11."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import airflow
import jsonschema
import pytest

from airflow_provider_engage import __version__
from airflow_provider_engage.connections import ENGAGELAB, PAI, ConnectionSpec
from airflow_provider_engage.get_provider_info import get_provider_info
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.hooks.pai import PaiEngagementHook

AIRFLOW_BIN = Path(sys.executable).with_name("airflow")
INFO = get_provider_info()
CONNECTIONS = {entry["connection-type"]: entry for entry in INFO["connection-types"]}


def test_the_dict_passes_airflows_own_schema() -> None:
    schema_path = Path(airflow.__file__).with_name("provider_info.schema.json")
    jsonschema.validate(INFO, json.loads(schema_path.read_text()))


def test_package_and_version() -> None:
    assert INFO["package-name"] == "airflow-provider-engage"
    assert INFO["versions"] == [__version__]
    assert INFO["name"]
    assert INFO["description"]


@pytest.mark.parametrize("kind", ["hooks", "operators", "sensors", "triggers"])
def test_every_listed_module_imports(kind: str) -> None:
    modules = [module for group in INFO[kind] for module in group["python-modules"]]
    assert modules == [f"airflow_provider_engage.{kind}.engagelab", f"airflow_provider_engage.{kind}.pai"]
    for module in modules:
        importlib.import_module(module)
    integrations = {item["integration-name"] for item in INFO["integrations"]}
    assert {group["integration-name"] for group in INFO[kind]} <= integrations


def test_extra_links_resolve_to_operator_links() -> None:
    from airflow.providers.common.compat.sdk import BaseOperatorLink

    for path in INFO["extra-links"]:
        module, _, name = path.rpartition(".")
        link = getattr(importlib.import_module(module), name)
        assert issubclass(link, BaseOperatorLink)
        assert link.name


@pytest.mark.parametrize(
    ("conn_type", "hook", "hook_name"),
    [
        ("engagelab", EngageLabHook, "EngageLab AppPush"),
        ("pai_engagement", PaiEngagementHook, "Alibaba Cloud PAI User Engagement"),
    ],
)
def test_connection_types_point_at_their_hooks(conn_type: str, hook: type[Any], hook_name: str) -> None:
    entry = CONNECTIONS[conn_type]
    module, _, name = entry["hook-class-name"].rpartition(".")
    assert getattr(importlib.import_module(module), name) is hook
    assert entry["hook-name"] == hook.hook_name == hook_name
    assert hook.conn_type == conn_type
    assert hook.default_conn_name == f"{conn_type}_default"
    assert hook.conn_name_attr in hook.__init__.__code__.co_varnames


def test_engagelab_fields() -> None:
    fields = CONNECTIONS["engagelab"]["conn-fields"]
    assert set(fields) == {
        "region",
        "site_timezone",
        "timeout",
        "connect_timeout",
        "max_retries",
        "retry_min_wait",
        "retry_max_wait",
    }
    assert fields["region"]["schema"] == {
        "type": ["string", "null"],
        "default": "singapore",
        "enum": ["singapore", "hongkong", "virginia", "frankfurt", "japan", "brazil"],
    }
    assert fields["site_timezone"]["schema"]["default"] == "Asia/Shanghai"
    assert fields["max_retries"]["schema"] == {"type": ["integer", "null"], "default": 5}
    behaviour = CONNECTIONS["engagelab"]["ui-field-behaviour"]
    assert behaviour["relabeling"] == {
        "login": "AppKey (required)",
        "password": "Master Secret (required)",
        "host": "Base URL",
    }
    assert behaviour["placeholders"]["login"].startswith("Required: ")
    assert behaviour["placeholders"]["password"].startswith("Required: ")
    assert behaviour["hidden-fields"] == ["schema", "port"]


def test_the_site_time_zone_says_it_must_match_the_console() -> None:
    description = CONNECTIONS["engagelab"]["conn-fields"]["site_timezone"]["description"]

    assert description.startswith("Must match the app's main-site time zone in the EngageLab console")
    assert "Asia/Shanghai (UTC+8) unless set" in description


@pytest.mark.parametrize("spec", [ENGAGELAB, PAI], ids=lambda spec: spec.conn_type)
def test_help_names_standard_fields_by_the_label_the_form_shows(spec: ConnectionSpec) -> None:
    for field in spec.fields:
        for name, standard in (("host", "Host"), ("login", "Login"), ("password", "Password")):
            label = spec.relabeling.get(name, standard)
            if label != standard:
                assert f"{standard} " not in field.description, (field.name, standard, label)
    region = next(field for field in ENGAGELAB.fields if field.name == "region")
    assert "unless Base URL is set" in region.description


def test_the_connection_form_shows_appkey_and_master_secret_as_required() -> None:
    from airflow import __version__ as airflow_version

    if airflow_version.startswith("3."):  # the React UI's form metadata, as the UI reads it
        from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

        meta = {hook.connection_type: hook for hook in HookMetaService.hook_meta_data()}
        standard = meta["engagelab"].standard_fields
        labels = (standard.login.title, standard.password.title, standard.host.title)
        help_text = meta["engagelab"].extra_fields["site_timezone"]["description"]
    else:  # 2.11's Flask form, built by the providers manager from the hook
        from airflow.providers_manager import ProvidersManager

        relabeling = ProvidersManager().field_behaviours["engagelab"]["relabeling"]
        labels = (relabeling["login"], relabeling["password"], relabeling["host"])
        widget = ProvidersManager().connection_form_widgets["extra__engagelab__site_timezone"]
        help_text = str(widget.field.kwargs["description"])

    assert labels == ("AppKey (required)", "Master Secret (required)", "Base URL")
    assert help_text.startswith("Must match")


def test_pai_fields() -> None:
    fields = CONNECTIONS["pai_engagement"]["conn-fields"]
    assert fields["api_style"]["schema"]["enum"] == ["gateway", "roa"]
    assert fields["api_style"]["schema"]["default"] == "gateway"
    assert fields["region"]["schema"]["enum"] == ["cn", "intl"]
    assert fields["security_token"]["schema"]["format"] == "password"
    assert all("format" not in field["schema"] for name, field in fields.items() if name != "security_token")


def test_every_field_has_a_label_and_a_description() -> None:
    for entry in CONNECTIONS.values():
        for field in entry["conn-fields"].values():
            assert field["label"]
            assert field["description"]


def test_the_providers_manager_builds_the_forms_without_the_hooks() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    widgets = manager.connection_form_widgets
    for spec in (ENGAGELAB, PAI):
        for field in spec.fields:
            widget = widgets[f"extra__{spec.conn_type}__{field.name}"]
            # Airflow 3 records the dotted path, 2.11 the class name alone.
            assert widget.hook_class_name in (spec.hook_class, spec.hook_class.rpartition(".")[2])
            assert widget.is_sensitive is field.secret
    assert manager.field_behaviours["engagelab"]["relabeling"]["password"] == "Master Secret (required)"
    assert manager.field_behaviours["pai_engagement"]["hidden_fields"] == ["schema", "port"]


def _airflow_cli(*commands: tuple[str, ...], home: Path) -> list[Any]:
    """Run real ``airflow`` commands side by side in a fresh home; JSON is the line starting ``[``."""
    env = {key: value for key, value in os.environ.items() if key != "AIRFLOW__CORE__UNIT_TEST_MODE"}
    env["AIRFLOW_HOME"] = str(home)
    running = [
        subprocess.Popen([str(AIRFLOW_BIN), *args, "-o", "json"], env=env, stdout=subprocess.PIPE, text=True)
        for args in commands
    ]
    answers = []
    for process in running:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        answers.append(json.loads(next(line for line in out.splitlines() if line.startswith("["))))
    return answers


def test_airflow_cli_lists_the_provider_and_both_connection_types(tmp_path: Path) -> None:
    providers, hooks = _airflow_cli(("providers", "list"), ("providers", "hooks"), home=tmp_path)

    ours = [p for p in providers if p["package_name"] == "airflow-provider-engage"]
    assert ours == [
        {
            "package_name": "airflow-provider-engage",
            "description": INFO["description"].rstrip("."),
            "version": __version__,
        }
    ]
    by_type = {hook["connection_type"]: hook for hook in hooks}
    assert by_type["engagelab"]["class"] == "airflow_provider_engage.hooks.engagelab.EngageLabHook"
    assert by_type["engagelab"]["conn_id_attribute_name"] == "engagelab_conn_id"
    assert by_type["pai_engagement"]["class"] == "airflow_provider_engage.hooks.pai.PaiEngagementHook"
    assert by_type["pai_engagement"]["hook_name"] == "Alibaba Cloud PAI User Engagement"


# --- Airflow 2.11: the hooks build the form themselves ------------------------------------------


class _Field:
    def __init__(self, label: str, **kwargs: Any) -> None:
        self.label = label
        self.kwargs = kwargs


@pytest.fixture
def fake_flask_forms(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """Stand-ins for the Flask form packages Airflow 2.11 ships (3.x does not install them)."""
    forms = types.SimpleNamespace(
        StringField=type("StringField", (_Field,), {}),
        PasswordField=type("PasswordField", (_Field,), {}),
        IntegerField=type("IntegerField", (_Field,), {}),
        BooleanField=type("BooleanField", (_Field,), {}),
    )
    wtforms = types.ModuleType("wtforms")
    wtforms.__dict__.update(vars(forms))
    widgets = types.ModuleType("flask_appbuilder.fieldwidgets")
    widgets.BS3TextFieldWidget = type("BS3TextFieldWidget", (), {})  # type: ignore[attr-defined]
    widgets.BS3PasswordFieldWidget = type("BS3PasswordFieldWidget", (), {})  # type: ignore[attr-defined]
    babel = types.ModuleType("flask_babel")
    babel.lazy_gettext = lambda text: f"_({text})"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "wtforms", wtforms)
    monkeypatch.setitem(sys.modules, "flask_appbuilder", types.ModuleType("flask_appbuilder"))
    monkeypatch.setitem(sys.modules, "flask_appbuilder.fieldwidgets", widgets)
    monkeypatch.setitem(sys.modules, "flask_babel", babel)
    return forms


@pytest.mark.parametrize(("hook", "spec"), [(EngageLabHook, ENGAGELAB), (PaiEngagementHook, PAI)])
def test_hooks_build_the_211_form_from_the_same_spec(
    fake_flask_forms: types.SimpleNamespace, hook: type[Any], spec: ConnectionSpec
) -> None:
    # Airflow reads these only from the hook's own class dict, never from a base class.
    assert "get_connection_form_widgets" in hook.__dict__
    assert "get_ui_field_behaviour" in hook.__dict__
    widgets = hook.get_connection_form_widgets()

    assert set(widgets) == {field.name for field in spec.fields}
    for field in spec.fields:
        widget = widgets[field.name]
        assert widget.label == f"_({field.label})"
        expected = {"integer": "IntegerField", "boolean": "BooleanField"}.get(field.type, "StringField")
        assert type(widget).__name__ == ("PasswordField" if field.secret else expected)
    behaviour = hook.get_ui_field_behaviour()
    assert behaviour == {
        "hidden_fields": list(spec.hidden),
        "relabeling": dict(spec.relabeling),
        "placeholders": dict(spec.placeholders),
    }


def test_211_defaults_match_the_declared_ones(fake_flask_forms: types.SimpleNamespace) -> None:
    widgets = EngageLabHook.get_connection_form_widgets()
    assert widgets["region"].kwargs["default"] == "singapore"
    assert widgets["timeout"].kwargs["default"] == "30"  # decimals travel as text; the hook parses them
    assert widgets["max_retries"].kwargs["default"] == 5
