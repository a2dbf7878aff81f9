"""Any OpenAI-compatible chat-completions endpoint, through the official ``openai`` client.

The ``openai`` package is imported when a provider is built, not with this
module, so validating a config never loads it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from agents.backends.base import BackendSpec, MalformedReply, Provider
from agents.backends.client import estimated_usage
from agents.backends.registry import register
from agents.backends.secrets import remember
from agents.errors import BackendConfigError
from agents.types import ChatRequest, Completion, Usage


class OpenAISpec(BackendSpec):
    """Config of the ``openai`` backend."""

    kind: Literal["openai"] = "openai"
    model: str
    base_url: str | None = None
    api_key_env: str | None = Field(
        None, description="name of the environment variable holding the API key"
    )
    max_concurrency: int = Field(8, ge=1, le=4096)
    requests_per_second: float | None = Field(None, gt=0)
    timeout_s: float = Field(120.0, gt=0)
    price_per_1m_prompt_tokens: float | None = Field(None, ge=0)
    price_per_1m_completion_tokens: float | None = Field(None, ge=0)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL with a host")
        if parts.username is not None or parts.password is not None:
            # Never echo it: what sits before the @ is a secret.
            raise ValueError("credentials in the URL are not allowed: use api_key_env")
        return value

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            # Never echo it: a key pasted here by mistake would end up on the screen.
            raise ValueError(
                "expected the name of an environment variable (like OPENAI_API_KEY), "
                "not the key itself"
            )
        return value

    @model_validator(mode="after")
    def _key_or_url(self) -> Self:
        if self.api_key_env is None and self.base_url is None:
            raise ValueError("set api_key_env (for the public API) or base_url")
        return self

    def calls_in_flight(self) -> int:
        """Its ``max_concurrency``: a remote API is filled by requests, not by our CPU."""
        return self.max_concurrency

    def preflight(self, name: str) -> list[str]:
        """The key's variable must be set (its value is never shown)."""
        if self.api_key_env and not os.environ.get(self.api_key_env):
            return [
                f"backends.{name}.api_key_env: environment variable {self.api_key_env!r} is not set"
            ]
        return []


def _cause(exc: BaseException) -> str:
    """The innermost reason of a connection error (``Connection refused``), on one line."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return " ".join(str(exc).split())[:200] or type(exc).__name__


log = logging.getLogger("agents.backends.openai")


@dataclass(frozen=True)
class CallRecord:
    """One call as the server reported it (attached to DEBUG log records as ``openai_call``).

    Benchmarks read these to count the prompt tokens a server actually computed.
    """

    request: ChatRequest
    completion: Completion
    prefilled_tokens: int | None
    """Prompt tokens the server computed rather than took from its prompt cache
    (llama.cpp's ``timings.prompt_n``, else the prompt minus ``cached_tokens``);
    None when the server said neither."""
    slot: int | None = None
    """The server slot the call was sent to (``llamacpp`` slot affinity), if any."""


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
PREFLIGHT_TIMEOUT_S = 10.0
"""Longest wait for the ``GET /models`` check before the first call (never retried)."""
MAX_LISTED = 8
"""Served model names shown when the configured one is not among them."""
_RETRYABLE_STATUS = {408, 409, 425, 429}
_PERMANENT_STATUS = {401, 403, 404}


@register("openai", OpenAISpec)
class OpenAIProvider(Provider):
    """Chat completions over HTTP. The API key is read from the environment, never stored."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None,
        api_key: str,
        timeout_s: float = 120.0,
        max_concurrency: int = 8,
        name: str = "openai",
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.name = name
        self._max_concurrency = max_concurrency
        import openai
        from openai.types.chat import ChatCompletion

        self._completion = ChatCompletion
        # max_retries=0: the shared wrapper owns retries.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=0
        )

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> OpenAIProvider:
        """Build from an :class:`OpenAISpec`."""
        assert isinstance(spec, OpenAISpec)
        if spec.api_key_env:
            key = os.environ.get(spec.api_key_env)
            if not key:
                raise BackendConfigError(
                    f"backends.{name}.api_key_env: environment variable "
                    f"{spec.api_key_env!r} is not set"
                )
            remember(key)
        elif spec.base_url is None:
            raise BackendConfigError(
                f"backends.{name}: set api_key_env (for the public API) or base_url"
            )
        else:
            key = "not-needed"
        return cls(
            model=spec.model,
            base_url=spec.base_url,
            api_key=key,
            timeout_s=spec.timeout_s,
            max_concurrency=spec.max_concurrency,
            name=name,
        )

    @property
    def url(self) -> str:
        """The endpoint's base URL as the client resolved it (the public API's when unset)."""
        return str(self._client.base_url).rstrip("/")

    def start_label(self) -> str:
        """The check :meth:`start` makes."""
        return f"checking {self.url}/models"

    async def start(self) -> None:
        """Check once, before the first call, that the endpoint answers and serves the model.

        One ``GET /models`` without retries, so an unreachable endpoint fails in seconds
        with its URL named. A server that has no models list (404, 405, 501) or answers
        something unreadable is given the benefit of the doubt.

        Raises:
            BackendConfigError: the endpoint cannot be reached, refuses the key, or does
                not serve the configured model.
        """
        import openai

        where = f"backends.{self.name}"
        url = f"{self.url}/models"
        client = self._client.with_options(timeout=PREFLIGHT_TIMEOUT_S, max_retries=0)
        try:
            page = await client.models.list()
            served = [m.id for m in page.data]
        except openai.APITimeoutError:
            raise BackendConfigError(
                f"{where}.base_url: {url} did not answer within {PREFLIGHT_TIMEOUT_S:g} s "
                "(is the server up and the URL right?)"
            ) from None
        except openai.APIConnectionError as exc:
            raise BackendConfigError(
                f"{where}.base_url: cannot reach {url} ({_cause(exc)}): is the server running, "
                "and is base_url right?"
            ) from None
        except openai.APIStatusError as exc:
            if exc.status_code in (401, 403):
                raise BackendConfigError(
                    f"{where}.api_key_env: {url} refused the key (HTTP {exc.status_code})"
                ) from None
            return  # no models list here: the first call will tell
        except (openai.APIError, ValueError, TypeError, AttributeError):
            return  # an answer we cannot read as a models list
        if served and self.model not in served:
            shown = ", ".join(repr(m) for m in served[:MAX_LISTED])
            more = f" and {len(served) - MAX_LISTED} more" if len(served) > MAX_LISTED else ""
            raise BackendConfigError(
                f"{where}.model: {self.model!r} is not served by {self.url} "
                f"(it serves {shown}{more})"
            )

    async def generate(self, request: ChatRequest) -> Completion:
        """One chat-completions call."""
        return await self.generate_with(request)

    async def generate_with(self, request: ChatRequest, *, slot: int | None = None) -> Completion:
        """One chat-completions call, optionally pinned to server slot ``slot`` (llama.cpp's ``id_slot``)."""
        p = request.params
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "temperature": p.temperature,
            "max_tokens": p.max_tokens,
            "top_p": p.top_p,
        }
        if p.stop:
            body["stop"] = list(p.stop)
        if p.seed is not None:
            body["seed"] = p.seed
        if slot is not None:
            body["id_slot"] = slot
        start = time.perf_counter()
        # The client's post() rather than chat.completions.create(): create() walks
        # the parameters through the SDK's type-driven transform, about 20 ms of CPU
        # per call, which dominated API-bound runs; the body here is plain JSON already.
        resp = await self._client.post("/chat/completions", cast_to=self._completion, body=body)
        latency = time.perf_counter() - start
        if not resp.choices:
            raise MalformedReply("the reply has no choices")
        choice = resp.choices[0]
        text = choice.message.content
        if text is None:
            raise MalformedReply("the reply's content is null")
        usage = resp.usage
        completion = Completion(
            text=text,
            finish_reason=choice.finish_reason or "stop",
            usage=Usage(
                prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens
            )
            if usage is not None
            else estimated_usage(request, text),
            latency_s=latency,
        )
        if log.isEnabledFor(logging.DEBUG):
            record = CallRecord(request, completion, _prefilled(resp), slot)
            log.debug("call: %.2f s", latency, extra={"openai_call": record})
        return completion

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    def identity(self) -> dict[str, Any]:
        """The endpoint and model name."""
        return {"kind": self.kind, "model": self.model, "base_url": self.base_url}

    def concurrency_key(self) -> str:
        """Calls to one endpoint share a limit."""
        return f"openai:{self.base_url}"

    def max_concurrency(self) -> int:
        """The configured limit."""
        return self._max_concurrency

    def is_retryable(self, exc: BaseException) -> bool:
        """429, 5xx, timeouts, dropped connections and unusable 200 replies are retried."""
        import openai

        if isinstance(exc, openai.APIConnectionError | MalformedReply | json.JSONDecodeError):
            return True  # APIConnectionError includes APITimeoutError
        if isinstance(exc, openai.APIResponseValidationError):
            return True
        if isinstance(exc, openai.APIStatusError):
            return exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500
        return False

    def is_permanent(self, exc: BaseException) -> bool:
        """401 (bad key), 403 (no access) and 404 (no such model or path) recur on every call."""
        import openai

        return isinstance(exc, openai.APIStatusError) and exc.status_code in _PERMANENT_STATUS

    def retry_after(self, exc: BaseException) -> float | None:
        """Seconds from a Retry-After (or retry-after-ms) header."""
        import openai

        if not isinstance(exc, openai.APIStatusError):
            return None
        headers = exc.response.headers
        try:
            if "retry-after-ms" in headers:
                return float(headers["retry-after-ms"]) / 1000.0
            if "retry-after" in headers:
                return float(headers["retry-after"])
        except ValueError:
            return None
        return None


def _prefilled(resp: Any) -> int | None:
    """Prompt tokens the server computed for ``resp``, if it said (see :class:`CallRecord`)."""
    timings = (resp.model_extra or {}).get("timings")
    if isinstance(timings, dict) and isinstance(timings.get("prompt_n"), int):
        return int(timings["prompt_n"])
    usage = resp.usage
    details = getattr(usage, "prompt_tokens_details", None) if usage is not None else None
    cached = getattr(details, "cached_tokens", None)
    if usage is not None and isinstance(cached, int):
        return int(usage.prompt_tokens) - cached
    return None
