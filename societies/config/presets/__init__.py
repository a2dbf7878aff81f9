"""Ready-made societies: YAML configs and sweeps shipped with sociolab.

``sociolab presets`` lists them; wherever a command takes a config or sweep
file, a preset's name works too (``sociolab run sociolab-debate``). A preset's
description is the first comment line of its file. Every preset runs on the
embedded SmolLM2 model through the backend named ``local``; one override
moves it to any other backend, e.g.
``--set 'backends.local={kind: openai, model: gpt-4o-mini, api_key_env: OPENAI_API_KEY}'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

PRESETS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Preset:
    """One shipped config or sweep."""

    name: str
    path: Path
    kind: Literal["config", "sweep"]
    description: str


def _describe(path: Path) -> tuple[Literal["config", "sweep"], str]:
    text = path.read_text(encoding="utf-8")
    description = ""
    for line in text.splitlines():
        if line.startswith("#"):
            description = line.lstrip("#").strip()
            break
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    sweep = isinstance(data, dict) and ("grid" in data or "base" in data)
    return ("sweep" if sweep else "config"), description


def list_presets() -> list[Preset]:
    """Every preset, by name."""
    out = []
    for path in sorted(PRESETS_DIR.glob("*.yaml")):
        kind, description = _describe(path)
        out.append(Preset(path.stem, path, kind, description))
    return out


def locate(arg: Path) -> Path:
    """``arg`` itself when it exists, else the preset of that name, else ``arg`` unchanged."""
    if arg.exists() or arg.suffix:
        return arg
    candidate = PRESETS_DIR / f"{arg.name}.yaml"
    return candidate if len(arg.parts) == 1 and candidate.exists() else arg


__all__ = ["PRESETS_DIR", "Preset", "list_presets", "locate"]
