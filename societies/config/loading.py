"""Reading a config: YAML file -> overrides -> validated :class:`ExperimentConfig`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from societies.config.checks import check_references
from societies.config.errors import format_validation_error
from societies.config.models import CROSS_FIELD, ExperimentConfig
from societies.config.overrides import apply_overrides
from societies.config.yamlio import read_yaml
from societies.errors import ConfigError


def parse_config(
    data: Any, *, source: str = "<config>", base_dir: Path | None = None
) -> ExperimentConfig:
    """Validate config data (already parsed from YAML).

    The config's ``plugins`` are imported first. Every problem is reported at
    once: when a field is invalid (so the model's cross-field checks could not
    run), the same checks run on the raw data.

    Raises:
        ConfigError: with one ``source: path: message`` line per problem.
    """
    lines: list[str] = []
    cfg: ExperimentConfig | None = None
    try:
        cfg = ExperimentConfig.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        lines += format_validation_error(exc, data, ExperimentConfig, source)
        checked = any(e["type"] == CROSS_FIELD for e in exc.errors())
        if isinstance(data, dict) and not checked:
            lines += [f"{source}: {path}: {msg}" for path, msg in check_references(data)]
    if lines or cfg is None:
        raise ConfigError(lines or [f"{source}: expected a mapping of config fields"])
    return cfg


def load_config(path: Path | str, overrides: Sequence[str] = ()) -> ExperimentConfig:
    """Read and validate a YAML config file; relative paths in it resolve against its folder.

    Args:
        path: the YAML file.
        overrides: ``key=value`` strings applied first (see :func:`apply_overrides`).
    """
    path = Path(path)
    data = apply_overrides(read_yaml(path), overrides)
    return parse_config(data, source=str(path), base_dir=path.resolve().parent)
