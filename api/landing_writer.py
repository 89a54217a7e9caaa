"""Durable writes of collected events into the landing folder.

A request is acknowledged only after its lines are on disk: each append is
one `write` of whole lines followed by `fsync`, under a lock, so a reader
never sees half of a request and a crash loses only unacknowledged events.
The loader reads `collected-*.ndjson` up to its last complete line.
"""

import json
import logging
import os
import threading
import uuid
from datetime import datetime
from pathlib import Path

logger = logging.getLogger(__name__)


class LandingWriter:
    """Appends Segment events and writes SendGrid batches under `<landing>/`."""

    def __init__(self, landing_dir: Path) -> None:
        self.landing_dir = landing_dir
        self._lock = threading.Lock()

    def append_web_events(self, events: list[dict], received: datetime) -> Path:
        """Append events as NDJSON to `web/collected-<received day>.ndjson`."""
        path = self.landing_dir / "web" / f"collected-{received:%Y-%m-%d}.ndjson"
        data = "".join(
            json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n"
            for e in events
        ).encode("utf-8")
        with self._lock:
            created = not path.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                try:
                    _write_all(fd, data)
                    os.fsync(fd)
                except OSError:
                    # A write cut short (disk full) would leave half a line
                    # that the next request's first event would be glued to.
                    os.ftruncate(fd, size)
                    raise
            finally:
                os.close(fd)
            if created:
                _fsync_dir(path.parent)
        return path

    def write_email_events(self, body: bytes, received: datetime) -> Path:
        """Write one webhook body as its own `email/sendgrid-events-*.json`.

        Known shortcoming: one file per webhook call means many small files
        under steady traffic; the loader groups them per transaction, but an
        hourly roll-up would keep the folder small.

        Written to a temporary name and renamed, so the loader never sees a
        partial array.
        """
        folder = self.landing_dir / "email"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"sendgrid-events-{received:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.json"
        temporary = folder / f".{name}.part"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_all(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        path = folder / name
        os.replace(temporary, path)
        _fsync_dir(folder)
        return path


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
