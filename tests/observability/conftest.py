"""Fixtures for tests that configure logging the way `consultbot run` does."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.observability.logs import CHATTY, NOISY


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root logger and the quietened loggers back as pytest had them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in (*CHATTY, *NOISY)}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)
