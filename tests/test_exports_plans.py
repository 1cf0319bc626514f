"""`pmo-bot export milestones` and `pmo-bot export indicators [--as-of DATE]` (issue 11, item
6) through the one exporter, run as an operator does: the CLI in a subprocess; both databases.

APOLLO (PM alice) is past its planning gate, so its plan is the baseline at once: 2026-01-05 →
2026-10-30, BAC 400,000. The tests' today (2026-11-23) is past the finish, so PV = BAC. Alice
reports Green at 30% with 150,000 spent: EV 120,000, SPI 0.3, CPI 0.8, EAC 500,000."""

from __future__ import annotations

import pytest

from services import zones
from storage.projects import project_by_key
from tests.support import ADMIN, ALICE, BOB, make_bot
from tests.support.gates import add_apollo, say
from tests.test_exports import pmo_bot, rows


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack)
    add_apollo(bot)
    with bot.ctx.db.write() as session:
        project_by_key(session, "APOLLO").phase = "execution"
    yield bot
    bot.close()


def planned(bot) -> None:
    """APOLLO's plan, two milestones (M1 forecast 5 working days late, M2 done) and a Green
    report; HERMES with nothing; alice's name cached."""
    assert "baselined" in say(bot, "/pmo", "project APOLLO plan start:2026-01-05 "
                                            "finish:2026-10-30 budget:400,000")
    say(bot, "/milestone", f"add APOLLO Wave 1 cut-over due:2026-11-27 owner:<@{BOB}|bob> "
                           "weight:3")
    say(bot, "/milestone", "add APOLLO =SUM(A1) kick-off due:2026-11-24")
    say(bot, "/milestone", "forecast APOLLO-M1 2026-12-04 Vendor API late")
    say(bot, "/milestone", "done APOLLO-M2")
    say(bot, "/status", "APOLLO green pct:30 spent:150000 eac:420000 All fine")
    say(bot, "/pmo", f"project add HERMES Hermes CRM pm:<@{BOB}|bob> channel:<#CAPOLLO1|apollo>",
        ADMIN)
    zones.look_up(bot.ctx, [ALICE], bot.clock())


def test_export_milestones_with_slips_names_and_the_formula_guard(pmo):
    planned(pmo)
    done = pmo_bot(pmo, "milestones", "--format", "csv", "--as-of", "2026-11-23")
    assert done.returncode == 0, done.stderr
    m1, m2 = rows(done.stdout)
    assert list(m1)[:8] == ["id", "project", "number", "title", "owner", "owner_name", "weight",
                            "due_on"]
    assert (m1["id"], m1["title"], m1["owner"], m1["owner_name"], m1["weight"]) == (
        "APOLLO-M1", "Wave 1 cut-over", BOB, "Bob", "3")
    assert (m1["due_on"], m1["forecast_on"], m1["expected_on"], m1["done_on"],
            m1["slip_days"]) == ("2026-11-27", "2026-12-04", "2026-12-04", "", "5")
    assert (m2["title"], m2["owner"], m2["owner_name"]) == ("'=SUM(A1) kick-off", ALICE, "Alice")
    assert (m2["done_on"], m2["slip_days"]) == ("2026-11-23", "0")
    later = rows(pmo_bot(pmo, "milestones", "--as-of", "2026-12-10").stdout)
    assert later[0]["slip_days"] == "9"  # the forecast passed too: counted to 12-10


def test_export_indicators_one_row_a_project_with_reported_and_indicated(pmo, tmp_path):
    planned(pmo)
    out = tmp_path / "indicators.csv"
    done = pmo_bot(pmo, "indicators", "--format", "csv", "--as-of", "2026-11-23", "--bom",
                   "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert b"exported 2 projects" in done.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfproject,name,phase,state,pm,pm_name,as_of,currency,")
    apollo, hermes = rows(data[3:])
    assert {k: apollo[k] for k in ("project", "pm", "pm_name", "as_of", "currency",
                                   "baseline_start", "baseline_finish")} == {
        "project": "APOLLO", "pm": ALICE, "pm_name": "Alice", "as_of": "2026-11-23",
        "currency": "CNY", "baseline_start": "2026-01-05", "baseline_finish": "2026-10-30"}
    assert {k: apollo[k] for k in ("bac", "pv", "ev", "ac", "spi", "cpi", "sv", "cv", "eac",
                                   "pm_eac", "vac", "tcpi")} == {
        "bac": "400000.00", "pv": "400000.00", "ev": "120000.00", "ac": "150000.00",
        "spi": "0.3", "cpi": "0.8", "sv": "-280000.00", "cv": "-30000.00", "eac": "500000.00",
        "pm_eac": "420000.00", "vac": "-100000.00", "tcpi": "1.12"}
    assert (apollo["worst_slip_milestone"], apollo["worst_slip_days"]) == ("APOLLO-M1", "5")
    assert (apollo["reported_overall"], apollo["indicated_overall"],
            apollo["indicated_schedule"], apollo["indicated_cost"],
            apollo["reported_better"]) == ("green", "red", "red", "red", "overall")
    assert apollo["reported_at"].startswith("2026-11-23T02:00")
    assert hermes["project"] == "HERMES" and hermes["pm"] == BOB
    assert all(hermes[k] == "" for k in ("currency", "bac", "pv", "spi", "worst_slip_days",
                                         "reported_overall", "indicated_overall"))


def test_indicators_as_of_another_day(pmo):
    planned(pmo)
    later = rows(pmo_bot(pmo, "indicators", "--as-of", "2026-12-10").stdout)[0]
    assert (later["as_of"], later["worst_slip_days"], later["reported_overall"]) == (
        "2026-12-10", "9", "green")
    before = rows(pmo_bot(pmo, "indicators", "--as-of", "2026-11-20").stdout)[0]
    # before the baseline was taken and anything was reported: nothing indicated yet
    assert (before["bac"], before["reported_overall"], before["worst_slip_days"]) == ("", "", "")
    today = rows(pmo_bot(pmo, "indicators").stdout)[0]  # the real clock's date
    assert today["as_of"] >= "2026-12-01" and today["bac"] == "400000.00"


def test_bad_as_of_is_refused_plainly(pmo):
    for args, says in ((("indicators", "--as-of", "23/11/2026"), b""),
                       (("indicators", "--as-of", "tomorrow"), b"not a date such as"),
                       (("status", "--as-of", "2026-11-23"),
                        b"--as-of applies to milestones and indicators only")):
        done = pmo_bot(pmo, *args)  # one process per case (each takes seconds to start)
        assert done.returncode == 2 and b"Traceback" not in done.stderr
        assert says in done.stderr
