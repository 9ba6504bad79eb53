"""Signing in: a password is used once, then the session is kept in the database.

With `access_token` configured the bot uses it as is. With a password it first tries
the session stored by an earlier run, and logs in again only when the homeserver no
longer accepts that session's token, keeping the same device (and so its keys).
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse
from nio.crypto import ENCRYPTION_ENABLED

from bot.config import MatrixConfig
from bot.logs import add_secrets
from bot.matrix_queries import MatrixSession
from bot.store import Store

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 20.0
"""Seconds for one request; below the sender's own limit, so nio's timeout is the one seen."""


class MatrixStartError(RuntimeError):
    """The bot cannot sign in or connect; the message says what to fix."""


def client_config(config: MatrixConfig) -> AsyncClientConfig:
    """nio returns every error at once: the adapter decides what to retry and when.

    By default nio sleeps through M_LIMIT_EXCEEDED and timeouts forever, which would
    hide a throttled room from the push engine and hang a send.
    """
    if config.encryption and not ENCRYPTION_ENABLED:
        raise MatrixStartError(
            "matrix.encryption is true, but end-to-end encryption support is not installed:"
            " pip install 'partywire[e2e]' (matrix-nio[e2e]), or set matrix.encryption: false"
        )
    return AsyncClientConfig(
        max_limit_exceeded=0,
        max_timeouts=0,
        request_timeout=REQUEST_TIMEOUT,
        encryption_enabled=config.encryption,
        store_sync_tokens=False,
    )


def new_client(config: MatrixConfig, store_path: Path) -> AsyncClient:
    nio_config = client_config(config)
    if config.encryption:
        store_path.mkdir(parents=True, exist_ok=True)
    return AsyncClient(
        config.homeserver.rstrip("/"),
        config.user_id,
        store_path=str(store_path) if config.encryption else "",
        config=nio_config,
    )


async def sign_in(client: AsyncClient, config: MatrixConfig, store: Store) -> None:
    """Make `client` logged in as the configured user, or raise `MatrixStartError`."""
    try:
        if config.access_token:
            await _use_token(client, config)
        else:
            await _use_password(client, config, store)
    except (TimeoutError, aiohttp.ClientError) as error:
        raise MatrixStartError(
            f"cannot reach the Matrix homeserver {config.homeserver}: {type(error).__name__} {error}"
        ) from error
    add_secrets([client.access_token])  # a token from the database is as secret as the config's
    if config.encryption and client.olm is None:
        raise MatrixStartError(
            f"end-to-end encryption could not be set up (store path {client.store_path})"
        )


async def _use_token(client: AsyncClient, config: MatrixConfig) -> None:
    client.user_id = config.user_id
    client.access_token = config.access_token or ""
    who = await client.whoami()
    if not isinstance(who, WhoamiResponse):
        raise MatrixStartError(f"matrix.access_token is not accepted: {who}")
    _check_user(who.user_id, config)
    if not who.device_id:
        raise MatrixStartError("matrix.access_token belongs to no device; log in with a password")
    client.restore_login(who.user_id, who.device_id, client.access_token)


async def _use_password(client: AsyncClient, config: MatrixConfig, store: Store) -> None:
    stored = await store.matrix_session(config.user_id)
    if stored is not None and stored.homeserver == client.homeserver:
        client.restore_login(stored.user_id, stored.device_id, stored.access_token)
        who = await client.whoami()
        if isinstance(who, WhoamiResponse):
            log.info("matrix: resumed session of %s on device %s", who.user_id, stored.device_id)
            return
        if who.status_code not in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
            raise MatrixStartError(f"the homeserver did not confirm the stored session: {who}")
        log.warning("matrix: the stored session was signed out; logging in again")
        client.access_token = ""
    if not config.password:
        raise MatrixStartError(
            "matrix: no usable session; set matrix.password (used once) or matrix.access_token"
        )
    # Logging in again keeps the earlier device, so its encryption keys stay valid.
    client.device_id = stored.device_id if stored is not None else None
    response = await client.login(config.password, device_name=config.device_name)
    if not isinstance(response, LoginResponse):
        raise MatrixStartError(f"matrix: logging in as {config.user_id} failed: {response}")
    _check_user(response.user_id, config)
    await store.save_matrix_session(
        MatrixSession(
            client.homeserver, response.user_id, response.device_id, response.access_token
        )
    )
    log.info(
        "matrix: logged in as %s, new session on device %s", response.user_id, response.device_id
    )


def _check_user(user_id: str, config: MatrixConfig) -> None:
    if user_id != config.user_id:
        raise MatrixStartError(
            f"matrix.user_id is {config.user_id}, but the homeserver signed us in as {user_id}"
        )
