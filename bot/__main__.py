"""`python -m bot` runs the command line, as the `consultbot` script does."""

from bot.commands.cli import main

main()
