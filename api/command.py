"""`cdp collector`: serve the event collector with uvicorn."""

import logging
from pathlib import Path

import click

logger = logging.getLogger(__name__)

NO_WRITE_KEY = (
    "No write key is configured for the collector: set CDP_COLLECTOR_WRITE_KEYS"
    " (or collector_write_keys in cdp.yml) to the keys your tracking libraries"
    " send, or pass --allow-any-write-key for local development."
)


@click.command("collector")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8088, show_default=True, type=int)
@click.option(
    "--write-key",
    "write_keys",
    multiple=True,
    help="An accepted Segment write key; repeat for several. Replaces the"
    " collector_write_keys setting.",
)
@click.option(
    "--allow-any-write-key",
    is_flag=True,
    help="Development only: accept events with any write key, or none, logging"
    " a warning for each.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="A browser origin allowed to post events, e.g. https://shop.example.com."
    " Replaces the collector_cors_origins setting.",
)
@click.option(
    "--sendgrid-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SendGrid's webhook verification key (base64 DER); enables signatures."
    " Replaces the collector_sendgrid_key_file setting.",
)
@click.pass_obj
def collector(
    settings,
    host: str,
    port: int,
    write_keys: tuple[str, ...],
    allow_any_write_key: bool,
    cors_origins: tuple[str, ...],
    sendgrid_key_file: Path | None,
) -> None:
    """Receive Segment calls and SendGrid webhooks into the landing folder."""
    import uvicorn

    from api.collector import NoWriteKeyError, create_app

    key_file = sendgrid_key_file or settings.collector_sendgrid_key_file
    config = collector_config(
        settings, write_keys, allow_any_write_key, cors_origins, sendgrid_key_file
    )
    try:
        app = create_app(config)
    except NoWriteKeyError:
        raise click.ClickException(NO_WRITE_KEY) from None
    except ValueError:
        raise click.ClickException(
            f"The SendGrid verification key in {key_file} is not an EC"
            " public key in base64 DER or PEM; copy it again from SendGrid's"
            " Mail Settings."
        ) from None
    logger.info(
        "collector: %d write keys, %d CORS origins",
        len(config.write_keys),
        len(config.cors_origins),
    )
    if not config.sendgrid_public_key:
        logger.warning(
            "email webhooks are accepted unsigned: set collector_sendgrid_key_file"
            " to SendGrid's verification key to refuse forged ones"
        )
    click.echo(f"Collecting events into {config.landing_dir} on http://{host}:{port}")
    uvicorn.run(app, host=host, port=port, log_level="info")


def collector_config(
    settings,
    write_keys: tuple[str, ...] = (),
    allow_any_write_key: bool = False,
    cors_origins: tuple[str, ...] = (),
    sendgrid_key_file: Path | None = None,
):
    """The collector's configuration: the settings, with command-line values first."""
    from api.collector import CollectorConfig

    key_file = sendgrid_key_file or settings.collector_sendgrid_key_file
    return CollectorConfig(
        landing_dir=Path(settings.landing_dir),
        write_keys=frozenset(write_keys or settings.collector_write_keys),
        allow_any_write_key=allow_any_write_key,
        cors_origins=tuple(cors_origins or settings.collector_cors_origins),
        sendgrid_public_key=_read_key_file(key_file) if key_file else None,
    )


def _read_key_file(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise click.ClickException(
            f"Cannot read the SendGrid verification key file {path}"
            f" ({error.strerror}); check collector_sendgrid_key_file or"
            " --sendgrid-key-file."
        ) from None
