"""What the feed and listing parser tests share: markup-shaped fuzz input, and the
tidiness every parse result must keep however broken that input was."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from hypothesis import strategies as st

from bot.sources.feed import ParsedFeed
from bot.sources.html import ParsedListing


def markup_soup(fragments: Sequence[str]) -> st.SearchStrategy[str]:
    """Text strung from a format's own tags and random noise; reaches parser corners
    that uniformly random text almost never does."""
    return st.lists(
        st.one_of(st.sampled_from(fragments), st.text(max_size=20)),
        max_size=40,
    ).map("".join)


def assert_tidy(parsed: ParsedFeed | ParsedListing) -> None:
    """An error comes alone and on one line; every statement is stripped text with an
    absolute link and a UTC date, or none."""
    assert parsed.error is None or (not parsed.statements and "\n" not in parsed.error)
    for statement in parsed.statements:
        assert statement.text
        assert statement.text == statement.text.strip()
        assert statement.url is None or statement.url.startswith(("http://", "https://"))
        assert statement.published_at is None or statement.published_at.tzinfo is UTC
