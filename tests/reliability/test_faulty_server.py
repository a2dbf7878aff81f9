"""A society through a server that faults on 30% of its turns completes in one pass.

20 agents x 10 questions x 3 rounds on a fake OpenAI-compatible server on 127.0.0.1:
30% of the distinct requests fail one to three times before they are answered, with
every transient fault of issue 14 (a 200 with invalid JSON, empty ``choices``, null
content, 500, 429 with Retry-After, a dropped connection); 5% more come without
``usage``. The faults depend on the request's body, not on timing, so the test is
exact: every turn is recorded once, and the server saw turns + counted retries.
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from pathlib import Path

from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript
from tests.helpers.configs import sim_config
from tests.helpers.fake_openai import FakeServer, Fault, running_server

KINDS: list[Fault] = ["invalid_json", "empty_choices", "null_content", 500, 429, "drop"]


class Plan:
    """Which request fails how often and how (from a hash of its body)."""

    def __init__(self) -> None:
        self.seen: Counter[bytes] = Counter()
        self.planned_retries = 0
        self.no_usage = 0

    def __call__(self, index: int, body: bytes) -> Fault:
        h = hashlib.sha256(body).digest()
        sight = self.seen[body]
        self.seen[body] += 1
        if h[0] % 100 < 30:  # 30% of requests: fail 1-3 times, then answer
            failures = 1 + h[1] % 3
            if sight == 0:
                self.planned_retries += failures
            if sight < failures:
                return KINDS[(h[2] + sight) % len(KINDS)]
        elif h[0] % 100 < 35 and sight == 0:
            self.no_usage += 1
            return "no_usage"
        return "ok"


def test_a_society_completes_in_one_pass_through_30_percent_faults(tmp_path: Path) -> None:
    plan = Plan()
    with running_server(FakeServer(faults=plan, headers={"Retry-After": "0"})) as server:
        data = copy.deepcopy(sim_config())
        data["backends"] = {
            "sim": {
                "kind": "openai",
                "model": "fake",
                "base_url": f"http://127.0.0.1:{server.port}/v1",
                "max_concurrency": 32,
                "retry": {"attempts": 4, "initial_s": 0.0, "max_s": 0.01, "jitter_s": 0.0},
            }
        }
        data["agents"] = [{"name": "a", "trait": "easy-going", "backend": "sim", "count": 20}]
        data["graph"] = {"kind": "small-world", "k": 4, "p": 0.1}
        data.update(task={"name": "arithmetic", "limit": 10}, repeats=1, concurrency=10)
        data["protocol"] = {"strategy": ["debate", "debate"]}
        result = run_experiment(parse_config(data), tmp_path, cache="off")
        requests = server.requests
    assert result.status == "complete" and result.errors == []
    turns = read_transcript(tmp_path / "transcript.jsonl").turns
    keys = Counter((t.episode, t.agent, t.round) for t in turns)
    assert len(turns) == 20 * 10 * 3 and set(keys.values()) == {1}
    retries = result.usage["sim"]["retries"]
    assert retries == plan.planned_retries > 0
    assert requests == len(turns) + retries
    assert sum(1 for t in turns if t.usage.estimated) == plan.no_usage > 0
