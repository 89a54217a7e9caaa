from pathlib import Path

import polars as pl
import pytest

from identity.canonical import canonicalize
from identity.config import IdentityConfig
from identity.model import train
from tests.identity.builders import generate_records


@pytest.fixture(scope="session")
def population() -> tuple[pl.DataFrame, pl.DataFrame]:
    """About 2,700 generated records of 1,500 people, and their truth."""
    return generate_records(1500, seed=11)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, population) -> Path:
    """A model trained once on the generated population, reused by tests."""
    directory = tmp_path_factory.mktemp("identity_model")
    records, _ = population
    config = IdentityConfig()
    train(canonicalize(records, config), config, directory)
    return directory
