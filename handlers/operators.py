"""Commands for the bot's operators: /status and /sources.

Operators are named in the config per platform; the adapters set
`Asker.is_operator`, and `dispatch` refuses these commands to everyone else.
"""

from __future__ import annotations

from datetime import datetime

from bot.reply import Items, Reply, bold, line, reply
from bot.source_queries import SourceHealth
from bot.times import utcnow
from handlers.context import Request, Services


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = int((utcnow() - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{max(seconds, 0)} s ago"


def _source_line(source: SourceHealth):
    if source.failing:
        return line(
            bold(source.name),
            f": failing since {_ago(source.failing_since)} ({source.consecutive_failures} tries): "
            f"{source.last_error}",
        )
    return line(
        bold(source.name),
        f": ok {_ago(source.last_success_at)}, {source.items_seen} items, "
        f"{source.items_stored} stored in all",
    )


async def status(services: Services, request: Request) -> Reply:
    store = services.store
    counts = await store.outbox_counts()
    platforms = sorted({platform for platform, _ in counts})
    outbox = Items(
        tuple(
            line(
                bold(platform),
                ": "
                + ", ".join(
                    f"{counts.get((platform, state), 0)} {state}"
                    for state in ("pending", "sending", "sent", "dead")
                ),
            )
            for platform in platforms
        )
    )
    dead = await store.dead_deliveries(5)
    sources = await store.source_health()
    failing = [s.name for s in sources if s.failing]
    blocks = [
        line(bold("Partywire status")),
        f"Up since {services.started:%Y-%m-%d %H:%M} UTC ({_ago(services.started)}); "
        f"{await store.count_statements()} statements stored.",
        line(bold("Outbox")),
        outbox if platforms else "Nothing has been sent yet.",
    ]
    if dead:
        blocks += [
            line(bold("Commonest reasons deliveries died")),
            Items(tuple(line(f"{platform}: {reason} ({n})") for platform, reason, n in dead)),
        ]
    blocks.append(
        f"Sources: {len(sources)}, failing: {', '.join(failing)}. /sources has the details."
        if failing
        else f"Sources: {len(sources)}, none failing."
    )
    return reply(*blocks)


async def sources(services: Services, request: Request) -> Reply:
    found = await services.store.source_health()
    if not found:
        return reply("No sources are configured.")
    return reply(line(bold("Sources")), Items(tuple(_source_line(s) for s in found)))
