"""Which parties, and which IMCWP meeting, a statement's text names.

Ingest runs this on every statement, so everything is compiled once: one regex for
names (matched case-insensitively on a lower-cased, punctuation-blind copy of the text)
and one for abbreviations and country words (matched case-sensitively, so "Pc" or
"cpu" in prose is not a party). Both are tries, so a text costs one pass each.
An abbreviation several organisations share is settled by what the same text says;
what the text does not settle is reported as ambiguous, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.directory import Directory, fold
from bot.models import Recognition

_NAMES_PUNCTUATION = {
    code: " " for code in (*range(0x80), ord("°")) if not chr(code).isalnum() and code != 32
}
_ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "twenty first twenty second twenty third twenty fourth twenty fifth"
)
_ORDINALS = {
    word: number
    for number, word in enumerate(re.findall(r"twenty \w+|\w+", _ORDINAL_WORDS), start=1)
}
_ROMAN = {"i": 1, "v": 5, "x": 10}
# Meeting phrases, on the lower-cased, punctuation-blind text (apostrophes are spaces).
_COMMUNIST = r"(?:communist|comunist|kommunist)\w*"
_MEETING_NAME = (
    r"(?:imcwps?|imwcp|icmwp|eipco"
    r"|(?:international|internationales?|int l)\s+(?:meeting|treffen)s?\s+"
    r"(?:(?:of|der)\s+)?(?:the\s+)?"
    + _COMMUNIST
    + r"|(?:encuentro|encontro|rencontre|incontro)\s+(?:internacional|internationale|internazionale)"
    r"\s+(?:de|des|dei|do)\s+(?:los\s+|les\s+)?(?:(?:partidos|partis?|partiti)\s+)?"
    + _COMMUNIST
    + r"|(?:meeting|meet)\s+of\s+(?:the\s+)?(?:global|world)\s+"
    + _COMMUNIST
    + r"\s+parties"
    r"|world\s+communist\s+meet(?:ing)?)"
)
_ORDINAL = (
    r"(?:(?P<number>\d{1,2})(?:st|nd|rd|th|eme|e|er|o|a)?|(?P<roman>[xvi]{1,6})"
    r"|(?P<word>" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r"))"
)
_MEETING = re.compile(
    r"(?<!\w)(?:(?:the\s+)?" + _ORDINAL + r"\s+(?:annual\s+)?)?" + _MEETING_NAME + r"(?!\w)"
)
_YEAR = re.compile(r"(?<!\d)(?:199[89]|20[0-4]\d)(?!\d)")
_FRENCH = re.compile(r"(?<!\w)(?:du|des|au|aux|le|les|et|pour|une|est|avec|sur|dans)(?!\w)")
_BRACKETED_QUALIFIER = re.compile(r"\s*[(\-]\s*(\w[\w\-]*)")
_LAST_WORD = re.compile(r"(\w[\w\-']*)\W*$")
_LONGER_NAME = re.compile(r"\s+(?:of|de|del|du|des|dei)\s+(?:(?:the|la|los|las)\s+)?[A-Z]")


@dataclass(frozen=True, slots=True)
class _Target:
    """What a matched word may stand for: a party, an outsider, or a generic name."""

    party: str | None
    """The party id, or None for an outsider (which names no party)."""
    country: str | None
    language: str | None = None
    """The only language whose texts use this abbreviation for the target, if one."""


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    targets: tuple[_Target, ...]


_GENERIC = _Target(party=None, country=None, language="generic")


class Recogniser:
    """Finds the parties and the IMCWP meeting a statement names."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        names: dict[str, list[_Target]] = {}
        tokens: dict[str, list[_Target]] = {}
        self._countries: dict[str, str] = {}
        for party in directory.parties:
            target = _Target(party.id, party.country)
            for form in directory.names_of(party.id):
                _put(names, _name_key(form), target)
            scoped = directory.foreign_abbreviations.get(party.id, {})
            for abbreviation in party.abbreviations:
                language = scoped.get(abbreviation)
                _put(tokens, _token_key(abbreviation), _Target(party.id, party.country, language))
        for outsider in directory.outsiders:
            target = _Target(None, outsider.country)
            for form in (outsider.name, *outsider.aliases):
                _put(names, _name_key(form), target)
            for abbreviation in outsider.abbreviations:
                _put(tokens, _token_key(abbreviation), target)
        for generic in directory.generic_names:
            names.setdefault(_name_key(generic), [_GENERIC])
        for country, (others, adjectives) in directory.country_words.items():
            for word in (country, *others, *adjectives):
                for written in (fold(word), fold(word).upper()):
                    self._countries[_token_key(written)] = country
        self._names = {key: tuple(targets) for key, targets in names.items()}
        self._tokens = {key: tuple(targets) for key, targets in tokens.items()}
        self._weak = frozenset(_token_key(a) for a in directory.weak_abbreviations)
        self._qualifiers = directory.name_qualifiers
        self._names_re = _trie_regex(self._names)
        self._tokens_re = _trie_regex([*self._tokens, *self._countries])
        self._places: dict[str, list[int]] = {}
        for index, meeting in enumerate(directory.meetings):
            for place in meeting.places:
                self._places.setdefault(_name_key(place), []).append(index)
        self._places_re = re.compile(
            r"(?<!\w)(?:"
            + "|".join(sorted(map(re.escape, self._places), key=len, reverse=True))
            + r")(?!\w)"
        )
        self._place_meeting = re.compile(self._places_re.pattern + r"\s+meeting(?!\w)")

    def recognise(self, text: str) -> Recognition:
        """The parties, unresolved shared abbreviations and meeting the text names."""
        folded = fold(text)
        lowered = _lower(folded).translate(_NAMES_PUNCTUATION)
        names = self._name_hits(folded, lowered)
        tokens, countries = self._token_hits(folded, names)
        mentioned: dict[str, int] = {}
        ambiguous: dict[str, int] = {}
        named = {
            (t.party, t.country) for hit in names for t in hit.targets if len(hit.targets) == 1
        }
        bound = {
            folded[t.start : t.end]: names_hit.targets
            for t in tokens
            for names_hit in names
            if folded[names_hit.end : t.start].strip() == "(" and len(names_hit.targets) == 1
        }
        pending: list[tuple[_Hit, str]] = []
        for hit in sorted((*names, *tokens), key=lambda h: h.start):
            written = text[hit.start : hit.end]
            targets = bound.get(folded[hit.start : hit.end], hit.targets)
            if (
                len(targets) == 1
                and targets[0] is not _GENERIC
                and (
                    hit in names
                    or _token_key(folded[hit.start : hit.end]) not in self._weak
                    or targets is not hit.targets
                )
            ):
                _note(mentioned, targets[0].party, hit.start)
            else:
                pending.append((hit, written))
        near = {self._directory.get(p).country for p in mentioned}
        french = None
        for hit, written in pending:
            if hit.targets[0] is _GENERIC:
                continue
            candidates = hit.targets
            if any(t.language for t in candidates):
                if french is None:
                    french = len(_FRENCH.findall(lowered)) >= 2
                candidates = tuple(
                    t for t in candidates if t.language is None or (t.language == "fr") == french
                )
            chosen = (
                candidates[0]
                if len(candidates) == 1 and candidates is not hit.targets
                else _settle(candidates, named, countries, near)
            )
            if chosen is not None:
                _note(mentioned, chosen.party, hit.start)
            elif _token_key(folded[hit.start : hit.end]) not in self._weak:
                _note(ambiguous, written, hit.start)
        for hit, written in pending:
            if hit.targets[0] is _GENERIC:
                self._settle_generic(hit, written, countries, mentioned, ambiguous)
        imcwp, meeting = self._meeting(lowered)
        return Recognition(
            parties=tuple(sorted(mentioned, key=mentioned.__getitem__)),
            ambiguous=tuple(sorted(ambiguous, key=ambiguous.__getitem__)),
            imcwp=imcwp,
            meeting=meeting,
        )

    def _name_hits(self, folded: str, lowered: str) -> list[_Hit]:
        hits = []
        for match in self._names_re.finditer(lowered):
            start, end = match.span()
            targets = self._names[" ".join(match.group().split())]
            if targets[0] is _GENERIC and (
                not folded[start].isupper() or _LONGER_NAME.match(folded, end)
            ):
                continue
            if self._inside_longer_name(folded, start, end):
                continue
            hits.append(_Hit(start, end, targets))
        return hits

    def _inside_longer_name(self, folded: str, start: int, end: int) -> bool:
        """Whether a qualifier before or bracketed after makes the match part of another name."""
        before = _LAST_WORD.search(folded, max(0, start - 40), start)
        after = _BRACKETED_QUALIFIER.match(folded, end)
        return bool(
            (
                before
                and before.group(1) in self._qualifiers
                and not folded[before.end(1) : start].strip(" ")
            )
            or (after and after.group(1) in self._qualifiers)
        )

    def _token_hits(self, folded: str, names: list[_Hit]) -> tuple[list[_Hit], set[str]]:
        hits: list[_Hit] = []
        countries: set[str] = set()
        for match in self._tokens_re.finditer(folded):
            key = " ".join(match.group().split())
            if key in self._countries:
                countries.add(self._countries[key])
                if key not in self._tokens:
                    continue
            start, end = match.span()
            if key in self._tokens and not any(h.start <= start < h.end for h in names):
                hits.append(_Hit(start, end, self._tokens[key]))
        return hits, countries

    def _settle_generic(
        self,
        hit: _Hit,
        written: str,
        countries: set[str],
        mentioned: dict[str, int],
        ambiguous: dict[str, int],
    ) -> None:
        """A bare "Communist Party": the one party of a country the text names, if any."""
        candidates = [
            p.id
            for p in self._directory.parties
            if p.country in countries and "Communist" in p.name
        ]
        if len(candidates) == 1:
            _note(mentioned, candidates[0], hit.start)
        elif not mentioned and not ambiguous:
            _note(ambiguous, written, hit.start)

    def _meeting(self, lowered: str) -> tuple[bool, int | None]:
        match = _MEETING.search(lowered) or self._place_meeting.search(lowered)
        if match is None:
            return False, None
        if match.re is _MEETING and match.group("number", "roman", "word") != (None,) * 3:
            return True, _ordinal(match)
        candidates = {i for place in self._places_re.findall(lowered) for i in self._places[place]}
        meetings = self._directory.meetings
        years = {int(y) for y in _YEAR.findall(lowered)}
        if years:
            candidates = {
                i for i in (candidates or range(len(meetings))) if meetings[i].year in years
            }
        ordinals = {meetings[i].ordinal for i in candidates}
        return True, ordinals.pop() if len(ordinals) == 1 else None


def _settle(
    candidates: tuple[_Target, ...],
    named: set[tuple[str | None, str | None]],
    countries: set[str],
    near: set[str],
) -> _Target | None:
    """The one candidate the text supports: named in full, by country, then by company.

    Company (the countries of the other parties named) only ever picks a directory party:
    that a list names a country's party says little about which outsider a token means.
    """
    for supported in (
        [t for t in candidates if (t.party, t.country) in named],
        [t for t in candidates if t.country in countries],
        [t for t in candidates if t.party is not None and t.country in near],
    ):
        if len(supported) == 1:
            return supported[0]
    return None


def _ordinal(match: re.Match[str]) -> int | None:
    number, roman, word = match.group("number", "roman", "word")
    if number:
        return int(number)
    if word:
        return _ORDINALS[" ".join(word.split())]
    values = [_ROMAN[ch] for ch in roman]
    total = sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))
    return total if total > 0 else None


def _note(found: dict[str, int], key: str | None, position: int) -> None:
    if key is not None:
        found.setdefault(key, position)


def _put(index: dict[str, list[_Target]], key: str, target: _Target) -> None:
    if key and target not in index.setdefault(key, []):
        index[key].append(target)


def _lower(text: str) -> str:
    """Lower case, keeping the length (a few letters lower-case to two characters)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


def _name_key(name: str) -> str:
    return " ".join(_lower(fold(name)).translate(_NAMES_PUNCTUATION).split())


def _token_key(token: str) -> str:
    return " ".join(fold(token).split())


def _trie_regex(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern for all the words, as a trie, so that a failed match fails fast."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(r"(?<!\w)" + _trie_pattern(trie) + r"(?!\w)")


def _trie_pattern(node: dict[str, dict]) -> str:
    branches = [
        (r"\s+" if ch == " " else re.escape(ch)) + _trie_pattern(child)
        for ch, child in sorted(node.items())
        if ch
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body
