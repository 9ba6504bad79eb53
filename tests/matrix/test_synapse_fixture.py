"""The homeserver fixtures do what the Matrix adapter tests will rely on."""

import secrets
import socket
from collections.abc import Callable

import httpx
import pytest
from nio import (
    JoinResponse,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomMessageText,
    RoomPutStateError,
    RoomPutStateResponse,
    RoomSendError,
    RoomSendResponse,
    SyncResponse,
)

from tests.matrix import synapse as synapse_module
from tests.matrix.helpers import create_room_with, send_text, sync_until
from tests.matrix.synapse import Synapse, SynapseStartError, run_synapse

pytestmark = pytest.mark.slow


async def test_register_gives_working_token_and_admin_flag(synapse: Synapse) -> None:
    localpart = f"admin-{secrets.token_hex(4)}"
    user_id, access_token, device_id = await synapse.register(localpart, admin=True)

    assert user_id == f"@{localpart}:{synapse.server_name}"
    headers = {"Authorization": f"Bearer {access_token}"}
    async with httpx.AsyncClient(
        base_url=synapse.base_url, headers=headers, trust_env=False
    ) as http:
        whoami = (await http.get("/_matrix/client/v3/account/whoami")).json()
        account = (await http.get(f"/_synapse/admin/v2/users/{user_id}")).json()
    assert (whoami["user_id"], whoami["device_id"]) == (user_id, device_id)
    assert account["admin"] is True


async def test_invited_user_joins_and_receives_message(matrix_user) -> None:
    alice = await matrix_user("alice")
    bob = await matrix_user("bob")

    created = await alice.room_create(invite=[bob.user_id])
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id
    await sync_until(bob, lambda sync: sync.rooms.invite.get(room_id))
    joined = await bob.join(room_id)
    assert isinstance(joined, JoinResponse), joined

    sent = await send_text(alice, room_id, "hello bob")
    assert isinstance(sent, RoomSendResponse), sent

    def sent_event(sync: SyncResponse) -> RoomMessageText | None:
        room = sync.rooms.join.get(room_id)
        events = room.timeline.events if room else []
        return next((event for event in events if event.event_id == sent.event_id), None)

    received = await sync_until(bob, sent_event)
    assert isinstance(received, RoomMessageText)
    assert (received.sender, received.body) == (alice.user_id, "hello bob")


async def test_power_levels_decide_who_may_change_room_state(matrix_user) -> None:
    owner = await matrix_user("owner")
    moderator = await matrix_user("moderator")
    member = await matrix_user("member")
    room_id = await create_room_with(owner, moderator, member)

    current = await owner.room_get_state_event(room_id, "m.room.power_levels")
    assert isinstance(current, RoomGetStateEventResponse), current
    levels = current.content | {"users": current.content["users"] | {moderator.user_id: 50}}
    put = await owner.room_put_state(room_id, "m.room.power_levels", levels)
    assert isinstance(put, RoomPutStateResponse), put

    by_moderator = await moderator.room_put_state(room_id, "m.room.name", {"name": "Alerts"})
    by_member = await member.room_put_state(room_id, "m.room.name", {"name": "Hijacked"})
    assert isinstance(by_moderator, RoomPutStateResponse), by_moderator
    assert isinstance(by_member, RoomPutStateError)
    assert by_member.status_code == "M_FORBIDDEN"


async def test_throttled_server_answers_burst_with_retry_after(
    synapse_factory: Callable[..., Synapse], matrix_user
) -> None:
    throttled_server = synapse_factory(rc_message={"per_second": 0.1, "burst_count": 3})
    sender = await matrix_user("burst", server=throttled_server)
    room_id = await create_room_with(sender)

    # Synapse holds each refused request for half a second, so stop at the first.
    responses = []
    for n in range(10):
        responses.append(await send_text(sender, room_id, f"message {n}"))
        if isinstance(responses[-1], RoomSendError):
            break

    first, refused = responses[0], responses[-1]
    assert isinstance(first, RoomSendResponse), first
    assert isinstance(refused, RoomSendError), responses
    assert refused.status_code == "M_LIMIT_EXCEEDED"
    assert 0 < refused.retry_after_ms <= 10_000


async def test_shared_server_lets_bursts_through(matrix_user) -> None:
    sender = await matrix_user("burst")
    room_id = await create_room_with(sender)

    responses = [await send_text(sender, room_id, f"message {n}") for n in range(30)]

    assert all(isinstance(response, RoomSendResponse) for response in responses), responses


def test_start_failure_reports_the_log_tail(tmp_path) -> None:
    with (
        pytest.raises(SynapseStartError, match="exited") as failure,
        run_synapse(tmp_path, database={"name": "no-such-engine"}),
    ):
        pass

    assert "no-such-engine" in str(failure.value)


def test_server_stops_when_its_context_exits(tmp_path) -> None:
    with run_synapse(tmp_path) as server:
        assert "Synapse now listening" in server.log_path.read_text()

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/health", trust_env=False)


def test_start_retries_when_the_picked_port_is_taken(tmp_path, monkeypatch) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        picks = iter([taken])
        pick_free_port = synapse_module._free_port
        monkeypatch.setattr(
            synapse_module, "_free_port", lambda: next(picks, None) or pick_free_port()
        )

        with run_synapse(tmp_path) as server:
            health = httpx.get(f"{server.base_url}/health", trust_env=False)

    assert not server.base_url.endswith(f":{taken}")
    assert health.status_code == 200
