"""The digest's overdue list is cut by the database (storage/sources/heads.py): each owner's
five oldest items and a count, without reading every overdue item. It must say exactly what the
whole list would: the same owners in the same order, the same five items (ties on the due moment
broken by item key, as `DueItem.key` sorts: "12:" after "123:"), the same counts, in the
portfolio digest and in the projects' own digests, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from pmo_rules.digest import _by_owner
from storage.actions import Action
from storage.changes import ChangeRequest, ChangeVote
from storage.digest import _by_project, load_digest, load_project_digests
from storage.issues import Issue
from storage.milestones import Milestone
from storage.projects import Project
from storage.sources import all_due_items
from tests.support import ADMIN, ALICE, BOB, CAROL, START, make_bot
from tests.support.scheduling import add_project, pmo_rules, run
from tests.test_digest import digests

DAN = "UDAN001"


def seed(bot) -> list[int]:
    """Three projects; 130 overdue actions for ALICE, all due the same day but a few (ids
    across 1, 2 and 3 digits: ties broken by key); change requests waiting on BOB and CAROL
    asked at the same moment (CAROL voted on some); overdue issues and milestones for DAN and
    ALICE."""
    today, now = START.date(), START
    ids = [add_project(bot, key, BOB, at=now - timedelta(days=60),
                       statuses=[(now - timedelta(days=1), "green")])
           for key in ("APOLLO", "HERA", "ZEUS")]
    with bot.ctx.db.write() as session:
        session.execute(insert(Action), [
            {"project_id": ids[n % 3], "number": n + 1, "title": f"Action {n}",
             "owner_id": ALICE if n % 13 else DAN,
             "due_on": today - timedelta(days=30 if n in (40, 77) else 3 if n % 9 else 2),
             "created_by": ADMIN, "created_at": now - timedelta(days=40), "updated_at": now}
            for n in range(130)])
        asked = now - timedelta(days=3)
        session.execute(insert(ChangeRequest), [
            {"project_id": ids[n % 2], "number": n + 1, "title": f"Change {n}", "scope": "",
             "moves": [], "state": "open" if n != 5 else "approved", "requested_by": ALICE,
             "requested_at": asked if n % 4 else asked - timedelta(hours=n),
             "approvers": [BOB, CAROL], "required": 2, "quorum": "all", "card_ids": []}
            for n in range(14)])
        requests = list(session.scalars(select(ChangeRequest.id).order_by(ChangeRequest.id)))
        session.execute(insert(ChangeVote), [
            {"request_id": rid, "approver_id": CAROL, "vote": "approve", "at": now}
            for rid in requests[::3]])
        session.execute(insert(Issue), [
            {"project_id": ids[n % 3], "number": n + 1, "title": f"Issue {n}",
             "severity": "high", "severity_rank": 1, "status": "open",
             "owner_id": DAN if n % 2 else ALICE, "due_on": today - timedelta(days=1 + n % 4),
             "created_by": ADMIN, "created_at": now - timedelta(days=20), "updated_at": now}
            for n in range(11)])
        session.execute(insert(Milestone), [
            {"project_id": ids[n % 3], "number": n + 1, "title": f"Milestone {n}",
             "owner_id": DAN, "weight": 1, "due_on": today - timedelta(days=2 + n % 3),
             "expected_on": today - timedelta(days=2 + n % 3), "created_by": ADMIN,
             "created_at": now - timedelta(days=60), "updated_at": now - timedelta(days=60)}
            for n in range(8)])
    return ids


def test_the_cut_list_is_what_the_whole_list_says(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    ids = seed(bot)
    rules = bot.ctx.rules
    with bot.ctx.db.read() as session:
        whole = all_due_items(session, START, rules)
        cut = load_digest(session, START, rules).portfolio.overdue
        own = load_project_digests(session, START, rules, ids)
        keys = {pid: session.scalar(select(Project.key).where(Project.id == pid)) for pid in ids}
    expected = _by_owner(whole)
    assert cut == expected
    # ALICE: 120 actions, 6 issues; DAN: 10 actions, 5 issues, 8 milestones; BOB: 13 open
    # change requests; CAROL: the 8 she has not voted on
    assert [(o.owner, o.more) for o in cut] == [(ALICE, 121), (DAN, 18), (BOB, 8), (CAROL, 3)]
    assert all(len(o.items) == 5 for o in cut)
    by_project = _by_project(whole)
    for pid in ids:
        assert own[pid].portfolio.overdue == _by_owner(by_project[keys[pid]])
    # the two oldest, then the ties at the cut by item key: "action:101:" before "action:11:",
    # and before the issues due the same day ("issue:…")
    assert [item.subject["ref"] for item in cut[0].items] == [
        "HERA-A41", "ZEUS-A78", "HERA-A101", "ZEUS-A102", "APOLLO-A103"]
    run(bot)
    body = "\n".join(str(message["blocks"]) for message in digests(slack))
    assert f"<@{ALICE}>:" in body and ", +121 more" in body
    bot.ctx.db.dispose()
