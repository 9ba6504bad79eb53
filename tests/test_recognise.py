"""The recogniser on the bundled samples, the development headlines and arbitrary text."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bench.recognition import evaluate
from bot.directory import Directory
from bot.recognise import Recogniser

SAMPLES = Path(__file__).parent.parent / "bot" / "data" / "samples"
DEV_SET = Path("/work/shared/reference/dev-headlines.jsonl")

GREECE = "communist-party-of-greece"
TURKEY = "communist-party-of-turkey"
FRANCE_PCF = "french-communist-party"
FRANCE_PCRF = "communist-revolutionary-party-of-france"
FRANCE_PRCF = "pole-of-communist-revival-in-france"
INDIA = "communist-party-of-india"
INDIA_M = "communist-party-of-india-marxist"
POLAND = "communist-party-of-poland"
PORTUGAL = "portuguese-communist-party"
RUSSIA = "communist-party-of-the-russian-federation"
AKEL = "progressive-party-of-the-working-people"
PKP = "philippine-communist-party-pkp-1930"
SACP = "south-african-communist-party"
CUBA = "communist-party-of-cuba"
USA = "communist-party-usa"

# Every distinct non-empty sample line: (start of the line, parties, ambiguous, meeting).
SAMPLE_EXPECTED = [
    ("The 21st IMCWP has been completed", (), (), 21),
    ("Co-hosted by the Communist Party of Greece (KKE)", (GREECE, TURKEY), (), 21),
    ("The appeal of the 21st International Meeting", (), (), 21),
    ("Communists condemn the outrageous", (), (), None),
    ("The Communist Revolutionary Party of France (PCRF)", (FRANCE_PCRF,), (), None),
    ("The Philipine Communist Party  (PKP-1930)", (PKP,), (), None),
    ("AKEL statement on the failure", (AKEL,), (), None),
    ("The CC of the Syrian CP", ("syrian-communist-party",), (), None),
    ("Communist Party of Greece (KKE) hosted", (GREECE,), (), None),
    ("The endeavor to privatize AIR INDIA", (INDIA_M, INDIA), (), None),
    ("The PB of the Sudanese Communist Party (SCP)", ("sudanese-communist-party",), (), None),
    ("Communist Party of Turkey (TKP) issued a statement on the", (TURKEY,), (), None),
    ("Communist Party of Greece (KKE) actively", (GREECE,), (), None),
    ("The Communist Party of Venezuela successfully", ("communist-party-of-venezuela",), (), None),
    ("Communist Party of Poland (CPP) released", (POLAND,), (), None),
    ("The Tudeh Party of Iran (TPI)", ("tudeh-party-of-iran",), (), None),
    ("Statements from the Pole of the Communist Rebirth", (FRANCE_PRCF, FRANCE_PCF), (), None),
    ("Following the regular meeting", ("syrian-communist-party-unified",), (), None),
    (
        "Statements by the Communist and Workers' parties of the World",
        (TURKEY, SACP, CUBA, GREECE, USA, PKP, AKEL),
        ("PCP", "CPP"),
        None,
    ),
    ("Cuban Foreign Affairs Minister", (TURKEY,), (), None),
    ("Communist Party of Turkey (TKP) finalized", (TURKEY, CUBA), (), None),
    ("The Communist Party of India (CPI)", (INDIA,), (), None),
    ("The Communist Party of Poland (CPP) released", (POLAND,), (), None),
    (
        "Statements from the PCRF, PRC, PRCF and PCF",
        (FRANCE_PCRF, FRANCE_PRCF, FRANCE_PCF),
        ("PRC",),
        None,
    ),
    ("Communist Party of Ukraine released", ("communist-party-of-ukraine",), (), None),
    ("Portuguese Communist Party (PCP) released a statement regarding", (PORTUGAL,), (), None),
    ("The Communist Party of Greece (KKE) organized", (GREECE,), (), None),
    ("The General Secretary of the French Communist Party (PCF) made", (FRANCE_PCF,), (), None),
    (
        "The Communist Party of the Peoples of Spain",
        ("communist-party-of-the-peoples-of-spain",),
        (),
        None,
    ),
    ("People’s Vanguard Party, Costa Rica", ("people-s-vanguard-party",), (), None),
    ("CP USA comments", (USA,), (), None),
    ("Iraqi Communist Party released", ("iraqi-communist-party",), (), None),
    ("Portuguese Communist Party (PCP) released a statement expressing", (PORTUGAL,), (), None),
    ("Local Communist Party of Russian Federation (KPRF)", (RUSSIA,), (), None),
    ("Party for Socialism and Liberation", (), (), None),
    ("Communist and Workers' Parties from Europe", (), (), None),
    ("President Maduro made a statement", (), (), None),
    ("The General Secretary of the French Communist Party (PCF) called", (FRANCE_PCF,), (), None),
    ("The GS of the CC of the Communist Party of Greece", (GREECE,), (), None),
    ("Communist Party of Russian Federation (CPRF)", (RUSSIA,), (), None),
    ("Communist Party of Britain (CP)", ("communist-party-of-britain",), (), None),
    ("Communist Party, Turkey, KP", (TURKEY,), (), None),
    ("The Workers' Party of Belgium (PTB)", ("workers-party-of-belgium",), (), None),
    ("AKEL held an event", (AKEL,), (), None),
]


@pytest.fixture(scope="module")
def recogniser() -> Recogniser:
    return Recogniser(Directory.load())


def _sample_lines() -> list[str]:
    lines = (
        line.strip()
        for path in sorted(SAMPLES.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    return list(dict.fromkeys(line for line in lines if line))


def _expected(line: str) -> tuple:
    """The one expectation for a line (some lines have no-break or double spaces)."""
    plain = " ".join(line.split())
    (expected,) = [e for e in SAMPLE_EXPECTED if plain.startswith(" ".join(e[0].split()))]
    return expected


def test_every_sample_line_has_its_own_expectation() -> None:
    lines = _sample_lines()
    assert len({_expected(line)[0] for line in lines}) == len(lines) == len(SAMPLE_EXPECTED)


@pytest.mark.parametrize("line", _sample_lines())
def test_sample_line(recogniser: Recogniser, line: str) -> None:
    _, parties, ambiguous, meeting = _expected(line)
    got = recogniser.recognise(line)
    assert got.parties == parties
    assert set(got.ambiguous) == set(ambiguous)
    assert got.meeting == meeting
    assert got.imcwp == (meeting is not None)


@pytest.mark.parametrize(
    ("text", "parties", "ambiguous"),
    [
        ("Statement of the PCP Central Committee", (), ("PCP",)),
        ("Communist Party of Poland (CPP) and later CPP again", (POLAND,), ()),
        ("The DKP of Germany", ("german-communist-party",), ()),
        ("Greek communists: CC of the KKE and KNE", (GREECE,), ()),
        ("KNE festival", (), ()),
        ("The TKG and YCL and UJC and CJC met", (), ()),
        ("CC, PB, GS, CTC, FMC, ICAP and the CHP", (), ()),
        ("Pc and cpu and kke in prose", (), ()),
        ("The CPRF and the KPRF", (RUSSIA,), ()),
        ("CPI(M), CPIM, CPI-M", (INDIA_M,), ()),
        ("Syrian Communist Party (Unified) said", ("syrian-communist-party-unified",), ()),
        ("The Communist Party of India (Marxist-Leninist) said", (), ()),
        ("Revolutionary Communist Party of Britain", (), ()),
        ("Ecuador: Communist Party calls", ("communist-party-of-ecuador",), ()),
        ("The Communist Party will not leave", (), ("Communist Party",)),
        ("Message du PCV au Parti communiste français", (FRANCE_PCF,), ("PCV",)),
        ("El PCV y el PSUV", ("communist-party-of-venezuela",), ()),
        ("Türkiye Komünist Partisi açıklama", (TURKEY,), ()),
        ("Solidarität mit der KPÖ", ("communist-party-of-austria",), ()),
        ("Workers’ Party of Korea", ("workers-party-of-korea",), ()),
        (
            "PCTE and PCE commented",
            ("communist-party-of-the-workers-of-spain", "communist-party-of-spain"),
            (),
        ),
    ],
)
def test_recognises(recogniser: Recogniser, text: str, parties: tuple, ambiguous: tuple) -> None:
    got = recogniser.recognise(text)
    assert got.parties == parties
    assert got.ambiguous == ambiguous


@pytest.mark.parametrize(
    ("text", "meeting"),
    [
        ("16th International Meeting of Communist and Workers Parties", 16),
        ("the 21st International Meeting of the Communist and Workers’ Parties", 21),
        ("21º Encuentro Internacional de Partidos Comunistas y Obreros", 21),
        ("XXII Encuentro Internacional de Partidos Comunistas y Obreros (EIPCO)", 22),
        ("22ème rencontre internationale des partis communistes et ouvriers", 22),
        ("Internationales Treffen kommunistischer und Arbeiterparteien", None),
        ("Statement at the IMWCP", None),
        ("Sixteenth IMCWP held in Ecuador", 16),
        ("International Meeting of Communist and Workers' Parties, Athens, October 2004", 6),
        ("Minsk welcomes the international meeting of communist and workers' parties", 9),
    ],
)
def test_meetings(recogniser: Recogniser, text: str, meeting: int | None) -> None:
    got = recogniser.recognise(text)
    assert got.imcwp
    assert got.meeting == meeting


@pytest.mark.parametrize(
    "text",
    [
        "Joint Statement of Communist and Workers’ Parties",
        "The 9th Congress of the party",
        "on the 3rd December general strike",
    ],
)
def test_not_meetings(recogniser: Recogniser, text: str) -> None:
    got = recogniser.recognise(text)
    assert not got.imcwp
    assert got.meeting is None


@pytest.mark.skipif(not DEV_SET.exists(), reason="the development set lives outside the repo")
def test_dev_set_stays_above_measured_scores() -> None:
    scores = evaluate(DEV_SET)
    assert scores["parties"].precision >= 0.98
    assert scores["parties"].recall >= 0.95
    assert scores["ambiguous"].precision >= 0.75
    assert scores["ambiguous"].recall >= 0.99
    assert scores["imcwp"].precision >= 0.99
    assert scores["imcwp"].recall >= 0.99
    assert scores["meeting"].recall >= 0.85


_DIRECTORY = Directory.load()
_RECOGNISER = Recogniser(_DIRECTORY)
_FORMS = sorted(
    (form, party.id)
    for party in _DIRECTORY.parties
    for form in (*_DIRECTORY.names_of(party.id), *party.abbreviations)
    if form[0].isalnum() and form[-1].isalnum()
)
_TOKENS = {form for form, _ in _FORMS if form.isalnum()} | {
    abbreviation for party in _DIRECTORY.parties for abbreviation in party.abbreviations
}
_GLUE = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=3)
_FILLER = st.text(alphabet=string.ascii_lowercase + " ", max_size=30)
_SEPARATOR = st.sampled_from([" ", ", ", ". ", " (", ") ", ": ", " - ", "\n", "; "])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises(text: str) -> None:
    assert _RECOGNISER.recognise(text) is not None


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_FORMS), _GLUE, st.booleans())
def test_a_form_glued_into_a_longer_word_never_matches(
    form_and_id: tuple[str, str], glue: str, before: bool
) -> None:
    """Gluing onto a form's edge word may leave the party named by its other words, no more."""
    form, party_id = form_and_id
    text = f"{glue}{form}" if before else f"{form}{glue}"
    words = re.split(r"[\W_]+", form)
    glued = re.split(r"[\W_]+", text)[0 if before else -1]
    assume(glued not in _TOKENS)  # "Polish CP" + "P" is "Polish CPP": still Poland's party
    rest = " ".join(words[1:] if before else words[:-1])
    if party_id not in _RECOGNISER.recognise(rest).parties:
        assert party_id not in _RECOGNISER.recognise(text).parties


_STRONG_FORMS = [
    (form, party_id)
    for form, party_id in _FORMS
    if form not in _DIRECTORY.weak_abbreviations
    and form not in _DIRECTORY.foreign_abbreviations.get(party_id, {})
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_STRONG_FORMS), _FILLER, _SEPARATOR, _FILLER, _SEPARATOR)
def test_a_form_between_other_words_is_found(
    form_and_id: tuple[str, str], left: str, sep_left: str, right: str, sep_right: str
) -> None:
    form, party_id = form_and_id
    got = _RECOGNISER.recognise(f"{left}{sep_left}{form}{sep_right}{right}")
    assert party_id in got.parties or form in got.ambiguous
