"""The transient fault mix the campaigns run under, what the emulator injected, and what a failure
said about its cause.

The mix is the share of requests that meet each fault: 20% 5xx (half 500, half 503), 10% 429,
5% dropped connections and 5% "commit then drop the answer". The emulator tries rules in order
and the first one drawn wins, so each rule's probability is its share of what the rules before it
left over.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

SHARES: tuple[tuple[str, int | None, float], ...] = (
    ("status", 500, 0.10),  # code 28200: inside the service, a create may have taken effect
    ("status", 503, 0.10),  # code 28203: not processed
    ("status", 429, 0.10),  # code 2002: throttled (no Retry-After: the hook backs off)
    ("drop", None, 0.05),
    ("commit_then_drop", None, 0.05),
)

FAULT_KINDS = ("status_500", "status_503", "status_429", "drop", "commit_then_drop")
"""The keys of :func:`injected`, one per share of the mix."""

# What a failed try may name, one per fault above (both drops read as "no answer").
CAUSES = frozenset({"HTTP 500, code 28200", "HTTP 503, code 28203", "HTTP 429, code 2002", "no answer"})
_CAUSE = re.compile(r"HTTP (?P<status>\d{3})(?:, code (?P<code>[\w.-]+))?|(?P<none>no answer from)")


def fault_rules(path: str = "/v4/") -> list[dict[str, Any]]:
    """The control API's rules for :data:`SHARES` on every request under ``path``."""
    rules, left = [], 1.0
    for kind, status, share in SHARES:
        rule: dict[str, Any] = {"kind": kind, "probability": share / left, "path": path}
        if status is not None:
            rule["status"] = status
        rules.append(rule)
        left -= share
    return rules


def injected(state: Mapping[str, Any]) -> dict[str, int]:
    """Faults the emulator injected, by kind and status, from its ``/_emulator/state``.

    Status faults are counted from the answers per status (nothing else answers 5xx or 429 with
    the rate limits off); the emulator's own tally says how many of the drops committed first.
    """
    answers: Counter[str] = Counter()
    for route, statuses in state["requests"].items():
        if "/_emulator" not in route:
            answers.update(statuses)
    kinds = state["faults"]["injected"]
    return {
        "status_500": answers["500"],
        "status_503": answers["503"],
        "status_429": answers["429"],
        "drop": kinds.get("drop", 0),
        "commit_then_drop": kinds.get("commit_then_drop", 0),
        "status_total": kinds.get("status", 0),  # the emulator's own tally, to check the above
    }


def causes_named(message: str) -> set[str]:
    """The causes a failure's text names: ``HTTP <status>, code <code>`` or ``no answer``."""
    found = set()
    for match in _CAUSE.finditer(message):
        if match["none"]:
            found.add("no answer")
        else:
            found.add(f"HTTP {match['status']}" + (f", code {match['code']}" if match["code"] else ""))
    return found


def unexplained(messages: Iterable[str]) -> list[str]:
    """The failures that name no cause, or blame one that was not injected."""
    return [
        message for message in messages if not causes_named(message) or not causes_named(message) <= CAUSES
    ]


def count_causes(messages: Iterable[str]) -> Counter[str]:
    """Failed tries by the causes their messages name (a bulk task's try may name several)."""
    counted: Counter[str] = Counter()
    for message in messages:
        counted.update(causes_named(message) or {"unnamed"})
    return counted
