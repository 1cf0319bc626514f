"""The one paginator (templates/paging.py), pure: lines into sections, sections and blocks
into messages, all within Slack's limits as templates/slack_limits.py states them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.standin import limits as standin
from templates import slack_limits
from templates.paging import (
    FRAME_CHARS,
    MESSAGE_CHARS,
    PAGE_SECTION_TEXT,
    SECTIONS_PER_MESSAGE,
    block_chars,
    chunks,
    group_lines,
    pack_lines,
    page_lines,
    split_blocks,
)
from templates.slack_limits import HEADER_TEXT, MESSAGE_BLOCKS, SECTION_TEXT


def test_one_set_of_numbers_for_the_builder_and_the_checker():
    """The stand-in checks the very numbers the paginator builds to."""
    for name in ("MESSAGE_BLOCKS", "VIEW_BLOCKS", "SECTION_TEXT", "HEADER_TEXT",
                 "CONTEXT_ELEMENTS", "PRIVATE_METADATA", "MODAL_TITLE"):
        assert getattr(standin, name) == getattr(slack_limits, name)


def test_the_budget_stays_within_slacks_limits():
    assert MESSAGE_CHARS < slack_limits.MESSAGE_BLOCKS_TEXT
    assert PAGE_SECTION_TEXT == 2750 and PAGE_SECTION_TEXT <= SECTION_TEXT
    assert SECTIONS_PER_MESSAGE * PAGE_SECTION_TEXT + FRAME_CHARS <= MESSAGE_CHARS
    assert HEADER_TEXT < FRAME_CHARS


@given(st.lists(st.text(alphabet="ab ", max_size=120), max_size=200),
       st.integers(min_value=10, max_value=400))
def test_packed_lines_keep_order_and_fit(lines, limit):
    groups = group_lines(lines, limit)
    assert all(len("\n".join(group)) <= limit for group in groups)
    flattened = [line for group in groups for line in group]
    assert len(flattened) == len(lines)
    for packed, line in zip(flattened, lines, strict=True):
        assert packed == line or (len(line) > limit and packed.endswith("…"))
    assert pack_lines(lines, limit) == ["\n".join(group) for group in groups]


def test_chunks():
    assert chunks([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]] and chunks([], 3) == []


def test_pack_lines_keeps_each_text_within_the_section_limit():
    lines = [f"line {n} " + "x" * 90 for n in range(200)]
    texts = pack_lines(lines)
    assert all(len(text) <= SECTION_TEXT for text in texts)
    assert "\n".join(texts).split("\n") == lines
    assert pack_lines(["y" * 5000]) == ["y" * (SECTION_TEXT - 1) + "…"]


def test_a_page_of_lines_leaves_room_for_its_frame():
    lines = [f"*P{n:04d}* " + "x" * 120 for n in range(500)]
    pages = page_lines(lines)
    assert all(len(page) <= SECTIONS_PER_MESSAGE for page in pages)
    for page in pages:
        assert sum(len("\n".join(group)) for group in page) <= MESSAGE_CHARS - FRAME_CHARS
    assert [line for page in pages for group in page for line in group] == lines


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_split_blocks_respects_block_count_and_text_budget():
    many = [section("x") for _ in range(120)]
    assert [len(m) for m in split_blocks(many)] == [MESSAGE_BLOCKS, MESSAGE_BLOCKS, 20]
    heavy = [section("y" * 2900) for _ in range(10)]
    parts = split_blocks(heavy)
    assert all(sum(block_chars(b) for b in part) <= MESSAGE_CHARS for part in parts)
    assert sum(len(part) for part in parts) == 10
