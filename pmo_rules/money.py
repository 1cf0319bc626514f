"""Amounts of money as a PMO types them: a budget or a cost to date.

Accepted: whole or decimal numbers with at most two decimals (`400000`, `400000.50`),
thousands grouped by commas in threes (`400,000`), and the multipliers people write in
chat: `k` (thousand), `m` (million), `万` (ten thousand) and `亿` (a hundred million), as in
`400k`, `1.2m`, `40万`, `1.5亿`. Refused, with the accepted forms: scientific notation (`4e5`),
currency signs and codes (the currency is the PMO's, `[pmo] currency`), minus signs, a dot or
a space as a thousands separator (`400.000` reads as 400 to some people and 400,000 to
others), commas not grouped in threes, more than two decimals, zero where a budget is meant.
"""

from __future__ import annotations

import re
from decimal import Decimal

from pmo_rules.errors import UserError

MAX_AMOUNT = Decimal("1e13")
"""Ten trillion: far above any project budget, far inside a NUMERIC(18, 2) column."""

_MULTIPLIERS = {"": 1, "k": 1000, "m": 1_000_000, "万": 10_000, "亿": 100_000_000}
_AMOUNT = re.compile(r"(?P<number>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<cents>[0-9]+))?"
                     r"(?P<unit>[km万亿]?)", re.IGNORECASE)


def parse_amount(raw: str, *, field: str = "budget", allow_zero: bool = False,
                 usage: str | None = None) -> Decimal:
    """The amount `raw` names, rounded to cents; UserError("money.malformed") otherwise, and
    UserError("money.zero") for 0 unless `allow_zero` (a cost to date may be 0, a budget not)."""
    text = (raw or "").strip()
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise UserError("money.malformed", field=field, usage=usage, value=text[:40])
    unit = match["unit"].lower()
    if not unit and len(match["cents"] or "") > 2:
        raise UserError("money.malformed", field=field, usage=usage, value=text[:40])
    number = Decimal(match["number"].replace(",", "") + "." + (match["cents"] or "0"))
    amount = number * _MULTIPLIERS[unit]
    if amount != amount.quantize(Decimal("0.01")):
        raise UserError("money.malformed", field=field, usage=usage, value=text[:40])
    amount = amount.quantize(Decimal("0.01"))
    if amount == 0 and not allow_zero:
        raise UserError("money.zero", field=field, usage=usage)
    if amount >= MAX_AMOUNT:
        raise UserError("money.too_large", field=field, usage=usage, value=text[:40])
    return amount


def format_amount(amount: Decimal | float | int, currency: str, whole: bool = False) -> str:
    """`CNY 400,000` or `CNY 1,234.50`: grouped, cents only when there are any (never with
    `whole`, for computed figures such as planned value)."""
    value = Decimal(str(amount)).quantize(Decimal("1" if whole else "0.01"))
    sign = "−" if value < 0 else ""
    value = abs(value)
    shown = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{currency} {sign}{shown}"
