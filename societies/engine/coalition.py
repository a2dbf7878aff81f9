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

from collections.abc import Mapping, Sequence
from typing import Any

from agents.types import GenParams
from benchmarks.base import Question, Task
from protocols.coalition import ALL, RouteDecision, route, stage_messages
from protocols.prompts import TaskPrompts, default_prompts, system_text
from societies.config.coalition import CoalitionSpec, StageSpec
from societies.engine.runner import (
    Episode,
    EpisodeRunner,
    Member,
    Sink,
    TurnKey,
    TurnPlan,
    generation_fields,
    settle,
    take_turn,
)
from societies.engine.skills import LoadedTable
from societies.errors import RunError
from societies.transcript import COALITION, AgentRecord, RouteRecord, TurnEvent


def category_of(task: Task, question: Question, how: str) -> str:
    """A question's routing category: the task's (``task``), one category (``none``), or a metadata key."""
    if how == "task":
        return task.category(question)
    if how == "none":
        return ALL
    value = question.metadata.get(how)
    return str(value) if value not in (None, "") else ALL


Assignment = Sequence[tuple[Member, RouteDecision | None]]
"""Per stage: the member that handles it, and the routing decision (coalition only)."""


class CoalitionRunner(EpisodeRunner):
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
        texts: TaskPrompts | None = None,
        instructions: str | None = None,
    ) -> None:
        self.spec = spec
        self.task = task
        self.texts = texts if texts is not None else default_prompts()
        self.instructions = instructions if instructions is not None else task.instructions
        self.members = list(members)
        self.gen = generation_fields(gen)
        self.seed = seed
        self.loaded = table
        self.table = table.table
        self._routes: dict[tuple[str, str], RouteDecision] = {}
        self.pipelines = [COALITION] + (
            [m.name for m in self.members] if spec.compare_members else []
        )
        self.agents = self._agent_records()
        self.edges = []
        self.rounds = spec.stage_names
        self.decision = "first"
        self.per_episode = len(spec.stages) * len(self.pipelines)

    # -- what the header records -------------------------------------------------------

    def _agent_records(self) -> list[AgentRecord]:
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
        # Not a TaskGroup: a failed pipeline must not cancel the others' calls in flight.
        await settle(
            [
                self.run_pipeline(ep, label, assignment, done, sink, trait)
                for label, assignment, trait in jobs
            ]
        )

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
            turn = done.get((label, k))
            if turn is None:
                plan = self._plan(ep, k, stage, member, decision, label, trait, passed)
                turn = await take_turn(plan, ep, self.task, self.gen, self.seed, sink)
            answer = turn.answer
            passed[stage.name] = _passed(stage, turn)
        return answer

    def _plan(
        self,
        ep: Episode,
        k: int,
        stage: StageSpec,
        member: Member,
        decision: RouteDecision | None,
        label: str,
        trait: str | None,
        passed: Mapping[str, str],
    ) -> TurnPlan:
        """The call for stage ``k``: the member's system prompt and the stage's filled template."""
        system = system_text(self.texts, member.trait.name, member.trait.prompt, ep.question.role)
        values = {"question": ep.text, "instructions": self.instructions, **passed}
        hints = {
            **ep.hints,
            "agent": member.name,
            "trait": member.trait.name,
            "round": k,
            "pattern": stage.name,
            "own_answer": None,
            "neighbour_answers": [],
        }
        return TurnPlan(
            member=member,
            label=label,
            trait=trait or member.trait.name,
            round=k,
            pattern=stage.name,
            messages=stage_messages(system, stage.prompt, values),
            hints=hints,
            route=None if decision is None else _route_record(member, decision),
        )


def _route_record(member: Member, d: RouteDecision) -> RouteRecord:
    return RouteRecord(
        member=member.name,
        category=d.category,
        policy=d.policy,
        accuracy=d.accuracy,
        tokens=d.tokens,
        reason=d.reason,
    )


def _passed(stage: StageSpec, turn: TurnEvent) -> str:
    """What a stage hands to the later stages' templates."""
    if stage.passes == "reply":
        return turn.reply
    if stage.passes == "answer":
        return turn.answer if turn.answer is not None else "(no answer)"
    return ""


def members_of(spec: CoalitionSpec, agents: Sequence[Member]) -> list[Member]:
    """The coalition's members (``spec.members``, default every agent), in that order."""
    if spec.members is None:
        return list(agents)
    by_name = {m.name: m for m in agents}
    return [by_name[n] for n in spec.members]


__all__ = ["COALITION", "Assignment", "CoalitionRunner", "category_of", "members_of"]
