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
from bot.ingest import ingest, recognise
from bot.logs import configure_logging
from bot.models import RawStatement
from bot.progress import Progress
from bot.recognise import Recogniser
from bot.sources.text import parse_text
from bot.store import DatabaseTooNew, Recognised

log = logging.getLogger("partywire")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partywire",
        description="A Telegram and Matrix bot for the statements of communist and workers' parties.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, config: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if config:
            sub.add_argument(
                "--config",
                metavar="FILE",
                default=os.environ.get("PARTYWIRE_CONFIG"),
                help="configuration file (default: $PARTYWIRE_CONFIG, else built-in defaults)",
            )
        return sub

    add("demo", "talk to the bot in this terminal about the sample statements; no token needed")

    add("run", "run the bot on the chat platforms in the config")

    load = add("ingest", "load statements from text dumps (one statement per non-empty line)")
    load.add_argument("paths", nargs="+", metavar="PATH", help="text files to load")
    load.add_argument("--dry-run", action="store_true", help="recognise only; store nothing")
    load.add_argument(
        "--json", action="store_true", help="print one JSON object per statement with what it names"
    )

    listing = add("parties", "list the parties in the directory")
    listing.add_argument("--country", help="only this country's parties")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"partywire: configuration error: {error}", file=sys.stderr)
        return 2
    quiet = args.command == "demo" and config.path is None
    configure_logging("WARNING" if quiet else config.logging.level)
    try:
        return asyncio.run(_COMMANDS[args.command](config, args))
    except (DatabaseTooNew, CommandError, ConfigError) as error:
        print(f"partywire: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _demo(config: Config, args: argparse.Namespace) -> int:
    from bot.terminal import run_demo

    return await run_demo(config)


async def _run(config: Config, args: argparse.Namespace) -> int:
    from bot.app import run_bot

    return await run_bot(config)


class CommandError(Exception):
    """A problem with what the user asked for, said in one line, without a traceback."""


def _read_dumps(paths: Sequence[str]) -> list[tuple[str, list[RawStatement]]]:
    dumps = []
    for path in map(Path, paths):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        dumps.append((str(path), parse_text(text, f"file:{path.name}")))
    return dumps


async def _ingest(config: Config, args: argparse.Namespace) -> int:
    dumps = _read_dumps(args.paths)
    if args.json:
        directory = load_directory(config)
        recogniser = Recogniser(directory)
        for _, raws in dumps:
            for raw in raws:
                print(_as_json(directory, recognise(recogniser, raw)), flush=True)
    if args.dry_run:
        print(f"dry run: {sum(len(r) for _, r in dumps)} statements, none stored", file=sys.stderr)
        return 0
    async with open_core(config) as core:
        for name, raws in dumps:
            progress = Progress(f"loading {name}", len(raws))
            report = await ingest(core.store, core.recogniser, raws, progress)
            progress.close()
            log.info(
                "%s: %d statements, %d new, %d already stored",
                name,
                report.seen,
                len(report.stored),
                report.repeated,
            )
    return 0


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


_COMMANDS = {"demo": _demo, "run": _run, "ingest": _ingest, "parties": _parties}
