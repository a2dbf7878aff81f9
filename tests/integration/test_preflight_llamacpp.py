"""The ``openai`` backend's check before its first call, against a real llama.cpp server."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from agents.errors import BackendConfigError
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from tests.societies.engine.test_preflight_live import api_config

pytestmark = pytest.mark.integration


def test_the_served_model_passes_and_another_name_is_refused_with_the_served_list(
    llama_server: str, tmp_path: Path
) -> None:
    data = api_config(llama_server, model="smollm2")  # the fixture's --alias
    data["generation"] = {"max_tokens": 8}
    result = run_experiment(parse_config(data), tmp_path / "ok", cache="off")
    assert result.status == "complete", result.errors
    wrong = copy.deepcopy(data)
    wrong["backends"]["sim"]["model"] = "gpt-4o"
    with pytest.raises(BackendConfigError) as info:
        run_experiment(parse_config(wrong), tmp_path / "wrong", cache="off")
    message = str(info.value)
    assert f"'gpt-4o' is not served by {llama_server}" in message
    assert "'smollm2'" in message
    assert not (tmp_path / "wrong" / "transcript.jsonl").exists()
