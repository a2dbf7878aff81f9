"""The checks before the first call: an endpoint that is down, a model it does not serve,
a hub id that cannot load. Each fails with one line naming what is wrong, without retries,
exit 2, and leaves no transcript behind (so the fixed config runs without --resume)."""

from __future__ import annotations

import copy
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from typer.testing import CliRunner

from agents.backends.hf import hub
from agents.errors import BackendConfigError
from societies.cli.app import app
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from tests.helpers.configs import sim_config
from tests.helpers.fake_openai import FakeServer, running_server


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with running_server(FakeServer()) as s:
        yield s


def unused_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def api_config(base_url: str, model: str = "fake") -> dict[str, Any]:
    """Three agents, one question, one debate round, on an OpenAI-compatible endpoint."""
    data = copy.deepcopy(sim_config())
    data["backends"] = {
        "sim": {
            "kind": "openai",
            "model": model,
            "base_url": base_url,
            # Many retries allowed: the check must not use them.
            "retry": {"attempts": 6, "initial_s": 1.0, "jitter_s": 0.0},
        }
    }
    data.update(task={"name": "arithmetic", "limit": 1}, repeats=1)
    data["protocol"] = {"strategy": ["debate"]}
    return data


def run_cli(tmp_path: Path, data: dict[str, Any]) -> tuple[int, str]:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "run")])
    return result.exit_code, result.output


def test_an_unreachable_endpoint_is_one_line_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}/v1"
    code, output = run_cli(tmp_path, api_config(url))
    assert code == 2, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert f"cannot reach {url}/models" in errors[0] and "backends.sim.base_url" in errors[0]
    assert "gave up after" not in output  # not retried
    # Nothing was recorded, so nothing is kept: the same folder runs again without --resume.
    assert not (tmp_path / "run" / "transcript.jsonl").exists()


def test_a_model_the_server_does_not_serve_is_refused_before_any_call(
    server: FakeServer, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{server.port}/v1"
    with pytest.raises(BackendConfigError) as info:
        run_experiment(parse_config(api_config(url, model="gpt-nope")), tmp_path, cache="off")
    assert "backends.sim.model: 'gpt-nope' is not served by" in str(info.value)
    assert "'fake'" in str(info.value)  # what it does serve
    assert server.model_lists == 1 and server.requests == 0
    assert not (tmp_path / "transcript.jsonl").exists()


def test_a_served_model_is_checked_once_then_used(server: FakeServer, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{server.port}/v1"
    result = run_experiment(parse_config(api_config(url)), tmp_path, cache="off")
    assert result.status == "complete"
    assert server.model_lists == 1 and server.requests == 6  # 3 agents x 2 rounds


def test_a_refused_key_is_named_and_a_missing_models_list_is_no_obstacle(
    server: FakeServer, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{server.port}/v1"
    server.models_status = 401
    with pytest.raises(BackendConfigError, match=r"refused the key \(HTTP 401\)"):
        run_experiment(parse_config(api_config(url)), tmp_path / "a", cache="off")
    assert server.requests == 0
    server.models_status = 404  # a server without GET /models: the calls decide
    result = run_experiment(parse_config(api_config(url)), tmp_path / "b", cache="off")
    assert result.status == "complete" and server.requests == 6


def hub_config(model: str) -> dict[str, Any]:
    data = copy.deepcopy(sim_config())
    data["backends"] = {"sim": {"kind": "hf", "model": model, "threads": 1}}
    return data


BOGUS = "sociolab-tests/no-such-model-0"


def test_a_hub_id_offline_is_one_line_in_validate_and_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(hub_config(BOGUS)))
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "r")]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, result.output
        assert f"hub id {BOGUS!r} is not in the local HuggingFace cache" in errors[0]
        assert "HF_HUB_OFFLINE=1" in errors[0]
    assert not (tmp_path / "r").exists()  # refused before the run folder was made


def test_a_missing_local_model_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(hub_config(str(tmp_path / "gone.gguf"))))
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "backends.sim.model: file" in result.output and "does not exist" in result.output


class _Hub(BaseHTTPRequestHandler):
    """A hub that knows no model (404 for every id)."""

    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Online mode, whatever the test session set."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.mark.usefixtures("online")
def test_an_unreachable_hub_is_one_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    endpoint = f"http://127.0.0.1:{unused_port()}"
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    with pytest.raises(BackendConfigError) as info:
        hub.check_hub_model(BOGUS, None, name="m")
    assert f"{endpoint} cannot be reached" in str(info.value)
    assert "offline" not in str(info.value)  # it really tried, once
    assert str(info.value).startswith("backends.m.model: hub id")


@pytest.mark.usefixtures("online")
def test_a_hub_without_the_model_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    httpd = HTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{httpd.server_port}"
        monkeypatch.setattr(constants, "ENDPOINT", endpoint)
        with pytest.raises(BackendConfigError, match=f"{endpoint} has no model '{BOGUS}'"):
            hub.check_hub_model(BOGUS, None, name="m")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert _Hub.paths == [f"/api/models/{BOGUS}/revision/main"]  # asked once
