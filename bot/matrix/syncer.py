"""Following the homeserver: long-poll `/sync`, act on each batch, then store where it ended.

The sync token is stored after its batch is handled, so a restart continues exactly
there: nothing answered twice, nothing missed. A brand-new session (no stored token)
reads its first sync for invitations and state only, so old commands are never
answered. A restart syncs full state once, since nio keeps no rooms between runs.
Errors back off by doubling up to a ceiling; cancellation is never swallowed, and a
batch being handled when the bot stops is finished first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nio import AsyncClient, SyncResponse

from bot.matrix.events import Events
from bot.matrix.outcomes import TRANSPORT_ERRORS, rate_limited
from bot.matrix.session import REQUEST_TIMEOUT, MatrixStartError
from bot.store import Store

log = logging.getLogger(__name__)

SYNC_FILTER: dict[str, Any] = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
        "timeline": {"limit": 50},
    },
}
"""Only what the bot acts on: no presence, typing, receipts or account data."""

FIRST_FILTER: dict[str, Any] = SYNC_FILTER | {
    "room": SYNC_FILTER["room"] | {"timeline": {"limit": 1}},
}
"""A brand-new session wants the rooms' state, not their history."""

FIRST_SYNC_TIMEOUT = 3 * REQUEST_TIMEOUT
"""A full-state sync has no request timeout in nio; this bounds it."""

FINISH_ON_STOP = 10.0
"""Seconds a stop waits for the batch in hand, so its token is stored with its replies."""


class Syncer:
    def __init__(
        self,
        client: AsyncClient,
        store: Store,
        events: Events,
        *,
        timeout_ms: int = 30_000,
        first_backoff: float = 1.0,
        max_backoff: float = 60.0,
        sign_in_again: Callable[[], Awaitable[None]] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._store = store
        self._events = events
        self._timeout_ms = timeout_ms
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._sign_in_again = sign_in_again
        self._sleep = sleep
        self._token: str | None = None
        self.healthy = False
        """Whether the last sync succeeded: what /healthz reports."""

    async def first(self) -> None:
        """Sync once before the bot counts as started: rooms, their state and power levels.

        Raises `MatrixStartError` when the homeserver does not answer.
        """
        user = self._client.user_id
        self._token = await self._store.matrix_sync_token(user)
        backlog = self._token is None
        try:
            async with asyncio.timeout(FIRST_SYNC_TIMEOUT):
                response = await self._client.sync(
                    timeout=0,
                    since=self._token,
                    full_state=not backlog,
                    sync_filter=FIRST_FILTER if backlog else SYNC_FILTER,
                )
        except TRANSPORT_ERRORS as error:
            raise MatrixStartError(
                f"the first sync failed: {type(error).__name__} {error}"
            ) from error
        if not isinstance(response, SyncResponse):
            raise MatrixStartError(f"the first sync failed: {response}")
        self.healthy = True
        if backlog:
            log.info("matrix: new session; earlier messages in my rooms are left unanswered")
        await self._finish(response, backlog=backlog)

    async def run(self) -> None:
        """Sync until cancelled."""
        delay = self._first_backoff
        while True:
            try:
                response = await self._client.sync(
                    timeout=self._timeout_ms, since=self._token, sync_filter=SYNC_FILTER
                )
            except TRANSPORT_ERRORS as error:
                problem: object = f"{type(error).__name__} {error}"
                wait = delay
            else:
                if isinstance(response, SyncResponse):
                    self.healthy = True
                    await self._finish_in_hand(response)
                    delay = self._first_backoff
                    continue
                problem = response
                wait = max(delay, rate_limited(response) or 0.0)
                if response.status_code == "M_UNKNOWN_TOKEN" and self._sign_in_again:
                    with contextlib.suppress(MatrixStartError):
                        await self._sign_in_again()
                        continue
            self.healthy = False
            log.warning("matrix: sync failed (%s); trying again in %gs", problem, wait)
            await self._sleep(wait)
            delay = min(delay * 2, self._max_backoff)

    async def _finish_in_hand(self, response: SyncResponse) -> None:
        """Handle a batch; if the bot stops meanwhile, let the batch finish before stopping."""
        batch = asyncio.create_task(self._finish(response), name="matrix-sync-batch")
        try:
            await asyncio.shield(batch)
        except asyncio.CancelledError:
            await asyncio.wait([batch], timeout=FINISH_ON_STOP)
            if not batch.done():
                batch.cancel()
            raise
        except Exception:
            log.exception("matrix: handling a sync failed")

    async def _finish(self, response: SyncResponse, *, backlog: bool = False) -> None:
        await self._events.handle(response, backlog=backlog)
        if self._client.olm is not None:
            await self._keep_keys()
        self._token = response.next_batch
        try:
            await self._store.save_matrix_sync_token(self._client.user_id, self._token)
        except Exception:
            log.exception("matrix: could not store the sync token; a restart may repeat replies")

    async def _keep_keys(self) -> None:
        """What nio's sync_forever does for encryption after each sync."""
        client = self._client
        try:
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()
        except TRANSPORT_ERRORS as error:
            log.warning(
                "matrix: encryption key upkeep failed (%s); retrying after the next sync", error
            )
