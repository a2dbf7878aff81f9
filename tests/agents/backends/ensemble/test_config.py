"""The ``ensemble`` backend's config: defaults, and one-line errors for bad input (no models)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.backends import EnsembleProvider, EnsembleSpec, HFSpec, create_provider
from agents.errors import BackendConfigError
from sociolab.errors import ConfigError

SMOL = {"model": "smollm2-135m-instruct"}


def config(**backend: Any) -> dict[str, Any]:
    fused = {"kind": "ensemble", "members": [SMOL, SMOL], **backend}
    return {
        "name": "x",
        "task": {"name": "arithmetic", "limit": 1},
        "backends": {"fused": fused},
        "agents": [{"name": "a", "backend": "fused"}],
    }


def problem(**backend: Any) -> str:
    """The config error that ``backend`` gets: exactly one line."""
    from societies.config import parse_config

    with pytest.raises(ConfigError) as info:
        parse_config(config(**backend))
    assert len(info.value.problems) == 1
    (line,) = info.value.problems
    assert "\n" not in line and line.startswith("<config>: backends.fused")
    return line


def test_spec_is_part_of_the_config_union_with_deepen_defaults() -> None:
    from societies.config import parse_config

    spec = parse_config(config()).backends["fused"]
    assert isinstance(spec, EnsembleSpec) and all(isinstance(m, HFSpec) for m in spec.members)
    assert (spec.method, spec.main, spec.steps, spec.learning_rate, spec.softmax_scale) == (
        "deepen", 0, 5, 0.15, 100.0,
    )  # fmt: skip
    assert spec.member_weights() == [0.5, 0.5]
    assert EnsembleSpec(members=[HFSpec(), HFSpec()], weights=[1, 3]).member_weights() == [
        0.25,
        0.75,
    ]


def test_bad_settings_are_one_line_errors() -> None:
    assert "main: 2 is out of range (members 0..1)" in problem(main=2)
    assert "has a negative weight" in problem(weights=[-1, 2])
    assert "are all zero" in problem(weights=[0, 0])
    assert "2 weights for 3 members" in problem(members=[SMOL] * 3, weights=[1, 1])
    method = problem(method="blend")
    assert "method" in method and "'deepen'" in method and "'vote'" in method
    assert "top_k" in problem(top_k=0) and "greater than or equal to 1" in problem(top_k=0)
    assert "at least 2" in problem(members=[SMOL])


def test_a_member_that_cannot_load_is_a_one_line_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.gguf")
    spec = EnsembleSpec(members=[HFSpec(), HFSpec(model=missing)])
    with pytest.raises(BackendConfigError) as info:
        create_provider(spec, name="fused")
    assert str(info.value) == f"backends.fused.members[1].model: file {missing!r} does not exist"
    assert spec.preflight("fused") == [str(info.value)]
    assert EnsembleSpec(members=[HFSpec(), HFSpec()]).preflight("fused") == []


def test_building_loads_nothing() -> None:
    provider = create_provider(EnsembleSpec(members=[HFSpec(), HFSpec()]), name="fused")
    assert isinstance(provider, EnsembleProvider)
    assert [m.name for m in provider.members] == ["fused.members[0]", "fused.members[1]"]
    assert provider._engines is None and provider.max_concurrency() >= 1
