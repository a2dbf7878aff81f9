"""Coalition routing: the router's policies, the config checks, runs, calibration, the report."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from protocols.coalition import POOLED, Skill, SkillTable, check_templates, route
from societies.analysis.report import make_report, render_report
from societies.cli.app import app
from societies.config import parse_config
from societies.engine.calibrate import calibrate
from societies.engine.dry_run import dry_run
from societies.engine.experiment import run_experiment
from societies.engine.skills import read_table_file
from societies.errors import ConfigError, RunError
from societies.transcript import COALITION, read_transcript

STAGES = ["plan", "solve", "check", "answer"]


def coalition_config(**overrides: Any) -> dict[str, Any]:
    """Two simulated members: ``strong`` always right, ``weak`` always wrong."""
    cfg: dict[str, Any] = {
        "name": "coal",
        "seed": 5,
        "task": {"name": "arithmetic", "limit": 4},
        "backends": {"sim": {"kind": "scripted", "accuracy": {"strong": 1.0, "weak": 0.0}}},
        "traits": [
            {"name": "strong", "prompt": "You are careful."},
            {"name": "weak", "prompt": "You are hasty."},
        ],
        "agents": [
            {"name": "weak", "trait": "weak", "backend": "sim"},
            {"name": "strong", "trait": "strong", "backend": "sim"},
        ],
        "protocol": {"kind": "coalition"},
        "cache": {"enabled": False},
    }
    cfg.update(overrides)
    return cfg


def table(*rows: tuple[str, str, str, float, float]) -> SkillTable:
    return SkillTable((m, s, c, Skill(acc, tok)) for m, s, c, acc, tok in rows)


# -- the router ------------------------------------------------------------------------------


def test_best_takes_the_highest_accuracy_then_the_fewest_tokens() -> None:
    t = table(
        ("a", "solve", POOLED, 0.6, 10),
        ("b", "solve", POOLED, 0.8, 90),
        ("c", "solve", POOLED, 0.8, 50),
    )
    d = route(t, "solve", "all", ["a", "b", "c"], "best")
    assert (d.member, d.accuracy, d.tokens) == ("c", 0.8, 50)


def test_cheapest_within_takes_the_fewest_tokens_inside_the_margin() -> None:
    t = table(
        ("big", "solve", POOLED, 0.80, 400),
        ("mid", "solve", POOLED, 0.76, 100),
        ("tiny", "solve", POOLED, 0.60, 10),
    )
    members = ["big", "mid", "tiny"]
    assert route(t, "solve", "x", members, "cheapest-within", 0.05).member == "mid"
    assert route(t, "solve", "x", members, "cheapest-within", 0.0).member == "big"
    assert route(t, "solve", "x", members, "cheapest-within", 0.25).member == "tiny"


def test_a_category_entry_beats_the_pooled_one_and_unknown_categories_fall_back() -> None:
    t = table(
        ("a", "solve", POOLED, 0.9, 1),
        ("b", "solve", POOLED, 0.5, 1),
        ("b", "solve", "physics", 0.95, 1),
    )
    assert route(t, "solve", "physics", ["a", "b"]).member == "b"
    assert route(t, "solve", "history", ["a", "b"]).member == "a"


def test_without_skill_data_the_first_member_is_chosen_and_said_so() -> None:
    d = route(SkillTable(), "plan", "all", ["x", "y"], "best")
    assert d.member == "x" and d.accuracy is None and "no skill data" in d.reason
    # members missing from the table are not considered when others are known
    assert route(table(("y", "plan", POOLED, 0.1, 1)), "plan", "all", ["x", "y"]).member == "y"


def test_templates_may_use_only_earlier_stages() -> None:
    assert check_templates([("plan", "{question}"), ("solve", "{plan} {instructions}")]) == []
    problems = check_templates([("plan", "{solve}"), ("solve", "{plan} {nope}"), ("x", "{a.b}")])
    assert [i for i, _ in problems] == [0, 1, 2]
    assert "a later stage" in problems[0][1] and "unknown" in problems[1][1]


# -- config ----------------------------------------------------------------------------------


def test_coalition_config_errors_name_the_field_and_the_options() -> None:
    data = coalition_config(decision="majority")
    data["protocol"] = {
        "kind": "coalition",
        "members": ["weak", "medium"],
        "stages": [{"name": "plan", "prompt": "{question}"}, {"name": "ans", "prompt": "{solve}"}],
        "routing": {"policy": "best", "skills": [{"member": "weak", "stage": "x", "accuracy": 1}]},
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="c.yaml")
    lines = info.value.problems
    assert "c.yaml: protocol.members[1]: unknown agent 'medium' (known: weak, strong)" in lines
    assert any(
        ln.startswith("c.yaml: protocol.stages[1].prompt: prompt uses {solve}") for ln in lines
    )
    assert (
        "c.yaml: protocol.routing.skills[0].stage: unknown stage 'x' (stages: plan, ans)" in lines
    )
    assert any(ln.startswith("c.yaml: decision: a coalition answers") for ln in lines)
    bad = coalition_config(protocol={"kind": "coalitoin"})
    with pytest.raises(ConfigError) as info:
        parse_config(bad, source="c.yaml")
    assert info.value.problems == [
        "c.yaml: protocol.kind: unknown protocol kind 'coalitoin' (known: coalition, rounds)"
    ]


def test_the_strategy_protocol_keeps_its_shape_and_digest() -> None:
    from tests.helpers.configs import sim_config

    cfg = parse_config(sim_config())
    assert cfg.resolved()["protocol"] == {"strategy": ["debate", "reflection"]}
    assert parse_config(sim_config(protocol={"kind": "rounds", "strategy": "01"})) == cfg
    # A budget only changes how far a run goes: resuming with another one is allowed.
    with_budget = parse_config(sim_config(budget={"max_tokens": 10}))
    assert with_budget.digest() == cfg.digest()


# -- runs ------------------------------------------------------------------------------------


def skills(entries: Sequence[tuple[str, str, float, float]]) -> list[dict[str, Any]]:
    return [{"member": m, "stage": s, "accuracy": a, "tokens": t} for m, s, a, t in entries]


def test_a_coalition_run_records_its_pipelines_and_routing(tmp_path: Path) -> None:
    routed = {"plan": "weak", "solve": "strong", "check": "weak", "answer": "strong"}
    entries = [
        (m, s, 0.9 if m == routed[s] else 0.2, 10) for s in STAGES for m in ("weak", "strong")
    ]
    data = coalition_config()
    data["protocol"]["routing"] = {"policy": "best", "skills": skills(entries)}
    result = run_experiment(parse_config(data), tmp_path)
    assert result.status == "complete"
    t = read_transcript(tmp_path / "transcript.jsonl")
    assert [a.name for a in t.header.agents] == [COALITION, "weak", "strong"]
    assert t.header.rounds == STAGES and t.header.decision == "first"
    assert len(t.turns) == 4 * 3 * 4
    plan = {(p["stage"], p["member"]) for p in t.header.components["routing"]["plan"]}
    assert plan == set(routed.items())
    assert len(t.header.components["routing"]["skills"]) == 8
    by_key = {(x.episode, x.agent, x.round): x for x in t.turns}
    for turn in t.turns:
        if turn.agent == COALITION:
            assert turn.route is not None and turn.route.member == routed[turn.pattern]
            assert turn.route.policy == "best" and turn.route.accuracy == 0.9
        else:
            assert turn.route is None and turn.trait == turn.agent
        if turn.round:  # each stage is shown what the previous stage passed on
            before = by_key[(turn.episode, turn.agent, turn.round - 1)]
            if before.pattern != "answer":
                assert before.reply in turn.messages[-1].content
    # The answer stage is the strong member's, so the coalition is always right, the weak alone never.
    assert result.accuracy_by_round[-1] == 1.0
    finals = [x for x in t.turns if x.round == 3]
    assert all(x.correct for x in finals if x.agent in (COALITION, "strong"))
    assert not any(x.correct for x in finals if x.agent == "weak")


def test_stages_the_coalition_shares_with_a_member_are_made_once(tmp_path: Path) -> None:
    # No skill data: every stage goes to the first member, so the coalition's pipeline
    # is exactly the weak member's own, call for call.
    cfg = parse_config(coalition_config())
    result = run_experiment(cfg, tmp_path)
    usage = result.usage["sim"]
    assert usage["calls"] == 4 * 3 * 4
    assert usage["cache_hits"] == 4 * 4
    t = read_transcript(tmp_path / "transcript.jsonl")
    mine = {(x.episode, x.round): x.reply for x in t.turns if x.agent == "weak"}
    assert all(mine[(x.episode, x.round)] == x.reply for x in t.turns if x.agent == COALITION)
    estimate = dry_run([("coal", cfg)])
    assert (estimate.requests, estimate.calls) == (usage["calls"], usage["calls"] - 16)


def test_a_skill_table_file_is_read_and_a_missing_one_points_to_calibrate(tmp_path: Path) -> None:
    path = tmp_path / "skills.json"
    data = coalition_config()
    data["protocol"]["routing"] = {"table": "skills.json"}
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "skills.json does not exist" in result.output and "sociolab calibrate" in result.output
    assert "Traceback" not in result.output
    path.write_text(json.dumps({"entries": [{"member": "strong", "stage": "plan", "accuracy": 1}]}))
    assert read_table_file(path)[0].category == POOLED
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    t = read_transcript(tmp_path / "o" / "transcript.jsonl")
    assert t.header.components["routing"]["table"] == str(path)
    assert {x.route.member for x in t.turns if x.route and x.pattern == "plan"} == {"strong"}


def test_resuming_after_the_table_changed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "skills.json"
    path.write_text(json.dumps([{"member": "strong", "stage": "plan", "accuracy": 1}]))
    data = coalition_config()
    data["protocol"]["routing"] = {"table": str(path)}
    run_experiment(parse_config(data), tmp_path / "run")
    path.write_text(json.dumps([{"member": "weak", "stage": "plan", "accuracy": 1}]))
    with pytest.raises(RunError, match="skill table changed"):
        run_experiment(parse_config(data), tmp_path / "run", resume=True)


def test_calibration_measures_each_member_on_each_stage(tmp_path: Path) -> None:
    data = coalition_config()
    data["protocol"]["calibration"] = {"reference": "strong"}
    cfg = parse_config(data)
    out = tmp_path / "skills.json"
    result = asyncio.run(calibrate(cfg, out))
    entries = {(e.member, e.stage): e for e in read_table_file(out)}
    assert set(entries) == {(m, s) for m in ("weak", "strong") for s in STAGES}
    assert all(e.category == POOLED and e.n == 4 for e in entries.values())
    # With the strong member as reference, only the weak member's answer stage fails.
    assert entries[("weak", "answer")].accuracy == 0.0
    assert all(entries[("weak", s)].accuracy == 1.0 for s in ("plan", "solve", "check"))
    assert all(entries[("strong", s)].accuracy == 1.0 for s in STAGES)
    assert all(e.tokens > 0 for e in entries.values())
    # 4 questions x 2 members x 4 stages: pipelines of 4 calls. Calls identical to the
    # reference's own are made once: per question its 4, then for the weak member at
    # stage S its own call and the next stage's (whose prompt holds the weak reply);
    # the simulated replies do not depend on the prompt text, so from there on the
    # calls are the reference's again: 4 + (2 + 2 + 2 + 1).
    assert result.requests == 4 * 2 * 4 * 4
    assert result.calls_made == 4 * (4 + 7)
    meta = json.loads(out.read_text())
    assert meta["reference"] == "strong" and meta["questions"] == 4
    assert meta["split"]["kind"] == "disjoint"  # never the questions the run evaluates

    routed = coalition_config()
    routed["protocol"]["routing"] = {"policy": "best", "table": str(out)}
    run = run_experiment(parse_config(routed), tmp_path / "run")
    assert run.accuracy_by_round[-1] == 1.0
    t = read_transcript(tmp_path / "run" / "transcript.jsonl")
    answer = {x.route.member for x in t.turns if x.route and x.pattern == "answer"}
    assert answer == {"strong"}


def test_calibrate_cli_writes_the_table_and_refuses_other_protocols(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(coalition_config()))
    out = tmp_path / "t.json"
    result = CliRunner().invoke(app, ["calibrate", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and "protocol.routing.table" in result.output
    from tests.helpers.configs import sim_config

    society = tmp_path / "s.yaml"
    society.write_text(yaml.safe_dump(sim_config()))
    result = CliRunner().invoke(app, ["calibrate", str(society)])
    assert result.exit_code == 2 and "coalition" in result.output


def test_the_report_compares_the_coalition_with_each_member_alone(tmp_path: Path) -> None:
    entries = [
        (m, s, 1.0 if m == "strong" else 0.0, 10) for s in STAGES for m in ("weak", "strong")
    ]
    data = coalition_config()
    data["protocol"]["routing"] = {"skills": skills(entries)}
    run_experiment(parse_config(data), tmp_path / "run")
    result = make_report([tmp_path / "run"], plots=False)
    console = Console(file=io.StringIO(), width=140)
    render_report(result.metrics, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "coalition vs each member alone" in text
    lines = {ln.split("│")[1].strip(): ln for ln in text.splitlines() if ln.count("│") >= 2}
    assert "100.0%" in lines["coalition (routed)"]
    assert "100.0%" in lines["strong alone"] and "0.0%" in lines["weak alone"]
    assert "strong 100%" in lines["routing · plan"]
    md = (tmp_path / "run" / "report.md").read_text()
    assert "coalition vs each member alone" in md
