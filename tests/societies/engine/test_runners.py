"""A protocol kind from outside the package: its config model and its episode runner."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from agents.types import GenParams, Message
from benchmarks.base import Question, Task
from societies.config import parse_config
from societies.config.protocols import PROTOCOLS, ProtocolKindSpec
from societies.engine.build import build_runner
from societies.engine.experiment import run_experiment
from societies.engine.runner import (
    RUNNERS,
    Episode,
    EpisodeRunner,
    Member,
    Sink,
    TurnKey,
    TurnPlan,
    generation_fields,
    take_turn,
)
from societies.errors import ConfigError
from societies.transcript import AgentRecord, TurnEvent, read_transcript
from tests.helpers.configs import sim_config


class SoloSpec(ProtocolKindSpec):
    """Each agent answers alone, ``tries`` times, never seeing anyone."""

    kind: str = "solo"
    tries: int = 2


class SoloRunner(EpisodeRunner):
    def __init__(self, cfg: Any, task: Task, members: list[Member]) -> None:
        self.cfg, self.task, self.members = cfg, task, members
        self.tries = cfg.protocol.tries
        self.agents = [AgentRecord(name=m.name, trait=m.trait.name, backend=m.backend_name)
                       for m in members]  # fmt: skip
        self.edges = []
        self.rounds = [f"try{k}" for k in range(self.tries)]
        self.decision = "majority"
        self.per_episode = len(members) * self.tries

    def components(self, questions: Sequence[Question]) -> dict[str, Any]:
        return {"protocol": {"kind": "solo", "tries": self.tries}}

    async def run_episode(self, ep: Episode, done: Mapping[TurnKey, TurnEvent], sink: Sink) -> None:
        gen = generation_fields(GenParams(max_tokens=16))
        for m in self.members:
            for k in range(self.tries):
                if (m.name, k) in done:
                    continue
                plan = TurnPlan(
                    member=m, label=m.name, trait=m.trait.name, round=k, pattern="solo",
                    messages=[Message(role="user", content=ep.text)],
                    hints={**ep.hints, "trait": m.trait.name, "pattern": "initial"},
                )  # fmt: skip
                await take_turn(plan, ep, self.task, gen, self.cfg.seed, sink)


@pytest.fixture
def solo() -> Iterator[None]:
    PROTOCOLS.register("solo", SoloSpec)
    RUNNERS.register("solo", SoloRunner)
    yield
    PROTOCOLS._items.pop("solo", None)
    RUNNERS._items.pop("solo", None)


def test_a_plugin_protocol_kind_runs_end_to_end(solo: None, tmp_path: Path) -> None:
    cfg = parse_config(sim_config(protocol={"kind": "solo", "tries": 3}))
    result = run_experiment(cfg, tmp_path / "run")
    t = read_transcript(result.transcript)
    assert result.status == "complete"
    assert t.header.rounds == ["try0", "try1", "try2"]
    assert t.header.components["protocol"] == {"kind": "solo", "tries": 3}
    assert len(t.turns) == len(t.header.agents) * 3 * len(t.header.questions) * t.header.repeats
    assert {e.pattern for e in t.turns} == {"solo"}


def test_a_protocol_kind_without_a_runner_is_a_one_line_error(tmp_path: Path) -> None:
    PROTOCOLS.register("norunner", SoloSpec)
    try:
        cfg = parse_config(sim_config(protocol={"kind": "norunner"}))
        with pytest.raises(
            ConfigError,
            match=r"protocol.kind: 'norunner' has a config model but no episode runner \(runners: .*coalition.*rounds",
        ):
            build_runner(cfg, cfg.task.build(), {})
    finally:
        PROTOCOLS._items.pop("norunner", None)
