"""Reading the dates that portals print, in whatever shape they print them.

Listing pages give dates as `<time datetime>` attributes, feed-style timestamps or
words ("22 June 2017", "June 22, 2017"); a statement without a date is still worth
sending, so anything unreadable is `None` rather than an error. The stdlib covers
this without python-dateutil; month names are matched from our own table so the
result never depends on the process's locale.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[a-z]+)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# Searched, not matched whole, so "Posted on June 22, 2017 by admin" still has a date.
_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE | re.ASCII)
    for pattern in (
        rf"\b{_YEAR}-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}})\b",
        rf"\b(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})\.{_YEAR}\b",
        rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b",
        rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b",
    )
)


def parse_date(value: str) -> datetime | None:
    """The moment `value` names, as an aware UTC datetime; a date alone is its midnight UTC.

    Times without a zone are taken as UTC: portals that omit the zone are read the
    same way on every poll, which is what deduplication needs.
    """
    value = value.strip()
    if not value:
        return None
    parsed = _iso(value) or _rfc2822(value) or _words(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _rfc2822(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _words(value: str) -> datetime | None:
    for pattern in _PATTERNS:
        for found in pattern.finditer(value):
            month = found["month"].lower()
            number = int(month) if month.isdecimal() else _MONTHS.get(month)
            if number is None:
                continue
            try:
                return datetime(int(found["year"]), number, int(found["day"]))
            except ValueError:
                continue
    return None
