"""Data contracts for landing files: readers per vendor format and the raw loader.

This package imports nothing else of ours, so the generator, the orchestration
layer and the tests can all depend on it.
"""

from data_contracts.entities import ENTITIES, Column, Entity, entities_for
from data_contracts.errors import LandingFileError
from data_contracts.loader import FileLoad, load_landing, load_source
from data_contracts.naming import snake_case
from data_contracts.readers import read_landing_file

__all__ = [
    "ENTITIES",
    "Column",
    "Entity",
    "FileLoad",
    "LandingFileError",
    "entities_for",
    "load_landing",
    "load_source",
    "read_landing_file",
    "snake_case",
]
