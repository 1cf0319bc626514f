"""A proposal's people needed, the pure part (issue 13): the grammar (`@alice 50%, @bob 0.5,
2 FTE developer`), what it refuses and why, the canonical text it reads back, and the room
check — examples, and properties over generated entries and arbitrary text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_rules.errors import UserError
from pmo_rules.people_needed import (
    MAX_ENTRIES,
    Need,
    Room,
    as_text,
    fte,
    parse_needed,
    room,
    stored,
)
from pmo_rules.proposals import check_draft, parse_proposal
from pmo_rules.ranking import Candidate, to_make_room, to_make_room_each
from templates.errors import error_text
from templates.render import Renderer

A, B = "UALICE1", "UBOB001"


@pytest.mark.parametrize(("typed", "expected"), [
    (f"<@{A}|alice> 50%, <@{B}> 0.5, 2 FTE developer",
     (Need(A, percent=50), Need(B, percent=50), Need(role="developer", percent=200))),
    (f"<@{A}> 50 %; <@{B}> 0.25 FTE", (Need(A, percent=50), Need(B, percent=25))),
    (f"<@{A}> 1", (Need(A, percent=100),)),
    (f"<@{A}> .5", (Need(A, percent=50),)),
    (f"<@{A}> 30％", (Need(A, percent=30),)),
    ("1 analyst, 2 developers", (Need(role="analyst", percent=100),
                                 Need(role="developers", percent=200))),
    ("2FTE QA、50% tester，0.5 designer", (Need(role="QA", percent=200),
                                          Need(role="tester", percent=50),
                                          Need(role="designer", percent=50))),
    ("1.5 fte data engineer", (Need(role="data engineer", percent=150),)),
    ("someone from legal", (Need(role="someone from legal"),)),
    ("2nd line support", (Need(role="2nd line support"),)),
    ("- 2 developers\n- a tester", (Need(role="developers", percent=200), Need(role="a tester"))),
    ("R&amp;D lead", (Need(role="R&D lead"),)),
    ("", ()),
    (" , ,", ()),
])
def test_accepted_forms(typed, expected):
    assert parse_needed(typed) == expected


@pytest.mark.parametrize(("typed", "key"), [
    (f"<@{A}>", "people_needed.share_missing"),
    (f"<@{A}> 50", "people_needed.share_ambiguous"),
    (f"<@{A}> 1.5", "people_needed.share_ambiguous"),
    (f"<@{A}> 150%", "people_needed.person_over"),
    (f"<@{A}> 2 FTE", "people_needed.person_over"),
    (f"<@{A}> 0%", "people_needed.share_zero"),
    (f"<@{A}> 0.333", "people_needed.share_not_whole"),
    (f"<@{A}> lots", "people_needed.share_malformed"),
    (f"<@{A}> -10%", "people_needed.share_malformed"),
    (f"<@{A}> <@{B}> 50%", "people_needed.one_person_each"),
    (f"<@{A}> 10%, <@{A}> 20%", "people_needed.person_twice"),
    (f"developer <@{A}> 50%", "people_needed.mention_first"),
    ("@alice 50%", "people_needed.not_a_mention"),
    ("2 FTE", "people_needed.role_missing"),
    ("50%", "people_needed.role_missing"),
    ("0 developers", "people_needed.share_zero"),
    ("-1 developer", "people_needed.share_malformed"),
    ("1.5.3 developers", "people_needed.share_malformed"),
    ("20000 developers", "people_needed.role_too_many"),
    ("2 " + "x" * 61, "people_needed.role_too_long"),
    (", ".join(["1 dev"] * (MAX_ENTRIES + 1)), "people_needed.too_many"),
])
def test_refusals_name_the_entry_and_the_fix(typed, key):
    with pytest.raises(UserError) as refused:
        parse_needed(typed)
    assert refused.value.key == key
    assert refused.value.usage == "pmo_proposal_people"
    for locale in ("en", "zh"):  # every refusal reads in both languages, with the syntax
        said = error_text(Renderer(locale), refused.value)
        assert "people" in said and "{{" not in said, said


def test_the_form_puts_a_refusal_on_the_people_field_and_keeps_the_entries():
    fields = {"title": "CRM", "objective": "Keep it", "cost": "400k", "months": "6",
              "delivery_risk": "3"}
    with pytest.raises(UserError) as refused:
        check_draft(fields | {"people": f"<@{A}> 150%"}, themes=(), criteria=())
    assert (refused.value.key, refused.value.field) == ("people_needed.person_over", "people")
    draft = check_draft(fields | {"people": f"<@{A}> 50%, 2 FTE developer"}, themes=(),
                        criteria=())
    assert draft.needs == (Need(A, percent=50), Need(role="developer", percent=200))
    assert check_draft(fields, themes=(), criteria=()).needs == ()


def test_the_one_liner():
    verb = parse_proposal(["PR-3", "people", f"<@{A}|alice>", "50%,", "2", "FTE", "developer"])
    assert (verb.verb, verb.people) == ("people", f"<@{A}|alice> 50%, 2 FTE developer")
    assert verb.needs == (Need(A, percent=50), Need(role="developer", percent=200))
    cleared = parse_proposal(["PR-3", "people", "none"])
    assert (cleared.people, cleared.needs) == (None, ())
    with pytest.raises(UserError) as refused:
        parse_proposal(["PR-3", "people"])
    assert refused.value.key == "people_needed.missing"
    with pytest.raises(UserError) as refused:
        parse_proposal(["PR-3", "people", f"<@{A}>", "200%"])
    assert refused.value.key == "people_needed.person_over"


def test_fte_and_the_room_check():
    assert [fte(p) for p in (200, 50, 125, 100, 5)] == ["2", "0.5", "1.25", "1", "0.05"]
    needs = (Need(A, percent=50), Need(B, percent=30), Need(role="developer", percent=200),
             Need(role="someone from legal"))
    checks, roles = room(needs, {A: 50, B: 80})
    assert checks == [Room(A, 50, 50), Room(B, 30, 80)]
    assert [(c.after, c.fits, c.over) for c in checks] == [(100, True, 0), (110, False, 10)]
    assert roles == [needs[2], needs[3]]
    assert room(needs, {})[0] == [Room(A, 50, 0), Room(B, 30, 0)]  # nobody allocated yet


def test_stored_reads_only_entries():
    good = [Need(A, percent=50).to_wire(), Need(role="dev", percent=200).to_wire(),
            Need(role="legal").to_wire()]
    assert stored(good) == (Need(A, percent=50), Need(role="dev", percent=200),
                            Need(role="legal"))
    assert stored(None) == () and stored("x") == ()
    assert stored([{"user": A}, {"percent": 5}, 3, {"role": ""}]) == ()


# -- properties -----------------------------------------------------------------------------------

_users = st.from_regex(r"U[A-Z0-9]{6,10}", fullmatch=True)
_role_words = st.from_regex(r"[A-Za-z][A-Za-z ]{0,30}[a-z]", fullmatch=True).map(
    lambda w: " ".join(w.split())).filter(lambda w: not w.lower().startswith("fte"))


@st.composite
def _needs(draw):
    people = draw(st.lists(_users, unique=True, max_size=5))
    found = [Need(user, percent=draw(st.integers(1, 100))) for user in people]
    for _ in range(draw(st.integers(0, MAX_ENTRIES - len(found)))):
        words = draw(_role_words)
        amount = draw(st.one_of(st.none(), st.integers(1, 10_000)))
        if amount is None and words[:1].isdigit():
            continue
        found.append(Need(role=words, percent=amount))
    return tuple(draw(st.permutations(found)))


@settings(max_examples=300, deadline=None)
@given(_needs())
def test_the_canonical_text_reads_back_the_same_entries(needs):
    assert parse_needed(as_text(needs)) == needs


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("<@UA1>|%％.,，;、 \n-0123456789FTEfteabmp&名开发"),
               max_size=40))
def test_any_text_is_read_or_refused_with_a_message(typed):
    try:
        needs = parse_needed(typed)
    except UserError as refused:
        assert refused.key.startswith(("people_needed.", "text."))
        return
    for need in needs:
        assert (need.user_id is None) != (need.role is None)
        if need.user_id:
            assert 0 < need.percent <= 100
        elif need.percent is not None:
            assert 0 < need.percent <= 10_000
        assert need.role is None or need.role.strip() == need.role != ""


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 100), st.integers(0, 400))
def test_room_is_the_total_plus_the_share_within_100(share, now):
    check = room([Need(A, percent=share)], {A: now})[0][0]
    assert check.fits == (now + share <= 100)
    assert check.over == max(0, now + share - 100)


# -- what would have to go, for every proposal below the line at once (rank's speed) ---------------

_cands = st.lists(st.tuples(st.integers(0, 60), st.floats(0, 100, allow_nan=False)),
                  min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(_cands, st.integers(0, 200))
def test_to_make_room_each_is_to_make_room_for_each(items, budget):
    cands = [Candidate(f"PR-{i}", Decimal(cost), round(score, 2))
             for i, (cost, score) in enumerate(items, 1)]
    chosen, below = cands[::2], cands[1::2]
    budget = Decimal(budget) + sum((c.cost for c in chosen), Decimal(0)) // 2
    each = to_make_room_each(below, chosen, Decimal(budget))
    assert each == {c.ref: to_make_room(c, chosen, Decimal(budget)) for c in below}
