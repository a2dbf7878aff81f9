"""``sociolab report``: golden terminal tables, files written, ``--json``, errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from societies.analysis.metrics import Run, compute_metrics
from societies.analysis.report import make_report, markdown, render_report, to_json
from societies.cli.app import app
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript
from societies.transcript.synthetic import EpisodeAnswers, build_transcript, write_transcript

# The hand-computed episodes of the metrics tests (see the working there).
from tests.societies.analysis.test_metrics import AGENTS, EPISODES, ROUNDS

GOLDEN = """\
runs
┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃                   ┃        001 ┃
┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ runs              │          1 │
│ episodes          │          4 │
│ turns             │         48 │
│ finished episodes │          4 │
│ repeats (samples) │          2 │
│ decision rule     │   majority │
│ status            │ 1 complete │
└───────────────────┴────────────┘
society decision by round
┏━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃              ┃                      001 ┃
┡━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 0 initial    │ 25.0% ±35.4 · none 25.0% │
│ 1 debate     │  75.0% ±35.4 · none 0.0% │
│ 2 debate     │  100.0% ±0.0 · none 0.0% │
│ 3 reflection │  50.0% ±70.7 · none 0.0% │
└──────────────┴──────────────────────────┘
accuracy ±std over repeats (points) · share
with no decision
consensus by round
┏━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┓
┃                       ┃                 001 ┃
┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━┩
│ 0 initial             │ 2.00 · 25.0% · 0.54 │
│ 1 debate              │ 1.75 · 25.0% · 0.43 │
│ 2 debate              │ 1.75 · 25.0% · 0.43 │
│ 3 reflection          │ 1.50 · 50.0% · 0.29 │
│ first unanimous round │                1.00 │
│ never unanimous       │               25.0% │
└───────────────────────┴─────────────────────┘
mean distinct answers · unanimous · normalised
entropy
how answers were obtained
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┓
┃                             ┃                  001 ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━┩
│ truncated replies           │          0.0% (0/48) │
│ truncated replies scored as │          answer kept │
│ fallback answers            │          0.0% (0/48) │
│ extraction methods          │ synthetic 46, none 2 │
└─────────────────────────────┴──────────────────────┘
replies cut at the token limit (finish reason
'length') and answers that a fallback rule found (e.g.
the last number of a reply that states none), over all
turns; a warning above 5%
conformity in debate rounds
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃                                     ┃           001 ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ T->T                                │             6 │
│ T->F                                │             1 │
│ F->T                                │             3 │
│ F->F                                │             4 │
│ rate                                │ 58.3% (14/24) │
│ rate · easy-going                   │ 62.5% (10/16) │
│ rate · overconfident                │   50.0% (4/8) │
│ rate (sociolab, no 'none' majority) │ 58.3% (14/24) │
└─────────────────────────────────────┴───────────────┘
MachineSoM's: new answer among the majority of the
previous answers seen, a missing answer counting as the
value 'none'; old -> new correctness. sociolab's: a
missing answer is never a majority
majority pressure (sociolab's)
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┓
┃                                    ┃          001 ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━┩
│ majority influence · easy-going    │ 100.0% (3/3) │
│ majority influence · overconfident │  50.0% (1/2) │
│ Asch yield                         │  50.0% (1/2) │
│ Asch yield · easy-going            │            – │
│ Asch yield · overconfident         │  50.0% (1/2) │
└────────────────────────────────────┴──────────────┘
majority influence: agents outside a majority that
switched answer · Asch: agents right before facing a
unanimous wrong majority that adopted its answer
answer dynamics
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┓
┃                                     ┃                    001 ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━┩
│ corrected (MachineSoM)              │              50.0% (2) │
│ changed while right (MachineSoM)    │              25.0% (1) │
│ wavered (MachineSoM)                │              25.0% (1) │
│ starts right (MachineSoM)           │              25.0% (1) │
│ ends right (MachineSoM)             │              50.0% (2) │
│ corrected once (sociolab)           │              50.0% (2) │
│ changed once while right (sociolab) │              25.0% (1) │
│ changed twice or more (sociolab)    │              25.0% (1) │
│ stayed right (sociolab)             │               0.0% (0) │
│ stayed wrong (sociolab)             │               0.0% (0) │
│ top patterns                        │ 0011×1, 0110×1, 0111×1 │
│ flip rate · easy-going              │          54.2% (13/24) │
│ flip rate · overconfident           │           33.3% (4/12) │
└─────────────────────────────────────┴────────────────────────┘
classes of the majority-correctness pattern over rounds:
MachineSoM's (overlapping, from the study's pattern lists) and
sociolab's own (one per pattern)
agents
┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃                   ┃                           001 ┃
┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ a (overconfident) │ 100.0% -> 50.0% · flips 33.3% │
│ b (easy-going)    │  25.0% -> 50.0% · flips 58.3% │
│ c (easy-going)    │  25.0% -> 50.0% · flips 50.0% │
└───────────────────┴───────────────────────────────┘
accuracy in round 0 -> last round · flip rate
influence
┏━━━━━━━━┳━━━━━━━━━━━━━┓
┃        ┃         001 ┃
┡━━━━━━━━╇━━━━━━━━━━━━━┩
│ a -> c │ 40.0% (2/5) │
│ b -> c │ 60.0% (3/5) │
│ a -> b │ 75.0% (3/4) │
│ c -> b │ 50.0% (2/4) │
│ b -> a │ 66.7% (2/3) │
│ c -> a │ 33.3% (1/3) │
└────────┴─────────────┘
u -> v: share of v's
changes that adopted u's
previous answer
cost
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━┓
┃                                       ┃   001 ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━┩
│ calls                                 │    48 │
│ prompt tokens                         │ 1,200 │
│ completion tokens                     │   240 │
│ total tokens                          │ 1,440 │
│ per episode                           │ 360.0 │
│ per correct answer                    │ 720.0 │
│ MachineSoM last-call tokens / episode │ 135.0 │
│ cache hits                            │     0 │
└───────────────────────────────────────┴───────┘
tokens recorded on every turn (cache hits
included)
"""


def _render(metrics: object, width: int = 72) -> str:
    buf = io.StringIO()
    render_report(metrics, Console(file=buf, width=width))  # type: ignore[arg-type]
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _run(tmp_path: Path | None = None) -> Run:
    t = build_transcript(AGENTS, ROUNDS, EPISODES)
    if tmp_path is None:
        return Run(t)
    path = write_transcript(t, tmp_path / "transcript.jsonl")
    return Run(t, path)


def test_golden_report_tables() -> None:
    # every number is worked out by hand in test_metrics.py; std over the 2 repeats:
    # round 0: 0/2 and 1/2 -> 0.354; round 3: 2/2 and 0/2 -> 0.707
    out = _render(compute_metrics([_run()], by=["strategy"]))
    assert out == GOLDEN


def test_groups_side_by_side() -> None:
    other = build_transcript(
        AGENTS,
        ["initial", "reflection", "reflection", "reflection"],
        [EpisodeAnswers("q1", "1", [["1", "1", "2"]] * 4)],
    )
    m = compute_metrics([_run(), Run(other, index=1)])
    out = _render(m, width=120)
    header = next(line for line in out.splitlines() if "001" in line and "111" in line)
    assert header.index("001") < header.index("111")
    row = next(line for line in out.splitlines() if line.startswith("│ 0 initial "))
    assert "25.0%" in row and "100.0%" in row
    assert "significance across groups" in out
    assert "final_accuracy by strategy" in out
    # no debate rounds in the second group: no conformity to report
    assert "–" in next(line for line in out.splitlines() if line.startswith("│ rate  "))


def test_files_written(tmp_path: Path) -> None:
    path = write_transcript(
        build_transcript(AGENTS, ROUNDS, EPISODES), tmp_path / "run" / "transcript.jsonl"
    )
    result = make_report([path.parent])
    names = sorted(p.name for p in result.files)
    assert "report.md" in names and "metrics.csv" in names
    for png in ("accuracy_by_round", "consensus_by_round", "conformity", "cost_vs_accuracy"):
        data = (path.parent / f"{png}.png").read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with (path.parent / "metrics.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    acc = {r["round"]: float(r["value"]) for r in rows if r["measure"] == "accuracy"}
    assert acc == {"0": 0.25, "1": 0.75, "2": 1.0, "3": 0.5}
    tt = next(
        r for r in rows if r["measure"] == "conformity_count" and r["subject"] == "transition=T->T"
    )
    assert (tt["value"], tt["round"]) == ("6.0", "")
    rate = next(
        r
        for r in rows
        if r["measure"] == "conformity_rate" and (r["subject"], r["round"]) == ("", "")
    )
    assert float(rate["value"]) == pytest.approx(14 / 24)
    assert {r["strategy"] for r in rows} == {"001"}
    md = (path.parent / "report.md").read_text(encoding="utf-8")
    assert "| 1 debate | 75.0% ±35.4 · none 0.0% |" in md
    assert "![accuracy\\_by\\_round](accuracy_by_round.png)" in md


def test_parquet_matches_csv(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = write_transcript(
        build_transcript(AGENTS, ROUNDS, EPISODES), tmp_path / "transcript.jsonl"
    )
    make_report([path], plots=False)
    table = pq.read_table(tmp_path / "metrics.parquet").to_pylist()
    with (tmp_path / "metrics.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(table)
    acc = {r["round"]: r["value"] for r in table if r["measure"] == "accuracy"}
    assert acc == {0: 0.25, 1: 0.75, 2: 1.0, 3: 0.5}


def test_hostile_names_and_answers_stay_inert(tmp_path: Path) -> None:
    evil = "[bold red]x\x1b]0;pwned\x07"
    t = build_transcript(
        [("a|b", evil), ("b", "easy-going"), ("c", "easy-going")],
        ["initial", "debate"],
        [EpisodeAnswers("q", "\x1b[2J", [["\x1b[2J", "1", "1"], ["\x1b[2J", "\x1b[2J", "1"]])],
        task="$x^$",
    )
    m = compute_metrics([Run(t)])
    buf = io.StringIO()
    render_report(m, Console(file=buf, width=150, force_terminal=True, color_system="truecolor"))
    out = buf.getvalue()
    assert "\x1b]0;" not in out and "\x07" not in out and "\x1b[2J" not in out
    assert "[bold red]x" in out
    md = markdown(m)
    assert "\x1b" not in md and "a\\|b" in md
    assert "\x1b" not in to_json(m)
    make_report([write_transcript(t, tmp_path / "transcript.jsonl")])  # plots with "$" labels


def _scripted_run(tmp_path: Path) -> Path:
    cfg = parse_config(
        {
            "name": "sim",
            "seed": 1,
            "task": {"name": "arithmetic", "limit": 6},
            "backends": {
                "sim": {"kind": "scripted", "accuracy": {"overconfident": 0.7, "easy-going": 0.4}}
            },
            "agents": [
                {"name": "ada", "trait": "overconfident", "backend": "sim"},
                {"name": "bo", "trait": "easy-going", "backend": "sim", "count": 2},
            ],
            "protocol": {"strategy": "001"},
            "repeats": 2,
        }
    )
    out = tmp_path / "sim"
    run_experiment(cfg, out)
    return out


def test_report_json_on_a_real_transcript(tmp_path: Path) -> None:
    folder = _scripted_run(tmp_path)
    result = CliRunner().invoke(app, ["report", str(folder), "--json", "--no-plots"])
    assert result.exit_code == 0, result.output
    j = json.loads(result.stdout)
    t = read_transcript(folder / "transcript.jsonl")
    assert (j["episodes"], j["turns"]) == (6 * 2, 6 * 2 * 3 * 4)
    assert j["tokens"]["prompt"] == sum(x.usage.prompt_tokens for x in t.turns)
    assert j["tokens"]["completion"] == sum(x.usage.completion_tokens for x in t.turns)
    assert j["tokens"]["total"] == j["tokens"]["prompt"] + j["tokens"]["completion"]
    assert len(j["accuracy_by_round"]) == len(j["consensus_by_round"]) == 4
    # mean distinct answers, recomputed from the raw turns
    for r in range(4):
        per_ep: dict[int, set[str | None]] = {}
        for x in t.turns:
            if x.round == r:
                per_ep.setdefault(x.episode, set()).add(x.answer)
        assert j["consensus_by_round"][r] == pytest.approx(
            sum(len(s) for s in per_ep.values()) / len(per_ep)
        )
    conf = j["conformity"]
    assert sum(conf[k] for k in ("T->T", "T->F", "F->T", "F->F")) == conf["conforming"]
    assert conf["turns"] == 12 * 3 * 2  # two debate rounds
    assert conf["rate"] == pytest.approx(conf["conforming"] / conf["turns"])
    # --json prints only: no file is written unless asked with --write
    assert not (folder / "metrics.csv").exists() and not (folder / "report.md").exists()
    again = CliRunner().invoke(app, ["report", str(folder), "--json", "--write", "--no-plots"])
    assert again.exit_code == 0, again.output
    assert (folder / "metrics.csv").exists() and (folder / "report.md").exists()


def test_report_cli_tables_and_errors(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    write_transcript(build_transcript(AGENTS, ROUNDS, EPISODES), folder / "transcript.jsonl")
    runner = CliRunner()
    ok = runner.invoke(app, ["report", str(folder), "--no-write"])
    assert ok.exit_code == 0
    assert "58.3% (14/24)" in ok.stdout
    assert not (folder / "report.md").exists()
    missing = runner.invoke(app, ["report", str(tmp_path / "nope")])
    assert missing.exit_code == 1
    assert (
        missing.output.strip().startswith("error: ")
        and len(missing.output.strip().splitlines()) == 1
    )
    bad = runner.invoke(app, ["report", str(folder), "--by", "colour", "--no-write"])
    assert bad.exit_code == 2
    assert (
        bad.output.strip()
        == "error: --by: unknown key 'colour' (known: society, strategy, task, model)"
    )
    broken = tmp_path / "broken" / "transcript.jsonl"
    broken.parent.mkdir()
    broken.write_text('{"type": "turn"}\n', encoding="utf-8")
    res = runner.invoke(app, ["report", str(broken)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.startswith("error: ") and "header" in res.output


def test_sweep_folder_reports_every_run(tmp_path: Path) -> None:
    write_transcript(
        build_transcript(AGENTS, ROUNDS, EPISODES), tmp_path / "s" / "r1" / "transcript.jsonl"
    )
    other = build_transcript(
        AGENTS, ["initial", "debate"], [EpisodeAnswers("q", "1", [["1", "1", "2"]] * 2)]
    )
    write_transcript(other, tmp_path / "s" / "r2" / "transcript.jsonl")
    result = make_report([tmp_path / "s"], plots=False)
    assert [g.label for g in result.metrics.groups] == ["001", "0"]
    assert (tmp_path / "s" / "report.md").exists()
