"""Replies as structured parts, so that each platform renders them its own way.

Handlers build a `Reply`; the terminal renders it as plain text, Telegram and
Matrix as their own HTML. No handler ever writes markup, so no statement text can
ever be mistaken for markup.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    style: str = ""
    """"" for plain, or one of "bold", "italic", "code"."""


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    url: str


Span = Text | Link


@dataclass(frozen=True, slots=True)
class Line:
    """A paragraph: spans rendered one after another."""

    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Items:
    """A bulleted list of lines; a renderer may split a long message between items."""

    lines: tuple[Line, ...]


Block = Line | Items


@dataclass(frozen=True, slots=True)
class Button:
    """A button that, when pressed, runs `command` in the same chat."""

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class Reply:
    blocks: tuple[Block, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    """Rows of buttons, shown under the message where the platform has buttons."""


def bold(text: str) -> Text:
    return Text(text, "bold")


def code(text: str) -> Text:
    return Text(text, "code")


def line(*parts: str | Span) -> Line:
    return Line(tuple(Text(part) if isinstance(part, str) else part for part in parts))


def reply(*blocks: Block | str, buttons: tuple[tuple[Button, ...], ...] = ()) -> Reply:
    """A reply from blocks; a bare string is a plain paragraph."""
    return Reply(
        tuple(line(block) if isinstance(block, str) else block for block in blocks), buttons
    )
