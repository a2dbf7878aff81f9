"""Anchor tokens: the normalised surface forms that every member's vocabulary contains.

A token's surface form is the text it stands for. Byte-level BPE vocabularies
(GPT-2 style, SmolLM2) write each byte as a printable character (a space is
"Ġ", a newline "Ċ"); SentencePiece vocabularies (Llama, Gemma) write a space
as "▁" and may hold byte tokens "<0x0A>". Both are decoded to plain text, so
"Ġthe" and "▁the" are the same anchor " the". DeePEn's code only replaces
"Ġ" with "▁" before intersecting the raw strings; decoding every byte also
matches newlines and non-ASCII text, and is a departure named in the README.

Excluded: special tokens (the tokenizer's special and added special tokens),
tokens whose bytes are not complete UTF-8 text, and the empty string. Where
several tokens of one vocabulary have the same surface form (a byte token and
a plain one), the lowest id is the anchor.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

Scheme = Literal["byte-level", "sentencepiece"]

_BYTE_TOKEN = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


@cache
def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable character for each byte, inverted (character -> byte)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars = list(printable)
    shifted = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + shifted)
            shifted += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


def scheme_of(vocab: Mapping[str, int]) -> Scheme:
    """Whether a vocabulary marks spaces byte-level ("Ġ") or SentencePiece-style ("▁")."""
    byte_level = sum(1 for t in vocab if t.startswith("Ġ"))
    sentencepiece = sum(1 for t in vocab if t.startswith("▁"))
    return "byte-level" if byte_level > sentencepiece else "sentencepiece"


def surface(token: str, scheme: Scheme) -> str | None:
    """The text a token stands for; None where it is not complete UTF-8 text."""
    if scheme == "byte-level":
        decoder = _byte_decoder()
        if any(c not in decoder for c in token):
            return None
        raw = bytes(decoder[c] for c in token)
    else:
        match = _BYTE_TOKEN.match(token)
        raw = bytes([int(match.group(1), 16)]) if match else token.replace("▁", " ").encode()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def surface_forms(vocab: Mapping[str, int], excluded: Collection[int] = ()) -> dict[str, int]:
    """Surface form -> lowest token id having it, for one vocabulary (``excluded`` ids left out)."""
    scheme = scheme_of(vocab)
    forms: dict[str, int] = {}
    for token, token_id in vocab.items():
        if token_id in excluded:
            continue
        text = surface(token, scheme)
        if text and (text not in forms or token_id < forms[text]):
            forms[text] = token_id
    return forms


@dataclass(frozen=True)
class Anchors:
    """Anchor tokens shared by all members, in a fixed (sorted) order."""

    forms: tuple[str, ...]
    """The anchors' surface forms, sorted."""
    ids: tuple[tuple[int, ...], ...]
    """Per member, the anchors' token ids in that member's vocabulary (same order as ``forms``)."""

    def __len__(self) -> int:
        return len(self.forms)


def select_anchors(
    vocabs: Sequence[Mapping[str, int]], excluded: Sequence[Collection[int]]
) -> Anchors:
    """The surface forms in every vocabulary, with each member's token id for them."""
    per_member = [surface_forms(v, ex) for v, ex in zip(vocabs, excluded, strict=True)]
    shared = set(per_member[0]).intersection(*per_member[1:])
    forms = tuple(sorted(shared))
    return Anchors(forms=forms, ids=tuple(tuple(m[f] for f in forms) for m in per_member))


def special_ids(tokenizer: Any) -> set[int]:
    """A transformers tokenizer's special token ids, its added special tokens included."""
    ids = {int(i) for i in getattr(tokenizer, "all_special_ids", ())}
    added = getattr(tokenizer, "added_tokens_decoder", {}) or {}
    ids.update(int(i) for i, tok in added.items() if getattr(tok, "special", False))
    return ids


def tokenizer_anchors(tokenizers: Sequence[Any]) -> Anchors:
    """:func:`select_anchors` over transformers tokenizers."""
    return select_anchors([t.get_vocab() for t in tokenizers], [special_ids(t) for t in tokenizers])


__all__ = [
    "Anchors",
    "Scheme",
    "scheme_of",
    "select_anchors",
    "special_ids",
    "surface",
    "surface_forms",
    "tokenizer_anchors",
]
