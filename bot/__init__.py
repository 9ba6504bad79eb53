"""Partywire: the async core of the bot (sources, recognition, store, push, platform adapters)."""
