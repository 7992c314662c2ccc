"""The README's example DAG is real code: it builds a DAG with the operators as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[2] / "README.md"


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
