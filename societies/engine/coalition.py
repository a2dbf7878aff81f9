"""The coalition stage runner: each question goes through the stages, each routed to a member.

A coalition run records, per episode, the coalition's own pipeline as the agent
``coalition`` (its turns carry the routing decision in ``route``) and, when
``compare_members`` is on, each member's pipeline alone as that member's agent.
Each stage is a fresh two-message call (the member's system prompt and the
stage's filled template), and its seed is keyed by (question, repeat, member,
stage): when the coalition routes the first stages to the member a solo
pipeline uses, their calls are identical and the response cache (and the
in-flight sharing of :mod:`societies.engine.clients`) makes them once.

The society's answer is the coalition's (decision rule ``first``); the report
compares it with each member alone (:mod:`societies.analysis.coalition`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from agents.types import ChatRequest, GenParams
from benchmarks.base import Question, Task
from protocols import prompts
from protocols.coalition import ALL, RouteDecision, Skill, SkillTable, route, stage_messages
from societies.config.coalition import CoalitionSpec, SkillEntry
from societies.engine.rounds import Episode, Member, TurnKey, first_error, reply_fields
from societies.engine.seeds import turn_seed
from societies.errors import ConfigError, RunError
from societies.transcript import AgentRecord, RouteRecord, TurnEvent

COALITION = "coalition"
"""The agent name (and trait) under which the coalition's own pipeline is recorded."""

TABLE_FORMAT = "sociolab-skills/1"

_ENTRIES: TypeAdapter[list[SkillEntry]] = TypeAdapter(list[SkillEntry])


@dataclass(frozen=True)
class LoadedTable:
    """The skill table in use: entries, where they came from, and a digest of them."""

    entries: list[SkillEntry]
    source: str | None
    digest: str

    @property
    def table(self) -> SkillTable:
        """The entries as a :class:`SkillTable`."""
        return SkillTable(
            (e.member, e.stage, e.category, Skill(e.accuracy, e.tokens, e.n)) for e in self.entries
        )


def _digest(entries: Sequence[SkillEntry]) -> str:
    blob = json.dumps([e.model_dump(mode="json") for e in entries], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def read_table_file(path: Path) -> list[SkillEntry]:
    """The entries of a skill-table file (JSON or YAML: ``{entries: [...]}`` or a list).

    Raises:
        ConfigError: the file is missing (with the calibrate hint) or malformed.
    """
    where = "protocol.routing.table"
    if not path.exists():
        raise ConfigError(
            [
                f"{where}: {path} does not exist: measure the members with "
                "`sociolab calibrate CONFIG` (it writes this file)"
            ]
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"{where}: {path}: cannot read: {exc}"]) from None
    raw = data.get("entries") if isinstance(data, dict) else data
    try:
        return _ENTRIES.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError([f"{path}: entries.{loc}: {first['msg']}"]) from None


def load_table(spec: CoalitionSpec) -> LoadedTable:
    """The table file's entries (if any) overridden by the inline ``skills``.

    Raises:
        ConfigError: the table file is missing or malformed.
    """
    entries: dict[tuple[str, str, str], SkillEntry] = {}
    path = spec.routing.table
    if path is not None:
        for e in read_table_file(path):
            entries[(e.member, e.stage, e.category)] = e
    for e in spec.routing.skills:
        entries[(e.member, e.stage, e.category)] = e
    merged = [entries[k] for k in sorted(entries)]
    return LoadedTable(merged, str(path) if path else None, _digest(merged))


def write_table_file(path: Path, entries: Sequence[SkillEntry], meta: Mapping[str, Any]) -> None:
    """Write a skill table (JSON) that ``protocol.routing.table`` can reference."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "format": TABLE_FORMAT,
        **meta,
        "entries": [e.model_dump(mode="json") for e in entries],
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def category_of(task: Task, question: Question, how: str) -> str:
    """A question's routing category: the task's (``task``), one category (``none``), or a metadata key."""
    if how == "task":
        return task.category(question)
    if how == "none":
        return ALL
    value = question.metadata.get(how)
    return str(value) if value not in (None, "") else ALL


Sink = Callable[[TurnEvent], None]
Assignment = Sequence[tuple[Member, RouteDecision | None]]
"""Per stage: the member that handles it, and the routing decision (coalition only)."""


class CoalitionRunner:
    """Runs the stages of each episode for the coalition and, optionally, each member alone.

    Args:
        spec: the coalition protocol.
        task: the task (formatting, extraction, scoring, categories).
        members: the coalition's members, in config order.
        gen: generation parameters (each call gets its own seed).
        seed: the config seed.
        table: the skill table in use.
    """

    def __init__(
        self,
        spec: CoalitionSpec,
        task: Task,
        members: Sequence[Member],
        gen: GenParams,
        seed: int,
        table: LoadedTable,
    ) -> None:
        self.spec = spec
        self.task = task
        self.members = list(members)
        self.gen = gen
        self.seed = seed
        self.loaded = table
        self.table = table.table
        self._routes: dict[tuple[str, str], RouteDecision] = {}
        self.pipelines = [COALITION] + (
            [m.name for m in self.members] if spec.compare_members else []
        )

    # -- what the header records -------------------------------------------------------

    @property
    def rounds(self) -> list[str]:
        """The stage names (one 'round' per stage)."""
        return self.spec.stage_names

    @property
    def turns_per_episode(self) -> int:
        """Stages x pipelines."""
        return len(self.spec.stages) * len(self.pipelines)

    def agents(self) -> list[AgentRecord]:
        """The coalition first, then each member (when run alone)."""
        backends = sorted({m.backend_name for m in self.members})
        out = [AgentRecord(name=COALITION, trait=COALITION, backend="+".join(backends))]
        if self.spec.compare_members:
            out += [
                AgentRecord(name=m.name, trait=m.trait.name, backend=m.backend_name)
                for m in self.members
            ]
        return out

    def components(self, questions: Sequence[Question]) -> dict[str, Any]:
        """The protocol and the routing (policy, the table in use, the plan per stage and category)."""
        categories = sorted({self.category(q) for q in questions})
        plan = [
            {
                "stage": d.stage,
                "category": d.category,
                "member": d.member,
                "accuracy": d.accuracy,
                "tokens": d.tokens,
                "reason": d.reason,
            }
            for c in categories
            for s in self.rounds
            for d in [self.route(s, c)]
        ]
        r = self.spec.routing
        return {
            "protocol": {
                "kind": COALITION,
                "stages": [s.model_dump(mode="json") for s in self.spec.stages],
                "members": [m.name for m in self.members],
                "compare_members": self.spec.compare_members,
            },
            "routing": {
                "policy": r.policy,
                "margin": r.margin,
                "category": r.category,
                "table": self.loaded.source,
                "table_digest": self.loaded.digest,
                "skills": [e.model_dump(mode="json") for e in self.loaded.entries],
                "plan": plan,
            },
        }

    def check_resume(self, components: Mapping[str, Any]) -> None:
        """Refuse to resume a run whose skill table has changed since it started.

        Raises:
            RunError: the recorded table digest differs from the current one.
        """
        recorded = (components.get("routing") or {}).get("table_digest")
        if recorded is not None and recorded != self.loaded.digest:
            raise RunError(
                f"the skill table changed since this run started (digest {recorded}, now "
                f"{self.loaded.digest}): --resume needs the same routing; start a new run"
            )

    # -- routing --------------------------------------------------------------------------

    def category(self, question: Question) -> str:
        """The question's routing category."""
        return category_of(self.task, question, self.spec.routing.category)

    def route(self, stage: str, category: str) -> RouteDecision:
        """The member for ``stage`` on ``category`` (decided once, then remembered)."""
        key = (stage, category)
        if key not in self._routes:
            r = self.spec.routing
            self._routes[key] = route(
                self.table, stage, category, [m.name for m in self.members], r.policy, r.margin
            )
        return self._routes[key]

    def coalition_assignment(self, question: Question) -> Assignment:
        """The routed member of every stage for this question."""
        by_name = {m.name: m for m in self.members}
        category = self.category(question)
        out = []
        for stage in self.rounds:
            d = self.route(stage, category)
            out.append((by_name[d.member], d))
        return out

    # -- running --------------------------------------------------------------------------

    async def run_episode(self, ep: Episode, done: Mapping[TurnKey, TurnEvent], sink: Sink) -> None:
        """Run every pipeline of one episode; recorded turns (resume) are not generated again."""
        jobs: list[tuple[str, Assignment, str | None]] = [
            (COALITION, self.coalition_assignment(ep.question), COALITION)
        ]
        if self.spec.compare_members:
            jobs += [(m.name, [(m, None)] * len(self.rounds), None) for m in self.members]
        try:
            async with asyncio.TaskGroup() as tg:
                for label, assignment, trait in jobs:
                    tg.create_task(self.run_pipeline(ep, label, assignment, done, sink, trait))
        except BaseExceptionGroup as group:
            raise first_error(group) from None

    async def run_pipeline(
        self,
        ep: Episode,
        label: str,
        assignment: Assignment,
        done: Mapping[TurnKey, TurnEvent],
        sink: Sink,
        trait: str | None = None,
    ) -> str | None:
        """Run the stages in order with the given members; returns the last stage's answer.

        Args:
            ep: the episode.
            label: the agent name the turns are recorded under.
            assignment: per stage, the member and (for the coalition) its routing decision.
            done: turns already recorded, by (agent, round).
            sink: receives each new turn as soon as it completes.
            trait: the trait recorded on the turns (default: the member's).
        """
        passed: dict[str, str] = {}
        answer: str | None = None
        for k, (stage, (member, decision)) in enumerate(
            zip(self.spec.stages, assignment, strict=True)
        ):
            role = prompts.ROLE.format(role=ep.question.role) if ep.question.role else ""
            system = prompts.SYSTEM.format(trait=member.trait.prompt, role=role)
            values = {"question": ep.text, "instructions": self.task.instructions, **passed}
            messages = stage_messages(system, stage.prompt, values)
            recorded = done.get((label, k))
            if recorded is not None:
                reply, answer = recorded.reply, recorded.answer
            else:
                seed = turn_seed(self.seed, ep.question.id, ep.repeat, member.name, k)
                hints = {
                    **ep.hints,
                    "agent": member.name,
                    "trait": member.trait.name,
                    "round": k,
                    "pattern": stage.name,
                    "own_answer": None,
                    "neighbour_answers": [],
                }
                params = self.gen.model_copy(update={"seed": seed})
                completion = await member.client.complete(
                    ChatRequest(messages=tuple(messages), params=params, hints=hints)
                )
                fields = reply_fields(
                    self.task, ep.question, completion, seed=seed, backend=member.backend_name
                )
                reply, answer = completion.text, fields["answer"]
                sink(
                    TurnEvent(
                        episode=ep.index,
                        question_id=ep.question.id,
                        repeat=ep.repeat,
                        agent=label,
                        trait=trait or member.trait.name,
                        round=k,
                        pattern=stage.name,
                        peers=[],
                        messages=messages,
                        **fields,
                        route=None
                        if decision is None
                        else RouteRecord(
                            member=member.name,
                            category=decision.category,
                            policy=decision.policy,
                            accuracy=decision.accuracy,
                            tokens=decision.tokens,
                            reason=decision.reason,
                        ),
                    )
                )
            if stage.passes == "reply":
                passed[stage.name] = reply
            elif stage.passes == "answer":
                passed[stage.name] = answer if answer is not None else "(no answer)"
            else:
                passed[stage.name] = ""
        return answer


def members_of(spec: CoalitionSpec, agents: Sequence[Member]) -> list[Member]:
    """The coalition's members (``spec.members``, default every agent), in that order."""
    if spec.members is None:
        return list(agents)
    by_name = {m.name: m for m in agents}
    return [by_name[n] for n in spec.members]


__all__ = [
    "COALITION",
    "TABLE_FORMAT",
    "Assignment",
    "CoalitionRunner",
    "LoadedTable",
    "category_of",
    "load_table",
    "members_of",
    "read_table_file",
    "write_table_file",
]
