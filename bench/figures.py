"""What a benchmark reports: headline figures beside their peer and goal, medians of rounds, ``--json``.

Every benchmark prints its own table; its ``--json PATH`` file holds the same run as
``{"benchmark", "command", "figures": [Figure...], "details": {...}}`` so that ``make bench``
(:mod:`bench.run_all`) gathers them into ``bench/results.json`` and :mod:`bench.report` writes
the docs page from that. A figure's goal is written once, in the benchmark that measures it.
"""

from __future__ import annotations

import json
import operator
import statistics
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["Figure", "Goal", "interleaved_medians", "ratio_text", "report", "write_json"]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}


def ratio_text(ratio: float) -> str:
    """``1.08x``; a small ratio as a fraction, ``1/3,361``, which two decimals would show as 0.00x."""
    if 0 < ratio < 0.1:
        return f"1/{1 / ratio:,.0f}"
    return f"{ratio:.2f}x"


@dataclass(frozen=True)
class Goal:
    """``value <op> target``, or with ``of_ratio`` the figure's value divided by its peer's."""

    op: str
    target: float
    of_ratio: bool = False

    def __post_init__(self) -> None:
        if self.op not in _COMPARE:
            raise ValueError(f"a goal compares with one of {', '.join(_COMPARE)}, got {self.op!r}")

    def met(self, value: float, peer_value: float | None) -> bool:
        if not self.of_ratio:
            return _COMPARE[self.op](value, self.target)
        if not peer_value:
            return False  # a ratio to nothing proves nothing
        return _COMPARE[self.op](value / peer_value, self.target)

    def describe(self, unit: str) -> str:
        """``<= 1.2x the peer`` or ``< 50 ms``."""
        target = f"{self.target:g}"
        return f"{self.op} {target}x the peer" if self.of_ratio else f"{self.op} {target} {unit}".rstrip()


@dataclass(frozen=True)
class Figure:
    """One measured value, the peer's value measured in the same run, and the goal it answers."""

    name: str
    value: float
    unit: str
    peer: str | None = None
    peer_value: float | None = None
    goal: Goal | None = None

    @property
    def ratio(self) -> float | None:
        """Ours over the peer's, when there is a peer figure to divide by."""
        return self.value / self.peer_value if self.peer_value else None

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.goal.met(self.value, self.peer_value)

    def verdict(self) -> str:
        """``4073 µs, 0.87x bare requests.Session (4665 µs) (goal <= 1.2x the peer: met)``, for a
        benchmark's output."""
        value = f"{self.value:g} {self.unit}".rstrip()
        if self.ratio is not None:
            of = " of" if self.ratio < 0.1 else ""
            theirs = f"{self.peer_value:g} {self.unit}".rstrip()
            value += f", {ratio_text(self.ratio)}{of} {self.peer} ({theirs})"
        if self.goal is None:
            return value
        return f"{value} (goal {self.goal.describe(self.unit)}: {'met' if self.met else 'MISSED'})"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        data["met"] = self.met
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Figure:
        goal = data.get("goal")
        return cls(
            name=data["name"],
            value=data["value"],
            unit=data["unit"],
            peer=data.get("peer"),
            peer_value=data.get("peer_value"),
            goal=Goal(**goal) if goal else None,
        )


def interleaved_medians(contenders: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Each contender measured ``rounds`` times, turn about (the order reversed every other round so
    neither always goes first), and the median of each: a noisy machine slows both alike."""
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else reversed(names):
            samples[name].append(contenders[name]())
    return {name: statistics.median(values) for name, values in samples.items()}


def write_json(
    path: str | Path, benchmark: str, command: str, figures: list[Figure], details: Mapping[str, Any]
) -> None:
    """The ``--json`` file of one benchmark run."""
    document = {
        "benchmark": benchmark,
        "command": command,
        "figures": [figure.to_json() for figure in figures],
        "details": details,
    }
    Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def report(
    json_path: str | None, benchmark: str, command: str, figures: list[Figure], details: Mapping[str, Any]
) -> None:
    """How a benchmark ends: each figure's verdict printed, and the ``--json`` file when asked for."""
    print()
    for figure in figures:
        print(f"  {figure.name}: {figure.verdict()}")
    if json_path:
        write_json(json_path, benchmark, command, figures, details)
