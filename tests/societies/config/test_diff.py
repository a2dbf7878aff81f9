"""Config diffs: which fields changed, and whether each would change a run's results."""

from __future__ import annotations

from societies.config import parse_config
from societies.config.diff import ABSENT, classify, diff_configs
from tests.helpers.configs import sim_config


def _diff(**changes: object) -> list[tuple[str, object, object, str]]:
    old = parse_config(sim_config()).resolved()
    new = parse_config(sim_config(**changes)).resolved()
    return [(c.path, c.old, c.new, c.effect) for c in diff_configs(old, new).changes]


def test_equal_configs_have_no_changes() -> None:
    cfg = parse_config(sim_config()).resolved()
    d = diff_configs(cfg, cfg)
    assert not d and not d.changes_results and d.lines() == []


def test_each_changed_leaf_is_named_by_its_path_with_both_values() -> None:
    changes = _diff(seed=99, concurrency=2)
    assert ("seed", 3, 99, "results") in changes
    assert ("concurrency", None, 2, "none") in changes  # None: the default, sized by backends
    assert len(changes) == 2


def test_list_items_are_walked_by_index_and_a_resized_list_is_one_change() -> None:
    agents = sim_config()["agents"]
    changed = [agents[0], {**agents[1], "trait": "overconfident"}, agents[2]]
    assert _diff(agents=changed) == [("agents[1].trait", "easy-going", "overconfident", "results")]
    (path, old, new, effect), *rest = _diff(agents=agents[:2])
    assert (path, effect, rest) == ("agents", "results", [])
    assert isinstance(old, list) and isinstance(new, list) and (len(old), len(new)) == (3, 2)


def test_results_fields_are_classified_as_changing_results() -> None:
    for changes in (
        {"task": {"name": "arithmetic", "limit": 5}},
        {"generation": {"temperature": 0.5}},
        {"protocol": {"strategy": ["debate", "debate"]}},
        {"decision": "plurality"},
        {"prompts": "du2023"},
        {"graph": {"kind": "ring"}},
        {"backends": {"sim": {"kind": "scripted", "accuracy": {"default": 0.9}}}},
    ):
        effects = {effect for *_, effect in _diff(**changes)}
        assert effects == {"results"}, changes


def test_execution_accounting_and_labels_do_not_change_results() -> None:
    sim = sim_config()["backends"]["sim"]
    backends = {"sim": {**sim, "max_concurrency": 4, "latency_ms": 5.0, "retry": {"attempts": 2}}}
    changes = _diff(name="other", concurrency=3, budget={"max_tokens": 10}, backends=backends)
    assert {path for path, *_ in changes} == {
        "name",
        "concurrency",
        "budget",
        "backends.sim.max_concurrency",
        "backends.sim.latency_ms",
        "backends.sim.retry.attempts",
    }
    assert {effect for *_, effect in changes} == {"none"}


def test_more_repeats_extend_and_fewer_change_results() -> None:
    assert _diff(repeats=5) == [("repeats", 2, 5, "extends")]
    assert _diff(repeats=1) == [("repeats", 2, 1, "results")]


def test_unknown_and_added_fields_count_as_changing_results() -> None:
    assert classify("something_new", 1, 2) == ("results", "")
    assert classify("backends.sim.unknown_knob", 1, 2) == ("results", "")
    assert classify("backends.extra", ABSENT, {"kind": "scripted"}) == ("results", "")
    # a backend's price or threads, in its config or its identity, are harmless
    assert classify("backends.api.price_per_1m_prompt_tokens", None, 2.0)[0] == "none"
    assert classify("backends.local.identity.threads", 1, 4)[0] == "none"
    assert classify("backends.local.identity.model_sha256", "a", "b")[0] == "results"


def test_lines_list_result_changes_first_with_what_each_does() -> None:
    old = parse_config(sim_config()).resolved()
    new = parse_config(sim_config(concurrency=2, seed=7)).resolved()
    lines = diff_configs(old, new).lines()
    assert lines == [
        "seed: 3 -> 7 (changes results)",
        "concurrency: null -> 2 (does not change results: execution)",
    ]
