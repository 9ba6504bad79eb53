"""How statements and pages look in every reply, whatever the command."""

from __future__ import annotations

from bot.directory import Directory, Party
from bot.reply import Button, Items, line

PAGE_SIZE = 5


def party_label(party: Party) -> str:
    """ "Communist Party of Greece (KKE), Greece": what users recognise a party by."""
    abbreviation = f" ({party.abbreviations[0]})" if party.abbreviations else ""
    return f"{party.name}{abbreviation}, {party.country}"


def party_ref(directory: Directory, party: Party) -> str:
    """The shortest way to name `party` in a command that finds exactly it again."""
    for candidate in (*party.abbreviations, party.name):
        if directory.find(candidate).parties == (party,):
            return candidate
    return party.id


def split_page(args: tuple[str, ...], bare_number: bool = False) -> tuple[tuple[str, ...], int]:
    """Take a trailing "page N" (or, where allowed, a bare trailing number) off the args."""
    if len(args) >= 2 and args[-2].lower() == "page" and args[-1].isdecimal():
        return args[:-2], max(1, int(args[-1]))
    if bare_number and len(args) >= 2 and args[-1].isdecimal():
        return args[:-1], max(1, int(args[-1]))
    return args, 1


def page_buttons(command: str, page: int, has_next: bool) -> tuple[tuple[Button, ...], ...]:
    """A row of newer/older buttons for a paged command (`command` without its page)."""
    buttons = []
    if page > 1:
        buttons.append(Button("◀ Newer", f"{command} page {page - 1}"))
    if has_next:
        buttons.append(Button("Older ▶", f"{command} page {page + 1}"))
    return (tuple(buttons),) if buttons else ()


def page_note(page: int) -> str:
    return f" (page {page})" if page > 1 else ""


def choices(
    parties: tuple[Party, ...], command: str, directory: Directory
) -> tuple[Items, tuple[tuple[Button, ...], ...]]:
    """A list of candidate parties, and one button each that runs `command` on it."""
    items = Items(tuple(line(party_label(p)) for p in parties))
    shorts = [p.short for p in parties]
    buttons = tuple(
        (Button(_button_label(p, shorts), f"{command} {party_ref(directory, p)}"),)
        for p in parties[:8]
    )
    return items, buttons


def _button_label(party: Party, shorts: list[str]) -> str:
    """The party's short name, with its country when another candidate shares it (PCP, CPP)."""
    return party.short if shorts.count(party.short) == 1 else f"{party.short} ({party.country})"
