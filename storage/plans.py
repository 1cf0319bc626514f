"""A project's plan and baseline: one row a project (`project_plans`).

`start_on`, `finish_on` and `budget` are the plan as it stands (the forecast, once there is a
baseline); the `baseline_*` columns are frozen when the planning gate passes and move only by
an explicit re-baseline. Every change is audited with its values before and after.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import audit
from storage.base import Base
from storage.projects import Project

MONEY = Numeric(18, 2)


class ProjectPlan(Base):
    __tablename__ = "project_plans"
    # What a plan must be, kept by the database too: a budget, and a finish not before the start.
    __table_args__ = (
        CheckConstraint("budget > 0 AND finish_on >= start_on", name="plan"),
        CheckConstraint("baseline_budget IS NULL OR (baseline_budget > 0 "
                        "AND baseline_finish >= baseline_start)", name="baseline"),
        CheckConstraint("method IS NULL OR method IN ('waterfall', 'agile', 'hybrid')",
                        name="method"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            primary_key=True)
    start_on: Mapped[date]
    finish_on: Mapped[date]
    budget: Mapped[Decimal] = mapped_column(MONEY)
    sponsor_id: Mapped[str | None] = mapped_column(String(32))
    method: Mapped[str | None] = mapped_column(String(16))
    baseline_start: Mapped[date | None]
    baseline_finish: Mapped[date | None]
    baseline_budget: Mapped[Decimal | None] = mapped_column(MONEY)
    baselined_at: Mapped[datetime | None]
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]

    @property
    def has_baseline(self) -> bool:
        return self.baselined_at is not None


_PLAN = ("start_on", "finish_on", "budget", "sponsor_id", "method")
_BASELINE = ("baseline_start", "baseline_finish", "baseline_budget")


def plan_of(session: Session, project_id: int) -> ProjectPlan | None:
    return session.get(ProjectPlan, project_id)


def plans_of(session: Session, project_ids: list[int]) -> dict[int, ProjectPlan]:
    """The plans of these projects in one query."""
    rows = session.scalars(select(ProjectPlan).where(ProjectPlan.project_id.in_(project_ids)))
    return {row.project_id: row for row in rows}


def _shown(plan: ProjectPlan, names: tuple[str, ...]) -> dict[str, object]:
    """The columns as JSON for the audit log (dates as ISO text, money as text)."""
    return {name: (None if (value := getattr(plan, name)) is None else
                   value if isinstance(value, str) else str(value)) for name in names}


def save_plan(session: Session, *, project: Project, values: dict[str, object],
              baseline: bool, actor: str, now: datetime) -> ProjectPlan:
    """Insert or change the plan (audited before and after); with `baseline`, a plan without
    one takes its values as the baseline in the same change."""
    plan = plan_of(session, project.id)
    before = None if plan is None else _shown(plan, _PLAN + _BASELINE)
    if plan is None:
        plan = ProjectPlan(project_id=project.id, **values, updated_by=actor, updated_at=now)
        session.add(plan)
    else:
        for name, value in values.items():
            setattr(plan, name, value)
        plan.updated_by, plan.updated_at = actor, now
    if baseline and not plan.has_baseline:
        _copy_baseline(plan, now)
    session.flush()
    audit.record(session, at=now, actor=actor, action="plan.set", subject_type="project",
                 subject_id=project.key, project_id=project.id, before=before,
                 after=_shown(plan, _PLAN + _BASELINE))
    return plan


def take_baseline(session: Session, *, project: Project, actor: str, now: datetime,
                  reason: str, action: str = "plan.baselined") -> ProjectPlan | None:
    """Freeze the plan as the baseline (the planning gate passed, or a re-baseline); None when
    the project has no plan. Audited with the baseline before and after and the reason."""
    plan = plan_of(session, project.id)
    if plan is None:
        return None
    before = _shown(plan, _BASELINE)
    _copy_baseline(plan, now)
    audit.record(session, at=now, actor=actor, action=action, subject_type="project",
                 subject_id=project.key, project_id=project.id,
                 before={**before, "reason": None},
                 after={**_shown(plan, _BASELINE), "reason": reason})
    return plan


def _copy_baseline(plan: ProjectPlan, now: datetime) -> None:
    plan.baseline_start, plan.baseline_finish = plan.start_on, plan.finish_on
    plan.baseline_budget = plan.budget
    plan.baselined_at = now


def change_baseline(session: Session, *, project: Project, finish: date, budget: Decimal,
                    actor: str, now: datetime, ref: str) -> dict[str, dict[str, object]]:
    """An approved change request (`ref`, e.g. APOLLO-C1) moves the baseline finish and budget;
    a forecast that stood on the old baseline moves with it (one the PM had already moved is
    theirs and stays). Audited with before and after; returns them."""
    plan = plan_of(session, project.id)
    names = _PLAN[:3] + _BASELINE
    before = _shown(plan, names)
    if (plan.finish_on, plan.budget) == (plan.baseline_finish, plan.baseline_budget):
        plan.finish_on, plan.budget = finish, budget
    elif plan.finish_on == plan.baseline_finish:
        plan.finish_on = finish
    elif plan.budget == plan.baseline_budget:
        plan.budget = budget
    if plan.finish_on < plan.start_on:
        plan.finish_on = finish
    plan.baseline_finish, plan.baseline_budget = finish, budget
    plan.updated_by, plan.updated_at = actor, now
    session.flush()
    after = _shown(plan, names)
    audit.record(session, at=now, actor=actor, action="plan.changed", subject_type="project",
                 subject_id=project.key, project_id=project.id, before=before,
                 after={**after, "change": ref})
    return {"before": before, "after": after}
