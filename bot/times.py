"""Times as the database keeps them: UTC ISO 8601 text, whose text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
