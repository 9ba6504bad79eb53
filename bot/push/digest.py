"""When a chat's daily digest is next due, at its own local hour, through DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def next_digest_time(after: datetime, hour: int, timezone: str) -> datetime:
    """The first `hour`:00 in `timezone` strictly after `after`, in UTC."""
    local = after.astimezone(ZoneInfo(timezone))
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)  # wall-clock arithmetic: the local hour survives DST
    return candidate.astimezone(UTC)
