"""How answers were obtained: truncated replies, fallback extraction, scoring, money.

Every expectation is worked out by hand on the small transcript below:

    gold "1"; agents a, b, c; rounds initial, debate; majority rule
    episode 0: round 0  1 1 2   round 1  1 1 1   (a and b cut at the token limit in round 1)
    episode 1: round 0  2 1 2   round 1  2 2 1   (a's round 0 by last-number,
                                                  c's round 1 by option-mention, from the cache)

Usage: 10 * (round + 1) prompt and 5 completion tokens per turn.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks import FALLBACK_METHODS, is_fallback
from societies.analysis.metrics import Run, compute_metrics, metrics_json, provenance_warning
from societies.analysis.report import make_report, markdown
from societies.analysis.summary import run_notes
from societies.cli.app import app
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import Transcript, read_transcript
from societies.transcript.synthetic import EpisodeAnswers, build_transcript, write_transcript

AGENTS = [("a", "overconfident"), ("b", "easy-going"), ("c", "easy-going")]
EPISODES = [
    EpisodeAnswers("q0", "1", [["1", "1", "2"], ["1", "1", "1"]]),
    EpisodeAnswers("q1", "1", [["2", "1", "2"], ["2", "2", "1"]]),
]


def _transcript(*, scoring: str | None = None, prices: bool = False) -> Transcript:
    t = build_transcript(AGENTS, ["initial", "debate"], EPISODES)
    for i, x in enumerate(t.turns):
        update: dict[str, object] = {}
        if (x.episode, x.round, x.agent) in {(0, 1, "a"), (0, 1, "b")}:
            update["finish_reason"] = "length"
        if (x.episode, x.round, x.agent) == (1, 0, "a"):
            update["extraction"] = "last-number"
        if (x.episode, x.round, x.agent) == (1, 1, "c"):
            update.update(extraction="option-mention", cached=True)
        t.turns[i] = x.model_copy(update=update)
    config = dict(t.header.config)
    if scoring is not None:
        config["scoring"] = {"truncated": scoring}
    if prices:
        config["backends"] = {
            "main": {
                "kind": "openai",
                "model": "m",
                "price_per_1m_prompt_tokens": 2.0,
                "price_per_1m_completion_tokens": 10.0,
            }
        }
    t.header = t.header.model_copy(update={"config": config})
    return t


def test_fallback_methods_are_last_resorts_of_the_extractors() -> None:
    assert is_fallback("last-number") and is_fallback("option-mention")
    assert is_fallback("machinesom-last-square") and is_fallback("machinesom-paren")
    # stated answers and the studies' primary rules are not fallbacks
    for method in ("answer-is", "boxed", "hashes", "option-text", "final-answer", "du2023"):
        assert not is_fallback(method)
    assert "machinesom-option-text" not in FALLBACK_METHODS


def test_counts_and_shares_by_hand() -> None:
    m = compute_metrics([Run(_transcript())])
    p = m.overall.measures.provenance
    assert (p.turns, p.truncated, p.truncated_answers, p.fallback) == (12, 2, 2, 2)
    assert p.truncated_share == pytest.approx(2 / 12)
    assert p.fallback_share == pytest.approx(2 / 12)
    assert p.methods == {"synthetic": 10, "last-number": 1, "option-mention": 1}
    assert p.scoring == ("keep",)
    # keep: ep0 decides 1 in both rounds (right), ep1 decides 2 in both (wrong)
    assert m.overall.measures.accuracy.society == [0.5, 0.5]


def test_no_answer_scoring_from_the_header_and_from_the_report() -> None:
    # round 1 of episode 0 becomes [None, None, 1]: no majority, so no decision
    for metrics in (
        compute_metrics([Run(_transcript(scoring="no-answer"))]),
        compute_metrics([Run(_transcript())], truncated="no-answer"),
    ):
        g = metrics.overall
        assert g.measures.accuracy.society == [0.5, 0.0]
        assert g.measures.accuracy.no_decision == [0.0, 0.5]
        p = g.measures.provenance
        assert (p.truncated, p.truncated_answers, p.scoring) == (2, 0, ("no-answer",))
    # and a report can recompute a no-answer run as kept
    kept = compute_metrics([Run(_transcript(scoring="no-answer"))], truncated="keep")
    assert kept.overall.measures.accuracy.society == [0.5, 0.5]


def test_warning_above_the_threshold_only() -> None:
    p = compute_metrics([Run(_transcript())]).overall.measures.provenance
    assert provenance_warning(p) == (
        "16.7% of replies (2/12) were cut at the token limit (their answers kept); "
        "16.7% of answers (2/12) were read by a fallback rule, not from a stated answer"
    )
    clean = build_transcript(AGENTS, ["initial", "debate"], EPISODES)
    assert provenance_warning(compute_metrics([Run(clean)]).overall.measures.provenance) is None


def test_report_md_csv_and_json_carry_both(tmp_path: Path) -> None:
    path = write_transcript(_transcript(), tmp_path / "transcript.jsonl")
    result = make_report([path], plots=False)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "> **Warning:** 16.7% of replies (2/12) were cut at the token limit" in md
    assert "| truncated replies | 16.7% (2/12) |" in md
    assert "| fallback answers | 16.7% (2/12) |" in md
    with (tmp_path / "metrics.csv").open(encoding="utf-8") as fh:
        rows = {(r["measure"], r["subject"]): r["value"] for r in csv.DictReader(fh)}
    assert float(rows[("truncated_share", "")]) == pytest.approx(2 / 12)
    assert float(rows[("fallback_share", "")]) == pytest.approx(2 / 12)
    assert float(rows[("extraction_turns", "method=last-number")]) == 1
    j = metrics_json(result.metrics)
    assert j["provenance"]["truncated"] == 2 and j["provenance"]["fallback"] == 2
    assert j["groups"][0]["provenance"]["warning"].startswith("16.7% of replies")
    assert "Warning" not in markdown(
        compute_metrics([Run(build_transcript(AGENTS, ["initial", "debate"], EPISODES))])
    )


def test_report_truncated_option(tmp_path: Path) -> None:
    path = write_transcript(_transcript(), tmp_path / "transcript.jsonl")
    runner = CliRunner()
    for mode, last in (("keep", 0.5), ("no-answer", 0.0)):
        res = runner.invoke(app, ["report", str(path), "--json", "--truncated", mode])
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["accuracy_by_round"] == [0.5, last]
    bad = runner.invoke(app, ["report", str(path), "--json", "--truncated", "drop"])
    assert bad.exit_code == 2
    assert "--truncated: unknown value 'drop' (valid: keep, no-answer)" in bad.output
    assert not (tmp_path / "report.md").exists()  # --json writes nothing


def test_money_from_prices_with_cache_hits_free() -> None:
    k = compute_metrics([Run(_transcript(prices=True))]).overall.measures.cost
    # 11 calls made: 6 x (10, 5) in round 0, 5 x (20, 5) in round 1; 1 cache hit
    assert k.cache_hits == 1
    assert k.spent_usd == pytest.approx((160 * 2.0 + 55 * 10.0) / 1e6)
    # every recorded call at the price (what the method costs): the hit's (20, 5) too
    assert k.usd == pytest.approx((180 * 2.0 + 60 * 10.0) / 1e6)
    assert compute_metrics([Run(_transcript())]).overall.measures.cost.spent_usd is None


def test_run_notes_for_the_summary() -> None:
    notes = run_notes(_transcript(prices=True))
    assert notes.lines == [
        "answers: 2 of 12 replies cut at the token limit (their answers kept), "
        "2 read by a fallback rule",
        "money spent: $0.0009 (1 cache hits, free)",
    ]
    assert len(notes.warnings) == 1


def _cfg(scoring: str) -> dict[str, object]:
    return {
        "name": "cut",
        "seed": 3,
        "task": {"name": "arithmetic", "limit": 6},
        "backends": {"sim": {"kind": "scripted", "accuracy": {"default": 0.6}, "truncation": 0.4}},
        "agents": [{"name": "x", "trait": "easy-going", "backend": "sim", "count": 3}],
        "protocol": {"strategy": "0"},
        "scoring": {"truncated": scoring},
    }


def test_scoring_is_recorded_and_the_run_summary_uses_it(tmp_path: Path) -> None:
    keep = run_experiment(parse_config(_cfg("keep")), tmp_path / "keep")
    cut = run_experiment(parse_config(_cfg("no-answer")), tmp_path / "cut")
    t = read_transcript(cut.transcript)
    assert t.header.config["scoring"] == {"truncated": "no-answer"}
    # the scoring changes no transcript byte but the header, and not the config digest
    assert parse_config(_cfg("keep")).digest() == parse_config(_cfg("no-answer")).digest()
    assert [x.answer for x in t.turns] == [x.answer for x in read_transcript(keep.transcript).turns]
    n_cut = sum(x.finish_reason == "length" for x in t.turns)
    assert 0 < n_cut < len(t.turns)
    # the engine's summary and the analysis agree under each scoring
    for result in (keep, cut):
        m = compute_metrics([Run(read_transcript(result.transcript))])
        assert result.accuracy_by_round == m.overall.measures.accuracy.society
    assert cut.accuracy_by_round != keep.accuracy_by_round


def test_run_command_prints_truncation_fallback_and_money(tmp_path: Path) -> None:
    import yaml

    cfg = tmp_path / "cut.yaml"
    cfg.write_text(yaml.safe_dump(_cfg("keep")), encoding="utf-8")
    res = CliRunner().invoke(app, ["run", str(cfg), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    t = read_transcript(tmp_path / "out" / "transcript.jsonl")
    n_cut = sum(x.finish_reason == "length" for x in t.turns)
    assert f"answers: {n_cut} of {len(t.turns)} replies cut at the token limit" in res.output
    assert "money spent: no prices" in res.output
    assert "warning: " in res.output and "were cut at the token limit" in res.output
