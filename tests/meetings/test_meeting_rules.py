"""The pure part of meeting minutes: reading the form's rows and cutting long notes."""

from __future__ import annotations

from datetime import date

import pytest

from pmo_rules.errors import UserError
from pmo_rules.meetings import parse_meeting, read_form, split_notes

TODAY = date(2026, 11, 23)


def test_rows_are_read_in_order_and_empty_ones_skipped():
    minutes = read_form("APOLLO", {
        "title": "  Review ", "date": None, "attendees": ["U1", "U2"], "notes": " ",
        "d2_text": "Vendor B", "d2_by": "U2",
        "a1_text": "Runbook", "a1_owner": "U3", "a1_due": "2026-11-23",
        "a5_text": "Cage", "a5_owner": "U2", "a5_due": "2026-12-01"}, TODAY)
    assert (minutes.title, minutes.day, minutes.attendees, minutes.notes) == (
        "Review", TODAY, ("U1", "U2"), None)
    assert [(d.title, d.decided_by) for d in minutes.decisions] == [("Vendor B", "U2")]
    assert [(a.title, a.owner, a.due) for a in minutes.actions] == [
        ("Runbook", "U3", TODAY), ("Cage", "U2", date(2026, 12, 1))]


@pytest.mark.parametrize(("fields", "key", "field"), [
    ({}, "meeting.title_missing", "title"),
    ({"title": "x" * 151}, "meeting.title_too_long", "title"),
    ({"title": "T", "date": "23/11/2026"}, "meeting.bad_date", "date"),
    ({"title": "T", "a3_due": "2026-12-01"}, "meeting.row_text_missing", "a3_text"),
    ({"title": "T", "a1_text": "x" * 201, "a1_owner": "U1", "a1_due": "2026-12-01"},
     "meeting.text_too_long", "a1_text"),
])
def test_bad_fields_are_refused_at_their_block(fields, key, field):
    with pytest.raises(UserError) as refused:
        read_form("APOLLO", fields, TODAY)
    assert (refused.value.key, refused.value.field) == (key, field)


def test_the_command_needs_one_key():
    assert parse_meeting(["apollo"]).key == "APOLLO"
    for words in ([], ["APOLLO", "extra"]):
        with pytest.raises(UserError, match="meeting.usage"):
            parse_meeting(words)


def test_notes_are_cut_at_a_paragraph_then_a_line_then_a_space_then_anywhere():
    assert split_notes("short") == ["short"]
    assert split_notes("aaaa\n\nbbbb", size=7) == ["aaaa", "bbbb"]
    assert split_notes("aa bb cc", size=5) == ["aa bb", "cc"]
    assert split_notes("x" * 12, size=5) == ["xxxxx", "xxxxx", "xx"]
    notes = "\n\n".join("word " * 200 for _ in range(5))
    pieces = split_notes(notes)
    assert all(len(p) <= 2900 for p in pieces) and " ".join(pieces).split() == notes.split()
