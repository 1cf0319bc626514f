"""A project's plan and its baseline (issue 11): what `/pmo project KEY plan …` and
`/pmo project KEY rebaseline reason…` mean, and the rules a plan must keep.

The plan is the planned start, finish and budget at completion (BAC), with a sponsor and a
method. It becomes the *baseline* when the planning gate passes (`BASELINE_GATE`), or at once
when it is first set on a project already past that gate. After that, `plan` moves only the
forecast (the plan's current values); only a PMO admin's re-baseline, with a reason, copies the
forecast into the baseline. Pure: parsing and checks, no storage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import ClassVar

from pmo_rules import dates, text
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PHASES, phase_index
from pmo_rules.money import parse_amount
from pmo_rules.projects import looks_like_key
from pmo_rules.values import METADATA_MAX, Value

PLAN_USAGE = "pmo_project_plan"
REBASELINE_USAGE = "pmo_project_rebaseline"
METHODS = ("waterfall", "agile", "hybrid")
BASELINE_GATE = "planning"
"""The gate whose passing freezes the plan as the baseline."""
REASON_MAX = 500
_OPTIONS = ("start", "finish", "budget", "sponsor", "method")


@dataclass(frozen=True, slots=True)
class PlanValues:
    """A complete plan (or the baseline: the same three figures)."""

    start: date
    finish: date
    budget: Decimal
    sponsor_id: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class SetPlan:
    """`/pmo project KEY plan …`: the options typed (None where not typed)."""

    key: str
    start: date | None = None
    finish: date | None = None
    budget: Decimal | None = None
    sponsor_id: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class OpenPlanForm:
    """`/pmo project KEY plan` with nothing after it: the plan form."""

    key: str


@dataclass(frozen=True)
class Rebaseline:
    """`/pmo project KEY rebaseline reason…` (PMO admins)."""

    key: str
    reason: str


def parse_plan(key: str, words: list[str], today: date | None = None,
               max_years_ahead: int | None = None) -> SetPlan | OpenPlanForm:
    """The words after `/pmo project KEY plan`: options only; none at all opens the form.
    Dates as pmo_rules.dates reads them (`today`, `+2w` against the PMO's `today`), within
    `[pmo] max_years_ahead` years when given."""
    if not words:
        return OpenPlanForm(key)
    rest, options = text.split_options(words, _OPTIONS, usage=PLAN_USAGE)
    if rest:
        raise UserError("plan.unexpected_words", usage=PLAN_USAGE, words=" ".join(rest)[:80])
    return SetPlan(
        key=key,
        start=_day(options, "start", today, max_years_ahead),
        finish=_day(options, "finish", today, max_years_ahead),
        budget=(parse_amount(options["budget"], usage=PLAN_USAGE)
                if "budget" in options else None),
        sponsor_id=_sponsor(options.get("sponsor")),
        method=_method(options.get("method")),
    )


def parse_rebaseline(key: str, words: list[str]) -> Rebaseline:
    reason = text.plain(" ".join(words)).strip()
    if not reason:
        raise UserError("plan.reason_missing", usage=REBASELINE_USAGE, key=key)
    text.check_length(reason, REASON_MAX, "plan.reason_too_long")
    return Rebaseline(key, reason)


def _day(options: dict[str, str], name: str, today: date | None,
         max_years_ahead: int | None) -> date | None:
    if name not in options:
        return None
    day = dates.day(options[name], today)
    if day is None:
        raise UserError("plan.bad_date", field=name, usage=PLAN_USAGE, option=name,
                        value=options[name][:40])
    if today is not None and max_years_ahead is not None:
        dates.check_horizon(day, today, max_years_ahead, field=name, usage=PLAN_USAGE)
    return day


def _sponsor(value: str | None) -> str | None:
    if value is None:
        return None
    ref = text.user_ref(value)
    if ref is None:
        raise UserError("plan.bad_sponsor", field="sponsor", usage=PLAN_USAGE, value=value[:60])
    return ref.id


def _method(value: str | None) -> str | None:
    if value is None:
        return None
    if value.lower() not in METHODS:
        raise UserError("plan.bad_method", field="method", usage=PLAN_USAGE, value=value[:40])
    return value.lower()


def merged(current: PlanValues | None, change: SetPlan, *, key: str) -> PlanValues:
    """The plan after `change`: a first plan needs start, finish and budget; later ones change
    what they name. A finish before the start is refused (the budget was checked when typed)."""
    if current is None:
        missing = [name for name in ("start", "finish", "budget")
                   if getattr(change, name) is None]
        if missing:
            raise UserError("plan.incomplete", usage=PLAN_USAGE, key=key,
                            missing=", ".join(f"{m}:" for m in missing))
        plan = PlanValues(change.start, change.finish, change.budget,  # type: ignore[arg-type]
                          change.sponsor_id, change.method)
    else:
        typed = {name: getattr(change, name) for name in
                 ("start", "finish", "budget", "sponsor_id", "method")
                 if getattr(change, name) is not None}
        plan = replace(current, **typed)
    if plan.finish < plan.start:
        raise UserError("plan.finish_before_start", field="finish", usage=PLAN_USAGE,
                        start=plan.start, finish=plan.finish)
    return plan


def baselined_at_once(phase: str) -> bool:
    """Whether a first plan set in `phase` is the baseline at once: the project has already
    passed the gate that takes the baseline (or has ended)."""
    if phase not in PHASES:
        return True  # closed
    return phase_index(phase) > phase_index(BASELINE_GATE)


# --- the plan form ----------------------------------------------------------------------------

PLAN_FORM = "plan_form"
"""The plan form's callback id."""
FORM_FIELDS = ("start", "finish", "budget", "sponsor", "method")
"""The form's input block ids: the option names, so a refusal's `field` is the block."""


@dataclass(frozen=True, slots=True)
class PlanForm(Value):
    """The plan form's private_metadata: the project, and where the confirmation goes."""

    key: str
    channel: str | None
    STALE: ClassVar[str] = "plan.form_stale"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"key": "k", "channel": "c"}

    def _check(self) -> PlanForm:
        if not (isinstance(self.key, str) and looks_like_key(self.key)):
            raise UserError(self.STALE)
        channel = self.channel if isinstance(self.channel, str) and self.channel else None
        return PlanForm(self.key.upper(), channel)


def read_form(key: str, fields: dict[str, str | None], today: date | None = None,
              max_years_ahead: int | None = None) -> SetPlan:
    """The submitted form as the command it stands for (each field checked as when typed)."""
    options = {name: value.strip() for name, value in fields.items()
               if name in FORM_FIELDS and isinstance(value, str) and value.strip()}
    return SetPlan(
        key=key,
        start=_day(options, "start", today, max_years_ahead),
        finish=_day(options, "finish", today, max_years_ahead),
        budget=(parse_amount(options["budget"], usage=PLAN_USAGE)
                if "budget" in options else None),
        sponsor_id=options.get("sponsor"),
        method=_method(options.get("method")),
    )
