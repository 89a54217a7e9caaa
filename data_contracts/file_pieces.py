"""Landing files read from disk in bounded pieces, and fingerprinted as a stream.

Nothing here holds a whole file: the checksum is fed block by block, and the
readers get pieces of about `chunk_bytes` cut where a record ends (a newline
for NDJSON, a newline outside quotes for CSV), so memory follows the piece
size, not the file size.
"""

import gzip
import hashlib
import queue
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from data_contracts.byte_scan import byte_positions
from data_contracts.errors import LandingFileError

_BLOCK = 1 << 20
_NEWLINE = ord("\n")
_QUOTE = ord('"')

Read = Callable[[int], bytes]
T = TypeVar("T")


@dataclass(frozen=True)
class Fingerprint:
    """SHA-256 of a file's first `end` bytes, and of a shorter prefix if asked."""

    sha256: str
    prefix_sha256: str | None = None  # of the first `mark` bytes
    prefix_lines: int = 0  # newlines in the first `mark` bytes


def fingerprint(path: Path, end: int, mark: int | None = None) -> Fingerprint:
    """Hash the first `end` bytes of a file in blocks; `mark` < `end` also
    gives the hash and line count of the first `mark` bytes, in the same pass."""
    sha = hashlib.sha256()
    prefix, lines = None, 0
    with path.open("rb") as file:
        if mark is not None:
            lines = _feed(file.read, sha, mark, count_lines=True)
            # hexdigest does not finalise the object: hashing goes on from here.
            prefix = sha.hexdigest()
        _feed(file.read, sha, end - (mark or 0))
    return Fingerprint(sha.hexdigest(), prefix, lines)


def _feed(
    read: Read, sha: "hashlib._Hash", size: int, count_lines: bool = False
) -> int:
    lines = 0
    while size > 0:
        block = read(min(_BLOCK, size))
        if not block:
            break
        sha.update(block)
        if count_lines:
            lines += block.count(b"\n")
        size -= len(block)
    return lines


def complete_end(path: Path, size: int) -> int:
    """Bytes up to and including the last newline: a line still being appended
    is left for the next load."""
    with path.open("rb") as file:
        stop = size
        while stop > 0:
            start = max(0, stop - _BLOCK)
            file.seek(start)
            block = file.read(stop - start)
            found = block.rfind(b"\n")
            if found >= 0:
                return start + found + 1
            stop = start
    return 0


def range_reader(file, start: int, end: int) -> Read:
    """A `read(n)` over bytes [start, end) of an open binary file."""
    file.seek(start)
    left = end - start

    def read(size: int) -> bytes:
        nonlocal left
        block = file.read(min(size, left)) if left > 0 else b""
        left -= len(block)
        return block

    return read


def gzip_reader(file, source_file: str) -> Read:
    """A `read(n)` over a gzip stream that names a broken stream's problem."""
    stream = gzip.GzipFile(fileobj=file)

    def read(size: int) -> bytes:
        try:
            return stream.read(size)
        except (OSError, EOFError, zlib.error) as error:
            raise LandingFileError(
                source_file, f"it is not a valid gzip file ({error})"
            ) from None

    return read


def line_pieces(read: Read, chunk_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Pieces of whole lines of about `chunk_bytes`, each with the number of
    lines before it (the last piece may lack its final newline)."""
    carry, lines_before = b"", 0
    while True:
        block = read(chunk_bytes)
        if not block:
            break
        data = carry + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            continue
        piece, carry = data[:cut], data[cut:]
        yield piece, lines_before
        lines_before += piece.count(b"\n")
    if carry or lines_before == 0:
        yield carry, lines_before


def csv_pieces(read: Read, chunk_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Header-led CSV pieces of about `chunk_bytes`, cut at record ends.

    Yields each piece (the header, then whole records) and the number of lines
    to add to `_source_line` of its rows. A newline ends a record when an even
    number of quotes precede it since the last cut, so a quoted cell spanning
    lines stays whole. A file of one piece comes back unchanged.
    """
    header, header_lines = None, 0
    carry, consumed_lines = b"", 0
    while True:
        block = read(chunk_bytes)
        if not block:
            break
        data = carry + block
        ends = _record_ends(data)
        if header is None:
            if len(ends) == 0:
                carry = data
                continue
            header = data[: ends[0] + 1]
            header_lines = header.count(b"\n")
            data, ends = data[ends[0] + 1 :], ends[1:] - (ends[0] + 1)
            consumed_lines = header_lines
        if len(ends) == 0:
            carry = data
            continue
        cut = int(ends[-1]) + 1
        body, carry = data[:cut], data[cut:]
        yield header + body, consumed_lines - header_lines
        consumed_lines += body.count(b"\n")
    if header is None:
        yield carry, 0
    elif carry or consumed_lines == header_lines:
        yield header + carry, consumed_lines - header_lines


def _record_ends(data: bytes) -> np.ndarray:
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = byte_positions(buf, _NEWLINE)
    quotes = byte_positions(buf, _QUOTE)
    return newlines[np.searchsorted(quotes, newlines) % 2 == 0]


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of `items`, the next one produced in a thread while the
    caller works on the current one.

    Reading and parsing a piece (polars, numpy) and inserting the previous
    one (DuckDB, on one thread for a single Arrow batch) both release the
    GIL, so on two cores they overlap. Up to three pieces are held at once:
    the caller's, one waiting in the queue and one the thread has built.
    An error raised while producing an item is raised here, in its place.
    """
    slots: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                if not _offer(slots, (True, item), stop):
                    return
            _offer(slots, (True, done), stop)
        except BaseException as error:  # handed to the consumer, raised there
            _offer(slots, (False, error), stop)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = slots.get()
            if not ok:
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        worker.join()


def _offer(slots: queue.Queue, entry: tuple, stop: threading.Event) -> bool:
    """Put `entry` once there is room; False if the consumer stopped first."""
    while not stop.is_set():
        try:
            slots.put(entry, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
