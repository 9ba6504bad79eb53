"""Telegram's HTML parse mode, parsed the way the Bot API parses it.

The rules and error wording follow tdlib's HTML parser, which is what answers
"can't parse entities" in production, so a message that fails here fails on
Telegram too. One deliberate difference: Telegram keeps an `&` that starts no
known entity as a literal character, but the fake rejects it. A bare `&` means
the text was not HTML-escaped, and the same unescaped text would turn `&lt;` in
a feed title into `<`, which is a bug in the bot even where Telegram is silent.
"""

import re
from dataclasses import dataclass, field

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z]+));?")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")


class HtmlError(ValueError):
    """Markup Telegram refuses; the message is the part after "can't parse entities: "."""


@dataclass
class ParsedText:
    """The visible text of a message and the entities Telegram derives from its markup."""

    text: str
    entities: list[dict] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int


def utf16_length(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units, as Telegram's clients do."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> ParsedText:
    """Return the text and entities of an HTML-mode message, or raise HtmlError."""
    return _Parser(source).run()


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict] = []

    def run(self) -> ParsedText:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self._emit(self._entity(self.pos))
            elif char == "<" and self.src.startswith("</", self.pos):
                self._end_tag()
            elif char == "<":
                self._start_tag()
            else:
                self._emit(char)
                self.pos += 1
        if self.stack:
            raise HtmlError(f"Can't find end tag corresponding to start tag {self.stack[-1].name}")
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def _byte_offset(self, pos: int) -> int:
        return len(self.src[:pos].encode())

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.offset += utf16_length(text)

    def _entity(self, start: int) -> str:
        """Decode the character reference at start and move past it."""
        match = _ENTITY.match(self.src, start)
        char = _decode(match) if match else None
        if char is None:
            raise HtmlError(
                f'Character "&" at byte offset {self._byte_offset(start)} must be escaped as "&amp;"'
            )
        self.pos = match.end()
        return char

    def _skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos].isspace():
            self.pos += 1

    def _read_until(self, stops: str) -> str:
        start = self.pos
        while self.pos < len(self.src) and not (
            self.src[self.pos].isspace() or self.src[self.pos] in stops
        ):
            self.pos += 1
        return self.src[start : self.pos]

    def _start_tag(self) -> None:
        begin = self._byte_offset(self.pos)
        self.pos += 1
        name = self._read_until(">").lower()
        if self.pos >= len(self.src):
            raise HtmlError(f"Unclosed start tag at byte offset {begin}")
        if name not in _ENTITY_TYPES:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {begin}')
        attributes = self._attributes(name, begin)
        self.pos += 1
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise HtmlError("Invalid custom emoji identifier specified")
        self.stack.append(_OpenTag(name, attributes, self.offset))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        attributes: dict[str, str] = {}
        while True:
            self._skip_spaces()
            if self.pos >= len(self.src):
                raise HtmlError(f"Unclosed start tag at byte offset {begin}")
            if self.src[self.pos] == ">":
                return attributes
            attribute = self._read_until("=>")
            if not attribute:
                raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
            self._skip_spaces()
            if (
                tag == "blockquote"
                and attribute == "expandable"
                and not self.src.startswith("=", self.pos)
            ):
                attributes[attribute] = ""
                continue
            if not self.src.startswith("=", self.pos):
                raise HtmlError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {begin}'
                )
            self.pos += 1
            self._skip_spaces()
            attributes[attribute.lower()] = self._attribute_value(begin)

    def _attribute_value(self, begin: int) -> str:
        if self.pos >= len(self.src):
            raise HtmlError(f"Unclosed start tag at byte offset {begin}")
        quote = self.src[self.pos]
        if quote not in "'\"":
            token = _NAME_TOKEN.match(self.src, self.pos).group()
            self.pos += len(token)
            if self.pos >= len(self.src) or not (
                self.src[self.pos].isspace() or self.src[self.pos] == ">"
            ):
                start = self._byte_offset(self.pos - len(token))
                raise HtmlError(f"Unexpected end of name token at byte offset {start}")
            return token.lower()
        self.pos += 1
        value: list[str] = []
        while self.pos < len(self.src) and self.src[self.pos] != quote:
            if self.src[self.pos] == "&":
                value.append(self._entity(self.pos))
            else:
                value.append(self.src[self.pos])
                self.pos += 1
        if self.pos >= len(self.src):
            raise HtmlError(f"Unclosed start tag at byte offset {begin}")
        self.pos += 1
        return "".join(value)

    def _end_tag(self) -> None:
        begin = self._byte_offset(self.pos)
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {begin}")
        self.pos += 2
        name = self._read_until(">").lower()
        self._skip_spaces()
        if not self.src.startswith(">", self.pos):
            raise HtmlError(f"Unclosed end tag at byte offset {begin}")
        self.pos += 1
        tag = self.stack.pop()
        if name and name != tag.name:
            raise HtmlError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        if self.offset > tag.offset:
            self._add_entity(tag)

    def _add_entity(self, tag: _OpenTag) -> None:
        entity: dict = {
            "type": _ENTITY_TYPES[tag.name],
            "offset": tag.offset,
            "length": self.offset - tag.offset,
        }
        if tag.name == "a":
            entity["url"] = tag.attributes.get("href") or self._text_since(tag.offset)
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attributes["emoji-id"]
        elif tag.name == "blockquote" and "expandable" in tag.attributes:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "code" and tag.attributes.get("class", "").startswith("language-"):
            entity["language"] = tag.attributes["class"].removeprefix("language-")
        elif tag.name == "pre":
            inner = self._code_inside(entity)
            if inner is not None:
                entity["language"] = inner
        self.entities.append(entity)

    def _code_inside(self, pre: dict) -> str | None:
        """Fold a <code class="language-x"> spanning the whole <pre> into the pre entity."""
        for entity in self.entities:
            if (
                entity["type"] == "code"
                and (entity["offset"], entity["length"]) == (pre["offset"], pre["length"])
                and "language" in entity
            ):
                self.entities.remove(entity)
                return entity["language"]
        return None

    def _text_since(self, offset: int) -> str:
        text = "".join(self.out).encode("utf-16-le")
        return text[offset * 2 :].decode("utf-16-le")


def _decode(match: re.Match) -> str | None:
    hex_code, decimal_code, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code = int(hex_code, 16) if hex_code is not None else int(decimal_code)
    if 0xD800 <= code <= 0xDFFF:
        raise HtmlError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return chr(code) if 0 < code < 0x110000 else None
