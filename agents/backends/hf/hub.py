"""Whether a hub model id can be loaded, found out in seconds rather than after minutes of retries.

transformers retries an unreachable hub for minutes before it gives up, and with
``HF_HUB_OFFLINE=1`` it fails only once the model is being loaded. Both are
checked here first: the local HuggingFace cache without any network, then (online
only) one request to the hub, never retried.
"""

from __future__ import annotations

import importlib.util
import os

from agents.errors import BackendConfigError

PROBE_TIMEOUT_S = 5.0
"""Longest wait for the hub's answer about a model id."""

_TRUE = {"1", "on", "yes", "true"}


def offline() -> bool:
    """Whether downloads from the hub are switched off (``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``)."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    if value.strip().lower() in _TRUE:
        return True
    if importlib.util.find_spec("huggingface_hub") is None:
        return False
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)  # read at its import, which may predate a change


def is_cached(repo: str, revision: str | None) -> bool:
    """Whether the local HuggingFace cache holds this model's ``config.json`` (no network)."""
    if importlib.util.find_spec("huggingface_hub") is None:
        return False
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo, "config.json", revision=revision)
    return isinstance(found, str)


def offline_problem(repo: str, revision: str | None, *, name: str) -> str | None:
    """Why this hub id cannot load offline, or None (online, or already in the local cache)."""
    if not offline() or is_cached(repo, revision):
        return None
    at = f" at revision {revision!r}" if revision else ""
    return (
        f"backends.{name}.model: hub id {repo!r}{at} is not in the local HuggingFace cache and "
        "HF_HUB_OFFLINE=1 forbids downloading it: download it once while online "
        f"(`hf download {repo}`), point model at a local folder, or unset HF_HUB_OFFLINE"
    )


def check_hub_model(repo: str, revision: str | None, *, name: str) -> None:
    """Make sure the model can be loaded: cached, or the hub answers that it exists.

    Raises:
        BackendConfigError: offline and not cached; the hub cannot be reached; or the
            hub says there is no such model (or it needs a token).
    """
    if is_cached(repo, revision):
        return
    problem = offline_problem(repo, revision, name=name)
    if problem is not None:
        raise BackendConfigError(problem)
    from huggingface_hub import constants, get_session
    from huggingface_hub.utils._headers import build_hf_headers

    url = f"{constants.ENDPOINT}/api/models/{repo}/revision/{revision or 'main'}"
    where = f"backends.{name}.model"
    try:
        status = get_session().get(url, headers=build_hf_headers(), timeout=PROBE_TIMEOUT_S)
    except Exception as exc:  # any transport failure means the same to the user
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise BackendConfigError(
            f"{where}: hub id {repo!r} is not in the local HuggingFace cache and "
            f"{constants.ENDPOINT} cannot be reached ({reason}): connect, or download it "
            "elsewhere and point model at the folder"
        ) from None
    if status.status_code in (401, 403):
        raise BackendConfigError(
            f"{where}: {constants.ENDPOINT} refuses {repo!r} (HTTP {status.status_code}): a gated "
            "or private model needs HF_TOKEN with access to it"
        )
    if status.status_code == 404:
        at = f" at revision {revision!r}" if revision else ""
        raise BackendConfigError(
            f"{where}: {constants.ENDPOINT} has no model {repo!r}{at} "
            "(a private one needs HF_TOKEN)"
        )


__all__ = ["PROBE_TIMEOUT_S", "check_hub_model", "is_cached", "offline", "offline_problem"]
