"""One source, loaded once: fetch (or read) its location, parse it, attribute its party.

No store here: `load_source` turns a source and what we remember of it (validators,
whether this is the first load) into `RawStatement`s, or raises `SourceError` with
one line an operator can act on. The poller and `partywire ingest URL` both use it.
Parsing is pure; the only I/O is the fetcher's GET, or reading a local text file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from bot.config import Config, ConfigError, SourceConfig
from bot.directory import Directory
from bot.models import RawStatement
from bot.sources.feed import parse_feed
from bot.sources.fetch import Fetcher, FetchError, FetchResult, Validators
from bot.sources.html import ListingSelectors, parse_listing
from bot.sources.text import decode, parse_text

Kind = Literal["feed", "html", "text"]
MIN_INTERVAL_MINUTES = 1.0


@dataclass(frozen=True, slots=True)
class Source:
    """A configured source, checked and resolved: what the poller and loader work from."""

    name: str
    kind: Kind
    location: str
    """An http(s) URL, or (text only) an absolute file path."""
    interval: float = 15 * 60.0
    """Seconds between polls."""
    party: str | None = None
    """The directory id of the party every statement from here is attributed to."""
    push_backlog: bool = False
    selectors: ListingSelectors | None = None
    max_pages: int = 1

    @property
    def is_url(self) -> bool:
        return is_url(self.location)


@dataclass(frozen=True, slots=True)
class Loaded:
    """What one load gave. `not_modified`: the server (or file) says nothing changed."""

    statements: tuple[RawStatement, ...]
    validators: Validators
    moved_to: str | None = None
    not_modified: bool = False
    pages: int = 0
    bytes: int = 0
    problems: tuple[str, ...] = ()
    """Trouble that still left a usable result (a later listing page that failed)."""


class SourceError(Exception):
    """A load that gave nothing usable; `reason` is one line for the log and `/sources`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def resolve_sources(config: Config, directory: Directory) -> tuple[Source, ...]:
    """The config's sources, checked; a mistake raises `ConfigError` naming its key."""
    sources = []
    names: set[str] = set()
    for index, entry in enumerate(config.sources):
        key = f"sources[{index}]"
        if not entry.name.strip():
            raise ConfigError(f"{key}.name: must not be empty")
        if entry.name in names:
            raise ConfigError(f"{key}.name: another source is already called {entry.name!r}")
        names.add(entry.name)
        sources.append(resolve_source(entry, key, config, directory))
    return tuple(sources)


def resolve_source(entry: SourceConfig, key: str, config: Config, directory: Directory) -> Source:
    if entry.interval_minutes < MIN_INTERVAL_MINUTES:
        raise ConfigError(
            f"{key}.interval_minutes: at least {MIN_INTERVAL_MINUTES:g}, got {entry.interval_minutes:g}"
        )
    if entry.max_pages < 1:
        raise ConfigError(f"{key}.max_pages: at least 1, got {entry.max_pages}")
    location = entry.location.strip()
    if not is_url(location):
        if entry.kind != "text":
            raise ConfigError(f"{key}.location: a {entry.kind} source needs an http(s) URL")
        if not location:
            raise ConfigError(f"{key}.location: must not be empty")
        location = str(config.resolve(location.removeprefix("file://")))
    selectors = None
    if entry.kind == "html":
        if entry.selectors is None:
            raise ConfigError(f"{key}.selectors: required for html sources (at least `item`)")
        try:
            selectors = ListingSelectors(**dataclasses.asdict(entry.selectors))
        except ValueError as error:
            raise ConfigError(f"{key}.selectors.{error}") from None
    party = None
    if entry.party is not None:
        party = party_id(directory, entry.party)
        if party is None:
            raise ConfigError(
                f"{key}.party: {entry.party!r} names no single party in the directory"
            )
    return Source(
        name=entry.name,
        kind=entry.kind,
        location=location,
        interval=entry.interval_minutes * 60,
        party=party,
        push_backlog=entry.push_backlog,
        selectors=selectors,
        max_pages=entry.max_pages,
    )


def party_id(directory: Directory, name: str) -> str | None:
    """The id of the one party `name` (an id, abbreviation or name) means, if exactly one."""
    try:
        return directory.get(name).id
    except KeyError:
        pass
    found = directory.find(name)
    if len(found.parties) == 1 and found.country is None:
        return found.parties[0].id
    return None


async def load_source(
    fetcher: Fetcher,
    source: Source,
    *,
    location: str | None = None,
    validators: Validators | None = None,
    first_load: bool = False,
    max_bytes: int | None = None,
    prefetched: FetchResult | None = None,
) -> Loaded:
    """Load `source` once from `location` (its own by default); raises `SourceError`.

    On the first load of an html source, older listing pages are followed up to
    `max_pages`; a page after the first that fails only ends the walk. `prefetched`
    is the location's response when the caller already has it.
    """
    location = location or source.location
    if prefetched is not None:
        result = prefetched
    elif is_url(location):
        try:
            result = await fetcher.fetch(location, validators)
        except FetchError as error:
            raise SourceError(error.reason) from None
    else:
        result = await _read_file(Path(location), validators, max_bytes)
    if result.not_modified:
        return Loaded((), result.validators, result.moved_to, not_modified=True)
    statements, next_page, error = parse(source, result)
    problems: list[str] = []
    pages = 1
    size = len(result.body)
    seen = {result.url, location}
    while first_load and next_page and pages < source.max_pages and next_page not in seen:
        seen.add(next_page)
        try:
            page = await fetcher.fetch(next_page)
        except FetchError as failure:
            problems.append(f"page {pages + 1} ({next_page}): {failure.reason}")
            break
        more, next_page, page_error = parse(source, page)
        pages += 1
        size += len(page.body)
        statements += more
        if page_error:
            problems.append(f"page {pages}: {page_error}")
    if error and not statements:
        raise SourceError(error)
    if error:
        problems.insert(0, error)
    return Loaded(
        attribute(statements, source.party),
        result.validators,
        result.moved_to,
        pages=pages,
        bytes=size,
        problems=tuple(problems),
    )


def parse(
    source: Source, result: FetchResult
) -> tuple[tuple[RawStatement, ...], str | None, str | None]:
    """Parse one fetched body (no I/O): statements, the next listing page, an error."""
    return parse_body(
        source.kind,
        result.body,
        source.name,
        result.url,
        content_type=result.content_type,
        encoding=result.encoding,
        selectors=source.selectors,
    )


def parse_body(
    kind: Kind,
    body: bytes,
    name: str,
    base_url: str,
    *,
    content_type: str | None = None,
    encoding: str | None = None,
    selectors: ListingSelectors | None = None,
) -> tuple[tuple[RawStatement, ...], str | None, str | None]:
    if kind == "feed":
        feed = parse_feed(body, name, base_url or None, content_type)
        return feed.statements, None, feed.error
    if kind == "html":
        if selectors is None:
            return (), None, "an html source needs selectors"
        listing = parse_listing(body, name, base_url, selectors, encoding)
        return listing.statements, listing.next_page, listing.error
    if not body.strip():
        return (), None, "empty body"
    return tuple(parse_text(decode(body, encoding), name)), None, None


def attribute(statements: Sequence[RawStatement], party: str | None) -> tuple[RawStatement, ...]:
    """Every statement attributed to `party` (a party's own site), if there is one."""
    if party is None:
        return tuple(statements)
    return tuple(
        s if party in s.parties else dataclasses.replace(s, parties=(party, *s.parties))
        for s in statements
    )


async def _read_file(
    path: Path, validators: Validators | None, max_bytes: int | None
) -> FetchResult:
    """A local text file, as if fetched; its size and mtime serve as the validator."""
    try:
        info = await asyncio.to_thread(os.stat, path)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from None
    stamp = f"{info.st_size}:{info.st_mtime_ns}"
    if validators is not None and validators.last_modified == stamp:
        return FetchResult(url="", validators=validators, not_modified=True)
    if max_bytes is not None and info.st_size > max_bytes:
        raise SourceError(f"{path}: larger than {max_bytes} bytes")
    try:
        body = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from None
    return FetchResult(url="", validators=Validators(last_modified=stamp), body=body)


async def load_location(
    fetcher: Fetcher,
    location: str,
    *,
    kind: Kind | None = None,
    selectors: ListingSelectors | None = None,
    party: str | None = None,
    max_pages: int = 1,
    max_bytes: int | None = None,
) -> tuple[Source, Loaded]:
    """Load a URL or file once, as a first load, guessing its kind if not given.

    For `partywire ingest`: the location is fetched (or read) once, and its kind
    guessed from that response (see `guess_kind`).
    """
    url = is_url(location)
    name = location if url else f"file:{Path(location).name}"
    if url:
        try:
            first = await fetcher.fetch(location)
        except FetchError as error:
            raise SourceError(f"{location}: {error.reason}") from None
    else:
        first = await _read_file(Path(location), None, max_bytes)
    if kind is None:
        kind = "html" if selectors else guess_kind(location, first.content_type, first.body)
    if kind is None:
        raise SourceError(
            f"{location}: looks like an HTML page, which needs selectors: give --kind html"
            " and --item-selector CSS (and --text-selector, --link-selector, --date-selector"
            " as needed), or --kind feed/text if it is one"
        )
    if kind == "html" and selectors is None:
        raise SourceError(f"{location}: an html source needs --item-selector CSS")
    source = Source(
        name, kind, location, party=party, selectors=selectors, max_pages=max(max_pages, 1)
    )
    try:
        loaded = await load_source(
            fetcher, source, first_load=True, max_bytes=max_bytes, prefetched=first
        )
    except SourceError as error:
        raise SourceError(f"{location}: {error.reason}") from None
    return source, loaded


def guess_kind(location: str, content_type: str | None, body: bytes) -> Kind | None:
    """Which parser a body calls for, when nobody said: text, feed, or None (html or unknown).

    `.txt` or text/plain is text; an XML media type, or a body that opens as RSS,
    Atom or RDF, is a feed. An HTML page needs selectors, so it cannot be guessed.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    path = urlsplit(location).path if is_url(location) else location
    suffix = Path(path).suffix.lower()
    if suffix == ".txt" or media == "text/plain":
        return "text"
    if "xml" in media or "rss" in media or "atom" in media or suffix in (".xml", ".rss", ".atom"):
        return "feed"
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed", b"<rdf:rdf")):
        return "feed"
    if not media and not head.startswith(b"<") and suffix not in (".html", ".htm"):
        return "text"
    return None
