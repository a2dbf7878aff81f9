"""Config builders for tests."""

from __future__ import annotations

from typing import Any


def sim_config(**overrides: Any) -> dict[str, Any]:
    """A small config on the scripted simulation backend, as a dict."""
    cfg: dict[str, Any] = {
        "name": "sim",
        "seed": 3,
        "task": {"name": "arithmetic", "limit": 6},
        "backends": {
            "sim": {"kind": "scripted", "accuracy": {"overconfident": 0.7, "easy-going": 0.4}}
        },
        "agents": [
            {"name": "ada", "trait": "overconfident", "backend": "sim"},
            {"name": "bo", "trait": "easy-going", "backend": "sim"},
            {"name": "cy", "trait": "easy-going", "backend": "sim"},
        ],
        "protocol": {"strategy": ["debate", "reflection"]},
        "repeats": 2,
        "cache": {"enabled": False},
    }
    cfg.update(overrides)
    return cfg
