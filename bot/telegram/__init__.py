"""The Telegram adapter: the only package that imports `telegram`.

It turns updates into `handlers.commands.dispatch` calls and `Reply`s into
messages, and answers the push engine's `send` with an outcome.
"""
