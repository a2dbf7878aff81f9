"""The experiment config models: declared once (pydantic), strictly checked."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from agents.backends import AnyBackendSpec
from agents.traits import BUILTIN_TRAITS, Trait
from benchmarks import AnyTaskSpec
from protocols.graphs import GRAPHS
from protocols.prompts import DEFAULT_SET, TaskPrompts, resolve_prompts
from protocols.strategy import parse_strategy
from societies.config.bounds import MAX_COUNT, MAX_REPEATS, MAX_ROUNDS, check_scale
from societies.config.checks import check_references
from societies.config.coalition import CoalitionSpec
from societies.config.protocols import PROTOCOLS, ProtocolKindSpec
from societies.config.strictness import bool_numbers
from sociolab.errors import ConfigError
from sociolab.registry import load_plugins
from sociolab.specs import registered

CROSS_FIELD = "cross_field"
"""The error type of a cross-field check (pydantic's ``type`` of the error)."""


EXECUTION_FIELDS = frozenset({"concurrency", "cache", "budget"})
"""Fields that only change how a run executes (a run may be resumed with other values)."""

ANALYSIS_FIELDS = frozenset({"scoring"})
"""Fields that only change how the analysis reads a transcript, never the transcript."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentSpec(_Strict):
    """One agent (or ``count`` identical agents named ``name1..nameN``)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    trait: str = "neutral"
    backend: str
    count: int = Field(1, ge=1, le=MAX_COUNT)


class GraphSpec(_Strict):
    """Who sees whom: an edge u -> v means v is shown u's replies."""

    kind: Annotated[str, AfterValidator(GRAPHS.check)] = Field(
        "complete", description="a graph kind of protocols.graphs.GRAPHS"
    )
    k: int = Field(4, ge=1, description="small-world: neighbours per agent (even)")
    p: float = Field(0.1, ge=0.0, le=1.0, description="small-world rewiring / random edge prob.")
    m: int = Field(2, ge=1, description="scale-free: edges per new agent")
    center: str | None = Field(None, description="star: the hub agent (default: the first)")
    edges: list[tuple[str, str]] | None = Field(None, description="edges: explicit [u, v] pairs")


@PROTOCOLS.register("rounds")
class ProtocolSpec(ProtocolKindSpec):
    """The rounds after the independent first answer."""

    kind: Literal["rounds"] = Field(
        "rounds", exclude=True, description="rounds of debate and reflection (the default)"
    )
    strategy: list[str] | str = Field(default_factory=lambda: ["debate", "debate"])

    @field_validator("strategy")
    @classmethod
    def _parse(cls, value: list[str] | str) -> list[str]:
        n = len(value.replace("p", "")) if isinstance(value, str) else len(value)
        if n > MAX_ROUNDS:
            raise ValueError(f"{n:,} rounds; at most {MAX_ROUNDS}")
        return parse_strategy(value)

    @property
    def rounds(self) -> list[str]:
        """Protocol names of rounds 1..R (validated)."""
        assert isinstance(self.strategy, list)
        return self.strategy


if TYPE_CHECKING:  # the engine runs these two kinds
    AnyProtocolSpec: TypeAlias = ProtocolSpec | CoalitionSpec
else:
    AnyProtocolSpec = registered(ProtocolKindSpec, PROTOCOLS, default="rounds")
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


class ScoringSpec(_Strict):
    """How the analysis scores answers (the transcript always keeps what was read).

    ``truncated``: an answer read from a reply cut at the token limit (finish
    reason ``length``) counts as it was read (``keep``, the default; the report
    warns when such replies are frequent) or as no answer (``no-answer``).
    ``sociolab report --truncated`` recomputes a report either way.
    """

    truncated: Literal["keep", "no-answer"] = "keep"


class CacheSpec(_Strict):
    """The response cache (SQLite)."""

    enabled: bool = True
    path: Path | None = Field(None, description="default: cache.sqlite in the run folder")


def absolute_prompts(value: str | dict[str, Any], base: Path | None) -> str | dict[str, Any]:
    """A ``prompts`` value with a relative set file made absolute (as ``task.path`` is)."""

    def fix(ref: str) -> str:
        if "/" in ref or ref.endswith((".yaml", ".yml")):
            path = Path(ref).expanduser()
            return str((base / path).resolve()) if base and not path.is_absolute() else str(path)
        return ref

    if isinstance(value, dict):
        base_ref = value.get("base")
        return {**value, "base": fix(base_ref)} if isinstance(base_ref, str) else value
    return fix(value)


def _loc(path: str) -> tuple[str | int, ...]:
    """``agents[0].trait`` -> ``("agents", 0, "trait")``."""
    parts = re.findall(r"\[(\d+)\]|([^.\[\]]+)", path)
    return tuple(int(index) if index else name for index, name in parts)


def _error(loc: tuple[str | int, ...], kind: str, message: str, value: Any) -> InitErrorDetails:
    return {"type": PydanticCustomError(kind, message), "loc": loc, "input": value}


DEFAULT_EPISODES_IN_FLIGHT = 16


class ExperimentConfig(_Strict):
    """A whole society experiment.

    Built from YAML or in Python, it runs the same checks: field types, the
    registries (backend and task kinds, patterns, graph kinds, ...) and the
    cross-field checks of :mod:`societies.config.checks`, raised as one
    ``ValidationError`` line each (``type`` :data:`CROSS_FIELD` for the latter).
    """

    plugins: list[str] = Field(
        default_factory=list, description="modules imported before the rest is validated"
    )
    name: str = Field(min_length=1)
    seed: int = 0
    task: AnyTaskSpec
    backends: dict[str, AnyBackendSpec] = Field(min_length=1)
    traits: list[Trait] = Field(default_factory=list, description="user-defined traits")
    agents: list[AgentSpec] = Field(min_length=1)
    graph: GraphSpec = GraphSpec()
    protocol: AnyProtocolSpec = ProtocolSpec()
    decision: str = "majority"
    prompts: str | dict[str, Any] = Field(
        DEFAULT_SET,
        description="the prompt set: a name (sociolab, machinesom, du2023), a .yaml file, "
        "or {base: name-or-file, <field>: <template>} to change fields one by one",
    )
    repeats: int = Field(1, ge=1, le=MAX_REPEATS)
    generation: GenerationSpec = GenerationSpec()
    concurrency: int | None = Field(
        None,
        ge=1,
        description="episodes in flight at once (default: enough to fill every backend's "
        "max_concurrency or n_parallel, at least 16)",
    )
    cache: CacheSpec = CacheSpec()
    budget: BudgetSpec | None = Field(None, description="stop cleanly when reached")
    scoring: ScoringSpec = ScoringSpec()
    _prompts: TaskPrompts | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _load_plugins(cls, data: Any) -> Any:
        modules = data.get("plugins") if isinstance(data, dict) else None
        errors = []
        for i, module in enumerate(modules if isinstance(modules, list) else []):
            if not isinstance(module, str):
                continue  # the field's own type check reports it
            try:
                load_plugins([module])
            except ConfigError as exc:
                errors.append(_error(("plugins", i), "plugin_failed", exc.problems[0], module))
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return data

    @field_validator("prompts")
    @classmethod
    def _absolute_prompts(
        cls, value: str | dict[str, Any], info: ValidationInfo
    ) -> str | dict[str, Any]:
        base = (info.context or {}).get("base_dir")
        return absolute_prompts(value, Path(base) if base else None)

    @model_validator(mode="wrap")
    @classmethod
    def _strict_numbers(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # pydantic reads true as 1 in a number field; a YAML boolean there is a mistake.
        cfg = handler(data)
        if isinstance(data, dict):
            errors = [
                _error(loc, CROSS_FIELD, "expected a number, got a boolean", value)
                for loc, value in bool_numbers(data, cfg)
            ]
            if errors:
                raise ValidationError.from_exception_data(cls.__name__, errors)
        return cfg

    @model_validator(mode="after")
    def _cross_field(self) -> Self:
        # What was given (as a YAML file would hold it); the checks fill in defaults.
        data = self.model_dump(mode="json", exclude_unset=True)
        if "protocol" in data:
            data["protocol"]["kind"] = self.protocol.kind  # a default kind is unset
        errors = [
            _error(_loc(path), CROSS_FIELD, message, None)
            for path, message in [*check_references(data), *check_scale(self)]
        ]
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    @model_validator(mode="after")
    def _resolve_prompts(self) -> Self:
        try:
            texts = resolve_prompts(self.prompts, self.task.name)
        except ValueError as exc:
            raise ValidationError.from_exception_data(
                type(self).__name__, [_error(("prompts",), "prompts", str(exc), self.prompts)]
            ) from None
        errors = []
        if texts.traits:
            for i, agent in enumerate(self.agents):
                if agent.trait not in texts.traits:
                    message = (
                        f"prompt set {texts.name!r} has no text for trait {agent.trait!r} "
                        f"(it has: {', '.join(sorted(texts.traits))}; or set prompts.traits)"
                    )
                    errors.append(_error(("agents", i, "trait"), CROSS_FIELD, message, None))
        if texts.opening and self.protocol.kind != "rounds":
            message = (
                f"the role-play opening of prompt set {texts.name!r} needs protocol kind rounds"
            )
            errors.append(_error(("prompts",), CROSS_FIELD, message, None))
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        self._prompts = texts
        return self

    @property
    def texts(self) -> TaskPrompts:
        """The resolved prompt set for the config's task."""
        assert self._prompts is not None  # set by validation
        return self._prompts

    def episodes_in_flight(self) -> int:
        """``concurrency``, or by default enough episodes to fill the backends (at least 16).

        Each episode in flight has at least one call in flight until it ends, so as
        many episodes as the backends take calls keep them busy; 16 feeds local batching.
        """
        if self.concurrency is not None:
            return self.concurrency
        hints = [spec.calls_in_flight() for spec in self.backends.values()]
        return max(DEFAULT_EPISODES_IN_FLIGHT, sum(h for h in hints if h is not None))

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
        skipped = EXECUTION_FIELDS | ANALYSIS_FIELDS
        shaping = {k: v for k, v in self.resolved().items() if k not in skipped}
        # The templates themselves: a set's file may change between runs.
        shaping["prompts_digest"] = self.texts.digest()
        blob = json.dumps(shaping, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
