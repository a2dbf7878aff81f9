"""Chess move-validity items: BIG-bench ``chess_state_tracking`` files, MachineSoM JSONL, a generator.

An item is a game prefix in UCI notation whose last move shows only its origin
square; the answer is any square the piece there can legally move to.

BIG-bench's convention, checked against python-chess on all 1,000 items of
``synthetic_short``: the targets are the destination squares of the legal moves
from the origin square, in python-chess's move-generation order, **without
castling** (castling moves in the game prefix are written as king moves, ``e1g1``,
but a king's castling destination is never a target), each square once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import chess

from benchmarks.errors import TaskDataError
from benchmarks.records import Record, read_json, read_jsonl, require_exists


@dataclass(frozen=True)
class ChessItem:
    """One item: the moves played, the origin square of the next move, the valid squares."""

    ident: str
    moves: tuple[str, ...]
    origin: str
    targets: tuple[str, ...]

    @property
    def input(self) -> str:
        """The item as BIG-bench writes it: the moves, then the origin square."""
        return " ".join((*self.moves, self.origin))


def legal_destinations(board: chess.Board, origin: chess.Square) -> list[str]:
    """Squares the piece on ``origin`` can legally move to, BIG-bench style (no castling)."""
    out: list[str] = []
    for move in board.legal_moves:
        if move.from_square == origin and not board.is_castling(move):
            name = chess.square_name(move.to_square)
            if name not in out:
                out.append(name)
    return out


def replay(moves: list[str] | tuple[str, ...], where: str) -> chess.Board:
    """The board after ``moves`` (UCI), or a :class:`TaskDataError` naming the bad move."""
    board = chess.Board()
    for k, uci in enumerate(moves, start=1):
        try:
            move = chess.Move.from_uci(uci)
        except ValueError:
            raise TaskDataError(f"{where}: move {k} {uci!r} is not UCI notation") from None
        if move not in board.legal_moves:
            raise TaskDataError(f"{where}: move {k} {uci!r} is illegal in that position")
        board.push(move)
    return board


def parse_item(where: str, ident: str, text: str, targets: list[str]) -> ChessItem:
    """Check an item's moves and origin square with python-chess and build it."""
    tokens = text.split()
    if not tokens:
        raise TaskDataError(f"{where}: empty move list")
    *moves, origin = tokens
    board = replay(moves, where)
    try:
        square = chess.parse_square(origin)
    except ValueError:
        raise TaskDataError(f"{where}: last token {origin!r} is not a square") from None
    piece = board.piece_at(square)
    if piece is None or piece.color != board.turn:
        raise TaskDataError(f"{where}: no piece of the side to move on {origin}")
    if not targets or not all(isinstance(t, str) and len(t) == 2 for t in targets):
        raise TaskDataError(f"{where}: expected a non-empty list of target squares")
    return ChessItem(ident, tuple(moves), origin, tuple(t.lower() for t in targets))


def _from_record(rec: Record, prefix: str) -> ChessItem:
    key = "valid_squares" if "valid_squares" in rec.data else "target"
    return parse_item(
        rec.where,
        f"{prefix}/{rec.get('index', rec.position)}",
        rec.text("input"),
        rec.strings(key),
    )


def load_chess_path(path: Path) -> list[ChessItem]:
    """Items of a BIG-bench task JSON (``examples``) or a JSONL file (``input`` + targets)."""
    require_exists(path, "chess data")
    if path.is_dir():
        path = path / "task.json"
        require_exists(path, "BIG-bench task.json")
    if path.suffix.lower() == ".jsonl":
        return [_from_record(r, path.stem) for r in read_jsonl(path)]
    data = read_json(path)
    examples = data.get("examples") if isinstance(data, dict) else None
    if not isinstance(examples, list):
        raise TaskDataError(f"{path}: expected a BIG-bench task with an 'examples' list")
    prefix = str(data.get("name") or path.stem)
    out = []
    for i, ex in enumerate(examples):
        if not isinstance(ex, dict):
            raise TaskDataError(f"{path}: examples[{i}]: expected an object")
        out.append(_from_record(Record(f"{path}: examples[{i}]", i, ex), prefix))
    return out


def generate_items(n: int, seed: int, min_plies: int, max_plies: int) -> list[ChessItem]:
    """``n`` new items from random legal games, seeded; targets by :func:`legal_destinations`.

    Each game plays a uniformly drawn number of plies in ``[min_plies, max_plies]``
    with uniformly random legal moves (a game that ends early is replaced), then a
    random legal non-castling move picks the origin square.
    """
    rng = random.Random(seed)
    out: list[ChessItem] = []
    while len(out) < n:
        board = chess.Board()
        for _ in range(rng.randint(min_plies, max_plies)):
            moves = list(board.legal_moves)
            if not moves:
                break
            board.push(rng.choice(moves))
        candidates = [m for m in board.legal_moves if not board.is_castling(m)]
        if not candidates:
            continue
        origin = rng.choice(candidates).from_square
        out.append(
            ChessItem(
                ident=f"generated-{seed}/{len(out)}",
                moves=tuple(m.uci() for m in board.move_stack),
                origin=chess.square_name(origin),
                targets=tuple(legal_destinations(board, origin)),
            )
        )
    return out
