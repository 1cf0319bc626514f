"""One vocabulary: the life cycle (pmo_rules.lifecycle), approvals (pmo_rules.approvals) and
permissions (pmo_rules.permissions) are each spelled once, and the old second spellings stay
gone. Pure and fast: the last tests read the source tree, nothing runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pmo_rules import approvals, lifecycle
from pmo_rules.approvals import MAX_APPROVERS, Outcome, Quorum, QuorumError
from pmo_rules.config import DEFAULT_RULES, RulesError, parse_rules
from pmo_rules.errors import UserError
from pmo_rules.pmo_commands import parse_pmo_command

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "pmo_rules", "storage", "templates", "bench")


# --- the life cycle ---------------------------------------------------------------------------

def test_phases_and_next_phase() -> None:
    assert lifecycle.PHASES == ("initiation", "planning", "execution", "closing")
    assert [lifecycle.next_phase(p) for p in lifecycle.PHASES] == [
        "planning", "execution", "closing", lifecycle.CLOSED_PHASE]
    assert [lifecycle.state_after_passing(p) for p in lifecycle.PHASES] == [
        "active", "active", "active", lifecycle.CLOSED]
    with pytest.raises(ValueError):
        lifecycle.next_phase("monitoring")
    with pytest.raises(ValueError):
        DEFAULT_RULES.gate(lifecycle.CLOSED_PHASE)


def test_the_portfolio_is_the_running_projects() -> None:
    assert lifecycle.PORTFOLIO_STATES == ("active", "on_hold")
    assert set(lifecycle.STATES) - set(lifecycle.PORTFOLIO_STATES) == {"cancelled", "closed"}
    assert lifecycle.in_portfolio("on_hold") and not lifecycle.in_portfolio("closed")


# --- the quorum: one parser, one bound ---------------------------------------------------------

@pytest.mark.parametrize(("raw", "value"), [
    ("any", "any"), ("ALL", "all"), (" all ", "all"), ("1", 1), ("20", 20), (3, 3),
])
def test_quorum_parses_words_and_counts(raw, value) -> None:
    assert Quorum.parse(raw).value == value


@pytest.mark.parametrize("raw", ["most", "", "0", "21", "-1", "２", "1.5", 0, 21, True, 2.0,
                                 None, ["all"]])
def test_quorum_refuses_anything_else(raw) -> None:
    with pytest.raises(QuorumError):
        Quorum.parse(raw)


def test_the_rules_file_and_the_override_share_the_bound() -> None:
    approvers = [f"U{n:03d}AB" for n in range(MAX_APPROVERS + 1)]
    assert parse_rules({"gates": {"planning": {"quorum": MAX_APPROVERS}}})
    with pytest.raises(RulesError, match="gates.planning.quorum"):
        parse_rules({"gates": {"planning": {"quorum": MAX_APPROVERS + 1}}})
    with pytest.raises(RulesError, match=f"at most {MAX_APPROVERS} approvers"):
        parse_rules({"gates": {"planning": {"approvers": approvers}}})
    typed = "project APOLLO approvers planning <@UBOB001|bob> quorum:"
    assert parse_pmo_command(f"{typed}{MAX_APPROVERS}").quorum == MAX_APPROVERS
    with pytest.raises(UserError, match="gate.quorum_malformed"):
        parse_pmo_command(f"{typed}{MAX_APPROVERS + 1}")


@pytest.mark.parametrize(("quorum", "count", "required"),
                         [("any", 3, 1), ("all", 3, 3), (2, 3, 2), (1, 1, 1)])
def test_required_approvals(quorum, count, required) -> None:
    assert Quorum(quorum).required(count) == required


@pytest.mark.parametrize(("quorum", "count"), [("any", 0), ("all", 0), (3, 2)])
def test_an_unreachable_quorum_is_refused_not_lowered(quorum, count) -> None:
    with pytest.raises(ValueError):
        Quorum(quorum).required(count)


# --- the electorate and the outcome of votes ---------------------------------------------------

def test_the_electorate_leaves_out_the_requester_without_self_approval() -> None:
    elected = approvals.elect(("UA", "UB", "UC"), Quorum("all"), "UA", self_approval=False)
    assert elected == approvals.Electorate(("UB", "UC"), 2, "all")
    assert approvals.elect(("UA", "UB"), Quorum(1), "UA", self_approval=True).approvers == \
        ("UA", "UB")
    for approvers, quorum, reason in [((), "any", "no_approvers"),
                                      (("UA",), "any", "only_requester"),
                                      (("UA", "UB"), 2, "unreachable")]:
        with pytest.raises(approvals.NoElectorate) as caught:
            approvals.elect(approvers, Quorum(quorum), "UA", self_approval=False)
        assert caught.value.reason == reason


@pytest.mark.parametrize(("votes", "required", "outcome"), [
    ({}, 1, Outcome.PENDING),
    ({"UB": "approve"}, 1, Outcome.APPROVED),
    ({"UB": "approve"}, 2, Outcome.PENDING),
    ({"UB": "approve", "UC": "reject"}, 1, Outcome.REJECTED),
    ({"UC": "reject"}, 2, Outcome.REJECTED),
])
def test_outcome_of_votes(votes, required, outcome) -> None:
    assert approvals.outcome_of(votes, required) is outcome


# --- each word is spelled once -----------------------------------------------------------------

def definitions() -> dict[str, list[str]]:
    """Every module-level name (assigned, imported aside) and every function or method defined
    in the product's packages, with the modules that define it."""
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    names = [node.name]
                elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node in tree.body:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        elts = target.elts if isinstance(target, ast.Tuple) else [target]
                        names += [e.id for e in elts if isinstance(e, ast.Name)]
                for name in names:
                    found.setdefault(name, []).append(module)
    return found


DEFS = definitions()


@pytest.mark.parametrize(("name", "home"), [
    ("PHASES", "pmo_rules.lifecycle"),
    ("CLOSED_PHASE", "pmo_rules.lifecycle"),
    ("PORTFOLIO_STATES", "pmo_rules.lifecycle"),
    ("ACTIVE", "pmo_rules.lifecycle"),
    ("ON_HOLD", "pmo_rules.lifecycle"),
    ("CANCELLED", "pmo_rules.lifecycle"),
    ("next_phase", "pmo_rules.lifecycle"),
    ("Quorum", "pmo_rules.approvals"),
    ("Electorate", "pmo_rules.approvals"),
    ("MAX_APPROVERS", "pmo_rules.approvals"),
    ("is_admin", "pmo_rules.permissions"),
])
def test_defined_once(name, home) -> None:
    assert DEFS.get(name) == [home]


@pytest.mark.parametrize("name", ["REPORTING_STATES", "PROJECT_STATES", "parse_quorum",
                                  "MAX_OVERRIDE_APPROVERS", "_QUORUM_WORDS", "check_may_vote",
                                  "check_may_request", "check_may_decide", "may_change",
                                  "require_editor", "require_may_edit"])
def test_old_spellings_are_gone(name) -> None:
    assert name not in DEFS


def test_closed_means_one_thing_per_module() -> None:
    """A project's state (lifecycle) and a risk's status (risk) are both "closed"; the phase
    after closing is CLOSED_PHASE, so no module needs to rename one CLOSED to import another."""
    assert sorted(DEFS["CLOSED"]) == ["pmo_rules.lifecycle", "pmo_rules.risk"]


def test_every_permission_is_in_permissions_py() -> None:
    """A newcomer finds who may do what in one file: no may_*/require_* rule elsewhere in
    pmo_rules (domain modules name their own refusals check_*)."""
    elsewhere = {name: modules for name, modules in DEFS.items()
                 if name.startswith(("may_", "require_"))
                 and any(m.startswith("pmo_rules.") and m != "pmo_rules.permissions"
                         for m in modules)}
    assert elsewhere == {}
