"""Reading pieces ahead in a thread keeps their order, errors and cleanup."""

from collections.abc import Iterator

import pytest

from data_contracts.errors import LandingFileError
from data_contracts.file_pieces import read_ahead


def _pieces(count: int, fail_at: int | None, closed: list[bool]) -> Iterator[int]:
    try:
        for index in range(count):
            if index == fail_at:
                raise LandingFileError("web/x.ndjson", f"piece {index} is broken")
            yield index
    finally:
        closed.append(True)


def test_pieces_arrive_in_order_and_the_reader_is_closed() -> None:
    closed: list[bool] = []

    assert list(read_ahead(_pieces(5, None, closed))) == [0, 1, 2, 3, 4]
    assert closed == [True]


def test_an_error_arrives_after_the_pieces_before_it() -> None:
    closed: list[bool] = []
    seen = []

    with pytest.raises(LandingFileError) as raised:
        for piece in read_ahead(_pieces(5, 2, closed)):
            seen.append(piece)

    assert seen == [0, 1]
    assert raised.value.problem == "piece 2 is broken"
    assert closed == [True]


def test_a_caller_that_stops_early_closes_the_reader() -> None:
    closed: list[bool] = []

    with pytest.raises(RuntimeError):
        for piece in read_ahead(_pieces(1000, None, closed)):
            if piece == 3:
                raise RuntimeError("insert failed")

    assert closed == [True]
