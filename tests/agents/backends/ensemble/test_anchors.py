"""Anchor selection: surface forms shared by a byte-level and a SentencePiece vocabulary."""

from __future__ import annotations

from agents.backends.ensemble.anchors import scheme_of, select_anchors, surface, surface_forms

BYTE_LEVEL = {"Ġthe": 0, "a": 1, "Ċ": 2, "<eos>": 3, "Ġ": 4, "Ã©": 5, "Ã": 6, "Ġcat": 7}
SENTENCEPIECE = {"▁the": 10, "a": 3, "<0x0A>": 5, "<eos>": 1, "▁": 2, "é": 7, "\n": 4, "dog": 9}


def test_surface_forms_decode_both_markers_and_bytes() -> None:
    assert scheme_of(BYTE_LEVEL) == "byte-level" and scheme_of(SENTENCEPIECE) == "sentencepiece"
    assert surface("Ġthe", "byte-level") == surface("▁the", "sentencepiece") == " the"
    assert surface("Ċ", "byte-level") == surface("<0x0A>", "sentencepiece") == "\n"
    assert surface("Ã©", "byte-level") == "é"
    assert surface("Ã", "byte-level") is None  # the lead byte c3 alone is not text
    assert surface("<0xE2>", "sentencepiece") is None  # a lone lead byte is not text


def test_one_vocabulary_keeps_the_lowest_id_per_form_and_drops_excluded_ids() -> None:
    forms = surface_forms(SENTENCEPIECE, excluded={1})
    assert forms["\n"] == 4  # "\n" (4) and "<0x0A>" (5) are the same text
    assert "<eos>" not in forms


def test_anchors_are_the_shared_forms_without_special_tokens() -> None:
    anchors = select_anchors([BYTE_LEVEL, SENTENCEPIECE], [{3}, {1}])
    # shared: " the", "a", "\n", " ", "é"; not "<eos>" (special), " cat"/"dog" (one side only)
    assert anchors.forms == ("\n", " ", " the", "a", "é")  # sorted
    by_form = dict(zip(anchors.forms, zip(*anchors.ids, strict=True), strict=True))
    assert by_form == {" the": (0, 10), "a": (1, 3), "\n": (2, 4), " ": (4, 2), "é": (5, 7)}
    assert len(anchors) == 5
