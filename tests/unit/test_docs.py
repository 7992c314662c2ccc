"""The README's example DAG is real code: it builds a DAG with the operators as documented."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pendulum
import pytest

README = Path(__file__).parents[2] / "README.md"
OPERATORS = Path(__file__).parents[2] / "docs" / "operators.md"
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


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda page: page.name)
def test_the_docs_send_readers_only_to_pages_of_the_project(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if not target.startswith(("http://", "https://")):
            assert (page.parent / target).is_file(), f"{page.name} links to {target}, not in the project"
    # The design notes beside the project (seed documents, research) are not shipped with it.
    assert not re.search(r"shared/|research/|real-apis|\bthe seeds?\b|\bseed \d{3}", text, re.IGNORECASE)


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
