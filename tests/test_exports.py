"""Exports beyond risks (`pmo-bot export status|gates|audit`, names beside ids, `--bom`) run as
an operator does, through the CLI in a subprocess; and `/pmo audit KEY [page]` through signed
requests, as a PMO admin and as someone who is not."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from services import zones
from tests.support import ADMIN, ALICE, BOB, Bot
from tests.support.risks import add, risk
from tests.support.scheduling import say


def pmo_bot(bot: Bot, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": bot.ctx.settings.database_url}
    env.pop("PMO_RULES", None)
    return subprocess.run([str(Path(sys.executable).with_name("pmo-bot")), "export", *args],
                          env=env, capture_output=True, timeout=120)


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def some_history(bot: Bot) -> None:
    """A status, a risk in Chinese changed once, a gate put on hold; alice's name cached."""
    say(bot, "/status", "APOLLO amber 供应商接口延期", ALICE)
    add(bot, f"供应商延期 p:2 i:2 owner:<@{BOB}|bob>")
    risk(bot, "update APOLLO-R1 p:4 i:5")
    say(bot, "/gate", "decide APOLLO hold until:2027-02-01 Budget frozen", ADMIN)
    zones.look_up(bot.ctx, [ALICE], bot.clock())


def test_export_status_with_a_bom_and_names_beside_ids(apollo, tmp_path):
    some_history(apollo)
    out = tmp_path / "status.csv"
    asked = len(apollo.slack.calls("users.info"))
    done = pmo_bot(apollo, "status", "--format", "csv", "--bom", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert len(apollo.slack.calls("users.info")) == asked  # names from the cache
    assert b"exported 1 status updates" in done.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,project,created_at,author,author_name,overall")
    [row] = rows(data[3:])
    assert (row["project"], row["author"], row["author_name"], row["overall"]) == (
        "APOLLO", ALICE, "Alice", "amber")
    assert row["summary"] == "供应商接口延期"


def test_export_gates_and_audit_to_standard_output(apollo):
    some_history(apollo)
    gates = pmo_bot(apollo, "gates")
    assert gates.returncode == 0, gates.stderr
    assert not gates.stdout.startswith(b"\xef\xbb\xbf")  # no BOM unless asked
    [held] = rows(gates.stdout)
    assert (held["project"], held["phase"], held["state"], held["reason"]) == (
        "APOLLO", "initiation", "held", "Budget frozen")
    assert held["decided_by"] == ADMIN and held["decided_by_name"] == "Pat"  # the start-up sync
    assert held["hold_until"] == "2027-01-31T16:00:00+00:00"  # 2027-02-01 in Shanghai, in UTC

    audit = pmo_bot(apollo, "audit", "--bom")
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.startswith(b"\xef\xbb\xbf")
    entries = rows(audit.stdout[3:])
    assert list(entries[0]) == ["id", "at", "project", "actor", "actor_name", "action",
                                "subject_type", "subject_id", "before", "after"]
    updated = next(e for e in entries if e["action"] == "risk.updated")
    assert updated["project"] == "APOLLO" and updated["actor_name"] == "Alice"
    assert '"probability": 2' in updated["before"] and '"probability": 4' in updated["after"]
    assert any(e["action"] == "status.posted" for e in entries)


def test_export_risks_names_the_owner(apollo):
    add(apollo, f"Vendor may slip p:2 i:2 owner:<@{BOB}|bob>")
    zones.look_up(apollo.ctx, [BOB], apollo.clock())
    [row] = rows(pmo_bot(apollo, "risks").stdout)
    assert (row["owner"], row["owner_name"]) == (BOB, "Bob")
    assert (row["closed_by"], row["closed_by_name"]) == ("", "")


def test_export_refuses_an_unknown_log(apollo):
    done = pmo_bot(apollo, "budgets")
    assert done.returncode == 2 and b"invalid choice" in done.stderr
    assert b"Traceback" not in done.stderr


# --- /pmo audit ------------------------------------------------------------------------------

def test_an_admin_reads_a_projects_audit_trail_with_before_and_after(apollo):
    some_history(apollo)
    shown = say(apollo, "/pmo", "audit APOLLO", ADMIN)
    assert shown.startswith("*Audit trail of APOLLO* · page 1 of 1 · newest first")
    lines = shown.splitlines()
    updated = lines.index(next(x for x in lines if "`risk.updated`" in x))
    assert f"<@{ALICE}> · `risk.updated` risk APOLLO-R1" in lines[updated]
    assert lines[updated + 1].startswith("      impact: 2 → 5; probability: 2 → 4; score: 4 → 20")
    assert any("`project.added` project APOLLO" in x for x in lines)
    assert shown.index("`gate.held`") < shown.index("`risk.updated`")  # newest first


def test_the_audit_trail_pages_and_reads_only(apollo):
    for n in range(12):
        add(apollo, f"Risk number {n} p:1 i:1")
    before = len(apollo.slack.calls())
    first = say(apollo, "/pmo", "audit APOLLO", ADMIN)
    assert "page 1 of 2" in first and "13 entries" in first
    assert "Older entries: `/pmo audit APOLLO 2`." in first
    second = say(apollo, "/pmo", "audit apollo 2", ADMIN)
    assert "page 2 of 2" in second and "`project.added`" in second
    assert "Older entries" not in second
    assert "there is no page 3" in say(apollo, "/pmo", "audit APOLLO 3", ADMIN)
    assert [c.method for c in apollo.slack.calls()[before:]
            if c.method.startswith("chat.")] == []  # nothing posted: ephemeral answers only


def test_a_page_of_long_entries_fits_a_message_and_shows_people_as_mentions(apollo):
    for n in range(10):
        add(apollo, f"{'Long title ' * 13}{n} p:2 i:2 owner:<@{BOB}|bob> "
                    f"desc:{'A long description & more ' * 20}")
    shown = say(apollo, "/pmo", "audit APOLLO", ADMIN)
    assert len(shown) < 4000 and shown.count("`risk.added`") == 10
    assert f"owner_id: <@{BOB}>" in shown and "&amp; more" in shown
    assert "; …" in shown  # whole changes left out, never one cut in half


def test_the_audit_trail_is_for_pmo_admins_only(apollo):
    refused = apollo.command("/pmo", "audit APOLLO", user=ALICE).text
    assert refused.startswith(":no_entry: Only PMO admins can read a project's audit trail.")
    assert "`[pmo] admins`" in refused


def test_bad_audit_requests_are_answered_plainly(apollo):
    assert "is not a page number" in apollo.command("/pmo", "audit APOLLO two",
                                                    user=ADMIN).text
    assert "is not a page number" in apollo.command("/pmo", "audit APOLLO 0", user=ADMIN).text
    assert "Which project" in apollo.command("/pmo", "audit", user=ADMIN).text
    assert "There is no project *NOSUCH*" in say(apollo, "/pmo", "audit NOSUCH", ADMIN)


def test_the_cells_left_to_the_csv_module_are_written_as_the_converter_writes_them():
    """`cells` skips `_cell` for most cells of a large export; written out, each row is the same
    text as with `_cell` on every cell: numbers (negative ones too), colours, dates, times,
    text that could start a formula, lists, nothing."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from pmo_rules.rag import Rag
    from services.exports import _cell, cells

    values = [None, 0, -3, 2.5, 1e20, Decimal("-28000.00"), True, Rag.RED, date(2026, 12, 5),
              datetime(2026, 12, 5, 1, 30, tzinfo=UTC), "plain", "=SUM(A1)", "-5 days", "@bob",
              "", ["U1", "U2"], {"before": 1}, [1, 2]]

    def written(row: list[object]) -> str:
        handle = io.StringIO()
        csv.writer(handle).writerow(row)
        return handle.getvalue()

    assert written(cells(values)) == written([_cell(v) for v in values])
    assert "'=SUM(A1)" in written(cells(values)) and "2026-12-05T01:30:00+00:00" in written(
        cells(values))
