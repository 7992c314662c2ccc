"""Reading ``python -X importtime``: what a module added on top of ``airflow.sdk``, and which heavy
libraries it pulled in."""

from __future__ import annotations

from bench import import_cost

# What ``-X importtime`` prints after the baseline: (self µs | cumulative µs | name indented by depth).
IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       300 |        300 |     yarl._quoting
import time:      1200 |       1500 |   yarl
import time:      2000 |       9000 |     aiohttp.client
import time:      4000 |      13000 |   aiohttp
import time:       500 |      15000 | airflow_provider_engage.triggers.engagelab
import time:       250 |        250 | airflow_provider_engage.waits
"""


def lines() -> list[tuple[int, int, str]]:
    return import_cost.parsed(IMPORTTIME.splitlines())


def test_each_line_is_read_as_its_cumulative_time_depth_and_module() -> None:
    assert lines()[:2] == [(300, 2, "yarl._quoting"), (1500, 1, "yarl")]
    assert lines()[-1] == (250, 0, "airflow_provider_engage.waits")


def test_the_added_time_counts_each_top_level_import_once_with_what_it_loaded() -> None:
    # 15 ms for the trigger module (yarl and aiohttp included) and 0.25 ms for the next import.
    assert import_cost.added_ms(lines()) == 15.25


def test_the_heavy_libraries_an_import_pulled_in_are_named() -> None:
    assert import_cost.heavy_pulled(lines()) == ["aiohttp", "yarl"]
    assert import_cost.heavy_pulled([(250, 0, "airflow_provider_engage.waits")]) == []
