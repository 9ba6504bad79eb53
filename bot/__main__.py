"""`python -m bot` is the `partywire` command."""

import sys

from bot.cli import main

sys.exit(main())
