"""RSS (0.9x, 1.0, 2.0) and Atom feeds, read with feedparser from bytes already fetched.

feedparser is tolerant by design: on broken XML it falls back to a loose parser and
flags the feed "bozo". We keep whatever it recovered and only report an error when
nothing came out, because one bad entry should not silence a party's whole feed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from time import struct_time
from typing import Any

import feedparser

from bot.models import RawStatement
from bot.normalise import clean_text
from bot.sources.dates import parse_date
from bot.sources.html import html_to_text, resolve_link


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What one feed gave; `error` says why it gave nothing, for the operator."""

    statements: tuple[RawStatement, ...]
    error: str | None = None


def parse_feed(
    body: bytes,
    source: str,
    base_url: str | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """The feed's entries as statements, in the feed's order.

    `base_url` is where the feed was fetched from (relative links and xml:base
    resolve against it); `content_type` is the response's header, whose charset
    feedparser weighs against the XML declaration and the bytes themselves.
    """
    if not body.strip():
        return ParsedFeed((), "empty body")
    given = {"content-location": base_url, "content-type": content_type}
    headers = {name: value for name, value in given.items() if value}
    # A BytesIO, never the bytes: feedparser reads a bare string that looks like a
    # URL or a path as one to open, and a feed body must not make us do I/O.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    entries = parsed.entries
    statements = tuple(
        statement
        for statement in (_statement(entry, source, base_url) for entry in entries)
        if statement is not None
    )
    if statements:
        return ParsedFeed(statements)
    if not parsed.version:
        return ParsedFeed((), "not an RSS or Atom feed")
    if parsed.bozo:
        return ParsedFeed((), f"malformed feed: {clean_text(str(parsed.bozo_exception))}")
    if entries:
        return ParsedFeed((), f"{len(entries)} entries, none with a title or summary")
    return ParsedFeed(())


def _statement(entry: Any, source: str, base_url: str | None) -> RawStatement | None:
    text = html_to_text(entry.get("title") or "") or html_to_text(entry.get("summary") or "")
    if not text:
        return None
    return RawStatement(
        text=text,
        source=source,
        url=resolve_link(base_url, entry.get("link")),
        published_at=_published(entry),
    )


def _published(entry: Any) -> datetime | None:
    """Publication time, else last update; feedparser's tuples are already UTC.

    Read with `dict.get`: feedparser's own `get("updated")` quietly answers with the
    published date (and a DeprecationWarning) when an entry has no update time.
    """
    for key in ("published", "updated"):
        stamp = dict.get(entry, f"{key}_parsed")
        when = _from_struct(stamp) if stamp else parse_date(dict.get(entry, key) or "")
        if when is not None:
            return when
    return None


def _from_struct(stamp: struct_time) -> datetime | None:
    try:
        return datetime(*stamp[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None
