"""Listing pages, and turning markup into the text and links a chat message can carry.

Portals without a feed still have a news index; the config names, in CSS, what one
item on it is and where its text, link and date sit. Feeds reuse `html_to_text` and
`resolve_link` because their titles and summaries are markup too, often escaped twice.
Everything here reads with a real HTML parser (lexbor, via selectolax): regexes
mistake `a < b` for a tag and leave script bodies in the text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from bot.models import RawStatement
from bot.normalise import clean_text
from bot.sources.dates import parse_date
from bot.sources.text import text_encoding

_HIDDEN = ["script", "style", "noscript", "template"]
# Elements whose edges separate words: "<p>a</p><p>b</p>" reads "a b", yet
# "Com<b>mun</b>ist" stays one word, which a blanket separator would break.
_BLOCKS = (
    "address,article,aside,blockquote,br,dd,div,dl,dt,figcaption,figure,footer,"
    "h1,h2,h3,h4,h5,h6,header,hr,li,main,nav,ol,p,pre,section,table,td,th,tr,ul"
)


@dataclass(frozen=True, slots=True)
class ListingSelectors:
    """CSS selectors for one listing page; all but `item` are looked up within an item.

    `text` defaults to the item's own text, `link` to the item's first link, `date`
    to none; `next_page` names the link to older items, followed on first load.
    """

    item: str
    text: str | None = None
    link: str | None = None
    date: str | None = None
    next_page: str | None = None

    def __post_init__(self) -> None:
        """Refuse a selector lexbor cannot compile, so a config typo fails at load time."""
        probe = LexborHTMLParser("")
        for field in fields(self):
            selector = getattr(self, field.name)
            if selector is None:
                continue
            try:
                probe.css(selector)
            except SelectolaxError:
                raise ValueError(f"{field.name}: invalid CSS selector {selector!r}") from None


@dataclass(frozen=True, slots=True)
class ParsedListing:
    """What one listing page gave; `error` says why it gave nothing, for the operator."""

    statements: tuple[RawStatement, ...]
    next_page: str | None = None
    error: str | None = None


def parse_listing(
    body: bytes | str,
    source: str,
    base_url: str,
    selectors: ListingSelectors,
    encoding: str | None = None,
) -> ParsedListing:
    """The statements on one listing page, with links made absolute against `base_url`.

    `encoding` is the charset the server declared; without a usable one, bytes are
    read as the page's BOM or `<meta charset>` says, else as UTF-8.
    """
    tree = _parse(body, encoding)
    base_tag = tree.css_first("base[href]")
    base = resolve_link(base_url, base_tag.attributes.get("href")) if base_tag else None
    base = base or base_url
    next_page = None
    if selectors.next_page:
        next_page = _href(_link(tree.css_first(selectors.next_page)), base)
    items = tree.css(selectors.item)
    if not items:
        return ParsedListing((), next_page, f"selector {selectors.item!r} matched nothing")
    statements = tuple(
        statement
        for statement in (_statement(item, source, base, selectors) for item in items)
        if statement is not None
    )
    error = None if statements else f"{len(items)} items matched {selectors.item!r}, none with text"
    return ParsedListing(statements, next_page, error)


def html_to_text(markup: str) -> str:
    """The text a reader sees in `markup`, on one line; scripts and styles are not text."""
    root = LexborHTMLParser(markup).root
    return _text(root) if root is not None else ""


def resolve_link(base: str | None, href: str | None) -> str | None:
    """`href` made absolute against `base`, if that gives an http(s) URL; else None.

    Other schemes (javascript:, mailto:, relative leftovers) would be broken or
    harmful as a link in a chat message.
    """
    if not href:
        return None
    # Browsers drop tabs and newlines inside URLs; pretty-printed pages contain them.
    href = href.strip().replace("\t", "").replace("\n", "").replace("\r", "")
    try:
        url = urljoin(base or "", href)
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _parse(body: bytes | str, encoding: str | None) -> LexborHTMLParser:
    if isinstance(body, str):
        return LexborHTMLParser(body)
    declared = text_encoding(encoding)
    if declared is None:
        return LexborHTMLParser(body, encoding=True)
    return LexborHTMLParser(body.decode(declared, errors="replace"))


def _statement(
    item: LexborNode, source: str, base: str, selectors: ListingSelectors
) -> RawStatement | None:
    text_node = item.css_first(selectors.text) if selectors.text else item
    text = _text(text_node) if text_node is not None else ""
    if not text:
        return None
    link = _link(item.css_first(selectors.link)) if selectors.link else _link(item)
    date_node = item.css_first(selectors.date) if selectors.date else None
    return RawStatement(
        text=text,
        source=source,
        url=_href(link, base),
        published_at=_date(date_node) if date_node is not None else None,
    )


def _text(node: LexborNode) -> str:
    node.strip_tags(_HIDDEN)
    for block in node.css(_BLOCKS):
        block.insert_before(" ")
        block.insert_after(" ")
    return clean_text(node.text())


def _link(node: LexborNode | None) -> LexborNode | None:
    """`node` if it carries an href, else its first descendant that does."""
    if node is None or node.attributes.get("href"):
        return node
    return node.css_first("a[href]")


def _href(node: LexborNode | None, base: str) -> str | None:
    return resolve_link(base, node.attributes.get("href")) if node is not None else None


def _date(node: LexborNode) -> datetime | None:
    machine = node.attributes.get("datetime")
    return (parse_date(machine) if machine else None) or parse_date(node.text())
