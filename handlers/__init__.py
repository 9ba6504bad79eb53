"""The chat commands, knowing nothing of any chat platform.

A handler takes the request (the asking chat, the arguments) and the services it
may use, and returns a `bot.reply.Reply`. The platform adapters in `bot/` turn
platform events into `handlers.commands.dispatch` calls and replies into messages.
"""
