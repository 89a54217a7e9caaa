"""A small generated data set shared by the synthetic-generator tests."""

from pathlib import Path

import pytest

from synthetic.orchestrate import generate

PEOPLE = 2000
SEED = 11
# Small chunks so that every test also covers appending across chunks.
CHUNK = 700


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    generate(PEOPLE, SEED, out, progress=False, chunk_size=CHUNK)
    return out


@pytest.fixture(scope="session")
def landing(dataset: Path) -> Path:
    return dataset / "landing"
