"""A fake Telegram Bot API server, reached over real HTTP by the real bot.

Every request is checked as Telegram checks it (see spec.py, rules.py and
html_check.py), answered from a scriptable World, and recorded. A request
Telegram would refuse is answered with Telegram's error and also kept in
`rejections`, which the `fake_telegram` fixture requires to be empty at the end
of a test, so a bot bug cannot hide behind an error handler. A test that means
to provoke one wraps it in `expect_rejection()`.
"""

import asyncio
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus

from aiohttp import web

from .cast import populate
from .errors import ApiError, bad_request
from .flood import FloodControl, posts_message
from .methods import Call, Methods
from .objects import Chat, SentMessage
from .rules import OBJECT_RULES, formatted_text
from .spec import BotApiSpec
from .world import World

DEFAULT_TOKEN = "123456789:AAF4keTestTokenForPartywireTests000"
_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    params: dict
    status: int
    description: str | None = None


@dataclass
class Expectation:
    """Rejections a test expects; `match` must occur in their description."""

    match: str
    rejections: list[RecordedRequest] = field(default_factory=list)


@dataclass(frozen=True)
class _Fault:
    method: str
    chat_id: str | None
    status: int | None
    retry_after: int | None
    description: str | None
    delay: float

    def applies_to(self, method: str, params: dict) -> bool:
        return self.method == method and self.chat_id in (None, str(params.get("chat_id")))

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        if self.status == HTTPStatus.TOO_MANY_REQUESTS:
            retry_after = self.retry_after or 1
            return ApiError(
                self.status,
                self.description or f"Too Many Requests: retry after {retry_after}",
                parameters={"retry_after": retry_after},
                scripted=True,
            )
        return ApiError(
            self.status, self.description or HTTPStatus(self.status).phrase, scripted=True
        )


class FakeTelegram:
    """The fake server: start it, point the bot at `base_url`, script `world`, assert."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = "partywire_bot") -> None:
        self.token = token
        self.world = World(int(token.split(":")[0]), bot_username)
        self.cast = populate(self.world)
        self.spec = BotApiSpec.load(OBJECT_RULES)
        self.flood = FloodControl()
        self.requests: list[RecordedRequest] = []
        self.rejections: list[RecordedRequest] = []
        self.port: int | None = None
        self._methods = Methods(self.world)
        self._faults: list[_Fault] = []
        self._expectations: list[Expectation] = []
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """For telegram.Bot(base_url=...), which appends the token itself."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        try:
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = sock.getsockname()[1]

    async def stop(self) -> None:
        """Answer pending long polls, then close; safe to call twice."""
        self.world.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeTelegram":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def sent(self, chat: Chat | int, thread_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent to a chat, oldest first; with thread_id, only that topic's."""
        chat_id = chat.id if isinstance(chat, Chat) else chat
        return [
            message
            for message in self.world.sent_messages
            if message.chat_id == chat_id and thread_id in (None, message.thread_id)
        ]

    def calls(self, method: str) -> list[dict]:
        """Parameters of every request for one method, in the order they arrived."""
        return [request.params for request in self.requests if request.method == method]

    def fail_next(
        self,
        method: str,
        *,
        chat_id: Chat | int | str | None = None,
        status: int = 429,
        retry_after: int | None = 3,
        description: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer the next valid `method` request (for chat_id, if given) with an error.

        429 carries retry_after as Telegram does; 502 comes as nginx's HTML page.
        """
        self._faults.append(
            _Fault(method, _chat_key(chat_id), status, retry_after, description, delay)
        )

    def delay_next(
        self, method: str, seconds: float, *, chat_id: Chat | int | str | None = None
    ) -> None:
        """Answer the next valid `method` request normally, but only after `seconds`."""
        self._faults.append(_Fault(method, _chat_key(chat_id), None, None, None, seconds))

    @contextmanager
    def expect_rejection(self, match: str = "") -> Iterator[Expectation]:
        """Excuse rejections whose description contains `match`; require at least one."""
        expectation = Expectation(match)
        self._expectations.append(expectation)
        try:
            yield expectation
        finally:
            self._expectations.remove(expectation)
        if not expectation.rejections:
            raise AssertionError(f"Telegram would have accepted every request (expected {match!r})")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict = {}
        try:
            params = await _read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            method = self.spec.method_name(method) or method
            if method not in self.spec.methods:
                raise ApiError(404, "Not Found")
            params = self.spec.parse_request(method, params)
            call = Call(method, params, formatted_text(method, params))
            await self._apply_fault(method, params)
            self._check_flood(method, params)
            result = await self._methods.answer(call)
        except ApiError as error:
            self._record_error(
                RecordedRequest(method, params, error.status, error.description), error.scripted
            )
            if error.status == HTTPStatus.BAD_GATEWAY:
                return web.Response(status=502, text=_BAD_GATEWAY_PAGE, content_type="text/html")
            return web.json_response(error.body(), status=error.status)
        self.requests.append(RecordedRequest(method, params, 200))
        return web.json_response({"ok": True, "result": result})

    async def _apply_fault(self, method: str, params: dict) -> None:
        fault = next((f for f in self._faults if f.applies_to(method, params)), None)
        if fault is None:
            return
        self._faults.remove(fault)
        await asyncio.sleep(fault.delay)
        error = fault.error()
        if error is not None:
            raise error

    def _check_flood(self, method: str, params: dict) -> None:
        if self.flood.enabled and posts_message(method):
            self.flood.check(self.world.resolve(params["chat_id"]))

    def _record_error(self, request: RecordedRequest, scripted: bool) -> None:
        self.requests.append(request)
        if scripted:
            return
        expectation = next(
            (e for e in self._expectations if e.match in (request.description or "")), None
        )
        (expectation.rejections if expectation else self.rejections).append(request)


async def _read_params(request: web.Request) -> dict:
    """Telegram takes parameters from the query string, a form, or a JSON object body."""
    params: dict = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.text())
        except ValueError:
            raise bad_request("can't parse JSON encoded request parameters") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected as request parameters")
        params.update(body)
    else:
        params.update(await request.post())
    return params


def _chat_key(chat_id: Chat | int | str | None) -> str | None:
    if chat_id is None:
        return None
    return str(chat_id.id if isinstance(chat_id, Chat) else chat_id)
