"""Horizontal bar charts drawn on the server as SVG (no scripts, no style attributes: the CSP
allows neither). Only geometry lives here; the template draws it and puts the numbers in a
table under each chart, which is the text alternative."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from core.contact import metrics, reports
from core.ivr import metrics as ivr_metrics

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 90
BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 6
LEGEND_HEIGHT = 22
MAX_LABEL = 30

# Bootstrap Italia palette; every colour has a 4.5:1 contrast on white.
BLUE = "#0066cc"
GREEN = "#008055"
RED = "#cc334d"
GREY = "#5c6f82"


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    fill: str


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int  # top of the bar
    text_y: int  # baseline of the label and value
    segments: tuple[Segment, ...]
    value_x: float


@dataclass(frozen=True)
class LegendItem:
    x: int
    text: str
    fill: str


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    label_width: int
    bar_area: int
    bar_height: int
    bars: tuple[Bar, ...]
    legend: tuple[LegendItem, ...]
    legend_y: int
    target_x: float | None = None
    target_text: str = ""


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(chart_id: str, title: str, description: str,
              rows: Sequence[tuple[str, Sequence[float], str]], maximum: float,
              fills: Sequence[str] = (BLUE,), legend: Sequence[str] = (),
              target: float | None = None, target_text: str = "") -> BarChart:
    """``rows`` are ``(label, segment values, value text)``; segments are stacked left to right
    with ``fills``; ``maximum`` is the value drawn at full width; ``target`` draws a marker."""
    scale = BAR_AREA / maximum if maximum > 0 else 0
    bars = []
    for index, (label, values, text) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        x = float(LABEL_WIDTH)
        segments = []
        for value, fill in zip(values, fills, strict=False):
            width = round(max(value, 0) * scale, 1)
            if width > 0:
                segments.append(Segment(round(x, 1), width, fill))
            x += width
        bars.append(Bar(_short(label), text, y, y + BAR_HEIGHT - 4, tuple(segments),
                        round(x + 6, 1)))
    legend_y = TOP + len(rows) * ROW_HEIGHT + 4
    items = tuple(LegendItem(LABEL_WIDTH + i * 150, text, fill)
                  for i, (text, fill) in enumerate(zip(legend, fills, strict=False)))
    height = legend_y + (LEGEND_HEIGHT if items or target is not None else 0)
    target_x = None if target is None else round(LABEL_WIDTH + target * scale, 1)
    return BarChart(chart_id, title, description, WIDTH, height, LABEL_WIDTH, BAR_AREA,
                    BAR_HEIGHT, tuple(bars), items, legend_y, target_x, target_text)


def _share_rows(rows) -> list[tuple[str, list[float], str]]:
    result = []
    for row, label in rows:
        decided = row.outcome.decided
        values = ([100 * row.outcome.on_time / decided, 100 * row.outcome.breaches / decided]
                  if decided else [])
        result.append((label, values, reports.percent(row.outcome.share)))
    return result


def dashboard_charts(data: metrics.Dashboard, max_agents: int = 15) -> dict[str, BarChart]:
    """The charts of the dashboard page, keyed like the tables they summarise."""
    on_time = (_("On time"), _("Late or overdue"))
    described = _("The numbers are in the table under the chart.")
    charts = {
        "on-time-by-channel": bar_chart(
            "chart-channel", _("Answered within the charter term, by channel"), described,
            _share_rows((r, reports.channel_label(r.key)) for r in data.by_channel), 100,
            (GREEN, RED), on_time),
        "on-time-by-type": bar_chart(
            "chart-type", _("Answered within the charter term, by type of request"), described,
            _share_rows((r, reports.type_label(r.key)) for r in data.by_type), 100,
            (GREEN, RED), on_time),
        "backlog": bar_chart(
            "chart-backlog", _("Open cases by age"), described,
            [(reports.bucket_label(r.key), [r.count - r.overdue, r.overdue], str(r.count))
             for r in data.backlog],
            max((r.count for r in data.backlog), default=0),
            (BLUE, RED), (_("Within the term"), _("Past a due time"))),
        "satisfaction": bar_chart(
            "chart-satisfaction", _("Positive survey answers (4 or 5)"), described,
            [(reports.channel_label(r.key), [100 * float(r.share)] if r.share is not None else [],
              reports.percent(r.share)) for r in data.satisfaction],
            100, (BLUE,), (),
            target=100 * float(metrics.SATISFACTION_TARGET),
            target_text=_("Charter target: %(percent)s",
                          percent=reports.percent(metrics.SATISFACTION_TARGET))),
    }
    agents = data.workload[:max_agents]
    charts["workload"] = bar_chart(
        "chart-workload", _("Open cases assigned to each operator"), described,
        [(a.name, [a.open_assigned], str(a.open_assigned)) for a in agents],
        max((a.open_assigned for a in agents), default=0), (BLUE,), ())
    return charts


def call_charts(calls: ivr_metrics.CallReport) -> dict[str, BarChart]:
    """The phone line's chart: calls offered to operators per queue, split by what happened."""
    rows = []
    for row in calls.by_queue:
        if not row.offered:
            continue
        later = row.answered - row.answered_in_time
        rows.append((ivr_metrics.queue_label(row.key),
                     [row.answered_in_time, later, row.abandoned], str(row.offered)))
    legend = (_("Answered within %(seconds)s s", seconds=calls.threshold), _("Answered later"),
              _("Abandoned"))
    return {"calls-by-queue": bar_chart(
        "chart-calls-queue", _("Calls offered to operators, by queue"),
        _("The numbers are in the table under the chart."), rows,
        max((row.offered for row in calls.by_queue if row.key), default=0),
        (GREEN, BLUE, RED), legend)}
