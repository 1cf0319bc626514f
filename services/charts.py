"""Charts as pictures: what they show (loaded here, prepared by pmo_rules/charts.py), drawn
with matplotlib's Agg backend into a PNG, uploaded by the dispatcher with `files_upload_v2`.

A chart travels as an outbox row (`method` FILE) whose payload holds its numbers, prepared when
the row is planned; the picture is drawn when the row is sent (bot/outbox_sender.py), so
drawing never happens before an ack, and a retry draws the same picture again.

Fonts: Chinese needs a CJK font. The project depends on `pylopdf-fonts-zh-cn` (PyPI, SIL OFL),
which ships Noto Sans SC as a file inside the package; `_font()` registers that file with
matplotlib's font manager on first use and asks for it first, DejaVu Sans (matplotlib's own)
second. Nothing is downloaded or looked up on the system.

Colour is never the only signal: RAG bands carry hatching and letters, heat-map cells their
count and level letter, scatter points a shape per quadrant; every picture has alt text that
says what it shows in words (templates/locales/*/chart.toml).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pmo_rules import charts as rules
from pmo_rules.config import Rules
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import in_portfolio
from services import access
from services.context import BotContext
from services.indicators import portfolio_indicators
from storage import access as access_store
from storage import charts as store
from storage import outbox
from storage import projects as project_store
from storage.projects import Project
from templates.render import Renderer

FILE = outbox.FILE
CHART = "chart"
"""The outbox kind of an uploaded chart."""
WIDTH, HEIGHT, DPI = 8.0, 4.5, 100
"""Every chart is 800 x 450 pixels: readable in Slack's preview, well under 200 KB."""

_BAND_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "none": "#BBBBBB"}
_BAND_HATCH = {"green": "", "amber": "//", "red": "xx", "none": ".."}
_BAND_LETTER = {"green": "G", "amber": "A", "red": "R", "none": "–"}
# ColorBrewer's OrRd: ordered light to dark, it reads for every kind of colour blindness.
_LEVEL_COLOURS = {"low": "#FEF0D9", "medium": "#FDCC8A", "high": "#FC8D59", "critical": "#D7301F"}
_QUADRANT_STYLE = {rules.ON_TRACK: ("o", "#009E73"), rules.LATE: ("s", "#E69F00"),
                   rules.OVER: ("^", "#0072B2"), rules.BOTH: ("X", "#D55E00")}
LABELLED_POINTS, LABELLED_WEAKEST = 25, 8
"""A scatter names every point up to 25 projects; beyond, only the 8 weakest."""

_font_lock = threading.Lock()
_font_family: list[str] | None = None


def _font() -> list[str]:
    """The font families to ask for, Noto Sans SC (from its package) first."""
    global _font_family
    with _font_lock:
        if _font_family is None:
            from matplotlib import font_manager
            try:
                import pylopdf_fonts_zh_cn
                path = str(pylopdf_fonts_zh_cn.sans_path())
                font_manager.fontManager.addfont(path)
                name = font_manager.FontProperties(fname=path).get_name()
                _font_family = [name, "DejaVu Sans"]
            except (ImportError, OSError, RuntimeError):  # without it, Chinese shows as boxes
                _font_family = ["DejaVu Sans"]
        return _font_family


# ---------------------------------------------------------------------------------------------
# What a chart shows
# ---------------------------------------------------------------------------------------------


def chart_data(ctx: BotContext, session: Session, chart: str, now: datetime,
               project: Project | None = None, *,
               excluding: Collection[int] = ()) -> dict[str, Any]:
    """One chart's numbers, of the portfolio (but the projects `excluding` names: the
    confidential ones its viewers may not see) or of one project."""
    return numbers(ctx.rules, session, chart, now, project, excluding=excluding)


def numbers(rules_in_force: Rules, session: Session, chart: str, now: datetime,
            project: Project | None = None, *,
            excluding: Collection[int] = ()) -> dict[str, Any]:
    """`chart_data` under these rules (the offline report has no bot context)."""
    subject = project.key if project is not None else None
    project_id = project.id if project is not None else None
    tz = rules_in_force.pmo.tz
    if chart == rules.RAG:
        projects, updates = store.rag_rows(session, rules.week_ends(now, tz)[0], project_id,
                                           excluding)
        return rules.rag_history(projects, updates, now, tz, subject=subject)
    if chart == rules.RISKS:
        risk = rules_in_force.risk
        return rules.risk_heat(store.risk_counts(session, project_id, excluding), risk.scale,
                               risk.levels, subject)
    today = now.astimezone(tz).date()
    counted = [f for f in portfolio_indicators(session, rules_in_force, today)
               if (project is None and in_portfolio(f.project.state)
                   and f.project.id not in excluding)
               or (project is not None and f.project.id == project.id)]
    if chart == rules.SLIP:
        limits = rules_in_force.indicators
        return rules.slip_bars(
            ((f.project.key, f.indicators.worst_slip.days, f.indicators.worst_slip.label)
             for f in counted if f.indicators.worst_slip is not None),
            limits.slip_amber_days, limits.slip_red_days, subject)
    return rules.indicator_points(((f.project.key, f.indicators.spi, f.indicators.cpi)
                                   for f in counted), subject)


def check_request(ctx: BotContext, request: rules.ChartRequest) -> None:
    """Refuse a chart of a project that does not exist (before the ack)."""
    if request.key is None:
        return
    with ctx.db.read() as session:
        if project_store.project_by_key(session, request.key) is None:
            raise UserError("project.unknown", key=request.key)


def send_to(ctx: BotContext, user: str, request: rules.ChartRequest) -> list[int]:
    """`/pmo chart`: the chart, to `user`'s DM only (an outbox row, sent at once after the
    commit); a project that does not exist, or nothing to draw, is said instead."""
    now = ctx.now()
    with ctx.db.read() as session:
        project = None
        if request.key is not None:
            project = project_store.project_by_key(session, request.key)
            if project is None:
                raise UserError("project.unknown", key=request.key)
        hidden = access.hidden_from(ctx, session, user) if project is None else frozenset()
        chart = chart_data(ctx, session, request.chart, now, project, excluding=hidden)
    if rules.is_empty(chart):
        raise UserError("chart.empty", chart=request.chart, key=request.key)
    with ctx.db.write() as session:
        ids = [enqueue_chart(session, channel=user, chart=chart, now=now, tz=ctx.rules.pmo.tz,
                             requested_by=user)]
    ctx.sender.send(ids)
    return ids


def portfolio_charts(ctx: BotContext, session: Session, now: datetime) -> list[dict[str, Any]]:
    """The weekly digest's charts: RAG history, risk heat map, SPI vs CPI where any project has
    both indices, and the milestone slip where any milestone slipped; a chart with nothing to
    draw (no project, no open risk, nothing slipped) is left out. The digest goes to a channel:
    confidential projects are left out of its charts, as of its text."""
    hidden = access_store.confidential_ids(session)
    found = [chart_data(ctx, session, name, now, excluding=hidden)
             for name in (*rules.CHARTS, rules.SLIP)]
    return [chart for chart in found if not rules.is_empty(chart)]


def enqueue_in_thread(session: Session, ctx: BotContext, thread: list[int],
                      found: list[dict[str, Any]], now: datetime) -> list[int]:
    """Charts as replies in the thread of the first of `thread` (a digest, a closing card),
    to its channel; [] when the thread was not planned (planned once already)."""
    if not thread:
        return []
    card = session.get(outbox.Delivery, thread[0])
    return [enqueue_chart(session, channel=card.channel, chart=chart, now=now,
                          tz=ctx.rules.pmo.tz, target_id=card.id,
                          requested_by=card.requested_by) for chart in found]


def enqueue_chart(session: Session, *, channel: str, chart: dict[str, Any], now: datetime,
                  tz, target_id: int | None = None, requested_by: str | None = None,
                  kind: str = CHART) -> int:
    """An upload of `chart` to `channel` (a user id: their DM), as a reply in the thread of
    delivery `target_id` when given; drawn and sent by the dispatcher after the commit."""
    payload = {"chart": chart, "day": now.astimezone(tz).date().isoformat()}
    return outbox.enqueue(session, kind=kind, channel=channel, payload=payload, now=now,
                          method=FILE, target_id=target_id, requested_by=requested_by).id


# ---------------------------------------------------------------------------------------------
# Words and pictures
# ---------------------------------------------------------------------------------------------


def title(renderer: Renderer, chart: dict[str, Any]) -> str:
    params: dict[str, Any] = {"subject": chart.get("subject")}
    if chart["chart"] == rules.RAG:
        params["weeks"] = len(chart["weeks"])
    return renderer.t(f"chart.{chart['chart']}.title", **params)


def alt_text(renderer: Renderer, chart: dict[str, Any]) -> str:
    """What the picture shows, in words (Slack's alt text; screen readers read it)."""
    summary = rules.summary(chart)
    extra = {}
    if chart["chart"] == rules.RAG:
        extra = {"first_band": _band_of(summary["first"]), "last_band": _band_of(summary["last"])}
    return renderer.t(f"chart.alt.{chart['chart']}", s=summary, subject=chart.get("subject"),
                      **extra)


def _band_of(counts: dict[str, int]) -> str:
    return next((band for band, n in counts.items() if n), rules.NONE)


def upload_args(renderer: Renderer, payload: dict[str, Any]) -> dict[str, Any]:
    """What `files_upload_v2` takes for a chart row: the PNG, its name, title and alt text."""
    chart = payload["chart"]
    name = title(renderer, chart)
    return {"file": render_png(renderer, chart), "title": name,
            "filename": rules.filename(chart, date.fromisoformat(payload["day"])),
            "alt_txt": alt_text(renderer, chart)[:1000],
            "initial_comment": renderer.t("chart.comment", title=name)}


def render_png(renderer: Renderer, chart: dict[str, Any]) -> bytes:
    """The chart as a PNG (800 x 450), drawn off any global pyplot state (thread-safe)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = chart_figure(renderer, chart)
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def use_fonts() -> None:
    """Ask matplotlib for Noto Sans SC first (see `_font`)."""
    from matplotlib import rcParams

    rcParams["font.family"] = _font()
    rcParams["axes.unicode_minus"] = False


def chart_figure(renderer: Renderer, chart: dict[str, Any], size=(WIDTH, HEIGHT)):
    """The chart drawn on a new matplotlib Figure (no pyplot state; any backend may save it)."""
    from matplotlib.figure import Figure

    use_fonts()
    figure = Figure(figsize=size, dpi=DPI)
    axes = figure.add_subplot()
    {rules.RAG: _draw_rag, rules.RISKS: _draw_risks, rules.INDICATORS: _draw_indicators,
     rules.SLIP: _draw_slip}[chart["chart"]](renderer, chart, axes)
    axes.set_title(title(renderer, chart), fontsize=12)
    figure.tight_layout()
    return figure


def _draw_rag(renderer: Renderer, chart: dict[str, Any], axes) -> None:
    weeks = [label[5:] for label in chart["weeks"]]  # MM-DD
    positions = range(len(weeks))
    bottoms = [0] * len(weeks)
    totals = [sum(chart["counts"][band][n] for band in rules.BANDS) for n in positions]
    tallest = max(totals) or 1
    for band in rules.BANDS:
        values = chart["counts"][band]
        bars = axes.bar(positions, values, bottom=bottoms, color=_BAND_COLOURS[band],
                        hatch=_BAND_HATCH[band], edgecolor="white", linewidth=0.6,
                        label=renderer.t(f"chart.band.{band}"))
        for bar, value, bottom in zip(bars, values, bottoms, strict=True):
            if value and value / tallest >= 0.07:
                text = _BAND_LETTER[band] if chart.get("subject") else f"{value}"
                axes.text(bar.get_x() + bar.get_width() / 2, bottom + value / 2, text,
                          ha="center", va="center", fontsize=8, color="black",
                          bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                                "alpha": 0.7})
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(list(positions), weeks, fontsize=8)
    axes.set_xlabel(renderer.t("chart.rag.x"))
    axes.set_ylabel(renderer.t("chart.rag.y", subject=chart.get("subject")))
    if chart.get("subject"):
        axes.set_yticks([])
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)


def _draw_risks(renderer: Renderer, chart: dict[str, Any], axes) -> None:
    from matplotlib.patches import Patch, Rectangle

    scale, grid, levels = chart["scale"], chart["grid"], chart["levels"]
    for row in range(scale):
        impact = scale - row
        for column in range(scale):
            level, count = levels[row][column], grid[row][column]
            axes.add_patch(Rectangle((column + 0.5, impact - 0.5), 1, 1,
                                     facecolor=_LEVEL_COLOURS[level], edgecolor="white",
                                     linewidth=1.5))
            axes.text(column + 0.58, impact + 0.38, renderer.t(f"chart.level_letter.{level}"),
                      ha="left", va="top", fontsize=7, color="#333333")
            if count:
                axes.text(column + 1, impact, str(count), ha="center", va="center",
                          fontsize=13,
                          color="white" if level == "critical" else "black")
    ticks = list(range(1, scale + 1))
    axes.set_xlim(0.5, scale + 0.5)
    axes.set_ylim(0.5, scale + 0.5)
    axes.set_xticks(ticks)
    axes.set_yticks(ticks)
    axes.set_aspect("equal")
    axes.set_xlabel(renderer.t("chart.risks.x"))
    axes.set_ylabel(renderer.t("chart.risks.y"))
    handles = [Patch(facecolor=_LEVEL_COLOURS[level], edgecolor="#999999",
                     label=f"{renderer.t(f'chart.level.{level}')}: {chart['by_level'][level]}")
               for level in reversed(rules.LEVELS)]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
                frameon=False)


def _draw_indicators(renderer: Renderer, chart: dict[str, Any], axes) -> None:
    points = chart["points"]
    spis = [p["spi"] for p in points] or [1.0]
    cpis = [p["cpi"] for p in points] or [1.0]
    low = min(0.6, min(spis) - 0.05, min(cpis) - 0.05)
    high = max(1.4, max(spis) + 0.05, max(cpis) + 0.05)
    axes.axvline(1.0, color="#666666", linewidth=0.8, linestyle="--")
    axes.axhline(1.0, color="#666666", linewidth=0.8, linestyle="--")
    for name in rules.QUADRANTS:
        marker, colour = _QUADRANT_STYLE[name]
        mine = [p for p in points if p["quadrant"] == name]
        axes.scatter([p["spi"] for p in mine], [p["cpi"] for p in mine], marker=marker,
                     s=36, color=colour, edgecolors="black", linewidths=0.4,
                     label=f"{renderer.t(f'chart.quadrant.{name}')}: {len(mine)}")
    named = points if len(points) <= LABELLED_POINTS else sorted(
        points, key=lambda p: p["spi"] * p["cpi"])[:LABELLED_WEAKEST]
    for point in named:
        axes.annotate(point["key"], (point["spi"], point["cpi"]), textcoords="offset points",
                      xytext=(4, 3), fontsize=7)
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_xlabel(renderer.t("chart.indicators.x"), fontsize=9)
    axes.set_ylabel(renderer.t("chart.indicators.y"), fontsize=9)
    axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)


def _draw_slip(renderer: Renderer, chart: dict[str, Any], axes) -> None:
    """Horizontal bars, worst at the top, each with its days and band letter at its end."""
    bars = list(reversed(chart["bars"]))
    positions = range(len(bars))
    drawn = axes.barh(positions, [b["days"] for b in bars],
                      color=[_BAND_COLOURS[b["band"]] for b in bars],
                      hatch=None, edgecolor="white", linewidth=0.6)
    for patch, bar in zip(drawn, bars, strict=True):
        patch.set_hatch(_BAND_HATCH[bar["band"]])
        axes.text(patch.get_width(), patch.get_y() + patch.get_height() / 2,
                  f" {bar['days']} ({_BAND_LETTER[bar['band']]})", va="center", fontsize=7)
    axes.set_yticks(list(positions), [b["label"] if b["label"].startswith(b["key"])
                                      else f"{b['key']} · {b['label']}" for b in bars],
                    fontsize=7)
    axes.set_xlabel(renderer.t("chart.slip.x"), fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
