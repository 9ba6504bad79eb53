"""What the fake Bot API answers to each method once a request has passed validation.

Methods without a handler here answer `true`, which is what most Bot API methods
return; the request is still checked against api.json and recorded.
"""

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .errors import ApiError, bad_request
from .html_check import ParsedText
from .world import World

_MAX_UPDATES = 100
_MAX_INLINE_RESULTS = 50


@dataclass(frozen=True)
class Call:
    """A validated request: its parameters as native values and its parsed message text."""

    method: str
    params: dict
    text: ParsedText | None


class Methods:
    def __init__(self, world: World) -> None:
        self.world = world
        self._handlers: dict[str, Callable[[Call], Awaitable[object]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message,
            "editMessageReplyMarkup": self._edit_message,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
        }

    async def answer(self, call: Call) -> object:
        handler = self._handlers.get(call.method)
        return True if handler is None else await handler(call)

    async def _get_me(self, call: Call) -> dict:
        return {
            **self.world.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.world.privacy_mode,
            "supports_inline_queries": True,
        }

    async def _get_updates(self, call: Call) -> list[dict]:
        if self.world.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        queue = self.world.updates
        queue.confirm(call.params.get("offset", 0))
        if "allowed_updates" in call.params:
            queue.allow(call.params["allowed_updates"])
        limit = min(max(call.params.get("limit", _MAX_UPDATES), 1), _MAX_UPDATES)
        timeout = call.params.get("timeout", 0)
        if not queue.ready(limit) and timeout > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await queue.wait()
        return queue.ready(limit)

    async def _set_webhook(self, call: Call) -> bool:
        self.world.webhook_url = call.params["url"]
        return self._drop_pending(call)

    async def _delete_webhook(self, call: Call) -> bool:
        self.world.webhook_url = ""
        return self._drop_pending(call)

    def _drop_pending(self, call: Call) -> bool:
        if call.params.get("drop_pending_updates"):
            self.world.updates.clear()
        return True

    async def _get_webhook_info(self, call: Call) -> dict:
        return {
            "url": self.world.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }

    async def _set_my_commands(self, call: Call) -> bool:
        self.world.commands[_command_key(call.params)] = call.params["commands"]
        return True

    async def _get_my_commands(self, call: Call) -> list[dict]:
        return self.world.commands.get(_command_key(call.params), [])

    async def _delete_my_commands(self, call: Call) -> bool:
        self.world.commands.pop(_command_key(call.params), None)
        return True

    async def _send_message(self, call: Call) -> dict:
        chat = self.world.writable(call.params["chat_id"], call.params.get("message_thread_id"))
        return self.world.post(chat, call.params, call.text).message

    async def _edit_message(self, call: Call) -> dict | bool:
        params = call.params
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        return self.world.edit(params["chat_id"], params["message_id"], call.text, params)

    async def _answer_callback_query(self, call: Call) -> bool:
        query_id = call.params["callback_query_id"]
        self.world.answer_query(query_id)
        self.world.callback_answers[query_id] = call.params
        return True

    async def _answer_inline_query(self, call: Call) -> bool:
        results = call.params["results"]
        if len(results) > _MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        if len({result["id"] for result in results}) < len(results):
            raise bad_request("RESULT_ID_DUPLICATE")
        query_id = call.params["inline_query_id"]
        self.world.answer_query(query_id)
        self.world.inline_answers[query_id] = call.params
        return True

    async def _get_chat(self, call: Call) -> dict:
        return self.world.resolve(call.params["chat_id"]).full_info()

    async def _get_chat_member(self, call: Call) -> dict:
        chat = self.world.resolve(call.params["chat_id"])
        return self.world.member(chat, call.params["user_id"])

    async def _get_chat_administrators(self, call: Call) -> list[dict]:
        return self.world.administrators(self.world.resolve(call.params["chat_id"]))


def _command_key(params: dict) -> tuple[str, str]:
    """Telegram keeps one command list per scope and language."""
    scope = params.get("scope", {"type": "default"})
    return json.dumps(scope, sort_keys=True), params.get("language_code", "")
