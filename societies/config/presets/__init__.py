"""Ready-made societies: YAML configs and sweeps shipped with sociolab.

``sociolab presets`` lists them; wherever a command takes a config or sweep
file, a preset's name works too (``sociolab run sociolab-debate``). A preset's
description is the first comment line of its file. Every preset but
``ensemble-vs-debate`` (two local models, several backends) runs on the
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


def locate(arg: str | Path) -> Path:
    """The preset named ``arg``, else ``arg`` as a path.

    A bare name (``demo``) is a preset's name when there is such a preset, even if
    the current folder holds a ``demo`` folder or file; a path written as one
    (``./demo``, ``runs/demo``, ``demo.yaml``) is always a path. Only a ``str``
    keeps the ``./`` that makes a path explicit (a :class:`~pathlib.Path` drops it).
    """
    text = str(arg)
    explicit = "/" in text or "\\" in text or text.startswith(".") or bool(Path(text).suffix)
    candidate = PRESETS_DIR / f"{text}.yaml"
    if not explicit and text and candidate.exists():
        return candidate
    return Path(text)


__all__ = ["PRESETS_DIR", "Preset", "list_presets", "locate"]
