"""Splitting replies into Telegram messages: limits, boundaries, cuts and balanced tags."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reply import Items, Line, Link, Text, bold, line, reply
from bot.telegram.render import ELLIPSIS, cut_at_word, message_texts, visible_length

from .html_check import parse_html

LIMIT = 300

words = st.text(alphabet=st.sampled_from("abc <>&\"' é😀\n"), min_size=0, max_size=40).filter(
    str.strip
)
spans = st.one_of(
    words.map(Text),
    words.map(lambda t: Text(t, "bold")),
    st.builds(Link, words, st.just("https://example.org/?a=1&b=<2>")),
)
lines = st.lists(spans, min_size=1, max_size=30).map(lambda s: Line(tuple(s)))
blocks = st.one_of(lines, st.lists(lines, min_size=1, max_size=8).map(lambda ls: Items(tuple(ls))))
replies = st.lists(blocks, min_size=1, max_size=8).map(lambda bs: reply(*bs))


@settings(max_examples=100, deadline=None)
@given(replies)
def test_every_part_parses_and_fits(generated):
    for text in message_texts(generated, LIMIT):
        parsed = parse_html(text)
        assert len(parsed.text.encode("utf-16-le")) // 2 <= LIMIT
        assert visible_length(text) <= LIMIT


def test_long_list_is_split_between_items_never_inside_one():
    items = Items(tuple(line(f"item {n} " + "x" * 60) for n in range(10)))
    texts = message_texts(reply(line(bold("Heading")), items), LIMIT)
    assert len(texts) > 1
    shown = [parse_html(t).text for t in texts]
    for n in range(10):
        assert sum(f"item {n} " + "x" * 60 in part for part in shown) == 1
    assert shown[0].startswith("Heading\n\n• item 0")
    assert all(part.startswith("• item") for part in shown[1:])


def test_an_item_longer_than_a_message_is_cut_at_a_word_and_keeps_its_link():
    statement = Line(
        (Text("2024-05-01 · "), Text("word " * 200), Text(" "), Link("link", "https://x.org"))
    )
    (text,) = message_texts(reply(line(bold("New statement")), statement), LIMIT)
    shown = parse_html(text).text
    assert shown.startswith("New statement\n\n2024-05-01 · word word")
    assert f"word{ELLIPSIS} link" in shown
    assert text.endswith('<a href="https://x.org">link</a>')


def test_message_with_no_room_left_starts_a_new_one_for_a_long_item():
    first = line("a " * 140)
    texts = message_texts(reply(first, line("b " * 400)), LIMIT)
    assert len(texts) == 2
    assert parse_html(texts[1]).text.endswith(f"b{ELLIPSIS}")


def test_cut_at_word_backs_off_to_a_word_end_but_cuts_one_huge_word():
    assert cut_at_word("general strike tomorrow", 17) == "general strike"
    assert cut_at_word("general strike", 14) == "general strike"
    assert cut_at_word("solidarity", 4) == "soli"
    assert cut_at_word("😀😀😀", 4) == "😀😀"
