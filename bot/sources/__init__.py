"""The first two steps of the pipeline: fetch a source once per poll, parse it without I/O.

Each kind of source has its parser (`parse_text`, `parse_feed`, `parse_listing`), all
pure functions from a body to `RawStatement`s; `Fetcher` is the only thing here that
touches the network.
"""

from bot.sources.feed import ParsedFeed, parse_feed
from bot.sources.fetch import Fetcher, FetchError, FetchResult, Validators
from bot.sources.html import ListingSelectors, ParsedListing, parse_listing
from bot.sources.text import parse_text

__all__ = [
    "FetchError",
    "FetchResult",
    "Fetcher",
    "ListingSelectors",
    "ParsedFeed",
    "ParsedListing",
    "Validators",
    "parse_feed",
    "parse_listing",
    "parse_text",
]
