"""The `partywire` command line.

Every subcommand that touches the database takes `--config FILE` (or the
PARTYWIRE_CONFIG environment variable), so one-off commands work on the same
database as the running bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Config, ConfigError, load_config
from bot.core import load_directory, open_core
from bot.directory import Directory
from bot.export import export
from bot.ingest import ingest, recognise
from bot.logs import add_secrets, configure_logging
from bot.models import RawStatement
from bot.progress import Progress
from bot.recognise import Recogniser
from bot.store import DatabaseTooNew, Recognised, Store

log = logging.getLogger("partywire")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partywire",
        description="A Telegram and Matrix bot for the statements of communist and workers' parties.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,  # so `db --config X check` is not undone by `check`'s default
        help="configuration file (default: $PARTYWIRE_CONFIG, else built-in defaults)",
    )

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text, parents=[config])

    add("demo", "talk to the bot in this terminal about the sample statements; no token needed")

    add("run", "run the bot on the chat platforms in the config")

    load = add(
        "ingest",
        "load statements from text dumps (one per line), feeds or listing pages, by path or URL;"
        " new ones are pushed to the chats that follow them unless --no-push",
    )
    load.add_argument("paths", nargs="+", metavar="PATH|URL", help="files or http(s) URLs to load")
    load.add_argument(
        "--kind",
        choices=("feed", "html", "text"),
        help="what the sources are (default: guessed; .txt or text/plain is text, RSS/Atom is"
        " a feed; an HTML page needs --kind html and --item-selector)",
    )
    for part, meaning in (
        ("item", "one statement on the listing page"),
        ("text", "its text, within the item (default: the item's text)"),
        ("link", "its link, within the item (default: the item's first link)"),
        ("date", "its date, within the item"),
        ("next", "the link to the next (older) listing page"),
    ):
        load.add_argument(f"--{part}-selector", metavar="CSS", help=f"html: {meaning}")
    load.add_argument(
        "--max-pages", type=int, default=1, metavar="N", help="html: listing pages to follow"
    )
    load.add_argument("--party", help="attribute every statement to this party (its own site)")
    load.add_argument(
        "--no-push", action="store_true", help="store only, as a backlog: push nothing to chats"
    )
    load.add_argument("--dry-run", action="store_true", help="recognise only; store nothing")
    load.add_argument(
        "--json", action="store_true", help="print one JSON object per statement with what it names"
    )

    listing = add("parties", "list the parties in the directory")
    listing.add_argument("--country", help="only this country's parties")

    out = add("export", "write every statement (or one party's) to standard output")
    out.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    out.add_argument("--party", help="only this party's statements (name, abbreviation or id)")

    database = add("db", "look after the database (safe while the bot runs)")
    actions = database.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, meaning in (
        ("backup", "copy the database with SQLite's online backup"),
        ("migrate", "bring the schema up to date and say its version"),
        ("check", "run SQLite's and the full-text index's integrity checks"),
    ):
        sub = actions.add_parser(action, help=meaning, description=meaning, parents=[config])
        if action == "backup":
            sub.add_argument("path", type=Path, metavar="PATH", help="where to write the copy")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(getattr(args, "config", None) or os.environ.get("PARTYWIRE_CONFIG"))
    except ConfigError as error:
        print(f"partywire: configuration error: {error}", file=sys.stderr)
        return 2
    quiet = args.command == "demo" and config.path is None
    add_secrets(config.secrets)
    configure_logging("WARNING" if quiet else config.logging.level, config.logging.format)
    try:
        return asyncio.run(_COMMANDS[args.command](config, args))
    except (DatabaseTooNew, CommandError, ConfigError) as error:
        print(f"partywire: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (`| head`) has had enough: stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


async def _demo(config: Config, args: argparse.Namespace) -> int:
    from bot.terminal import run_demo

    return await run_demo(config)


async def _run(config: Config, args: argparse.Namespace) -> int:
    from bot.app import run_bot

    return await run_bot(config)


class CommandError(Exception):
    """A problem with what the user asked for, said in one line, without a traceback."""


async def _read_dumps(
    config: Config, args: argparse.Namespace
) -> list[tuple[str, list[RawStatement]]]:
    """Every location on the command line, loaded once; any failure stops before storing."""
    import httpx

    from bot.sources.html import ListingSelectors
    from bot.sources.load import SourceError, load_location, party_id
    from bot.sources.poller import fetcher_for

    parts = ("item", "text", "link", "date", "next")
    given = {part: getattr(args, f"{part}_selector") for part in parts}
    selectors = None
    if given["item"]:
        try:
            selectors = ListingSelectors(
                given["item"], given["text"], given["link"], given["date"], given["next"]
            )
        except ValueError as error:
            field, _, problem = str(error).partition(":")
            flag = "--next-selector" if field == "next_page" else f"--{field}-selector"
            raise CommandError(f"{flag}:{problem}") from None
    elif any(given.values()):
        raise CommandError("the other selectors need --item-selector CSS")
    if args.kind == "html" and selectors is None:
        raise CommandError("--kind html needs --item-selector CSS (one statement on the page)")
    party = None
    if args.party:
        party = party_id(load_directory(config), args.party)
        if party is None:
            raise CommandError(f"--party: {args.party!r} names no single party in the directory")
    dumps = []
    async with httpx.AsyncClient() as client:
        fetcher = fetcher_for(client, config.http)
        for location in args.paths:
            try:
                source, loaded = await load_location(
                    fetcher,
                    location,
                    kind=args.kind,
                    selectors=selectors,
                    party=party,
                    max_pages=args.max_pages,
                )
            except SourceError as error:
                raise CommandError(error.reason) from None
            for problem in loaded.problems:
                log.warning("%s: %s", location, problem)
            dumps.append((location, list(loaded.statements)))
            log.debug("%s: read as %s, %d pages", location, source.kind, loaded.pages)
    return dumps


async def _ingest(config: Config, args: argparse.Namespace) -> int:
    dumps = await _read_dumps(config, args)
    if args.dry_run:
        if args.json:
            directory = load_directory(config)
            _print_recognitions(directory, Recogniser(directory), dumps)
        print(f"dry run: {sum(len(r) for _, r in dumps)} statements, none stored", file=sys.stderr)
        return 0
    async with open_core(config) as core:
        if args.json:
            _print_recognitions(core.directory, core.recogniser, dumps)
        # A running bot's senders poll the outbox, so what is pushed here reaches its chats.
        audience = None if args.no_push else core.audience
        for name, raws in dumps:
            progress = Progress(f"loading {name}", len(raws))
            report = await ingest(core.store, core.recogniser, raws, progress, audience=audience)
            progress.close()
            log.info(
                "%s: %d statements, %d new%s, %d already stored",
                name,
                report.seen,
                len(report.stored),
                " (stored only)" if audience is None else " (pushed to their followers)",
                report.repeated,
            )
    return 0


def _print_recognitions(
    directory: Directory, recogniser: Recogniser, dumps: list[tuple[str, list[RawStatement]]]
) -> None:
    for _, raws in dumps:
        for raw in raws:
            print(_as_json(directory, recognise(recogniser, raw)), flush=True)


def _as_json(directory: Directory, found: Recognised) -> str:
    """What `partywire ingest --json` prints for one statement."""
    parties = [directory.get(party_id) for party_id in found.recognition.parties]
    return json.dumps(
        {
            "text": found.raw.text,
            "parties": [
                {
                    "name": party.name,
                    "abbreviation": party.abbreviations[0] if party.abbreviations else None,
                    "country": party.country,
                }
                for party in parties
            ],
            "ambiguous": list(found.recognition.ambiguous),
            "meeting": found.recognition.meeting,
        },
        ensure_ascii=False,
    )


async def _parties(config: Config, args: argparse.Namespace) -> int:
    directory = load_directory(config)
    if args.country:
        country = directory.country_of(args.country)
        if country is None:
            print(
                f"partywire: no country called {args.country!r} in the directory", file=sys.stderr
            )
            return 1
        chosen = directory.in_country(country)
    else:
        chosen = directory.parties
    for party in chosen:
        abbreviations = ", ".join(party.abbreviations)
        print(f"{party.country}\t{party.name}\t{abbreviations}")
    return 0


async def _export(config: Config, args: argparse.Namespace) -> int:
    directory = load_directory(config)
    party_id = None
    if args.party:
        found = directory.find(args.party).parties
        if len(found) != 1:
            raise CommandError(
                f"--party {args.party!r} names no single party (see `partywire parties`)"
            )
        party_id = found[0].id
    async with open_core(config) as core:
        count = await export(core.store, core.directory, sys.stdout, args.format, party_id)
    print(f"exported {count} statements", file=sys.stderr)
    return 0


async def _db(config: Config, args: argparse.Namespace) -> int:
    async with Store.open(config.database_path) as store:
        if args.action == "backup":
            if await asyncio.to_thread(args.path.exists):
                raise CommandError(f"{args.path} exists already; give a new path")
            await store.backup(args.path)
            print(f"backed up {config.database_path} to {args.path}", file=sys.stderr)
            return 0
        if args.action == "migrate":
            print(f"{config.database_path}: schema version {await store.schema_version()}")
            return 0
        problems = await store.check()
    for problem in problems:
        print(problem)
    print(
        f"{config.database_path}: {'ok' if not problems else f'{len(problems)} problems'}",
        file=sys.stderr,
    )
    return 1 if problems else 0


_COMMANDS = {
    "demo": _demo,
    "run": _run,
    "ingest": _ingest,
    "parties": _parties,
    "export": _export,
    "db": _db,
}
