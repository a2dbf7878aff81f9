"""``sociolab replay`` tells the whole story: options, messages and peers, provenance,
coalition routes, navigation and filters (on synthetic transcripts)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from agents.types import Message
from societies.cli.app import app
from societies.cli.replay import ReplayOptions, build_story, find, pages, replay
from societies.cli.replay.pages import nearest, next_episode, previous_episode
from societies.transcript import RouteRecord, Transcript
from societies.transcript.synthetic import EpisodeAnswers, build_transcript, write_transcript

AGENTS = [("ada", "overconfident"), ("bo", "easy-going"), ("cy", "easy-going")]
LOOP = "1+1+1+1+1+1+1+1+1+1+1+1"


def _story_transcript() -> Transcript:
    """Three episodes whose filters and conformity are worked out by hand in the tests."""
    return build_transcript(
        AGENTS,
        ["initial", "debate", "debate"],
        [
            # q1: decision none (wrong), then right; bo changes C->B (no majority to join);
            # in round 2 cy changes A->B joining the majority B it saw (F->T), ada and bo stay
            # with it (T->T); cy's round-2 reply is a loop cut at the token limit.
            EpisodeAnswers(
                "q1",
                "B",
                [["B", "C", "A"], ["B", "B", "A"], ["B", "B", "B"]],
                replies={(0, 1): "Lyon is a city in France. Answer: C", (2, 2): LOOP},
                finish={(2, 2): "length"},
                extraction={(2, 2): "last-number"},
                choices=["Paris", "Lyon", "Nice", "Lille"],
            ),
            EpisodeAnswers("q2", "4", [["4", "4", "4"], ["4", "4", "4"], ["4", "4", "4"]]),
            # q1 again: wrong in every round; in round 1 cy changes B->A joining the majority (T->F)
            EpisodeAnswers(
                "q1",
                "B",
                [["A", "A", "B"], ["A", "A", "A"], ["A", "A", "A"]],
                repeat=1,
                choices=["Paris", "Lyon", "Nice", "Lille"],
            ),
        ],
    )


def _render(t: Transcript, opts: ReplayOptions, width: int = 100) -> str:
    buf = io.StringIO()
    replay(t, Console(file=buf, width=width), opts)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _kept(t: Transcript, opts: ReplayOptions) -> list[tuple[int, int]]:
    return [(p.episode, p.round) for p in pages(build_story(t), opts)]


def test_the_question_shows_its_options_and_the_gold_option() -> None:
    out = _render(
        _story_transcript(), ReplayOptions(episodes=frozenset({0}), rounds=frozenset({0}))
    )
    assert "question q1?\n(A) Paris\n(B) Lyon\n(C) Nice\n(D) Lille\ngold: B (Lyon)\n" in out


def test_each_turn_shows_finish_and_extraction_and_marks_truncated_fallback() -> None:
    out = _render(
        _story_transcript(), ReplayOptions(episodes=frozenset({0}), rounds=frozenset({2}))
    )
    assert out.count("finish stop · extraction synthetic") == 2
    assert "finish length · extraction last-number (fallback)" in out
    assert "answer A -> B ✓ ⚠ truncated ⚠ fallback ─╯" in out
    assert out.count("⚠") == 3  # only that turn is marked, and the count that includes it
    assert "consensus ████████████ 3/3 on B ⚠ 1 truncated, 1 fallback · decision B ✓" in out


def test_no_answer_scoring_says_the_truncated_answer_is_not_counted() -> None:
    t = _story_transcript()
    config = {**t.header.config, "scoring": {"truncated": "no-answer"}}
    t = Transcript(t.header.model_copy(update={"config": config}), t.turns, t.end)
    out = _render(t, ReplayOptions(episodes=frozenset({0}), rounds=frozenset({2})))
    assert "answer A -> B ✗ ⚠ truncated (counted as no answer) ⚠ fallback" in out
    # the decision still stands on ada and bo; cy's turn is wrong as counted
    assert "consensus ████████░░░░ 2/3 on B ⚠ 1 truncated, 1 fallback · decision B ✓" in out


def test_messages_show_what_was_sent_and_what_each_peer_said_the_round_before() -> None:
    t = _story_transcript()
    sent = [Message(role="system", content="You are bo."), Message(role="user", content="Q1 text")]
    turns = [
        x.model_copy(update={"messages": sent})
        if (x.episode, x.round, x.agent) == (0, 1, "bo")
        else x
        for x in t.turns
    ]
    t = Transcript(t.header, turns, t.end)
    opts = ReplayOptions(episodes=frozenset({0}), rounds=frozenset({1}), agents=frozenset({"bo"}))
    plain = _render(t, opts)
    assert "saw: ada, cy" in plain and "You are bo." not in plain and "▸" not in plain
    out = _render(t, dataclasses.replace(opts, messages=True, peers=True))
    body = [line.strip("│ ") for line in out.splitlines() if line.startswith("│")]
    assert body[:5] == ["▸ sent: 2 messages", "[system]", "You are bo.", "[user]", "Q1 text"]
    # what the peers said in round 0, with their answers, then bo's own reply
    assert body[5:11] == [
        "▸ peers' replies it saw (round 0)",
        "ada (answer B)",
        "Answer: B",
        "cy (answer A)",
        "Answer: A",
        "▸ reply",
    ]
    assert "saw: " not in out
    only_peers = _render(t, dataclasses.replace(opts, peers=True))
    assert "▸ sent" not in only_peers and "▸ peers' replies it saw (round 0)" in only_peers


def test_round_zero_peers_section_says_it_saw_none() -> None:
    out = _render(
        _story_transcript(),
        ReplayOptions(episodes=frozenset({1}), peers=True, rounds=frozenset({0})),
    )
    assert out.count("▸ saw no peers' replies") == 3


def _coalition() -> Transcript:
    t = build_transcript(
        [("coalition", "coalition"), ("methodical", "careful"), ("concise", "brief")],
        ["plan", "answer"],
        [EpisodeAnswers("m1", "7", [[None, None, None], ["7", "5", "7"]])],
        decision="first",
    )
    routes = {
        0: RouteRecord(
            member="methodical",
            category="math",
            policy="best",
            accuracy=0.8,
            tokens=120.0,
            reason="highest accuracy on plan for math",
        ),
        1: RouteRecord(
            member="concise",
            category="math",
            policy="best",
            accuracy=0.6,
            tokens=40.0,
            reason="highest accuracy on answer for math",
        ),
    }
    turns = [
        x.model_copy(update={"route": routes[x.round]}) if x.agent == "coalition" else x
        for x in t.turns
    ]
    components = {**t.header.components, "protocol": {"kind": "coalition"}}
    return Transcript(t.header.model_copy(update={"components": components}), turns, t.end)


def test_coalition_replay_shows_stages_members_and_why() -> None:
    out = _render(_coalition(), ReplayOptions(), width=140)
    assert "route: plan -> methodical · answer -> concise" in out
    assert "stage 0 · plan" in out and "stage 1 · answer" in out and "round 0" not in out
    assert "─ coalition · plan -> methodical ─" in out
    assert (
        "route -> methodical (policy best, category math, skill accuracy 80%, 120 tokens/call):"
        " highest accuracy on plan for math" in out
    )
    assert "─ concise · brief · answer ─" in out  # a member alone keeps its own title
    assert "stage answers coalition 7 ✓ · methodical alone 5 ✗ · concise alone 7 ✓" in out
    assert "consensus" not in out


def test_filters_wrong_changed_conformity_and_their_combination() -> None:
    t = _story_transcript()
    assert _kept(t, ReplayOptions(wrong=True)) == [(0, 0), (2, 0), (2, 1), (2, 2)]
    assert _kept(t, ReplayOptions(changed=True)) == [(0, 1), (0, 2), (2, 1)]
    # MachineSoM's rule, as the report counts it: staying with the majority conforms too
    assert _kept(t, ReplayOptions(conformity=True)) == [(0, 2), (1, 1), (1, 2), (2, 1), (2, 2)]
    # together on one turn: an agent changed its answer to join the majority
    assert _kept(t, ReplayOptions(changed=True, conformity=True)) == [(0, 2), (2, 1)]
    assert _kept(t, ReplayOptions(changed=True, wrong=True)) == [(2, 1)]
    # the agent selection narrows which turns can match
    assert _kept(t, ReplayOptions(changed=True, agents=frozenset({"ada"}))) == []


def test_conformity_is_named_on_the_turn() -> None:
    out = _render(
        _story_transcript(), ReplayOptions(episodes=frozenset({2}), rounds=frozenset({1}))
    )
    assert out.count("conforms to the majority") == 3
    assert "conforms to the majority (T->F)" in out  # cy: B (right) -> A with the majority


def test_search_matches_replies_and_questions_and_highlights() -> None:
    t = _story_transcript()
    assert _kept(t, ReplayOptions(search="LYON")) == [
        (0, 0),
        (0, 1),
        (0, 2),
        (2, 0),
        (2, 1),
        (2, 2),
    ]
    assert _kept(t, ReplayOptions(search="is a city")) == [(0, 0)]
    assert _kept(t, ReplayOptions(search="nowhere")) == []
    buf = io.StringIO()
    opts = ReplayOptions(search="city", episodes=frozenset({0}), rounds=frozenset({0}))
    replay(t, Console(file=buf, width=100, force_terminal=True, color_system="standard"), opts)
    assert "\x1b[30;43mcity\x1b[0m" in buf.getvalue()


def test_episode_selection_and_navigation_helpers() -> None:
    t = _story_transcript()
    assert _kept(t, ReplayOptions(episodes=frozenset({1}))) == [(1, 0), (1, 1), (1, 2)]
    shown = pages(build_story(t), ReplayOptions())
    assert find(shown, "2") == 6 and find(shown, "q2") == 3 and find(shown, "zz") is None
    assert next_episode(shown, 1) == 3 and next_episode(shown, 8) == 8
    assert previous_episode(shown, 4) == 3 and previous_episode(shown, 3) == 0
    assert previous_episode(shown, 0) == 0
    wrong = pages(build_story(t), ReplayOptions(wrong=True))
    assert nearest(wrong, 0, 1) == 1  # (0, 1) is not kept: the next kept round, (2, 0)
    assert nearest(wrong, 9, 0) == 3


def test_cli_filters_and_messages(tmp_path: Path) -> None:
    path = write_transcript(_story_transcript(), tmp_path / "run" / "transcript.jsonl")
    runner = CliRunner()
    res = runner.invoke(app, ["replay", str(path.parent), "--changed", "--conformity", "--wrong"])
    assert res.exit_code == 0, res.output
    assert "question q1 · repeat 1 · episode 2" in res.stdout and "episode 0" not in res.stdout
    assert res.stdout.count("consensus ") == 1
    res = runner.invoke(
        app,
        ["replay", str(path), "--episode", "0", "--round", "1", "--messages", "--search", "lyon"],
    )
    assert res.exit_code == 0, res.output
    assert "▸ peers' replies it saw (round 0)" in res.stdout and "▸ sent: 1 message" in res.stdout
    assert "Lyon is a city in France." in res.stdout
    bad = runner.invoke(app, ["replay", str(path), "--episode", "7"])
    assert bad.exit_code == 2
    assert bad.output.strip() == "error: --episode: unknown value '7' (known: 0-2)"
    none = runner.invoke(app, ["replay", str(path), "--search", "nowhere"])
    assert none.exit_code == 0 and "nothing to replay" in none.stdout
