"""What importing each operator, sensor and trigger module adds to a DAG file, vs the HTTP provider's.

A DAG file runs with ``airflow.sdk`` loaded; what matters is what importing a module adds on top
of it, on every parse. Each figure is ``python -X importtime`` in a fresh interpreter: import
``airflow.sdk``, then the module; the module's cost is the cumulative time of everything the
second import loads. The peers are ``apache-airflow-providers-http``'s operator, sensor and
trigger modules, measured the same way in the same rounds (turn about, the median of
``--runs``), after one round that is not counted: it writes this project's bytecode caches
(``__pycache__``), as installing a wheel does, since a source tree run with
``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module on every import while the
peer's installed modules load compiled. The output also says which heavy libraries each import
pulled in: a DAG file should not pay for an HTTP client or a web framework it does not use.

    .venv/bin/python -m bench.import_cost [--runs 5] [--json bench/import_cost.json]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from typing import Any

from bench.figures import Figure, Goal, report

COMMAND = ".venv/bin/python -m bench.import_cost"
BASELINE = "airflow.sdk"
MARK = "-- baseline loaded --"
GOAL = Goal("<", 50.0)
HEAVY = ("aiohttp", "yarl", "requests", "urllib3", "tenacity", "fastapi", "starlette", "uvicorn", "pydantic")
PROVIDER = "airflow_provider_engage"
PEERS = {
    "operators": "airflow.providers.http.operators.http",
    "sensors": "airflow.providers.http.sensors.http",
    "triggers": "airflow.providers.http.triggers.http",
}
MODULES = [
    f"{PROVIDER}.{kind}.{vendor}"
    for kind in ("operators", "sensors", "triggers")
    for vendor in ("engagelab", "pai")
]


def importtime_lines(module: str) -> list[tuple[int, int, str]]:
    """``(cumulative µs, depth, name)`` of every import ``module`` made after the baseline."""
    code = f"import sys, {BASELINE}; print({MARK!r}, file=sys.stderr); import {module}"
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return parsed(done.stderr.split(MARK, 1)[1].splitlines())


def parsed(lines: list[str]) -> list[tuple[int, int, str]]:
    """``-X importtime`` lines as ``(cumulative µs, depth, name)``; its header and other output skipped."""
    found = []
    for line in lines:
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        found.append((int(cumulative), (len(name) - len(name.lstrip())) // 2, name.strip()))
    return found


def added_ms(lines: list[tuple[int, int, str]]) -> float:
    """What the import added: the top-level entries' cumulative times (each nested one is in them)."""
    shallowest = min(depth for _, depth, _ in lines)
    return sum(cumulative for cumulative, depth, _ in lines if depth == shallowest) / 1000


def heavy_pulled(lines: list[tuple[int, int, str]]) -> list[str]:
    names = {name for _, _, name in lines}
    return [library for library in HEAVY if library in names]


def measure(modules: list[str], runs: int) -> dict[str, dict[str, Any]]:
    """Each module imported ``runs`` times, every module once per round; medians."""
    samples: dict[str, list[float]] = {module: [] for module in modules}
    heavy: dict[str, list[str]] = {}
    for module in modules:
        importtime_lines(module)  # writes the bytecode caches; not counted
    for round_number in range(runs):
        for module in modules if round_number % 2 == 0 else reversed(modules):
            lines = importtime_lines(module)
            samples[module].append(added_ms(lines))
            heavy[module] = heavy_pulled(lines)
    return {
        module: {
            "added_ms": round(statistics.median(values), 1),
            "runs_ms": [round(value, 1) for value in values],
            "heavy_libraries": heavy[module],
        }
        for module, values in samples.items()
    }


def kind_of(module: str) -> str:
    """``operators``, ``sensors`` or ``triggers``: the package a module sits in, ours or the peer's."""
    return module.split(".")[-2]


def headline(details: dict[str, dict[str, Any]]) -> list[Figure]:
    return [
        Figure(
            name=f"import {module}, on top of {BASELINE}",
            value=details[module]["added_ms"],
            unit="ms",
            peer=PEERS[kind_of(module)],
            peer_value=details[PEERS[kind_of(module)]]["added_ms"],
            goal=GOAL,
        )
        for module in MODULES
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    details = measure([*MODULES, *PEERS.values()], args.runs)
    print(
        f"Import cost on top of {BASELINE}, median of {args.runs} fresh interpreters (python -X importtime)\n"
    )
    print(f"  {'module':<48} {'added ms':>9}   heavy libraries it loads")
    for module, row in details.items():
        print(f"  {module:<48} {row['added_ms']:>9.1f}   {', '.join(row['heavy_libraries']) or '-'}")
    report(args.json, "import_cost", COMMAND, headline(details), details)


if __name__ == "__main__":
    main()
