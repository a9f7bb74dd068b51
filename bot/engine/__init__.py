"""Where chat input meets the flows: the engine and the store it gives each update."""

from bot.engine.engine import Engine

__all__ = ["Engine"]
