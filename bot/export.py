"""`partywire export`: the archive as JSON lines or CSV, so operators own their data."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from bot.directory import Directory
from bot.models import Statement
from bot.store import Store

FIELDS = (
    "id",
    "published_at",
    "fetched_at",
    "source",
    "url",
    "text",
    "parties",
    "ambiguous",
    "imcwp",
    "meeting",
)


def _record(statement: Statement, directory: Directory) -> dict:
    return {
        "id": statement.id,
        "published_at": statement.published_at.isoformat() if statement.published_at else None,
        "fetched_at": statement.fetched_at.isoformat(),
        "source": statement.source,
        "url": statement.url,
        "text": statement.text,
        "parties": [directory.get(party).name for party in statement.parties],
        "ambiguous": list(statement.ambiguous),
        "imcwp": statement.imcwp,
        "meeting": statement.meeting,
    }


async def export(
    store: Store, directory: Directory, out: TextIO, style: str, party_id: str | None = None
) -> int:
    """Write every statement (or one party's) to `out`, oldest first; answer how many."""
    writer = csv.DictWriter(out, FIELDS) if style == "csv" else None
    if writer:
        writer.writeheader()
    count = 0
    async for batch in store.all_statements(party_id):
        for statement in batch:
            record = _record(statement, directory)
            if writer:
                writer.writerow(
                    {
                        **record,
                        "parties": "; ".join(record["parties"]),
                        "ambiguous": "; ".join(record["ambiguous"]),
                    }
                )
            else:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += len(batch)
    return count
