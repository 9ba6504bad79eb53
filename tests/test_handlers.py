"""The chat commands answer every input with a clear reply, on a real store of the samples."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flood import FloodGuard
from bot.ingest import ingest
from bot.models import ChatAddress
from bot.render_plain import render_plain
from bot.sources.text import parse_text
from bot.terminal import sample_texts
from handlers.commands import COMMANDS, dispatch
from handlers.context import Asker, Services

PRIVATE = Asker(ChatAddress("test", "1"), "private", user_id="1")


async def _no() -> bool:
    return False


MEMBER = Asker(ChatAddress("test", "-5"), "group", user_id="2", may_manage=_no)
OPERATOR = Asker(ChatAddress("test", "9"), "private", user_id="9", is_operator=True)
FAILED = "something went wrong"


@pytest.fixture
async def services(store, directory, recogniser):
    for name, text in sample_texts():
        await ingest(store, recogniser, parse_text(text, name))
    return Services(store, directory)


async def ask(services: Services, text: str, asker: Asker = PRIVATE) -> str:
    return render_plain(await dispatch(services, asker, text))


async def test_party_lists_its_statements_with_paging_and_a_subscribe_button(services):
    answer = await dispatch(services, PRIVATE, "/party KKE")
    text = render_plain(answer)
    assert text.startswith("Communist Party of Greece (KKE), Greece")
    assert text.count("• ") == 5
    commands = [button.command for row in answer.buttons for button in row]
    assert "/party KKE page 2" in commands
    assert "/subscribe KKE" in commands
    second = await ask(services, "/party KKE 2")
    assert "(page 2)" in second
    assert all(line not in text for line in second.splitlines() if line.startswith("• "))


async def test_a_party_can_be_named_by_its_full_or_native_name_or_country(services):
    for query in ("Communist Party of Greece", "Κομμουνιστικό Κόμμα Ελλάδας", "Greece"):
        assert (await ask(services, f"/party {query}")).startswith("Communist Party of Greece")


async def test_an_unknown_party_gets_the_closest_names(services):
    answer = await ask(services, "/party Comunist Party of Grece")
    assert answer.startswith("I know no party called “Comunist Party of Grece”. Did you mean:")
    assert "Communist Party of Greece" in answer


async def test_an_ambiguous_abbreviation_asks_which_party(services):
    answer = await ask(services, "/party CPP")
    assert "Which one?" in answer
    assert "Pakistan" in answer and "Poland" in answer


async def test_latest_takes_a_count_within_bounds(services):
    assert (await ask(services, "/latest 3")).count("• ") == 3
    assert "at most 20" in await ask(services, "/latest 500")
    assert "/latest takes a number" in await ask(services, "/latest many")
    assert "at least one" in await ask(services, "/latest 0")


async def test_meeting_gives_the_facts_and_its_statements(services):
    answer = await ask(services, "/meeting 21")
    assert "21st International Meeting" in answer
    assert "İzmir" in answer and "2019" in answer
    assert "The appeal of the 21st International Meeting" in answer
    assert "Give its number" in await ask(services, "/meeting 99")
    assert "International Meeting" in await ask(services, "/meeting")


async def test_search_finds_words_and_says_when_nothing_matches(services):
    assert "Koutsoumpas" in await ask(services, "/search koutsoumpas")
    assert await ask(services, "/search zzzyx") == "No statement mentions zzzyx."
    assert "Search for words" in await ask(services, "/search ((( )))")


async def test_a_group_member_who_is_not_an_admin_cannot_change_subscriptions(services):
    answer = await ask(services, "/subscribe KKE", MEMBER)
    assert answer == "Only this chat's admins can use /subscribe here."
    assert "follows nothing" in await ask(services, "/subscriptions", MEMBER)


async def test_subscribe_to_a_party_a_country_meetings_words_and_all(services):
    for target in ("KKE", "Portugal", "imcwp", '"general strike"', "all"):
        assert (await ask(services, f"/subscribe {target}")).startswith("Subscribed.")
    assert "already follows" in await ask(services, "/subscribe KKE")
    listing = await ask(services, "/subscriptions")
    for described in (
        "Communist Party of Greece",
        "every party in Portugal",
        "International Meetings",
        "“general strike”",
        "every statement",
    ):
        assert described in listing
    assert (await ask(services, "/unsubscribe KKE")).startswith("Unsubscribed")
    assert "does not follow" in await ask(services, "/unsubscribe KKE")
    assert "Removed all 4" in await ask(services, "/unsubscribe all")


async def test_forget_asks_first_then_deletes_everything(services):
    await ask(services, "/subscribe KKE")
    assert "/forget yes" in await ask(services, "/forget")
    assert "follows:" in await ask(services, "/subscriptions")
    assert (await ask(services, "/forget yes")).startswith("Done")
    assert "follows nothing" in await ask(services, "/subscriptions")


async def test_a_deep_link_start_subscribes_at_once(services):
    assert (await ask(services, "/start sub_KKE")).startswith("Subscribed.")


async def test_help_names_every_command_with_an_example(services):
    answer = await ask(services, "/help")
    for command in COMMANDS:
        assert (f"/{command.name} " in answer) is not command.operators_only
        assert (command.example in answer) is not command.operators_only
    operator_help = await ask(services, "/help", OPERATOR)
    assert all(f"/{command.name} " in operator_help for command in COMMANDS)


async def test_status_and_sources_are_for_operators_only(services):
    assert await ask(services, "/status") == "/status is for the bot's operators."
    status = await ask(services, "/status", OPERATOR)
    assert "statements stored" in status and "Nothing has been sent yet" in status
    assert await ask(services, "/sources", OPERATOR) == "No sources are configured."


async def test_settings_switch_between_immediate_and_a_daily_digest(services):
    assert "each statement as it arrives" in await ask(services, "/settings")
    answer = await ask(services, "/settings daily 7 Europe/Athens")
    assert answer.startswith("Done: a daily digest at 07:00 (Europe/Athens)")
    assert "daily digest at 07:00 (Europe/Athens)" in await ask(services, "/settings")
    assert "don't know the time zone" in await ask(services, "/settings daily 7 Mars/Olympus")
    assert "0 to 23" in await ask(services, "/settings daily 25")
    assert (await ask(services, "/settings immediate")).startswith("Done")
    assert "Only this chat's admins" in await ask(services, "/settings immediate", MEMBER)


async def test_unknown_commands_and_other_bots_commands_are_answered_plainly(services):
    assert "I don't know /frobnicate" in await ask(services, "/frobnicate now")
    assert (await ask(services, "/party@partywire_bot KKE")).startswith("Communist Party of Greece")


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    command=st.sampled_from([f"/{c.name}" for c in COMMANDS if c.name != "forget"]),
    argument=st.text(max_size=60),
)
async def test_no_argument_to_any_command_gets_anything_but_a_sentence(services, command, argument):
    answer = await ask(services, f"{command} {argument}")
    assert answer.strip()
    assert FAILED not in answer


async def test_a_chat_flooding_the_bot_is_warned_once_then_ignored(services):
    guarded = dataclasses.replace(services, flood=FloodGuard(per_minute=3, quiet_seconds=60))
    answers = [await dispatch(guarded, PRIVATE, "/latest 1") for _ in range(6)]
    assert all(answer is not None for answer in answers[:3])
    assert "faster than I can answer" in render_plain(answers[3])
    assert answers[4:] == [None, None]
    assert await dispatch(guarded, MEMBER, "/latest 1") is not None


async def test_choices_between_parties_sharing_an_abbreviation_have_distinct_buttons(services):
    answer = await dispatch(services, PRIVATE, "/party PCP")
    labels = [button.label for row in answer.buttons for button in row]
    assert "PCP (Portugal)" in labels
    assert len(set(labels)) == len(labels)
