"""Progress for long imports, on a terminal only: pipes and logs get no carriage returns."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Prints "label: done/total (percent, rate)" in place, at most a few times a second."""

    def __init__(self, label: str, total: int | None, stream: TextIO = sys.stderr) -> None:
        self._label = label
        self._total = total
        self._stream = stream
        self._enabled = stream.isatty()
        self._started = time.monotonic()
        self._shown = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self._enabled or (now - self._shown < 0.2 and done != self._total):
            return
        self._shown = now
        rate = done / max(now - self._started, 1e-6)
        share = f" ({done / self._total:.0%})" if self._total else ""
        total = f"/{self._total:,}" if self._total else ""
        self._stream.write(f"\r{self._label}: {done:,}{total}{share}, {rate:,.0f}/s ")
        self._stream.flush()

    def close(self) -> None:
        if self._enabled:
            self._stream.write("\n")
            self._stream.flush()
