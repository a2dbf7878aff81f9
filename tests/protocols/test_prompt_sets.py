"""Prompt sets: the built-in sets send exactly what the studies' code sends; overrides and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.traits import BUILTIN_TRAITS
from protocols.base import PeerReply, TurnContext
from protocols.prompts import (
    PROMPT_SETS,
    PromptFillError,
    debate_text,
    render_question,
    resolve_prompts,
)
from protocols.turns import Debate, Initial, Reflection

# MachineSoM's own templates, as src/prompt.py and src/run_main.py hold them, filled the way
# its code fills them (str.format with positional values, string concatenation).
MS_MMLU_Q = (
    "Can you answer the following question as accurately as possible? {}: A) {}, B) {}, C) {}, "
    "D) {} Explain your answer, putting the answer in the form (X) at the end of your response."
)
MS_CONFIDENT = (
    "Imagine you are {} and {}. Please keep this in mind. If you understand please say ok only."
)
MS_TEMPERATE = "You are {} and {}. Please keep this in mind. If you understand please say ok only."
MS_EXPERT = "an expert in biology, chemistry, computer science, mathematics, physics"
MS_EASY = "are objective and unbiased, and you can be persuaded if other agent's answers make sense"
MS_OVER = "are confident in your answer and often persuades other agents to believe in you"


def ctx(set_name: str, task: str, trait: str = "easy-going", **kw: object) -> TurnContext:
    texts = resolve_prompts(set_name, task)
    return TurnContext(question="Q", trait=BUILTIN_TRAITS[trait], round=0, prompts=texts, **kw)  # type: ignore[arg-type]


def test_builtin_sets_are_registered() -> None:
    assert {"sociolab", "machinesom", "du2023"} <= set(PROMPT_SETS.names())


def test_machinesom_mmlu_question_equals_the_study_format() -> None:
    texts = resolve_prompts("machinesom", "mmlu")
    got = render_question(texts, "Which?", ["w", "x", "y", "z"], texts.instruction_text() or "")
    assert got == MS_MMLU_Q.format("Which?", "w", "x", "y", "z")


def test_machinesom_opening_per_trait_with_the_fixed_expert_role() -> None:
    over = Initial().preamble(ctx("machinesom", "mmlu", "overconfident", role="an expert in x"))
    easy = Initial().preamble(ctx("machinesom", "mmlu", "easy-going"))
    # No system message; one user turn; the per-subject role is replaced by the study's fixed one.
    assert [m.role for m in over] == ["user"]
    assert over[0].content == MS_CONFIDENT.format(MS_EXPERT, MS_OVER)
    assert easy[0].content == MS_TEMPERATE.format(MS_EXPERT, MS_EASY)
    # The question follows without a second system message.
    assert [m.role for m in Initial().build(ctx("machinesom", "mmlu"))] == ["user"]


def test_machinesom_debate_is_anonymous_and_concatenated_like_debate_next() -> None:
    intro = "These are the solutions to the problem from other agents: "
    outro = (
        "\n\n Using the reasoning from other agents as additional advice, can you give an updated "
        "answer? Examine your solution and that other agents step by step. Put your answer in "
        "the form (X) at the end of your response."
    )
    expected = intro
    for reply in ("r1", "r2"):
        expected += "\n\n One agent response: ```{}```".format(reply)  # noqa: UP032 - as the study
    expected += outro
    c = ctx("machinesom", "mmlu", peers=(PeerReply("a1", "r1"), PeerReply("a2", "r2")))
    [msg] = Debate("unused").build(c)
    assert msg.content == expected
    assert "a1" not in msg.content


def test_machinesom_math_texts_keep_the_doubled_braces_the_study_sends() -> None:
    texts = resolve_prompts("machinesom", "math")
    question = render_question(texts, "$1+1$", None, texts.instruction_text() or "")
    study = (
        "Here is a math problem written in LaTeX:{}\nPlease carefully consider it and explain "
        "your reasoning. Put your answer in the form \\boxed{{answer}}, at the end of your response."
    ).format("$1+1$")
    # run_main.debate_start doubles the braces again before sending.
    study = study.replace(
        "Put your answer in the form \\boxed{answer}",
        "Put your answer in the form \\boxed{{answer}}",
    )
    assert question == study
    [refl] = Reflection("unused").build(ctx("machinesom", "math"))
    assert refl.content == (
        "Can you double check that your answer is correct? Please reiterate your answer, with "
        "your answer in the form \\boxed{{answer}}, at the end of your response."
    )


def test_machinesom_chess_question_uses_the_item_input_and_its_last_token() -> None:
    texts = resolve_prompts("machinesom", "chess")
    item = "e2e4 e7e5 g1"
    got = render_question(texts, "ignored", None, texts.instruction_text() or "",
                          metadata={"input": item, "origin": "g1"})  # fmt: skip
    study = (
        'Given the chess game "{}", give one valid destination square for the chess piece at '
        '"{}". Give a one line explanation of why your destination square is a valid move. '
        "State your final answer in a newline with a 2 letter response following the regex "
        "[a-h][1-8]. "
    ).format(item, item.split(" ")[-1])
    assert got == study


def test_du2023_question_and_debate_equal_gen_math() -> None:
    texts = resolve_prompts("du2023", "arithmetic")
    got = render_question(texts, "What is the result of 1+2*3+4-5*6?", None,
                          texts.instruction_text() or "")  # fmt: skip
    assert got == (
        f"What is the result of {1}+{2}*{3}+{4}-{5}*{6}? Make sure to state your answer at the end of "
        "the response."
    )
    prefix = "These are the recent/updated opinions from other agents: "
    for reply in ("x", "y"):
        prefix = prefix + "\n\n One agent response: ```{}```".format(reply)  # noqa: UP032
    prefix += (
        "\n\n Use these opinions carefully as additional advice, can you provide an updated "
        "answer? Make sure to state your answer at the end of the response."
    )
    assert debate_text(texts, [("a", "x"), ("b", "y")], "") == prefix
    assert debate_text(texts, [], "") == (
        "Can you verify that your answer is correct. Please reiterate your answer, making sure "
        "to state your answer at the end of the response."
    )
    assert [m.role for m in Initial().build(ctx("du2023", "arithmetic"))] == ["user"]


def test_sociolab_set_names_peers_and_sends_the_trait_as_system_text() -> None:
    c = ctx("sociolab", "mmlu", peers=(PeerReply("bob", "(B)"),), role="a chemist")
    first = Initial().build(c)
    assert first[0].role == "system"
    assert first[0].content.startswith(BUILTIN_TRAITS["easy-going"].prompt)
    assert first[0].content.endswith(" For this question, act as a chemist.")
    [msg] = Debate("INSTR").build(c)
    assert "Answer from bob:\n```\n(B)\n```" in msg.content
    assert msg.content.endswith("\n\nINSTR")
    assert Initial().preamble(c) == []


def test_a_study_set_refuses_a_task_it_has_no_texts_for() -> None:
    with pytest.raises(ValueError, match=r"machinesom.*mmlu only|only, not 'gsm8k'"):
        resolve_prompts("machinesom", "gsm8k")


def test_fields_override_one_by_one_and_unknown_placeholders_are_refused() -> None:
    texts = resolve_prompts(
        {"base": "machinesom", "debate_peer": "\n\n{agent} said: {reply}"}, "mmlu"
    )
    assert texts.debate_peer == "\n\n{agent} said: {reply}"
    assert texts.debate_intro.startswith("These are the solutions")  # the rest stays the study's
    with pytest.raises(ValueError, match=r"debate_peer: unknown placeholder \{who\}"):
        resolve_prompts({"debate_peer": "{who}"}, "mmlu")
    with pytest.raises(ValueError, match="debate_pear: unknown prompt field"):
        resolve_prompts({"debate_pear": "x"}, "mmlu")
    with pytest.raises(ValueError, match="unknown prompt set 'nope'"):
        resolve_prompts("nope", "mmlu")


def test_a_user_file_extends_sociolab_by_default(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\ndefaults:\n  reflection: 'Again. {instructions}'\n")
    texts = resolve_prompts(str(path), "math")
    assert texts.reflection == "Again. {instructions}"
    assert texts.debate_peer == resolve_prompts("sociolab", "math").debate_peer
    assert texts.name == str(path)


def test_a_missing_trait_text_or_metadata_key_is_a_clear_error() -> None:
    texts = resolve_prompts("machinesom", "chess")
    with pytest.raises(PromptFillError, match="no value for 'input'"):
        render_question(texts, "q", None, "i", metadata={})
    with pytest.raises(PromptFillError, match="no text for trait 'neutral'"):
        Initial().preamble(ctx("machinesom", "chess", "neutral"))


def test_digest_changes_with_any_template() -> None:
    a = resolve_prompts("sociolab", "mmlu")
    b = resolve_prompts({"reflection": "Check. {instructions}"}, "mmlu")
    assert a.digest() != b.digest()
    assert a.digest() == resolve_prompts(None, "mmlu").digest()
