"""The bundled directory: lookups users make, operators' additions, meetings."""

from __future__ import annotations

import pytest

from bot.directory import Directory, Party, PartyLookup


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load()


def _ids(parties: tuple[Party, ...]) -> set[str]:
    return {party.id for party in parties}


def test_loads_every_reference_party() -> None:
    assert len(Directory.load().parties) == 131


@pytest.mark.parametrize(
    ("query", "party_id"),
    [
        ("KKE", "communist-party-of-greece"),
        ("kke", "communist-party-of-greece"),
        ("Communist Party of Greece", "communist-party-of-greece"),
        ("the communist party of greece", "communist-party-of-greece"),
        ("Κομμουνιστικό Κόμμα Ελλάδας", "communist-party-of-greece"),
        ("Türkiye Komünist Partisi", "communist-party-of-turkey"),
        ("Communist Party, Turkey", "communist-party-of-turkey"),
        ("CPI(M)", "communist-party-of-india-marxist"),
        ("cpi-m", "communist-party-of-india-marxist"),
        ("CP USA", "communist-party-usa"),
        ("KPRF", "communist-party-of-the-russian-federation"),
        ("Syrian CP", "syrian-communist-party"),
    ],
)
def test_find_one(directory: Directory, query: str, party_id: str) -> None:
    found = directory.find(query)
    assert _ids(found.parties) == {party_id}
    assert found.country is None


def test_shared_abbreviation_finds_all_its_parties(directory: Directory) -> None:
    assert _ids(directory.find("PCP").parties) == {
        "portuguese-communist-party",
        "paraguayan-communist-party",
        "peruvian-communist-party",
        "palestinian-communist-party",
    }


@pytest.mark.parametrize("query", ["Greece", "greek", "GREECE"])
def test_find_country(directory: Directory, query: str) -> None:
    found = directory.find(query)
    assert found.country == "Greece"
    assert _ids(found.parties) == {"communist-party-of-greece"}


def test_country_with_several_parties(directory: Directory) -> None:
    found = directory.find("Turkish")
    assert found.country == "Turkey"
    assert _ids(found.parties) == {"communist-party-of-turkey", "labour-party-turkey"}


@pytest.mark.parametrize(
    ("query", "country"),
    [
        ("USA", "United States"),
        ("U.S.", "United States"),
        ("united states", "United States"),
        ("Portuguese", "Portugal"),
        ("UK", "Britain"),
        ("Swaziland", "Eswatini"),
        ("Atlantis", None),
    ],
)
def test_country_of(directory: Directory, query: str, country: str | None) -> None:
    assert directory.country_of(query) == country


def test_unknown_query_gets_suggestions(directory: Directory) -> None:
    found = directory.find("Comunist Party of Grece")
    assert found.parties == ()
    assert "communist-party-of-greece" in _ids(found.suggestions)


@pytest.mark.parametrize("query", ["CC", "CHP", "", "   "])
def test_non_party_words_find_nothing(directory: Directory, query: str) -> None:
    assert directory.find(query) == PartyLookup(())


def test_get_and_short(directory: Directory) -> None:
    party = directory.get("communist-party-of-greece")
    assert party.short == "KKE"
    assert directory.get("communist-party-of-the-workers-of-belarus").short == (
        "Communist Party of the Workers of Belarus"
    )
    with pytest.raises(KeyError):
        directory.get("no-such-party")


def test_countries_and_in_country(directory: Directory) -> None:
    assert "Greece" in directory.countries()
    assert directory.countries() == sorted(directory.countries())
    assert {p.name for p in directory.in_country("spain")} >= {
        "Communist Party of Spain",
        "Communist Party of the Workers of Spain",
    }


def test_derived_names_never_clash(directory: Directory) -> None:
    brazil = directory.names_of("communist-party-of-brazil")
    assert "Brazilian Communist Party" not in brazil
    assert "Communist Party of Philippines" not in directory.names_of(
        "philippine-communist-party-pkp-1930"
    )
    assert "Turkish Communist Party" in directory.names_of("communist-party-of-turkey")


def test_operator_extras() -> None:
    directory = Directory.load(
        extra_parties=[
            {
                "name": "Party for Socialism and Liberation",
                "abbreviations": ["PSL"],
                "country": "USA",
            }
        ],
        extra_aliases={"KKE": ["Perissos party"], "communist-party-of-cuba": ["PCC de Cuba"]},
    )
    psl = directory.find("PSL").parties
    assert [(p.id, p.country) for p in psl] == [
        ("party-for-socialism-and-liberation", "United States")
    ]
    assert _ids(directory.find("Perissos party").parties) == {"communist-party-of-greece"}
    assert _ids(directory.find("PCC de Cuba").parties) == {"communist-party-of-cuba"}


@pytest.mark.parametrize(
    ("extra_parties", "extra_aliases", "named"),
    [
        ([{"abbreviations": ["X"]}], None, "extra party"),
        ([{"name": "Party X", "country": "Y", "colour": "red"}], None, "Party X"),
        ([{"name": "Party X", "country": "Y", "abbreviations": "PX"}], None, "Party X"),
        ([{"name": "Party X"}], None, "Party X"),
        ([{"name": "Communist Party of Greece", "country": "Greece"}], None, "Greece"),
        ([{"name": "Party X", "country": "Y", "abbreviations": ["CC"]}], None, "Party X"),
        ((), {"PCP": ["a name"]}, "PCP"),
        ((), {"nobody": ["a name"]}, "nobody"),
        ((), {"KKE": "not a list"}, "KKE"),
    ],
)
def test_bad_operator_data_names_the_entry(
    extra_parties: list, extra_aliases: dict | None, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        Directory.load(extra_parties=extra_parties, extra_aliases=extra_aliases)


def test_meetings(directory: Directory) -> None:
    izmir = directory.meeting(21)
    assert izmir is not None
    assert (izmir.city, izmir.year, izmir.label) == ("İzmir", 2019, "21st")
    assert izmir.hosts == ("communist-party-of-turkey", "communist-party-of-greece")
    assert directory.meeting(8).hosts == ("portuguese-communist-party",)
    assert directory.meeting(99) is None
    scheduled = directory.meeting(24)
    assert scheduled is not None
    assert not scheduled.held
    latest = directory.latest_meeting()
    assert (latest.ordinal, latest.held) == (23, True)
    unnumbered = [m.label for m in directory.meetings if m.ordinal is None]
    assert unnumbered == ["initial", "extraordinary", "extraordinary (online)"]
