"""``make bench``: every benchmark and the proof campaigns' full form, gathered into ``bench/results.json``.

Each benchmark runs in a process of its own (``python -m bench.<name> --json ...``) at the size
:data:`BENCHMARKS` gives, one after another, so they do not compete for this machine's cores.
Then the proof suite runs in its full form (``ENGAGE_PROOF=full``), each campaign writing
``<campaign>.json`` into a folder whose files are folded in under ``"proof"`` as they are, so a
campaign added later appears without a change here. Last, the charts of the docs page are drawn
from the new results into ``bench/charts/`` (the site build draws the same from
``bench/results.json``, :mod:`docsgen.performance`).

A benchmark or campaign that fails is recorded as failed, the others still run, and the command
exits non-zero. ``--only`` and ``--no-proof`` update the results already written: what was not
run again keeps its last figures.

    .venv/bin/python -m bench.run_all [--only [NAME ...]] [--no-proof] [--out bench/results.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
CHARTS = ROOT / "bench" / "charts"
TIMEOUT_S = 600  # no benchmark takes half of that here; a hung one must not hang make bench
PROOF_TIMEOUT_S = 3600  # the campaigns in full, fuzz and secrets included, take about 30 minutes here

BENCHMARKS: dict[str, list[str]] = {
    "hook_overhead": ["--calls", "50", "--rounds", "21"],
    "cpu_profile": ["--calls", "300", "--rounds", "5"],
    "bulk_create": ["--count", "1000", "--vendor-count", "200", "--latency-ms", "50", "--runs", "3"],
    "import_cost": ["--runs", "5"],
    "sensor_calls": [],
    "deferred_triggers": ["--count", "1000"],
    "watcher_calls": [],
}
"""Each benchmark (a module of :mod:`bench`) and the arguments ``make bench`` runs it with."""

PROOF_COMMAND = "ENGAGE_PROOF=full ENGAGE_PROOF_OUT=<dir> .venv/bin/python -m pytest tests/proof"
NO_TESTS_COLLECTED = 5  # pytest's exit code when there is no campaign yet


def run_benchmark(name: str, args: list[str], out: Path) -> dict[str, Any]:
    """One benchmark's ``--json`` document, with the exact command and how long it ran."""
    path = out / f"{name}.json"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *args, "--json", str(path)],
        cwd=ROOT,
        check=False,
        timeout=TIMEOUT_S,
    )
    seconds = round(time.monotonic() - started, 1)
    if done.returncode != 0 or not path.is_file():
        return {"benchmark": name, "failed": f"exit code {done.returncode}", "seconds": seconds}
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    document["command"] = " ".join([document["command"], *args])
    document["seconds"] = seconds
    return document


def run_proof(out: Path) -> dict[str, Any]:
    """The proof campaigns in full; what each wrote, by campaign, and how the run ended."""
    environment = {**os.environ, "ENGAGE_PROOF": "full", "ENGAGE_PROOF_OUT": str(out)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/proof", "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        env=environment,
        check=False,
        timeout=PROOF_TIMEOUT_S,
    )
    campaigns = collect_campaigns(out)
    passed = done.returncode == 0 or (done.returncode == NO_TESTS_COLLECTED and not campaigns)
    return {
        "command": PROOF_COMMAND,
        "exit_code": done.returncode,
        "passed": passed,
        "seconds": round(time.monotonic() - started, 1),
        "campaigns": campaigns,
    }


def collect_campaigns(out: Path) -> dict[str, Any]:
    """Every ``<campaign>.json`` the campaigns wrote into ``out``, by campaign, as written."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(out.glob("*.json"))}


def machine() -> dict[str, Any]:
    """What the figures were measured on; the load average says how much else was running."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def load_previous(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    previous: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return previous


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        nargs="*",
        choices=sorted(BENCHMARKS),
        help="run just these benchmarks (none: the proof alone)",
    )
    parser.add_argument("--no-proof", action="store_true", help="skip the proof campaigns")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    started, host = time.monotonic(), machine()
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as scratch:
        out = Path(scratch)
        benchmarks = {}
        for name in BENCHMARKS if args.only is None else args.only:
            print(f"\n=== bench.{name} ===", flush=True)
            benchmarks[name] = run_benchmark(name, BENCHMARKS[name], out)
        proof = None
        if not args.no_proof:
            print("\n=== the proof campaigns, full form ===", flush=True)
            (out / "proof").mkdir()
            proof = run_proof(out / "proof")
    previous = load_previous(args.out) if args.only is not None or args.no_proof else {}
    results = {
        "generated": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "machine": {**host, "load_average_after": machine()["load_average"]},
        "seconds": round(time.monotonic() - started, 1),
        "benchmarks": {**previous.get("benchmarks", {}), **benchmarks},
        "proof": proof or previous.get("proof"),
    }
    if previous:
        results["seconds"] = previous.get("seconds", results["seconds"])  # what the whole of make bench took
    if previous and not benchmarks:  # the proof alone: the figures' when and where stay the benchmarks'
        results["generated"], results["machine"] = previous["generated"], previous["machine"]
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out} ({results['seconds']:.0f} s)")
    from docsgen import performance

    for path in performance.write_charts(results, CHARTS):
        print(f"wrote {path}")
    failed = [name for name, document in benchmarks.items() if "failed" in document]
    if proof is not None and not proof["passed"]:
        failed.append("tests/proof")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
