"""How many turns a complete run of a config records, known before it runs (for progress totals)."""

from __future__ import annotations

from typing import ClassVar

from agents.backends import BackendClient
from agents.backends.base import BackendSpec, Provider
from agents.types import ChatRequest, Completion
from societies.config import ExperimentConfig
from societies.engine.build import build_runner


class _Unused(Provider):
    """Stands in for a backend the count never calls."""

    kind: ClassVar[str] = "planned"
    cacheable: ClassVar[bool] = False

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> Provider:
        """Not built from a spec."""
        raise TypeError("only used by planned_turns")

    async def generate(self, request: ChatRequest) -> Completion:
        """Never called: counting turns makes no call."""
        raise AssertionError("planned_turns makes no call")


def planned_turns(cfg: ExperimentConfig) -> int:
    """The turns a complete run of ``cfg`` records: reads the task's questions and builds its
    runner (a coalition reads its skill table), starts no backend and makes no call.

    Raises:
        TaskError, ConfigError: the task's data or the runner's inputs cannot be loaded.
    """
    task = cfg.task.build()
    questions = task.questions()
    clients = {
        name: BackendClient(name=name, provider=_Unused(), semaphore=None) for name in cfg.backends
    }
    runner = build_runner(cfg, task, clients)
    return runner.per_episode * len(questions) * cfg.repeats


__all__ = ["planned_turns"]
