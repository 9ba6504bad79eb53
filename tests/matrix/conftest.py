"""Fixtures that give Matrix tests a real homeserver and logged-in nio clients."""

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack

import pytest
from nio import AsyncClient, AsyncClientConfig

from tests.matrix.synapse import Synapse, run_synapse

# nio retries 429s and timeouts forever by default, which turns a failing test
# into a hanging one; tests get every error back at once instead.
FAIL_FAST = AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0, request_timeout=30)


@pytest.fixture(scope="session")
def synapse_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Synapse]]:
    """Start extra homeservers with homeserver.yaml overrides; all stop at session end.

    For a test that needs throttling:
    `synapse_factory(rc_message={"per_second": 0.1, "burst_count": 2})`.
    """
    with ExitStack() as servers:

        def start(**overrides: object) -> Synapse:
            directory = tmp_path_factory.mktemp("synapse")
            return servers.enter_context(run_synapse(directory, **overrides))

        yield start


@pytest.fixture(scope="session")
def synapse(synapse_factory: Callable[..., Synapse]) -> Synapse:
    """The shared homeserver, with rate limits too high for tests to hit."""
    return synapse_factory()


@pytest.fixture
async def matrix_user(
    synapse: Synapse,
) -> AsyncIterator[Callable[..., Awaitable[AsyncClient]]]:
    """Register a fresh user and hand back a nio client already logged in as them.

    Names get a random suffix so tests sharing the session's server never collide.
    Clients are closed when the test ends.
    """
    async with AsyncExitStack() as clients:

        async def create(
            prefix: str = "user",
            *,
            admin: bool = False,
            server: Synapse | None = None,
            config: AsyncClientConfig = FAIL_FAST,
        ) -> AsyncClient:
            server = server or synapse
            localpart = f"{prefix}-{secrets.token_hex(4)}"
            user_id, access_token, device_id = await server.register(localpart, admin=admin)
            client = AsyncClient(server.base_url, user_id, device_id=device_id, config=config)
            clients.push_async_callback(client.close)
            client.restore_login(user_id, device_id, access_token)
            return client

        yield create
