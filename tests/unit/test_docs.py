"""The docs are real: the README's example DAG builds, links stay in the project, and the user
guide's site is complete (every page in its nav, every example, figure and table drawn from the
code). ``make docs`` builds the site itself, strictly."""

from __future__ import annotations

import copy
import importlib
import itertools
import json
import os
import re
from datetime import date
from pathlib import Path

import jinja2
import pendulum
import pytest
import yaml

from airflow_provider_engage import engagelab_spec, pai_spec, timing
from airflow_provider_engage.get_provider_info import get_provider_info
from docsgen import codes, figures, performance
from docsgen.pages import GENERATED, NOT_SHIPPED, PENDING_PAGES

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
OPERATORS = ROOT / "docs" / "operators.md"
ROUNDED_TO_THE_DAY = (
    "{{ data_interval_end.in_timezone('Asia/Shanghai').start_of('day').add(days=1, hours=9) }}"
)


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_example_dag_builds_with_the_documented_operators() -> None:
    (example,) = [block for block in python_blocks(README.read_text()) if "@dag" in block]
    namespace: dict[str, object] = {}

    exec(compile(example, str(README), "exec"), namespace)  # our own README

    dag = namespace["campaign"]()
    assert sorted(dag.task_dict) == ["push", "retitle", "sms"]
    assert dag.task_dict["retitle"].upstream_task_ids == {"push"}
    assert dag.task_dict["push"].send_at == "{{ data_interval_end.add(days=1, hours=1) }}"


DOCS = README.parent / "docs"
PAGES = sorted(DOCS.rglob("*.md"))


def _linked(page: Path, target: str) -> bool:
    """A file of the project, or a page the site stands in for until another branch adds it."""
    if (page.parent / target).is_file():
        return True
    in_docs = Path(os.path.relpath((page.parent / target).resolve(), DOCS.resolve())).as_posix()
    return in_docs in PENDING_PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(DOCS).as_posix())
def test_the_docs_send_readers_only_to_pages_of_the_project(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if not target.startswith(("http://", "https://")):
            assert _linked(page, target), f"{page.name} links to {target}, not in the project"
    # The design notes beside the project (seed documents, research) are not shipped with it.
    assert not NOT_SHIPPED.search(text)


@pytest.mark.parametrize("doc", [README, OPERATORS], ids=lambda path: path.name)
def test_the_docs_say_what_a_run_triggered_by_hand_does_to_data_interval_end(doc: Path) -> None:
    text = " ".join(doc.read_text().split())

    assert "triggered by hand" in text
    assert "at the moment of triggering" in text
    assert ROUNDED_TO_THE_DAY in text


@pytest.mark.parametrize(
    "data_interval_end",
    [
        pendulum.datetime(2026, 11, 23, tz="UTC"),  # a scheduled daily run in UTC
        pendulum.datetime(2026, 11, 23, 10, 37, 12, tz="UTC"),  # triggered by hand on Airflow 3
        pendulum.datetime(2026, 11, 22, 16, tz="UTC"),  # a daily DAG in Asia/Shanghai: its midnight
    ],
)
def test_the_rounded_template_is_nine_tomorrow_in_shanghai_for_any_run(
    data_interval_end: pendulum.DateTime,
) -> None:
    rendered = jinja2.Template(ROUNDED_TO_THE_DAY).render(data_interval_end=data_interval_end)

    assert pendulum.parse(rendered) == pendulum.datetime(2026, 11, 24, 9, tz="Asia/Shanghai")


# --- the site: mkdocs.yml, the Makefile ---------------------------------------------------------

MKDOCS = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def _nav_pages(entries: list[object]) -> list[str]:
    found: list[str] = []
    for entry in entries:
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            found.extend(_nav_pages(value) if isinstance(value, list) else [str(value)])
    return found


def test_the_site_is_built_strictly_and_a_broken_link_or_anchor_fails_it() -> None:
    assert MKDOCS["strict"] is True
    assert MKDOCS["docs_dir"] == "docs"
    checks = {**MKDOCS["validation"]["nav"], **MKDOCS["validation"]["links"]}
    assert set(checks.values()) == {"warn"}  # strict turns every one into a failure
    assert {"not_found", "anchors", "omitted_files", "absolute_links", "unrecognized_links"} <= set(checks)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^docs: .*\n\t.*mkdocs build --strict", makefile, re.MULTILINE)
    assert re.search(r"^test: .*\bdocs\b", makefile, re.MULTILINE)
    assert "/site/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert MKDOCS["site_dir"] == "site"


def test_every_page_in_docs_is_in_the_sites_nav_and_the_nav_names_only_pages() -> None:
    nav = _nav_pages(MKDOCS["nav"])
    assert len(nav) == len(set(nav))
    on_disk = {page.relative_to(DOCS).as_posix() for page in PAGES}
    assert set(nav) == on_disk | set(PENDING_PAGES)


def test_a_stand_in_page_is_dropped_once_the_real_page_lands() -> None:
    landed = [uri for uri in PENDING_PAGES if (DOCS / uri).exists()]
    assert not landed, f"docs/ has {landed} now: remove them from docsgen.pages.PENDING_PAGES"


# --- the API reference: generated from the docstrings, every provider module in it ---------------


def _provider_modules() -> list[str]:
    info = get_provider_info()
    return sorted(
        module
        for kind in ("hooks", "operators", "sensors", "triggers")
        for entry in info[kind]
        for module in entry["python-modules"]
    )


def test_the_api_reference_renders_every_module_the_provider_registers() -> None:
    rendered = {
        line.removeprefix("::: ").strip()
        for page in (DOCS / "reference").glob("*.md")
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith("::: ")
    }
    assert set(_provider_modules()) <= rendered
    for module in rendered:
        importlib.import_module(module)  # a directive naming nothing would only fail the build


# --- examples: included from the real files, every operator, sensor and trigger -------------------

SNIPPET = re.compile(r"^--8<--\n(?P<target>[^\n]+)\n--8<--$", re.MULTILINE)
REGION = re.compile(
    r"# --8<-- \[start:(?P<name>[a-z][-_0-9a-z]*)\]\n(?P<body>.*?)\n\s*# --8<-- \[end:(?P=name)\]", re.DOTALL
)


def _includes() -> list[tuple[Path, str, str | None]]:
    found = []
    for page in PAGES:
        for match in SNIPPET.finditer(page.read_text(encoding="utf-8")):
            path, _, region = match["target"].partition(":")
            found.append((page, path, region or None))
    return found


def _regions(path: Path) -> dict[str, str]:
    return {match["name"]: match["body"] for match in REGION.finditer(path.read_text(encoding="utf-8"))}


def test_every_included_snippet_is_a_real_file_or_a_marked_region_of_one() -> None:
    includes = _includes()
    assert includes
    for page, path, region in includes:
        assert (ROOT / path).is_file(), f"{page.name} includes {path}, which does not exist"
        if region is not None:
            assert region in _regions(ROOT / path), f"{page.name} includes {path}:{region}, not marked there"


def test_every_marked_region_of_an_example_is_shown_on_some_page() -> None:
    shown = {(path, region) for _, path, region in _includes()}
    sources = [*ROOT.glob("dags_examples/*.py"), *ROOT.glob("tests/docs_examples/*.py")]
    for source in sources:
        path = source.relative_to(ROOT).as_posix()
        for region in _regions(source):
            assert (path, region) in shown, f"{path} marks the region {region!r}, but no page includes it"


def _public_classes() -> set[str]:
    return {
        name
        for module in _provider_modules()
        if not module.startswith("airflow_provider_engage.hooks.")
        for name in importlib.import_module(module).__all__
    }


def _examples_sections() -> dict[str, str]:
    text = (DOCS / "examples.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^## ([^\n]+)\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL))


def _shown_by(name: str) -> str:
    """What an example calls to use ``name``: a deferral trigger is used by its sensor deferring to
    it; an event trigger is built in an ``AssetWatcher`` itself."""
    if name.endswith("Trigger") and not name.endswith("EventTrigger"):
        return name.replace("Trigger", "Sensor")
    return name


def _calls(name: str, code: str) -> bool:
    """Whether ``code`` builds what uses ``name``, directly or as a mapped task's ``partial``."""
    return re.search(rf"^[^#\n]*\b{_shown_by(name)}(\.partial)?\(", code, re.MULTILINE) is not None


def test_every_operator_sensor_and_trigger_has_an_example_from_a_real_dag_or_awaits_one() -> None:
    sections = _examples_sections()
    awaiting = set(re.findall(r"`(\w+)`", sections.pop("Not in an example DAG yet")))
    shown: set[str] = set()
    for heading, body in sections.items():
        names = set(re.findall(r"`(\w+)`", heading))
        included = "\n".join(
            _regions(ROOT / path)[region] if region else (ROOT / path).read_text(encoding="utf-8")
            for path, region in (match["target"].partition(":")[::2] for match in SNIPPET.finditer(body))
        )
        for name in names:
            assert _calls(name, included), f"the section on {name} includes no code that uses it"
            if name.endswith("EventTrigger"):
                assert "AssetWatcher(" in included
            elif name.endswith("Trigger"):
                assert "deferrable=True" in included
        shown |= names
    classes = _public_classes()
    assert shown | awaiting == classes, (shown | awaiting) ^ classes
    assert not shown & awaiting
    examples = "\n".join(path.read_text(encoding="utf-8") for path in ROOT.glob("dags_examples/*.py"))
    used_now = {name for name in awaiting if _calls(name, examples)}
    assert not used_now, f"an example DAG uses {sorted(used_now)}: give each a section in docs/examples.md"


# --- figures: drawn from timing for real triggers ---------------------------------------------------


def test_the_device_time_figure_is_the_occurrence_timing_gives_arriving_hour_by_hour() -> None:
    arrivals = figures.device_time_arrivals()

    (expected,) = timing.occurrences(figures.DEVICE_TIME_TRIGGER)
    assert arrivals.occurrence == expected
    offsets = [hours for hours, _ in arrivals.by_offset]
    instants = [instant for _, instant in arrivals.by_offset]
    assert offsets == list(range(14, -13, -1))
    assert instants[0] == expected.earliest == pendulum.datetime(2026, 12, 31, 19, tz="UTC")
    assert instants[-1] == expected.latest == pendulum.datetime(2027, 1, 1, 21, tz="UTC")
    assert {(later - earlier).in_seconds() for earlier, later in itertools.pairwise(instants)} == {3600}


def test_the_month_end_figure_shows_what_fires_and_what_the_months_lack() -> None:
    calendar = figures.month_end_calendar()

    assert calendar.fired == tuple(
        occurrence.wall_time.date() for occurrence in timing.occurrences(figures.MONTH_END_TRIGGER)
    )
    assert (calendar.year, calendar.points, len(calendar.fired)) == (2028, (29, 30, 31), 30)
    assert date(2028, 2, 29) in calendar.fired  # a leap year
    assert calendar.skipped == ((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31))


def test_each_figure_is_placed_on_a_page_with_a_caption_from_its_data() -> None:
    embeds = figures.embeds()
    used = {match["name"] for page in PAGES for match in GENERATED.finditer(page.read_text(encoding="utf-8"))}
    assert set(embeds) <= used
    placed = embeds["figure-device-time-arrivals"]("")
    assert placed.startswith("![")
    assert "(figures/device-time-arrivals.svg)" in placed
    assert json.dumps(figures.DEVICE_TIME_TRIGGER) in placed
    assert "26 hours" in placed
    assert "(../figures/month-end-calendar.svg)" in embeds["figure-month-end-calendar"]("reference")
    assert "30 Feb, 31 Feb, 31 Apr, 31 Jun, 31 Sep, 31 Nov" in embeds["figure-month-end-calendar"]("")
    assert {name.removeprefix("figure-") + ".svg" for name in embeds} == set(figures.FIGURES)


def test_the_figures_draw_as_svg() -> None:
    import matplotlib  # noqa: F401  (the docs extra; tests/conftest.py)

    for name, draw in figures.FIGURES.items():
        svg = draw()
        assert b"<svg" in svg[:500], name


# --- troubleshooting: the code tables are generated from the spec modules -------------------------


def test_the_troubleshooting_page_places_both_generated_tables() -> None:
    text = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    assert {match["name"] for match in GENERATED.finditer(text)} >= set(codes.TABLES)


def test_the_engagelab_table_has_every_documented_code_once_and_the_hooks_own_behaviour() -> None:
    rows = {row.code: row for row in codes.engagelab_rows()}

    assert set(rows) == set(engagelab_spec.CODE_MEANINGS) - engagelab_spec.SUCCESS_CODES
    assert all(row.meaning == engagelab_spec.CODE_MEANINGS[code] for code, row in rows.items())
    retry_later, server_error = rows[28203], rows[28200]
    assert (retry_later.read_retried, retry_later.create_retried) == (True, True)  # certainly not applied
    assert (server_error.read_retried, server_error.create_retried) == (True, False)  # may have been
    assert rows[28101].task_fails_at_once
    assert "Check the AppKey (login)" in rows[28101].hint
    assert rows[28104].raises == "EngageLabNotFoundError"
    assert rows[28105].raises == "EngageLabApiError"  # HTTP 404, yet not a missing schedule
    assert rows[engagelab_spec.NO_SENDING_TARGET].raises == ""  # a msg-id record, not an answer
    table = codes.markdown_table(rows.values())
    assert all(table.count(f"| `{code}` |") == 1 for code in rows)


def test_the_pai_table_has_every_envelope_code_and_every_gateway_code_the_spec_names() -> None:
    rows = codes.pai_rows()
    listed = {code for row in rows for code in str(row.code).split(", ")}

    expected = {str(code) for code in pai_spec.CODE_MEANINGS} | set(pai_spec.SIGNATURE_REFUSALS)
    expected |= {pai_spec.GATEWAY_THROTTLED, pai_spec.GATEWAY_INTERNAL_ERROR, pai_spec.GATEWAY_UNAVAILABLE}
    assert listed == expected
    assert all(row.meaning for row in rows)
    by_code = {str(row.code): row for row in rows}
    assert by_code["404"].raises == "PaiEngagementNotFoundError"
    assert (by_code["429"].read_retried, by_code["429"].create_retried) == (True, True)
    assert by_code[pai_spec.GATEWAY_THROTTLED].create_retried


# --- the API reference's docstrings: Sphinx roles read as Markdown --------------------------------


def test_sphinx_roles_become_optional_links_and_literal_block_markers_colons() -> None:
    import griffe

    from docsgen.griffe_roles import markdown_of

    module = griffe.Module("airflow_provider_engage")
    text = "See :class:`~airflow_provider_engage.timing.Occurrence` and :func:`nowhere`. Like this::"

    assert markdown_of(module, text) == (
        'See <autoref identifier="airflow_provider_engage.timing.Occurrence" optional>'
        "<code>Occurrence</code></autoref> and `nowhere`. Like this:"
    )


# --- the performance page: generated from bench/results.json ------------------------------------

PERFORMANCE = DOCS / "performance.md"


def _performance_page(results: dict[str, object]) -> str:
    """docs/performance.md as the site build renders its generated parts from ``results``."""
    embeds = performance.embeds(results)
    return GENERATED.sub(lambda match: embeds[match["name"]](""), PERFORMANCE.read_text(encoding="utf-8"))


def test_the_performance_page_places_every_benchmark_the_run_and_the_proof_campaigns() -> None:
    results = performance.load()
    placed = {match["name"] for match in GENERATED.finditer(PERFORMANCE.read_text(encoding="utf-8"))}

    assert placed == set(performance.embeds(results))
    assert {f"performance-{name.replace('_', '-')}" for name in results["benchmarks"]} <= placed


def test_a_figure_changed_in_the_results_is_what_the_page_shows() -> None:
    results = performance.load()
    changed = copy.deepcopy(results)
    (figure, *_) = changed["benchmarks"]["hook_overhead"]["figures"]
    figure.update(value=98765.0, peer_value=12345.0, ratio=8.0, met=False)

    before, after = _performance_page(results), _performance_page(changed)

    assert "98,765 µs" not in before
    assert f"| {figure['name']} | 98,765 µs | <= 1.2x the peer: **missed** |" in after
    assert "| 12,345 µs | 8.00x |" in after  # 98,765 / 12,345
    assert changed["benchmarks"]["hook_overhead"]["command"] in after


def test_each_proof_campaign_shows_as_a_table_of_what_it_recorded_whatever_its_name() -> None:
    results = copy.deepcopy(performance.load())
    results["proof"] = {
        "command": "pytest tests/proof",
        "exit_code": 0,
        "passed": True,
        "seconds": 61.0,
        "campaigns": {"made_up_campaign": {"size": "full", "duplicates": 0, "attempts": {"p99": 3}}},
    }

    page = _performance_page(results)

    assert "#### made_up_campaign\n\n| figure | value |\n|---|---|\n" in page
    assert "| size | full |\n| duplicates | 0 |\n| attempts.p99 | 3 |\n" in page  # as recorded
    results["proof"].update(campaigns={}, exit_code=5)  # pytest collected no campaign
    assert "No campaign has recorded figures yet: `tests/proof` holds none." in _performance_page(results)
    results["proof"].update(exit_code=1, passed=False)
    assert "and **failed** (pytest exit code 1)" in _performance_page(results)


def test_the_performance_charts_are_drawn_from_the_results_as_svg() -> None:
    import matplotlib  # noqa: F401  (the docs extra; tests/conftest.py)

    results = performance.load()
    drawn = performance.charts(results)

    assert "performance-hook-overhead.svg" in drawn
    assert "performance-cpu-profile-groups.svg" in drawn
    changed = copy.deepcopy(results)
    changed["benchmarks"]["hook_overhead"]["figures"][0]["name"] = "a renamed figure"
    svg = performance.charts(changed)["performance-hook-overhead.svg"]()
    assert b"<svg" in svg[:500]
    assert b"a renamed figure" in svg
