"""Presets: listed with a description, valid as shipped, moved to another backend by one field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from societies.cli.app import app
from societies.config import load_config
from societies.config.coalition import CoalitionSpec
from societies.config.overrides import apply_overrides
from societies.config.presets import PRESETS_DIR, list_presets, locate
from societies.engine.skills import load_table
from societies.errors import ConfigError
from societies.sweeps.spec import load_sweep
from societies.transcript import read_transcript

SCRIPTED = "backends.local={kind: scripted}"
OPENAI = "backends.local={kind: openai, model: gpt-4o-mini, api_key_env: SOCIOLAB_TEST_NO_KEY}"


def test_presets_lists_every_preset_with_its_kind_and_description() -> None:
    result = CliRunner().invoke(app, ["presets"], terminal_width=200)
    assert result.exit_code == 0, result.output
    presets = {p.name: p for p in list_presets()}
    assert {"demo", "sociolab-debate", "coalition", "sociolab-grid"} <= set(presets)
    for p in presets.values():
        assert p.description, p.name
        row = next(
            ln
            for ln in result.output.splitlines()
            if ln.count("│") > 2 and ln.split("│")[1].strip() == p.name
        )
        assert p.kind in row and p.description[:30] in row
    assert presets["sociolab-grid"].kind == "sweep"
    assert presets["sociolab-debate"].kind == "config"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("demo", "hf"),
        ("demo-llamacpp", "llamacpp"),
        ("sociolab-debate", "llamacpp"),
        ("coalition", "llamacpp"),
    ],
)
def test_config_presets_run_on_the_embedded_model_as_shipped(name: str, kind: str) -> None:
    cfg = load_config(PRESETS_DIR / f"{name}.yaml")
    assert {b.kind for b in cfg.backends.values()} == {kind}
    assert {getattr(b, "model", None) for b in cfg.backends.values()} == {"smollm2-135m-instruct"}
    assert list(cfg.backends) == ["local"]


def test_sociolab_debate_is_three_agents_and_two_debate_rounds() -> None:
    cfg = load_config(locate(Path("sociolab-debate")))
    assert len(cfg.agent_list()) == 3
    assert cfg.protocol.rounds == ["debate", "debate"]  # type: ignore[union-attr]
    assert cfg.graph.kind == "complete" and cfg.decision == "majority"
    assert cfg.task.name == "arithmetic"


def test_the_sociolab_grid_is_four_societies_by_eight_strategies() -> None:
    plan = load_sweep(locate(Path("sociolab-grid")))
    assert len(plan.cells) == 32
    societies = {tuple(a.trait for a in c.config.agents) for c in plan.cells}
    assert len(societies) == 4
    assert {t.count("overconfident") for t in societies} == {0, 1, 2, 3}
    strategies = {c.labels["strategy"] for c in plan.cells}
    assert strategies == {f"{i:03b}" for i in range(8)}
    # agents keep their names across societies, so their identical calls are shared
    assert {tuple(a.name for a in c.config.agents) for c in plan.cells} == {("a1", "a2", "a3")}
    assert all(c.config.task.name == "chess" and c.config.task.path is None for c in plan.cells)
    assert {c.config.repeats for c in plan.cells} == {5}


def test_the_coalition_preset_routes_with_its_shipped_skill_table() -> None:
    cfg = load_config(locate(Path("coalition")))
    assert isinstance(cfg.protocol, CoalitionSpec)
    assert cfg.protocol.routing.table is not None and cfg.protocol.routing.table.exists()
    loaded = load_table(cfg.protocol)
    members = {e.member for e in loaded.entries}
    stages = {e.stage for e in loaded.entries}
    assert members == {a.name for a in cfg.agents}
    assert stages == set(cfg.protocol.stage_names)


def test_one_set_moves_a_preset_to_another_backend(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", "sociolab-debate", "--out", str(out), "--set", SCRIPTED, "--set", "task.limit=3"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    t = read_transcript(out / "transcript.jsonl")
    assert len(t.turns) == 3 * 3 * 3
    assert t.header.config["backends"]["local"]["kind"] == "scripted"
    # An API backend: the dry run needs neither the key nor the network.
    result = CliRunner().invoke(app, ["run", "sociolab-debate", "--dry-run", "--set", OPENAI])
    assert result.exit_code == 0, result.output
    assert "900 calls" in result.output and "local (openai:gpt-4o-mini)" in result.output
    # validate refuses what run would: the key's variable must be set (its value never shown).
    sweep = CliRunner().invoke(app, ["validate", "sociolab-grid", "--set", OPENAI])
    assert sweep.exit_code == 2 and "'SOCIOLAB_TEST_NO_KEY' is not set" in sweep.output
    sweep = CliRunner().invoke(
        app, ["validate", "sociolab-grid", "--set", OPENAI], env={"SOCIOLAB_TEST_NO_KEY": "k"}
    )
    assert sweep.exit_code == 0 and "32 cells" in sweep.output


def test_the_machinesom_files_are_one_override_away(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "machinesom" / "chess.jsonl"
    plan = load_sweep(locate(Path("sociolab-grid")), [f"task.path={path}", "task.limit=5"])
    assert {c.config.task.path for c in plan.cells} == {path}
    assert len(plan.cells[0].config.task.build().questions()) == 5


def test_overrides_parse_yaml_values_and_report_bad_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = {"a": {"b": 1}, "agents": [{"trait": "x"}]}
    monkeypatch.chdir(tmp_path)
    out = apply_overrides(
        data, ["a.b=2", "a.c={k: [1, 2]}", "agents.0.trait=calm", "task.path=d/x.csv", "n="]
    )
    assert out == {
        "a": {"b": 2, "c": {"k": [1, 2]}},
        "agents": [{"trait": "calm"}],
        "task": {"path": str(tmp_path / "d" / "x.csv")},
        "n": "",
    }
    assert data == {"a": {"b": 1}, "agents": [{"trait": "x"}]}  # the input is not changed
    for bad, message in [
        ("novalue", "expected KEY=VALUE"),
        ("a..b=1", "expected KEY=VALUE"),
        ("a.b.c=1", "cannot go into int"),
        ("agents.3.trait=x", "not an index of a list of 1"),
        ("a=[unclosed", "not valid YAML"),
    ]:
        with pytest.raises(ConfigError, match=message):
            apply_overrides(data, [bad])


def test_a_sweep_given_to_run_and_a_config_given_to_sweep_say_which_command(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(app, ["run", "sociolab-grid"])
    assert result.exit_code == 2 and "sociolab sweep" in result.output
    result = CliRunner().invoke(app, ["sweep", "demo"])
    assert result.exit_code == 2 and "not a sweep file" in result.output
    result = CliRunner().invoke(app, ["run", "no-such-preset"])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_presets_ship_as_package_data() -> None:
    pyproject = (Path(__file__).resolve().parents[3] / "pyproject.toml").read_text()
    assert '"config/presets/*.yaml"' in pyproject and '"config/presets/*.json"' in pyproject
    shipped = json.loads((PRESETS_DIR / "coalition-skills.json").read_text())
    assert shipped["format"] == "sociolab-skills/1" and shipped["entries"]
