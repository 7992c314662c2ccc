"""The connection forms in a real browser: Airflow 3.3's React UI, headless Chromium, selenium.

In the one-machine deployment, a user signs in through the simple auth manager's login page,
opens Admin > Connections > Add Connection and picks each of this provider's connection types.
The form must show every field of the spec in ``airflow_provider_engage/connections.py`` with
its label (and description), the relabelled standard fields, none of the hidden ones, and the
secrets as password inputs. Screenshots of each form are kept in
``e2e-artifacts/one-machine/screenshots/``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_engage.connections import ENGAGELAB, PAI, ConnectionSpec
from tests.e2e.evidence import ARTIFACTS, phase, record
from tests.e2e.stack import OneMachine

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1800",
)
WAIT = 30
SCREENSHOTS = ARTIFACTS / "screenshots"

# Every field root of the open dialog: its label, inputs (name, type, placeholder) and help text.
READ_FIELDS = """
return [...document.querySelectorAll('[role=dialog] [data-scope=field][data-part=root]')].map(root => {
  const label = root.querySelector('label');
  return {
    label: label ? label.textContent.trim() : null,
    label_visible: label ? label.offsetParent !== null : false,
    inputs: [...root.querySelectorAll('input[name], textarea[name]')].map(i => (
      {name: i.name, type: i.type, placeholder: i.placeholder || null, value: i.value})),
    help: (root.querySelector('[data-part=helper-text]') || {}).textContent || null,
  };
});
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = Path(tempfile.mkdtemp(prefix="engage-e2e-chromium-"))
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    service = Service(
        CHROMEDRIVER, log_output=str(tmp_path_factory.mktemp("chromedriver") / "chromedriver.log")
    )
    with phase("one-machine: Chromium started"):
        driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()  # stops chromedriver (its child) and Chromium
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def signed_in(browser: Any, one_machine: OneMachine) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    deployment = one_machine.deployment
    with phase("one-machine: signed in to the UI"):
        browser.get(f"{deployment.api_url}/connections")
        wait = WebDriverWait(browser, WAIT)
        wait.until(ec.visibility_of_element_located((By.NAME, "username"))).send_keys(deployment.api.username)
        browser.find_element(By.NAME, "password").send_keys(deployment.password)
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Add Connection']")))
    return browser


def open_form(browser: Any, spec: ConnectionSpec) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    browser.refresh()
    wait.until(ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Add Connection']"))).click()
    combo = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[role=dialog] input[role=combobox]")))
    combo.send_keys(spec.hook_name)
    option = wait.until(
        ec.element_to_be_clickable((By.XPATH, f"//*[@role='option'][normalize-space()='{spec.hook_name}']"))
    )
    option.click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[role=dialog] input[name=login]")))


def open_section(browser: Any, title: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    trigger = browser.find_element(By.XPATH, f"//*[@role='dialog']//button[normalize-space()='{title}']")
    if trigger.get_attribute("aria-expanded") != "true":
        trigger.click()
    WebDriverWait(browser, WAIT).until(lambda _: trigger.get_attribute("aria-expanded") == "true")


def visible_fields(browser: Any) -> dict[str, dict[str, Any]]:
    """The form's fields whose label a user can see now, by input name."""
    fields = {}
    for root in browser.execute_script(READ_FIELDS):
        if not root["label_visible"]:
            continue
        for field in root["inputs"]:
            fields[field["name"]] = {**field, "label": root["label"], "help": root["help"]}
    return fields


def screenshot(browser: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    dialog = browser.find_element("css selector", "[role=dialog]")
    dialog.screenshot(str(path))
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    return path


@pytest.mark.parametrize("spec", [ENGAGELAB, PAI], ids=lambda spec: spec.conn_type)
def test_the_add_connection_form_shows_every_field(signed_in: Any, spec: ConnectionSpec) -> None:
    browser = signed_in
    with phase(f"one-machine: {spec.conn_type} form checked in Chromium"):
        open_form(browser, spec)

        open_section(browser, "Standard Fields")
        standard = visible_fields(browser)
        screenshot(browser, f"{spec.conn_type}-standard-fields")
        open_section(browser, "Extra Fields")
        extra = visible_fields(browser)
        screenshot(browser, f"{spec.conn_type}-extra-fields")
    record(f"form-{spec.conn_type}", {"standard": standard, "extra": extra})

    # The standard fields: relabelled, with their placeholders; the hidden ones absent.
    for name, label in spec.relabeling.items():
        assert name in standard, f"{name} missing from the {spec.conn_type} form: {sorted(standard)}"
        assert standard[name]["label"] == label
        if name in spec.placeholders:
            assert standard[name]["placeholder"] == spec.placeholders[name]
    for hidden in spec.hidden:
        assert hidden not in standard, f"{hidden} should be hidden"
        assert hidden not in extra, f"{hidden} should be hidden"
    assert standard["password"]["type"] == "password", "the secret is typed in clear"

    # Every extra field of the spec, with its label and description; secrets as password inputs.
    for field in spec.fields:
        element = f"element_{field.name}"
        assert element in extra, f"{field.name} missing from the {spec.conn_type} form: {sorted(extra)}"
        shown = extra[element]
        assert shown["label"] == field.label
        assert (shown["help"] or "").strip() == field.description
        if field.secret:
            assert shown["type"] == "password", f"{field.name} is shown as {shown['type']}"
        else:
            assert shown["type"] != "password"
        if field.default is not None and field.enum:
            assert shown["value"] == str(field.default)
    assert {name for name in extra if name.startswith("element_")} == {
        f"element_{f.name}" for f in spec.fields
    }
