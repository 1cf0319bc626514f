"""The executive report (issue 14, part 4): `pmo-bot report --month 2026-11
--out report.pdf`. A PDF drawn with matplotlib's PDF backend, in the rules' language: a cover
with the headline numbers, the three charts as of the month's end and the milestone slip, the
projects needing attention, the gates decided, and the PMO's own effectiveness beside the
previous month's.

The monthly post: on `[report] day` at `[report] time` (default: the month's first working day,
10:00 on the PMO's clock) the planner's pass (services/reminders.py) plans the previous month's
report once per channel and month (a unique outbox key: caught up after downtime, never twice);
the dispatcher draws the PDF and uploads it with `files_upload_v2` and a short message. It goes
to a channel, so confidential projects are left out of it and counted.

`--format html` writes one self-contained page (charts inline as PNG with their alt text),
`--format xlsx` a workbook (cover, effectiveness table, attention, gates, charts as pictures).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pmo_rules import charts as chart_rules
from pmo_rules import effectiveness as eff
from pmo_rules import report as rules
from pmo_rules.config import Rules
from pmo_rules.lifecycle import in_portfolio
from pmo_rules.schedule import WorkCalendar
from services import charts
from services.context import BotContext
from services.digest import admin_to_tell
from services.indicators import portfolio_indicators
from storage import access as access_store
from storage import outbox
from storage import report as store
from templates.render import Renderer

PAGE = (11.69, 8.27)
"""A4 landscape, in inches."""


def build(rules_in_force: Rules, session: Session, first: date, now: datetime, *,
          excluding: Collection[int] = ()) -> dict[str, Any]:
    """Everything the report shows for the month starting `first`, as of its end (or `now`,
    for the month under way). `excluding`: the confidential projects, left out of a report
    posted to a channel and only counted there."""
    tz = rules_in_force.pmo.tz
    start, end = rules.bounds(first, tz)
    as_of = min(end - timedelta(microseconds=1), now)
    day = as_of.astimezone(tz).date()
    found = [charts.numbers(rules_in_force, session, name, as_of, excluding=excluding)
             for name in chart_rules.CHARTS]
    limits = rules_in_force.indicators
    figures = [f for f in portfolio_indicators(session, rules_in_force, day)
               if in_portfolio(f.project.state) and f.project.id not in excluding]
    rows = [(f.project.key, f.project.name, f.latest.overall if f.latest else None,
             f.indicators.spi, f.indicators.cpi, f.flag is not None) for f in figures]
    found.append(chart_rules.slip_bars(
        ((f.project.key, f.indicators.worst_slip.days, f.indicators.worst_slip.label)
         for f in figures if f.indicators.worst_slip is not None),
        limits.slip_amber_days, limits.slip_red_days))
    decided = store.gates_decided(session, start, end, excluding)
    before = store.gates_decided(session, *rules.bounds(rules.previous_month(first), tz),
                                 excluding)
    return {
        "month": first, "as_of": day, "charts": found,
        "headline": chart_rules.rag_summary(found[0])["last"],
        "risks": found[1]["by_level"],
        "attention": rules.needing_attention(rows, spi_red=limits.spi_red,
                                             cpi_red=limits.cpi_red),
        "gates": decided, "gate_outcomes": dict(Counter(row[2] for row in decided)),
        "wait": rules.median_wait_days((r[3], r[4]) for r in decided),
        "wait_before": rules.median_wait_days((r[3], r[4]) for r in before),
        "confidential": len(excluding),
        "effectiveness": effectiveness(rules_in_force, session, first, as_of),
    }


STATUS_KIND, RISK_KIND = "status", "risk"
"""The reminder kinds whose action the report times (storage/sources: status_due, risk_due)."""
REVIEW_LEAD = timedelta(days=62)
"""A review may be done ahead of its date: reviews this long before a month are read too."""


def effectiveness(rules_in_force: Rules, session: Session, first: date, as_of: datetime
                  ) -> tuple[eff.Effectiveness, eff.Effectiveness]:
    """The PMO's own effectiveness in the month and in the one before (pmo_rules/effectiveness.py
    says what each figure counts). Aggregates without names, of every project."""
    tz = rules_in_force.pmo.tz
    before_first = rules.previous_month(first)
    since = rules.bounds(before_first, tz)[0]
    history = store.status_history(session, since, as_of)
    reviews, pending = store.risk_reviews(session, since - REVIEW_LEAD, as_of)
    status = rules_in_force.status
    cadence = timedelta(days=status.cadence_days)
    updates_of = {pid: moments for pid, _created, _last, moments in history}
    reviews_of: dict[str, list[datetime]] = {}
    for risk_id, at, _on in reviews:
        reviews_of.setdefault(risk_id, []).append(at)
    met = [(on, at.astimezone(tz).date()) for _risk, at, on in reviews if on is not None]
    months = []
    for month in (first, before_first):
        start, end = rules.bounds(month, tz)
        end = min(end, as_of)
        updates = eff.Share()
        for _pid, created, last, moments in history:
            # updates after the anchor count: one posted at registration meets the first due
            anchor = last or created - timedelta(microseconds=1)
            due = (last + cadence if last is not None
                   else created + timedelta(days=status.first_update_within_days))
            updates += eff.updates_on_time(anchor, due, moments, cadence, start, end)
        day_end = min(rules.next_month(month), as_of.astimezone(tz).date())
        acted = [(at, eff.first_after(updates_of.get(int(item), []) if kind == STATUS_KIND
                                      else reviews_of.get(item, []), at))
                 for kind, item, at in store.first_nudges(session, start, end,
                                                          (STATUS_KIND, RISK_KIND))]
        months.append(eff.Effectiveness(
            updates=updates,
            gate_wait_days=rules.median_wait_days(
                (r[3], r[4]) for r in store.gates_decided(session, start, end)),
            reviews=eff.reviews_on_time(met, pending, month, day_end),
            reminder_hours=eff.median_hours(acted),
            escalations=store.escalations(session, start, end)))
    return months[0], months[1]


def render_pdf(renderer: Renderer, report: dict[str, Any]) -> bytes:
    """The report as a PDF: cover, the charts (those with something to draw), attention, gates."""
    from matplotlib.backends.backend_pdf import PdfPages

    out = io.BytesIO()
    charts.use_fonts()
    month = report["month"].strftime("%Y-%m")
    with PdfPages(out, metadata={"Title": renderer.t("report.title", month=month),
                                 "Creator": "PMO Bot"}) as pdf:
        pdf.savefig(_text_page(renderer.t("report.title", month=month), _cover(renderer, report)))
        for chart in _drawn(report):
            pdf.savefig(charts.chart_figure(renderer, chart, PAGE))
        for heading, lines in _sections(renderer, report):
            pdf.savefig(_text_page(heading, lines))
    return out.getvalue()


FORMATS = ("pdf", "html", "xlsx")


def render(renderer: Renderer, report: dict[str, Any], form: str = "pdf") -> bytes:
    """The report in one of FORMATS."""
    return {"pdf": render_pdf, "html": render_html, "xlsx": render_xlsx}[form](renderer, report)


def _sections(renderer: Renderer, report: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The text pages, in order: (heading, lines)."""
    return [(renderer.t("report.attention_title"), _attention(renderer, report)),
            (renderer.t("report.gates_title"), _gates(renderer, report)),
            (renderer.t("report.eff.title"), _effectiveness(renderer, report))]


def _drawn(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [chart for chart in report["charts"] if not chart_rules.is_empty(chart)]


def render_html(renderer: Renderer, report: dict[str, Any]) -> bytes:
    """One self-contained HTML page: the cover, the charts as PNG images inline (with their
    alt text), the text pages; nothing fetched when it is opened."""
    import base64
    from html import escape

    month = report["month"].strftime("%Y-%m")
    title = escape(renderer.t("report.title", month=month))
    parts = ['<!DOCTYPE html>', f'<html lang="{escape(renderer.locale)}"><head>',
             '<meta charset="utf-8">', f"<title>{title}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;"
             "line-height:1.5}img{max-width:100%}section{margin-top:2em}</style>",
             "</head><body>", f"<h1>{title}</h1>",
             *(f"<p>{escape(line)}</p>" for line in _cover(renderer, report))]
    for chart in _drawn(report):
        png = base64.b64encode(charts.render_png(renderer, chart)).decode("ascii")
        parts.append(f'<figure><img src="data:image/png;base64,{png}" '
                     f'alt="{escape(charts.alt_text(renderer, chart))}" width="800" '
                     f'height="450"><figcaption>{escape(charts.title(renderer, chart))}'
                     "</figcaption></figure>")
    for heading, lines in _sections(renderer, report):
        parts += ["<section>", f"<h2>{escape(heading)}</h2>",
                  *(f"<p>{escape(line)}</p>" for line in lines if line), "</section>"]
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


def render_xlsx(renderer: Renderer, report: dict[str, Any]) -> bytes:
    """A workbook: the cover and each text page as a sheet of lines (the effectiveness page as
    a table: measure, this month, previous month), and the charts as pictures on a sheet."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    month = report["month"].strftime("%Y-%m")
    cover = book.add_worksheet(_sheet_name(renderer.t("report.xlsx.cover")))
    cover.write_string(0, 0, renderer.t("report.title", month=month), bold)
    for row, line in enumerate(_cover(renderer, report), start=2):
        cover.write_string(row, 0, line)
    cover.set_column(0, 0, 110)
    table = book.add_worksheet(_sheet_name(renderer.t("report.eff.title")))
    for column, word in enumerate(("measure", "this_month", "previous_month")):
        table.write_string(0, column, renderer.t(f"report.xlsx.{word}"), bold)
    for row, (name, now, before) in enumerate(_effectiveness_rows(renderer, report), start=1):
        table.write_string(row, 0, renderer.t(f"report.xlsx.eff.{name}"))
        table.write_string(row, 1, now)
        table.write_string(row, 2, before)
    table.set_column(0, 0, 50)
    table.set_column(1, 2, 22)
    for heading, lines in _sections(renderer, report)[:2]:
        sheet = book.add_worksheet(_sheet_name(heading))
        sheet.write_string(0, 0, heading, bold)
        for row, line in enumerate(lines, start=2):
            sheet.write_string(row, 0, line)
        sheet.set_column(0, 0, 110)
    found = _drawn(report)
    if found:
        pictures = book.add_worksheet(_sheet_name(renderer.t("report.xlsx.charts")))
        for n, chart in enumerate(found):
            pictures.insert_image(n * 24, 0, f"chart-{n}.png", {
                "image_data": io.BytesIO(charts.render_png(renderer, chart)),
                "description": charts.alt_text(renderer, chart)[:255]})
    book.close()
    return out.getvalue()


def _sheet_name(text: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    return "".join(c for c in text if c not in "[]:*?/\\")[:31]


def _cover(renderer: Renderer, report: dict[str, Any]) -> list[str]:
    head, risks = report["headline"], report["risks"]
    return [renderer.t("report.as_of", day=report["as_of"].isoformat()),
            renderer.t("report.projects", total=sum(head.values()), h=head),
            renderer.t("report.risks", total=sum(risks.values()), r=risks),
            renderer.t("report.attention_count", count=len(report["attention"])),
            renderer.t("report.gates_count", count=len(report["gates"]),
                       outcomes=report["gate_outcomes"]),
            renderer.t("report.wait", wait=report["wait"], before=report["wait_before"]),
            *([renderer.t("report.confidential", count=report["confidential"])]
              if report.get("confidential") else [])]


def _attention(renderer: Renderer, report: dict[str, Any]) -> list[str]:
    lines = [renderer.t("report.attention_row", project=a,
                        reasons=renderer.listing(renderer.t(f"report.reason.{r}")
                                                 for r in a.reasons))
             for a in report["attention"][:30]]
    more = len(report["attention"]) - len(lines)
    if more > 0:
        lines.append(renderer.t("report.more", count=more))
    return lines or [renderer.t("report.attention_none")]


def _gates(renderer: Renderer, report: dict[str, Any]) -> list[str]:
    tz = renderer.tz
    lines = [renderer.t("report.gate_row", key=key, phase=phase, state=state,
                        on=decided.astimezone(tz).date().isoformat(),
                        days=round((decided - requested).total_seconds() / 86400, 1))
             for key, phase, state, requested, decided in report["gates"][:30]]
    more = len(report["gates"]) - len(lines)
    if more > 0:
        lines.append(renderer.t("report.more", count=more))
    return [renderer.t("report.wait", wait=report["wait"], before=report["wait_before"]),
            *(lines or [renderer.t("report.gates_none")])]


def _effectiveness_rows(renderer: Renderer, report: dict[str, Any]
                        ) -> list[tuple[str, str, str]]:
    """(measure, this month, previous month) of the PMO's own figures, as words."""
    now, before = report["effectiveness"]

    def share(found: eff.Share) -> str:
        if found.share is None:
            return renderer.t("report.eff.nothing_due")
        return renderer.t("report.eff.share", pct=round(found.share * 100), done=found.done,
                          due=found.due)

    def amount(value, unit: str) -> str:
        return renderer.t("report.eff.none") if value is None else renderer.t(
            f"report.eff.{unit}", n=value)

    return [("updates", share(now.updates), share(before.updates)),
            ("gate_wait", amount(now.gate_wait_days, "days"),
             amount(before.gate_wait_days, "days")),
            ("reviews", share(now.reviews), share(before.reviews)),
            ("reminder", amount(now.reminder_hours, "hours"),
             amount(before.reminder_hours, "hours")),
            ("escalations", str(now.escalations), str(before.escalations))]


def _effectiveness(renderer: Renderer, report: dict[str, Any]) -> list[str]:
    """The PMO's own figures, each with the previous month's beside it."""
    return [*(renderer.t(f"report.eff.{name}", now=this, before=last) for name, this, last
              in _effectiveness_rows(renderer, report)),
            "", *renderer.t("report.eff.note").split("\n")]


def _text_page(heading: str, lines: list[str]):
    from matplotlib.figure import Figure

    figure = Figure(figsize=PAGE)
    figure.text(0.06, 0.92, heading, fontsize=18)
    for n, line in enumerate(lines):
        figure.text(0.06, 0.84 - n * 0.025 * (1.6 if len(lines) <= 10 else 1), line,
                    fontsize=12 if len(lines) <= 10 else 9)
    return figure


# --- the monthly post (planned by the planner's pass, uploaded by the dispatcher) ------------

REPORT = "report"
"""The outbox kind of the monthly post: one FILE row, its PDF drawn when it is sent."""


@dataclass(frozen=True)
class ReportPlan:
    """The monthly report due now, where it goes, and whether it was already planned."""

    month: date
    channel: str
    planned: bool

    @property
    def dedupe_key(self) -> str:
        return rules.report_key(self.channel, self.month)


def report_plan(ctx: BotContext, now: datetime) -> ReportPlan | None:
    """The monthly post due at `now` (`[report] day` at `[report] time`, made up within a week
    after downtime), or None when none is, it is switched off or has no channel (`[report]
    channel`, else `[pmo] digest_channel`)."""
    report = ctx.rules.report
    channel = report.channel or ctx.rules.pmo.digest_channel
    if not (report.enabled and channel):
        return None
    month = rules.due_report_month(now, ctx.rules.pmo.tz, report.day, report.time,
                                   WorkCalendar.of(ctx.rules.pmo))
    if month is None:
        return None
    key = rules.report_key(channel, month)
    with ctx.db.read() as session:
        planned = bool(outbox.planned_keys(session, [key]))
    return ReportPlan(month, channel, planned)


def enqueue_monthly_report(ctx: BotContext, plan: ReportPlan, now: datetime) -> list[int]:
    """The month's post, planned once per channel and month (its id, or [] if it was): a
    small row naming the month; the dispatcher reads and draws the PDF when it sends it (never
    before an ack, and a retry draws it again)."""
    with ctx.db.write() as session:
        found = outbox.enqueue_once(session, kind=REPORT, channel=plan.channel,
                                    payload={REPORT: plan.month.strftime("%Y-%m")}, now=now,
                                    dedupe_key=plan.dedupe_key, requested_by=admin_to_tell(ctx),
                                    method=outbox.FILE)
    return [found] if found is not None else []


def upload_args(ctx: BotContext, payload: dict[str, Any]) -> dict[str, Any]:
    """What `files_upload_v2` takes for a monthly post: the PDF of the month (confidential
    projects left out and counted: it goes to a channel), its name, title and a short
    message with the headline numbers."""
    month = rules.parse_month(payload[REPORT])
    with ctx.db.read() as session:
        hidden = access_store.confidential_ids(session)
        report = build(ctx.rules, session, month, ctx.now(), excluding=hidden)
    renderer = ctx.renderer
    name = renderer.t("report.title", month=payload[REPORT])
    head = report["headline"]
    return {"file": render_pdf(renderer, report), "title": name,
            "filename": f"pmo-report-{payload[REPORT]}.pdf",
            "initial_comment": renderer.t("report.post", month=payload[REPORT],
                                          total=sum(head.values()), h=head,
                                          attention=len(report["attention"]),
                                          gates=len(report["gates"]),
                                          confidential=report["confidential"])}
