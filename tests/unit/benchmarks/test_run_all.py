"""``make bench`` folds in whatever the proof campaigns wrote, campaign by campaign, as written."""

from __future__ import annotations

import json
from pathlib import Path

from bench import run_all


def test_every_campaign_file_is_folded_in_by_its_name_and_others_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "no_duplicates.json").write_text(json.dumps({"size": "full", "creates": 1000}))
    (tmp_path / "lost_answers.json").write_text(json.dumps({"size": "full", "retried": {"p50": 2}}))
    (tmp_path / "pytest.log").write_text("not a campaign")

    assert run_all.collect_campaigns(tmp_path) == {
        "lost_answers": {"size": "full", "retried": {"p50": 2}},
        "no_duplicates": {"size": "full", "creates": 1000},
    }


def test_the_committed_results_hold_every_benchmark_make_bench_runs() -> None:
    results = json.loads(run_all.RESULTS.read_text(encoding="utf-8"))

    assert set(results["benchmarks"]) == set(run_all.BENCHMARKS)
    for name, document in results["benchmarks"].items():
        assert document["benchmark"] == name
        assert document["command"].startswith(f".venv/bin/python -m bench.{name}")
        assert document["figures"], name
