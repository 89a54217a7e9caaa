"""The platform's one settings object, read from the environment and YAML.

Every setting can be given as a `CDP_<NAME>` environment variable or as a key
in a YAML file (`cdp.yml` in the working directory, or the file named by
`CDP_CONFIG`). Environment variables win over the file. Libraries never read
the environment: they receive these values as arguments.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

CONFIG_FILE_ENV = "CDP_CONFIG"
DEFAULT_CONFIG_FILE = Path("cdp.yml")


class ConfigError(Exception):
    """A setting is missing or invalid; the message says which and how to fix it."""


class Settings(BaseSettings):
    """Where the platform keeps its data and how it behaves."""

    model_config = SettingsConfigDict(
        env_prefix="CDP_",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for landing files, the warehouse and run history.",
    )
    warehouse_path: Path | None = Field(
        default=None,
        description="The DuckDB warehouse file; default <data_dir>/warehouse.duckdb.",
    )
    landing_dir: Path | None = Field(
        default=None,
        description="Where source files land; default <data_dir>/landing.",
    )
    dagster_home: Path | None = Field(
        default=None,
        description="Dagster's run storage; default <data_dir>/dagster_home.",
    )
    contract_docs_dir: Path | None = Field(
        default=None,
        description="The contracts' GX Data Docs project; default"
        " <data_dir>/contract_docs.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    duckdb_memory_limit: str = Field(
        default="4GB",
        description="DuckDB memory_limit for pipeline connections, e.g. '4GB'.",
    )
    duckdb_threads: int = Field(default=2, ge=1, le=256)
    # NoDecode: the environment gives a comma-separated list, not JSON.
    collector_write_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Segment write keys the collector accepts, comma-separated.",
    )
    collector_cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to post to the collector.",
    )
    collector_sendgrid_key_file: Path | None = Field(
        default=None,
        description="SendGrid's webhook verification key (base64 DER or PEM);"
        " when set, the collector refuses unsigned email webhooks.",
    )

    @field_validator("collector_write_keys", "collector_cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_with_unit(cls, value: str) -> str:
        number = value.upper().rstrip("IB").rstrip("KMGT")
        if not number.replace(".", "", 1).isdigit():
            raise ValueError("must be a size such as '4GB' or '512MB'")
        return value

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        data_dir = self.data_dir.expanduser().resolve()
        self.data_dir = data_dir
        self.warehouse_path = _resolved(
            self.warehouse_path, data_dir / "warehouse.duckdb"
        )
        self.landing_dir = _resolved(self.landing_dir, data_dir / "landing")
        self.dagster_home = _resolved(self.dagster_home, data_dir / "dagster_home")
        self.contract_docs_dir = _resolved(
            self.contract_docs_dir, data_dir / "contract_docs"
        )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file()
        if config_file is not None:
            sources.append(
                YamlConfigSettingsSource(settings_cls, yaml_file=config_file)
            )
        return tuple(sources)


def _resolved(path: Path | None, default: Path) -> Path:
    return (path or default).expanduser().resolve()


def _config_file() -> Path | None:
    named = os.environ.get(CONFIG_FILE_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(
                f"{CONFIG_FILE_ENV} names {path}, which is not a file: "
                "create it or unset the variable."
            )
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings, turning errors into one clear ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    except yaml.YAMLError as error:
        raise ConfigError(
            f"The configuration file is not valid YAML: {error}"
        ) from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        if item["type"] == "extra_forbidden":
            problems.append(f"unknown setting '{name}' (check its spelling)")
        else:
            env_name = f"CDP_{name.upper()}"
            problems.append(
                f"{name}: {item['msg']} (set {env_name} or '{name}' in YAML)"
            )
    return "Invalid configuration: " + "; ".join(problems) + "."
