"""The terminal as a chat platform: `partywire demo`.

On a terminal it is an interactive prompt; on a pipe it reads one command per line
and prints each reply, so `printf '/party KKE\\n' | partywire demo` works in scripts.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from bot.config import Config
from bot.core import Core, open_core
from bot.ingest import ingest
from bot.models import ChatAddress, RawStatement
from bot.push.protocol import Outcome, Sent
from bot.push.ratelimit import RateLimiter
from bot.push.retry import Backoff
from bot.push.sender import Sender
from bot.render_plain import render_plain
from bot.reply import Reply, reply
from bot.sources.text import parse_text
from handlers.commands import dispatch
from handlers.context import Asker, Services

DEMO_CHAT = Asker(ChatAddress("terminal", "demo"), "private", user_id="you")


class TerminalPlatform:
    """The push engine's view of the terminal: a push is printed where the user types."""

    name = "terminal"

    def __init__(self, stdout: TextIO) -> None:
        self._stdout = stdout

    async def send(self, address: ChatAddress, message: Reply) -> Outcome:
        print(
            f"[push to {address.chat_id}] {render_plain(message)}\n", file=self._stdout, flush=True
        )
        return Sent()


async def feed(core: Core, sender: Sender, text: str) -> Reply:
    """The demo's own source: store one statement as if a feed had just brought it."""
    if not text.strip():
        return reply(
            "Give the statement's text, for example: /feed The KKE called a general strike"
        )
    stored = await ingest(
        core.store, core.recogniser, [RawStatement(text, "demo:feed")], audience=core.audience
    )
    if not stored.stored:
        return reply("That statement is stored already.")
    statement = stored.stored[0]
    named = ", ".join(core.directory.get(p).short for p in statement.parties) or "no party"
    await sender.drain()
    return reply(f"Stored statement #{statement.id}; it names {named}.")


def sample_texts() -> list[tuple[str, str]]:
    """The bundled sample listing pages, as (name, text)."""
    folder = resources.files("bot") / "data" / "samples"
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".txt")
    )


async def load_samples(core: Core) -> int:
    total = 0
    for name, text in sample_texts():
        report = await ingest(core.store, core.recogniser, parse_text(text, f"sample:{name}"))
        total += len(report.stored)
    return total


async def _read_line(stdin: TextIO, interactive: bool) -> str | None:
    """The next line the user typed, or None at end of input."""
    if interactive:
        try:
            return await asyncio.to_thread(input, "partywire> ")
        except EOFError:
            return None
    line = await asyncio.to_thread(stdin.readline)
    return line if line else None


async def run_demo(config: Config, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Talk to the bot about the sample statements, in a database that is thrown away."""
    interactive = stdin.isatty() and stdout.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())
    with tempfile.TemporaryDirectory(prefix="partywire-demo-") as folder:
        async with open_core(config, Path(folder) / "demo.sqlite3") as core:
            stored = await load_samples(core)
            services = Services(core.store, core.directory)
            sender = Sender(core.store, TerminalPlatform(stdout), RateLimiter(None, {}), Backoff())
            print(
                f"Partywire demo: {stored} sample statements loaded. "
                "Type /help for the commands, /feed <text> to play a new statement"
                " arriving; Ctrl-D or /quit ends.",
                file=sys.stderr,
            )
            while (line := await _read_line(stdin, interactive)) is not None:
                line = line.strip()
                if line in ("/quit", "/exit"):
                    break
                if not line:
                    continue
                if not line.startswith("/"):
                    print(
                        "Commands start with /, for example /party KKE. /help lists them.",
                        file=stdout,
                    )
                    continue
                if line.split()[0] == "/feed":
                    answer = await feed(core, sender, line.removeprefix("/feed"))
                else:
                    answer = await dispatch(services, DEMO_CHAT, line)
                print(render_plain(answer) + "\n", file=stdout, flush=True)
    return 0
