"""`cdp collector`: serve the event collector with uvicorn."""

from pathlib import Path

import click


@click.command("collector")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8088, show_default=True, type=int)
@click.option(
    "--write-key",
    "write_keys",
    multiple=True,
    help="An accepted Segment write key; repeat for several. None: accept any.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="A browser origin allowed to post events, e.g. https://shop.example.com.",
)
@click.option(
    "--sendgrid-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="SendGrid's webhook verification key (base64 DER); enables signatures.",
)
@click.pass_obj
def collector(
    settings,
    host: str,
    port: int,
    write_keys: tuple[str, ...],
    cors_origins: tuple[str, ...],
    sendgrid_key_file: Path | None,
) -> None:
    """Receive Segment calls and SendGrid webhooks into the landing folder."""
    import uvicorn

    from api.collector import CollectorConfig, create_app

    config = CollectorConfig(
        landing_dir=Path(settings.landing_dir),
        write_keys=frozenset(write_keys),
        cors_origins=cors_origins,
        sendgrid_public_key=(
            sendgrid_key_file.read_text() if sendgrid_key_file else None
        ),
    )
    try:
        app = create_app(config)
    except ValueError:
        raise click.ClickException(
            f"The SendGrid verification key in {sendgrid_key_file} is not an EC"
            " public key in base64 DER or PEM; copy it again from SendGrid's"
            " Mail Settings."
        ) from None
    click.echo(f"Collecting events into {config.landing_dir} on http://{host}:{port}")
    uvicorn.run(app, host=host, port=port, log_level="info")
