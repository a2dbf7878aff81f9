"""Cost in USD at the recorded prices, and a baseline without rounds next to a strategy grid."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from societies.analysis.metrics import Run, compute_metrics, cost, episodes_of, metrics_json
from societies.analysis.tables import sections
from societies.transcript import Transcript
from societies.transcript.synthetic import EpisodeAnswers, build_transcript
from tests.societies.analysis.test_metrics import AGENTS, EPISODES, ROUNDS


def priced(t: Transcript, **prices: float) -> Transcript:
    """``t`` with prices on its backend ``main`` in the recorded config."""
    config: dict[str, Any] = copy.deepcopy(t.header.config)
    config["backends"]["main"].update(prices)
    return dataclasses.replace(t, header=t.header.model_copy(update={"config": config}))


def test_usd_follows_the_recorded_prices_of_each_agents_backend() -> None:
    t = build_transcript(AGENTS, ROUNDS, EPISODES)
    assert cost(episodes_of(Run(t))).usd is None  # no price: no money figure
    both = priced(t, price_per_1m_prompt_tokens=2.0, price_per_1m_completion_tokens=10.0)
    k = cost(episodes_of(Run(both)))
    # 1200 prompt and 240 completion tokens (see test_metrics): 2400 + 2400 micro-dollars
    assert k.usd == pytest.approx(0.0048) and k.usd_per_episode == pytest.approx(0.0012)
    only = priced(t, price_per_1m_completion_tokens=10.0)  # the other price counts as 0
    assert cost(episodes_of(Run(only))).usd == pytest.approx(0.0024)
    assert metrics_json(compute_metrics([Run(both)]))["tokens"]["usd"] == pytest.approx(0.0048)


def test_the_cost_table_shows_calls_and_usd_only_when_some_group_is_priced() -> None:
    plain = build_transcript(AGENTS, ROUNDS, EPISODES, model="m1")
    cheap = priced(build_transcript(AGENTS, ROUNDS, EPISODES, model="m2"),
                   price_per_1m_prompt_tokens=1.0)  # fmt: skip
    table = next(s for s in sections(compute_metrics([Run(plain)])) if s.title == "cost")
    rows = dict(table.rows)
    assert rows["calls"] == ["48"] and "cost (USD)" not in rows
    both = compute_metrics([Run(plain), Run(cheap, index=1)], by=["model"])
    rows = dict(next(s for s in sections(both) if s.title == "cost").rows)
    assert rows["cost (USD)"] == ["–", "0.0012"]  # 1200 prompt tokens at $1 per million
    assert rows["USD per episode"] == ["–", "0.0003"]


def test_a_baseline_without_rounds_is_a_group_but_no_strategy_of_the_study_grid() -> None:
    def run(rounds: list[str], society: list[tuple[str, str]], index: int) -> Run:
        episodes = [
            EpisodeAnswers(e.question_id, e.gold, e.answers[: len(rounds)], e.repeat)
            for e in EPISODES
        ]
        return Run(build_transcript(society, rounds, episodes), index=index)

    calm = [("a", "easy-going"), ("b", "easy-going"), ("c", "easy-going")]
    runs = [
        run(["initial", "debate"], AGENTS, 0),
        run(["initial", "reflection"], AGENTS, 1),
        run(["initial", "debate"], calm, 2),
        run(["initial", "reflection"], calm, 3),
        run(["initial"], AGENTS, 4),  # self-consistency: round 0 alone
    ]
    m = compute_metrics(runs, by=["society", "strategy"])
    baseline = next(g for g in m.groups if g.keys["strategy"] == "round 0 only")
    assert baseline.measures.accuracy.society == [m.groups[0].measures.accuracy.society[0]]
    assert baseline.measures.cost.calls == 4 * 3
    tested = {g for t in m.study.tests for g in t.groups} | {t.given for t in m.study.tests}
    assert "round 0 only" not in tested and {"0", "1"} <= tested
    assert len(m.study.tests) == 2 + 2  # each society across 2 strategies, each strategy across 2
