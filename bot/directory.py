"""The bundled directory of parties and IMCWP meetings, and how users' queries find them.

The data ships inside the package (bot/data/*.yaml) because the reference harvest it was
built from does not travel with the bot. It is read once at start; operators may add
parties and aliases from their config.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import yaml
from rapidfuzz import fuzz, process

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PARTY_KEYS = frozenset(
    {
        "name",
        "abbreviations",
        "foreign_abbreviations",
        "country",
        "native_name",
        "website",
        "aliases",
        "notes",
    }
)
_NON_WORD = re.compile(r"[\W_]+")
_OF_COUNTRY = re.compile(r"^Communist Party of (?P<country>.+)$")
_ADJ_PARTY = re.compile(r"^(?P<adjective>.+) Communist Party$")
_SUGGESTION_CUTOFF = 75
_SUGGESTIONS = 5


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = "".join(
            ch for ch in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(ch)
        )
        if len(base) == 1 and base != chr(code):
            table[code] = base
    table.update(
        {
            ord(k): v
            for k, v in {
                "Đ": "D",
                "đ": "d",
                "Ł": "L",
                "ł": "l",
                "Ø": "O",
                "ø": "o",
                "ı": "i",
                "º": "o",
                "ª": "a",
                "\u00a0": " ",
                "’": "'",
                "‘": "'",
                "ʼ": "'",
                "´": "'",
                "`": "'",
                "“": '"',
                "”": '"',
                "–": "-",
                "—": "-",
                "‐": "-",
                "‑": "-",
                "−": "-",
            }.items()
        }
    )
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Diacritics, typographic quotes and dashes made plain, one character for one.

    Keeping the length lets a match found in the folded text be quoted from the original.
    """
    return text if text.isascii() else text.translate(_FOLD)


def lookup_key(text: str) -> str:
    """The form under which user queries and directory names are compared."""
    return _NON_WORD.sub(" ", fold(text).casefold()).strip()


def slug(name: str) -> str:
    """A party's stable id: its English name, folded, in lower case, hyphenated."""
    return lookup_key(name).replace(" ", "-")


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str
    abbreviations: tuple[str, ...]
    country: str
    native_name: str | None
    website: str | None
    aliases: tuple[str, ...]

    @property
    def short(self) -> str:
        """The form for compact display: the first abbreviation, else the name."""
        return self.abbreviations[0] if self.abbreviations else self.name


@dataclass(frozen=True, slots=True)
class Meeting:
    ordinal: int | None
    label: str
    year: int
    city: str | None
    country: str | None
    hosts: tuple[str, ...]
    dates: str | None
    theme: str | None
    held: bool
    places: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outsider:
    """An organisation outside the directory whose words a statement may share with a party.

    Naming one (a youth organisation, another party, a news portal) names no party.
    """

    name: str
    abbreviations: tuple[str, ...]
    aliases: tuple[str, ...]
    country: str | None
    kind: str


@dataclass(frozen=True, slots=True)
class PartyLookup:
    """The answer to a user's `/party <query>` or `/subscribe <query>`."""

    parties: tuple[Party, ...]
    country: str | None = None
    suggestions: tuple[Party, ...] = ()


class Directory:
    """Parties, meetings and the words that name them, indexed for lookups."""

    def __init__(
        self,
        parties: Sequence[Party],
        meetings: Sequence[Meeting],
        *,
        country_words: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
        outsiders: Sequence[Outsider] = (),
        foreign_abbreviations: Mapping[str, Mapping[str, str]] | None = None,
        weak_abbreviations: Iterable[str] = (),
        not_parties: Iterable[str] = (),
        generic_names: Iterable[str] = (),
        name_qualifiers: Iterable[str] = (),
    ) -> None:
        self.parties = tuple(parties)
        self.meetings = tuple(meetings)
        self.outsiders = tuple(outsiders)
        self.country_words = dict(country_words)
        """Canonical country -> (other names, adjectives)."""
        self.foreign_abbreviations = dict(foreign_abbreviations or {})
        """Party id -> {abbreviation: the only language it is used in}."""
        self.weak_abbreviations = frozenset(weak_abbreviations)
        self.not_parties = frozenset(not_parties)
        self.generic_names = tuple(generic_names)
        self.name_qualifiers = frozenset(name_qualifiers)
        self._by_id: dict[str, Party] = {}
        for party in self.parties:
            if self._by_id.setdefault(party.id, party) is not party:
                raise ValueError(f"party {party.name!r}: another party has the id {party.id!r}")
        self._countries = _country_index(self.country_words)
        self._generated: dict[str, set[str]] = {}
        self._names = {party.id: self._name_forms(party) for party in self.parties}
        self._resolve_generated_clashes()
        self._by_abbreviation: dict[str, list[Party]] = {}
        self._by_name: dict[str, list[Party]] = {}
        for party in self.parties:
            for abbreviation in party.abbreviations:
                _add(self._by_abbreviation, lookup_key(abbreviation), party)
            for form in self._names[party.id]:
                _add(self._by_name, lookup_key(form), party)
        self._choices = sorted({*self._by_abbreviation, *self._by_name})

    @classmethod
    def load(
        cls,
        extra_parties: Sequence[Mapping[str, object]] = (),
        extra_aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> Directory:
        """The bundled directory plus the operator's parties and aliases from the config."""
        data = resources.files("bot") / "data"
        raw = yaml.load((data / "parties.yaml").read_text(encoding="utf-8"), Loader=_Loader)
        country_words = {
            country: (tuple(words.get("also", ())), tuple(words.get("adjectives", ())))
            for country, words in raw["countries"].items()
        }
        entries = [*raw["parties"], *extra_parties]
        first_extra = len(raw["parties"])
        parties: list[Party] = []
        foreign: dict[str, dict[str, str]] = {}
        countries = _country_index(country_words)
        for index, entry in enumerate(entries):
            where = "party" if index < first_extra else "extra party"
            party, scoped = _party(entry, where, countries)
            parties.append(party)
            if scoped:
                foreign[party.id] = scoped
        parties = _with_aliases(parties, extra_aliases or {})
        directory = cls(
            parties,
            (),
            country_words=country_words,
            outsiders=[_outsider(entry) for entry in raw["outsiders"]],
            foreign_abbreviations=foreign,
            weak_abbreviations=raw["weak_abbreviations"],
            not_parties=raw["not_parties"],
            generic_names=raw["generic_names"],
            name_qualifiers=raw["name_qualifiers"],
        )
        for party in parties[first_extra:]:
            clash = [a for a in party.abbreviations if a in directory.not_parties]
            if clash:
                raise ValueError(f"extra party {party.name!r}: {clash[0]!r} is not a party word")
        meetings = yaml.load((data / "meetings.yaml").read_text(encoding="utf-8"), Loader=_Loader)
        directory.meetings = tuple(directory._meeting(m) for m in meetings["meetings"])
        return directory

    def get(self, party_id: str) -> Party:
        """The party with this id; KeyError if there is none."""
        return self._by_id[party_id]

    def names_of(self, party_id: str) -> tuple[str, ...]:
        """Every name a text may give the party: its own, aliases, native and derived forms."""
        return self._names[party_id]

    def find(self, query: str) -> PartyLookup:
        """What a user's query names: a party, several (ambiguous), a country, or suggestions."""
        key = lookup_key(query)
        if key.startswith("the "):
            key = key[4:]
        if not key or query.strip().upper() in self.not_parties:
            return PartyLookup(())
        found = self._by_abbreviation.get(key) or self._by_name.get(key)
        if found:
            return PartyLookup(tuple(found))
        country = self.country_of(query)
        if country is not None:
            return PartyLookup(self.in_country(country), country=country)
        return PartyLookup((), suggestions=self._suggest(key))

    def countries(self) -> list[str]:
        """The countries that have parties in the directory, sorted."""
        return sorted({party.country for party in self.parties})

    def in_country(self, country: str) -> tuple[Party, ...]:
        canonical = self.country_of(country) or country
        return tuple(party for party in self.parties if party.country == canonical)

    def country_of(self, query: str) -> str | None:
        """The canonical country a user's words name ("greece", "Greek", "USA"), if any."""
        return self._countries.get(lookup_key(query))

    def meeting(self, ordinal: int) -> Meeting | None:
        return next((m for m in self.meetings if m.ordinal == ordinal), None)

    def latest_meeting(self) -> Meeting:
        """The latest meeting known to have been held (a scheduled one does not count)."""
        return max((m for m in self.meetings if m.held), key=lambda m: (m.year, m.ordinal or 0))

    def _suggest(self, key: str) -> tuple[Party, ...]:
        matches = process.extract(
            key,
            self._choices,
            scorer=fuzz.WRatio,
            limit=_SUGGESTIONS * 3,
            score_cutoff=_SUGGESTION_CUTOFF,
        )
        suggested: dict[str, Party] = {}
        for choice, _score, _index in matches:
            for party in self._by_abbreviation.get(choice, ()) or self._by_name.get(choice, ()):
                suggested.setdefault(party.id, party)
        return tuple(suggested.values())[:_SUGGESTIONS]

    def _name_forms(self, party: Party) -> tuple[str, ...]:
        """The party's own names, then forms derived from them (marked by `_generated`)."""
        own = [party.name, *party.aliases]
        if party.native_name:
            own.extend(form.strip() for form in party.native_name.split(" / "))
        own = _without_articles(own)
        derived: list[str] = []
        names, adjectives = self.country_words.get(party.country, ((), ()))
        for form in own:
            of_country = _OF_COUNTRY.match(form)
            if of_country and of_country["country"] in (party.country, *names):
                derived.extend(f"{adjective} Communist Party" for adjective in adjectives)
            by_adjective = _ADJ_PARTY.match(form)
            if by_adjective and by_adjective["adjective"] in adjectives:
                derived.append(f"Communist Party of {party.country}")
        derived.extend(
            form.replace("Communist Party", "CP")
            for form in (*own, *derived)
            if "Communist Party" in form and form not in self.generic_names
        )
        self._generated[party.id] = {lookup_key(f) for f in derived} - {lookup_key(f) for f in own}
        return tuple(dict.fromkeys((*own, *derived)))

    def _resolve_generated_clashes(self) -> None:
        """Drop derived forms that are another party's or outsider's own name, or shared."""
        owners: dict[str, set[str]] = {}
        for party_id, forms in self._names.items():
            for form in forms:
                owners.setdefault(lookup_key(form), set()).add(party_id)
        outsider_names = _without_articles(
            [name for o in self.outsiders for name in (o.name, *o.aliases)]
        )
        taken = {
            lookup_key(name)
            for form in (*outsider_names, *self.generic_names)
            for name in (form, form.replace("Communist Party", "CP"))
        }
        for party_id, forms in self._names.items():
            generated = self._generated[party_id]
            self._names[party_id] = tuple(
                form
                for form in forms
                if (key := lookup_key(form)) not in generated
                or (len(owners[key]) == 1 and key not in taken)
            )

    def _meeting(self, entry: Mapping[str, object]) -> Meeting:
        country = _optional_str(entry.get("country"))
        return Meeting(
            ordinal=entry.get("ordinal"),  # type: ignore[arg-type]
            label=str(entry["label"]),
            year=int(entry["year"]),  # type: ignore[call-overload]
            city=_optional_str(entry.get("city")),
            country=country,
            hosts=tuple(self._host(str(h), country) for h in entry.get("hosts") or ()),  # type: ignore[attr-defined]
            dates=_optional_str(entry.get("dates")),
            theme=_optional_str(entry.get("theme")),
            held=bool(entry.get("held", True)),
            places=tuple(entry.get("places") or ()),  # type: ignore[arg-type]
        )

    def _host(self, host: str, country: str | None) -> str:
        """A host party's id, resolved within the meeting's country; else the text as given."""
        found = self.find(host).parties
        if len(found) > 1:
            found = tuple(party for party in found if party.country == country)
        return found[0].id if len(found) == 1 else host


def _without_articles(forms: list[str]) -> list[str]:
    """The forms, each followed by its variant without "the" after "of", if it has one."""
    return [
        variant
        for form in forms
        for variant in dict.fromkeys((form, form.replace(" of the ", " of ")))
    ]


def _country_index(
    country_words: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
) -> dict[str, str]:
    """Lookup key of every country word -> canonical country."""
    return {
        lookup_key(word): country
        for country, (names, adjectives) in country_words.items()
        for word in (country, *names, *adjectives)
    }


def _add(index: dict[str, list[Party]], key: str, party: Party) -> None:
    bucket = index.setdefault(key, [])
    if party not in bucket:
        bucket.append(party)


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _strings(entry: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key) or ()
    if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):  # type: ignore[union-attr]
        raise ValueError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)  # type: ignore[union-attr]


def _party(entry: object, where: str, countries: Mapping[str, str]) -> tuple[Party, dict[str, str]]:
    """One party from a YAML/config mapping, and its language-bound abbreviations."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} {entry!r}: must be a mapping")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where} {entry!r}: 'name' must be a non-empty string")
    where = f"{where} {name!r}"
    unknown = sorted(set(entry) - _PARTY_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}")
    country = entry.get("country")
    if not isinstance(country, str) or not country.strip():
        raise ValueError(f"{where}: 'country' must be a non-empty string")
    canonical = countries.get(lookup_key(country), country.strip())
    for key in ("native_name", "website"):
        if entry.get(key) is not None and not isinstance(entry.get(key), str):
            raise ValueError(f"{where}: {key!r} must be a string or null")
    foreign_raw = entry.get("foreign_abbreviations") or {}
    if not isinstance(foreign_raw, Mapping):
        raise ValueError(f"{where}: 'foreign_abbreviations' must map a language to a list")
    scoped = {
        abbreviation: str(language)
        for language in foreign_raw
        for abbreviation in _strings(foreign_raw, language, where)
    }
    party = Party(
        id=slug(name),
        name=name.strip(),
        abbreviations=(*_strings(entry, "abbreviations", where), *scoped),
        country=canonical,
        native_name=entry.get("native_name"),  # type: ignore[arg-type]
        website=entry.get("website"),  # type: ignore[arg-type]
        aliases=_strings(entry, "aliases", where),
    )
    return party, scoped


def _with_aliases(parties: list[Party], extra: Mapping[str, Sequence[str]]) -> list[Party]:
    """The parties with the operator's aliases added, keyed by party id or abbreviation."""
    by_id = {party.id: index for index, party in enumerate(parties)}
    for key, aliases in extra.items():
        where = f"extra aliases {key!r}"
        matches = (
            [by_id[key]]
            if key in by_id
            else [i for i, party in enumerate(parties) if key in party.abbreviations]
        )
        if len(matches) != 1:
            problem = "names no party" if not matches else "names several parties"
            raise ValueError(f"{where}: {problem}; use a party id")
        added = _strings({"aliases": aliases}, "aliases", where)
        party = parties[matches[0]]
        parties[matches[0]] = Party(
            party.id,
            party.name,
            party.abbreviations,
            party.country,
            party.native_name,
            party.website,
            (*party.aliases, *added),
        )
    return parties


def _outsider(entry: Mapping[str, object]) -> Outsider:
    return Outsider(
        name=str(entry["name"]),
        abbreviations=tuple(entry.get("abbreviations") or ()),  # type: ignore[arg-type]
        aliases=tuple(entry.get("aliases") or ()),  # type: ignore[arg-type]
        country=_optional_str(entry.get("country")),
        kind=str(entry["kind"]),
    )
