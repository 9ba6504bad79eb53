"""Plain-text dumps: one statement per line, tidied."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.normalise import clean_text
from bot.sources.text import decode, parse_text, text_encoding

SAMPLES = sorted((Path(__file__).parents[1] / "bot" / "data" / "samples").glob("*.txt"))


def test_samples_give_one_statement_per_non_blank_line() -> None:
    assert SAMPLES
    for path in SAMPLES:
        body = path.read_text(encoding="utf-8")
        statements = parse_text(body, path.stem)
        assert len(statements) == sum(1 for line in body.splitlines() if line.strip())
        for statement in statements:
            assert statement.source == path.stem
            assert statement.url is None
            assert statement.published_at is None
            assert statement.text == statement.text.strip()
            assert "  " not in statement.text
            assert "\xa0" not in statement.text


def test_lines_are_tidied_and_blank_lines_skipped() -> None:
    body = "  KKE  statement\xa0 on\tstrikes \r\n\n   \n\x0c\nPCV\x00 congress\n"
    assert [s.text for s in parse_text(body, "dump")] == [
        "KKE statement on strikes",
        "PCV congress",
    ]


def test_empty_body() -> None:
    assert parse_text("", "dump") == []


def test_clean_keeps_letters_and_marks() -> None:
    assert clean_text(" İzmir — «TKP»\u200b ") == "İzmir — «TKP»\u200b"


def test_decode_honours_a_usable_declaration() -> None:
    assert decode("España".encode("latin-1"), "ISO-8859-1") == "España"
    assert decode("España".encode(), None) == "España"
    assert decode("España".encode(), "nonsense") == "España"
    assert decode(b"Espa\xf1a", "utf-8") == "Espa\ufffda"


def test_text_encoding_refuses_names_that_are_not_charsets() -> None:
    assert text_encoding("UTF8") == "utf-8"
    assert text_encoding("windows-1251") == "cp1251"
    assert text_encoding("base64") is None
    assert text_encoding("utf\x00") is None
    assert text_encoding("") is None
    assert text_encoding(None) is None


@given(st.text())
def test_garbage_text_gives_tidy_statements(body: str) -> None:
    for statement in parse_text(body, "dump"):
        assert statement.text
        assert statement.text == statement.text.strip()
        assert "\n" not in statement.text


@given(st.binary(), st.sampled_from([None, "utf-8", "latin-1", "utf-16", "punycode", "nonsense"]))
def test_decode_never_raises(body: bytes, encoding: str | None) -> None:
    assert isinstance(decode(body, encoding), str)
