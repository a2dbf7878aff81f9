"""Du et al.'s score: final-round plurality over parsed answers, skip rule, mean ± SE."""

from __future__ import annotations

import dataclasses
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from benchmarks import parse_du2023
from societies.analysis.metrics import DU_MEASURE, Run, compute_metrics, du_score, episodes_of
from societies.analysis.report import make_report, render_report, to_json
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript
from societies.transcript.synthetic import EpisodeAnswers, build_transcript, write_transcript

AGENTS = [("a", "easy-going"), ("b", "easy-going"), ("c", "overconfident")]
ROUNDS = ["initial", "debate"]
# answers[round][agent]; gold 7 everywhere. Du's decision on the last round, by hand:
FINAL: list[tuple[list[str | None], int | None]] = [
    (["7", "7", "3"], 1),  # plurality 7: right
    (["3", "7", "5"], 0),  # full tie: the first agent's 3: wrong
    ([None, "7", "3"], 1),  # None dropped, tie: the first parsed answer, 7: right
    ([None, None, None], None),  # no parsed answer: skipped (round 0 was right: not used)
    (["5", "7", "7"], 1),  # plurality 7 over the first agent: right
    ([None, "4", None], 0),  # one parsed answer decides: wrong
]
# scored: [1, 0, 1, 1, 0]; mean 3/5; population std sqrt(0.6 * 0.4); SE std / sqrt(5)
MEAN, SE = 0.6, math.sqrt(0.24) / math.sqrt(5)


def _episodes() -> list[EpisodeAnswers]:
    eps = [EpisodeAnswers(f"q{i}", "7", [["7", "7", "7"], row]) for i, (row, _) in enumerate(FINAL)]
    # an unfinished episode (its last round missing) is not scored and not skipped
    return [*eps, EpisodeAnswers("q9", "7", [["7", "7", "7"]])]


def _run(decision: str = "du2023", extraction: str | None = "du2023") -> Run:
    t = build_transcript(AGENTS, ROUNDS, _episodes(), decision=decision, task="arithmetic")
    if extraction is not None:
        t.header.config["task"]["extraction"] = extraction
    # replies cut at the token limit: counted only for a last-round answer of a finished episode
    cut = {(0, 1, "a"), (0, 0, "b"), (3, 1, "a"), (6, 0, "a")}
    turns = [
        x.model_copy(update={"finish_reason": "length"})
        if (x.episode, x.round, x.agent) in cut
        else x
        for x in t.turns
    ]
    return Run(dataclasses.replace(t, turns=turns))


def test_hand_computed_score_equals_dus_numpy_formula() -> None:
    d = du_score(episodes_of(_run()))
    scores = [s for _, s in FINAL if s is not None]
    assert (d.finished, d.scored, d.correct, d.skipped) == (6, 5, 3, 1)
    assert d.mean == pytest.approx(MEAN) == pytest.approx(float(np.mean(scores)))
    assert d.se == pytest.approx(SE)
    assert d.se == pytest.approx(float(np.std(scores) / (len(scores) ** 0.5)))
    assert d.accuracy_skips_wrong == pytest.approx(3 / 6)
    assert d.truncated == 1  # episode 0's agent a; not round 0, a None answer, or unfinished


def test_dus_rule_is_used_whatever_the_runs_rule() -> None:
    du = compute_metrics([_run()]).overall
    maj = compute_metrics([_run("majority")]).overall
    assert maj.measures.du2023 == du.measures.du2023
    # the run's own final accuracy: du2023 counts a skip wrong (3/6); majority 2/6
    assert du.values[("final_accuracy", None, "")] == pytest.approx(3 / 6)
    assert maj.values[("final_accuracy", None, "")] == pytest.approx(2 / 6)
    assert du.values[(DU_MEASURE, None, "")] == pytest.approx(MEAN)
    assert du.values[("du2023_skipped", None, "")] == 1


def test_nothing_scored() -> None:
    t = build_transcript(AGENTS, ROUNDS, [EpisodeAnswers("q", "7", [["7"] * 3, [None] * 3])])
    d = du_score(episodes_of(Run(t)))
    assert (d.scored, d.skipped, d.mean, d.se, d.accuracy_skips_wrong) == (0, 1, None, None, 0.0)
    assert du_score([]).accuracy_skips_wrong is None


def test_report_json_and_table(tmp_path: Path) -> None:
    m = compute_metrics([_run()])
    j = json.loads(to_json(m))["du2023"]
    assert (j["scored"], j["skipped"], j["finished"], j["extraction"]) == (5, 1, 6, ["du2023"])
    assert (j["mean"], j["se"]) == (pytest.approx(MEAN), pytest.approx(SE))
    assert (j["accuracy_skips_wrong"], j["truncated"]) == (pytest.approx(0.5), 1)
    buf = io.StringIO()
    render_report(m, Console(file=buf, width=140))
    out = buf.getvalue()
    assert "Du et al.'s score (final round)" in out
    assert "60.0% ± 21.9 (n=5)" in out  # SE 0.2191 in points
    assert "1 of 6" in out and "50.0% (3/6)" in out
    path = write_transcript(_run().transcript, tmp_path / "run" / "transcript.jsonl")
    md = make_report([path.parent], plots=False).files[0].read_text(encoding="utf-8")
    assert "### Du et al.'s score (final round)" in md and "60.0% ± 21.9 (n=5)" in md


def test_table_only_for_du_runs_and_names_the_parser() -> None:
    def render(run: Run) -> str:
        buf = io.StringIO()
        render_report(compute_metrics([run]), Console(file=buf, width=140))
        return buf.getvalue()

    assert "Du et al.'s score" not in render(_run("majority", extraction=None))
    ours = render(_run(extraction=None))  # Du's rule on answers our parser read
    row = next(line for line in ours.splitlines() if "answers read by" in line)
    assert "default" in row
    assert "Du et al.'s score" in render(_run("majority", extraction="du2023"))


def _most_frequent(values: list[float]) -> float:
    """Du et al.'s ``most_frequent``, as written in their math/gen_math.py."""
    counter, num = 0, values[0]
    for i in values:
        if values.count(i) > counter:
            counter, num = values.count(i), i
    return num


def test_a_du_run_scores_as_dus_loop_on_its_replies(tmp_path: Path) -> None:
    cfg = parse_config(
        {
            "name": "du",
            "seed": 5,
            "task": {"name": "arithmetic", "limit": 30, "items": "du2023", "extraction": "du2023"},
            "backends": {"sim": {"kind": "scripted", "accuracy": {"default": 0.4}}},
            "agents": [{"name": "a", "backend": "sim", "count": 3}],
            "protocol": {"strategy": ["debate", "debate"]},
            "decision": "du2023",
            "prompts": "du2023",
        }
    )
    result = run_experiment(cfg, tmp_path / "run", cache="off")
    t = read_transcript(result.transcript)
    first = next(x for x in t.turns if x.episode == 0 and x.round == 0)
    assert [(m.role, m.content) for m in first.messages] == [
        (
            "user",
            "What is the result of 12+15*21+0-3*27? "
            "Make sure to state your answer at the end of the response.",
        )
    ]  # Du's first message for its first item, as gen_math.py sends it
    gold = {q.id: int(q.gold) for q in t.header.questions}
    scores = []  # Du's loop over the recorded last-round replies
    for ep in sorted({x.episode for x in t.turns}):
        last = [x for x in t.turns if x.episode == ep and x.round == 2]
        parsed = [v for x in last if (v := parse_du2023(x.reply)) is not None]
        if parsed:
            scores.append(int(_most_frequent(parsed) == gold[last[0].question_id]))
    assert 0 < sum(scores) < len(scores)  # both outcomes occur, so the check can fail
    j = json.loads(to_json(compute_metrics([Run(t)])))["du2023"]
    assert j["scored"] == len(scores) and j["skipped"] == 30 - len(scores)
    assert j["mean"] == pytest.approx(float(np.mean(scores)))
    assert j["se"] == pytest.approx(float(np.std(scores) / len(scores) ** 0.5))
