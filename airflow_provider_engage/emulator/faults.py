"""Trouble on demand: injected faults, by probability or for the next N requests.

Pure policy, no HTTP: the app's middleware asks :class:`FaultInjector` what to do with a request,
then acts on the answer. Draws come from one seeded ``random.Random``, so a sequence of requests
meets the same faults on every run. (Rate limits are :mod:`airflow_provider_engage.emulator.ratelimit`.)
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast, get_args

FaultKind = Literal["status", "latency", "drop", "commit_then_drop"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


class FaultRuleError(ValueError):
    """A fault rule sent to the control API is malformed."""


@dataclass
class FaultRule:
    """One kind of trouble for the requests it matches.

    ``method`` and ``path`` filter (``path`` is a prefix: ``/v4/schedules`` also matches
    ``/v4/schedules/<id>``). Exactly one of ``probability`` (each matching request, 0..1) and
    ``next`` (the next N matching requests, then the rule is spent) says how often.
    """

    kind: FaultKind
    probability: float | None = None
    next: int | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    code: int | None = None
    latency_ms: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FaultRule:
        known = {"kind", "probability", "next", "method", "path", "status", "code", "latency_ms"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FaultRuleError(f"unknown rule fields: {', '.join(unknown)}")
        kind = data.get("kind")
        if kind not in FAULT_KINDS:
            raise FaultRuleError(f"kind must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
        probability, count = data.get("probability"), data.get("next")
        if (probability is None) == (count is None):
            raise FaultRuleError("give exactly one of 'probability' and 'next'")
        if probability is not None and (
            not isinstance(probability, int | float)
            or isinstance(probability, bool)
            or not 0 <= probability <= 1
        ):
            raise FaultRuleError(f"probability must be a number from 0 to 1, got {probability!r}")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            raise FaultRuleError(f"next must be an integer >= 0, got {count!r}")
        status = data.get("status")
        if kind == "status" and (not isinstance(status, int) or not 400 <= status <= 599):
            raise FaultRuleError(f"a status rule needs 'status' from 400 to 599, got {status!r}")
        latency = data.get("latency_ms", 0)
        if not isinstance(latency, int) or latency < 0 or (kind == "latency" and latency == 0):
            raise FaultRuleError(f"latency_ms must be a positive integer, got {latency!r}")
        for key in ("method", "path"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise FaultRuleError(f"{key} must be a string")
        code = data.get("code")
        if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
            raise FaultRuleError(f"code must be an integer, got {code!r}")
        method = data.get("method")
        return cls(
            kind=cast(FaultKind, kind),
            probability=None if probability is None else float(probability),
            next=count,
            method=method.upper() if method else None,
            path=data.get("path"),
            status=status,
            code=code,
            latency_ms=latency,
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is None:
            return True
        prefix = self.path.rstrip("/")
        return path in (self.path, prefix) or path.startswith(prefix + "/")

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request: wait first, then at most one way of failing."""

    latency_ms: int = 0
    failure: FaultRule | None = None


class FaultInjector:
    """The configured rules and the seeded draws that decide which requests meet them."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._seed = seed
        self._random = random.Random(seed)
        self.injected: Counter[str] = Counter()

    def configure(self, rules: Iterable[FaultRule], seed: int | None = None) -> None:
        """Replace the rules; a seed restarts the draws so runs repeat exactly."""
        with self._lock:
            self._rules = list(rules)
            if seed is not None:
                self._seed = seed
            self._random = random.Random(self._seed)

    def clear(self) -> None:
        self.configure([])

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_dict() for rule in self._rules]

    def plan(self, method: str, path: str) -> FaultPlan:
        """Decide this request's faults; rules are tried in order, the first failure wins."""
        latency = 0
        failure: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                # Once a failure is chosen, later failure rules are not asked: they keep their count.
                if failure is not None and rule.kind != "latency":
                    continue
                if not rule.matches(method, path) or not self._draw(rule):
                    continue
                if rule.kind == "latency":
                    latency += rule.latency_ms
                    self.injected["latency"] += 1
                elif failure is None:
                    failure = rule
                    latency += rule.latency_ms
                    self.injected[rule.kind] += 1
        return FaultPlan(latency_ms=latency, failure=failure)

    def _draw(self, rule: FaultRule) -> bool:
        if rule.next is not None:
            if rule.next <= 0:
                return False
            rule.next -= 1
            return True
        assert rule.probability is not None
        return self._random.random() < rule.probability
