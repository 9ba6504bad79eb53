"""The Telegram a test scripts: users, chats, memberships, and what people do in them.

Tests act as the users (`user_says`, `press_button`, ...), which queues the
updates Telegram would send the bot; the fake API's methods act as the bot
through `writable`, `post` and `edit`, which refuse what Telegram refuses for
the state the test arranged.
"""

import itertools
import re
import time

from .errors import bad_request, forbidden
from .html_check import ParsedText, utf16_length
from .objects import Chat, SentMessage, Topic, User
from .updates import UpdateQueue

_PRESENT = {"creator", "administrator", "member", "restricted"}
_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@([A-Za-z0-9_]{3,32}))?")
_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    **dict.fromkeys(
        [
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_post_messages",
            "can_edit_messages",
            "can_pin_messages",
            "can_manage_topics",
        ],
        True,
    ),
}


class World:
    """Everything the fake Telegram knows, changed by tests and by the bot's requests."""

    def __init__(self, bot_id: int, bot_username: str = "partywire_bot") -> None:
        self.bot = User(bot_id, "Partywire", bot_username, is_bot=True)
        self.updates = UpdateQueue()
        self.privacy_mode = True
        self.chats: dict[int, Chat] = {}
        self.sent_messages: list[SentMessage] = []
        self.callback_answers: dict[str, dict] = {}
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.webhook_url = ""
        self.inline_answers: dict[str, dict] = {}
        self._users: dict[int, User] = {bot_id: self.bot}
        self._status: dict[int, dict[int, str]] = {}
        self._blocked: set[int] = set()
        self._migrated_to: dict[int, int] = {}
        self._topics: dict[int, dict[int, Topic]] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._last_message_id: dict[int, int] = {}
        self._open_queries: set[str] = set()
        self._user_ids = itertools.count(100_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._supergroup_ids = itertools.count(1_000_000_001)
        self._query_ids = itertools.count(1)

    # Setting the scene.

    def add_user(self, first_name: str, username: str | None = None) -> User:
        """A user who has started the bot, so their private chat exists."""
        user = User(next(self._user_ids), first_name, username)
        self._users[user.id] = user
        self._add_chat(Chat(user.id, "private", user=user), {user.id: "member"})
        return user

    def private_chat(self, user: User) -> Chat:
        return self.chats[user.id]

    def add_group(self, title: str, *, creator: User, members: tuple[User, ...] = ()) -> Chat:
        """A basic group: the kind that migrates to a supergroup."""
        chat = Chat(-next(self._group_ids), "group", title)
        return self._add_chat(chat, _roles(creator, (), members))

    def add_supergroup(
        self,
        title: str,
        *,
        creator: User,
        admins: tuple[User, ...] = (),
        members: tuple[User, ...] = (),
        forum: bool = False,
        username: str | None = None,
    ) -> Chat:
        chat = Chat(
            _supergroup_id(next(self._supergroup_ids)),
            "supergroup",
            title,
            username,
            is_forum=forum,
        )
        return self._add_chat(chat, _roles(creator, admins, members))

    def add_channel(
        self, title: str, *, creator: User, username: str | None = None, bot_is_admin: bool = True
    ) -> Chat:
        chat = Chat(_supergroup_id(next(self._supergroup_ids)), "channel", title, username)
        self._add_chat(chat, _roles(creator, (), ()))
        self._status[chat.id][self.bot.id] = "administrator" if bot_is_admin else "member"
        return chat

    def add_topic(self, chat: Chat, name: str, *, creator: User | None = None) -> int:
        """Open a forum topic; its thread id is the id of the message that created it."""
        if not chat.is_forum:
            raise ValueError(f"{chat.title} is not a forum")
        message = self._new_message(chat, creator or self._creator(chat))
        message["forum_topic_created"] = {"name": name, "icon_color": 0x6FB9F0}
        self._topics[chat.id][message["message_id"]] = Topic(name)
        return message["message_id"]

    def close_topic(self, chat: Chat, thread_id: int) -> None:
        self._topics[chat.id][thread_id].closed = True

    def set_status(self, chat: Chat, user: User, status: str) -> None:
        """Change a membership without an update, as an admin would before the test starts."""
        self._status[chat.id][user.id] = status

    def status(self, chat_id: int, user_id: int) -> str:
        return self._status.get(chat_id, {}).get(user_id, "left")

    # What users do.

    def user_says(
        self,
        chat: Chat,
        user: User,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: dict | None = None,
    ) -> dict:
        """Post a message as user; queue it for the bot if Telegram would deliver it.

        In groups with privacy mode on, Telegram delivers only commands not meant
        for another bot and replies to the bot, unless the bot is an admin.
        """
        if self.status(chat.id, user.id) not in _PRESENT:
            raise ValueError(f"{user.first_name} is not in chat {chat.id}")
        if thread_id is not None and thread_id not in self._topics.get(chat.id, {}):
            raise ValueError(f"chat {chat.id} has no topic {thread_id}")
        message = self._new_message(chat, user, thread_id=thread_id)
        message["text"] = text
        entities = self._command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if self._delivers(chat, text, reply_to):
            self.updates.push("channel_post" if chat.type == "channel" else "message", message)
        return message

    def press_button(self, message: dict, callback_data: str, user: User) -> str:
        """Press an inline button of a message the bot sent; returns the callback query id."""
        current = self._messages[(message["chat"]["id"], message["message_id"])]
        rows = current.get("reply_markup", {}).get("inline_keyboard", [])
        if not any(button.get("callback_data") == callback_data for row in rows for button in row):
            raise ValueError(f"message {message['message_id']} has no button {callback_data!r}")
        query_id = self._open_query()
        self.updates.push(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": current,
                "chat_instance": str(current["chat"]["id"]),
                "data": callback_data,
            },
        )
        return query_id

    def inline_query(self, user: User, query: str, *, offset: str = "") -> str:
        """Type "@bot query" in some chat; returns the inline query id."""
        query_id = self._open_query()
        self.updates.push(
            "inline_query",
            {"id": query_id, "from": user.to_api(), "query": query, "offset": offset},
        )
        return query_id

    def bot_added(self, chat: Chat, by: User) -> None:
        status = "administrator" if chat.type == "channel" else "member"
        self._bot_status_changes(chat, by, status)

    def bot_removed(self, chat: Chat, by: User) -> None:
        self._bot_status_changes(chat, by, "left" if chat.type == "group" else "kicked")

    def user_blocked_bot(self, user: User) -> None:
        self._blocked.add(user.id)
        self._bot_status_changes(self.private_chat(user), user, "kicked")

    def user_unblocked_bot(self, user: User) -> None:
        self._blocked.discard(user.id)
        self._bot_status_changes(self.private_chat(user), user, "member")

    def migrate_group(self, chat: Chat, new_id: int | None = None) -> Chat:
        """Upgrade a basic group; the bot sees both service messages, then the old id is gone."""
        if chat.type != "group":
            raise ValueError("only basic groups migrate")
        new_id = new_id or _supergroup_id(next(self._supergroup_ids))
        supergroup = Chat(new_id, "supergroup", chat.title)
        self._add_chat(supergroup, dict(self._status[chat.id]))
        self._migrated_to[chat.id] = new_id
        creator = self._creator(chat)
        for source, key, value in (
            (chat, "migrate_to_chat_id", new_id),
            (supergroup, "migrate_from_chat_id", chat.id),
        ):
            message = self._new_message(source, creator)
            message[key] = value
            self.updates.push("message", message)
        return supergroup

    # What the bot does, through the API methods.

    def resolve(self, chat_id: int | str) -> Chat:
        """Find a chat by id or @username; unknown ones are Telegram's "chat not found"."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == wanted:
                    return chat
        elif isinstance(chat_id, int) or re.fullmatch(r"-?\d+", chat_id):
            chat = self.chats.get(int(chat_id))
            if chat is not None:
                return chat
        raise bad_request("chat not found")

    def writable(self, chat_id: int | str, thread_id: int | None) -> Chat:
        """The chat the bot may post to, or the error Telegram gives for this chat's state."""
        chat = self.resolve(chat_id)
        if chat.id in self._migrated_to:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                scripted=True,
                parameters={"migrate_to_chat_id": self._migrated_to[chat.id]},
            )
        if chat.id in self._blocked:
            raise forbidden("bot was blocked by the user")
        status = self.status(chat.id, self.bot.id)
        if status not in _PRESENT:
            verb = "kicked from" if status == "kicked" else "not a member of"
            raise forbidden(f"bot was {verb} the {chat.type} chat")
        if chat.type == "channel" and status != "administrator":
            raise bad_request("need administrator rights in the channel chat", scripted=True)
        if thread_id is not None:
            topic = self._topics.get(chat.id, {}).get(thread_id)
            if topic is None:
                raise bad_request("message thread not found")
            if topic.closed:
                raise bad_request("TOPIC_CLOSED", scripted=True)
        return chat

    def post(self, chat: Chat, params: dict, text: ParsedText) -> SentMessage:
        """Record a message from the bot and return it as Telegram would."""
        thread_id = params.get("message_thread_id")
        message = self._new_message(chat, self.bot, thread_id=thread_id)
        _set_text(message, text, params.get("reply_markup"))
        reply = params.get("reply_parameters")
        if reply is not None:
            target = self._messages.get((chat.id, reply["message_id"]))
            if target is None and not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
            if target is not None:
                message["reply_to_message"] = target
        sent = SentMessage(
            chat.id,
            message["message_id"],
            thread_id,
            params["text"],
            params.get("parse_mode"),
            params.get("reply_markup"),
            message,
        )
        self.sent_messages.append(sent)
        return sent

    def edit(
        self, chat_id: int | str, message_id: int, text: ParsedText | None, params: dict
    ) -> dict:
        """Change text and/or keyboard of one of the bot's messages.

        Like Telegram, an edit without reply_markup removes the keyboard, and an
        edit that changes nothing is refused.
        """
        chat = self.resolve(chat_id)
        message = self._messages.get((chat.id, message_id))
        if message is None:
            raise bad_request("message to edit not found")
        sent = next(
            (s for s in self.sent_messages if (s.chat_id, s.message_id) == (chat.id, message_id)),
            None,
        )
        if sent is None:
            raise bad_request("message can't be edited")
        edited = {
            key: value
            for key, value in message.items()
            if key not in ("text", "entities", "reply_markup", "edit_date")
        }
        if text is None:
            text = ParsedText(message["text"], message.get("entities", []))
        _set_text(edited, text, params.get("reply_markup"))
        if {**edited, "edit_date": None} == {**message, "edit_date": None}:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = int(time.time())
        self._messages[(chat.id, message_id)] = edited
        sent.message = edited
        sent.reply_markup = params.get("reply_markup")
        if "text" in params:
            sent.text, sent.parse_mode = params["text"], params.get("parse_mode")
        return edited

    def answer_query(self, query_id: str) -> None:
        """Each callback or inline query can be answered once, as Telegram allows."""
        if query_id not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._open_queries.remove(query_id)

    def member(self, chat: Chat, user_id: int) -> dict:
        """The ChatMember object for a user's status in a chat."""
        user = self._users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        status = self.status(chat.id, user_id)
        member: dict = {"status": status, "user": user.to_api()}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(_ADMIN_RIGHTS)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def administrators(self, chat: Chat) -> list[dict]:
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            self.member(chat, user_id)
            for user_id, status in self._status[chat.id].items()
            if status in ("creator", "administrator")
        ]

    # Internals.

    def _add_chat(self, chat: Chat, roles: dict[int, str]) -> Chat:
        self.chats[chat.id] = chat
        self._status[chat.id] = {self.bot.id: "member", **roles}
        self._topics[chat.id] = {}
        return chat

    def _creator(self, chat: Chat) -> User:
        creator_id = next(uid for uid, s in self._status[chat.id].items() if s == "creator")
        return self._users[creator_id]

    def _new_message(self, chat: Chat, sender: User, *, thread_id: int | None = None) -> dict:
        message_id = self._last_message_id.get(chat.id, 0) + 1
        self._last_message_id[chat.id] = message_id
        message: dict = {"message_id": message_id, "date": int(time.time()), "chat": chat.to_api()}
        if chat.type == "channel":
            message["sender_chat"] = chat.to_api()
        else:
            message["from"] = sender.to_api()
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        self._messages[(chat.id, message_id)] = message
        return message

    def _command_entities(self, text: str) -> list[dict]:
        return [
            {
                "type": "bot_command",
                "offset": utf16_length(text[: match.start()]),
                "length": utf16_length(match.group()),
            }
            for match in _COMMAND.finditer(text)
        ]

    def _delivers(self, chat: Chat, text: str, reply_to: dict | None) -> bool:
        bot_status = self.status(chat.id, self.bot.id)
        if bot_status not in _PRESENT or chat.id in self._blocked:
            return False
        if chat.type not in ("group", "supergroup") or not self.privacy_mode:
            return True
        if bot_status == "administrator":
            return True
        if reply_to is not None and reply_to.get("from", {}).get("id") == self.bot.id:
            return True
        return any(
            match.group(1) is None or match.group(1).lower() == self.bot.username.lower()
            for match in _COMMAND.finditer(text)
        )

    def _bot_status_changes(self, chat: Chat, by: User, status: str) -> None:
        old = self.member(chat, self.bot.id)
        self._status[chat.id][self.bot.id] = status
        self.updates.push(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": by.to_api(),
                "date": int(time.time()),
                "old_chat_member": old,
                "new_chat_member": self.member(chat, self.bot.id),
            },
        )

    def _open_query(self) -> str:
        query_id = str(next(self._query_ids))
        self._open_queries.add(query_id)
        return query_id


def _roles(creator: User, admins: tuple[User, ...], members: tuple[User, ...]) -> dict[int, str]:
    return {
        **{user.id: "member" for user in members},
        **{user.id: "administrator" for user in admins},
        creator.id: "creator",
    }


def _supergroup_id(n: int) -> int:
    """Supergroups and channels have ids of the form -100xxxxxxxxxx."""
    return -(10**12 + n)


def _set_text(message: dict, text: ParsedText, reply_markup: dict | None) -> None:
    message["text"] = text.text
    if text.entities:
        message["entities"] = text.entities
    if reply_markup is not None and "inline_keyboard" in reply_markup:
        message["reply_markup"] = reply_markup
