"""Commands that read the archive: /party, /parties, /latest, /meeting, /search."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.directory import Meeting, Party
from bot.messages import statement_items
from bot.models import Statement
from bot.reply import Button, Items, Reply, bold, line, reply
from bot.search_query import parse_search
from handlers.context import Request, Services
from handlers.format import (
    PAGE_SIZE,
    choices,
    page_buttons,
    page_note,
    party_label,
    party_ref,
    split_page,
)

MAX_LATEST = 20


async def _page(
    fetch: Callable[[int, int], Awaitable[list[Statement]]], page: int
) -> tuple[list[Statement], bool]:
    """One page of statements, and whether there is another after it."""
    found = await fetch(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE


async def party(services: Services, request: Request) -> Reply:
    args, page = split_page(request.args, bare_number=True)
    if not args:
        return reply(
            "Which party? For example: /party KKE, /party Communist Party of Cuba, /party Portugal"
        )
    query = " ".join(args)
    lookup = services.directory.find(query)
    if len(lookup.parties) == 1:
        return await party_statements(services, lookup.parties[0], page)
    if lookup.parties:
        where = f"in {lookup.country}" if lookup.country else f"called {query}"
        items, buttons = choices(lookup.parties, "/party", services.directory)
        return reply(
            f"There are {len(lookup.parties)} parties {where}. Which one?", items, buttons=buttons
        )
    return unknown_party(services, query, lookup.suggestions, "/party")


def unknown_party(
    services: Services, query: str, suggestions: tuple[Party, ...], command: str
) -> Reply:
    """No party by that name: offer the directory's closest names, each as a button."""
    if not suggestions:
        return reply(f"I know no party called “{query}”. /parties lists the ones I know.")
    items, buttons = choices(suggestions, command, services.directory)
    return reply(f"I know no party called “{query}”. Did you mean:", items, buttons=buttons)


async def party_statements(services: Services, found: Party, page: int) -> Reply:
    statements, more = await _page(
        lambda limit, offset: services.store.by_party(found.id, limit, offset), page
    )
    ref = party_ref(services.directory, found)
    heading = line(bold(party_label(found)), page_note(page))
    subscribe = (Button(f"Subscribe to {found.short}", f"/subscribe {ref}"),)
    buttons = (*page_buttons(f"/party {ref}", page, more), subscribe)
    if not statements:
        empty = "No statements from it yet." if page == 1 else "No older statements."
        return reply(heading, empty, buttons=buttons)
    return reply(heading, statement_items(statements), buttons=buttons)


async def parties(services: Services, request: Request) -> Reply:
    directory = services.directory
    if request.text.strip():
        country = directory.country_of(request.text.strip())
        if country is None:
            return reply(
                f"I know no country called “{request.text.strip()}”. "
                "Send /parties for every country I know."
            )
        members = directory.in_country(country)
        return reply(
            line(bold(f"Parties in {country}")),
            Items(tuple(line(party_label(p)) for p in members)),
        )
    counts = ", ".join(
        f"{country} ({len(directory.in_country(country))})" for country in directory.countries()
    )
    return reply(
        line(bold(f"{len(directory.parties)} parties in {len(directory.countries())} countries")),
        counts,
        "Send /parties <country> for a country's parties, /party <name> for a party's statements.",
    )


async def latest(services: Services, request: Request) -> Reply:
    args = request.args
    if args and not args[0].isdecimal():
        return reply("/latest takes a number of statements, for example: /latest 10")
    count = min(int(args[0]), MAX_LATEST) if args else PAGE_SIZE
    if count < 1:
        return reply("Ask for at least one statement, for example: /latest 3")
    statements = await services.store.latest(count)
    if not statements:
        return reply("No statements stored yet.")
    note = f" (at most {MAX_LATEST} at a time)" if args and int(args[0]) > MAX_LATEST else ""
    return reply(
        line(bold(f"Latest {len(statements)} statements"), note), statement_items(statements)
    )


_ORDINAL = re.compile(r"^(\d{1,3})(?:st|nd|rd|th|\.|º|°)?$", re.IGNORECASE)


async def meeting(services: Services, request: Request) -> Reply:
    args, page = split_page(request.args)
    directory = services.directory
    if args:
        match = _ORDINAL.match(args[0])
        found = directory.meeting(int(match.group(1))) if match else None
        if found is None:
            known = [m.ordinal for m in directory.meetings if m.ordinal]
            return reply(
                f"I know no IMCWP called “{' '.join(args)}”. "
                f"Give its number, from {min(known)} to {max(known)}: for example /meeting 21"
            )
    else:
        found = directory.latest_meeting()
    statements, more = await _page(
        lambda limit, offset: services.store.by_meeting(found.ordinal, limit, offset), page
    )
    body = statement_items(statements) if statements else "No statements about it yet."
    buttons = page_buttons(f"/meeting {found.ordinal}", page, more)
    return reply(*meeting_facts(services, found), body, buttons=buttons)


def meeting_facts(services: Services, found: Meeting) -> tuple:
    title = f"{found.label} International Meeting of Communist and Workers' Parties"
    place = ", ".join(part for part in (found.city, found.country) if part)
    when = found.dates or str(found.year)
    hosts = ", ".join(_host_name(services, host) for host in found.hosts)
    facts = [line(bold(title))]
    facts.append(f"{place}, {when}" + ("" if found.held else " (planned)"))
    if hosts:
        facts.append(f"Hosted by {hosts}")
    if found.theme:
        facts.append(f"Theme: {found.theme}")
    return tuple(facts)


def _host_name(services: Services, host: str) -> str:
    try:
        return services.directory.get(host).short
    except KeyError:
        return host


async def search(services: Services, request: Request) -> Reply:
    args, page = split_page(request.args)
    terms = parse_search(" ".join(args))
    if terms is None:
        return reply(
            'Search for words, for example: /search general strike, or a phrase: /search "year of stalin"'
        )
    statements, more = await _page(
        lambda limit, offset: services.store.search(terms.fts(), limit, offset), page
    )
    if not statements:
        return reply(f"No statement mentions {terms.describe()}.")
    heading = line(bold(f"Statements mentioning {terms.describe()}"), page_note(page))
    buttons = page_buttons(f"/search {' '.join(args)}", page, more)
    return reply(heading, statement_items(statements), buttons=buttons)
