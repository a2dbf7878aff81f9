"""Resuming under a changed config: refused with the field diff when results would change,
otherwise continued (more repeats run only the new episodes) and recorded in the header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from societies.cli.app import app
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.engine.resume import ConfigChangedError, header_diff
from societies.transcript import read_transcript, strip_volatile
from tests.helpers.configs import sim_config

BASE = sim_config(task={"name": "arithmetic", "limit": 2})  # 2 questions x 2 repeats x 3 x 3 turns


def _turns(folder: Path) -> list[Any]:
    return [
        strip_volatile(t.model_dump(mode="json"))
        for t in read_transcript(folder / "transcript.jsonl").turns
    ]


def _calls(result: Any) -> int:
    return sum(u["calls"] for u in result.usage.values())


def test_a_change_that_alters_results_is_refused_naming_each_field(tmp_path: Path) -> None:
    run_experiment(parse_config(BASE), tmp_path)
    before = (tmp_path / "transcript.jsonl").read_bytes()
    changed = {**BASE, "seed": 99, "concurrency": 2}
    with pytest.raises(ConfigChangedError) as caught:
        run_experiment(parse_config(changed), tmp_path, resume=True)
    problems = caught.value.problems
    assert "2 field(s), 1 of which would change its results" in problems[0]
    assert problems[1:] == [
        "seed: 3 -> 99 (changes results)",
        "concurrency: null -> 2 (does not change results: execution)",
    ]
    assert (tmp_path / "transcript.jsonl").read_bytes() == before  # nothing touched


def test_harmless_changes_resume_and_are_recorded_in_the_header(tmp_path: Path) -> None:
    run_experiment(parse_config(BASE), tmp_path)
    turns = _turns(tmp_path)
    sim = {**BASE["backends"]["sim"], "max_concurrency": 4}
    changed = {**BASE, "name": "renamed", "backends": {"sim": sim}, "budget": {"max_tokens": 10**9}}
    result = run_experiment(parse_config(changed), tmp_path, resume=True)
    assert result.status == "complete" and _calls(result) == 0
    assert result.changes == [
        'name: "sim" -> "renamed" (does not change results: a label)',
        "backends.sim.max_concurrency: 1000000 -> 4 (does not change results: execution)",
        'budget: null -> {"max_cost_usd":null,"max_tokens":1000000000} '
        "(does not change results: execution)",
    ]
    t = read_transcript(tmp_path / "transcript.jsonl")
    assert _turns(tmp_path) == turns
    assert t.header.name == "renamed" and t.header.config["backends"]["sim"]["max_concurrency"] == 4
    assert t.header.config_digest == parse_config(changed).digest()
    [amendment] = t.header.amendments
    first = amendment.changes[0]
    assert (first.path, first.old, first.new, first.effect) == ("name", "sim", "renamed", "none")
    # the same config again: nothing more to record
    again = run_experiment(parse_config(changed), tmp_path, resume=True)
    assert again.changes == []
    assert len(read_transcript(tmp_path / "transcript.jsonl").header.amendments) == 1


def test_more_repeats_run_only_the_new_episodes_and_match_a_fresh_run(tmp_path: Path) -> None:
    first = run_experiment(parse_config(BASE), tmp_path / "grown")
    assert _calls(first) == 36
    more = {**BASE, "repeats": 3}
    grown = run_experiment(parse_config(more), tmp_path / "grown", resume=True)
    assert grown.status == "complete" and grown.episodes == 6 and grown.turns == 54
    assert _calls(grown) == 18  # one repeat of 2 questions, 3 agents, 3 rounds: nothing re-run
    assert grown.changes == ["repeats: 2 -> 3 (adds episodes; recorded ones stay)"]
    run_experiment(parse_config(more), tmp_path / "fresh")
    assert _turns(tmp_path / "grown") == _turns(tmp_path / "fresh")
    header = read_transcript(tmp_path / "grown" / "transcript.jsonl").header
    assert header.repeats == 3 and header.amendments[0].changes[0].effect == "extends"


def test_fewer_repeats_are_refused(tmp_path: Path) -> None:
    run_experiment(parse_config(BASE), tmp_path)
    with pytest.raises(ConfigChangedError, match=r"repeats: 2 -> 1 \(changes results\)"):
        run_experiment(parse_config({**BASE, "repeats": 1}), tmp_path, resume=True)


def test_prompt_text_model_identity_and_questions_are_compared_too(tmp_path: Path) -> None:
    run_experiment(parse_config(BASE), tmp_path)
    header = read_transcript(tmp_path / "transcript.jsonl").header
    assert not header_diff(header, header)
    components = {
        **header.components,
        "prompts": {**header.components["prompts"], "digest": "changed"},
        "backends": {"sim": {**header.components["backends"]["sim"], "model_sha256": "abc"}},
    }
    other = header.model_copy(update={"components": components, "questions": header.questions[:1]})
    diff = header_diff(header, other)
    assert diff.changes_results
    paths = [c.path for c in diff.changes]
    assert paths == [
        "prompts (the templates' text)",
        "task (the questions read)",
        "backends.sim.identity.model_sha256",
    ]
    assert '"2 questions, digest ' in diff.lines()[1] and '-> "1 questions' in diff.lines()[1]


def test_the_cli_prints_the_diff_or_the_changes_it_continued_under(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(BASE))
    out = str(tmp_path / "o")
    assert CliRunner().invoke(app, ["run", str(config), "--out", out]).exit_code == 0
    refused = CliRunner().invoke(
        app, ["run", str(config), "--out", out, "--resume", "--set", "seed=5"]
    )
    assert refused.exit_code == 1
    assert "error: seed: 3 -> 5 (changes results)" in refused.output
    ok = CliRunner().invoke(
        app, ["run", str(config), "--out", out, "--resume", "--set", "concurrency=3"]
    )
    assert ok.exit_code == 0, ok.output
    assert "continued under a changed config" in ok.output
    assert "concurrency: null -> 3 (does not change results: execution)" in ok.output


def test_a_moved_data_file_with_the_same_questions_resumes_and_other_content_is_refused(
    tmp_path: Path,
) -> None:
    rows = "What is 1+1?,1,2,3,4,B\nWhat is 2+1?,1,2,3,4,C\n"
    for folder, text in (("a", rows), ("b", rows), ("c", rows.replace("2+1", "2+2"))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x_test.csv").write_text(text)
    data = {**BASE, "task": {"name": "mmlu", "path": str(tmp_path / "a" / "x_test.csv")}}
    run_experiment(parse_config(data), tmp_path / "run")
    moved = {**data, "task": {"name": "mmlu", "path": str(tmp_path / "b" / "x_test.csv")}}
    result = run_experiment(parse_config(moved), tmp_path / "run", resume=True)
    assert result.status == "complete" and _calls(result) == 0
    assert result.changes[0].endswith(
        "(does not change results: the same content, read from another place)"
    )
    other = {**data, "task": {"name": "mmlu", "path": str(tmp_path / "c" / "x_test.csv")}}
    with pytest.raises(ConfigChangedError) as caught:
        run_experiment(parse_config(other), tmp_path / "run", resume=True)
    lines = caught.value.problems[1:]
    assert lines[0].startswith("task.path: ") and lines[0].endswith("(changes results)")
    assert '/b/x_test.csv" -> ' in lines[0] and '/c/x_test.csv" (' in lines[0]  # the ends shown
    assert lines[1].startswith("task (the questions read): ")
