"""The malformed-input corpus: configs, sweeps and ``--set`` values that must each fail cleanly.

Every case is run through the real CLI (see :mod:`tests.reliability.runner`) and must
end with exit status 2, at most :data:`MAX_LINES` lines, no traceback, and a message
naming what is wrong (``expect``: substrings, compared case-insensitively).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.configs import sim_config

MAX_LINES = 6
"""Most lines of output a rejected input may print."""

CFG = "cfg.yaml"
SWEEP = "sweep.yaml"

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One malformed input.

    Attributes:
        id: a short unique name.
        argv: the command line after ``sociolab`` (run in the case's own folder).
        files: file name -> content written into that folder first.
        expect: substrings the output must contain (case-insensitive).
        setup: extra preparation of the folder (a FIFO, a permission change, ...).
        env: environment variables set for the case (None: removed).
        root_skips: whether the case means nothing when run as root (permissions).
    """

    id: str
    argv: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    expect: tuple[str, ...] = ()
    setup: Setup | None = None
    env: dict[str, str | None] = field(default_factory=dict)
    root_skips: bool = False


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def _with(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of the base config with the dotted ``path`` set (a ``None`` value deletes it)."""
    data = copy.deepcopy(base if base is not None else sim_config())
    node: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif value is None:
        node.pop(last, None)
    else:
        node[last] = value
    return data


def config_case(
    id: str, data: dict[str, Any] | str | bytes, *expect: str, command: str = "validate", **kw: Any
) -> Case:
    """A config file checked with ``sociolab COMMAND cfg.yaml``."""
    text = data if isinstance(data, str | bytes) else _dump(data)
    extra = ["--dry-run"] if command == "dry-run" else []
    argv = ["run" if command == "dry-run" else command, CFG, *extra]
    files: dict[str, str | bytes] = {} if text == "" and "setup" in kw else {CFG: text}
    return Case(id, argv, files, expect, **kw)


def field_case(id: str, path: str, value: Any, *expect: str, **kw: Any) -> Case:
    """The base config with one field changed; the field path is expected in the message."""
    return config_case(id, _with(path, value), *(expect or (path,)), **kw)


def set_case(id: str, override: str, *expect: str, command: str = "validate") -> Case:
    """A valid config with one bad ``--set``."""
    return Case(id, [command, CFG, "--set", override], {CFG: _dump(sim_config())}, expect)


def sweep_case(id: str, sweep: dict[str, Any] | str, *expect: str, **kw: Any) -> Case:
    """A sweep file (its base inline unless given) checked with ``sociolab validate``."""
    text = sweep if isinstance(sweep, str) else _dump({"name": "s", "base": sim_config(), **sweep})
    files: dict[str, str | bytes] = {SWEEP: text, **kw.pop("files", {})}
    return Case(id, ["validate", SWEEP], files, expect, **kw)


# --- special files -------------------------------------------------------------------


def _fifo(tmp: Path) -> None:
    os.mkfifo(tmp / CFG)


def _dev_zero(tmp: Path) -> None:
    (tmp / CFG).symlink_to("/dev/zero")


def _dir(tmp: Path) -> None:
    (tmp / CFG).mkdir()


def _huge(tmp: Path) -> None:
    with (tmp / CFG).open("w") as fh:
        fh.write(_dump(sim_config()))
        fh.write(("# " + "x" * 1022 + "\n") * 3 * 1024)  # 3 MiB of comments


def _unreadable(tmp: Path) -> None:
    (tmp / CFG).write_text(_dump(sim_config()))
    (tmp / CFG).chmod(0)


def _unreadable_task(tmp: Path) -> None:
    (tmp / "q.jsonl").write_text('{"id": "1", "question": "2+2?", "answer": "4"}\n')
    (tmp / "q.jsonl").chmod(0)


def _fifo_task(tmp: Path) -> None:
    os.mkfifo(tmp / "q.jsonl")


def _dev_zero_task(tmp: Path) -> None:
    (tmp / "z.jsonl").symlink_to("/dev/zero")


def _dir_task(tmp: Path) -> None:
    (tmp / "d.jsonl").mkdir()


def _sweep_base_fifo(tmp: Path) -> None:
    os.mkfifo(tmp / "base.yaml")


def _cache_dir(tmp: Path) -> None:
    (tmp / "c.sqlite").mkdir()


def _cache_text(tmp: Path) -> None:
    (tmp / "c.sqlite").write_text("this is not a database\n" * 10)


def _cache_ro_dir(tmp: Path) -> None:
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o500)


def _nested(depth: int, flow: bool) -> str:
    if flow:
        return "name: x\nseed: " + "[" * depth + "]" * depth + "\n"
    return (
        "name: x\nseed:\n"
        + "".join(f"{'  ' * (i + 1)}a{i}:\n" for i in range(depth))
        + ("  " * (depth + 1) + "z: 1\n")
    )


def _alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + f"\nname: *a{levels - 1}\n"


BASE_TEXT = _dump(sim_config())


def _files() -> list[Case]:
    bom8 = "\ufeff".encode() + BASE_TEXT.encode()
    return [
        config_case("dev-zero", "", "not a regular file", setup=_dev_zero),
        config_case("fifo", "", "not a regular file", setup=_fifo),
        config_case("directory", "", "not a regular file", setup=_dir),
        config_case("huge-file", "", "too large", setup=_huge),
        config_case("unreadable", "", "permission denied", setup=_unreadable, root_skips=True),
        Case("missing-file", ["validate", "nope.yaml"], {}, ("nope.yaml",)),
        config_case("latin-1", "name: caf\xe9\n".encode("latin-1") + BASE_TEXT.encode(), "utf-8"),
        config_case("utf-16-bom", BASE_TEXT.encode("utf-16"), "utf-16"),
        config_case("utf-16-no-bom", BASE_TEXT.encode("utf-16-le"), "utf-8"),
        config_case("utf-32", BASE_TEXT.encode("utf-32"), "utf-"),
        config_case("nul-bytes", b"\x00\x01\x02\x03" * 64, CFG),
        config_case("random-binary", bytes(range(256)) * 8, CFG),
        config_case("bom-then-garbage", bom8[:3] + b"\xff\xfe\x00", CFG),
        config_case("empty", "", "mapping"),
        config_case("only-comment", "# nothing\n", "mapping"),
        config_case("top-level-list", "- 1\n- 2\n", "mapping"),
        config_case("top-level-scalar", "42\n", "mapping"),
        config_case("top-level-null", "null\n", "mapping"),
        config_case("two-documents", BASE_TEXT + "---\n" + BASE_TEXT, "yaml"),
        config_case("python-tag", "name: !!python/object:os.system ls\n", "yaml"),
        config_case("unclosed-bracket", "name: [x\n", "yaml"),
        config_case("tab-indent", "task:\n\tname: arithmetic\n", "yaml"),
        config_case("bad-indent", "name: x\n  seed: 1\n y: 2\n", "yaml"),
        config_case("nested-flow-5000", _nested(5000, True), "nest"),
        config_case("nested-flow-200", _nested(200, True), "nest"),
        config_case("nested-block-1000", _nested(1000, False), "nest"),
        config_case("alias-bomb", _alias_bomb(), "alias"),
        config_case("alias-bomb-small", _alias_bomb(5), CFG),
        config_case("unknown-alias", "name: *nothing\n", "yaml"),
        config_case("dup-top-key", BASE_TEXT + "seed: 4\n", "seed", "duplicate"),
        config_case(
            "dup-nested-key",
            BASE_TEXT.replace("kind: scripted", "kind: scripted\n    kind: openai"),
            "kind",
            "duplicate",
        ),
        config_case(
            "dup-trait-accuracy",
            BASE_TEXT.replace("overconfident: 0.7", "overconfident: 0.7\n      overconfident: 0.9"),
            "overconfident",
            "duplicate",
        ),
        config_case(
            "unreadable-task",
            _with("task", {"name": "gsm8k", "path": "q.jsonl"}),
            "q.jsonl",
            setup=_unreadable_task,
            root_skips=True,
        ),
        config_case(
            "task-path-dev-zero", _with("task", {"name": "gsm8k", "path": "/dev/zero"}), "/dev/zero"
        ),
        config_case(
            "task-path-missing", _with("task", {"name": "gsm8k", "path": "no.jsonl"}), "no"
        ),
        config_case(
            "task-path-fifo",
            _with("task", {"name": "gsm8k", "path": "q.jsonl"}),
            "q.jsonl",
            "not a regular file",
            setup=_fifo_task,
        ),
        config_case(
            "task-path-dev-zero-jsonl",
            _with("task", {"name": "gsm8k", "path": "z.jsonl"}),
            "/dev/zero",
            setup=_dev_zero_task,
        ),
        config_case(
            "task-path-folder-jsonl",
            _with("task", {"name": "gsm8k", "path": "d.jsonl"}),
            "d.jsonl",
            setup=_dir_task,
        ),
    ]


def _bounds() -> list[Case]:
    return [
        field_case("limit-1e9-float", "task.limit", 1e9, "task.limit"),
        field_case("limit-1e9-str", "task.limit", "1e9", "task.limit"),
        field_case("limit-1e9", "task.limit", 10**9, "task.limit"),
        field_case("limit-zero", "task.limit", 0),
        field_case("limit-negative", "task.limit", -5),
        field_case("repeats-1e9", "repeats", 10**9),
        config_case("repeats-1e9-dry-run", _with("repeats", 10**9), "repeats", command="dry-run"),
        config_case("repeats-1e9-run", _with("repeats", 10**9), "repeats", command="run"),
        field_case("repeats-zero", "repeats", 0),
        field_case("count-1e6", "agents.0.count", 1_000_000, "count"),
        config_case(
            "count-1e6-dry-run", _with("agents.0.count", 1_000_000), "count", command="dry-run"
        ),
        field_case("count-1e7", "agents.0.count", 10_000_000, "count"),
        field_case("count-1e12", "agents.0.count", 10**12, "count"),
        field_case("count-zero", "agents.0.count", 0, "count"),
        field_case("rounds-10000-str", "protocol.strategy", "0" * 10_000, "protocol.strategy"),
        field_case("rounds-10000-list", "protocol.strategy", ["debate"] * 10_000, "strategy"),
        config_case(
            "rounds-10000-dry-run",
            _with("protocol.strategy", "01" * 5_000),
            "strategy",
            command="dry-run",
        ),
        config_case(
            "product-too-large",
            _with(
                "agents", [{"name": "a", "backend": "sim", "count": 50_000}], _with("repeats", 5000)
            ),
            "calls",
        ),
        config_case(
            "complete-graph-too-large",
            _with(
                "agents",
                [{"name": "a", "backend": "sim", "count": 90_000}],
                _with("task.limit", 2),
            ),
            "graph",
        ),
        field_case("concurrency-zero", "concurrency", 0),
        field_case("max-tokens-huge", "generation.max_tokens", 10**9),
        field_case("retry-attempts-1e9", "backends.sim.retry", {"attempts": 10**9}, "attempts"),
        field_case("latency-negative", "backends.sim.latency_ms", -1, "latency_ms"),
    ]


def _validate_time() -> list[Case]:
    hf = {"kind": "hf", "model": "/nonexistent/model.gguf"}
    return [
        field_case("hf-missing-gguf", "backends.sim", hf, "backends.sim.model"),
        field_case(
            "hf-missing-folder", "backends.sim", {"kind": "hf", "model": "./no-such-dir/"}, "model"
        ),
        field_case(
            "llamacpp-missing-gguf",
            "backends.sim",
            {"kind": "llamacpp", "model": "/nonexistent/m.gguf"},
            "backends.sim.model",
        ),
        field_case(
            "llamacpp-not-gguf", "backends.sim", {"kind": "llamacpp", "model": "x.bin"}, "model"
        ),
        field_case(
            "openai-unset-env",
            "backends.sim",
            {"kind": "openai", "model": "m", "api_key_env": "SOCIOLAB_TEST_UNSET_KEY"},
            "api_key_env",
            "SOCIOLAB_TEST_UNSET_KEY",
            env={"SOCIOLAB_TEST_UNSET_KEY": None},
        ),
        field_case(
            "openai-key-in-env-field",
            "backends.sim",
            {"kind": "openai", "model": "m", "api_key_env": "sk-proj-abcdef0123456789SECRET"},
            "api_key_env",
        ),
        field_case(
            "openai-base-url-not-url",
            "backends.sim",
            {"kind": "openai", "model": "m", "base_url": "not a url"},
            "base_url",
        ),
        field_case(
            "openai-base-url-ftp",
            "backends.sim",
            {"kind": "openai", "model": "m", "base_url": "ftp://127.0.0.1/v1"},
            "base_url",
        ),
        field_case(
            "openai-base-url-userinfo",
            "backends.sim",
            {"kind": "openai", "model": "m", "base_url": "http://u:pw@127.0.0.1:9/v1"},
            "base_url",
        ),
        field_case(
            "openai-base-url-no-host",
            "backends.sim",
            {"kind": "openai", "model": "m", "base_url": "http://"},
            "base_url",
        ),
        field_case(
            "openai-no-key-no-url", "backends.sim", {"kind": "openai", "model": "m"}, "backends.sim"
        ),
        field_case("accuracy-1.5", "backends.sim.accuracy", {"overconfident": 1.5}, "accuracy"),
        field_case("accuracy-nan", "backends.sim.accuracy", {"default": float("nan")}, "accuracy"),
        field_case("accuracy-neg", "backends.sim.accuracy", {"default": -0.1}, "accuracy"),
        field_case("accuracy-inf", "backends.sim.accuracy", {"default": float("inf")}, "accuracy"),
        field_case("conformity-2", "backends.sim.conformity", {"default": 2}, "conformity"),
        field_case("reflection-nan", "backends.sim.reflection_change", float("nan")),
        field_case("small-world-k-odd", "graph", {"kind": "small-world", "k": 1}, "graph.k"),
        field_case("small-world-k-large", "graph", {"kind": "small-world", "k": 6}, "graph.k"),
        field_case("scale-free-m-large", "graph", {"kind": "scale-free", "m": 3}, "graph.m"),
        field_case("random-p-1.5", "graph", {"kind": "random", "p": 1.5}, "graph.p"),
        field_case("graph-p-nan", "graph", {"kind": "random", "p": float("nan")}, "graph.p"),
        field_case("star-center-unknown", "graph", {"kind": "star", "center": "zed"}, "center"),
        field_case("edges-unknown-agent", "graph", {"kind": "edges", "edges": [["ada", "zz"]]}),
        field_case("edges-self-loop", "graph", {"kind": "edges", "edges": [["ada", "ada"]]}),
        field_case("edges-without-kind", "graph", {"edges": [["ada", "bo"]]}, "graph.edges"),
        field_case("edges-bad-pair", "graph", {"kind": "edges", "edges": [["ada"]]}, "graph.edges"),
        field_case("graph-unknown-kind", "graph", {"kind": "hypercube"}, "graph.kind"),
        field_case("max-tokens-true", "generation.max_tokens", True),
        field_case("temperature-true", "generation.temperature", True),
        field_case("repeats-true", "repeats", True),
        field_case("count-true", "agents.0.count", True, "count"),
        field_case("seed-false", "seed", False),
        field_case("limit-true", "task.limit", True),
        field_case("accuracy-true", "backends.sim.accuracy", {"default": True}, "accuracy"),
        field_case("concurrency-true", "concurrency", True),
        field_case("budget-tokens-true", "budget", {"max_tokens": True}, "budget.max_tokens"),
        field_case("cache-enabled-2", "cache.enabled", 2, "cache.enabled"),
        field_case(
            "dup-user-traits",
            "traits",
            [{"name": "calm", "prompt": "Be calm."}, {"name": "calm", "prompt": "Be very calm."}],
            "traits",
            "calm",
        ),
        field_case("cache-path-dir", "cache", {"path": "c.sqlite"}, "cache.path", setup=_cache_dir),
        field_case("cache-path-dev-zero", "cache", {"path": "/dev/zero"}, "cache.path"),
        field_case(
            "cache-path-not-db", "cache", {"path": "c.sqlite"}, "cache.path", setup=_cache_text
        ),
        field_case("cache-path-no-parent", "cache", {"path": "/nonexistent/dir/c.sqlite"}),
        field_case(
            "cache-path-ro-dir",
            "cache",
            {"path": "ro/c.sqlite"},
            "cache.path",
            setup=_cache_ro_dir,
            root_skips=True,
        ),
        config_case(
            "cache-path-dir-run",
            _with("cache", {"path": "c.sqlite"}),
            "cache.path",
            command="run",
            setup=_cache_dir,
        ),
        field_case("protocol-unknown-key", "protocol.rounds", 3, "protocol", "rounds"),
        field_case("protocol-unknown-kind", "protocol", {"kind": "parliament"}, "protocol"),
        field_case("protocol-bad-strategy", "protocol.strategy", "0123", "strategy"),
        field_case("protocol-unknown-pattern", "protocol.strategy", ["debate", "vote"], "strategy"),
    ]


def _fields() -> list[Case]:
    """Plain type and reference errors of every section."""
    return [
        field_case("name-missing", "name", None),
        field_case("name-empty", "name", ""),
        field_case("name-list", "name", ["a"]),
        field_case("seed-str", "seed", "zero"),
        field_case("seed-float", "seed", 1.5),
        field_case("task-missing", "task", None),
        field_case("task-unknown", "task", {"name": "chemistry"}, "task"),
        field_case("task-str", "task", "arithmetic"),
        field_case("task-extra", "task.colour", "blue", "task.colour"),
        field_case("backends-missing", "backends", None),
        field_case("backends-empty", "backends", {}),
        field_case("backends-list", "backends", [{"kind": "scripted"}]),
        field_case("backend-no-kind", "backends.sim", {"accuracy": {}}, "backends.sim"),
        field_case("backend-unknown-kind", "backends.sim", {"kind": "gpt5"}, "backends.sim"),
        field_case("backend-extra", "backends.sim.colour", 1, "backends.sim.colour"),
        field_case("backend-null", "backends.sim", None, "backends"),
        field_case("retry-extra", "backends.sim.retry", {"tries": 3}, "retry.tries"),
        field_case("retry-neg", "backends.sim.retry", {"initial_s": -1}, "initial_s"),
        field_case("agents-missing", "agents", None),
        field_case("agents-empty", "agents", []),
        field_case("agents-mapping", "agents", {"ada": 1}),
        field_case("agent-str", "agents.0", "ada", "agents[0]"),
        field_case("agent-no-name", "agents.0", {"backend": "sim"}, "agents[0].name"),
        field_case("agent-bad-name", "agents.0.name", "a/b", "agents[0].name"),
        field_case("agent-name-space", "agents.0.name", "a b", "agents[0].name"),
        field_case("agent-unknown-trait", "agents.0.trait", "grumpy", "agents[0].trait"),
        field_case("agent-unknown-backend", "agents.0.backend", "gpt", "agents[0].backend"),
        field_case("agent-extra", "agents.0.mood", "x", "agents[0].mood"),
        field_case("agent-dup-name", "agents.1.name", "ada", "duplicate"),
        field_case("agent-count-str", "agents.0.count", "many", "count"),
        field_case("agent-count-float", "agents.0.count", 2.5, "count"),
        field_case("trait-no-prompt", "traits", [{"name": "x"}], "traits[0].prompt"),
        field_case("trait-empty-name", "traits", [{"name": "", "prompt": "p"}], "traits[0].name"),
        field_case("trait-str", "traits", ["calm"], "traits[0]"),
        field_case("graph-str", "graph", "complete", "graph"),
        field_case("graph-k-zero", "graph", {"kind": "small-world", "k": 0}, "graph.k"),
        field_case("graph-extra", "graph.colour", 1, "graph.colour"),
        field_case("decision-unknown", "decision", "dictator", "decision"),
        field_case("decision-list", "decision", ["majority"], "decision"),
        field_case("generation-temp-neg", "generation.temperature", -1),
        field_case("generation-temp-nan", "generation.temperature", float("nan")),
        field_case("generation-top-p-zero", "generation.top_p", 0),
        field_case("generation-stop-str", "generation.stop", "\n", "generation.stop"),
        field_case("generation-extra", "generation.beam", 4, "generation.beam"),
        field_case("cache-extra", "cache.size", 4, "cache.size"),
        field_case("budget-neg", "budget", {"max_cost_usd": -1}, "budget.max_cost_usd"),
        field_case("budget-extra", "budget", {"dollars": 1}, "budget.dollars"),
        field_case("top-extra", "colour", "blue", "colour"),
        field_case("plugins-missing-module", "plugins", ["no_such_plugin_xyz"], "plugins[0]"),
        field_case("plugins-str", "plugins", "x", "plugins"),
        field_case("repeats-str", "repeats", "twice", "repeats"),
        field_case("repeats-float", "repeats", 1.5, "repeats"),
        field_case("mmlu-bad-subject", "task", {"name": "mmlu", "subjects": 3}, "task"),
        field_case("task-limit-str", "task.limit", "all", "task.limit"),
        field_case(
            "coalition-unknown-member",
            "protocol",
            {"kind": "coalition", "members": ["zed"]},
            "protocol.members",
        ),
        config_case(
            "coalition-with-decision",
            _with("protocol", {"kind": "coalition"}, _with("decision", "majority")),
            "decision",
        ),
    ]


def _sets() -> list[Case]:
    levels = ["&a0 [x,x,x,x,x,x,x,x,x]"]
    levels += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    bomb = "[" + ", ".join(levels) + "]"
    return [
        set_case("set-no-equals", "generation.max_tokens", "--set"),
        set_case("set-empty-key", "=3", "--set"),
        set_case("set-empty-part", "generation..max_tokens=3", "--set"),
        set_case("set-bad-yaml", "generation.stop=[a, b", "--set", "yaml"),
        set_case("set-bad-yaml-mapping", "backends.sim={kind: scripted", "--set"),
        set_case("set-alias-bomb", "name=" + bomb, "--set", "alias"),
        set_case("set-python-tag", "name=!!python/object:os.system x", "--set"),
        set_case("set-index-out", "agents.9.trait=neutral", "agents.9"),
        set_case("set-index-neg", "agents.-1.trait=neutral", "agents.-1"),
        set_case("set-index-word", "agents.first.trait=neutral", "agents.first"),
        set_case("set-into-scalar", "seed.x=1", "seed"),
        set_case("set-into-str", "name.first=1", "name"),
        set_case("set-unknown-top", "colour=blue", "colour"),
        set_case("set-unknown-nested", "generation.beam=4", "generation.beam"),
        set_case("set-max-tokens-true", "generation.max_tokens=true", "generation.max_tokens"),
        set_case("set-max-tokens-yes", "generation.max_tokens=yes", "generation.max_tokens"),
        set_case("set-repeats-huge", "repeats=1000000000", "repeats"),
        set_case("set-limit-huge", "task.limit=1000000000", "task.limit"),
        set_case("set-count-huge", "agents.0.count=10000000", "count"),
        set_case("set-nested-deep", "seed=" + "[" * 5000 + "]" * 5000, "--set"),
        set_case("set-value-null-backends", "backends=", "backends"),
        set_case("set-agents-null", "agents=null", "agents"),
        set_case("set-dup-key", "backends.sim={kind: scripted, kind: openai}", "duplicate"),
        set_case(
            "set-base-url", "backends.sim={kind: openai, model: m, base_url: nope}", "base_url"
        ),
        set_case("set-k-odd", "graph={kind: small-world, k: 3}", "graph.k"),
        set_case("set-bad-dry-run", "repeats=0", "repeats", command="run"),
        set_case("set-nan-accuracy", "backends.sim.accuracy.default=.nan", "accuracy"),
        set_case("set-strategy-long", "protocol.strategy=" + "0" * 5000, "strategy"),
    ]


def _sweeps() -> list[Case]:
    many = {f"backends.sim.conformity.t{i}": [j / 10 for j in range(10)] for i in range(7)}
    return [
        sweep_case("sweep-unknown-field", {"grid": {"colour": ["a", "b", "c"]}}, "colour"),
        sweep_case(
            "sweep-unknown-nested",
            {"grid": {"generation.beam": [1, 2, 3], "repeats": [1, 2]}},
            "generation.beam",
        ),
        sweep_case(
            "sweep-1e10-cells",
            {
                "grid": {
                    f"backends.sim.accuracy.t{i}": [j / 10 for j in range(10)] for i in range(10)
                }
            },
            "cells",
        ),
        sweep_case("sweep-many-seeds", {"seeds": list(range(20_000))}, "cells"),
        sweep_case("sweep-empty-axis", {"grid": {"repeats": []}}, "grid.repeats"),
        sweep_case("sweep-dup-labels", {"grid": {"repeats": {"a": 1, "a ": 2}}}, "grid.repeats"),
        sweep_case(
            "sweep-dup-label-yaml",
            _dump({"name": "s", "base": sim_config()}) + "grid:\n  repeats:\n    a: 1\n    a: 2\n",
            "duplicate",
        ),
        sweep_case("sweep-dup-values", {"grid": {"repeats": [1, 1]}}, "grid.repeats"),
        sweep_case("sweep-dup-seeds", {"seeds": [1, 1]}, "seed"),
        sweep_case("sweep-float-labels", {"grid": {"generation.temperature": [0.5, 0.50]}}, "grid"),
        sweep_case("sweep-grid-str", {"grid": "repeats"}, "grid"),
        sweep_case("sweep-grid-scalar-axis", {"grid": {"repeats": 3}}, "grid.repeats"),
        sweep_case("sweep-seeds-empty", {"seeds": []}, "seeds"),
        sweep_case("sweep-seeds-str", {"seeds": ["a"]}, "seeds"),
        sweep_case("sweep-retries-huge", {"grid": {"repeats": [1]}, "retries": 10**6}, "retries"),
        sweep_case("sweep-parallel-zero", {"grid": {"repeats": [1]}, "max_parallel_cells": 0}),
        sweep_case("sweep-extra", {"grid": {"repeats": [1]}, "colour": 1}, "colour"),
        sweep_case("sweep-bad-name", {"name": "../x", "grid": {"repeats": [1]}}, "name"),
        sweep_case(
            "sweep-base-missing",
            _dump({"name": "s", "base": "nobase.yaml", "grid": {"repeats": [1]}}),
            "nobase.yaml",
        ),
        sweep_case(
            "sweep-base-fifo",
            _dump({"name": "s", "base": "base.yaml", "grid": {"repeats": [1]}}),
            "not a regular file",
            setup=_sweep_base_fifo,
        ),
        sweep_case(
            "sweep-base-latin1",
            _dump({"name": "s", "base": "base.yaml", "grid": {"repeats": [1]}}),
            "utf-8",
            files={"base.yaml": "name: caf\xe9\n".encode("latin-1")},
        ),
        sweep_case(
            "sweep-base-is-sweep",
            _dump({"name": "s", "base": "sweep.yaml", "grid": {"repeats": [1]}}),
            "sweep",
        ),
        sweep_case("sweep-base-list", {"base": [1, 2], "grid": {"repeats": [1]}}, "base"),
        sweep_case("sweep-set-bad-path", {"set": {"seed.x": 1}, "grid": {"repeats": [1]}}, "seed"),
        sweep_case("sweep-set-unknown", {"set": {"colour": 1}, "grid": {"repeats": [1]}}, "colour"),
        sweep_case("sweep-grid-into-scalar", {"grid": {"seed.x": [1, 2]}}, "seed"),
        sweep_case(
            "sweep-bad-cell-value",
            {"grid": {"generation.max_tokens": [16, True, -1]}},
            "generation.max_tokens",
        ),
        sweep_case("sweep-cell-repeats-huge", {"grid": {"repeats": [1, 10**9]}}, "repeats"),
        sweep_case("sweep-alias-bomb", _alias_bomb(), "alias"),
        sweep_case(
            "sweep-nested-deep",
            "name: s\nbase: {}\ngrid: " + "[" * 5000 + "]" * 5000 + "\n",
            "nest",
        ),
        sweep_case("sweep-axes-product", {"grid": many, "seeds": [0, 1]}, "cells"),
        sweep_case("sweep-no-base", "name: s\ngrid: {repeats: [1]}\n", "base"),
        sweep_case(
            "sweep-dup-key", _dump({"name": "s", "base": sim_config()}) + "name: t\n", "dup"
        ),
        Case(
            "sweep-set-flag-bad",
            ["validate", SWEEP, "--set", "repeats"],
            {SWEEP: _dump({"name": "s", "base": sim_config(), "grid": {"seed": [1, 2]}})},
            ("--set",),
        ),
        Case(
            "sweep-as-run",
            ["run", SWEEP],
            {SWEEP: _dump({"name": "s", "base": sim_config(), "grid": {"seed": [1, 2]}})},
            ("sweep",),
        ),
        Case(
            "sweep-cmd-on-config",
            ["sweep", CFG, "--out", "o"],
            {CFG: BASE_TEXT},
            ("sweep",),
        ),
    ]


def corpus() -> list[Case]:
    """Every case, ids unique."""
    cases = [*_files(), *_bounds(), *_validate_time(), *_fields(), *_sets(), *_sweeps()]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases
