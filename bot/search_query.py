"""Turn whatever a user typed into a safe FTS5 query.

Users type quotes, `AND`, `NEAR(`, `*`, unbalanced brackets and colons. FTS5 treats
all of those as syntax, so nothing a user typed reaches MATCH as syntax: every word
becomes a quoted string, and only whole "quoted phrases" are kept together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TERMS = 12
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\w+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """What the user asked for: words and phrases that must all appear."""

    terms: tuple[str, ...]

    def fts(self) -> str:
        """The FTS5 MATCH expression: every term quoted, all of them required."""
        return " ".join('"' + term.replace('"', '""') + '"' for term in self.terms)

    def describe(self) -> str:
        return " ".join(f'"{term}"' if " " in term else term for term in self.terms)


def parse_search(text: str) -> SearchTerms | None:
    """The terms of a user's search, or None when it holds no word at all."""
    terms: list[str] = []
    for match in _PHRASE_OR_WORD.finditer(text):
        phrase, word = match.groups()
        term = " ".join(_WORD.findall(phrase)) if phrase is not None else word
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return SearchTerms(tuple(terms[:MAX_TERMS])) if terms else None
