"""The people and chats every fake Telegram starts with, one of each kind the bot meets."""

from dataclasses import dataclass

from .objects import Chat, User
from .world import World


@dataclass(frozen=True)
class Cast:
    alice: User
    """Creator of every group and the channel; has a private chat with the bot."""
    bob: User
    """A plain member of the supergroup and the forum."""
    carol: User
    """An administrator of the supergroup."""
    private: Chat
    """Alice's private chat with the bot."""
    group: Chat
    """A supergroup (creator alice, administrator carol, member bob)."""
    forum: Chat
    """A forum supergroup with one open topic."""
    topic_id: int
    """The thread id of the forum's topic."""
    channel: Chat
    """A channel where the bot is an administrator."""
    legacy_group: Chat
    """A basic group, the kind a test can migrate to a supergroup."""


def populate(world: World) -> Cast:
    alice = world.add_user("Alice", "alice")
    bob = world.add_user("Bob", "bob")
    carol = world.add_user("Carol", "carol")
    forum = world.add_supergroup("Party Forum", creator=alice, members=(bob,), forum=True)
    return Cast(
        alice=alice,
        bob=bob,
        carol=carol,
        private=world.private_chat(alice),
        group=world.add_supergroup(
            "Party HQ", creator=alice, admins=(carol,), members=(bob,), username="partyhq"
        ),
        forum=forum,
        topic_id=world.add_topic(forum, "Statements"),
        channel=world.add_channel("Party Wire", creator=alice, username="partywire"),
        legacy_group=world.add_group("Old Cell", creator=alice, members=(bob,)),
    )
