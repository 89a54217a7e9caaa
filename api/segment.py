"""The Segment HTTP API envelope: parse, check and stamp incoming calls.

Limits follow Segment's (32 KB per event, 500 KB and 2,500 events per batch),
but where Segment drops an oversized event silently, the collector refuses the
request with 413 so the sender knows.
"""

import json
import uuid
import zlib
from datetime import UTC, datetime

from api.errors import CollectorError

MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_BATCH_EVENTS = 2_500

CALL_TYPES = ("identify", "track", "page", "screen", "group", "alias")
# analytics.js posts to one-letter paths; `b` is a batch.
SHORT_PATHS = {"i": "identify", "t": "track", "p": "page", "s": "screen"}
SHORT_PATHS |= {"g": "group", "a": "alias", "b": "batch"}
# Fields a call cannot do without, beyond an anonymousId or userId.
REQUIRED = {"track": ("event",), "alias": ("previousId",), "group": ("groupId",)}


def decode_body(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The request body, gunzipped when the client said so, at most `limit` bytes.

    Inflating stops just past the limit, so a small gzip bomb cannot fill
    memory; an oversized body is refused with 413 like an uncompressed one.
    """
    if (content_encoding or "").lower() == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, limit + 1)
        except zlib.error:
            raise CollectorError(
                400, "invalid_body", "The body is marked gzip but is not valid gzip."
            ) from None
    if len(body) > limit:
        what = "batch" if limit == MAX_BATCH_BYTES else "event"
        raise CollectorError(
            413,
            f"{what}_too_large",
            f"The {what} is over {limit // 1024} KB, the limit.",
        )
    return body


def parse_json(body: bytes) -> dict:
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CollectorError(
            400, "invalid_json", f"The body is not valid JSON ({error})."
        ) from None
    if not isinstance(document, dict):
        raise CollectorError(400, "invalid_json", "The body is not a JSON object.")
    return document


def batch_events(document: dict) -> list[dict]:
    """The items of a batch body, with batch-level fields carried into each."""
    items = document.get("batch")
    if not isinstance(items, list):
        raise CollectorError(400, "missing_field", 'The field "batch" is required.')
    if len(items) > MAX_BATCH_EVENTS:
        raise CollectorError(
            413,
            "batch_too_large",
            f"The batch holds {len(items)} events; the limit is 2,500.",
        )
    shared = {k: document[k] for k in ("context", "integrations") if k in document}
    events = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise CollectorError(
                400, "invalid_event", f"Batch item {position} is not a JSON object."
            )
        _check_size(item, f"batch item {position}")
        event = shared | item
        if "sentAt" not in event and "sentAt" in document:
            event["sentAt"] = document["sentAt"]
        events.append(event)
    return events


def single_event(document: dict, call: str) -> dict:
    return document | {"type": call}


def _check_size(event: dict, what: str) -> None:
    size = len(json.dumps(event, separators=(",", ":")).encode("utf-8"))
    if size > MAX_EVENT_BYTES:
        raise CollectorError(
            413, "event_too_large", f"The {what} is {size} bytes; the limit is 32 KB."
        )


def check_event(event: dict, what: str) -> None:
    """Raise 400 naming the first missing or invalid field."""
    call = event.get("type")
    if call not in CALL_TYPES:
        raise CollectorError(
            400,
            "invalid_field",
            f'The field "type" of the {what} must be one of {", ".join(CALL_TYPES)}.',
        )
    if not event.get("anonymousId") and not event.get("userId"):
        raise CollectorError(
            400,
            "missing_field",
            f'The {what} needs "anonymousId" or "userId".',
        )
    for field in REQUIRED.get(call, ()):
        if not event.get(field):
            raise CollectorError(
                400, "missing_field", f'The field "{field}" of the {what} is required.'
            )


def stamp(event: dict, received: datetime) -> dict:
    """Set receivedAt, a messageId when missing, and correct a skewed clock.

    `timestamp = receivedAt - (sentAt - originalTimestamp)`: the device's
    clock error cancels out because both device times come from it.
    """
    stamped = {k: v for k, v in event.items() if k != "writeKey"}
    stamped["receivedAt"] = _iso(received)
    stamped.setdefault("messageId", f"collector-{uuid.uuid4()}")
    original = _parse_time(event.get("originalTimestamp") or event.get("timestamp"))
    sent = _parse_time(event.get("sentAt"))
    if original is not None and sent is not None:
        stamped["originalTimestamp"] = _iso(original)
        stamped["timestamp"] = _iso(received - (sent - original))
    elif original is None:
        stamped["timestamp"] = stamped["receivedAt"]
    return stamped


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
