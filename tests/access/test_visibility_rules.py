"""The visibility rule itself (pmo_rules/visibility.py): pure, as tables."""

from __future__ import annotations

import pytest

from pmo_rules.config.access import AccessRules
from pmo_rules.visibility import (
    EXTERNAL,
    FREE,
    GUEST,
    MEMBER,
    PERSONAL,
    PORTFOLIO,
    PROJECT,
    UNKNOWN,
    UNNAMED,
    Standing,
    Subject,
    Viewer,
    decide,
    foreign,
    kind_of,
    subject_of,
)


@pytest.mark.parametrize(("command", "text", "kind", "keys"), [
    ("/pmo", "", FREE, ()),
    ("/pmo", "help", FREE, ()),
    ("/risk", "help", FREE, ()),
    ("/pmo", "projects pm:me", PORTFOLIO, ()),
    ("/pmo", "digest", PORTFOLIO, ()),
    ("/pmo", "rank budget:5m", PORTFOLIO, ()),
    ("/pmo", "proposal PR-3 score benefit:5", PORTFOLIO, ()),
    ("/lesson", "search dns cutover", PORTFOLIO, ()),
    ("/lesson", "list", PORTFOLIO, ()),
    ("/risk", "list owner:@bob", PORTFOLIO, ()),
    ("/risk", "list", PERSONAL, ()),
    ("/issue", "list", PERSONAL, ()),
    ("/action", "list mine", PERSONAL, ()),
    ("/pmo", "action list mine", PERSONAL, ()),
    ("/status", "APOLLO green Cut-over done", PROJECT, ("APOLLO",)),
    ("/status", "history apollo 3", PROJECT, ("APOLLO",)),
    ("/risk", "show APOLLO-R3", PROJECT, ("APOLLO",)),
    ("/risk", "update apollo-r3 owner:@bob", PROJECT, ("APOLLO",)),
    ("/pmo", "issue show ZEUS-I2", PROJECT, ("ZEUS",)),
    ("/pmo", "project APOLLO confidential on", PROJECT, ("APOLLO",)),
    ("/milestone", "done APOLLO-M1", PROJECT, ("APOLLO",)),
    ("/gate", "status APOLLO", PROJECT, ("APOLLO",)),
    ("/status", "", UNNAMED, ()),
    ("/risk", "add", UNNAMED, ()),
])
def test_what_a_command_is_about(command, text, kind, keys):
    subject = subject_of(command, text)
    assert (subject.kind, subject.keys[:1]) == (kind, keys)


def test_a_lesson_is_about_its_project():
    assert subject_of("/lesson", "show L-12") == Subject(PROJECT, lesson=12)


RULES = AccessRules()
MINE = Standing("APOLLO", confidential=False, entitled=True, holds_role=True, in_channel=True)
OTHERS = Standing("APOLLO", confidential=False, entitled=False, holds_role=False,
                  in_channel=True)
SECRET = Standing("SECRET", confidential=True, entitled=False, holds_role=False,
                  in_channel=False)
SECRET_MINE = Standing("SECRET", confidential=True, entitled=True, holds_role=True,
                       in_channel=True)
PORTFOLIO_VIEW, PROJECT_VIEW = Subject(PORTFOLIO), Subject(PROJECT, keys=("APOLLO",))

# (viewer, subject, standing) → refusal key or None
MATRIX = [
    (Viewer("U1", MEMBER, admin=True), PORTFOLIO_VIEW, None, None),
    (Viewer("U1", MEMBER, admin=True), PROJECT_VIEW, SECRET, None),
    (Viewer("U2", MEMBER), PORTFOLIO_VIEW, None, None),
    (Viewer("U2", MEMBER), PROJECT_VIEW, OTHERS, None),
    (Viewer("U2", MEMBER), PROJECT_VIEW, SECRET, "access.confidential"),
    (Viewer("U2", MEMBER), PROJECT_VIEW, SECRET_MINE, None),
    (Viewer("U3", GUEST), PORTFOLIO_VIEW, None, "access.outsider_portfolio"),
    (Viewer("U3", GUEST), Subject(UNNAMED), None, "access.outsider_portfolio"),
    (Viewer("U3", GUEST), Subject(PERSONAL), None, None),
    (Viewer("U3", GUEST), Subject(FREE), None, None),
    (Viewer("U3", GUEST), PROJECT_VIEW, MINE, None),
    (Viewer("U3", GUEST), PROJECT_VIEW, OTHERS, "access.outsider_project"),
    (Viewer("U3", GUEST), PROJECT_VIEW, None, "access.outsider_project"),
    (Viewer("U3", GUEST), PROJECT_VIEW, SECRET_MINE, None),
    (Viewer("U4", EXTERNAL), PROJECT_VIEW, MINE, None),
    (Viewer("U4", EXTERNAL), PORTFOLIO_VIEW, None, "access.outsider_portfolio"),
    (Viewer("U5", UNKNOWN), PROJECT_VIEW, MINE, "access.unknown"),
    (Viewer("U5", UNKNOWN), Subject(FREE), None, None),
]


@pytest.mark.parametrize(("viewer", "subject", "standing", "refusal"), MATRIX)
def test_the_matrix(viewer, subject, standing, refusal):
    assert decide(viewer, subject, standing, RULES) == refusal


def test_guests_none_leaves_them_only_help():
    none = AccessRules(guests="none")
    assert decide(Viewer("U3", GUEST), PROJECT_VIEW, MINE, none) == "access.outsider_none"
    assert decide(Viewer("U3", GUEST), Subject(FREE), None, none) is None
    assert decide(Viewer("U4", EXTERNAL), PROJECT_VIEW, MINE, none) is None  # externals: own


@pytest.mark.parametrize(("user", "kind"), [
    ({"id": "U1", "team_id": "T1"}, MEMBER),
    ({"id": "U1", "team_id": "T1", "is_restricted": True}, GUEST),
    ({"id": "U1", "team_id": "T1", "is_restricted": True, "is_ultra_restricted": True}, GUEST),
    ({"id": "U1", "team_id": "T9"}, EXTERNAL),
    ({"id": "U1", "team_id": "T1", "is_stranger": True}, EXTERNAL),
])
def test_kind_of_a_slack_user(user, kind):
    assert kind_of(user, "T1") == kind


@pytest.mark.parametrize(("team", "enterprise", "home_team", "home_enterprise", "refused"), [
    ("T1", None, "T1", None, False),
    ("T2", None, "T1", None, True),
    ("T2", "E1", "T1", "E1", False),  # another workspace of the same Enterprise Grid org
    ("T2", "E2", "T1", "E1", True),
    ("T2", None, None, None, False),  # nothing known of home: nothing refused
])
def test_foreign_requests(team, enterprise, home_team, home_enterprise, refused):
    assert foreign(team, enterprise, home_team=home_team,
                   home_enterprise=home_enterprise) is refused
