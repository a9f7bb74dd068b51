"""Finding and reading a pack: a bundled one by name, or any YAML file by path."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.pack.model import Pack
from bot.pack.validation import PackError, parse_pack

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"


def resolve_pack_path(name_or_path: str) -> Path:
    """A bundled pack by name (`lac-2025`), or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    return PACKS_DIR / f"{name_or_path}.yaml"


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
    return parse_pack(raw, str(path))
