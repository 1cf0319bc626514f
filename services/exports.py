"""Every export goes through one exporter: a column list per log, CSV out.

A `Log` names its columns, the columns that hold a person's id (each gets a `<column>_name`
column beside it, filled from the users.info cache — no Slack call at export time: a person never
looked up has an empty name), and the function that turns a stored row into a dict by column
name. `write_csv` does the rest for every log: header, ISO 8601 dates and UTC times, empty for
a field not set, JSON for before/after values, and text a spreadsheet would run as a formula
(starting with =, +, -, @, a tab or a carriage return) written with a leading apostrophe.
`records` gives the same rows as Python values: the RAID workbook (services/workbook.py) writes
them as typed Excel cells.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session

from pmo_rules import issues as issue_rules
from pmo_rules import milestones as milestone_rules
from pmo_rules.config import Rules
from pmo_rules.indicators import worse
from pmo_rules.proposals import Rank
from pmo_rules.rag import Rag
from pmo_rules.schedule import WorkCalendar
from pmo_rules.working_days import DayCounter
from services.bulk import cycles_paused
from services.indicators import portfolio_indicators
from services.ranking import rank_in
from storage import exports as store
from storage import issues as issue_store
from storage import risks as risk_store
from storage.db import Database

Row = dict[str, object]


@dataclass(frozen=True)
class Log:
    name: str
    columns: tuple[str, ...]
    people: tuple[str, ...]
    """Columns holding a person's id (or a list of ids): a `<column>_name` column follows each."""
    rows: Callable[[Session, Rules, date], Iterable[Row]]
    """The rows, from a session, the rules in force and the day (the PMO's date) they are as of."""

    @cached_property
    def pick(self) -> Callable[[Row], tuple[object, ...]]:
        """A row's values in column order (one C call, not a look-up a column in Python)."""
        getter = itemgetter(*self.columns)
        return getter if len(self.columns) > 1 else lambda row: (getter(row),)

    @cached_property
    def people_at(self) -> tuple[int, ...]:
        """The positions of the people columns among the columns, last first (so that a
        name inserted after one leaves the positions before it as they are)."""
        return tuple(sorted((i for i, c in enumerate(self.columns) if c in self.people),
                            reverse=True))

    @property
    def header(self) -> tuple[str, ...]:
        names: list[str] = []
        for column in self.columns:
            names.append(column)
            if column in self.people:
                names.append(f"{column}_name")
        return tuple(names)


def _risks(session: Session, rules: Rules, _today: date) -> Iterable[Row]:
    for risk in risk_store.every_risk(session):
        yield {"id": str(risk.ref), "project": risk.project.key, "number": risk.number,
               "title": risk.title, "description": risk.description, "trigger": risk.trigger,
               "probability": risk.probability, "impact": risk.impact, "score": risk.score,
               "level": rules.risk.levels.level_of(risk.score), "owner": risk.owner_id,
               "response": risk.response, "due_on": risk.due_on,
               "next_review_on": risk.next_review_on,
               "last_reviewed_at": risk.last_reviewed_at,
               "last_reviewed_by": risk.last_reviewed_by, "status": risk.status,
               "last_note": risk.last_note, "created_by": risk.created_by,
               "created_at": risk.created_at, "updated_at": risk.updated_at,
               "closed_at": risk.closed_at, "closed_by": risk.closed_by}


def _issues(session: Session, _rules: Rules, today: date) -> Iterable[Row]:
    risks = dict(risk_store.readable_refs(session))
    for key, row in issue_store.every_issue(session):
        yield {"id": row.ref(key), "project": key, "number": row.number, "title": row.title,
               "severity": row.severity, "status": row.status, "owner": row.owner_id,
               "due_on": row.due_on, "overdue": issue_rules.overdue(row.status, row.due_on, today),
               "risk": risks.get(row.risk_id), "last_note": row.last_note,
               "escalated_at": row.escalated_at, "escalated_by": row.escalated_by,
               "escalation_reason": row.escalation_reason, "coordinator": row.coordinator_id,
               "coordinated_at": row.coordinated_at, "resolution": row.resolution,
               "resolved_at": row.resolved_at, "resolved_by": row.resolved_by,
               "created_by": row.created_by, "created_at": row.created_at,
               "updated_at": row.updated_at}


def _status(session: Session, _rules: Rules, _today: date) -> Iterable[Row]:
    for update, key in store.status_updates(session):
        yield {"id": update.id, "project": key, "created_at": update.created_at,
               "author": update.author_id, "overall": update.overall,
               "schedule": update.schedule, "cost": update.cost, "scope": update.scope,
               "quality": update.quality, "percent_complete": update.percent_complete,
               "summary": update.summary, "blockers": update.blockers,
               "next_steps": update.next_steps, "edited_at": update.edited_at}


def _gates(session: Session, _rules: Rules, _today: date) -> Iterable[Row]:
    for request, key in store.gate_requests(session):
        yield {"id": request.id, "project": key, "phase": request.phase,
               "state": request.state, "requested_by": request.requested_by,
               "requested_at": request.requested_at, "note": request.note,
               "approvers": list(request.approvers), "required": request.required,
               "quorum": request.quorum, "decided_by": request.decided_by,
               "decided_at": request.decided_at, "reason": request.reason,
               "hold_until": request.hold_until}


def _changes(session: Session, _rules: Rules, _today: date) -> Iterable[Row]:
    for request, key in store.change_requests(session):
        plan = (request.applied or {}).get("plan") or {}
        before, after = plan.get("before") or {}, plan.get("after") or {}
        yield {"id": request.ref(key), "project": key, "number": request.number,
               "title": request.title, "state": request.state,
               "schedule_days": request.schedule_days, "new_finish": request.new_finish,
               "cost_delta": request.cost_delta, "scope": request.scope,
               "moves": "; ".join(f"{key}-M{m['number']}={m['to']}" for m in request.moves),
               "requested_by": request.requested_by, "requested_at": request.requested_at,
               "approvers": list(request.approvers), "required": request.required,
               "quorum": request.quorum, "decided_by": request.decided_by,
               "decided_at": request.decided_at, "reason": request.reason,
               "baseline_finish_before": before.get("baseline_finish"),
               "baseline_finish_after": after.get("baseline_finish"),
               "baseline_budget_before": before.get("baseline_budget"),
               "baseline_budget_after": after.get("baseline_budget")}


def _audit(session: Session, _rules: Rules, _today: date) -> Iterable[Row]:
    for entry, key in store.audit_entries(session):
        yield {"id": entry.id, "at": entry.at, "project": key, "actor": entry.actor_id,
               "action": entry.action, "subject_type": entry.subject_type,
               "subject_id": entry.subject_id, "before": entry.before, "after": entry.after}


def _milestones(session: Session, rules: Rules, today: date) -> Iterable[Row]:
    calendar = DayCounter(WorkCalendar.of(rules.pmo))
    for row, key in store.milestones(session):
        yield {"id": row.ref(key), "project": key, "number": row.number, "title": row.title,
               "owner": row.owner_id, "weight": row.weight, "due_on": row.due_on,
               "forecast_on": row.forecast_on, "expected_on": row.expected_on,
               "done_on": row.done_on,
               "slip_days": milestone_rules.slip_days(row.due_on, row.forecast_on, row.done_on,
                                                      today, calendar),
               "created_by": row.created_by, "created_at": row.created_at,
               "updated_at": row.updated_at}


def _actions(session: Session, _rules: Rules, today: date) -> Iterable[Row]:
    for row, key in store.actions(session):
        yield {"id": row.ref(key), "project": key, "number": row.number, "title": row.title,
               "owner": row.owner_id, "due_on": row.due_on, "done_on": row.done_on,
               "done_by": row.done_by, "done_note": row.done_note,
               "overdue_days": (today - row.due_on).days if (
                   row.done_on is None and today > row.due_on) else None,
               "created_by": row.created_by, "created_at": row.created_at,
               "updated_at": row.updated_at}


def _decisions(session: Session, _rules: Rules, _today: date) -> Iterable[Row]:
    for row, key, later in store.decisions(session):
        yield {"id": row.ref(key), "project": key, "number": row.number, "title": row.title,
               "note": row.note, "decided_by": row.decided_by, "recorded_by": row.recorded_by,
               "recorded_at": row.recorded_at,
               "supersedes": row.supersedes_number and f"{key}-D{row.supersedes_number}",
               "superseded_by": later and f"{key}-D{later}"}


def _indicators(session: Session, rules: Rules, today: date) -> Iterable[Row]:
    currency = rules.pmo.currency
    for project, baseline, figures, latest, flag in portfolio_indicators(session, rules, today):
        # Unpacked, not read by name or through getattr: ten thousand rows of 31 columns
        # (the rows' columns are in storage.exports' order).
        _id, key, name, phase, state, pm, *_plan = project
        (bac, pv, ev, ac, spi, cpi, sv, cv, eac, pm_eac, vac, tcpi, slip, schedule,
         cost) = figures
        at = overall = said_schedule = said_cost = None
        if latest is not None:
            _project, at, overall, said_schedule, said_cost, *_progress = latest
        yield {"project": key, "name": name, "phase": phase, "state": state, "pm": pm,
               "as_of": today, "currency": currency if baseline else None,
               "baseline_start": baseline and baseline.start,
               "baseline_finish": baseline and baseline.finish,
               "bac": _money(bac), "pv": _money(pv), "ev": _money(ev), "ac": _money(ac),
               "spi": _index(spi), "cpi": _index(cpi), "sv": _money(sv), "cv": _money(cv),
               "eac": _money(eac), "pm_eac": _money(pm_eac), "vac": _money(vac),
               "tcpi": _index(tcpi),
               "worst_slip_milestone": slip and slip.label,
               "worst_slip_days": slip.days if slip else None,
               "reported_at": at, "reported_overall": overall,
               "reported_schedule": said_schedule, "reported_cost": said_cost,
               "indicated_overall": worse(schedule, cost), "indicated_schedule": schedule,
               "indicated_cost": cost, "reported_better": flag and flag.aspect}


def _money(value: float | None) -> Decimal | None:
    """Money to the cent, as stored (`-28000.00`, a number: never taken for a formula)."""
    return None if value is None else Decimal(f"{value:.2f}")


def _index(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _lessons(session: Session, _rules: Rules, _today: date) -> Iterable[Row]:
    for lesson, key in store.lessons(session):
        yield {"id": f"L-{lesson.id}", "project": key, "category": lesson.category,
               "tags": ",".join(lesson.tag_list), "went": lesson.went,
               "happened": lesson.happened, "learned": lesson.learned,
               "recommendation": lesson.recommendation, "not_useful": lesson.not_useful,
               "created_by": lesson.created_by, "created_at": lesson.created_at}


def _portfolio(session: Session, rules: Rules, _today: date) -> Iterable[Row]:
    """`/pmo rank` as rows: the proposals in screening by weighted score, each above or below
    the cut-line for `[portfolio] budget` (empty when no budget is set)."""
    found = rank_in(session, rules, Rank(None, None, False))
    chosen = found.cut.chosen if found.cut is not None else None
    for place, row in enumerate(found.rows, 1):
        yield {"rank": place, "proposal": row.ref, "title": row.title, "cost": row.cost,
               "score": row.score, "score_per_million": row.per_cost,
               "themes": list(row.themes), "budget": found.budget,
               "cut_line": None if chosen is None else (
                   "above" if row.ref in chosen else "below"),
               "to_fit_drop": list(row.to_fit)}


LOGS: dict[str, Log] = {log.name: log for log in (
    Log("risks", ("id", "project", "number", "title", "description", "trigger", "probability",
                  "impact", "score", "level", "owner", "response", "due_on", "next_review_on",
                  "last_reviewed_at", "last_reviewed_by", "status", "last_note", "created_by",
                  "created_at", "updated_at", "closed_at", "closed_by"),
        ("owner", "last_reviewed_by", "created_by", "closed_by"), _risks),
    Log("status", ("id", "project", "created_at", "author", "overall", "schedule", "cost",
                   "scope", "quality", "percent_complete", "summary", "blockers", "next_steps",
                   "edited_at"), ("author",), _status),
    Log("gates", ("id", "project", "phase", "state", "requested_by", "requested_at", "note",
                  "approvers", "required", "quorum", "decided_by", "decided_at", "reason",
                  "hold_until"), ("requested_by", "approvers", "decided_by"), _gates),
    Log("changes", ("id", "project", "number", "title", "state", "schedule_days", "new_finish",
                    "cost_delta", "scope", "moves", "requested_by", "requested_at",
                    "approvers", "required", "quorum", "decided_by", "decided_at", "reason",
                    "baseline_finish_before", "baseline_finish_after",
                    "baseline_budget_before", "baseline_budget_after"),
        ("requested_by", "approvers", "decided_by"), _changes),
    Log("audit", ("id", "at", "project", "actor", "action", "subject_type", "subject_id",
                  "before", "after"), ("actor",), _audit),
    Log("milestones", ("id", "project", "number", "title", "owner", "weight", "due_on",
                       "forecast_on", "expected_on", "done_on", "slip_days", "created_by",
                       "created_at", "updated_at"), ("owner", "created_by"), _milestones),
    Log("issues", ("id", "project", "number", "title", "severity", "status", "owner", "due_on",
                   "overdue", "risk", "last_note", "escalated_at", "escalated_by",
                   "escalation_reason", "coordinator", "coordinated_at", "resolution",
                   "resolved_at", "resolved_by", "created_by", "created_at", "updated_at"),
        ("owner", "escalated_by", "coordinator", "resolved_by", "created_by"), _issues),
    Log("actions", ("id", "project", "number", "title", "owner", "due_on", "done_on", "done_by",
                    "done_note", "overdue_days", "created_by", "created_at", "updated_at"),
        ("owner", "done_by", "created_by"), _actions),
    Log("decisions", ("id", "project", "number", "title", "note", "decided_by", "recorded_by",
                      "recorded_at", "supersedes", "superseded_by"),
        ("decided_by", "recorded_by"), _decisions),
    Log("indicators", ("project", "name", "phase", "state", "pm", "as_of", "currency",
                       "baseline_start", "baseline_finish", "bac", "pv", "ev", "ac", "spi",
                       "cpi", "sv", "cv", "eac", "pm_eac", "vac", "tcpi",
                       "worst_slip_milestone", "worst_slip_days", "reported_at",
                       "reported_overall", "reported_schedule", "reported_cost",
                       "indicated_overall", "indicated_schedule", "indicated_cost",
                       "reported_better"), ("pm",), _indicators),
    Log("lessons", ("id", "project", "category", "tags", "went", "happened", "learned",
                    "recommendation", "not_useful", "created_by", "created_at"),
        ("created_by",), _lessons),
    Log("portfolio", ("rank", "proposal", "title", "cost", "score", "score_per_million",
                      "themes", "budget", "cut_line", "to_fit_drop"), (), _portfolio),
)}


def write_csv(db: Database, rules: Rules, log: Log, handle, today: date) -> int:
    """Write `log`'s header and one row per record, as of `today` (the PMO's date: slips and
    indicators are counted to it); returns how many records were written."""
    writer = csv.writer(handle)
    writer.writerow(log.header)
    count = 0
    for values in records(db, rules, log, today):
        writer.writerow(cells(values))
        count += 1
    return count


def cells(values: list[object]) -> list[object]:
    """One record's cells as the csv module is given them: what it writes as it is (None as
    empty, numbers with str(), text that cannot start a formula) left alone, the rest through
    `_cell` — the same text as `_cell` for every cell, with a call saved on most of the
    300,000 cells of a large export."""
    as_is, formula = _AS_IS, FORMULA_STARTS
    return [value if value is None or (kind := type(value)) in as_is or (
        kind is str and not value.startswith(formula)) else _cell(value) for value in values]


def records(db: Database, rules: Rules, log: Log, today: date) -> Iterator[list[object]]:
    """`log`'s records in header order, as Python values (dates, aware UTC times, numbers,
    text, lists): one read transaction, streamed. Every writer (CSV, the workbook) reads these."""
    with db.read() as session, cycles_paused():
        names = store.cached_names(session)
        for row in log.rows(session, rules, today):
            yield record(log, row, names)


def record(log: Log, row: Row, names: dict[str, str]) -> list[object]:
    """One row's values in header order: a person's cached name (names joined by "; ", or
    None when none is known) after each people column."""
    values = list(log.pick(row))
    for at in log.people_at:
        value = values[at]
        ids = value if isinstance(value, list) else [value] if value else []
        values.insert(at + 1, "; ".join(names.get(i, "") for i in ids) if any(
            i in names for i in ids) else None)
    return values


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_AS_IS = frozenset((int, float, Decimal, bool, Rag, date))
"""Cell values written with `str()` and nothing else (a negative number is a number, never
taken for a formula; a colour is its word; a date's str() is its ISO form, a datetime's is
not, and is not in here): checked by exact type first, as most cells of a large export are
these, before `_cell` is called. (The csv module writes a float with repr(), which is str()
for a float.)"""


def _cell(value: Any) -> str:
    """ISO dates and times; empty for a field that is not set; lists and before/after values
    as JSON; text never a live formula."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    value = text_of(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def text_of(value: Any) -> Any:
    """A list of ids space-separated, other lists and before/after values as JSON; anything
    else as it is."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value
