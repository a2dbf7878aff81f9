"""The run summary's rounds and its one sentence, on synthetic transcripts worked out by hand.

Agents a (overconfident), b and c (easy-going); majority decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from societies.analysis.metrics import Run, episodes_of
from societies.analysis.story import round_rows, what_happened
from societies.analysis.summary import run_notes
from societies.cli.app import app
from societies.transcript import Transcript, load_transcript
from societies.transcript.synthetic import EpisodeAnswers, build_transcript
from tests.helpers.configs import sim_config

AGENTS = [("a", "overconfident"), ("b", "easy-going"), ("c", "easy-going")]
DEBATE = ["initial", "debate"]


def _story(rounds: Sequence[str], episodes: Sequence[EpisodeAnswers]) -> str | None:
    return what_happened(episodes_of(Run(build_transcript(AGENTS, rounds, episodes))))


def test_nobody_changed() -> None:
    story = _story(
        DEBATE,
        [
            EpisodeAnswers("q0", "1", [["1", "1", "2"], ["1", "1", "2"]]),
            EpisodeAnswers("q1", "5", [["3", "3", "3"], ["3", "3", "3"]]),
        ],
    )
    assert story == (
        "No agent changed its answer between round 0 and round 1 (debate); "
        "the society was right on 1 of 2 questions in round 0 and on 1 in round 1."
    )


def test_changes_to_and_from_the_right_answer() -> None:
    # q0: c 2 -> 1 (to right); q1: a 5 -> 3 (right to wrong), b 4 -> 3 (wrong to wrong),
    # c None -> 3 (none to wrong); majority of q1 goes from none (5, 4, None) to 3 (wrong).
    story = _story(
        DEBATE,
        [
            EpisodeAnswers("q0", "1", [["1", "1", "2"], ["1", "1", "1"]]),
            EpisodeAnswers("q1", "5", [["5", "4", None], ["3", "3", "3"]]),
        ],
    )
    assert story == (
        "Between round 0 and round 1 (debate), 4 of the 6 agents' answers changed: "
        "1 to the right answer, 1 from the right answer to a wrong one, "
        "2 from one wrong answer (or none) to another; "
        "the society was right on 1 of 2 questions in round 0 and on 1 in round 1."
    )


def test_one_change_to_the_right_answer_that_turns_the_society() -> None:
    story = _story(DEBATE, [EpisodeAnswers("q0", "7", [["7", "2", "3"], ["7", "7", "3"]])])
    assert story == (
        "Between round 0 and round 1 (debate), 1 of the 3 agents' answers changed: "
        "1 to the right answer; "
        "the society was right on 0 of 1 question in round 0 and on 1 in round 1."
    )


def test_compares_round_0_with_the_last_round() -> None:
    # b goes 2 -> 1 -> 2: back where it started, so unchanged; c 3 -> 3 -> 1 changed.
    story = _story(
        ["initial", "debate", "reflection"],
        [EpisodeAnswers("q0", "1", [["1", "2", "3"], ["1", "1", "3"], ["1", "2", "1"]])],
    )
    assert story is not None
    assert story.startswith(
        "Between round 0 and round 2 (debate, reflection), 1 of the 3 agents' answers changed: "
        "1 to the right answer;"
    )


def test_repeats_are_counted_as_episodes() -> None:
    story = _story(
        DEBATE,
        [
            EpisodeAnswers("q0", "1", [["1", "2", "2"], ["1", "1", "2"]], repeat=0),
            EpisodeAnswers("q0", "1", [["1", "1", "1"], ["1", "1", "1"]], repeat=1),
        ],
    )
    assert story is not None
    assert story.endswith("right on 1 of 2 episodes in round 0 and on 2 in round 1.")


def test_no_sentence_without_a_round_after_round_0() -> None:
    assert _story(["initial"], [EpisodeAnswers("q0", "1", [["1", "2", "1"]])]) is None
    # an episode cut inside round 1 has no complete round to compare with
    t = build_transcript(AGENTS, DEBATE, [EpisodeAnswers("q0", "1", [["1", "2", "1"], ["1"] * 3])])
    t.turns.pop()
    assert what_happened(episodes_of(Run(t))) is None


def test_round_rows_consensus_and_conformity() -> None:
    # q0 round 0: 1 1 2 (2 distinct), round 1: 1 1 1 (unanimous, all three conform to "1").
    # q1 round 0: 2 1 2, round 1: 2 2 1: a and b conform to "2", c does not.
    t: Transcript = build_transcript(
        AGENTS,
        DEBATE,
        [
            EpisodeAnswers("q0", "1", [["1", "1", "2"], ["1", "1", "1"]]),
            EpisodeAnswers("q1", "1", [["2", "1", "2"], ["2", "2", "1"]]),
        ],
    )
    rows = round_rows(episodes_of(Run(t)))
    assert [(r.round, r.pattern, r.distinct, r.unanimous) for r in rows] == [
        (0, "initial", 2.0, 0.0),
        (1, "debate", pytest.approx(1.5), 0.5),
    ]
    assert rows[0].conformity is None
    c = rows[1].conformity
    assert c is not None and (c.conforming, c.turns) == (5, 6)
    notes = run_notes(t)
    assert notes.rounds == rows and notes.story is not None


def test_a_coalition_run_has_no_round_table_columns_nor_sentence(tmp_path: Path) -> None:
    from societies.config import parse_config
    from societies.engine.experiment import run_experiment
    from tests.societies.engine.test_coalition import coalition_config

    run_experiment(parse_config(coalition_config()), tmp_path)
    notes = run_notes(load_transcript(tmp_path / "transcript.jsonl"))
    assert notes.rounds == [] and notes.story is None
    assert notes.lines  # the provenance and money lines stay


def test_sociolab_run_prints_the_rounds_and_the_sentence(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text(yaml.safe_dump(sim_config(repeats=1)), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    story = what_happened(episodes_of(Run(load_transcript(tmp_path / "run" / "transcript.jsonl"))))
    assert story is not None and story.startswith(
        "Between round 0 and round 2 (debate, reflection)"
    )
    printed = " ".join(result.output.split())
    assert story in printed
    for cell in ("distinct", "unanimous", "conformity", "0 initial", "1 debate", "2 reflection"):
        assert cell in printed
