"""Telegram's limits on what a request may contain, beyond the types of its fields."""

import re

from .errors import bad_request
from .html_check import HtmlError, ParsedText, parse_html

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_MESSAGE_TEXT_METHODS = {"sendMessage", "editMessageText"}
_MARKDOWN_MODES = {"markdown", "markdownv2"}
_BUTTON_LABEL_FIELDS = {"text", "icon_custom_emoji_id", "style"}
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def formatted(
    text: str, parse_mode: str | None, *, limit: int, too_long: str, empty: str | None
) -> ParsedText:
    """Parse text as Telegram does, refusing it where Telegram would.

    Markdown modes are passed through unparsed: the bot uses HTML only, and a
    half-right Markdown parser would accept what Telegram refuses.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except HtmlError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    elif mode in _MARKDOWN_MODES or not mode:
        parsed = ParsedText(text)
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    if empty is not None and not parsed.text.strip():
        raise bad_request(empty)
    if len(parsed.text) > limit:
        raise bad_request(too_long)
    return parsed


def formatted_text(method: str, params: dict) -> ParsedText | None:
    """The visible text of a message a request would create or edit, once checked."""
    if method in _MESSAGE_TEXT_METHODS:
        return formatted(
            params["text"],
            params.get("parse_mode"),
            limit=MESSAGE_LIMIT,
            too_long="message is too long",
            empty="message text is empty",
        )
    if "caption" in params:
        return formatted(
            params["caption"],
            params.get("parse_mode"),
            limit=CAPTION_LIMIT,
            too_long="message caption is too long",
            empty=None,
        )
    return None


def check_inline_button(button: dict) -> None:
    """Telegram allows 1-64 bytes of callback data and exactly one action per button."""
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode()) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")
    actions = set(button) - _BUTTON_LABEL_FIELDS
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of "
            f"{', '.join(sorted(actions))} must be used"
        )


def check_input_text(content: dict) -> None:
    """Inline results carry message text under the same rules as sendMessage."""
    formatted(
        content["message_text"],
        content.get("parse_mode"),
        limit=MESSAGE_LIMIT,
        too_long="MESSAGE_TOO_LONG",
        empty="MESSAGE_EMPTY",
    )


def check_bot_command(command: dict) -> None:
    """Commands are 1-32 lowercase letters, digits or underscores, described in 1-256 chars."""
    if not _COMMAND.fullmatch(command["command"]):
        raise bad_request("BOT_COMMAND_INVALID")
    if not 1 <= len(command["description"]) <= 256:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


OBJECT_RULES = {
    "InlineKeyboardButton": check_inline_button,
    "InputTextMessageContent": check_input_text,
    "BotCommand": check_bot_command,
}
