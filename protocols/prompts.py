"""Prompt texts (our own wording)."""

SYSTEM = "{trait}{role}"
ROLE = " For this question, act as {role}."

DEBATE_INTRO = "Here are the most recent answers of the other participants:"
DEBATE_PEER = "Answer from {agent}:\n```\n{reply}\n```"
DEBATE_OUTRO = (
    "Consider their reasoning as additional evidence and check your own answer and theirs "
    "step by step. Then give your updated answer.\n\n{instructions}"
)
DEBATE_ALONE = (
    "No other participant's answer reached you this round. Check your previous answer step "
    "by step and give your final answer.\n\n{instructions}"
)
REFLECTION = (
    "Look back at your previous answer. Check each step of your reasoning for mistakes, "
    "correct anything that is wrong, and give your final answer.\n\n{instructions}"
)
