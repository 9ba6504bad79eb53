"""Listing pages, the markup-to-text helpers, and the dates listings print."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sources.dates import parse_date
from bot.sources.html import (
    ListingSelectors,
    ParsedListing,
    html_to_text,
    parse_listing,
    resolve_link,
)
from tests.parse_checks import assert_tidy, markup_soup

BASE = "https://www.solidnet.org/news/"

# Shaped like a Drupal "views" listing, as SolidNet and several parties' sites use.
LISTING = """<!doctype html>
<html><head><meta charset="utf-8"><title>News</title>
<script>var tracking = "not a statement";</script></head>
<body>
<nav><a href="/">Home</a></nav>
<div class="view-content">
  <div class="views-row">
    <h3 class="title"><a href="/article/CP-of-Greece-Statement/">Communist Party of Greece,
        Statement   on the   EP resolution</a></h3>
    <time datetime="2017-06-22T10:00:00+03:00">22 June 2017</time>
    <div class="teaser"><p>The KKE condemns&nbsp;the resolution.</p></div>
  </div>
  <div class="views-row">
    <h3 class="title"><a href="../article/CP-of-Venezuela/">PCV: 15th Congress completed</a></h3>
    <span class="date">June 25, 2017</span>
  </div>
  <div class="views-row">
    <h3 class="title"><a href="https://other.example/tkp">TKP on the <em>justice march</em></a></h3>
    <span class="date">yesterday</span>
  </div>
</div>
<ul class="pager"><li class="pager-next"><a href="?page=1">next ›</a></li></ul>
</body></html>"""

SELECTORS = ListingSelectors(
    item="div.views-row",
    text="h3.title",
    link="h3.title a",
    date="time, span.date",
    next_page="li.pager-next a",
)


def test_listing_with_selectors() -> None:
    parsed = parse_listing(LISTING, "solidnet", BASE, SELECTORS)
    assert parsed.error is None
    assert parsed.next_page == "https://www.solidnet.org/news/?page=1"
    assert [(s.text, s.url, s.published_at) for s in parsed.statements] == [
        (
            "Communist Party of Greece, Statement on the EP resolution",
            "https://www.solidnet.org/article/CP-of-Greece-Statement/",
            datetime(2017, 6, 22, 7, 0, tzinfo=UTC),
        ),
        (
            "PCV: 15th Congress completed",
            "https://www.solidnet.org/article/CP-of-Venezuela/",
            datetime(2017, 6, 25, tzinfo=UTC),
        ),
        ("TKP on the justice march", "https://other.example/tkp", None),
    ]
    assert {s.source for s in parsed.statements} == {"solidnet"}


def test_defaults_take_the_items_own_text_and_first_link() -> None:
    page = """<ul>
      <li class="n"><a href="/a">First</a> <b>statement</b><script>x()</script></li>
      <li class="n">No link here</li>
      <li class="n"><a name="anchor">Anchor</a> then <a href="/b">link</a></li>
    </ul>"""
    parsed = parse_listing(page, "p", "https://party.example/news", ListingSelectors(item="li.n"))
    assert [(s.text, s.url, s.published_at) for s in parsed.statements] == [
        ("First statement", "https://party.example/a", None),
        ("No link here", None, None),
        ("Anchor then link", "https://party.example/b", None),
    ]
    assert parsed.next_page is None


def test_item_that_is_itself_the_link() -> None:
    page = '<a class="news" href="/1">One</a><a class="news" href="/2">Two</a>'
    parsed = parse_listing(page, "p", "https://p.example/", ListingSelectors(item="a.news"))
    assert [s.url for s in parsed.statements] == ["https://p.example/1", "https://p.example/2"]


def test_base_tag_is_honoured() -> None:
    page = '<head><base href="/en/"></head><div class="i"><a href="x">X</a></div>'
    parsed = parse_listing(page, "p", "https://p.example/news", ListingSelectors(item="div.i"))
    assert parsed.statements[0].url == "https://p.example/en/x"


def test_unsafe_links_are_dropped() -> None:
    page = '<div class="i"><a href="javascript:alert(1)">X</a></div>'
    parsed = parse_listing(page, "p", "https://p.example/", ListingSelectors(item="div.i"))
    assert parsed.statements[0].url is None


def test_no_items_says_the_selector_matched_nothing() -> None:
    parsed = parse_listing("<html><body><p>Maintenance</p></body></html>", "p", BASE, SELECTORS)
    assert parsed == ParsedListing((), None, "selector 'div.views-row' matched nothing")


def test_items_without_text_are_reported() -> None:
    page = '<div class="views-row"><h3 class="title"> </h3></div><div class="views-row"></div>'
    parsed = parse_listing(page, "p", BASE, SELECTORS)
    assert parsed.statements == ()
    assert parsed.error == "2 items matched 'div.views-row', none with text"


def test_empty_body() -> None:
    assert parse_listing(b"", "p", BASE, SELECTORS).error == (
        "selector 'div.views-row' matched nothing"
    )


def test_invalid_selector_fails_at_construction() -> None:
    with pytest.raises(ValueError, match=r"^date: invalid CSS selector 'time\['$"):
        ListingSelectors(item="div", date="time[")


def test_bytes_follow_the_meta_charset() -> None:
    page = '<meta charset="windows-1251"><div class="i">Коммунистическая партия</div>'
    parsed = parse_listing(page.encode("cp1251"), "p", BASE, ListingSelectors(item="div.i"))
    assert parsed.statements[0].text == "Коммунистическая партия"


def test_declared_encoding_beats_detection() -> None:
    page = '<div class="i">Partido Comunista de España</div>'.encode("latin-1")
    selectors = ListingSelectors(item="div.i")
    parsed = parse_listing(page, "p", BASE, selectors, encoding="iso-8859-1")
    assert parsed.statements[0].text == "Partido Comunista de España"
    garbled = parse_listing(page, "p", BASE, selectors)  # undeclared: read as UTF-8
    assert garbled.statements[0].text == "Partido Comunista de Espa\ufffda"


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One</p><p>two</p>", "One two"),
        ("Com<b>mun</b>ist", "Communist"),
        ("a<br>b", "a b"),
        ("<script>alert(1)</script>Hi<style>p{}</style>", "Hi"),
        ("x &lt; y &amp;&amp; 1 < 2", "x < y && 1 < 2"),
        ("<!-- comment -->Text", "Text"),
        ("", ""),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


@pytest.mark.parametrize(
    ("base", "href", "url"),
    [
        ("https://p.example/a/b", "../c", "https://p.example/c"),
        ("https://p.example/a/", " \n/x\t?y=1 ", "https://p.example/x?y=1"),
        ("https://p.example/", "//cdn.example/z", "https://cdn.example/z"),
        (None, "https://p.example/", "https://p.example/"),
        (None, "/relative", None),
        ("https://p.example/", "mailto:cc@p.example", None),
        ("https://p.example/", "http://[::1", None),
        ("https://p.example/", "", None),
        ("https://p.example/", None, None),
    ],
)
def test_resolve_link(base: str | None, href: str | None, url: str | None) -> None:
    assert resolve_link(base, href) == url


@pytest.mark.parametrize(
    ("value", "when"),
    [
        ("2017-06-22", datetime(2017, 6, 22, tzinfo=UTC)),
        ("2017-06-22T10:00:00Z", datetime(2017, 6, 22, 10, tzinfo=UTC)),
        ("2017-06-22T10:00:00+03:00", datetime(2017, 6, 22, 7, tzinfo=UTC)),
        ("2017-06-22 10:00", datetime(2017, 6, 22, 10, tzinfo=UTC)),
        ("Thu, 22 Jun 2017 10:00:00 +0300", datetime(2017, 6, 22, 7, tzinfo=UTC)),
        ("Thu, 22 Jun 2017 10:00:00 GMT", datetime(2017, 6, 22, 10, tzinfo=UTC)),
        ("22 June 2017", datetime(2017, 6, 22, tzinfo=UTC)),
        ("June 22, 2017", datetime(2017, 6, 22, tzinfo=UTC)),
        ("Sept. 3 2019", datetime(2019, 9, 3, tzinfo=UTC)),
        ("3rd of March, 2020", datetime(2020, 3, 3, tzinfo=UTC)),
        ("22.06.2017", datetime(2017, 6, 22, tzinfo=UTC)),
        ("Posted on Jun 22nd, 2017 by admin", datetime(2017, 6, 22, tzinfo=UTC)),
        ("  Published: 2017-06-22  ", datetime(2017, 6, 22, tzinfo=UTC)),
    ],
)
def test_dates(value: str, when: datetime) -> None:
    assert parse_date(value) == when


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "31.02.2017", "2017-13-01", "Smarch 3, 2017", "0001-01-01T00:00:00+05:00"],
)
def test_unreadable_dates(value: str) -> None:
    assert parse_date(value) is None


HTMLISH = markup_soup(
    [
        '<div class="views-row">',
        "</div>",
        '<h3 class="title">',
        "</h3>",
        '<a href="',
        '">',
        "</a>",
        '<time datetime="',
        "<script>",
        "</script>",
        "<style>",
        "<!--",
        "-->",
        '<li class="pager-next">',
        "<base href=",
        "&nbsp;",
        "&#0;",
        "<table><tr><td>",
        "<template>",
        "<svg><a href=x>",
    ]
)


def assert_tidy_listing(parsed: ParsedListing) -> None:
    """A listing is tidy as any parse is, and its next page is absolute too."""
    assert_tidy(parsed)
    assert parsed.next_page is None or parsed.next_page.startswith(("http://", "https://"))


@settings(max_examples=300, deadline=None)
@given(HTMLISH)
def test_random_htmlish_never_raises(page: str) -> None:
    assert_tidy_listing(parse_listing(page, "p", BASE, SELECTORS))
    assert_tidy_listing(parse_listing(page, "p", BASE, ListingSelectors(item="div, a")))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "utf-8", "cp1251", "nonsense"]))
def test_random_bytes_never_raise(page: bytes, encoding: str | None) -> None:
    assert_tidy_listing(parse_listing(page, "p", BASE, ListingSelectors(item="*"), encoding))


@given(st.text())
def test_random_text_never_raises(value: str) -> None:
    assert html_to_text(value) == html_to_text(value).strip()
    when = parse_date(value)
    assert when is None or when.tzinfo is UTC
    resolve_link(BASE, value)
