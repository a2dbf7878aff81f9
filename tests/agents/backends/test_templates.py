"""The ``plain`` chat template for base models, and the errors for a base model without one."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment
from typer.testing import CliRunner

from agents.backends import ChatRequest, GenParams, HFProvider, HFSpec, Message
from agents.backends.llamacpp.provider import LlamaCppProvider, LlamaCppSpec
from agents.backends.templates import (
    PLAIN_STOPS,
    PLAIN_TEMPLATE,
    template_text,
    with_template_stops,
)
from agents.errors import BackendConfigError
from societies.cli.app import app

CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is 12 + 7?"},
    {"role": "assistant", "content": "19"},
    {"role": "user", "content": "And 3 + 4?"},
]


def render(messages: list[dict[str, str]], *, generation_prompt: bool) -> str:
    """Render like transformers' ``apply_chat_template`` (its Jinja settings)."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    template: jinja2.Template = env.from_string(PLAIN_TEMPLATE)
    return template.render(messages=messages, add_generation_prompt=generation_prompt)


def test_plain_renders_role_labels_and_ends_with_the_assistant_label() -> None:
    assert render(CHAT, generation_prompt=True) == (
        "System: Be brief.\n\nUser: What is 12 + 7?\n\nAssistant: 19\n\n"
        "User: And 3 + 4?\n\nAssistant:"
    )
    # Without the generation prompt a history ends after its last message.
    assert render(CHAT[:3], generation_prompt=False) == (
        "System: Be brief.\n\nUser: What is 12 + 7?\n\nAssistant: 19\n\n"
    )
    # A reply that began with a space (as a base model's does) is shown back trimmed.
    spaced = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  19\n"}]
    assert render(spaced, generation_prompt=True) == "User: Hi\n\nAssistant: 19\n\nAssistant:"
    # A history is a prefix of the longer chat's prompt (the hf backend keeps its state).
    assert render(CHAT, generation_prompt=True).startswith(
        render(CHAT[:3], generation_prompt=False)
    )


def test_plain_is_a_name_other_values_are_template_text() -> None:
    assert template_text("plain") == PLAIN_TEMPLATE
    assert template_text("{{ messages }}") == "{{ messages }}"
    assert template_text(None) is None


def test_plain_adds_its_stop_strings_once_and_keeps_the_request_s_own() -> None:
    req = ChatRequest(
        messages=(Message(role="user", content="hi"),),
        params=GenParams(stop=("###", "\nUser:")),
    )
    out = with_template_stops(req, "plain")
    assert out.params.stop == ("###", "\nUser:", "\nSystem:", "\nAssistant:")
    assert set(PLAIN_STOPS) <= set(out.params.stop)
    assert with_template_stops(req, None) is req
    assert with_template_stops(req, "{{ messages }}") is req


def test_a_base_model_without_a_template_is_a_config_error() -> None:
    for provider, spec in ((HFProvider, HFSpec), (LlamaCppProvider, LlamaCppSpec)):
        with pytest.raises(BackendConfigError, match="chat_template: plain") as info:
            provider.from_spec(spec(model="gemma3-270m"), name="g")
        assert str(info.value).startswith("backends.g.chat_template: 'gemma3-270m' is a base model")
        provider.from_spec(spec(model="gemma3-270m", chat_template="plain"), name="g")


def test_the_cache_identity_holds_the_template_text_not_its_name() -> None:
    plain = HFProvider.from_spec(
        HFSpec(model="gemma3-270m", chat_template="plain", dtype="float32"), name="g"
    )
    spelled = HFProvider.from_spec(
        HFSpec(model="gemma3-270m", chat_template=PLAIN_TEMPLATE, dtype="float32"), name="g"
    )
    assert plain.identity()["chat_template"] == PLAIN_TEMPLATE
    assert plain.identity() == spelled.identity()
    llama = LlamaCppProvider.from_spec(
        LlamaCppSpec(model="gemma3-270m", chat_template="plain"), name="g"
    )
    assert llama.identity()["chat_template"] == PLAIN_TEMPLATE


def test_validate_names_the_fix_in_one_line(tmp_path: Path) -> None:
    config = {
        "name": "base",
        "task": {"name": "arithmetic", "limit": 1},
        "backends": {"g": {"kind": "hf", "model": "gemma3-270m"}},
        "agents": [{"name": "a", "backend": "g"}],
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "backends.g.chat_template" in lines[0]
    assert "`chat_template: plain`" in lines[0]
