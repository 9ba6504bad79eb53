"""Fetching a source over HTTP(S): once per poll, politely, and within bounds.

Polite means a User-Agent that names us and conditional requests, so an unchanged
feed costs its server a 304. Bounded means connect and read timeouts, an overall
deadline (a server that trickles one byte a second beats every read timeout), and a
body limit enforced while streaming, so a runaway response never sits in memory.

The `httpx.AsyncClient` is the caller's: the app opens one in its exit stack and
shares its connection pool between sources (and tests can hand in a mock transport).
Everything that matters here (headers, timeouts, redirects) is set per request, so
the Fetcher is correct whatever defaults that client was built with.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from bot.normalise import clean_text
from bot.sources.text import text_encoding

USER_AGENT = "Partywire/0.1 (+https://github.com/partywire/partywire)"
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = httpx.Timeout(10.0, read=30.0)
DEADLINE = 60.0
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, text/plain;q=0.7, */*;q=0.5"
)
_PERMANENT = frozenset({301, 308})
# Most specific first: the first class that matches names the failure in the log.
_FAILURES = (
    (httpx.ConnectTimeout, "connect timed out"),
    (httpx.ReadTimeout, "read timed out"),
    (httpx.TimeoutException, "timed out"),
    (httpx.ConnectError, "cannot connect"),
    (httpx.TooManyRedirects, "too many redirects"),
    (httpx.UnsupportedProtocol, "not an http(s) URL"),
    (httpx.InvalidURL, "invalid URL"),
    (httpx.HTTPError, "request failed"),
)


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server said identifies the version we hold; sent back to ask "changed?"."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional request headers these validators call for."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A response worth acting on: a body, or word that the one we hold is current.

    `encoding` is the charset the server declared, if Python knows it; parsers fall
    back on their own detection without it. `moved_to` is set when the request was
    permanently redirected (301/308): it is where those permanent hops lead, which
    is the address to remember even when a temporary hop followed them.
    """

    url: str
    validators: Validators
    not_modified: bool = False
    body: bytes = b""
    content_type: str | None = None
    encoding: str | None = None
    moved_to: str | None = None


class FetchError(Exception):
    """A fetch that gave nothing usable.

    `reason` is one line, fit for a log or `/sources`; `status` is the HTTP status when
    the server answered with an error (a 404 or 410 may deserve less patience than a 503).
    """

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Fetcher:
    """GETs sources through one shared client, with our headers and limits."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        max_bytes: int = MAX_BYTES,
        timeout: httpx.Timeout = TIMEOUT,
        deadline: float = DEADLINE,
    ) -> None:
        self._client = client
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._deadline = deadline

    async def fetch(self, url: str, validators: Validators | None = None) -> FetchResult:
        """GET `url`, conditionally if `validators` are given; raises `FetchError`."""
        try:
            async with asyncio.timeout(self._deadline):
                return await self._get(url, validators or Validators())
        except TimeoutError:
            raise FetchError(f"no complete response within {self._deadline:g}s") from None
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FetchError(_describe(error)) from error

    async def _get(self, url: str, validators: Validators) -> FetchResult:
        headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT, **validators.headers()}
        async with self._client.stream(
            "GET", url, headers=headers, timeout=self._timeout, follow_redirects=True
        ) as response:
            moved_to = _moved_to(response)
            if response.status_code == httpx.codes.NOT_MODIFIED:
                return FetchResult(
                    url=str(response.url),
                    validators=_validators(response, validators),
                    not_modified=True,
                    moved_to=moved_to,
                )
            if not response.is_success:
                reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                raise FetchError(reason, response.status_code)
            body = await self._read(response)
            return FetchResult(
                url=str(response.url),
                validators=_validators(response, Validators()),
                body=body,
                content_type=response.headers.get("Content-Type"),
                encoding=text_encoding(response.charset_encoding),
                moved_to=moved_to,
            )

    async def _read(self, response: httpx.Response) -> bytes:
        """The decoded body, abandoning the download the moment it passes the limit."""
        too_big = f"body larger than {self._max_bytes} bytes"
        declared = response.headers.get("Content-Length", "")
        if declared.isdecimal() and int(declared) > self._max_bytes:
            raise FetchError(f"{too_big} (Content-Length {declared})")
        chunks = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchError(too_big)
            chunks.append(chunk)
        return b"".join(chunks)


def _validators(response: httpx.Response, previous: Validators) -> Validators:
    """The response's validators; a 304 may omit them, and then the ones we sent still hold."""
    return Validators(
        etag=response.headers.get("ETag") or previous.etag,
        last_modified=response.headers.get("Last-Modified") or previous.last_modified,
    )


def _moved_to(response: httpx.Response) -> str | None:
    """Where the leading run of permanent redirects led, if the first hop was one."""
    hops = response.history
    permanent = 0
    while permanent < len(hops) and hops[permanent].status_code in _PERMANENT:
        permanent += 1
    if not permanent:
        return None
    return str(hops[permanent].url if permanent < len(hops) else response.url)


def _describe(error: Exception) -> str:
    phrase = next(phrase for kind, phrase in _FAILURES if isinstance(error, kind))
    detail = clean_text(str(error))[:200]
    return f"{phrase}: {detail}" if detail else phrase
