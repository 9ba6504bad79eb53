"""The Matrix adapter's rules that need no server: commands, invitations, content, outcomes, syncing."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import aiohttp
import pytest
from nio import RoomSendError, RoomSendResponse, SyncError
from nio.crypto import ENCRYPTION_ENABLED

from bot.config import MatrixConfig
from bot.matrix.commands import find_command, invite_accepted
from bot.matrix.content import notice
from bot.matrix.outcomes import send_outcome
from bot.matrix.rooms import privileged_creators
from bot.matrix.session import MatrixStartError, client_config
from bot.matrix.syncer import Syncer
from bot.push.protocol import Gone, RetryAfter, Sent, Transient
from bot.reply import Button, bold, line, reply

BOT = "@partywire:example.org"


def find(body: str, formatted: str | None = None, prefix: str = "!") -> str | None:
    return find_command(body, formatted, user_id=BOT, display_name="Partywire", prefix=prefix)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("!party KKE", "/party KKE"),
        ("  !PARTY kke ", "/PARTY kke"),
        ("/latest 5", "/latest 5"),
        ("partywire: party KKE", "/party KKE"),
        ("Partywire, !party KKE", "/party KKE"),
        ("@partywire:example.org latest", "/latest"),
        ("partywire: dance", "/dance"),
        ("partywire", "/help"),
        ("!weather Athens", None),
        ("!!", None),
        ("hello partywire: party KKE", None),
        ("partywirebot: party KKE", None),
        ("good morning", None),
    ],
)
def test_find_command(body: str, expected: str | None) -> None:
    assert find(body) == expected


def test_a_mention_pill_names_the_bot_by_whatever_it_shows() -> None:
    pill = f'<a href="https://matrix.to/#/{BOT}">PW &amp; co</a>: party KKE'
    assert find("PW & co: party KKE", pill) == "/party KKE"
    other = '<a href="https://matrix.to/#/@someone:example.org">PW</a>: party KKE'
    assert find("PW: party KKE", other) is None


def test_a_custom_prefix_replaces_the_bang() -> None:
    assert find("?party KKE", prefix="?") == "/party KKE"
    assert find("!party KKE", prefix="?") is None


@pytest.mark.parametrize(
    ("policy", "inviter", "accepted"),
    [
        ("anyone", "@x:elsewhere.net", True),
        ("listed", "@friend:example.org", True),
        ("listed", "@other:trusted.net", True),
        ("listed", "@other:example.org", False),
        ("listed", "@friend:trusted.net.evil", False),
    ],
)
def test_invite_policy(policy: str, inviter: str, accepted: bool) -> None:
    config = MatrixConfig(
        homeserver="https://example.org",
        user_id=BOT,
        invite_policy=policy,
        invite_users=("@friend:example.org",),
        invite_servers=("trusted.net",),
    )
    assert invite_accepted(config, inviter) is accepted


def test_notice_lists_buttons_as_commands_with_the_prefix_and_escapes_text() -> None:
    message = reply(
        line(bold("<KKE>"), " & friends"),
        buttons=(
            (Button("Subscribe to KKE", "/subscribe kke"), Button("Older", "/latest page 2")),
        ),
    )
    content = notice(message, "!", in_reply_to="$asked", thread="$root")

    assert content["msgtype"] == "m.notice"
    assert content["formatted_body"] == (
        "<p><b>&lt;KKE&gt;</b> &amp; friends</p>"
        "<p>Subscribe to KKE: <code>!subscribe kke</code> · Older: <code>!latest page 2</code></p>"
    )
    assert content["body"].startswith("<KKE> & friends\n\n")
    assert "!subscribe kke" in content["body"]
    assert content["m.relates_to"] == {
        "m.in_reply_to": {"event_id": "$asked"},
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": False,
    }
    assert "m.relates_to" not in notice(message, "!")


def _error(errcode: str, status: int, **extra) -> RoomSendError:
    error = RoomSendError.from_dict({"errcode": errcode, "error": "nope", **extra}, "!r:x")
    error.transport_response = SimpleNamespace(status=status)
    return error


def test_send_outcomes() -> None:
    assert send_outcome(RoomSendResponse("$e", "!r:x")) == Sent()
    assert send_outcome(_error("M_LIMIT_EXCEEDED", 429, retry_after_ms=2500)) == RetryAfter(2.5)
    assert isinstance(send_outcome(_error("M_LIMIT_EXCEEDED", 429)), RetryAfter)
    assert isinstance(send_outcome(_error("M_FORBIDDEN", 403)), Gone)
    assert isinstance(send_outcome(_error("M_NOT_FOUND", 404)), Gone)
    assert isinstance(send_outcome(_error("M_UNKNOWN", 502)), Transient)
    assert isinstance(send_outcome(_error("M_UNKNOWN_TOKEN", 401)), Transient)


def test_room_versions_with_privileged_creators() -> None:
    assert privileged_creators("12") and privileged_creators("13")
    assert privileged_creators("org.matrix.hydra.11")
    assert not privileged_creators("11") and not privileged_creators("1")


@pytest.mark.skipif(ENCRYPTION_ENABLED, reason="encryption support is installed here")
def test_encryption_without_its_libraries_is_a_clear_start_error() -> None:
    config = MatrixConfig(homeserver="https://example.org", user_id=BOT, encryption=True)
    with pytest.raises(MatrixStartError, match="partywire\\[e2e\\]"):
        client_config(config)


class _FailingClient:
    """A client whose every sync fails, until the test is done watching."""

    user_id = BOT
    olm = None

    def __init__(self, failures: list[object]) -> None:
        self.failures = failures
        self.calls = 0

    async def sync(self, **_: object):
        self.calls += 1
        failure = self.failures[min(self.calls, len(self.failures)) - 1]
        if isinstance(failure, BaseException):
            raise failure
        return failure


async def test_sync_errors_back_off_doubling_to_a_ceiling() -> None:
    waits: list[float] = []
    done = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 7:
            done.set()
        await asyncio.sleep(0)

    refused = SyncError.from_dict({"errcode": "M_UNKNOWN", "error": "bad gateway"})
    client = _FailingClient([aiohttp.ClientConnectionError("refused"), refused, TimeoutError()])
    syncer = Syncer(
        client, store=None, events=None, first_backoff=1.0, max_backoff=8.0, sleep=sleep
    )

    task = asyncio.create_task(syncer.run())
    await asyncio.wait_for(done.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert waits[:7] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


async def test_cancelling_a_waiting_sync_is_not_swallowed() -> None:
    started = asyncio.Event()

    class Hanging:
        user_id = BOT
        olm = None

        async def sync(self, **_: object):
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(Syncer(Hanging(), store=None, events=None).run())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
