"""Model files: embedded names, paths, checksum bookkeeping, clear errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agents.backends.model_store import EmbeddedModel, _verified, resolve_model_file
from agents.errors import BackendConfigError
from societies.cli.app import app
from tests.societies.config.test_config import EXAMPLE


def test_paths_and_errors(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model_file("m.gguf", base_dir=tmp_path) == gguf
    with pytest.raises(BackendConfigError, match="neither an embedded model"):
        resolve_model_file("gpt-5")
    with pytest.raises(BackendConfigError, match="does not exist"):
        resolve_model_file(str(tmp_path / "missing.gguf"))


def test_checksum_is_checked_once_then_trusted_via_the_stamp(tmp_path: Path) -> None:
    data = b"weights" * 100
    target, stamp = tmp_path / "m.gguf", tmp_path / "m.sha256"
    model = EmbeddedModel("m", "w==1", "m.gguf", hashlib.sha256(data).hexdigest(), len(data))
    assert not _verified(target, stamp, model)  # missing
    target.write_bytes(data)
    assert _verified(target, stamp, model) and stamp.is_file()
    target.write_bytes(data[:-1] + b"X")  # same size, corrupted, new mtime: rehashed
    assert not _verified(target, stamp, model)


def test_bad_llamacpp_model_is_a_one_line_config_error(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE)
    data["backends"]["local"]["model"] = "weights.bin"
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {path}: backends.local.model: 'weights.bin' is neither an embedded model "
        "(known: smollm2-135m-instruct) nor a path to a .gguf file"
    ]
