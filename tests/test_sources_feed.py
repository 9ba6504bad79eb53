"""Feeds: RSS and Atom as the portals publish them, and as they sometimes break them."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sources.feed import ParsedFeed, parse_feed
from tests.parse_checks import assert_tidy, markup_soup

SOLIDNET = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>SolidNet</title>
  <link>https://www.solidnet.org/</link>
  <description>Information from communist and workers' parties</description>
  <item>
    <title>Communist Party of Greece (KKE), Statement on the European Parliament resolution</title>
    <link>https://www.solidnet.org/article/CP-of-Greece-Statement/</link>
    <description>&lt;p&gt;The KKE &lt;strong&gt;condemns&lt;/strong&gt; the resolution.&lt;/p&gt;</description>
    <pubDate>Thu, 22 Jun 2017 10:00:00 +0300</pubDate>
    <guid isPermaLink="false">solidnet-1</guid>
  </item>
  <item>
    <title>Communist Party of Venezuela, 15th Congress completed</title>
    <link>/article/CP-of-Venezuela-15th-Congress/</link>
    <dc:date>2017-06-25T18:30:00Z</dc:date>
  </item>
</channel>
</rss>
"""

ICP = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.idcommunism.com/">
  <title>In Defense of Communism</title>
  <link rel="self" href="https://www.idcommunism.com/feeds/posts/default"/>
  <updated>2017-06-23T09:00:00+02:00</updated>
  <entry>
    <id>tag:blogger.com,1999:blog-1.post-2</id>
    <published>2017-06-23T09:00:00+02:00</published>
    <updated>2017-06-23T10:15:00+02:00</updated>
    <title type="text">Tudeh Party of Iran on the developments in the Middle East</title>
    <content type="html">&lt;div&gt;The Tudeh Party of Iran (TPI) released a statement.&lt;/div&gt;</content>
    <link rel="replies" type="text/html" href="2017/06/tudeh.html#comments"/>
    <link rel="alternate" type="text/html" href="2017/06/tudeh.html"/>
  </entry>
  <entry xml:base="https://www.idcommunism.com/2017/06/">
    <id>tag:blogger.com,1999:blog-1.post-1</id>
    <updated>2017-06-22T08:00:00Z</updated>
    <title type="html">AKEL &lt;em&gt;statement&lt;/em&gt; on the Cyprus talks</title>
    <link rel="alternate" href="akel-cyprus.html"/>
  </entry>
</feed>
"""


def feed(items: str, version: str = "2.0") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="{version}"><channel>'
        f"<title>T</title><link>https://example.org/</link>{items}</channel></rss>"
    ).encode()


def test_rss_like_solidnet() -> None:
    parsed = parse_feed(
        SOLIDNET, "solidnet", "https://www.solidnet.org/feed/", "application/rss+xml"
    )
    assert parsed.error is None
    first, second = parsed.statements
    assert first.text == (
        "Communist Party of Greece (KKE), Statement on the European Parliament resolution"
    )
    assert first.source == "solidnet"
    assert first.url == "https://www.solidnet.org/article/CP-of-Greece-Statement/"
    assert first.published_at == datetime(2017, 6, 22, 7, 0, tzinfo=UTC)
    assert second.url == "https://www.solidnet.org/article/CP-of-Venezuela-15th-Congress/"
    assert second.published_at == datetime(2017, 6, 25, 18, 30, tzinfo=UTC)


def test_atom_like_icp_with_xml_base() -> None:
    parsed = parse_feed(ICP, "icp", "https://www.idcommunism.com/feeds/posts/default")
    assert parsed.error is None
    first, second = parsed.statements
    assert first.text == "Tudeh Party of Iran on the developments in the Middle East"
    assert first.url == "https://www.idcommunism.com/2017/06/tudeh.html"
    assert first.published_at == datetime(2017, 6, 23, 7, 0, tzinfo=UTC)
    assert second.text == "AKEL statement on the Cyprus talks"
    assert second.url == "https://www.idcommunism.com/2017/06/akel-cyprus.html"
    assert second.published_at == datetime(2017, 6, 22, 8, 0, tzinfo=UTC)


def test_atom_relative_links_resolve_against_the_feed_url() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>P</title>
      <entry><title>Statement</title><link href="/news/1"/></entry></feed>"""
    (statement,) = parse_feed(atom, "p", "https://party.example/feed.atom").statements
    assert statement.url == "https://party.example/news/1"


def test_relative_link_without_a_base_is_dropped() -> None:
    (statement,) = parse_feed(feed("<item><title>A</title><link>/a</link></item>"), "s").statements
    assert statement.url is None


def test_unsafe_link_is_dropped() -> None:
    items = "<item><title>A</title><link>javascript:alert(1)</link></item>"
    (statement,) = parse_feed(feed(items), "s", "https://example.org/feed").statements
    assert statement.url is None


def test_rss_1_and_0_91() -> None:
    rdf = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
             xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://p.example/"><title>P</title><link>https://p.example/</link>
        <description>d</description></channel>
      <item rdf:about="https://p.example/1"><title>RDF statement</title>
        <link>https://p.example/1</link><dc:date>2017-06-22</dc:date></item>
    </rdf:RDF>"""
    (statement,) = parse_feed(rdf, "p").statements
    assert (statement.text, statement.url) == ("RDF statement", "https://p.example/1")
    assert statement.published_at == datetime(2017, 6, 22, tzinfo=UTC)
    old = feed("<item><title>Old statement</title></item>", version="0.91")
    assert [s.text for s in parse_feed(old, "p").statements] == ["Old statement"]


def test_entry_without_title_uses_the_summary_as_text() -> None:
    items = "<item><description>&lt;p&gt;Only a &lt;b&gt;summary&lt;/b&gt;&lt;/p&gt;</description></item>"
    (statement,) = parse_feed(feed(items), "s").statements
    assert statement.text == "Only a summary"
    assert statement.url is None
    assert statement.published_at is None


def test_entries_without_title_or_summary_are_skipped() -> None:
    items = "<item><link>https://e.org/1</link></item><item><title>Kept</title></item>"
    assert [s.text for s in parse_feed(feed(items), "s").statements] == ["Kept"]


def test_entries_without_any_text_are_reported() -> None:
    parsed = parse_feed(feed("<item><link>https://e.org/1</link></item>"), "s")
    assert parsed == ParsedFeed((), "1 entries, none with a title or summary")


def test_scripts_and_styles_in_titles_are_not_text() -> None:
    items = (
        "<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Statement &amp;amp; appeal</title></item>"
        "<item><title><![CDATA[<style>b{}</style>CC <i>resolution</i>]]></title></item>"
        "<item><title>&lt;script&gt;only&lt;/script&gt;</title><description>Fallback</description></item>"
    )
    texts = [s.text for s in parse_feed(feed(items), "s").statements]
    assert texts == ["Statement & appeal", "CC resolution", "Fallback"]


def test_updated_date_stands_in_for_published() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>P</title>
      <entry><title>A</title><updated>2017-06-22T10:00:00+03:00</updated></entry></feed>"""
    (statement,) = parse_feed(atom, "p").statements
    assert statement.published_at == datetime(2017, 6, 22, 7, 0, tzinfo=UTC)


def test_dates_feedparser_cannot_read_fall_back_to_ours() -> None:
    items = "<item><title>A</title><pubDate>22.06.2017</pubDate></item>"
    (statement,) = parse_feed(feed(items), "s").statements
    assert statement.published_at == datetime(2017, 6, 22, tzinfo=UTC)


def test_unreadable_date_is_none() -> None:
    items = "<item><title>A</title><pubDate>sometime last week</pubDate></item>"
    (statement,) = parse_feed(feed(items), "s").statements
    assert statement.published_at is None


def test_malformed_xml_keeps_what_parsed() -> None:
    broken = feed("<item><title>First</title></item><item><title>Se<cond</title></item>")
    parsed = parse_feed(broken[: broken.index(b"</channel>")], "s")
    assert parsed.error is None
    assert parsed.statements[0].text == "First"


def test_malformed_xml_with_nothing_parsed_says_why() -> None:
    parsed = parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><<<', "s")
    assert parsed.statements == ()
    assert parsed.error is not None
    assert parsed.error.startswith("malformed feed: ")
    assert "\n" not in parsed.error


def test_empty_body() -> None:
    assert parse_feed(b"", "s") == ParsedFeed((), "empty body")
    assert parse_feed(b" \n\t", "s") == ParsedFeed((), "empty body")


def test_html_page_is_not_a_feed() -> None:
    page = b"<!doctype html><html><body><h1>Party news</h1></body></html>"
    assert parse_feed(page, "s", "https://e.org/", "text/html") == ParsedFeed(
        (), "not an RSS or Atom feed"
    )


def test_empty_feed_is_not_an_error() -> None:
    assert parse_feed(feed(""), "s") == ParsedFeed(())


def test_header_charset_beats_a_wrong_declaration() -> None:
    body = feed("<item><title>Partido Comunista de España</title></item>")
    latin = body.decode().encode("latin-1")  # still declares utf-8 in the XML prolog
    parsed = parse_feed(latin, "s", content_type="application/rss+xml; charset=ISO-8859-1")
    assert [s.text for s in parsed.statements] == ["Partido Comunista de España"]


def test_declared_encoding_that_lies_gives_a_best_effort() -> None:
    latin = feed("<item><title>Partido Comunista de España</title></item>").decode()
    (statement,) = parse_feed(latin.encode("latin-1"), "s").statements
    assert statement.text.startswith("Partido Comunista de Espa")


def test_feed_body_is_never_opened_as_a_url_or_path(tmp_path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(feed("<item><title>Read from disk</title></item>"))
    parsed = parse_feed(str(path).encode(), "s")
    assert parsed.statements == ()


XMLISH = markup_soup(
    [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<?xml version="1.0" encoding="koi8-r"?>',
        '<rss version="2.0">',
        "<channel>",
        "<item>",
        "</item>",
        "<title>",
        "</title>",
        "<link>",
        "</link>",
        "<description>",
        "<pubDate>",
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        "<entry>",
        '<link href="',
        '"/>',
        "<![CDATA[",
        "]]>",
        "&lt;script&gt;",
        "&amp;",
        "&#0;",
        "&nbsp;",
        "<!DOCTYPE rss [<!ENTITY x 'y'>]>",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.one_of(st.none(), st.text(max_size=40)))
def test_random_bytes_never_raise(body: bytes, content_type: str | None) -> None:
    assert_tidy(parse_feed(body, "s", "https://example.org/feed", content_type))


@settings(max_examples=300, deadline=None)
@given(XMLISH, st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_random_xmlish_never_raises(text: str, encoding: str) -> None:
    assert_tidy(parse_feed(text.encode(encoding, errors="replace"), "s"))
