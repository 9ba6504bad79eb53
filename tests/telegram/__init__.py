"""A fake Telegram Bot API server that the bot's tests talk to over real HTTP."""
