"""Near-duplicates: one statement from two sources is stored once; distinct ones are not merged."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from bot.ingest import recognise
from bot.models import RawStatement
from bot.near_duplicates import MIN_LENGTH, THRESHOLD, Entry, RecentStatements
from bot.store import Store

NOW = datetime(2024, 5, 1, tzinfo=UTC)
TITLE = "Statement of the Communist Party on the general strike against the new labour law"


def entry(text: str, url: str | None = None, parties=(), at: datetime = NOW) -> Entry:
    return Entry.of(text, url, parties, at)


def near_duplicate(earlier: Entry, later: Entry) -> bool:
    """Whether the index, holding `earlier`, takes `later` for the same statement."""
    index = RecentStatements()
    index.add_entry(earlier)
    return index.match(later) is not None


def similarity(a: str, b: str) -> float:
    return fuzz.ratio(entry(a).folded, entry(b).folded)


def test_the_same_url_or_folded_text_is_a_duplicate():
    assert near_duplicate(entry("a", "https://x/1"), entry("b", "https://x/1"))
    assert near_duplicate(
        entry("On  the STRIKE", "https://a/1"), entry("on the strike", "https://b/2")
    )


def test_a_prefix_added_by_a_portal_is_still_the_same_statement():
    assert near_duplicate(entry(f"KKE: {TITLE}", "https://portal/1"), entry(TITLE, "https://kke/2"))


def test_different_numbers_parties_or_short_texts_are_kept_apart():
    assert not near_duplicate(entry(f"{TITLE} of 2023"), entry(f"{TITLE} of 2024"))
    assert not near_duplicate(
        entry(f"On the 21st IMCWP {TITLE}"), entry(f"On the 22nd IMCWP {TITLE}")
    )
    assert not near_duplicate(entry(TITLE, parties={"akel"}), entry(TITLE + ".", parties={"pcp"}))
    assert near_duplicate(entry(TITLE, parties={"kke"}), entry(TITLE + ".", parties={"kke", "tkp"}))
    assert near_duplicate(entry(TITLE, parties={"kke"}), entry(TITLE + "."))
    assert not near_duplicate(entry("KKE on the strike"), entry("KKE on the strikes"))


texts = st.text(alphabet=string.ascii_letters + " ", min_size=0, max_size=120)


@given(texts, texts, st.sets(st.sampled_from("abc")), st.sets(st.sampled_from("abc")))
def test_matching_is_symmetric(a, b, pa, pb):
    assert near_duplicate(entry(a, parties=pa), entry(b, parties=pb)) == near_duplicate(
        entry(b, parties=pb), entry(a, parties=pa)
    )
    assert similarity(a, b) == similarity(b, a)


@given(texts, texts)
def test_the_threshold_decides_between_long_texts_without_numbers(a, b):
    a, b = f"{TITLE} {a}", f"{TITLE} {b}"
    same = near_duplicate(entry(a), entry(b))
    assert same == (similarity(a, b) >= THRESHOLD or entry(a).folded == entry(b).folded)


@given(st.text(alphabet=string.ascii_lowercase + " ", min_size=MIN_LENGTH, max_size=150), st.data())
def test_one_changed_character_in_a_long_text_matches_and_the_index_agrees(text, data):
    original = entry(text)
    if len(original.folded) < 60:
        return
    position = data.draw(st.integers(0, len(original.folded) - 1))
    changed = original.folded[:position] + "#" + original.folded[position + 1 :]
    assert near_duplicate(original, entry(changed))
    index = RecentStatements()
    index.add_entry(original)
    assert index.match(entry(changed)) is not None


@settings(max_examples=50)
@given(st.lists(texts, max_size=8), texts)
def test_the_index_finds_exactly_what_pairwise_matching_finds(stored, query):
    index = RecentStatements()
    entries = [entry(f"{TITLE} {t}") for t in stored]
    for e in entries:
        index.add_entry(e)
    probe = entry(f"{TITLE} {query}")
    assert (index.match(probe) is not None) == any(near_duplicate(probe, e) for e in entries)


def test_the_window_forgets_old_statements():
    index = RecentStatements(days=7)
    index.add_entry(entry(TITLE, at=NOW - timedelta(days=8)))
    index.add_entry(entry("another statement, long enough to be matched", at=NOW))
    index.prune(NOW)
    assert len(index) == 1
    assert index.match(entry(TITLE)) is None


def raw(text: str, source: str, url: str | None = None, parties=()) -> RawStatement:
    return RawStatement(text, source, url=url, parties=tuple(parties))


async def test_two_sources_store_one_statement_once(store: Store, recogniser):
    index = await RecentStatements.load(store, NOW)
    portal = [recognise(recogniser, raw(f"KKE: {TITLE}", "portal", "https://portal.example/1"))]
    own = [
        recognise(
            recogniser,
            raw(TITLE, "kke", "https://kke.example/2", ["communist-party-of-greece"]),
        )
    ]
    stored, skipped = await index.store(store, portal, NOW)
    assert (len(stored), skipped) == (1, 0)
    stored, skipped = await index.store(store, own, NOW)
    assert (stored, skipped) == ([], 1)
    assert await store.count_statements() == 1

    # A new process loads the index from the store and still knows it.
    reloaded = await RecentStatements.load(store, NOW + timedelta(days=1))
    assert len(reloaded) == 1
    stored, skipped = await reloaded.store(store, own, NOW)
    assert (stored, skipped) == ([], 1)


async def test_a_failed_store_leaves_the_index_as_it_was(store: Store, recogniser):
    index = RecentStatements()
    item = recognise(recogniser, raw(TITLE, "portal", "https://portal.example/1"))

    class Broken:
        async def add_statements(self, *args, **kwargs):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        await index.store(Broken(), [item], NOW)  # type: ignore[arg-type]
    assert len(index) == 0
    stored, _ = await index.store(store, [item], NOW)
    assert len(stored) == 1
