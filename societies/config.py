"""The experiment config: declared once (pydantic), loaded from YAML, strictly checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from agents.backends import AnyBackendSpec
from agents.traits import BUILTIN_TRAITS, Trait
from benchmarks import AnyTaskSpec
from protocols.coalition import DEFAULT_STAGES, check_templates
from protocols.decision import DECISION_RULES
from protocols.strategy import parse_strategy
from societies.coalition_config import CoalitionSpec
from societies.config_errors import format_validation_error
from societies.errors import ConfigError
from societies.overrides import apply_overrides

GraphKind = Literal["complete", "ring", "star", "small-world", "scale-free", "random", "edges"]


_DEFAULT_TEMPLATES = [(name, prompt) for name, prompt, _ in DEFAULT_STAGES]

EXECUTION_FIELDS = frozenset({"concurrency", "cache", "budget"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentSpec(_Strict):
    """One agent (or ``count`` identical agents named ``name1..nameN``)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    trait: str = "neutral"
    backend: str
    count: int = Field(1, ge=1, le=1_000_000)


class GraphSpec(_Strict):
    """Who sees whom: an edge u -> v means v is shown u's replies."""

    kind: GraphKind = "complete"
    k: int = Field(4, ge=1, description="small-world: neighbours per agent (even)")
    p: float = Field(0.1, ge=0.0, le=1.0, description="small-world rewiring / random edge prob.")
    m: int = Field(2, ge=1, description="scale-free: edges per new agent")
    center: str | None = Field(None, description="star: the hub agent (default: the first)")
    edges: list[tuple[str, str]] | None = Field(None, description="edges: explicit [u, v] pairs")


class ProtocolSpec(_Strict):
    """The rounds after the independent first answer."""

    kind: Literal["rounds"] = Field(
        "rounds", exclude=True, description="rounds of debate and reflection (the default)"
    )
    strategy: list[str] | str = Field(default_factory=lambda: ["debate", "debate"])

    @field_validator("strategy")
    @classmethod
    def _parse(cls, value: list[str] | str) -> list[str]:
        return parse_strategy(value)

    @property
    def rounds(self) -> list[str]:
        """Protocol names of rounds 1..R (validated)."""
        assert isinstance(self.strategy, list)
        return self.strategy


def _protocol_kind(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("kind", "rounds"))
    return str(getattr(value, "kind", "rounds"))


AnyProtocolSpec = Annotated[
    Annotated[ProtocolSpec, Tag("rounds")] | Annotated[CoalitionSpec, Tag("coalition")],
    Discriminator(_protocol_kind),
]
"""Rounds of debate/reflection (``{strategy: ...}``) or a coalition (``{kind: coalition, ...}``)."""


class BudgetSpec(_Strict):
    """Limits on what a run may spend; the run stops cleanly when one is reached.

    Only calls actually made count (cache hits are free). A stopped run ends with
    status ``budget`` and can be resumed with a higher budget.
    """

    max_tokens: int | None = Field(None, ge=1, description="prompt + completion tokens")
    max_cost_usd: float | None = Field(
        None, gt=0.0, description="cost from the backends' price_per_1m_* fields"
    )


class GenerationSpec(_Strict):
    """Generation parameters for every turn (the seed is derived per turn)."""

    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(256, ge=1, le=32768)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    stop: list[str] = Field(default_factory=list)


class CacheSpec(_Strict):
    """The response cache (SQLite)."""

    enabled: bool = True
    path: Path | None = Field(None, description="default: cache.sqlite in the run folder")


class ExperimentConfig(_Strict):
    """A whole society experiment."""

    name: str = Field(min_length=1)
    seed: int = 0
    task: AnyTaskSpec
    backends: dict[str, AnyBackendSpec] = Field(min_length=1)
    traits: list[Trait] = Field(default_factory=list, description="user-defined traits")
    agents: list[AgentSpec] = Field(min_length=1)
    graph: GraphSpec = GraphSpec()
    protocol: AnyProtocolSpec = ProtocolSpec()
    decision: str = "majority"
    repeats: int = Field(1, ge=1)
    generation: GenerationSpec = GenerationSpec()
    concurrency: int = Field(16, ge=1, description="episodes in flight at once")
    cache: CacheSpec = CacheSpec()
    budget: BudgetSpec | None = Field(None, description="stop cleanly when reached")

    def all_traits(self) -> dict[str, Trait]:
        """Built-in traits plus the config's own (which may override them)."""
        return {**BUILTIN_TRAITS, **{t.name: t for t in self.traits}}

    def agent_list(self) -> list[tuple[str, str, str]]:
        """(name, trait, backend) of every agent, ``count`` expanded."""
        out = []
        for a in self.agents:
            if a.count == 1:
                out.append((a.name, a.trait, a.backend))
            else:
                out += [(f"{a.name}{i + 1}", a.trait, a.backend) for i in range(a.count)]
        return out

    def resolved(self) -> dict[str, Any]:
        """The full config with every default filled in (JSON-ready)."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """A hash of the settings that shape results (resume checks it).

        ``concurrency`` and ``cache`` only change how a run executes, so a run may
        be resumed with other values.
        """
        shaping = {k: v for k, v in self.resolved().items() if k not in EXECUTION_FIELDS}
        blob = json.dumps(shaping, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _expanded_names(agents: list[Any]) -> list[str]:
    names: list[str] = []
    for a in agents:
        if isinstance(a, dict) and isinstance(a.get("name"), str):
            count = a.get("count", 1)
            n = count if isinstance(count, int) and count > 0 else 1
            names += [a["name"]] if n == 1 else [f"{a['name']}{i + 1}" for i in range(n)]
    return names


def check_references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Cross-field checks pydantic cannot express, on the raw data.

    They run even when other fields are invalid, so that every problem is
    reported at once. Returns (path, message) per problem.
    """
    problems: list[tuple[str, str]] = []
    user_traits = [t.get("name") for t in data.get("traits") or [] if isinstance(t, dict)]
    traits = [*BUILTIN_TRAITS, *(t for t in user_traits if t not in BUILTIN_TRAITS)]
    raw_backends, raw_agents = data.get("backends"), data.get("agents")
    backends: dict[str, Any] = raw_backends if isinstance(raw_backends, dict) else {}
    agents: list[Any] = raw_agents if isinstance(raw_agents, list) else []
    for i, a in enumerate(agents):
        if not isinstance(a, dict):
            continue
        trait = a.get("trait", "neutral")
        if isinstance(trait, str) and trait not in traits:
            problems.append(
                (
                    f"agents[{i}].trait",
                    f"unknown trait {trait!r} (known: {', '.join(map(str, traits))})",
                )
            )
        backend = a.get("backend")
        if isinstance(backend, str) and backend not in backends:
            known = ", ".join(map(str, backends))
            problems.append(
                (f"agents[{i}].backend", f"unknown backend {backend!r} (known: {known})")
            )
    names = _expanded_names(agents)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(("agents", f"duplicate agent name {name!r}"))
        seen.add(name)
    decision = data.get("decision", "majority")
    raw_protocol = data.get("protocol")
    coalition = isinstance(raw_protocol, dict) and raw_protocol.get("kind") == "coalition"
    society_rules = [r for r in DECISION_RULES if r != "first"]  # 'first' is a coalition's
    if isinstance(decision, str) and not coalition and decision not in society_rules:
        problems.append(
            ("decision", f"unknown rule {decision!r} (known: {', '.join(society_rules)})")
        )
    raw_graph = data.get("graph")
    g: dict[str, Any] = raw_graph if isinstance(raw_graph, dict) else {}
    edges = g.get("edges")
    if g.get("kind") == "edges" and not edges:
        problems.append(("graph.edges", "kind 'edges' needs a list of [u, v] pairs"))
    if edges and g.get("kind", "complete") != "edges":
        problems.append(
            ("graph.edges", f"only used with kind 'edges' (kind is {g.get('kind', 'complete')!r})")
        )
    for j, edge in enumerate(edges if isinstance(edges, list) else []):
        for end in edge if isinstance(edge, list | tuple) else []:
            if end not in seen:
                problems.append((f"graph.edges[{j}]", f"unknown agent {end!r}"))
    center = g.get("center")
    if center is not None and center not in seen:
        problems.append(("graph.center", f"unknown agent {center!r} (known: {', '.join(names)})"))
    if coalition:
        assert isinstance(raw_protocol, dict)
        problems += check_coalition(raw_protocol, names, data)
    return problems


def check_coalition(
    protocol: dict[str, Any], names: list[str], data: dict[str, Any]
) -> list[tuple[str, str]]:
    """Cross-field checks of a coalition protocol, on the raw data."""
    problems: list[tuple[str, str]] = []
    known = ", ".join(names)
    raw_members = protocol.get("members")
    members = names
    if isinstance(raw_members, list):
        members = [m for m in raw_members if isinstance(m, str)]
        for i, m in enumerate(raw_members):
            if isinstance(m, str) and m not in names:
                problems.append((f"protocol.members[{i}]", f"unknown agent {m!r} (known: {known})"))
        if len(set(members)) != len(members):
            problems.append(("protocol.members", "a member is listed twice"))
    raw_stages = protocol.get("stages")
    stage_names = [s for s, _ in _DEFAULT_TEMPLATES]
    if isinstance(raw_stages, list):
        pairs = [
            (str(st.get("name")), str(st.get("prompt")))
            for st in raw_stages
            if isinstance(st, dict) and isinstance(st.get("prompt"), str)
        ]
        if len(pairs) == len(raw_stages):
            for i, msg in check_templates(pairs):
                problems.append((f"protocol.stages[{i}].prompt", msg))
        stage_names = [str(st.get("name")) for st in raw_stages if isinstance(st, dict)]
    routing = protocol.get("routing")
    skills = routing.get("skills") if isinstance(routing, dict) else None
    for i, entry in enumerate(skills if isinstance(skills, list) else []):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("member"), str) and entry["member"] not in members:
            problems.append(
                (
                    f"protocol.routing.skills[{i}].member",
                    f"{entry['member']!r} is not a member (members: {', '.join(members)})",
                )
            )
        if isinstance(entry.get("stage"), str) and entry["stage"] not in stage_names:
            problems.append(
                (
                    f"protocol.routing.skills[{i}].stage",
                    f"unknown stage {entry['stage']!r} (stages: {', '.join(stage_names)})",
                )
            )
    calibration = protocol.get("calibration")
    ref = calibration.get("reference") if isinstance(calibration, dict) else None
    if isinstance(ref, str) and ref not in members:
        problems.append(
            (
                "protocol.calibration.reference",
                f"{ref!r} is not a member (members: {', '.join(members)})",
            )
        )
    decision = data.get("decision")
    if decision is not None and decision != "first":
        problems.append(
            (
                "decision",
                f"a coalition answers with its own pipeline: remove decision (got {decision!r}) "
                "or set it to 'first'",
            )
        )
    return problems


def parse_config(
    data: Any, *, source: str = "<config>", base_dir: Path | None = None
) -> ExperimentConfig:
    """Validate config data (already parsed from YAML).

    Raises:
        ConfigError: with one ``source: path: message`` line per problem.
    """
    lines: list[str] = []
    cfg: ExperimentConfig | None = None
    try:
        cfg = ExperimentConfig.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        lines += format_validation_error(exc, data, ExperimentConfig, source)
    if isinstance(data, dict):
        lines += [f"{source}: {path}: {msg}" for path, msg in check_references(data)]
    if lines or cfg is None:
        raise ConfigError(lines or [f"{source}: expected a mapping of config fields"])
    return cfg


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise ConfigError(
            [f"{path}: {where}: invalid YAML: {getattr(exc, 'problem', exc)}"]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of config fields at the top level"])
    return data


def load_config(path: Path | str, overrides: Sequence[str] = ()) -> ExperimentConfig:
    """Read and validate a YAML config file; relative paths in it resolve against its folder.

    Args:
        path: the YAML file.
        overrides: ``key=value`` strings applied first (see :func:`apply_overrides`).
    """
    path = Path(path)
    data = apply_overrides(read_yaml(path), overrides)
    return parse_config(data, source=str(path), base_dir=path.resolve().parent)
