"""The homeserver's answers to a send, as the outcomes the push engine understands."""

from __future__ import annotations

import asyncio

import aiohttp
from nio import ErrorResponse, RoomSendResponse
from nio.exceptions import OlmTrustError, ProtocolError

from bot.push.protocol import Gone, Outcome, RetryAfter, Sent, Transient

DEFAULT_RETRY_AFTER = 5.0
"""Seconds to wait after an M_LIMIT_EXCEEDED that does not say how long."""

GONE_CODES = frozenset({"M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_ROOM"})
"""Not allowed to post there (kicked, banned, never joined) or no such room: it will not pass."""

TRANSPORT_ERRORS = (
    aiohttp.ClientError,
    asyncio.TimeoutError,
    ProtocolError,
    OlmTrustError,
)
"""What a request can raise for a failure that may pass: connection, timeout, or an
encrypted room whose members or keys are not ready yet."""


def status_of(response: ErrorResponse) -> int | None:
    transport = response.transport_response
    return transport.status if transport is not None else None


def rate_limited(response: ErrorResponse) -> float | None:
    """Seconds the server asked us to wait, if this is an M_LIMIT_EXCEEDED."""
    if response.status_code != "M_LIMIT_EXCEEDED" and status_of(response) != 429:
        return None
    if response.retry_after_ms:
        return max(response.retry_after_ms / 1000, 0.001)
    return DEFAULT_RETRY_AFTER


def send_outcome(response: RoomSendResponse | ErrorResponse) -> Outcome:
    if isinstance(response, RoomSendResponse):
        return Sent()
    if (wait := rate_limited(response)) is not None:
        return RetryAfter(wait)
    reason = f"{response.status_code or status_of(response)}: {response.message}"
    if response.status_code in GONE_CODES:
        return Gone(reason)
    return Transient(reason)


def error_outcome(error: BaseException) -> Transient:
    return Transient(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
