"""Finding and reading a pack: a bundled one by name, or any YAML file by path.

A pack file without `objectives` gets the 23 GCM objectives of bot/packs/common, so a new
consultation need not copy them.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.pack.model import Pack
from bot.pack.validation import PackError, parse_pack

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"
GCM_OBJECTIVES = PACKS_DIR / "common" / "gcm-objectives.yaml"


def resolve_pack_path(name_or_path: str) -> Path:
    """A bundled pack by name (`lac-2025`), or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    return PACKS_DIR / f"{name_or_path}.yaml"


@lru_cache(maxsize=1)
def _gcm_objectives() -> list[dict[str, Any]]:
    return yaml.safe_load(GCM_OBJECTIVES.read_text(encoding="utf-8"))["objectives"]


def gcm_objectives() -> list[dict[str, Any]]:
    """The shared objectives as raw YAML data, a fresh copy each time."""
    return copy.deepcopy(_gcm_objectives())


def load_pack(name_or_path: str) -> Pack:
    """Read and validate a pack; raise PackError on any problem."""
    path = resolve_pack_path(name_or_path)
    if not path.exists():
        raise PackError(str(path), [f"no pack at {path}"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PackError(str(path), [f"(yaml): {error}".replace("\n", " ")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PackError(str(path), [f"(file): cannot read {path}: {error}"]) from None
    if isinstance(raw, dict) and "objectives" not in raw:
        raw = {**raw, "objectives": gcm_objectives()}
    return parse_pack(raw, str(path))
