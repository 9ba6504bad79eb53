"""A reply as one or more Telegram HTML messages, each within Telegram's length limit.

Telegram refuses a message whose visible text (after entity parsing) is longer than
4,096 characters. A long reply is split between its blocks and list items, so a
statement is never split across messages; an item too long for a message of its own
is cut at a word and ends with an ellipsis. Splitting works on the reply's structure
and renders each part with `telegram_html`, so no cut can fall inside a tag and every
part's tags are balanced.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from bot.render_html import telegram_html
from bot.reply import Block, Items, Line, Reply

MESSAGE_LIMIT = 4096
MIN_CUT_ROOM = 200
"""A too-long item is cut to fit after what the message already holds (a heading, say)
only when this much room is left; else it starts a message of its own."""
ELLIPSIS = "…"

_TAG = re.compile(r"<[^>]*>")


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: astral characters (most emoji) count twice."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(markup: str) -> int:
    """The visible length of HTML from `telegram_html`, whose text never holds a raw `<`."""
    return utf16_length(html.unescape(_TAG.sub("", markup)))


def message_texts(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The reply as HTML messages in order; each one's visible text fits in `limit`."""
    return [
        telegram_html(Reply(tuple(block for _, block in part))) for part in _split(reply, limit)
    ]


@dataclass(frozen=True, slots=True)
class _Unit:
    """A paragraph, or one item of a list; `source` is the index of its block in the reply."""

    source: int
    block: Block


def _units(reply: Reply) -> list[_Unit]:
    units = []
    for index, block in enumerate(reply.blocks):
        if isinstance(block, Items):
            units += [_Unit(index, Items((item,))) for item in block.lines]
        else:
            units.append(_Unit(index, block))
    return units


_Part = list[tuple[int, Block]]


def _append(part: _Part, unit: _Unit) -> _Part:
    """`part` with `unit` after it; an item joins the list it came from, if that is last."""
    if part and isinstance(unit.block, Items):
        source, last = part[-1]
        if source == unit.source and isinstance(last, Items):
            return [*part[:-1], (source, Items(last.lines + unit.block.lines))]
    return [*part, (unit.source, unit.block)]


def _length(part: _Part) -> int:
    return visible_length(telegram_html(Reply(tuple(block for _, block in part))))


def _split(reply: Reply, limit: int) -> list[_Part]:
    parts: list[_Part] = []
    current: _Part = []
    for unit in _units(reply):
        candidate = _append(current, unit)
        over = _length(candidate) - limit
        if over <= 0:
            current = candidate
            continue
        alone = _length([(unit.source, unit.block)])
        if current and alone > limit and alone - over >= MIN_CUT_ROOM:
            current = _append(current, _cut(unit, over))
            continue
        if current:
            parts.append(current)
        current = [(unit.source, unit.block)]
        if alone > limit:
            current = [(unit.source, _cut(unit, alone - limit).block)]
    if current:
        parts.append(current)
    return parts


def _cut(unit: _Unit, excess: int) -> _Unit:
    """The unit with its line shortened by at least `excess` visible characters."""
    block = unit.block
    line = block.lines[0] if isinstance(block, Items) else block
    shorter = shorten(line, excess)
    return replace(unit, block=Items((shorter,)) if isinstance(block, Items) else shorter)


def shorten(line: Line, excess: int) -> Line:
    """Cut `line` by at least `excess` visible characters, longest span first, at a word.

    Cutting the longest span keeps a statement's date and its link and cuts its text.
    Each cut span keeps its own style and gains an ellipsis.
    """
    spans = list(line.spans)
    while excess > 0 and spans:
        index = max(range(len(spans)), key=lambda i: utf16_length(spans[i].text))
        span = spans[index]
        size = utf16_length(span.text)
        keep = size - excess - utf16_length(ELLIPSIS)
        text = cut_at_word(span.text, keep) if keep > 0 else ""
        if text:
            spans[index] = replace(span, text=text + ELLIPSIS)
            excess -= size - utf16_length(spans[index].text)
        else:
            del spans[index]
            excess -= size
    return Line(tuple(spans))


def cut_at_word(text: str, units: int) -> str:
    """The longest start of `text` within `units` UTF-16 units that ends at a word's end.

    A single word longer than that is cut inside it, as there is nothing better.
    """
    kept = []
    used = 0
    for char in text:
        used += utf16_length(char)
        if used > units:
            break
        kept.append(char)
    head = "".join(kept)
    if len(head) == len(text) or text[len(head)].isspace():
        return head.rstrip()
    words = head.rstrip()
    boundary = max(words.rfind(" "), words.rfind("\n"))
    return words[:boundary].rstrip() if boundary > 0 else words
