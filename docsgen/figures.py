"""The time model's figures, drawn from ``airflow_provider_engage.timing`` for real triggers.

Each figure is a pure data function (what the provider's own time rules say, checked by the
unit tests) and a drawing of that data (matplotlib, the ``docs`` extra). The site build draws
them afresh every time (:mod:`docsgen.mkdocs_hooks`), so a change to the rules changes the figures.

    python -m docsgen.figures OUT_DIR    # writes every figure as OUT_DIR/<name>.svg
"""

from __future__ import annotations

import io
import json
import posixpath
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pendulum

from airflow_provider_engage import timing
from airflow_provider_engage.timing.formats import instant_of

# --- (a) one zone_type 2 occurrence, arriving zone by zone ---------------------------------------

DEVICE_TIME_TRIGGER: dict[str, Any] = {"single": {"time": "2027-01-01 09:00:00", "zone_type": 2}}
"""A push at 09:00 on every device's own clock, New Year's Day 2027."""
OFFSETS_HOURS = tuple(range(14, -13, -1))
"""Every whole-hour UTC offset a device clock may show, from UTC+14 down to UTC-12."""


@dataclass(frozen=True)
class Arrivals:
    """When one zone_type 2 occurrence reaches each UTC offset (instants in UTC)."""

    occurrence: timing.Occurrence
    by_offset: tuple[tuple[int, pendulum.DateTime], ...]


def device_time_arrivals(trigger: Mapping[str, Any] = DEVICE_TIME_TRIGGER) -> Arrivals:
    """The occurrence ``timing.occurrences`` gives, and its wall clock as each offset's instant."""
    occurrence = next(iter(timing.occurrences(trigger)))
    by_offset = tuple(
        (hours, instant_of(occurrence.wall_time, pendulum.FixedTimezone(hours * 3600), field="figure"))
        for hours in OFFSETS_HOURS
    )
    return Arrivals(occurrence, by_offset)


# --- (b) a monthly trigger on the 29th, 30th and 31st, over a year --------------------------------

MONTH_END_TRIGGER: dict[str, Any] = {
    "periodical": {
        "start": "2028-01-01 00:00:00",
        "end": "2028-12-31 23:59:59",
        "time": "09:00:00",
        "time_unit": "month",
        "point": ["29", "30", "31"],
        "zone_type": 1,
    }
}
"""A leap year, so that 29 February fires and 30 and 31 February do not."""


@dataclass(frozen=True)
class MonthEndCalendar:
    """Which dates a monthly trigger fires on in one year, and which of its month days it skips."""

    year: int
    points: tuple[int, ...]
    fired: tuple[date, ...]
    skipped: tuple[tuple[int, int], ...]  # (month, day): a chosen day the month lacks


def month_end_calendar(trigger: Mapping[str, Any] = MONTH_END_TRIGGER) -> MonthEndCalendar:
    """The firings ``timing.occurrences`` gives for a trigger the service accepts (checked first)."""
    periodical = trigger["periodical"]
    start = timing.parse_api_datetime(periodical["start"], timing.SITE_TZ_DEFAULT)
    timing.validate_trigger(trigger, site_tz=timing.SITE_TZ_DEFAULT, now=start.subtract(days=1))
    fired = tuple(occurrence.wall_time.date() for occurrence in timing.occurrences(trigger))
    points = tuple(sorted(int(point) for point in periodical["point"]))
    fired_days = {(day.month, day.day) for day in fired}
    skipped = tuple(
        (month, day) for month in range(1, 13) for day in points if (month, day) not in fired_days
    )
    return MonthEndCalendar(start.year, points, fired, skipped)


# --- drawing --------------------------------------------------------------------------------------

FIRED = "#3f51b5"
SKIPPED = "#c62828"
QUIET = "#e0e0e0"
WINDOW = "#e8eaf6"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "airflow-provider-engage"})
    import matplotlib.pyplot as plt

    return plt


def _svg(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(figure)
    return out.getvalue()


def _utc(instant: pendulum.DateTime) -> datetime:
    return datetime(instant.year, instant.month, instant.day, instant.hour, instant.minute)


def draw_device_time_arrivals(arrivals: Arrivals) -> bytes:
    import matplotlib.dates as mdates

    plt = _pyplot()
    occurrence = arrivals.occurrence
    figure, axes = plt.subplots(figsize=(9, 6.5))
    offsets = [hours for hours, _ in arrivals.by_offset]
    instants = [_utc(instant) for _, instant in arrivals.by_offset]
    axes.axvspan(_utc(occurrence.earliest), _utc(occurrence.latest), color=WINDOW, zorder=0)
    axes.margins(x=0.06, y=0.04)
    axes.plot(instants, offsets, color=FIRED, linewidth=1, zorder=1)
    axes.scatter(instants, offsets, color=FIRED, s=22, zorder=2)
    wall = occurrence.wall_time.format("YYYY-MM-DD HH:mm:ss")
    for instant, hours, side, name in (
        (occurrence.earliest, offsets[0], "left", "earliest"),
        (occurrence.latest, offsets[-1], "right", "latest"),
    ):
        axes.annotate(
            f"{name}: {instant.format('YYYY-MM-DD HH:mm')} UTC",
            (_utc(instant), hours),
            xytext=(10 if side == "left" else -10, 0),
            textcoords="offset points",
            ha=side,
            va="center",
        )
    axes.set_yticks(offsets[::2])
    axes.set_yticklabels([f"UTC{hours:+d}" if hours else "UTC" for hours in offsets[::2]])
    axes.set_ylabel("the device's clock")
    axes.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 6)))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M"))
    axes.set_xlabel("instant (UTC)")
    hours_spanned = (occurrence.latest - occurrence.earliest).in_hours()
    axes.set_title(f"zone_type 2: {wall} on every device arrives over {hours_spanned} hours", loc="left")
    axes.grid(True, color=QUIET, linewidth=0.5)
    return _svg(figure)


def draw_month_end_calendar(calendar: MonthEndCalendar) -> bytes:
    from matplotlib.patches import Patch, Rectangle

    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(10, 4.6))
    fired = {(day.month, day.day) for day in calendar.fired}
    skipped = set(calendar.skipped)
    for month in range(1, 13):
        days_in_month = pendulum.date(calendar.year, month, 1).days_in_month
        for day in range(1, 32):
            x, y = day - 1, 12 - month
            if (month, day) in fired:
                axes.add_patch(Rectangle((x, y), 0.9, 0.8, color=FIRED))
            elif (month, day) in skipped:
                axes.add_patch(Rectangle((x, y), 0.9, 0.8, fill=False, edgecolor=SKIPPED, hatch="xxx"))
            elif day <= days_in_month:
                axes.add_patch(Rectangle((x, y), 0.9, 0.8, color=QUIET))
    axes.set_xlim(-0.2, 31)
    axes.set_ylim(-0.2, 12)
    axes.set_xticks([day - 0.55 for day in range(1, 32)])
    axes.set_xticklabels([str(day) for day in range(1, 32)], fontsize=7)
    axes.set_yticks([12 - month + 0.4 for month in range(1, 13)])
    axes.set_yticklabels([pendulum.date(calendar.year, month, 1).format("MMM") for month in range(1, 13)])
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    points = ", ".join(f'"{point:02d}"' for point in calendar.points)
    axes.set_title(
        f"time_unit month, point [{points}], {calendar.year}: "
        f"{len(calendar.fired)} firings, {len(calendar.skipped)} chosen days skipped",
        loc="left",
    )
    axes.legend(
        handles=[
            Patch(color=FIRED, label="fires"),
            Patch(fill=False, edgecolor=SKIPPED, hatch="xxx", label="chosen, but the month has no such day"),
            Patch(color=QUIET, label="not chosen"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=3,
        frameon=False,
    )
    return _svg(figure)


FIGURES: dict[str, Callable[[], bytes]] = {
    "device-time-arrivals.svg": lambda: draw_device_time_arrivals(device_time_arrivals()),
    "month-end-calendar.svg": lambda: draw_month_end_calendar(month_end_calendar()),
}
"""Every figure by its file name under ``figures/`` in the site."""


# --- on the page: the figure and a caption from the same data --------------------------------------


def _when(instant: pendulum.DateTime) -> str:
    return instant.in_timezone("UTC").format("YYYY-MM-DD HH:mm")


def device_time_arrivals_caption(arrivals: Arrivals) -> str:
    occurrence = arrivals.occurrence
    hours = (occurrence.latest - occurrence.earliest).in_hours()
    return (
        f"The push `{json.dumps(DEVICE_TIME_TRIGGER)}` as `timing.occurrences` gives it. Each dot is "
        f"the instant its wall clock comes to a device whose clock shows that UTC offset. The first "
        f"is the occurrence's `earliest` ({_when(occurrence.earliest)} UTC, at UTC+14), the last its "
        f"`latest` ({_when(occurrence.latest)} UTC, at UTC-12), {hours} hours later; the site's time "
        f"zone plays no part."
    )


def month_end_calendar_caption(calendar: MonthEndCalendar) -> str:
    skipped = ", ".join(pendulum.date(2000, month, 1).format(f"{day} MMM") for month, day in calendar.skipped)
    return (
        f"`{json.dumps(MONTH_END_TRIGGER)}` fires {len(calendar.fired)} times in {calendar.year}, as "
        f"`timing.occurrences` gives it. A chosen day that a month lacks is skipped, not moved to the "
        f"month's last day: {skipped}."
    )


def _embed(file_name: str, alt: str, caption: str) -> Callable[[str], str]:
    def markdown(page_dir: str) -> str:
        path = posixpath.relpath(f"{FIGURES_DIR}/{file_name}", page_dir or ".")
        return f"![{alt}]({path})\n\n*{caption}*\n"

    return markdown


FIGURES_DIR = "figures"


def embeds() -> dict[str, Callable[[str], str]]:
    """What a page's ``<!-- generated: NAME -->`` becomes: the figure and its caption, by name;
    each takes the directory of the page it goes on, to link the figure from there."""
    arrivals, calendar = device_time_arrivals(), month_end_calendar()
    return {
        "figure-device-time-arrivals": _embed(
            "device-time-arrivals.svg",
            "One zone_type 2 occurrence arriving from UTC+14 to UTC-12",
            device_time_arrivals_caption(arrivals),
        ),
        "figure-month-end-calendar": _embed(
            "month-end-calendar.svg",
            "Which days a monthly trigger on the 29th, 30th and 31st fires on over a year",
            month_end_calendar_caption(calendar),
        ),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m docsgen.figures OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        (out / name).write_bytes(draw())
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
