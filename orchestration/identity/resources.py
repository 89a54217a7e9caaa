"""Where identity resolution keeps its model and settings file."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from identity.config import IdentityConfig
from orchestration.identity.store import load_identity_config, model_dir
from orchestration.settings import Settings


class IdentityResource(dg.ConfigurableResource):
    """The data folder holding `identity/model/` and `identity/settings.yml`."""

    data_dir: str

    @property
    def model_dir(self) -> Path:
        return model_dir(Path(self.data_dir))

    def config(self) -> IdentityConfig:
        return load_identity_config(Path(self.data_dir))


def identity_resource(settings: Settings) -> IdentityResource:
    return IdentityResource(data_dir=str(settings.data_dir))
