"""Long group labels lose only what every group shares."""

from __future__ import annotations

import io

from rich.console import Console

from societies.analysis.labels import distinct_labels
from societies.analysis.metrics import Run, compute_metrics
from societies.analysis.report import render_report
from societies.transcript.synthetic import EpisodeAnswers, build_transcript

LONG = "openai:meta-llama/Llama-3.1-8B-Instruct-with-a-very-long-suffix-name · 2 easy-going"


def test_shared_words_are_elided_never_the_differing_part() -> None:
    labels = [f"{LONG} + 1 overconfident · 001", f"{LONG} + 1 overconfident · 011"]
    assert distinct_labels(labels, 20) == ["…001", "…011"]
    # the difference in the middle stays whole; shared words on both sides go
    middle = [f"{LONG} alpha-variant tail words here", f"{LONG} beta tail words here"]
    assert distinct_labels(middle, 20) == ["…alpha-variant…", "…beta…"]
    # short labels are untouched; a label that is all prefix of another keeps everything
    assert distinct_labels(["a", "b"], 20) == ["a", "b"]
    assert distinct_labels([LONG, LONG + " x"], 20) == ["…easy-going", "…easy-going x"]
    # one label alone is cut at its end
    assert distinct_labels([LONG], 10) == [LONG[:9] + "…"]


def test_the_terminal_report_shows_the_differing_end_of_long_labels() -> None:
    agents = [("a", "easy-going"), ("b", "easy-going"), ("c", "overconfident")]
    eps = [EpisodeAnswers("q", "1", [["1", "1", "2"]])]
    runs = [
        Run(build_transcript(agents, ["initial"], eps, model=f"{LONG}-{k}"), None, i)
        for i, k in enumerate(("first", "second"))
    ]
    m = compute_metrics(runs, by=["model"])
    assert [g.label for g in m.groups] == [f"synthetic:{LONG}-first", f"synthetic:{LONG}-second"]
    buf = io.StringIO()
    render_report(m, Console(file=buf, width=200))
    text = buf.getvalue()
    # cut at 60 characters both headers read the same; now each shows its own end
    assert "…easy-going-first" in text and "…easy-going-second" in text
