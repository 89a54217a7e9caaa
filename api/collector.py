"""The event collector: Segment's HTTP API and SendGrid's event webhook.

Accepted events are appended durably to landing files that the ingestion
assets load on their next run; `{"success": true}` means the events are on
disk. Errors are JSON `{"code", "message"}` as Segment's libraries expect.
"""

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api import segment, signature
from api.errors import CollectorError
from api.landing_writer import LandingWriter

logger = logging.getLogger(__name__)

SUCCESS = {"success": True}
API_DESCRIPTION = (
    "Speaks Segment's HTTP API and receives SendGrid's event webhook. Accepted"
    " events are on disk in the landing folder before the answer"
    ' `{"success": true}`; refusals are JSON `{"code", "message"}`: 400 for a'
    " malformed body or a missing field, 401 for a wrong write key or"
    " signature, 413 for an event over 32 KB or a batch over 500 KB or 2,500"
    " events."
)
_ANY_KEY_WARNING = (
    "accepting any write key %s (--allow-any-write-key): anyone who can reach"
    " this port can add events; configure write keys outside development"
)


@dataclass(frozen=True)
class CollectorConfig:
    """What the collector accepts and where it writes."""

    landing_dir: Path
    write_keys: frozenset[str] = frozenset()
    # Development only: accept any write key, or none, with a warning each time.
    allow_any_write_key: bool = False
    cors_origins: tuple[str, ...] = ()
    sendgrid_public_key: str | None = None  # base64 DER; None: unsigned webhooks


class NoWriteKeyError(ValueError):
    """The collector was given no write key and was not told to accept any."""


def create_app(config: CollectorConfig) -> FastAPI:
    """The collector's FastAPI application.

    Raises:
        NoWriteKeyError: `config` has no write keys and does not allow any key.
        ValueError: the SendGrid verification key is not an EC public key.
    """
    if not config.write_keys and not config.allow_any_write_key:
        raise NoWriteKeyError("the collector needs at least one write key")
    app = FastAPI(
        title="CDP event collector",
        description=API_DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
    )
    writer = LandingWriter(config.landing_dir)
    key = (
        signature.load_public_key(config.sendgrid_public_key)
        if config.sendgrid_public_key
        else None
    )
    if config.allow_any_write_key:
        logger.warning(_ANY_KEY_WARNING, "on start")
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["POST", "OPTIONS"],
            allow_headers=["*"],
            allow_credentials=True,
        )

    @app.exception_handler(CollectorError)
    async def _refused(request: Request, error: CollectorError) -> JSONResponse:
        logger.info("refused %s: %d %s", request.url.path, error.status, error.code)
        return JSONResponse(
            {"code": error.code, "message": error.message}, status_code=error.status
        )

    @app.post("/v1/{call}")
    async def segment_call(call: str, request: Request) -> JSONResponse:
        """A Segment call (identify, track, page, screen, group, alias) or a batch.

        `call` is the call's name, `batch`, or analytics.js's one-letter path
        (`i`, `t`, `p`, `s`, `g`, `a`, `b`). The body is JSON (sent as
        application/json or text/plain, optionally gzip-encoded) with the write
        key as `writeKey` or as the basic auth user.
        """
        call = segment.SHORT_PATHS.get(call, call)
        if call != "batch" and call not in segment.CALL_TYPES:
            raise CollectorError(404, "not_found", f"There is no call /v1/{call}.")
        limit = segment.MAX_BATCH_BYTES if call == "batch" else segment.MAX_EVENT_BYTES
        body = segment.decode_body(
            await request.body(), request.headers.get("content-encoding"), limit
        )
        document = segment.parse_json(body)
        _check_write_key(config, document, request.headers.get("authorization"))
        received = datetime.now(UTC)
        if call == "batch":
            events = segment.batch_events(document)
            what = "batch item {}"
        else:
            events = [segment.single_event(document, call)]
            what = f"{call} call"
        for position, event in enumerate(events, start=1):
            segment.check_event(event, what.format(position))
        stamped = [segment.stamp(event, received) for event in events]
        if stamped:
            # fsync blocks; the event loop keeps serving other requests.
            await run_in_threadpool(writer.append_web_events, stamped, received)
        return JSONResponse(SUCCESS)

    @app.post("/webhooks/email")
    async def email_webhook(request: Request) -> JSONResponse:
        """SendGrid's event webhook: a JSON array of email events.

        When a verification key is configured, the request must carry SendGrid's
        signature and timestamp headers, checked against the raw body.
        """
        raw = await request.body()
        if key is not None:
            signature.verify(
                key,
                raw,
                request.headers.get(signature.SIGNATURE_HEADER),
                request.headers.get(signature.TIMESTAMP_HEADER),
            )
        try:
            events = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CollectorError(
                400, "invalid_json", f"The body is not valid JSON ({error})."
            ) from None
        if not isinstance(events, list):
            raise CollectorError(
                400, "invalid_json", "The body must be a JSON array of events."
            )
        for position, event in enumerate(events, start=1):
            missing = [
                name
                for name in ("email", "event", "sg_event_id", "timestamp")
                if not isinstance(event, dict) or event.get(name) in (None, "")
            ]
            if missing:
                raise CollectorError(
                    400,
                    "missing_field",
                    f'The field "{missing[0]}" of event {position} is required.',
                )
        if events:
            await run_in_threadpool(writer.write_email_events, raw, datetime.now(UTC))
        return JSONResponse(SUCCESS)

    return app


def _check_write_key(
    config: CollectorConfig, document: dict, authorization: str | None
) -> None:
    key = document.get("writeKey") or _basic_auth_user(authorization)
    if key and key in config.write_keys:
        return
    if config.allow_any_write_key:
        logger.warning(_ANY_KEY_WARNING, "for this request")
        return
    if not key:
        raise CollectorError(
            401,
            "missing_write_key",
            "Send the write key as the body's writeKey or as the basic auth user.",
        )
    if key not in config.write_keys:
        raise CollectorError(401, "invalid_write_key", "The write key is not valid.")


def _basic_auth_user(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0] or None
