"""Chess move validity: BIG-bench agreement with python-chess, the generator, loaders, extraction."""

from __future__ import annotations

import json
from pathlib import Path

import chess
import pytest

from benchmarks.base import Question
from benchmarks.chess import ChessSpec, ChessTask, extract_square
from benchmarks.chess_data import generate_items, load_chess_path
from benchmarks.errors import TaskDataError

DATA = Path(__file__).resolve().parents[2] / "../shared/data"
BIGBENCH = DATA / "chess/synthetic_short.json"
MACHINESOM = DATA / "machinesom/chess.jsonl"
needs_data = pytest.mark.skipif(
    not BIGBENCH.is_file(), reason=f"shared benchmark data not found at {DATA.resolve()}"
)


def _task(**kw: object) -> ChessTask:
    return ChessSpec.model_validate({"name": "chess", **kw}).build()


def _board_and_origin(text: str) -> tuple[chess.Board, chess.Square]:
    *moves, origin = text.split()
    board = chess.Board()
    for uci in moves:
        board.push_uci(uci)  # raises on an illegal move
    return board, chess.parse_square(origin)


@needs_data
def test_all_bigbench_items_agree_with_python_chess() -> None:
    examples = json.loads(BIGBENCH.read_text(encoding="utf-8"))["examples"]
    assert len(examples) == 1000
    with_castling = 0
    for ex in examples:
        board, origin = _board_and_origin(ex["input"])
        moves = [m for m in board.legal_moves if m.from_square == origin]
        castling = {chess.square_name(m.to_square) for m in moves if board.is_castling(m)}
        plain = [chess.square_name(m.to_square) for m in moves if not board.is_castling(m)]
        # BIG-bench lists the legal destinations in python-chess order, never a castling square
        assert ex["target"] == list(dict.fromkeys(plain)), ex["input"]
        assert not castling & set(ex["target"])
        with_castling += bool(castling)
    assert with_castling > 0  # the data does exercise the castling rule


@needs_data
def test_bigbench_castling_in_the_moves_is_written_as_a_king_move() -> None:
    seen: set[str] = set()
    for ex in json.loads(BIGBENCH.read_text(encoding="utf-8"))["examples"]:
        board = chess.Board()
        for uci in ex["input"].split()[:-1]:
            move = chess.Move.from_uci(uci)
            if board.is_castling(move):
                seen.add(uci)
            board.push(move)
    assert seen and seen <= {"e1g1", "e1c1", "e8g8", "e8c8"}


@needs_data
def test_loaders_read_both_shared_files() -> None:
    questions = _task(path=BIGBENCH).questions()
    examples = json.loads(BIGBENCH.read_text(encoding="utf-8"))["examples"]
    assert len(questions) == 1000
    assert questions[1].id == "synthetic_short/1"
    assert [q.gold.split() for q in questions] == [ex["target"] for ex in examples]
    assert [q.metadata["input"] for q in questions] == [ex["input"] for ex in examples]

    sample = _task(path=MACHINESOM).questions()
    rows = [json.loads(line) for line in MACHINESOM.read_text(encoding="utf-8").splitlines()]
    assert len(sample) == 50
    assert [q.gold.split() for q in sample] == [r["valid_squares"] for r in rows]
    assert sample[0].metadata["origin"] == rows[0]["input"].split()[-1]
    bigbench_inputs = {ex["input"] for ex in examples}
    assert all(r["input"] in bigbench_inputs for r in rows)


@needs_data
def test_sampling_from_file_is_seeded() -> None:
    a = [q.id for q in _task(path=BIGBENCH, limit=5, seed=1).questions()]
    b = [q.id for q in _task(path=BIGBENCH, limit=5, seed=1).questions()]
    c = [q.id for q in _task(path=BIGBENCH, limit=5, seed=2).questions()]
    assert a == b and len(a) == 5 and a != c


def test_generated_items_follow_the_bigbench_convention() -> None:
    items = generate_items(200, seed=7, min_plies=2, max_plies=60)
    assert len(items) == 200
    for item in items:
        board, origin = _board_and_origin(item.input)
        piece = board.piece_at(origin)
        assert piece is not None and piece.color == board.turn
        moves = [m for m in board.legal_moves if m.from_square == origin]
        plain = [chess.square_name(m.to_square) for m in moves if not board.is_castling(m)]
        assert list(item.targets) == list(dict.fromkeys(plain)) != []
        assert 2 <= len(item.moves) <= 60


def test_generated_castling_position_leaves_out_the_castling_square() -> None:
    # find a generated item whose origin is a king that may castle: its castling square is absent
    for item in generate_items(400, seed=5, min_plies=4, max_plies=14):
        board, origin = _board_and_origin(item.input)
        castles = [m for m in board.legal_moves if m.from_square == origin and board.is_castling(m)]
        if castles:
            assert chess.square_name(castles[0].to_square) not in item.targets
            return
    pytest.fail("no generated item with a castling option; widen the search")


def test_generator_is_seeded_and_prefix_stable() -> None:
    a = generate_items(5, seed=3, min_plies=2, max_plies=30)
    assert a == generate_items(5, seed=3, min_plies=2, max_plies=30)
    assert a[:3] == generate_items(3, seed=3, min_plies=2, max_plies=30)
    assert a != generate_items(5, seed=4, min_plies=2, max_plies=30)


def test_generated_task_without_path() -> None:
    questions = _task(limit=4, seed=11).questions()
    assert len(questions) == 4
    assert len(_task().questions()) == 50  # the documented default
    assert all(q.gold and "Moves so far" in q.prompt for q in questions)


def test_extraction() -> None:
    cases = [
        ("Final answer: e4", "e4", "final-answer"),
        ("The knight can go to f3.\n\nFinal answer: **G5**", "g5", "final-answer"),
        ("Final answer: g1f3", "f3", "final-answer"),  # a UCI move from the origin g1
        ("After e2e4 the bishop on g1... I pick h3 since it is free.", "h3", "last-square"),
        ("h3 is reachable from g1.", "h3", "last-square"),  # the origin is never the answer
        ("Answer - c3 (or a3)", "c3", "final-answer"),
        ("I cannot tell.", None, "none"),
    ]
    for reply, answer, method in cases:
        got = extract_square(reply, "g1")
        assert (got.answer, got.method) == (answer, method), reply


def test_machinesom_extraction_rule() -> None:
    task = _task(extraction="machinesom")
    q = Question(id="x", prompt="?", gold="e4 e3", metadata={"origin": "e2"})
    got = task.extract("final answer: e3 or e4", q)
    assert (got.answer, got.method) == ("e4", "machinesom-final-answer")  # the last one
    assert task.extract("from e2 to e4", q).answer == "e4"
    assert _task().extract("final answer: e3 or e4", q).answer == "e3"  # ours: the first


def test_scoring_and_wrong_answers() -> None:
    task = _task()
    q = task.questions()[0]
    valid = q.gold.split()
    assert all(task.is_correct(s, q) for s in valid)
    wrong = task.wrong_answers(q)
    assert len(wrong) == 6 and not any(task.is_correct(s, q) for s in wrong)
    assert q.metadata["origin"] not in wrong


def test_errors(tmp_path: Path) -> None:
    bad = tmp_path / "items.jsonl"
    bad.write_text(
        '{"input": "e2e4 e7e5 g1", "valid_squares": ["f3", "e2", "h3"]}\n'
        '{"input": "e2e4 e7e6 e4e6 d7", "valid_squares": ["d6"]}\n',
        encoding="utf-8",
    )
    with pytest.raises(TaskDataError, match=r"items\.jsonl:2: move 3 'e4e6' is illegal"):
        _task(path=bad).questions()
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"input": "e2e4 e5", "valid_squares": ["e4"]}\n', encoding="utf-8")
    with pytest.raises(TaskDataError, match=r"empty\.jsonl:1: no piece of the side to move on e5"):
        _task(path=empty).questions()
    task_json = tmp_path / "task.json"
    task_json.write_text(json.dumps({"examples": [{"input": "e2e4 zz", "target": ["a1"]}]}))
    with pytest.raises(TaskDataError, match=r"examples\[0\]: last token 'zz' is not a square"):
        load_chess_path(tmp_path)
    with pytest.raises(TaskDataError, match="no such file"):
        _task(path=tmp_path / "nope.json").questions()
    with pytest.raises(ValueError, match="min_plies"):
        ChessSpec(name="chess", min_plies=9, max_plies=3)


# The study's parse_answer for chess, worked out by hand: lower-case the reply; if it says
# "final answer", only the text after the last one counts; the last [a-h][1-8] wins.
STUDY_CHESS: list[tuple[str, str | None]] = [
    ("Final Answer: E4", "e4"),
    ("final answer: e3 or e4", "e4"),
    ("Final answer: e4 (from e2)", "e2"),  # the last square, even the origin
    ("I like e5. Final answer: none", None),  # nothing after "final answer": no fallback
    ("Final answer: e4. Final answer: invalid", None),
    ("The knight on b1 goes to c3.", "c3"),
    ("play g1f3", "f3"),  # squares inside a move count one by one
    ("bishop a1b2", "b2"),
    ("h9 or i1", None),  # not squares
    ("Answer: e4", "e4"),  # no "final answer": the last square anywhere
    ("final answer\ne7e8q", "e8"),
]


@pytest.mark.parametrize(("reply", "answer"), STUDY_CHESS)
def test_machinesom_rule_matches_the_study(reply: str, answer: str | None) -> None:
    q = Question(id="x", prompt="?", gold="e4 e3", metadata={"origin": "e2"})
    got = _task(extraction="machinesom").extract(reply, q)
    assert got.answer == answer
    assert (got.method == "none") is (answer is None)


def test_scoring_is_membership_in_the_gold_list() -> None:
    # the study's _judge_answer for chess: the answer is one of the valid squares
    task = _task(extraction="machinesom")
    q = Question(id="x", prompt="?", gold="a7 h6 b6", metadata={"origin": "e3"})
    assert [task.is_correct(a, q) for a in ["a7", "b6", "e3", "a", None]] == [
        True,
        True,
        False,
        False,
        False,
    ]


@pytest.mark.skipif(not MACHINESOM.is_file(), reason=f"shared data not found at {DATA.resolve()}")
def test_the_study_items_keep_their_valid_squares() -> None:
    rows = [json.loads(line) for line in MACHINESOM.read_text(encoding="utf-8").splitlines()]
    questions = _task(path=MACHINESOM, extraction="machinesom").questions()
    assert [q.gold.split() for q in questions] == [r["valid_squares"] for r in rows]
