"""How well and how fast the recogniser does on the hand-labelled development headlines.

Run: .venv/bin/python bench/recognition.py [path/to/dev-headlines.jsonl]

Prints each headline where recognition differs from the labels, then precision and recall
for parties (soft labels are neither required nor penalised; parties outside the directory
cannot be found and are left out), for ambiguous tokens and for meetings, then headlines
per second over the set repeated.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.directory import Directory
from bot.recognise import Recogniser

DEV_SET = Path("/work/shared/reference/dev-headlines.jsonl")
SPEED_ROUNDS = 300


@dataclass
class Score:
    """Counts of true/false positives and false negatives for one kind of label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, found: set, expected: set, allowed: set = frozenset()) -> None:
        self.tp += len(found & expected)
        self.fp += len(found - expected - allowed)
        self.fn += len(expected - found)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _ids(directory: Directory, labels: Iterable[dict]) -> set[str]:
    by_key = {(p.name, p.country): p.id for p in directory.parties}
    return {
        by_key[(x["name"], _country(directory, x["country"]))] for x in labels if x["in_directory"]
    }


def _country(directory: Directory, country: str) -> str:
    return directory.country_of(country.split(" (")[0]) or country


def evaluate(path: Path = DEV_SET) -> dict[str, Score]:
    """Scores for parties, ambiguous tokens, IMCWP and meeting ordinals on the labelled set."""
    directory = Directory.load()
    recogniser = Recogniser(directory)
    scores = {kind: Score() for kind in ("parties", "ambiguous", "imcwp", "meeting")}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        got = recogniser.recognise(row["text"])
        expected = {
            "parties": _ids(directory, row["parties"]),
            "ambiguous": set(row["ambiguous"]),
            "imcwp": {True} if row["meeting"] is not None else set(),
            "meeting": {row["meeting"]} if isinstance(row["meeting"], int) else set(),
        }
        found = {
            "parties": set(got.parties),
            "ambiguous": set(got.ambiguous),
            "imcwp": {True} if got.imcwp else set(),
            "meeting": {got.meeting} if got.meeting is not None else set(),
        }
        soft = {"parties": _ids(directory, row["parties_soft"])}
        for kind, score in scores.items():
            score.add(found[kind], expected[kind], soft.get(kind, set()))
            extra = found[kind] - expected[kind] - soft.get(kind, set())
            missing = expected[kind] - found[kind]
            if extra or missing:
                score.misses.append(
                    f"{row['text'][:110]!r}\n      missing {sorted(map(str, missing))}"
                    f" extra {sorted(map(str, extra))}"
                )
    return scores


def speed(path: Path = DEV_SET, rounds: int = SPEED_ROUNDS) -> float:
    """Headlines recognised per second on one core."""
    recogniser = Recogniser(Directory.load())
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            recogniser.recognise(text)
    return rounds * len(texts) / (time.perf_counter() - started)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEV_SET
    scores = evaluate(path)
    for kind, score in scores.items():
        for miss in score.misses:
            print(f"[{kind}] {miss}")
    for kind, score in scores.items():
        print(
            f"{kind:9} precision {score.precision:.3f} recall {score.recall:.3f}"
            f" (tp {score.tp}, fp {score.fp}, fn {score.fn})"
        )
    print(f"speed     {speed(path):,.0f} headlines/second")


if __name__ == "__main__":
    main()
