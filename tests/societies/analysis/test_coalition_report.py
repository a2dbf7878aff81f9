"""A coalition run is reported in stage vocabulary: stages not rounds, the comparison with
each member first, no debate measures, and the coalition never counted as an agent."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from societies.cli.app import app
from tests.societies.engine.test_coalition import STAGES, coalition_config, skills

DEBATE_WORDS = ("conformity", "consensus", "unanimous", "majority", "Asch", "flip", "round")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scripted coalition run: the answer stage goes to the member that is always right."""
    tmp = tmp_path_factory.mktemp("coalition")
    data = coalition_config()
    entries = [
        (m, s, 1.0 if m == "strong" else 0.0, 10) for s in STAGES for m in ("weak", "strong")
    ]
    data["protocol"]["routing"] = {"skills": skills(entries)}
    config = tmp / "c.yaml"
    config.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp / "run")])
    assert result.exit_code == 0, result.output
    (tmp / "summary.txt").write_text(result.output)
    return tmp / "run"


def test_the_run_summary_names_stages(run_dir: Path) -> None:
    text = (run_dir.parent / "summary.txt").read_text()
    assert "coalition answer by stage" in text and "society decision by round" not in text
    rows = [ln.split("│")[1].strip() for ln in text.splitlines() if ln.count("│") >= 3]
    assert rows == STAGES
    # The comparison that matters, in one line: the coalition against each member alone.
    assert "final answers: coalition (routed) 100% (4/4) · weak alone 0% (0/4) · " in text
    assert "strong alone 100% (4/4)" in text


def test_the_report_puts_the_comparison_first_and_has_no_debate_tables(run_dir: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(run_dir), "--no-plots"], terminal_width=160)
    assert result.exit_code == 0, result.output
    text = result.output
    titles = [ln.strip() for ln in text.splitlines() if ln and ln[0].isalpha()]
    assert titles[0] == "coalition vs each member alone"
    assert "coalition answer by stage" in titles
    for word in DEBATE_WORDS:
        assert not any(word in t for t in titles), (word, titles)
    assert "0 plan" in text and "3 answer" in text
    assert "coalition of 1 strong + 1 weak" in text and "plan→solve→check→answer" in text
    assert "1 coalition" not in text and "(coalition)" not in text  # not an agent with a trait
    assert "MachineSoM" not in text  # a study of debates: none of its measures apply
    md = (run_dir / "report.md").read_text()
    assert md.index("coalition vs each member alone") < md.index("coalition answer by stage")
    assert "conformity" not in md and "consensus" not in md


def test_metrics_csv_and_json_have_stage_names_and_no_debate_measures(run_dir: Path) -> None:
    CliRunner().invoke(app, ["report", str(run_dir), "--no-plots"])
    with (run_dir / "metrics.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    measures = {r["measure"] for r in rows}
    assert {"accuracy", "agent_accuracy", "tokens_total"} <= measures
    assert not any(
        m.startswith(("conformity", "asch", "majority", "flip", "trait_")) for m in measures
    )
    assert not any("coalition" in r["subject"] and "trait=" in r["subject"] for r in rows)
    by_round = {r["round"]: r["pattern"] for r in rows if r["measure"] == "accuracy"}
    assert [by_round[str(i)] for i in range(4)] == STAGES
    assert {r["society"] for r in rows} == {"coalition of 1 strong + 1 weak"}
    assert {r["strategy"] for r in rows} == {"plan→solve→check→answer"}
    result = CliRunner().invoke(app, ["report", str(run_dir), "--json"])
    data = json.loads(result.output)
    group = data["groups"][0]
    assert group["kind"] == "coalition" and group["stages"] == STAGES
    for key in ("conformity", "consensus_by_round", "accuracy_by_trait", "behaviour", "asch"):
        assert key not in group and key not in data
    assert group["accuracy_by_round"][-1] == 1.0


def test_plots_are_by_stage_without_consensus_or_conformity(run_dir: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(run_dir), "--out", str(run_dir / "p")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (run_dir / "p").glob("*.png"))
    assert written == ["accuracy_by_round.png", "cost_vs_accuracy.png"]
