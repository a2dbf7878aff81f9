"""Reading configs safely still accepts every reasonable file (the corpus covers the refusals)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from societies.config import load_config, parse_config
from societies.config.bounds import MAX_CALLS, check_scale
from societies.config.yamlio import MAX_DEPTH, load_yaml_text
from societies.errors import ConfigError
from tests.helpers.configs import sim_config


def test_a_utf8_bom_anchors_and_merge_keys_are_accepted(tmp_path: Path) -> None:
    text = yaml.safe_dump(sim_config()).replace(
        "agents:",
        "shared: &sim {kind: scripted}\nagents:",
    )
    data = load_yaml_text(text)
    assert data["shared"] == {"kind": "scripted"}
    path = tmp_path / "c.yaml"
    path.write_bytes("\ufeff".encode() + yaml.safe_dump(sim_config()).encode())
    assert load_config(path).name == "sim"
    merged = load_yaml_text("base: &b {x: 1, y: 2}\nmore: {<<: *b, y: 3}\n")
    assert merged["more"] == {"x": 1, "y": 3}


def test_nesting_up_to_the_limit_is_read_and_one_more_level_is_not() -> None:
    ok = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert load_yaml_text(ok) is not None
    with pytest.raises(yaml.YAMLError, match="nested deeper"):
        load_yaml_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_real_booleans_and_numbers_pass_and_a_boolean_number_is_named() -> None:
    cfg = parse_config(sim_config(cache={"enabled": False}, repeats=2))
    assert cfg.cache.enabled is False and cfg.repeats == 2
    with pytest.raises(ConfigError) as info:
        parse_config(sim_config(generation={"max_tokens": True, "temperature": 0.5}))
    assert info.value.problems == [
        "<config>: generation.max_tokens: expected a number, got a boolean"
    ]


def test_the_scale_bound_counts_agents_rounds_questions_and_repeats() -> None:
    cfg = parse_config(sim_config())  # 3 agents x 3 rounds x 6 questions x 2 repeats
    assert check_scale(cfg) == []
    questions = MAX_CALLS // (3 * 3 * 2)
    assert check_scale(cfg, questions) == []
    ((path, message),) = check_scale(cfg, questions + 1)
    assert path == "repeats" and f"at most {MAX_CALLS:,}" in message
