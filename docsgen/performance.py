"""The "Reliability and performance" page, generated from ``bench/results.json`` (``make bench``).

What a page marks ``<!-- generated: NAME -->`` becomes, by name (:func:`embeds`):

- ``performance-run``: when and on what the results were measured, and how long ``make bench`` took;
- ``performance-<benchmark>`` (``bench.hook_overhead`` is ``performance-hook-overhead``): each
  figure beside its goal and the peer's figure from the same run, the command that reproduces
  it, and the chart of those figures (:data:`charts`);
- ``performance-cpu-profile-groups``: where a request's CPU time goes, group by group;
- ``performance-proof``: every reliability campaign that wrote figures, each as a table of its
  keys and values, whatever the campaign (a new one appears without a change here).

The charts are drawn from the same results (matplotlib, the ``docs`` extra): by the site build
into ``figures/``, and by ``make bench`` into ``bench/charts/``.

    python -m docsgen.performance [RESULTS] OUT_DIR    # writes the charts as OUT_DIR/<name>.svg
"""

from __future__ import annotations

import json
import posixpath
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from bench.figures import ratio_text
from bench.run_all import NO_TESTS_COLLECTED
from docsgen.figures import FIGURES_DIR, FIRED, QUIET, _pyplot, _svg

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results.json"
PEER = "#9e9e9e"


def load(path: Path = RESULTS) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def marker_name(benchmark: str) -> str:
    return "performance-" + benchmark.replace("_", "-")


# --- the tables ---------------------------------------------------------------------------------


def number(value: Any) -> str:
    """A figure as the page shows it: whole numbers plain, others to three significant digits."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def _with_unit(value: Any, unit: str) -> str:
    return f"{number(value)} {unit}".rstrip() if value is not None else "–"


def _goal(figure: Mapping[str, Any]) -> str:
    goal = figure.get("goal")
    if not goal:
        return ""
    target = f"{goal['target']:g}"
    text = (
        f"{goal['op']} {target}x the peer" if goal["of_ratio"] else f"{goal['op']} {target} {figure['unit']}"
    )
    met = {True: "met", False: "**missed**", None: ""}[figure.get("met")]
    return f"{text.rstrip()}: {met}"


def figures_table(document: Mapping[str, Any]) -> str:
    """One benchmark's figures, its goal and the peer beside each, and how to measure them again."""
    if "failed" in document:
        return f"*The last `make bench` could not measure this ({document['failed']}).*\n"
    lines = ["| figure | measured | goal | peer | peer's figure | ratio |", "|---|---|---|---|---|---|"]
    for figure in document["figures"]:
        ratio = "" if figure.get("ratio") is None else ratio_text(figure["ratio"])
        peer = figure.get("peer") or ""
        peers_figure = _with_unit(figure.get("peer_value"), figure["unit"]) if peer else ""
        lines.append(
            f"| {figure['name']} | {_with_unit(figure['value'], figure['unit'])} | {_goal(figure)} "
            f"| {peer} | {peers_figure} | {ratio} |"
        )
    took = f" (ran {number(document['seconds'])} s)" if "seconds" in document else ""
    return "\n".join(lines) + f"\n\nReproduce: `{document['command']}`{took}\n"


def cpu_groups_table(document: Mapping[str, Any]) -> str:
    """µs of CPU per call in each group, the hook's and the vendor client's, and why the hook spends it."""
    groups: Mapping[str, Mapping[str, float]] = document["details"]["profiled_us_per_call_by_group"]
    why: Mapping[str, str] = document["details"]["why"]
    ours, vendor = groups
    rows = sorted(set(groups[ours]) | set(groups[vendor]), key=lambda group: -groups[ours].get(group, 0))
    lines = [f"| group | {ours}, µs | {vendor}, µs | why the provider spends it |", "|---|---|---|---|"]
    for group in rows:
        lines.append(
            f"| {group} | {number(groups[ours].get(group, 0))} | {number(groups[vendor].get(group, 0))} "
            f"| {why.get(group, '')} |"
        )
    return "\n".join(lines) + "\n"


def flattened(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """A campaign's figures as ``(dotted key, value)``; a list of plain values reads as one value."""
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flattened(value, f"{name}.")
        elif isinstance(value, list) and all(not isinstance(item, Mapping | list) for item in value):
            yield name, ", ".join(number(item) for item in value)
        elif isinstance(value, list):
            yield name, json.dumps(value)
        else:
            yield name, value


def proof_tables(proof: Mapping[str, Any] | None) -> str:
    """Every campaign's figures, in the order of their names; what the run did, when none wrote any."""
    if proof is None:
        return "*The last `make bench` did not run the proof campaigns.*\n"
    if proof["exit_code"] == NO_TESTS_COLLECTED:
        return (
            f"*No campaign has recorded figures yet: `tests/proof` holds none.* Run: `{proof['command']}`\n"
        )
    verdict = "passed" if proof["passed"] else f"**failed** (pytest exit code {proof['exit_code']})"
    head = (
        f"The campaigns ran in {number(proof['seconds'])} s and {verdict}. Reproduce: `{proof['command']}`\n"
    )
    if not proof["campaigns"]:
        return head + "\n*No campaign has recorded figures yet.*\n"
    sections = []
    for campaign, figures in sorted(proof["campaigns"].items()):
        lines = [f"#### {campaign}", "", "| figure | value |", "|---|---|"]
        lines += [f"| {key} | {number(value)} |" for key, value in flattened(figures)]
        sections.append("\n".join(lines) + "\n")
    return head + "\n" + "\n".join(sections)


def run_summary(results: Mapping[str, Any]) -> str:
    host = results["machine"]
    benchmarks = sum(document.get("seconds", 0) for document in results["benchmarks"].values())
    proof = results.get("proof")
    load = host.get("load_average")
    shared = (
        f", with a load average of {number(load[0])} as it started (other work shares the machine)"
        if load
        else ""
    )
    return (
        f"Measured {results['generated'].replace('T', ' ').replace('+00:00', ' UTC')} on "
        f"{host['cpus']} CPUs ({host['platform']}, Python {host['python']}){shared}; "
        f"in `make bench` the benchmarks took {number(benchmarks / 60)} minutes"
        + (f" and the proof campaigns {number(proof['seconds'] / 60)}.\n" if proof else ".\n")
    )


# --- the charts ---------------------------------------------------------------------------------


def _peered(document: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """The figures that have a peer's figure, by unit (one panel each)."""
    panels: dict[str, list[Mapping[str, Any]]] = {}
    for figure in document.get("figures", []):
        if figure.get("peer_value") is not None:
            panels.setdefault(figure["unit"], []).append(figure)
    return panels


def draw_beside_peer(document: Mapping[str, Any]) -> bytes:
    """Each figure and its peer's, a pair of bars, one panel per unit; logarithmic when they differ
    by more than twentyfold, as a hundred calls beside ten thousand do."""
    plt = _pyplot()
    panels = _peered(document)
    heights = [len(figures) for figures in panels.values()]
    figure, axes_list = plt.subplots(
        len(panels),
        1,
        figsize=(9, 0.55 * sum(heights) + 1.1 * len(panels)),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    for axes, (unit, figures) in zip(axes_list[:, 0], panels.items(), strict=True):
        rows = range(len(figures))
        ours = [figure["value"] or 0 for figure in figures]
        peers = [figure["peer_value"] or 0 for figure in figures]
        axes.barh([row + 0.2 for row in rows], ours, height=0.4, color=FIRED, label="this provider")
        axes.barh([row - 0.2 for row in rows], peers, height=0.4, color=PEER, label="the peer")
        axes.set_yticks(list(rows))
        axes.set_yticklabels([f"{figure['name']}\nvs {figure['peer']}" for figure in figures], fontsize=8)
        axes.invert_yaxis()
        positive = [value for value in ours + peers if value > 0]
        if positive and max(positive) / min(positive) > 20:
            axes.set_xscale("log")
        axes.set_xlabel(unit)
        axes.grid(True, axis="x", color=QUIET, linewidth=0.5)
    axes_list[0, 0].legend(loc="lower right", fontsize=8)
    axes_list[0, 0].set_title(f"bench.{document['benchmark']}: this provider beside its peer", loc="left")
    return _svg(figure)


def draw_cpu_groups(document: Mapping[str, Any]) -> bytes:
    """A request's CPU time, the hook's and the vendor client's, stacked by group."""
    plt = _pyplot()
    groups: Mapping[str, Mapping[str, float]] = document["details"]["profiled_us_per_call_by_group"]
    clients = list(groups)
    names = sorted(
        {name for spent in groups.values() for name in spent}, key=lambda g: -groups[clients[0]].get(g, 0)
    )
    figure, axes = plt.subplots(figsize=(9, 2.8))
    colours = plt.get_cmap("tab20").colors
    left = [0.0] * len(clients)
    for index, name in enumerate(names):
        widths = [groups[client].get(name, 0) for client in clients]
        axes.barh(clients, widths, left=left, color=colours[index % len(colours)], label=name)
        left = [start + width for start, width in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("µs of CPU per create_schedule call, under cProfile")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=4, fontsize=7, frameon=False)
    axes.set_title("Where a request's CPU time goes", loc="left")
    return _svg(figure)


def charts(results: Mapping[str, Any]) -> dict[str, Callable[[], bytes]]:
    """Every chart the results give, by file name: one per benchmark with peer figures, and the
    CPU profile's groups."""
    drawn: dict[str, Callable[[], bytes]] = {}
    for name, document in results["benchmarks"].items():
        if _peered(document):
            drawn[f"{marker_name(name)}.svg"] = lambda document=document: draw_beside_peer(document)
    profile = results["benchmarks"].get("cpu_profile", {})
    if "details" in profile:
        drawn["performance-cpu-profile-groups.svg"] = lambda: draw_cpu_groups(profile)
    return drawn


def write_charts(results: Mapping[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in charts(results).items():
        (out / name).write_bytes(draw())
        written.append(out / name)
    return written


# --- on the page ----------------------------------------------------------------------------------


def _chart(file_name: str, page_dir: str, alt: str) -> str:
    path = posixpath.relpath(f"{FIGURES_DIR}/{file_name}", page_dir or ".")
    return f"\n![{alt}]({path})\n"


def embeds(results: Mapping[str, Any]) -> dict[str, Callable[[str], str]]:
    """What each ``<!-- generated: performance-... -->`` becomes; each takes the page's directory."""
    drawn = charts(results)
    found: dict[str, Callable[[str], str]] = {
        "performance-run": lambda page_dir: run_summary(results),
        "performance-proof": lambda page_dir: proof_tables(results.get("proof")),
    }
    for name, document in results["benchmarks"].items():
        marker = marker_name(name)

        def table(page_dir: str, document: Mapping[str, Any] = document, marker: str = marker) -> str:
            chart = f"{marker}.svg"
            alt = f"bench.{document['benchmark']}, beside its peer"
            return figures_table(document) + (_chart(chart, page_dir, alt) if chart in drawn else "")

        found[marker] = table
    if "performance-cpu-profile-groups.svg" in drawn:
        profile = results["benchmarks"]["cpu_profile"]
        found["performance-cpu-profile-groups"] = lambda page_dir: (
            cpu_groups_table(profile)
            + _chart(
                "performance-cpu-profile-groups.svg", page_dir, "Where a request's CPU time goes, by group"
            )
        )
    return found


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python -m docsgen.performance [RESULTS] OUT_DIR", file=sys.stderr)
        return 2
    results = load(Path(argv[0])) if len(argv) == 2 else load()
    for path in write_charts(results, Path(argv[-1])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
