"""What a user or operator names when they follow something: `KKE`, `Greece`, `imcwp`, `all`, "words".

Shared by the /subscribe command and the config's broadcast targets, so both
understand exactly the same names.
"""

from __future__ import annotations

from bot.directory import Directory, PartyLookup
from bot.models import Subscription
from bot.normalise import fold_words

EVERYTHING = {"all", "everything"}
MEETINGS = {"imcwp", "meeting", "meetings", "eipco"}
_QUOTES = "\"“”'‘’«»"


def parse_target(directory: Directory, text: str) -> Subscription | PartyLookup:
    """The subscription `text` names; else the directory's answer (several, or suggestions)."""
    text = text.strip()
    if text[:1] in _QUOTES:
        words = fold_words(text.strip(_QUOTES))
        return Subscription("words", words) if words else PartyLookup(())
    if text.lower() in EVERYTHING:
        return Subscription("all")
    if text.lower() in MEETINGS:
        return Subscription("imcwp")
    lookup = directory.find(text)
    if lookup.country:
        return Subscription("country", lookup.country)
    if len(lookup.parties) == 1:
        return Subscription("party", lookup.parties[0].id)
    return lookup
