"""Backends: one module per provider, plus the shared wrapper and cache.

Importing this package registers the built-in providers: ``openai``,
``llamacpp``, ``hf`` (torch and transformers are imported only when a model
loads), ``ensemble`` (several ``hf`` models as one) and ``scripted`` (a
simulation for tests and scale runs).
"""

from agents.backends.base import BackendSpec, Provider, RetrySpec
from agents.backends.cache import CACHE_VERSION, ResponseCache, cache_key, simulation_key
from agents.backends.client import BackendClient, UsageTotals
from agents.backends.ensemble.provider import EnsembleProvider, EnsembleSpec
from agents.backends.hf.provider import HFProvider, HFSpec
from agents.backends.llamacpp.provider import LlamaCppProvider, LlamaCppSpec
from agents.backends.openai import OpenAIProvider, OpenAISpec
from agents.backends.registry import BACKENDS, PROVIDERS, create_provider, register, require
from agents.backends.scripted import ScriptedProvider, ScriptedSpec
from agents.types import ChatRequest, Completion, GenParams, Message, Usage

__all__ = [
    "BACKENDS",
    "CACHE_VERSION",
    "PROVIDERS",
    "BackendClient",
    "BackendSpec",
    "ChatRequest",
    "Completion",
    "EnsembleProvider",
    "EnsembleSpec",
    "GenParams",
    "HFProvider",
    "HFSpec",
    "LlamaCppProvider",
    "LlamaCppSpec",
    "Message",
    "OpenAIProvider",
    "OpenAISpec",
    "Provider",
    "ResponseCache",
    "RetrySpec",
    "ScriptedProvider",
    "ScriptedSpec",
    "Usage",
    "UsageTotals",
    "cache_key",
    "create_provider",
    "register",
    "require",
    "simulation_key",
]

from typing import TYPE_CHECKING, TypeAlias

from sociolab.specs import registered

if TYPE_CHECKING:
    AnyBackendSpec: TypeAlias = BackendSpec
else:
    AnyBackendSpec = registered(BackendSpec, BACKENDS, model_of=lambda p: p.spec_class)
"""The config model of any registered backend (plugins included), selected by its ``kind``."""

__all__ += ["AnyBackendSpec"]
