"""The users, chats and messages of the fake Telegram, and their Bot API JSON forms."""

from dataclasses import dataclass, field


def _compact(obj: dict) -> dict:
    return {key: value for key, value in obj.items() if value is not None}


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False
    language_code: str | None = "en"

    def to_api(self) -> dict:
        return _compact(
            {
                "id": self.id,
                "is_bot": self.is_bot,
                "first_name": self.first_name,
                "username": self.username,
                "language_code": None if self.is_bot else self.language_code,
            }
        )


@dataclass(frozen=True)
class Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: User | None = None
    is_forum: bool = False

    def to_api(self) -> dict:
        if self.user is not None:
            return _compact(
                {
                    "id": self.id,
                    "type": self.type,
                    "first_name": self.user.first_name,
                    "username": self.user.username,
                }
            )
        return _compact(
            {
                "id": self.id,
                "type": self.type,
                "title": self.title,
                "username": self.username,
                "is_forum": self.is_forum or None,
            }
        )

    def full_info(self) -> dict:
        """getChat's ChatFullInfo, with the fields Telegram always fills in."""
        gifts = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        return {
            **self.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }


@dataclass
class Topic:
    name: str
    closed: bool = False


@dataclass
class SentMessage:
    """A message the bot sent, as it sent it; edits update it in place."""

    chat_id: int
    message_id: int
    thread_id: int | None
    text: str
    parse_mode: str | None
    reply_markup: dict | None
    message: dict = field(repr=False)

    @property
    def visible_text(self) -> str:
        """The text as a user sees it, markup removed and entities decoded."""
        return self.message.get("text", self.message.get("caption", ""))
